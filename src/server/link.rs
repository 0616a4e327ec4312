//! The server's end of a host link (see `protocol` for the sequence): checks the token at the
//! upgrade, reads the hello, answers, then becomes the HTTP/2 client of the host's router and
//! reads heartbeats until the link ends or goes silent.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio_util::sync::CancellationToken;

use super::AppState;
use super::db::host_approvals::Presented;
use super::ndjson::{Line, NdjsonFollower};
use super::registry::LinkHandle;
use crate::api_error::ApiError;
use crate::link::{CONNECTION_WINDOW, KEEP_ALIVE, STREAM_WINDOW, WsByteStream};
use crate::protocol::{
    Challenge, HEARTBEAT_PATH, Heartbeat, Hello, LinkReply, PROTOCOL_VERSION, RefusalCode,
};

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
static NEXT_LINK_ID: AtomicU64 = AtomicU64::new(1);

/// Longest heartbeat line accepted (a heartbeat lists the host's devices).
const MAX_HEARTBEAT_LINE: usize = 4 * 1024 * 1024;

/// `GET /api/hosts/connect`: the WebSocket a host dials.
pub async fn connect(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(presented) = super::host_approval::presented(&state, &headers).await else {
        tracing::warn!(%peer, "host link refused: missing or wrong token");
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_token",
            "the host token (or the host's own credential) is missing or wrong",
        )
        .into_response();
    };
    let auto =
        super::host_approval::auto_approves(state.config.auth.auto_approve_hosts, peer, &headers);
    upgrade
        .max_message_size(16 * 1024 * 1024)
        .on_upgrade(move |socket| run(state, socket, peer, presented, auto))
}

async fn run(
    state: AppState,
    mut socket: WebSocket,
    peer: SocketAddr,
    presented: Presented,
    auto: bool,
) {
    let nonce = crate::token::random_hex(32);
    let challenge = serde_json::to_string(&Challenge {
        nonce: nonce.clone(),
    })
    .unwrap_or_default();
    if socket.send(Message::Text(challenge.into())).await.is_err() {
        return;
    }
    let (hello, key) = match read_hello(&mut socket, &nonce).await {
        Ok(pair) => pair,
        Err((code, reason)) => {
            tracing::warn!(%peer, %reason, "host link refused");
            refuse(socket, code, reason).await;
            return;
        }
    };
    let name = hello.name.clone();
    if state.registry.is_online(&name) {
        let reason = format!("a host named `{name}` is already connected");
        tracing::warn!(%peer, %reason, "host link refused");
        refuse(socket, RefusalCode::DuplicateName, reason).await;
        return;
    }
    match super::host_approval::admit(&state, &name, presented, &key, auto, peer).await {
        Ok(Ok(())) => {}
        Ok(Err((code, reason))) => {
            tracing::warn!(%peer, host = %name, %reason, "host link refused");
            refuse(socket, code, reason).await;
            return;
        }
        Err(e) => {
            tracing::error!(%peer, host = %name, error = %e, "host link refused: cannot check its approval");
            let reason = "the server cannot check this host's approval; try again".to_string();
            refuse(socket, RefusalCode::Pending, reason).await;
            return;
        }
    };
    let welcome = LinkReply::Welcome {
        host_id: name.clone(),
        server_version: env!("CARGO_PKG_VERSION").into(),
    };
    if send_reply(&mut socket, &welcome).await.is_err() {
        return;
    }

    let io = TokioIo::new(WsByteStream::new(socket));
    let handshake = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .keep_alive_interval(KEEP_ALIVE)
        .keep_alive_timeout(KEEP_ALIVE)
        .handshake::<_, Body>(io)
        .await;
    let (sender, connection) = match handshake {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!(host = %name, error = %e, "host link: HTTP/2 handshake failed");
            return;
        }
    };
    let mut connection = tokio::spawn(connection);
    let link = LinkHandle {
        id: NEXT_LINK_ID.fetch_add(1, Ordering::Relaxed),
        sender,
        close: CancellationToken::new(),
    };
    if !state
        .registry
        .attach_link(&hello, peer.to_string(), link.clone())
        .await
    {
        connection.abort();
        return;
    }
    let journal = tokio::spawn(super::incidents::follow(
        state.clone(),
        name.clone(),
        link.clone(),
    ));
    let reason = tokio::select! {
        reason = read_heartbeats(&state, &name, &link) => reason,
        _ = link.close.cancelled() => "link closed by the server".to_string(),
        ended = &mut connection => match ended {
            Ok(Ok(())) => "host closed the link".to_string(),
            Ok(Err(e)) => format!("link failed: {e}"),
            Err(e) => format!("link task failed: {e}"),
        },
    };
    journal.abort();
    connection.abort();
    state.registry.detach_link(&name, link.id, &reason).await;
}

/// The host's hello and the fingerprint of the key it proved for `nonce`.
async fn read_hello(
    socket: &mut WebSocket,
    nonce: &str,
) -> Result<(Hello, String), (RefusalCode, String)> {
    let bad = |reason: String| (RefusalCode::BadHello, reason);
    let message = tokio::time::timeout(HELLO_TIMEOUT, socket.recv())
        .await
        .map_err(|_| bad("no hello within 10 s".into()))?
        .ok_or_else(|| bad("link closed before hello".into()))?
        .map_err(|e| bad(format!("link failed before hello: {e}")))?;
    let Message::Text(text) = message else {
        return Err(bad("the first message must be a JSON hello".into()));
    };
    let hello: Hello =
        serde_json::from_str(&text).map_err(|e| bad(format!("unreadable hello: {e}")))?;
    if hello.protocol_version != PROTOCOL_VERSION {
        return Err((
            RefusalCode::ProtocolVersion,
            format!(
                "host speaks link protocol {} but this server (vpt {}) speaks {}; run the same vpt version on both",
                hello.protocol_version,
                env!("CARGO_PKG_VERSION"),
                PROTOCOL_VERSION
            ),
        ));
    }
    if hello.version.len() > 64 || hello.version.chars().any(char::is_control) {
        return Err(bad("the hello's version is not a version".into()));
    }
    if let Some(problem) = crate::protocol::device_list_problem(&hello.devices) {
        return Err(bad(format!("device list refused: {problem}")));
    }
    if !crate::ids::is_valid_id(&hello.name) {
        return Err(bad(format!(
            "host name `{}` must use letters, digits, `-`, `_` and `.` only",
            hello.name
        )));
    }
    let Some(proof) = &hello.key else {
        return Err(bad("the hello carries no key proof".into()));
    };
    let fingerprint = crate::protocol::verify_key_proof(proof, nonce, &hello.name).map_err(bad)?;
    Ok((hello, fingerprint))
}

async fn send_reply(socket: &mut WebSocket, reply: &LinkReply) -> Result<(), axum::Error> {
    let text = serde_json::to_string(reply).unwrap_or_default();
    socket.send(Message::Text(text.into())).await
}

async fn refuse(mut socket: WebSocket, code: RefusalCode, reason: String) {
    let _ = send_reply(&mut socket, &LinkReply::Refused { code, reason }).await;
    let _ = socket.send(Message::Close(None)).await;
}

/// Reads the host's heartbeat stream; returns why it ended.
async fn read_heartbeats(state: &AppState, host: &str, link: &LinkHandle) -> String {
    let request = match Request::get(format!("http://{host}{HEARTBEAT_PATH}")).body(Body::empty()) {
        Ok(request) => request,
        Err(e) => return format!("bad heartbeat request: {e}"),
    };
    let mut sender = link.sender.clone();
    let response = match sender.send_request(request).await {
        Ok(response) if response.status().is_success() => response,
        Ok(response) => return format!("heartbeat stream refused: {}", response.status()),
        Err(e) => return format!("heartbeat stream failed: {e}"),
    };
    let mut beats = NdjsonFollower::<_, Heartbeat>::new(response.into_body(), MAX_HEARTBEAT_LINE);
    loop {
        match beats.next().await {
            Line::Item(beat) => {
                // A host whose devices turn unacceptable is cut off; its next hello is
                // refused with the reason, which the host logs.
                if let Some(problem) = crate::protocol::device_list_problem(&beat.devices) {
                    tracing::warn!(%host, %problem, "heartbeat refused");
                    return format!("heartbeat refused: {problem}");
                }
                state.registry.heartbeat(host, link.id, beat).await
            }
            Line::Unreadable(e) => {
                tracing::warn!(%host, error = %e, "unreadable heartbeat ignored")
            }
            Line::Failed(e) => return format!("heartbeat stream failed: {e}"),
            Line::End => return "heartbeat stream ended".into(),
            Line::TooLong => return "heartbeat line too long".into(),
        }
    }
}
