//! Group commit for small writes that arrive together: callers hand their row
//! to one writer task and wait for its commit; the task writes whatever has
//! queued up while the previous batch was in flight as one statement in one
//! transaction. Under a trickle every batch is one row (no added wait); under
//! a storm one commit and one pooled connection serve hundreds of callers
//! instead of each holding a connection through its own WAL flush
//! (docs/BENCHMARKS.md, "Storms").
//!
//! The queue is bounded: when it is full, callers wait for room, and the
//! caller's own admission budget is what refuses work early.

use super::is_unavailable;
use sea_orm::DbErr;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Why a write through [`GroupCommit`] did not commit.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GroupCommitError {
    /// The batch's statement failed; every row of the batch shares the error.
    #[error("batch write failed: {0}")]
    Db(Arc<DbErr>),
    /// The writer task is gone (the service is shutting down).
    #[error("the batch writer has stopped")]
    Stopped,
}

impl GroupCommitError {
    /// True when retrying later can succeed (database unreachable, pool
    /// exhausted, writer stopping), as [`is_unavailable`] says for `DbErr`.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Db(e) => is_unavailable(e),
            Self::Stopped => true,
        }
    }
}

type Reply = oneshot::Sender<Result<(), GroupCommitError>>;

/// A writer task that commits queued rows in batches of at most `max_batch`.
#[derive(Debug)]
pub struct GroupCommit<T> {
    queue: mpsc::Sender<(T, Reply)>,
}

impl<T> Clone for GroupCommit<T> {
    fn clone(&self) -> Self {
        Self { queue: self.queue.clone() }
    }
}

impl<T: Send + 'static> GroupCommit<T> {
    /// Starts the writer task; `write` must commit all rows it is given or
    /// none (one statement, or one transaction). The task ends when the last
    /// handle is dropped.
    pub fn spawn<F, Fut>(max_batch: usize, queue: usize, write: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), DbErr>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(queue.max(1));
        tokio::spawn(run(rx, max_batch.max(1), write));
        Self { queue: tx }
    }

    /// Queues `row` and waits until its batch has committed.
    pub async fn write(&self, row: T) -> Result<(), GroupCommitError> {
        let (reply, done) = oneshot::channel();
        self.queue.send((row, reply)).await.map_err(|_| GroupCommitError::Stopped)?;
        done.await.map_err(|_| GroupCommitError::Stopped)?
    }
}

async fn run<T, F, Fut>(mut rx: mpsc::Receiver<(T, Reply)>, max_batch: usize, write: F)
where
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = Result<(), DbErr>>,
{
    let mut pending = Vec::with_capacity(max_batch);
    // `recv_many` waits for the first row, then takes what else is queued.
    while rx.recv_many(&mut pending, max_batch).await > 0 {
        let (rows, replies): (Vec<T>, Vec<Reply>) = pending.drain(..).unzip();
        let result = write(rows).await.map_err(|e| GroupCommitError::Db(Arc::new(e)));
        for reply in replies {
            // The caller may have given up (its request timed out); its row
            // is committed all the same, which a retry must tolerate.
            let _ = reply.send(result.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn rows_queued_during_a_write_share_the_next_batch() -> Result<(), GroupCommitError> {
        let batches = Arc::new(Mutex::new(Vec::<Vec<u32>>::new()));
        let seen = batches.clone();
        let (gate_tx, gate_rx) = tokio::sync::watch::channel(false);
        let writer = GroupCommit::spawn(3, 16, move |rows: Vec<u32>| {
            let seen = seen.clone();
            let mut gate = gate_rx.clone();
            async move {
                // The first batch waits for the gate, so the rest queue up.
                let _ = gate.wait_for(|open| *open).await;
                seen.lock().map_err(|_| DbErr::Custom("poisoned".into()))?.push(rows);
                Ok(())
            }
        });
        let mut calls = Vec::new();
        for n in 0..5 {
            let w = writer.clone();
            calls.push(tokio::spawn(async move { w.write(n).await }));
            tokio::task::yield_now().await;
        }
        let _ = gate_tx.send(true);
        for call in calls {
            call.await.map_err(|_| GroupCommitError::Stopped)??;
        }
        let batches = batches.lock().map_err(|_| GroupCommitError::Stopped)?.clone();
        let flat: Vec<u32> = batches.iter().flatten().copied().collect();
        let mut sorted = flat.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2, 3, 4], "every row written once: {batches:?}");
        assert!(batches.iter().all(|b| b.len() <= 3), "batches respect the cap: {batches:?}");
        assert!(batches.len() < 5, "rows that queued during a write were batched: {batches:?}");
        Ok(())
    }

    #[tokio::test]
    async fn a_failed_batch_fails_each_of_its_rows() {
        let writer =
            GroupCommit::spawn(8, 8, |_rows: Vec<u32>| async { Err(DbErr::Custom("refused".into())) });
        let outcome = writer.write(1).await;
        assert!(matches!(outcome, Err(GroupCommitError::Db(_))), "{outcome:?}");
        assert!(outcome.is_err_and(|e| !e.is_unavailable()), "a statement error is not an outage");
    }
}
