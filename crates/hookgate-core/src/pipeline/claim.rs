//! A delivery's claim in the idempotency store while it is handed off or handled: completed once
//! the event is safe, released otherwise, and settled in the background when the request is
//! dropped half-way (a handler that panicked, a client that went away).

use std::sync::Arc;
use std::time::Duration;

use crate::event::Metadata;
use crate::idempotency::{ClaimToken, IdempotencyKey, IdempotencyStore};

/// What becomes of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Settle {
    /// The delivery is processed: remember it for the TTL.
    Complete,
    /// It is not: forget it, so the sender's retry is processed.
    Release,
}

/// Owns one claim. Dropped unsettled, it releases the claim in the background; dropped while
/// settling, it finishes that settlement in the background.
pub(super) struct ClaimGuard<St: IdempotencyStore> {
    pub(super) store: Arc<St>,
    pub(super) key: IdempotencyKey,
    pub(super) token: ClaimToken,
    pub(super) ttl: Duration,
    pub(super) metadata: Metadata,
    /// What to do if dropped now; `None` once settled.
    pub(super) on_drop: Option<Settle>,
}

impl<St: IdempotencyStore> ClaimGuard<St> {
    /// Settles the claim as the handler's `status` says: completed on 2xx, released otherwise.
    pub(super) async fn finish(self, status: u16) {
        let how = if (200..300).contains(&status) { Settle::Complete } else { Settle::Release };
        if how == Settle::Release {
            tracing::info!(
                endpoint = self.metadata.endpoint(),
                delivery_id = self.metadata.delivery_id(),
                status,
                "handler failed: claim released for the retry"
            );
        }
        self.settle(how).await
    }

    /// Completes or releases the claim. A store error is logged: the claim then expires with
    /// its lease.
    pub(super) async fn settle(mut self, how: Settle) {
        self.on_drop = Some(how);
        settle(&*self.store, &self.key, self.token, self.ttl, how).await;
        self.on_drop = None;
    }
}

async fn settle<St: IdempotencyStore>(store: &St, key: &IdempotencyKey, token: ClaimToken, ttl: Duration, how: Settle) {
    let res = match how {
        Settle::Complete => store.complete(key, token, ttl).await,
        Settle::Release => store.release(key, token).await,
    };
    if let Err(e) = res {
        tracing::warn!(
            endpoint = key.namespace(),
            delivery_id = key.id(),
            error = %e,
            "could not settle the claim; it expires with its lease"
        );
    }
}

impl<St: IdempotencyStore> Drop for ClaimGuard<St> {
    fn drop(&mut self) {
        let Some(how) = self.on_drop.take() else { return };
        if how == Settle::Release {
            tracing::warn!(
                endpoint = self.metadata.endpoint(),
                delivery_id = self.metadata.delivery_id(),
                "request dropped before it finished (panic or cancelled): releasing its claim"
            );
        }
        let (store, key, token, ttl) = (Arc::clone(&self.store), self.key.clone(), self.token, self.ttl);
        // Without a runtime (dropped at shutdown) the claim simply expires with its lease.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { settle(&*store, &key, token, ttl, how).await });
        }
    }
}
