//! Per-entity locks, so two learners sharing an officer or employer never create it twice
//! at the same time. One consumer process is active at a time (see `worker.rs`), so
//! in-process locks are enough; the ledger covers crashes.

use crate::ledger::Entity;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OwnedMutexGuard;

type Key = (Entity, i64);

/// A lock per `(entity, key)`, created on demand and dropped when nobody holds or waits.
#[derive(Debug, Default)]
pub struct KeyedLocks {
    map: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

/// Holds one entity's lock.
#[derive(Debug)]
pub struct KeyGuard<'a> {
    locks: &'a KeyedLocks,
    key: Key,
    guard: Option<OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    /// Waits for the lock of `(entity, local_id)`.
    pub async fn lock(&self, entity: Entity, local_id: i64) -> KeyGuard<'_> {
        let key = (entity, local_id);
        let mutex = {
            let mut map = self
                .map
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(key).or_default().clone()
        };
        let guard = mutex.lock_owned().await;
        KeyGuard {
            locks: self,
            key,
            guard: Some(guard),
        }
    }
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut map = self
            .locks
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map
            .get(&self.key)
            .is_some_and(|m| Arc::strong_count(m) == 1)
        {
            map.remove(&self.key);
        }
    }
}
