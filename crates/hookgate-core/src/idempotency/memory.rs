//! The in-memory store: sharded, bounded, expiring without a background thread, and small.
//!
//! Each remembered delivery is 24 bytes: the 128-bit digest of its namespaced key and an
//! [`Entry`], one word saying when it expires and who owns it. Expired entries are treated as
//! absent when met and swept when a shard is full.

use std::collections::HashMap;
use std::future::{Future, ready};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime};

use super::{Claim, ClaimToken, IdempotencyKey, IdempotencyStore, StoreError, StoreErrorKind};
use crate::error::{ConfigError, ConfigErrorKind};
use crate::replay::{Clock, SystemClock};

/// The digest is already uniformly random: hash it by taking its first word.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Slot([u64; 2]);

impl Hash for Slot {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0[0]);
    }
}

#[derive(Default)]
struct FirstWord(u64);

impl Hasher for FirstWord {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only reached if something other than `Slot` is hashed; fold it in anyway.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One remembered delivery, in one word: its deadline in milliseconds since the store started
/// (the lease's end, or the TTL's once done; 40 bits, 34 years) and a 24-bit claim tag (0 once
/// done).
///
/// A claim's [`ClaimToken`] is the whole word its claim wrote, so an owner is recognised by
/// deadline *and* tag. A later claim of the same delivery never writes an earlier word: it is made
/// only once the earlier claim has expired (so its deadline is later) or was released (and then
/// shares the deadline only if made in the same millisecond, when 2^24 other claims cannot have
/// come between to repeat the tag). A token therefore never matches a newer claim, however many
/// claims the store has seen.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry(u64);

const TAG_BITS: u32 = 24;
const TAG_MASK: u64 = (1 << TAG_BITS) - 1;
const DEADLINE_MAX: u64 = (1 << (64 - TAG_BITS)) - 1;

impl Entry {
    fn new(deadline: u64, tag: u64) -> Self {
        Self((deadline.min(DEADLINE_MAX) << TAG_BITS) | (tag & TAG_MASK))
    }
    fn deadline(self) -> u64 {
        self.0 >> TAG_BITS
    }
    fn is_done(self) -> bool {
        self.0 & TAG_MASK == 0
    }
}

type Shard = HashMap<Slot, Entry, BuildHasherDefault<FirstWord>>;

/// The default store: in memory, for one process.
///
/// Bounded by a capacity (default 1,000,000 deliveries, split evenly over the shards): when a
/// shard is full, expired entries go first, then the oldest completed ones; an in-flight claim is
/// never evicted (a shard full of in-flight claims answers with an error, i.e. 503).
///
/// ```
/// use hookgate_core::MemoryStore;
/// let store = MemoryStore::builder().capacity(10_000).build().unwrap();
/// assert_eq!(store.len(), 0);
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
    clock: Arc<dyn Clock>,
    epoch: SystemTime,
    next_token: AtomicU64,
}

/// Configures a [`MemoryStore`].
#[must_use]
pub struct MemoryStoreBuilder {
    capacity: usize,
    shards: usize,
    clock: Arc<dyn Clock>,
}

impl MemoryStoreBuilder {
    /// The most deliveries remembered at once (default 1,000,000).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }
    /// The number of shards (default 32); each has its own lock.
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = shards;
        self
    }
    /// The clock deadlines are measured with (inject a `ManualClock` in tests).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }
    /// Builds the store.
    pub fn build(self) -> Result<MemoryStore, ConfigError> {
        if self.capacity == 0 || self.shards == 0 {
            return Err(ConfigError::new(ConfigErrorKind::InvalidValue, "store capacity and shards must be > 0"));
        }
        let shards = self.shards.min(self.capacity);
        let epoch = self.clock.now();
        Ok(MemoryStore {
            inner: Arc::new(Inner {
                shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
                shard_capacity: self.capacity.div_ceil(shards),
                clock: self.clock,
                epoch,
                next_token: AtomicU64::new(1),
            }),
        })
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("shards", &self.inner.shards.len())
            .field("shard_capacity", &self.inner.shard_capacity)
            .finish_non_exhaustive()
    }
}

/// The endpoint names live memory stores serve in this process (see [`MemoryStore::serve`]).
static SERVING: Mutex<Vec<(Box<str>, Weak<Inner>)>> = Mutex::new(Vec::new());

impl MemoryStore {
    /// Records that this store serves endpoint `name`, and warns when another live memory store
    /// serves an endpoint of the same name: each then remembers only the deliveries it saw, so a
    /// duplicate that reaches the other is processed again. That is what building the endpoint
    /// inside actix-web's `HttpServer::new` factory does (one store per worker). Returns whether
    /// it warned.
    pub(crate) fn serve(&self, name: &str) -> bool {
        let me = Arc::downgrade(&self.inner);
        let mut serving = SERVING.lock().unwrap_or_else(|p| p.into_inner());
        serving.retain(|(_, store)| store.strong_count() > 0);
        let named = || serving.iter().filter(|(n, _)| &**n == name);
        let shared = named().any(|(_, store)| store.ptr_eq(&me));
        let others = named().filter(|(_, store)| !store.ptr_eq(&me)).count();
        if others > 0 {
            tracing::warn!(
                endpoint = name,
                stores = others + 1,
                "several live endpoints named `{name}` each have their own in-memory store: a duplicate that \
                 reaches another one is processed again. Build the Endpoint once (outside actix-web's \
                 HttpServer::new) and clone it, or give them one store"
            );
        }
        if !shared {
            serving.push((name.into(), me));
        }
        others > 0
    }

    /// A store with the defaults (capacity 1,000,000, 32 shards, the system clock).
    pub fn new() -> Self {
        Self::builder().build().expect("defaults are valid")
    }

    /// Starts configuring a store.
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder { capacity: 1_000_000, shards: 32, clock: Arc::new(SystemClock) }
    }

    /// Entries held now, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.inner.shards.iter().map(|s| lock(s).len()).sum()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn now_ms(&self) -> u64 {
        self.inner.clock.now().duration_since(self.inner.epoch).map(|d| d.as_millis() as u64).unwrap_or(0)
    }

    fn shard(&self, slot: &Slot) -> MutexGuard<'_, Shard> {
        let i = (slot.0[1] % self.inner.shards.len() as u64) as usize;
        lock(&self.inner.shards[i])
    }

    /// A fresh claim tag, never 0 (the tag of a done entry).
    fn new_tag(&self) -> u64 {
        loop {
            let tag = self.inner.next_token.fetch_add(1, Ordering::Relaxed) & TAG_MASK;
            if tag != 0 {
                return tag;
            }
        }
    }

    fn claim_now(&self, key: &IdempotencyKey, lease: Duration) -> Result<Claim, StoreError> {
        let slot = Slot(key.digest());
        let now = self.now_ms();
        let mut shard = self.shard(&slot);
        if let Some(entry) = shard.get(&slot).filter(|e| e.deadline() > now) {
            return Ok(if entry.is_done() {
                Claim::Done
            } else {
                Claim::InFlight {
                    retry_after: Duration::from_millis(entry.deadline() - now).max(Duration::from_secs(1)),
                }
            });
        }
        if !shard.contains_key(&slot) && shard.len() >= self.inner.shard_capacity {
            evict(&mut shard, now, self.inner.shard_capacity);
            if shard.len() >= self.inner.shard_capacity {
                return Err(StoreError::new(
                    StoreErrorKind::Unavailable,
                    "memory store shard is full of in-flight deliveries",
                ));
            }
        }
        let entry = Entry::new(now.saturating_add(millis(lease)), self.new_tag());
        shard.insert(slot, entry);
        Ok(Claim::Acquired(ClaimToken(entry.0)))
    }

    fn complete_now(&self, key: &IdempotencyKey, token: ClaimToken, ttl: Duration) -> bool {
        let slot = Slot(key.digest());
        let now = self.now_ms();
        let mut shard = self.shard(&slot);
        match shard.get_mut(&slot) {
            Some(entry) if entry.0 == token.0 => {
                *entry = Entry::new(now.saturating_add(millis(ttl)), 0);
                true
            }
            _ => false,
        }
    }

    fn release_now(&self, key: &IdempotencyKey, token: ClaimToken) -> bool {
        let slot = Slot(key.digest());
        let mut shard = self.shard(&slot);
        let owned = shard.get(&slot).is_some_and(|e| e.0 == token.0);
        if owned {
            shard.remove(&slot);
        }
        owned
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Frees room in a full shard: expired entries first, then the oldest eighth of the completed
/// ones (a batch, so the scan is amortised over many inserts). In-flight claims stay.
fn evict(shard: &mut Shard, now: u64, capacity: usize) {
    shard.retain(|_, e| e.deadline() > now);
    if shard.len() < capacity {
        return;
    }
    let mut done: Vec<u64> = shard.values().filter(|e| e.is_done()).map(|e| e.deadline()).collect();
    if done.is_empty() {
        return;
    }
    let n = (done.len() / 8).max(1).min(done.len()) - 1;
    let (_, &mut threshold, _) = done.select_nth_unstable(n);
    shard.retain(|_, e| !e.is_done() || e.deadline() > threshold);
}

fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    // A panic while holding a shard lock cannot leave a half-written u64: keep going.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl IdempotencyStore for MemoryStore {
    fn claim<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send + 'a {
        ready(self.claim_now(key, lease))
    }
    fn complete<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a {
        ready(Ok(self.complete_now(key, token, ttl)))
    }
    fn release<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a {
        ready(Ok(self.release_now(key, token)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    const LEASE: Duration = Duration::from_secs(60);
    const TTL: Duration = Duration::from_secs(86_400);

    fn store(cap: usize) -> (MemoryStore, ManualClock) {
        let clock = ManualClock::from_unix(1_000_000);
        (MemoryStore::builder().capacity(cap).shards(1).clock(clock.clone()).build().unwrap(), clock)
    }

    fn key(i: usize) -> IdempotencyKey {
        IdempotencyKey::new("ns", &format!("delivery-{i:024}"))
    }

    fn acquired(c: Claim) -> ClaimToken {
        match c {
            Claim::Acquired(t) => t,
            other => panic!("expected Acquired, got {other:?}"),
        }
    }

    #[test]
    fn two_live_stores_serving_one_name_are_reported() {
        let (a, b) = (MemoryStore::new(), MemoryStore::new());
        let name = "/serve-test";
        assert!(!a.serve(name));
        assert!(!a.clone().serve(name), "a clone is the same store");
        assert!(b.serve(name), "another store for the same name");
        assert!(!b.serve("/serve-test-other"));
        drop(a);
        let c = MemoryStore::new();
        assert!(c.serve(name), "b still lives");
        drop((b, c));
        assert!(!MemoryStore::new().serve(name), "none left alive");
    }

    #[test]
    fn a_token_never_matches_a_later_claim_even_when_its_tag_repeats() {
        let (s, clock) = store(4);
        let old = acquired(s.claim_now(&key(1), Duration::from_secs(1)).unwrap());
        clock.advance(Duration::from_secs(2));
        // 2^24 claims later the tag counter is where it was: the new claim's tag repeats.
        s.inner.next_token.fetch_add(TAG_MASK, Ordering::Relaxed);
        let new = acquired(s.claim_now(&key(1), Duration::from_secs(1)).unwrap());
        assert_eq!(old.get() & TAG_MASK, new.get() & TAG_MASK, "the tags repeat");
        assert_ne!(old, new, "the tokens do not");
        assert!(!s.complete_now(&key(1), old, TTL) && !s.release_now(&key(1), old));
        assert!(s.complete_now(&key(1), new, TTL));
    }

    #[test]
    fn lease_expiry_and_ttl_expiry() {
        let (s, clock) = store(100);
        let t1 = acquired(s.claim_now(&key(1), LEASE).unwrap());
        clock.advance(Duration::from_secs(59));
        assert_eq!(s.claim_now(&key(1), LEASE).unwrap(), Claim::InFlight { retry_after: Duration::from_secs(1) });
        clock.advance(Duration::from_secs(1));
        let t2 = acquired(s.claim_now(&key(1), LEASE).unwrap());
        // The expired owner can no longer complete or release the newer claim.
        assert!(!s.complete_now(&key(1), t1, TTL));
        assert!(!s.release_now(&key(1), t1));
        assert!(s.complete_now(&key(1), t2, TTL));
        clock.advance(TTL - Duration::from_millis(1));
        assert_eq!(s.claim_now(&key(1), LEASE).unwrap(), Claim::Done);
        clock.advance(Duration::from_millis(1));
        acquired(s.claim_now(&key(1), LEASE).unwrap());
    }

    #[test]
    fn capacity_bound_never_evicts_in_flight() {
        let (s, _clock) = store(64);
        let inflight: Vec<_> = (0..16).map(|i| (i, acquired(s.claim_now(&key(i), LEASE).unwrap()))).collect();
        for i in 16..640 {
            let t = acquired(s.claim_now(&key(i), LEASE).unwrap());
            assert!(s.complete_now(&key(i), t, TTL));
            assert!(s.len() <= 64);
        }
        for (i, t) in inflight {
            assert!(matches!(s.claim_now(&key(i), LEASE).unwrap(), Claim::InFlight { .. }), "{i} was evicted");
            assert!(s.release_now(&key(i), t));
        }
        // The most recently completed are still remembered.
        assert_eq!(s.claim_now(&key(639), LEASE).unwrap(), Claim::Done);
    }

    #[test]
    fn full_of_in_flight_is_an_error_not_an_eviction() {
        let (s, _clock) = store(4);
        for i in 0..4 {
            acquired(s.claim_now(&key(i), LEASE).unwrap());
        }
        assert!(s.claim_now(&key(99), LEASE).is_err());
        assert!(matches!(s.claim_now(&key(0), LEASE).unwrap(), Claim::InFlight { .. }));
    }

    #[test]
    fn expired_entries_are_evicted_first() {
        let (s, clock) = store(8);
        for i in 0..8 {
            acquired(s.claim_now(&key(i), Duration::from_secs(1)).unwrap());
        }
        clock.advance(Duration::from_secs(2));
        acquired(s.claim_now(&key(100), LEASE).unwrap());
        assert_eq!(s.len(), 1);
    }
}
