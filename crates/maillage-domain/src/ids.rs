//! Typed identifiers (UUIDv7: time-ordered, never guessable from a counter).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifier of a place.
    PlaceId
);
id_type!(
    /// Identifier of a user account.
    UserId
);
id_type!(
    /// Identifier of one change in the history of a content item.
    ChangeId
);
id_type!(
    /// Identifier of a network of places (national, regional, departmental, thematic).
    NetworkId
);
id_type!(
    /// Identifier of a community of practice.
    CommunityId
);

id_type!(
    /// Identifier of a publication of a community's feed.
    PublicationId
);

id_type!(
    /// Identifier of a proposal or a report of the moderation queue.
    ModerationId
);
