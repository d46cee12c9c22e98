//! Granting and revoking roles (administrators; the command line acts as one).

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::{Action, Grant, Resource, Roles, Scope};
use maillage_domain::FieldError;
use maillage_domain::fields::Email;
use maillage_domain::messages::Message;
use maillage_domain::user::{Actor, User};
use maillage_domain::{UserId, ValidationErrors};
use maillage_store::Revoked;

impl App {
    /// The actor of an account: the user with the roles it holds now.
    pub async fn actor_of(&self, user: &User) -> AppResult<Actor> {
        Ok(Actor::User(user.clone(), self.store.roles_of(user.id).await?))
    }

    /// The account of an email, for someone who manages roles.
    async fn account_for_roles(&self, actor: &Actor, email: &str) -> AppResult<User> {
        crate::permissions::require(actor, Action::ManageRoles, &Resource::Platform)?;
        let email = Email::parse(email).map_err(|e| ValidationErrors::from(e.at("email")))?;
        Ok(self.store.user_by_email(&email).await?.ok_or(AppError::NotFound)?.user)
    }

    /// The roles of an account.
    pub async fn roles_of_account(&self, actor: &Actor, email: &str) -> AppResult<Roles> {
        let user = self.account_for_roles(actor, email).await?;
        Ok(self.store.roles_of(user.id).await?)
    }

    /// Give the account of `email` a role; `false` when it held it already. A scope that
    /// does not exist (an unknown place, any network or community for now) is refused on
    /// `scope`.
    pub async fn grant_role(&self, actor: &Actor, email: &str, grant: Grant) -> AppResult<bool> {
        let user = self.account_for_roles(actor, email).await?;
        if !self.store.scope_exists(grant.scope()).await? {
            return Err(unknown_scope(grant.scope()).into());
        }
        // Who granted it, when that is an account (the command line is not one).
        let by = match actor.user() {
            Some(u) if self.store.user(u.id).await?.is_some() => Some(u.id),
            _ => None,
        };
        let new = self.store.grant(user.id, grant, by).await?;
        tracing::info!(user = %user.id, grant = %grant, by = ?by.map(|u: UserId| u.to_string()), new, "role granted");
        Ok(new)
    }

    /// Take a role back from the account of `email`. Refused on `role` when the account
    /// does not hold it, or when it is the last administrator of the platform.
    pub async fn revoke_role(&self, actor: &Actor, email: &str, grant: Grant) -> AppResult<()> {
        let user = self.account_for_roles(actor, email).await?;
        match self.store.revoke(user.id, grant).await? {
            Revoked::Done => {
                tracing::info!(user = %user.id, grant = %grant, "role revoked");
                Ok(())
            }
            Revoked::NotHeld => {
                Err(FieldError::new("role", "not_held", Message::new("roles.not_held").with("grant", grant))
                    .into())
            }
            Revoked::LastAdmin => {
                Err(FieldError::new("role", "last_admin", Message::new("roles.last_admin")).into())
            }
        }
    }
}

fn unknown_scope(scope: Scope) -> FieldError {
    FieldError::new("scope", "unknown_scope", Message::new("roles.unknown_scope").with("scope", scope))
}
