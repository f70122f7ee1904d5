//! One connected socket as the hub sees it: its id and its outbound queue.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Mutex;

use bytestring::ByteString;
use tokio::sync::Notify;

use super::shards::lock;

/// A serialized frame, shared by every socket it is sent to.
pub type Frame = ByteString;

/// Frames one socket may have queued before it counts as too slow.
pub const OUTBOX_CAPACITY: usize = 256;

/// Close code for a socket whose queue overflowed: reconnect after backoff.
pub const CLOSE_TOO_SLOW: u16 = 4100;

/// A socket id, `<digits>.<digits>` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId {
    high: u32,
    low: u32,
}

impl SocketId {
    pub fn random() -> Self {
        Self {
            high: rand::random(),
            low: rand::random(),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (high, low) = text.split_once('.')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(high) || !digits(low) {
            return None;
        }
        Some(Self {
            high: high.parse().ok()?,
            low: low.parse().ok()?,
        })
    }
}

impl fmt::Display for SocketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.high, self.low)
    }
}

/// The hub's handle on a socket: frames go into a bounded queue that the
/// transport drains; a close request wakes the transport. An idle socket's
/// queue holds no allocation until its first frame.
pub struct Outbox {
    id: SocketId,
    frames: Mutex<VecDeque<Frame>>,
    frame_queued: Notify,
    close_code: AtomicU16,
    close_requested: Notify,
    signed_in_user: Mutex<Option<Box<str>>>,
}

impl Outbox {
    pub fn new(id: SocketId) -> Self {
        Self {
            id,
            frames: Mutex::new(VecDeque::new()),
            frame_queued: Notify::new(),
            close_code: AtomicU16::new(0),
            close_requested: Notify::new(),
            signed_in_user: Mutex::new(None),
        }
    }

    pub fn id(&self) -> SocketId {
        self.id
    }

    /// Queues a frame without waiting; a full queue closes the socket.
    pub fn send(&self, frame: Frame) {
        let mut frames = lock(&self.frames);
        if frames.len() >= OUTBOX_CAPACITY {
            drop(frames);
            return self.close(CLOSE_TOO_SLOW);
        }
        frames.push_back(frame);
        drop(frames);
        self.frame_queued.notify_one();
    }

    /// The oldest queued frame, if any.
    pub fn try_next(&self) -> Option<Frame> {
        lock(&self.frames).pop_front()
    }

    /// Waits for the next queued frame.
    pub async fn next(&self) -> Frame {
        loop {
            if let Some(frame) = self.try_next() {
                return frame;
            }
            self.frame_queued.notified().await;
        }
    }

    /// Asks the transport to close the socket with `code`; the first request wins.
    pub fn close(&self, code: u16) {
        let _ = self
            .close_code
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.close_requested.notify_one();
    }

    /// Resolves with the close code once a close was requested.
    pub async fn closed(&self) -> u16 {
        loop {
            let code = self.close_code.load(Ordering::Acquire);
            if code != 0 {
                return code;
            }
            self.close_requested.notified().await;
        }
    }

    pub fn set_signed_in_user(&self, user_id: &str) {
        *lock(&self.signed_in_user) = Some(user_id.into());
    }

    pub fn is_signed_in_as(&self, user_id: &str) -> bool {
        lock(&self.signed_in_user).as_deref() == Some(user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_ids_round_trip_and_reject_garbage() {
        let id = SocketId::random();

        assert_eq!(SocketId::parse(&id.to_string()), Some(id));
        assert_eq!(SocketId::parse("12.x"), None);
        assert_eq!(SocketId::parse("12"), None);
        assert_eq!(SocketId::parse("+1.2"), None);
    }

    #[tokio::test]
    async fn an_overflowing_outbox_asks_to_close_the_socket() {
        let outbox = Outbox::new(SocketId::random());

        for _ in 0..=OUTBOX_CAPACITY {
            outbox.send(Frame::from_static("{}"));
        }

        assert_eq!(outbox.closed().await, CLOSE_TOO_SLOW);
    }

    #[tokio::test]
    async fn frames_come_out_in_the_order_they_went_in() {
        let outbox = Outbox::new(SocketId::random());

        outbox.send(Frame::from_static("first"));
        outbox.send(Frame::from_static("second"));

        assert_eq!(outbox.next().await, "first");
        assert_eq!(outbox.next().await, "second");
        assert_eq!(outbox.try_next(), None);
    }
}
