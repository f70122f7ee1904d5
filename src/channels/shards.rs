//! A map split into independently locked shards, so operations on different
//! keys rarely contend.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError};

const SHARD_COUNT: usize = 32;

/// Locks a mutex, carrying on with the data if a panicking thread poisoned it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct ShardedMap<K, V> {
    shards: Box<[Mutex<HashMap<K, V>>]>,
    hasher: RandomState,
}

impl<K: Hash + Eq, V> ShardedMap<K, V> {
    pub fn new() -> Self {
        Self {
            shards: (0..SHARD_COUNT).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
        }
    }

    /// The locked shard that holds `key`.
    pub fn shard_for<Q: Hash + ?Sized>(&self, key: &Q) -> MutexGuard<'_, HashMap<K, V>> {
        let index = self.hasher.hash_one(key) as usize % self.shards.len();
        lock(&self.shards[index])
    }

    /// Calls `visit` with each shard in turn, locking one at a time.
    pub fn for_each_shard(&self, mut visit: impl FnMut(&mut HashMap<K, V>)) {
        for shard in self.shards.iter() {
            visit(&mut lock(shard));
        }
    }
}
