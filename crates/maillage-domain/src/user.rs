//! Accounts and roles.

use crate::fields::Email;
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user account (the password hash never leaves the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

/// Who is asking: the base of every authorization rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    Anonymous,
    User(User),
}

impl Actor {
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::User(u) => Some(u),
            Actor::Anonymous => None,
        }
    }
    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|u| u.is_admin)
    }
}
