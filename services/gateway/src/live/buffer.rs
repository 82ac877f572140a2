//! The replay buffer behind `Last-Event-ID`: the newest `capacity` messages,
//! numbered without gaps. Ids start at `base + 1`, where `base` is the
//! process's start time in milliseconds shifted left by 22 bits, so the ids
//! of another gateway process (a restart, another replica) fall outside
//! this buffer's range and such a resume starts fresh instead of replaying
//! the wrong events (4 million messages per millisecond of start-time
//! difference keep the ranges apart).

use super::Scope;
use bytes::Bytes;
use spot_domain::ClientId;
use std::collections::VecDeque;
use std::sync::Arc;

/// A numbered, framed message.
#[derive(Debug)]
pub struct Stamped {
    pub id: u64,
    pub client: Option<ClientId>,
    pub frame: Bytes,
}

/// What a resume gets.
#[derive(Debug)]
pub enum Resume {
    /// Everything after the client's id, in order (possibly nothing).
    Replay(Vec<Arc<Stamped>>),
    /// The id is garbage, from another process, or older than the buffer:
    /// start fresh.
    Reset,
}

/// The bounded buffer.
#[derive(Debug)]
pub struct ReplayBuffer {
    capacity: usize,
    items: VecDeque<Arc<Stamped>>,
    /// Id of the newest message (`base` before the first).
    newest: u64,
}

impl ReplayBuffer {
    /// An empty buffer whose first id is `base + 1`.
    pub fn new(capacity: usize, base: u64) -> Self {
        Self {
            capacity: capacity.max(1),
            items: VecDeque::with_capacity(capacity.clamp(1, 65_536)),
            newest: base,
        }
    }

    /// The `base` for a process started `start_ms` milliseconds after the epoch.
    pub fn base_for(start_ms: u64) -> u64 {
        (start_ms & ((1 << 41) - 1)) << 22
    }

    /// Numbers and frames a message, keeps it (dropping the oldest when full).
    pub fn push(&mut self, client: Option<ClientId>, frame: impl FnOnce(u64) -> Bytes) -> Arc<Stamped> {
        self.newest += 1;
        let stamped = Arc::new(Stamped { id: self.newest, client, frame: frame(self.newest) });
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(stamped.clone());
        stamped
    }

    /// Id of the newest message.
    pub fn newest(&self) -> u64 {
        self.newest
    }

    /// What a client that last saw `last` (already parsed; `None` = garbage)
    /// gets, filtered to its scope.
    pub fn resume(&self, last: Option<u64>, scope: Scope) -> Resume {
        let Some(last) = last else { return Resume::Reset };
        let oldest = self.items.front().map_or(self.newest + 1, |s| s.id);
        // `last == oldest - 1`: the client has everything before our oldest.
        if last > self.newest || last.saturating_add(1) < oldest {
            return Resume::Reset;
        }
        let skip = usize::try_from(last + 1 - oldest).unwrap_or(usize::MAX);
        Resume::Replay(self.items.iter().skip(skip).filter(|s| scope.sees(s.client)).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(r: Resume) -> Option<Vec<u64>> {
        match r {
            Resume::Replay(items) => Some(items.iter().map(|s| s.id).collect()),
            Resume::Reset => None,
        }
    }

    fn filled(capacity: usize, n: u64, client: Option<ClientId>) -> ReplayBuffer {
        let mut b = ReplayBuffer::new(capacity, 1000);
        for _ in 0..n {
            b.push(client, |id| Bytes::from(id.to_string()));
        }
        b
    }

    #[test]
    fn replays_what_came_after_the_last_id() {
        let b = filled(10, 5, None);
        assert_eq!(b.newest(), 1005);
        assert_eq!(ids(b.resume(Some(1002), Scope::All)), Some(vec![1003, 1004, 1005]));
        assert_eq!(ids(b.resume(Some(1005), Scope::All)), Some(vec![]));
        assert_eq!(ids(b.resume(Some(1000), Scope::All)), Some(vec![1001, 1002, 1003, 1004, 1005]));
    }

    #[test]
    fn too_old_too_new_or_garbage_starts_fresh() {
        let b = filled(3, 10, None); // keeps 1008..=1010
        assert_eq!(ids(b.resume(Some(1007), Scope::All)), Some(vec![1008, 1009, 1010]));
        assert_eq!(ids(b.resume(Some(1006), Scope::All)), None, "1007 was evicted");
        assert_eq!(ids(b.resume(Some(1011), Scope::All)), None, "from the future (another process)");
        assert_eq!(ids(b.resume(Some(5), Scope::All)), None);
        assert_eq!(ids(b.resume(None, Scope::All)), None);
        assert_eq!(ids(b.resume(Some(u64::MAX), Scope::All)), None);
    }

    #[test]
    fn an_empty_buffer_resumes_its_own_base_only() {
        let b = ReplayBuffer::new(3, 1000);
        assert_eq!(ids(b.resume(Some(1000), Scope::All)), Some(vec![]));
        assert_eq!(ids(b.resume(Some(999), Scope::All)), None);
    }

    #[test]
    fn replay_is_filtered_to_the_scope() {
        let (a, other) = (ClientId::new_v7(), ClientId::new_v7());
        let mut b = ReplayBuffer::new(10, 0);
        b.push(Some(a), |_| Bytes::new());
        b.push(Some(other), |_| Bytes::new());
        b.push(None, |_| Bytes::new());
        assert_eq!(ids(b.resume(Some(0), Scope::Client(a))), Some(vec![1, 3]));
        assert_eq!(ids(b.resume(Some(0), Scope::All)), Some(vec![1, 2, 3]));
    }

    #[test]
    fn bases_of_different_start_times_are_far_apart() {
        let one = ReplayBuffer::base_for(1_800_000_000_000);
        let two = ReplayBuffer::base_for(1_800_000_000_001);
        assert_eq!(two - one, 1 << 22);
        assert!(one > 0);
    }
}
