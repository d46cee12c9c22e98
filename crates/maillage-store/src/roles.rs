//! Roles held on a scope (`role_grants`), and the place-manager links (`place_managers`)
//! read as manager grants.

use crate::pool::with_db;
use crate::tx::{Tx, with_tx};
use crate::{Store, StoreError};
use chrono::Utc;
use maillage_domain::UserId;
use maillage_domain::roles::{Grant, Role, Roles, Scope};
use sqlx::Row;

/// What revoking did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    Done,
    /// The person did not hold the role there.
    NotHeld,
    /// It was the last administrator of the platform: nothing was changed.
    LastAdmin,
}

fn grant_of(role: &str, kind: &str, id: &str) -> Result<Grant, StoreError> {
    let corrupt = |e: maillage_domain::roles::RoleError| StoreError::Corrupt(format!("role grant: {e}"));
    Grant::new(role.parse().map_err(corrupt)?, Scope::from_parts(kind, id).map_err(corrupt)?).map_err(corrupt)
}

impl Store {
    /// Every grant an account holds: its roles and the places it manages.
    pub async fn roles_of(&self, user: UserId) -> Result<Roles, StoreError> {
        let id = user.to_string();
        let (rows, places): (Vec<(String, String, String)>, Vec<String>) = with_db!(self, pool => {
            let mut rows = Vec::new();
            for row in sqlx::query("SELECT role, scope_kind, scope_id FROM role_grants WHERE user_id = $1")
                .bind(&id).fetch_all(pool).await?
            {
                rows.push((row.try_get("role")?, row.try_get("scope_kind")?, row.try_get("scope_id")?));
            }
            let places = sqlx::query_scalar("SELECT place_id FROM place_managers WHERE user_id = $1")
                .bind(&id).fetch_all(pool).await?;
            (rows, places)
        });
        let mut roles = Roles::none();
        for (role, kind, scope) in rows {
            roles.insert(grant_of(&role, &kind, &scope)?);
        }
        for place in places {
            roles.insert(grant_of("manager", "place", &place)?);
        }
        Ok(roles)
    }

    /// Whether a scope exists (communities do not exist yet: never).
    pub async fn scope_exists(&self, scope: Scope) -> Result<bool, StoreError> {
        match scope {
            Scope::Platform => Ok(true),
            Scope::Place(id) => Ok(self.place(id).await?.is_some()),
            Scope::Network(id) => Ok(self.network_snapshot().await?.get(id).is_some()),
            Scope::Community(id) => Ok(self.community_snapshot().await?.get(id).is_some()),
        }
    }

    /// [`Tx::grant`] in a unit of work of its own.
    pub async fn grant(&self, user: UserId, grant: Grant, by: Option<UserId>) -> Result<bool, StoreError> {
        let mut tx = self.transaction().await?;
        let new = tx.grant(user, grant, by).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// [`Tx::revoke`] in a unit of work of its own.
    pub async fn revoke(&self, user: UserId, grant: Grant) -> Result<Revoked, StoreError> {
        let mut tx = self.transaction().await?;
        let done = tx.revoke(user, grant).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// How many accounts administer the platform.
    pub async fn count_admins(&self) -> Result<u64, StoreError> {
        with_db!(self, pool => {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM role_grants WHERE role = 'admin' AND scope_kind = 'platform'",
            )
            .fetch_one(pool)
            .await?;
            Ok(n as u64)
        })
    }
}

impl Tx {
    /// Give `user` a role (a manager grant is a `place_managers` link). `false` when it was
    /// already held. [`StoreError::NotFound`] when the account or the place does not exist.
    pub async fn grant(
        &mut self,
        user: UserId,
        grant: Grant,
        by: Option<UserId>,
    ) -> Result<bool, StoreError> {
        if let Scope::Place(place) = grant.scope() {
            debug_assert_eq!(grant.role(), Role::Manager);
            let held = self.manages(place, user).await?;
            self.add_place_manager(place, user).await?;
            return Ok(!held);
        }
        let scope = grant.scope();
        let done = with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO role_grants (user_id, role, scope_kind, scope_id, granted_at, granted_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(user.to_string())
            .bind(grant.role().code())
            .bind(scope.kind())
            .bind(scope.id())
            .bind(Utc::now())
            .bind(by.map(|u| u.to_string()))
            .execute(&mut *conn)
            .await
            .map_err(|e| if crate::tx::is_foreign_key_violation(&e) { StoreError::NotFound } else { StoreError::from(e) })?
            .rows_affected()
        });
        if matches!(scope, Scope::Community(_)) && done == 1 {
            // A community's members and referents are part of its index.
            self.communities_written += 1;
        }
        Ok(done == 1)
    }

    /// Take a role back. The last administrator of the platform is never revoked
    /// ([`Revoked::LastAdmin`], nothing changed).
    pub async fn revoke(&mut self, user: UserId, grant: Grant) -> Result<Revoked, StoreError> {
        let id = user.to_string();
        let scope = grant.scope();
        let postgres = matches!(self.backend(), crate::Backend::Postgres);
        let removed = with_tx!(self, conn => {
            if grant.role() == Role::Admin {
                if postgres {
                    // Two revocations of the last two admins must not both see the other.
                    sqlx::query("LOCK TABLE role_grants IN SHARE ROW EXCLUSIVE MODE").execute(&mut *conn).await?;
                }
                let admins: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM role_grants WHERE role = 'admin' AND scope_kind = 'platform'",
                )
                .fetch_one(&mut *conn)
                .await?;
                let held: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM role_grants WHERE user_id = $1 AND role = 'admin' AND scope_kind = 'platform'",
                )
                .bind(&id)
                .fetch_one(&mut *conn)
                .await?;
                if held > 0 && admins <= 1 {
                    return Ok(Revoked::LastAdmin);
                }
            }
            if let Scope::Place(place) = scope {
                sqlx::query("DELETE FROM place_managers WHERE place_id = $1 AND user_id = $2")
                    .bind(place.to_string()).bind(&id).execute(&mut *conn).await?.rows_affected()
            } else {
                sqlx::query("DELETE FROM role_grants WHERE user_id = $1 AND role = $2 AND scope_kind = $3 AND scope_id = $4")
                    .bind(&id).bind(grant.role().code()).bind(scope.kind()).bind(scope.id())
                    .execute(&mut *conn).await?.rows_affected()
            }
        });
        if matches!(scope, Scope::Community(_)) && removed > 0 {
            self.communities_written += 1;
        }
        Ok(if removed == 0 { Revoked::NotHeld } else { Revoked::Done })
    }

    async fn manages(&mut self, place: maillage_domain::PlaceId, user: UserId) -> Result<bool, StoreError> {
        let n: i64 = with_tx!(self, conn => {
            sqlx::query_scalar("SELECT COUNT(*) FROM place_managers WHERE place_id = $1 AND user_id = $2")
                .bind(place.to_string()).bind(user.to_string()).fetch_one(&mut *conn).await?
        });
        Ok(n > 0)
    }
}
