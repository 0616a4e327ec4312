//! `WS /api/events`: pushes every published event to the browser as one JSON text message, until
//! the credential it was opened with stops working (see `auth::live`).

use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use tokio::sync::broadcast::error::RecvError;

use crate::server::AppState;
use crate::server::auth::live::LiveCredential;
use crate::server::events::Event;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/events", get(events))
}

async fn events(
    State(state): State<AppState>,
    live: Option<Extension<LiveCredential>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let live = live.map(|Extension(live)| live);
    upgrade.on_upgrade(move |socket| stream(state, live, socket))
}

async fn stream(state: AppState, live: Option<LiveCredential>, mut socket: WebSocket) {
    // Auth off: nothing to end with.
    let credential_ended = async move {
        match live {
            Some(live) => live.ended().await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(credential_ended);
    let mut events = state.events.subscribe();
    let hello = Event::new(
        "hello",
        &serde_json::json!({ "version": env!("CARGO_PKG_VERSION") }),
    );
    if socket
        .send(Message::Text(hello.to_json().as_ref().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            event = events.recv() => {
                let text = match event {
                    Ok(text) => text,
                    // Too slow to keep up: tell the client to refetch instead of dropping it.
                    Err(RecvError::Lagged(_)) => Event::new("resync", &serde_json::json!({})).to_json(),
                    Err(RecvError::Closed) => return,
                };
                if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                    return;
                }
            }
            _ = state.shutdown.cancelled() => return,
            () = &mut credential_ended => {
                // 1008: policy violation, the close code for "no longer allowed".
                let close = axum::extract::ws::CloseFrame {
                    code: 1008,
                    reason: "signed out or credential revoked".into(),
                };
                let _ = socket.send(Message::Close(Some(close))).await;
                return;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
