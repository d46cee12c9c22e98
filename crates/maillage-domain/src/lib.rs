#![doc = include_str!("../README.md")]

pub mod community;
pub mod duplicates;
pub mod error;
pub mod fields;
pub mod gazetteer;
pub mod history;
pub mod ids;
pub mod messages;
pub mod moderation;
pub mod network;
pub mod place;
pub mod roles;
pub mod text;
pub mod user;
pub mod vocab;

pub use community::{Community, CommunityData, CommunityInput, JoinRequest, Publication, PublicationInput};
pub use error::{FieldError, ValidationErrors};
pub use gazetteer::{CommuneMatch, CommuneQuery, CommuneRef, Gazetteer, Located, NotLocated};
pub use ids::{ChangeId, CommunityId, NetworkId, PlaceId, PublicationId, UserId};
pub use network::{
    Area, AreaLevel, Membership, MembershipStatus, Network, NetworkData, NetworkInput, NetworkKind,
};
pub use place::{Place, PlaceInput, PlaceStatus, Provenance};
