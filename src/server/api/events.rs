//! `WS /api/events`: pushes every published event to the browser as one JSON text message.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use tokio::sync::broadcast::error::RecvError;

use crate::server::AppState;
use crate::server::events::Event;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/events", get(events))
}

async fn events(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| stream(state, socket))
}

async fn stream(state: AppState, mut socket: WebSocket) {
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
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
