//! A small process-wide map for set-up that many verifications under one key should pay once
//! (an RSA modulus's Montgomery parameters, a key parsed by AWS-LC).
//!
//! The map key is a cheap digest of what an entry was made from (a length and some octets),
//! so a hit is confirmed by the caller against the whole input: a hostile input that lands on
//! a remembered entry's key only replaces it, never uses it. The map holds at most `CAP`
//! entries and is emptied when full. A poisoned lock only turns the map off (nothing is
//! remembered, nothing is found).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};

/// At most `CAP` values of type `V` under keys `K`, shared by every thread.
pub(crate) struct Remembered<K, V, const CAP: usize> {
    map: OnceLock<Mutex<HashMap<K, Arc<V>>>>,
}

impl<K: Eq + Hash, V, const CAP: usize> Remembered<K, V, CAP> {
    /// An empty map (usable in a `static`).
    pub(crate) const fn new() -> Self {
        Remembered {
            map: OnceLock::new(),
        }
    }

    /// The value remembered under `key` if `is_for_input` accepts it; else `make()`'s value,
    /// remembered under `key` (an error is returned and not remembered).
    pub(crate) fn get_or_make<E>(
        &self,
        key: K,
        is_for_input: impl Fn(&V) -> bool,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        let map = self.map.get_or_init(Mutex::default);
        if let Some(hit) = map
            .lock()
            .ok()
            .and_then(|m| m.get(&key).filter(|v| is_for_input(v)).cloned())
        {
            return Ok(hit);
        }
        let value = Arc::new(make()?);
        if let Ok(mut m) = map.lock() {
            if m.len() >= CAP {
                m.clear();
            }
            m.insert(key, Arc::clone(&value));
        }
        Ok(value)
    }
}
