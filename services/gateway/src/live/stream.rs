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
    shutdown: Shutdown,
}

/// The body stream of one client.
pub fn body(
    sub: Subscription,
    keep_alive: Duration,
    shutdown: Shutdown,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + 'static {
    let state = State { first: sub.first.into(), rx: sub.rx, keep_alive, shutdown };
    futures::stream::unfold(state, |mut s| async move {
        if let Some(frame) = s.first.pop_front() {
            return Some((Ok(frame), s));
        }
        tokio::select! {
            _ = s.shutdown.wait() => None,
            next = s.rx.recv() => next.map(|frame| (Ok(frame), s)),
            _ = tokio::time::sleep(s.keep_alive) => Some((Ok(Bytes::from_static(super::frame::KEEP_ALIVE)), s)),
        }
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
