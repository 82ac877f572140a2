//! Per-agent caches of the answers agents poll for (config every 60 s,
//! pending commands every 15 s), so polling does not reach the database.
//!
//! Lifecycle publishes `agent_config_changed` / `agent_commands_changed`
//! after every change; the gateway listens on core NATS and drops the entry.
//! A generation counter per agent stops a slow fill that started before an
//! invalidation from storing a stale answer. Invalidations published while
//! the gateway was disconnected from NATS are lost, so every reconnect
//! clears the caches; a long TTL is only the last resort.
//!
//! Entries of agents that stopped polling (a v4 agent registers anew with a
//! new id at every start, so every restart leaves one behind) are dropped
//! by [`AgentCache::sweep`] once unread for a while (`crate::sweep`).

use spot_domain::AgentId;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Whole seconds since `born`: a cheap "last used" stamp kept in an atomic,
/// so a read under the shared lock can update it.
pub(crate) fn stamp(born: Instant) -> u64 {
    born.elapsed().as_secs()
}

/// Gives memory back once a map is mostly empty (a fleet that shrank), not
/// on every sweep: a rehash under the write lock stalls every poll.
pub(crate) fn shrink_if_sparse<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > 1024 && map.len() < map.capacity() / 4 {
        map.shrink_to_fit();
    }
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    stored: Instant,
    used: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
struct Generation {
    n: u64,
    bumped: Instant,
}

#[derive(Debug)]
struct Inner<V> {
    entries: HashMap<AgentId, Entry<V>>,
    generations: HashMap<AgentId, Generation>,
    /// Bumped by [`AgentCache::clear`]; part of every generation.
    epoch: u64,
}

impl<V> Inner<V> {
    fn generation(&self, agent: AgentId) -> u64 {
        (self.epoch << 32) | (self.generations.get(&agent).map_or(0, |g| g.n) & 0xffff_ffff)
    }
}

/// A cache of one kind of answer.
#[derive(Debug)]
pub struct AgentCache<V> {
    inner: RwLock<Inner<V>>,
    ttl: Duration,
    born: Instant,
}

impl<V: Clone> AgentCache<V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            inner: RwLock::new(Inner { entries: HashMap::new(), generations: HashMap::new(), epoch: 0 }),
            ttl,
            born: Instant::now(),
        }
    }

    /// A fresh cached value.
    pub fn get(&self, agent: AgentId) -> Option<V> {
        let inner = self.inner.read().ok()?;
        let entry = inner.entries.get(&agent).filter(|e| e.stored.elapsed() < self.ttl)?;
        entry.used.store(stamp(self.born), Ordering::Relaxed);
        Some(entry.value.clone())
    }

    /// Agents with an entry.
    pub fn len(&self) -> usize {
        self.inner.read().map_or(0, |i| i.entries.len())
    }

    /// True when no agent has an entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops entries unread for `idle` or past the TTL, and the generations
    /// of agents without an entry bumped more than `idle` ago. `idle` must be
    /// far longer than a fill can take (a lifecycle call, bounded by its
    /// deadline): a fill still in flight then never sees a dropped
    /// generation come back as the number it read.
    pub fn sweep(&self, idle: Duration) {
        let Ok(mut inner) = self.inner.write() else { return };
        let now = stamp(self.born);
        let ttl = self.ttl;
        inner.entries.retain(|_, e| {
            e.stored.elapsed() < ttl && now.saturating_sub(e.used.load(Ordering::Relaxed)) < idle.as_secs()
        });
        let Inner { entries, generations, .. } = &mut *inner;
        generations.retain(|agent, g| entries.contains_key(agent) || g.bumped.elapsed() < idle);
        shrink_if_sparse(entries);
        shrink_if_sparse(generations);
    }

    /// The generation to pass to [`AgentCache::put`] after a fill.
    pub fn generation(&self, agent: AgentId) -> u64 {
        self.inner.read().ok().map(|i| i.generation(agent)).unwrap_or(u64::MAX)
    }

    /// The generation of an agent id this cache has never seen (a new
    /// agent's): read before the call that mints the id, so an invalidation
    /// or a clear that arrives before the answer is stored wins.
    pub fn unseen_generation(&self) -> u64 {
        self.inner.read().ok().map(|i| i.epoch << 32).unwrap_or(u64::MAX)
    }

    /// Stores a value unless the agent was invalidated since `generation`.
    pub fn put(&self, agent: AgentId, generation: u64, value: V) {
        if let Ok(mut inner) = self.inner.write()
            && inner.generation(agent) == generation
        {
            let used = AtomicU64::new(stamp(self.born));
            inner.entries.insert(agent, Entry { value, stored: Instant::now(), used });
        }
    }

    /// Drops every entry (after a NATS reconnect) and starts a new epoch, so
    /// no fill that started before can store its answer.
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.write() {
            inner.entries.clear();
            inner.epoch += 1;
        }
    }

    /// Drops the agent's entry and bumps its generation.
    pub fn invalidate(&self, agent: AgentId) {
        if let Ok(mut inner) = self.inner.write() {
            inner.entries.remove(&agent);
            let bumped = Instant::now();
            inner
                .generations
                .entry(agent)
                .and_modify(|g| *g = Generation { n: g.n + 1, bumped })
                .or_insert(Generation { n: 1, bumped });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidation_beats_a_slow_fill() {
        let cache = AgentCache::new(Duration::from_secs(60));
        let agent = AgentId::new_v7();
        let generation = cache.generation(agent);
        cache.invalidate(agent); // a change lands while the fill is in flight
        cache.put(agent, generation, 1);
        assert_eq!(cache.get(agent), None);
        let generation = cache.generation(agent);
        cache.put(agent, generation, 2);
        assert_eq!(cache.get(agent), Some(2));
        cache.invalidate(agent);
        assert_eq!(cache.get(agent), None);
    }

    #[test]
    fn clear_drops_everything_and_beats_fills_in_flight() {
        let cache = AgentCache::new(Duration::from_secs(60));
        let (a, b) = (AgentId::new_v7(), AgentId::new_v7());
        cache.put(a, 0, 1);
        let in_flight = cache.generation(a);
        cache.put(b, 0, 2);
        cache.clear();
        assert_eq!((cache.get(a), cache.get(b)), (None, None));
        cache.put(a, in_flight, 3);
        assert_eq!(cache.get(a), None);
        cache.put(a, cache.generation(a), 4);
        assert_eq!(cache.get(a), Some(4));
    }

    #[test]
    fn sweeping_drops_what_was_not_read_and_keeps_what_was() {
        let cache = AgentCache::new(Duration::from_secs(60));
        let (read, unread, gone) = (AgentId::new_v7(), AgentId::new_v7(), AgentId::new_v7());
        cache.put(read, 0, 1);
        cache.put(unread, 0, 2);
        cache.invalidate(gone);
        cache.sweep(Duration::from_secs(3600));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(read), Some(1));
        // With no idle time allowed, every entry and lone generation goes.
        cache.sweep(Duration::ZERO);
        assert!(cache.is_empty());
        assert_eq!(cache.generation(gone), 0);
        cache.put(read, cache.generation(read), 3);
        assert_eq!(cache.get(read), Some(3));
    }

    #[test]
    fn a_recent_generation_survives_the_sweep_so_a_fill_in_flight_still_loses() {
        let cache = AgentCache::new(Duration::from_secs(60));
        let agent = AgentId::new_v7();
        let in_flight = cache.generation(agent);
        cache.invalidate(agent);
        cache.sweep(Duration::from_secs(3600));
        cache.put(agent, in_flight, 1);
        assert_eq!(cache.get(agent), None);
    }

    #[test]
    fn a_new_agents_answer_is_stored_unless_something_changed_first() {
        let cache = AgentCache::new(Duration::from_secs(60));
        let generation = cache.unseen_generation();
        let (quiet, changed, cleared) = (AgentId::new_v7(), AgentId::new_v7(), AgentId::new_v7());
        cache.put(quiet, generation, 1);
        assert_eq!(cache.get(quiet), Some(1));
        cache.invalidate(changed); // e.g. a command queued before the answer came back
        cache.put(changed, generation, 1);
        assert_eq!(cache.get(changed), None);
        cache.clear();
        cache.put(cleared, generation, 1);
        assert_eq!(cache.get(cleared), None);
    }

    #[test]
    fn entries_expire() {
        let cache = AgentCache::new(Duration::from_millis(0));
        let agent = AgentId::new_v7();
        cache.put(agent, 0, 1);
        assert_eq!(cache.get(agent), None);
    }
}
