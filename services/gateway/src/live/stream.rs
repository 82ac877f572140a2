//! One client's response body: the first frames (hello, then a replay or
//! the reset message), then whatever the hub queues, with a keep-alive
//! comment after every idle `keep_alive`. It ends when the hub dropped the
//! client (queue full), or the gateway shuts down; actix drops it (and so
//! the queue's receiver) when the client goes away.

use super::hub::Subscription;
use bytes::Bytes;
use futures::Stream;
use spot_platform::Shutdown;
use std::collections::VecDeque;
use std::time::Duration;

struct State {
    first: VecDeque<Bytes>,
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    keep_alive: Duration,
    idle: std::pin::Pin<Box<tokio::time::Sleep>>,
    shutdown: Shutdown,
}

/// Most bytes written in one chunk when several messages are queued.
const MAX_CHUNK: usize = 64 * 1024;

/// `first` plus whatever else is queued right now, as one chunk (one write
/// instead of one per message when a client fell a little behind).
fn with_queued(first: Bytes, rx: &mut tokio::sync::mpsc::Receiver<Bytes>) -> Bytes {
    let Ok(next) = rx.try_recv() else { return first };
    let mut chunk = bytes::BytesMut::with_capacity(first.len() * 4);
    chunk.extend_from_slice(&first);
    chunk.extend_from_slice(&next);
    while chunk.len() < MAX_CHUNK {
        match rx.try_recv() {
            Ok(more) => chunk.extend_from_slice(&more),
            Err(_) => break,
        }
    }
    chunk.freeze()
}

/// The body stream of one client.
pub fn body(
    sub: Subscription,
    keep_alive: Duration,
    shutdown: Shutdown,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + 'static {
    let idle = Box::pin(tokio::time::sleep(keep_alive));
    let state = State { first: sub.first.into(), rx: sub.rx, keep_alive, idle, shutdown };
    futures::stream::unfold(state, |mut s| async move {
        if let Some(frame) = s.first.pop_front() {
            return Some((Ok(frame), s));
        }
        let chunk = tokio::select! {
            _ = s.shutdown.wait() => return None,
            next = s.rx.recv() => with_queued(next?, &mut s.rx),
            _ = s.idle.as_mut() => Bytes::from_static(super::frame::KEEP_ALIVE),
        };
        // Keep-alive only after `keep_alive` without any write.
        let at = tokio::time::Instant::now() + s.keep_alive;
        s.idle.as_mut().reset(at);
        Some((Ok(chunk), s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test(start_paused = true)]
    async fn first_frames_then_queue_then_keep_alive_then_end() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let sub = Subscription { first: vec![Bytes::from_static(b"a")], rx };
        let shutdown = Shutdown::new();
        let mut body = std::pin::pin!(body(sub, Duration::from_secs(15), shutdown.clone()));
        assert_eq!(body.next().await.and_then(Result::ok), Some(Bytes::from_static(b"a")));
        let _ = tx.try_send(Bytes::from_static(b"b"));
        assert_eq!(body.next().await.and_then(Result::ok), Some(Bytes::from_static(b"b")));
        // Nothing queued: the paused clock jumps to the keep-alive.
        assert_eq!(
            body.next().await.and_then(Result::ok),
            Some(Bytes::from_static(super::super::frame::KEEP_ALIVE))
        );
        // Several queued messages leave as one chunk.
        let _ = tx.try_send(Bytes::from_static(b"c"));
        let _ = tx.try_send(Bytes::from_static(b"d"));
        assert_eq!(body.next().await.and_then(Result::ok), Some(Bytes::from_static(b"cd")));
        drop(tx);
        assert!(body.next().await.is_none(), "dropped by the hub: the stream ends");
    }

    #[tokio::test]
    async fn shutdown_ends_the_stream() {
        let (_tx, rx) = tokio::sync::mpsc::channel(4);
        let shutdown = Shutdown::new();
        let mut body = std::pin::pin!(body(
            Subscription { first: vec![], rx },
            Duration::from_secs(15),
            shutdown.clone()
        ));
        shutdown.trigger();
        assert!(body.next().await.is_none());
    }
}
