//! Following a host's long-lived answer of newline-delimited JSON (heartbeats, navigation
//! events, run events, monitoring events): one reader for all of them, typed, holding at most
//! one unfinished line of a size the caller sets, and safe to race against cancellation.

use std::marker::PhantomData;

use axum::body::{Bytes, HttpBody};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

/// What the next line of the stream brought.
#[derive(Debug)]
pub enum Line<T> {
    /// A line that decoded as `T`.
    Item(T),
    /// A line that did not decode; the stream goes on (a host may send what this server
    /// does not know yet).
    Unreadable(serde_json::Error),
    /// The stream ended where a line ended (or with a partial line, which is dropped).
    End,
    /// The stream broke.
    Failed(String),
    /// An unfinished line grew past the size limit: the stream cannot be followed further.
    TooLong,
}

/// Lines of JSON `T` read from the body `B`.
pub struct NdjsonFollower<B, T> {
    body: B,
    pending: Vec<u8>,
    max_line: usize,
    ended: bool,
    item: PhantomData<fn() -> T>,
}

impl<B, T> NdjsonFollower<B, T>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
    T: DeserializeOwned,
{
    /// Follows `body`; a line may be up to `max_line` bytes.
    pub fn new(body: B, max_line: usize) -> Self {
        Self {
            body,
            pending: Vec::new(),
            max_line,
            ended: false,
            item: PhantomData,
        }
    }

    /// The next line. Cancel-safe: read data is kept in the follower, so this may be raced in
    /// `tokio::select!` against a cancellation and called again.
    pub async fn next(&mut self) -> Line<T> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return match serde_json::from_slice(&line) {
                    Ok(item) => Line::Item(item),
                    Err(e) => Line::Unreadable(e),
                };
            }
            if self.pending.len() > self.max_line {
                return Line::TooLong;
            }
            if self.ended {
                return Line::End;
            }
            match self.body.frame().await {
                Some(Ok(frame)) => {
                    // Trailers carry no lines.
                    if let Ok(data) = frame.into_data() {
                        self.pending.extend_from_slice(&data);
                    }
                }
                Some(Err(e)) => return Line::Failed(e.to_string()),
                None => self.ended = true,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use futures_util::stream;

    fn body_of(chunks: &[&'static str]) -> Body {
        let chunks: Vec<Result<&'static str, std::io::Error>> =
            chunks.iter().map(|c| Ok(*c)).collect();
        Body::from_stream(stream::iter(chunks))
    }

    #[tokio::test]
    async fn lines_split_across_chunks_decode_and_bad_lines_are_reported_not_fatal() {
        let body = body_of(&["{\"n\":1}\n{\"n\"", ":2}\nnot json\n{\"n\":3}\n"]);
        let mut lines = NdjsonFollower::<_, serde_json::Value>::new(body, 64);
        let mut seen = Vec::new();
        loop {
            match lines.next().await {
                Line::Item(value) => seen.push(value["n"].as_i64().unwrap_or(-1)),
                Line::Unreadable(_) => seen.push(0),
                Line::End => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(seen, [1, 2, 0, 3]);
    }

    #[tokio::test]
    async fn an_unfinished_line_over_the_limit_stops_the_stream() {
        let body = body_of(&[
            "{\"n\":1}\n",
            "{\"long\":\"",
            "0123456789012345678901234567890",
        ]);
        let mut lines = NdjsonFollower::<_, serde_json::Value>::new(body, 16);
        assert!(matches!(lines.next().await, Line::Item(_)));
        assert!(matches!(lines.next().await, Line::TooLong));
    }
}
