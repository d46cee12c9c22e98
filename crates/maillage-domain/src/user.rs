//! Accounts and who is asking.

use crate::fields::Email;
use crate::ids::UserId;
use crate::roles::{Action, Resource, Roles};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user account (the password hash never leaves the store). What the person may do is
/// not here: it is the [`Roles`] they hold, carried by the [`Actor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

/// Who is asking: the base of every authorization rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    Anonymous,
    /// A signed-in account with the roles it holds (loaded with the session).
    User(User, Roles),
}

impl Actor {
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::User(u, _) => Some(u),
            Actor::Anonymous => None,
        }
    }

    /// The roles the actor holds (none for a visitor).
    pub fn roles(&self) -> &Roles {
        static NONE: Roles = Roles::none();
        match self {
            Actor::User(_, roles) => roles,
            Actor::Anonymous => &NONE,
        }
    }

    /// Whether the actor may do `action` on `resource`: see [`crate::roles::can`].
    pub fn can(&self, action: Action, resource: &Resource) -> bool {
        crate::roles::can(self, action, resource)
    }
}
