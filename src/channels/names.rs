//! Channel names and the kinds of channel they denote.

/// Longest channel name accepted.
pub const MAX_CHANNEL_NAME_LEN: usize = 164;

/// What a channel's name prefix makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Public,
    Private,
    Presence,
    Encrypted,
}

impl ChannelKind {
    pub fn of(name: &str) -> Self {
        if name.starts_with("private-encrypted-") {
            Self::Encrypted
        } else if name.starts_with("private-") {
            Self::Private
        } else if name.starts_with("presence-") {
            Self::Presence
        } else {
            Self::Public
        }
    }

    /// Whether subscribing needs a signature from the app's auth endpoint.
    pub fn needs_auth(self) -> bool {
        self != Self::Public
    }

    /// Whether members may send `client-` events on the channel.
    pub fn allows_client_events(self) -> bool {
        matches!(self, Self::Private | Self::Presence)
    }
}

/// Whether `name` is a valid channel name: 1 to 164 characters from
/// `[A-Za-z0-9_\-=@,.;]`.
pub fn is_valid_channel_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CHANNEL_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-=@,.;".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_for_length_and_characters() {
        assert!(is_valid_channel_name("private-user-42;x=1@a,b.c"));
        assert!(!is_valid_channel_name(""));
        assert!(!is_valid_channel_name("has space"));
        assert!(!is_valid_channel_name("#server-to-user-1"));
        assert!(is_valid_channel_name(&"a".repeat(164)));
        assert!(!is_valid_channel_name(&"a".repeat(165)));
    }

    #[test]
    fn prefixes_decide_the_kind() {
        assert_eq!(
            ChannelKind::of("private-encrypted-x"),
            ChannelKind::Encrypted
        );
        assert_eq!(ChannelKind::of("private-x"), ChannelKind::Private);
        assert_eq!(ChannelKind::of("presence-x"), ChannelKind::Presence);
        assert_eq!(ChannelKind::of("news"), ChannelKind::Public);
    }
}
