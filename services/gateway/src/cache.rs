//! Per-agent caches of the answers agents poll for (config every 60 s,
//! pending commands every 15 s), so polling does not reach the database.
//!
//! Lifecycle publishes `agent_config_changed` / `agent_commands_changed`
//! after every change; the gateway listens on core NATS and drops the entry.
//! A generation counter per agent stops a slow fill that started before an
//! invalidation from storing a stale answer. Invalidations published while
//! the gateway was disconnected from NATS are lost, so every reconnect
//! clears the caches; a long TTL is only the last resort.

use spot_domain::AgentId;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Entry<V> {
    value: V,
    stored: Instant,
}

#[derive(Debug)]
struct Inner<V> {
    entries: HashMap<AgentId, Entry<V>>,
    generations: HashMap<AgentId, u64>,
    /// Bumped by [`AgentCache::clear`]; part of every generation.
    epoch: u64,
}

impl<V> Inner<V> {
    fn generation(&self, agent: AgentId) -> u64 {
        (self.epoch << 32) | (self.generations.get(&agent).copied().unwrap_or(0) & 0xffff_ffff)
    }
}

/// A cache of one kind of answer.
#[derive(Debug)]
pub struct AgentCache<V> {
    inner: RwLock<Inner<V>>,
    ttl: Duration,
}

impl<V: Clone> AgentCache<V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            inner: RwLock::new(Inner { entries: HashMap::new(), generations: HashMap::new(), epoch: 0 }),
            ttl,
        }
    }

    /// A fresh cached value.
    pub fn get(&self, agent: AgentId) -> Option<V> {
        let inner = self.inner.read().ok()?;
        inner.entries.get(&agent).filter(|e| e.stored.elapsed() < self.ttl).map(|e| e.value.clone())
    }

    /// The generation to pass to [`AgentCache::put`] after a fill.
    pub fn generation(&self, agent: AgentId) -> u64 {
        self.inner.read().ok().map(|i| i.generation(agent)).unwrap_or(u64::MAX)
    }

    /// Stores a value unless the agent was invalidated since `generation`.
    pub fn put(&self, agent: AgentId, generation: u64, value: V) {
        if let Ok(mut inner) = self.inner.write()
            && inner.generation(agent) == generation
        {
            inner.entries.insert(agent, Entry { value, stored: Instant::now() });
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
            *inner.generations.entry(agent).or_insert(0) += 1;
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
    fn entries_expire() {
        let cache = AgentCache::new(Duration::from_millis(0));
        let agent = AgentId::new_v7();
        cache.put(agent, 0, 1);
        assert_eq!(cache.get(agent), None);
    }
}
