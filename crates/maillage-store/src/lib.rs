#![doc = include_str!("../README.md")]

mod error;
mod index;
mod limits;
mod places;
mod pool;
mod tx;
mod users;

pub use error::StoreError;
pub use limits::{CounterHit, LoginThrottle, LoginVerdict, set_acquire_timeout};
pub use places::{ImportOutcome, ListPage, PlaceFilter, PlaceSort};
pub use pool::{Backend, Store};
pub use tx::Tx;
pub use users::{Session, UserRecord};

#[cfg(feature = "testing")]
pub mod testing;
