//! The host link's transport: a WebSocket turned into a plain byte stream, so HTTP/2 can run over
//! it. The server end is axum's WebSocket, the host end tokio-tungstenite's; both reduce to "a
//! stream and sink of messages carrying binary payloads", which [`WsMessage`] abstracts.

use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What a received WebSocket message means for the byte stream.
pub enum Payload {
    Data(Bytes),
    /// A control frame (ping, pong, text): nothing for the stream.
    Skip,
    Close,
}

/// What the byte stream needs from a WebSocket message type.
pub trait WsMessage: Sized {
    fn binary(data: Bytes) -> Self;
    fn payload(self) -> Payload;
}

impl WsMessage for axum::extract::ws::Message {
    fn binary(data: Bytes) -> Self {
        Self::Binary(data)
    }
    fn payload(self) -> Payload {
        match self {
            Self::Binary(data) => Payload::Data(data),
            Self::Close(_) => Payload::Close,
            _ => Payload::Skip,
        }
    }
}

impl WsMessage for tokio_tungstenite::tungstenite::Message {
    fn binary(data: Bytes) -> Self {
        Self::Binary(data)
    }
    fn payload(self) -> Payload {
        match self {
            Self::Binary(data) => Payload::Data(data),
            Self::Close(_) => Payload::Close,
            _ => Payload::Skip,
        }
    }
}

/// A WebSocket seen as `AsyncRead + AsyncWrite`: each write becomes one binary message.
pub struct WsByteStream<S, M> {
    socket: S,
    pending: Bytes,
    closed: bool,
    message: PhantomData<fn() -> M>,
}

impl<S, M> WsByteStream<S, M> {
    pub fn new(socket: S) -> Self {
        Self {
            socket,
            pending: Bytes::new(),
            closed: false,
            message: PhantomData,
        }
    }
}

fn to_io<E: std::fmt::Display>(e: E) -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, e.to_string())
}

impl<S, M, E> AsyncRead for WsByteStream<S, M>
where
    S: Stream<Item = Result<M, E>> + Unpin,
    M: WsMessage,
    E: std::fmt::Display,
{
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.pending.is_empty() {
            if this.closed {
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut this.socket).poll_next(cx)) {
                Some(Ok(message)) => match message.payload() {
                    Payload::Data(data) => this.pending = data,
                    Payload::Skip => continue,
                    Payload::Close => this.closed = true,
                },
                Some(Err(e)) => return Poll::Ready(Err(to_io(e))),
                None => this.closed = true,
            }
        }
        let n = this.pending.len().min(buf.remaining());
        buf.put_slice(&this.pending[..n]);
        this.pending.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S, M> AsyncWrite for WsByteStream<S, M>
where
    S: Sink<M> + Unpin,
    S::Error: std::fmt::Display,
    M: WsMessage,
{
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let socket = &mut self.socket;
        ready!(Pin::new(&mut *socket).poll_ready(cx)).map_err(to_io)?;
        Pin::new(&mut *socket)
            .start_send(M::binary(Bytes::copy_from_slice(buf)))
            .map_err(to_io)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.socket).poll_flush(cx).map_err(to_io)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.socket).poll_close(cx).map_err(to_io)
    }
}

/// HTTP/2 settings shared by both ends: windows small enough that a slow viewer of a live
/// stream makes the host skip frames instead of buffering seconds of video in the link.
pub const STREAM_WINDOW: u32 = 256 * 1024;
pub const CONNECTION_WINDOW: u32 = 4 * 1024 * 1024;
pub const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(10);
