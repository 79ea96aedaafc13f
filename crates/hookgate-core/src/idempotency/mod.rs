//! Every delivery processed once: the [`IdempotencyStore`] trait, its key and answers, and the
//! in-memory default ([`MemoryStore`]).
//!
//! A delivery is *claimed* (with a lease, default 60 s) before it is handed off or passed to a
//! handler, then *completed* (remembered for a TTL, default 24 h) once it is safe, or *released*
//! so that the sender's retry is processed. A claim carries an owner token: a late `complete` or
//! `release` from an expired lease cannot touch a newer claim.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sha2::{Digest, Sha256};

mod memory;
pub use memory::{MemoryStore, MemoryStoreBuilder};

#[cfg(feature = "test-util")]
pub mod acceptance;

/// The key of one delivery at one endpoint: `namespace` (the endpoint) + delivery id.
///
/// ```
/// use hookgate_core::IdempotencyKey;
/// let a = IdempotencyKey::new("/webhooks/github", "72d3162e");
/// let b = IdempotencyKey::new("/webhooks/stripe", "72d3162e");
/// assert_ne!(a.digest(), b.digest());
/// assert_eq!(a.as_str(), "/webhooks/github:72d3162e");
/// assert_eq!((a.namespace(), a.id()), ("/webhooks/github", "72d3162e"));
/// ```
#[derive(Clone)]
pub struct IdempotencyKey {
    namespace: Arc<str>,
    id: Arc<str>,
    // `namespace:id`, built on first use: the memory store never needs it.
    text: OnceLock<Box<str>>,
    digest: [u64; 2],
}

impl IdempotencyKey {
    /// The key of delivery `id` at endpoint `namespace`.
    pub fn new(namespace: &str, id: &str) -> Self {
        Self::shared(namespace.into(), id.into())
    }

    /// Like [`Self::new`], sharing already counted strings instead of copying them (what the
    /// pipeline does: no allocation per delivery).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hookgate_core::IdempotencyKey;
    /// let key = IdempotencyKey::shared(Arc::from("/hooks"), Arc::from("evt_1"));
    /// assert_eq!(key, IdempotencyKey::new("/hooks", "evt_1"));
    /// ```
    pub fn shared(namespace: Arc<str>, id: Arc<str>) -> Self {
        let mut h = Sha256::new();
        h.update((namespace.len() as u64).to_le_bytes());
        h.update(namespace.as_bytes());
        h.update(id.as_bytes());
        let d = h.finalize();
        let word = |at: usize| u64::from_le_bytes(d[at..at + 8].try_into().expect("8 bytes"));
        Self { namespace, id, text: OnceLock::new(), digest: [word(0), word(8)] }
    }

    /// `namespace:id`, e.g. for a Redis key.
    pub fn as_str(&self) -> &str {
        self.text.get_or_init(|| {
            let mut text = String::with_capacity(self.namespace.len() + 1 + self.id.len());
            text.push_str(&self.namespace);
            text.push(':');
            text.push_str(&self.id);
            text.into()
        })
    }

    /// The endpoint part.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The delivery id part.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A 128-bit digest of the namespaced key: what a compact store remembers instead of the text.
    pub fn digest(&self) -> [u64; 2] {
        self.digest
    }
}

impl PartialEq for IdempotencyKey {
    fn eq(&self, other: &Self) -> bool {
        self.namespace == other.namespace && self.id == other.id
    }
}

impl Eq for IdempotencyKey {}

impl std::hash::Hash for IdempotencyKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.namespace.hash(state);
        self.id.hash(state);
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdempotencyKey").field(&self.as_str()).finish()
    }
}

/// Who holds a claim. Stores compare it before completing or releasing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(u64);

impl ClaimToken {
    /// Wraps a store-chosen token.
    pub fn new(token: u64) -> Self {
        Self(token)
    }
    /// The token's value.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// The answer to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// New delivery: the caller owns it until it completes, releases, or the lease ends.
    Acquired(ClaimToken),
    /// Another request is processing this delivery now; retry after about this long.
    InFlight {
        /// Time left on the current lease (at least one second).
        retry_after: Duration,
    },
    /// Already processed.
    Done,
}

/// Why a store could not answer. The request gets a 503 with `Retry-After`, and nothing is
/// marked processed.
///
/// ```
/// use hookgate_core::{StoreError, StoreErrorKind};
/// let e = StoreError::new(StoreErrorKind::Timeout, "no answer within 2 s");
/// assert_eq!(e.kind(), StoreErrorKind::Timeout);
/// assert_eq!(e.to_string(), "idempotency store timed out: no answer within 2 s");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("idempotency store {}: {message}", kind.describe())]
pub struct StoreError {
    kind: StoreErrorKind,
    message: std::borrow::Cow<'static, str>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// The kind of a [`StoreError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The store cannot be reached, or has no room (a memory store full of in-flight claims).
    Unavailable,
    /// The store did not answer in time; the write may or may not have been applied.
    Timeout,
    /// The store answered something unexpected.
    Protocol,
}

impl StoreErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Unavailable => "unavailable",
            Self::Timeout => "timed out",
            Self::Protocol => "protocol error",
        }
    }
}

impl StoreError {
    /// An error of `kind`, with a message for logs (never a secret).
    pub fn new(kind: StoreErrorKind, message: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self { kind, message: message.into(), source: None }
    }

    /// The underlying error (a client's), kept as the source.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where delivery claims live. Implement it to plug in your own store, and run
/// `acceptance::run` (feature `test-util`) against it.
///
/// ```
/// use std::time::Duration;
/// use hookgate_core::{Claim, IdempotencyKey, IdempotencyStore, MemoryStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let key = IdempotencyKey::new("/hooks", "evt_1");
/// let Claim::Acquired(token) = store.claim(&key, Duration::from_secs(60)).await.unwrap() else { panic!() };
/// assert!(matches!(store.claim(&key, Duration::from_secs(60)).await.unwrap(), Claim::InFlight { .. }));
/// assert!(store.complete(&key, token, Duration::from_secs(86_400)).await.unwrap());
/// assert_eq!(store.claim(&key, Duration::from_secs(60)).await.unwrap(), Claim::Done);
/// # });
/// ```
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `key` for `lease` unless it is in flight or done.
    fn claim<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send + 'a;

    /// Marks `key` done for `ttl`, if `token` still owns it (or owned it and nobody claimed it
    /// since). Returns whether it did.
    fn complete<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a;

    /// Forgets `key`, if `token` still owns it, so the next delivery is processed. Returns whether
    /// it did.
    fn release<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a;
}

/// The object-safe form of [`IdempotencyStore`], for choosing a store at run time
/// ([`BoxedStore`]). Implemented for every store.
pub trait DynIdempotencyStore: Send + Sync + 'static {
    /// See [`IdempotencyStore::claim`].
    fn claim_boxed<'a>(&'a self, key: &'a IdempotencyKey, lease: Duration) -> BoxFuture<'a, Result<Claim, StoreError>>;
    /// See [`IdempotencyStore::complete`].
    fn complete_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// See [`IdempotencyStore::release`].
    fn release_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

impl<S: IdempotencyStore> DynIdempotencyStore for S {
    fn claim_boxed<'a>(&'a self, key: &'a IdempotencyKey, lease: Duration) -> BoxFuture<'a, Result<Claim, StoreError>> {
        Box::pin(self.claim(key, lease))
    }
    fn complete_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.complete(key, token, ttl))
    }
    fn release_boxed<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.release(key, token))
    }
}

/// A store chosen at run time (e.g. memory or Redis from a config file).
///
/// ```
/// use hookgate_core::{BoxedStore, MemoryStore};
/// let store = BoxedStore::new(MemoryStore::new());
/// ```
#[derive(Clone)]
pub struct BoxedStore(Arc<dyn DynIdempotencyStore>);

impl BoxedStore {
    /// Boxes `store`.
    pub fn new(store: impl IdempotencyStore) -> Self {
        Self(Arc::new(store))
    }
}

impl fmt::Debug for BoxedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoxedStore")
    }
}

impl IdempotencyStore for BoxedStore {
    fn claim<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send + 'a {
        self.0.claim_boxed(key, lease)
    }
    fn complete<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a {
        self.0.complete_boxed(key, token, ttl)
    }
    fn release<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a {
        self.0.release_boxed(key, token)
    }
}

impl<S: IdempotencyStore> IdempotencyStore for Arc<S> {
    fn claim<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send + 'a {
        (**self).claim(key, lease)
    }
    fn complete<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a {
        (**self).complete(key, token, ttl)
    }
    fn release<'a>(
        &'a self,
        key: &'a IdempotencyKey,
        token: ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a {
        (**self).release(key, token)
    }
}
