//! What the server and the command line need from storage besides the use cases of a
//! content kind: health, rate budgets, backups, the account list, the demo network. They go
//! through the app like everything else, so that no other crate reaches the store.

use crate::App;
use crate::error::{AppError, AppResult};
use maillage_domain::user::Actor;
use maillage_store::{BackupError, BackupSummary, CounterHit, UserRecord};
use std::path::Path;
use std::time::Duration;

impl App {
    /// Whether the database answers (`/healthz`).
    pub async fn ping(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    /// Count one use of a rate budget (`key`: what is counted, e.g. an account's writes)
    /// in a window of `window`; the counter says how many uses it holds and until when.
    pub async fn hit_budget(&self, key: &str, window: Duration) -> AppResult<CounterHit> {
        Ok(self.store.hit_counter(key, window).await?)
    }

    /// How many places the signed-in actor manages (their account page).
    pub async fn managed_place_count(&self, actor: &Actor) -> AppResult<usize> {
        let Some(user) = actor.user() else { return Err(AppError::Unauthenticated) };
        Ok(self.store.managed_place_ids(user.id).await?.len())
    }

    /// Every account (administrators only).
    pub async fn list_users(&self, actor: &Actor) -> AppResult<Vec<UserRecord>> {
        admin_only(actor)?;
        Ok(self.store.list_users().await?)
    }

    /// Remove the demo network: its places, their history and its accounts, in one unit of
    /// work (administrators only).
    pub async fn remove_demo(&self, actor: &Actor) -> AppResult<()> {
        admin_only(actor)?;
        Ok(self.store.delete_demo_data().await?)
    }

    /// A checked copy of the SQLite database (administrators only; see
    /// `maillage_store::Store::backup_to`).
    pub async fn backup_to(
        &self,
        actor: &Actor,
        file: &Path,
    ) -> AppResult<Result<BackupSummary, BackupError>> {
        admin_only(actor)?;
        Ok(self.store.backup_to(file).await)
    }
}

fn admin_only(actor: &Actor) -> AppResult<()> {
    match actor {
        Actor::Anonymous => Err(AppError::Unauthenticated),
        actor if actor.can(crate::permissions::Action::Operate, &crate::permissions::Resource::Platform) => {
            Ok(())
        }
        _ => Err(AppError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_for_administrators_only() {
        assert!(matches!(admin_only(&Actor::Anonymous), Err(AppError::Unauthenticated)));
    }
}
