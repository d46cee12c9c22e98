#![doc = include_str!("../README.md")]

mod backup;
mod communities;
mod error;
mod history;
mod index;
pub mod jobs;
mod kinds;
mod limits;
mod memory;
mod moderation;
mod networks;
mod places;
mod pool;
mod rights;
mod roles;
mod staged;
mod tx;
mod users;

pub use backup::{BackupError, BackupSummary, restore_sqlite};
pub use communities::{
    COMMUNITY_FIELDS, CommunityEntry, CommunityKey, CommunityPerson, CommunityQuery, CommunitySnapshot,
    FeedPage, KIND_COMMUNITY, StoredRequest,
};
pub use error::StoreError;
pub use history::{AccountRef, ItemChange, StoredActor, StoredChange};
pub use index::{PlacePoint, PublishedPlaces};
pub use kinds::ContentKind;
pub use limits::{CounterHit, LoginThrottle, LoginVerdict, set_acquire_timeout};
pub use memory::{limit_allocator_arenas, release_free_memory};
pub use networks::{Coordinator, KIND_NETWORK, NETWORK_FIELDS, NetworkEntry, NetworkKey, NetworkSnapshot};
pub use places::{ImportOutcome, ListPage, PlaceFilter, PlaceReader, PlaceSort};
pub use pool::{Backend, Store};
pub use rights::{Erased, StoredPersonalData};
pub use roles::Revoked;
pub use staged::StagedImport;
pub use tx::Tx;
pub use users::{Session, UserRecord};

#[cfg(feature = "testing")]
pub mod testing;
