//! The in-process sink: a bounded channel. Full or closed is a 503; nothing waits for room.

use tokio::sync::mpsc::{self, error::TrySendError};

use super::{Sink, SinkError, SinkErrorKind};
use crate::event::Event;

/// The sending half of the in-process channel: a [`Sink`].
pub type EventSender = mpsc::Sender<Event>;
/// The receiving half: consume verified events from it.
pub type EventReceiver = mpsc::Receiver<Event>;

/// A bounded channel of `capacity` events (at least 1). When it is full the endpoint answers 503
/// with `Retry-After`, and the sender's retry is processed later: nothing is lost.
///
/// ```
/// let (tx, mut rx) = hookgate_core::channel(1024);
/// # drop((tx, rx));
/// ```
pub fn channel(capacity: usize) -> (EventSender, EventReceiver) {
    mpsc::channel(capacity.max(1))
}

impl Sink for EventSender {
    async fn publish(&self, event: Event) -> Result<(), SinkError> {
        self.try_send(event).map_err(|e| match e {
            TrySendError::Full(_) => SinkError::new(SinkErrorKind::Full, "hand-off channel full"),
            TrySendError::Closed(_) => SinkError::new(SinkErrorKind::Closed, "hand-off channel closed"),
        })
    }
}
