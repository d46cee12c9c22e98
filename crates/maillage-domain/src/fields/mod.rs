//! Constrained field types. Each is built only through a parser that returns a
//! [`FieldError`](crate::FieldError) with a French and an English message ("parse, don't
//! validate"). They serialise as their canonical string.

mod contact;
mod geo;
mod hours;
mod legal;

pub use contact::{EMAIL_MAX, Email, Phone, URL_MAX, WebUrl};
pub use geo::{Coordinates, InseeCode, PostalCode, TERRITORIES, Territory, city_of_arrondissement};
pub use hours::{DayHours, HOURS_MAX, OpeningHours, Span, Week};
pub use legal::{Rna, Siret, luhn_valid};
