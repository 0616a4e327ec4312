//! The host's end of the link: find the server (configured URL or mDNS), dial it, say hello,
//! then serve the host's own router over HTTP/2 inside the WebSocket until the link ends, and
//! dial again with capped exponential backoff. The server never connects to the host.

use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;

use super::{HostState, JoinOptions};
use crate::link::{CONNECTION_WINDOW, KEEP_ALIVE, STREAM_WINDOW, WsByteStream};
use crate::mdns::{Mdns, Role};
use crate::protocol::{CONNECT_PATH, Challenge, Hello, LinkReply, PROTOCOL_VERSION, RefusalCode};

const FIRST_RETRY: Duration = Duration::from_millis(500);
/// How often a host waiting for approval asks again, so it joins soon after an admin approves.
const PENDING_RETRY: Duration = Duration::from_secs(2);
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error("the server refused this host's token (check host.token / VPT_HOST__TOKEN)")]
    BadToken,
    #[error("the server refused this host: {reason}")]
    Refused { code: RefusalCode, reason: String },
    #[error("{0}")]
    Failed(String),
}

/// Keeps the link up until `shutdown`.
pub async fn run(state: HostState, join: JoinOptions, api_port: u16, shutdown: CancellationToken) {
    let mdns = if state.mdns_enabled {
        match Mdns::start(Role::Host, &state.name, api_port, Role::Server, |_| {}) {
            Ok(mdns) => Some(mdns),
            Err(e) => {
                tracing::warn!(error = %e, "mDNS unavailable");
                None
            }
        }
    } else {
        None
    };
    let max_wait = Duration::from_millis(state.config.host.reconnect_max_ms.max(500));
    let mut wait = FIRST_RETRY;
    loop {
        let server = match &join.server_url {
            Some(url) => url.clone(),
            None => {
                let Some(mdns) = &mdns else {
                    state.set_link(
                        "disconnected",
                        None,
                        Some("no server_url configured and mDNS is disabled".into()),
                    );
                    tracing::error!("no server to join: set host.server_url or enable mDNS");
                    shutdown.cancelled().await;
                    return;
                };
                state.set_link("discovering", None, None);
                tokio::select! {
                    url = discover(mdns) => url,
                    _ = shutdown.cancelled() => return,
                }
            }
        };
        state.set_link("connecting", Some(server.clone()), None);
        let outcome = tokio::select! {
            outcome = join_server(&state, &server, &join.token) => outcome,
            _ = shutdown.cancelled() => return,
        };
        match outcome {
            Ok(reason) => {
                tracing::warn!(%server, %reason, "link to server ended; reconnecting");
                state.set_link("disconnected", Some(server.clone()), Some(reason));
                wait = FIRST_RETRY;
            }
            Err(LinkError::Refused {
                code: RefusalCode::Pending,
                reason,
            }) => {
                tracing::warn!(%server, %reason, "waiting for approval");
                state.set_link("pending", Some(server.clone()), Some(reason));
                wait = PENDING_RETRY;
            }
            Err(e) => {
                let permanent = match &e {
                    LinkError::BadToken => true,
                    LinkError::Refused { code, .. } => code.is_permanent(),
                    LinkError::Failed(_) => false,
                };
                if permanent {
                    tracing::error!(%server, error = %e, "cannot join server");
                    wait = max_wait;
                } else {
                    tracing::warn!(%server, error = %e, retry_in_ms = wait.as_millis() as u64, "cannot join server");
                }
                let label = if matches!(e, LinkError::Failed(_)) {
                    "disconnected"
                } else {
                    "refused"
                };
                state.set_link(label, Some(server.clone()), Some(e.to_string()));
            }
        }
        // Jitter spreads a rack of hosts reconnecting after a server restart.
        let jittered = wait.mul_f64(0.8 + fastrand::f64() * 0.4);
        tokio::select! {
            _ = tokio::time::sleep(jittered) => {}
            _ = shutdown.cancelled() => return,
        }
        if wait != PENDING_RETRY {
            wait = (wait * 2).min(max_wait);
        }
    }
}

/// One link session. Hosts approved before host keys hold a credential the server handed them:
/// they present it (the server then binds their key to their approval); a credential the server
/// does not know falls back to the join token at once, so the host shows up for approval again.
async fn join_server(
    state: &HostState,
    server: &str,
    join_token: &str,
) -> Result<String, LinkError> {
    let data_dir = &state.config.general.data_dir;
    if let Some(own) = super::credential::load(data_dir, &state.name) {
        match connect_once(state, server, &own).await {
            Err(LinkError::BadToken) => {
                tracing::warn!(%server, "the server does not know this host's credential; dialing with the join token");
            }
            outcome => return outcome,
        }
    }
    connect_once(state, server, join_token).await
}

/// Waits until a server is seen on the LAN with an address we can dial.
async fn discover(mdns: &Mdns) -> String {
    tracing::info!("looking for a vpt server on the LAN (mDNS)");
    loop {
        // Prefer an IPv4 (or routable IPv6) address; a link-local one may be all we see at first.
        let peers = mdns.peers();
        let usable = peers.iter().find(|p| {
            p.best_address()
                .is_some_and(|ip| ip.is_ipv4() || !is_link_local_v6(&ip))
        });
        if let Some(url) = usable.and_then(|p| p.base_url()) {
            tracing::info!(%url, "found a server over mDNS");
            return url;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn is_link_local_v6(ip: &std::net::IpAddr) -> bool {
    matches!(ip, std::net::IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80)
}

/// `http://server:5109` → `ws://server:5109/api/hosts/connect`; `https://` → `wss://`.
pub fn link_url(server: &str) -> Result<String, String> {
    let (scheme, rest) = match server.trim().split_once("://") {
        Some(("http" | "ws", rest)) => ("ws", rest),
        Some(("https" | "wss", rest)) => ("wss", rest),
        Some((other, _)) => {
            return Err(format!(
                "`{server}`: use an http:// or https:// URL (not {other}://)"
            ));
        }
        None => ("ws", server.trim()),
    };
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() {
        return Err(format!("`{server}` has no host name"));
    }
    let path = if rest.ends_with(CONNECT_PATH) {
        ""
    } else {
        CONNECT_PATH
    };
    Ok(format!("{scheme}://{rest}{path}"))
}

/// One link session. `Ok(reason)` once a joined link ends; `Err` if joining failed.
async fn connect_once(state: &HostState, server: &str, token: &str) -> Result<String, LinkError> {
    let url = link_url(server).map_err(LinkError::Failed)?;
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| LinkError::Failed(format!("bad server URL `{server}`: {e}")))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        LinkError::Failed("the host token has characters a header cannot carry".into())
    })?;
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    let connector = crate::tls::connector(&state.link_tls);
    let (mut socket, _) = match tokio_tungstenite::connect_async_tls_with_config(
        request,
        None,
        false,
        Some(connector),
    )
    .await
    {
        Ok(pair) => pair,
        Err(tungstenite::Error::Http(response))
            if response.status() == StatusCode::UNAUTHORIZED =>
        {
            return Err(LinkError::BadToken);
        }
        Err(e) => return Err(LinkError::Failed(format!("cannot reach {url}: {e}"))),
    };

    let challenge = tokio::time::timeout(REPLY_TIMEOUT, next_text(&mut socket))
        .await
        .map_err(|_| LinkError::Failed("the server sent no challenge".into()))??;
    let challenge: Challenge = serde_json::from_str(&challenge).map_err(|e| {
        LinkError::Failed(format!(
            "unreadable challenge (is the server the same vpt version?): {e}"
        ))
    })?;
    let hello = Hello {
        key: Some(state.key.prove(&challenge.nonce, &state.name)),
        name: state.name.to_string(),
        version: env!("CARGO_PKG_VERSION").into(),
        protocol_version: PROTOCOL_VERSION,
        heartbeat_interval_ms: state.config.host.heartbeat_interval_ms,
        uptime_secs: state.started.elapsed().as_secs(),
        devices: state.devices.infos().await,
    };
    send_hello(&mut socket, &hello).await?;
    let reply = tokio::time::timeout(REPLY_TIMEOUT, next_text(&mut socket))
        .await
        .map_err(|_| LinkError::Failed("the server did not answer the hello".into()))??;
    match serde_json::from_str::<LinkReply>(&reply) {
        Ok(LinkReply::Welcome { .. }) => {}
        Ok(LinkReply::Refused { code, reason }) => return Err(LinkError::Refused { code, reason }),
        Err(e) => {
            return Err(LinkError::Failed(format!(
                "unreadable answer to hello: {e}"
            )));
        }
    }
    tracing::info!(%server, name = %state.name, "joined server");
    state.set_link("connected", Some(server.to_string()), None);

    let service = TowerToHyperService::new(super::api::router(state.clone()));
    let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .keep_alive_interval(KEEP_ALIVE)
        .keep_alive_timeout(KEEP_ALIVE)
        .serve_connection(TokioIo::new(WsByteStream::new(socket)), service);
    Ok(match connection.await {
        Ok(()) => "the server closed the link".to_string(),
        Err(e) => format!("link failed: {e}"),
    })
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send_hello(socket: &mut Socket, hello: &Hello) -> Result<(), LinkError> {
    use futures_util::SinkExt;
    let text = serde_json::to_string(hello).map_err(|e| LinkError::Failed(e.to_string()))?;
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|e| LinkError::Failed(format!("cannot send hello: {e}")))
}

async fn next_text(socket: &mut Socket) -> Result<String, LinkError> {
    use futures_util::StreamExt;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.to_string()),
            Some(Ok(Message::Close(_))) | None => {
                return Err(LinkError::Failed(
                    "the server closed the link during hello".into(),
                ));
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                return Err(LinkError::Failed(format!("link failed during hello: {e}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_urls() {
        assert_eq!(
            link_url("http://10.0.0.5:5109/").unwrap(),
            "ws://10.0.0.5:5109/api/hosts/connect"
        );
        assert_eq!(
            link_url("server.lan:5109").unwrap(),
            "ws://server.lan:5109/api/hosts/connect"
        );
        assert_eq!(
            link_url("https://vpt.example.com").unwrap(),
            "wss://vpt.example.com/api/hosts/connect"
        );
        assert!(link_url("ftp://x").is_err());
        assert!(link_url("http://").is_err());
    }
}
