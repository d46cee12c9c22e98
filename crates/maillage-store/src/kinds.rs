//! Kinds of content and their in-memory indexes.
//!
//! Each kind (places today; networks, communities, resources, events next) has:
//! - a **revision counter** of its own in the `meta` table, moved once by the commit of a
//!   unit of work that wrote items of that kind ([`crate::Tx`]): every server on the same
//!   database compares it to know when its index is stale;
//! - an **index** ([`maillage_search::Items`] with the kind's filter keys and text terms),
//!   kept in a [`KindIndex`]: one immutable snapshot per revision, rebuilt by one task at a
//!   time from the previous snapshot's unchanged items.
//!
//! Adding a kind: a variant here with its counter's key (and a migration inserting the
//! counter), an entry and key type implementing [`maillage_search::Indexed`], and a rebuild
//! function handed to [`KindIndex::snapshot`]. See `places.rs` for the first user.

use crate::pool::with_db;
use crate::{Store, StoreError};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// A kind of content the store indexes and counts revisions of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentKind {
    Places,
    Networks,
    Communities,
}

impl ContentKind {
    pub const ALL: &'static [ContentKind] =
        &[ContentKind::Places, ContentKind::Networks, ContentKind::Communities];

    /// The key of the kind's revision counter in the `meta` table.
    pub fn revision_key(self) -> &'static str {
        match self {
            ContentKind::Places => "places_revision",
            ContentKind::Networks => "networks_revision",
            ContentKind::Communities => "communities_revision",
        }
    }
}

impl Store {
    /// A number that changes whenever an item of the kind changes: caches and indexes
    /// compare it to know when their copy is stale (shared by every server on the same
    /// database).
    pub async fn revision(&self, kind: ContentKind) -> Result<i64, StoreError> {
        with_db!(self, pool => {
            Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                .bind(kind.revision_key())
                .fetch_one(pool)
                .await?)
        })
    }
}

/// A snapshot of an index at one revision.
pub(crate) trait Revisioned: Send + Sync + 'static {
    fn revision(&self) -> i64;
}

/// The current snapshot of one kind's index, and the lock that lets one task rebuild it.
#[derive(Debug)]
pub(crate) struct KindIndex<S> {
    current: RwLock<Option<Arc<S>>>,
    rebuild: tokio::sync::Mutex<()>,
    /// Set while a bulk rebuild runs: requests then answer from the previous snapshot.
    bulk: Arc<AtomicBool>,
}

impl<S> Default for KindIndex<S> {
    fn default() -> Self {
        Self { current: RwLock::new(None), rebuild: tokio::sync::Mutex::new(()), bulk: Arc::default() }
    }
}

/// Handed to a rebuild: lets it say that it is a bulk one.
pub(crate) struct Rebuilding {
    bulk: Arc<AtomicBool>,
    was_bulk: Arc<AtomicBool>,
}

impl Rebuilding {
    /// While the returned mark lives (dropped on every exit path), requests that find the
    /// index stale answer from the previous snapshot instead of waiting for this rebuild.
    pub(crate) fn mark_bulk(&self, bulk: bool) -> BulkMark {
        if bulk {
            self.bulk.store(true, Ordering::Release);
            self.was_bulk.store(true, Ordering::Release);
        }
        BulkMark(bulk.then(|| Arc::clone(&self.bulk)))
    }
}

pub(crate) struct BulkMark(Option<Arc<AtomicBool>>);

impl Drop for BulkMark {
    fn drop(&mut self) {
        if let Some(flag) = &self.0 {
            flag.store(false, Ordering::Release);
        }
    }
}

impl<S: Revisioned> KindIndex<S> {
    pub(crate) fn current(&self) -> Option<Arc<S>> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, snapshot: Arc<S>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(snapshot);
    }

    /// The snapshot at `revision` (the kind's counter just read): the one in hand when the
    /// revision has not moved, else one built by `rebuild` from the previous snapshot. One
    /// rebuild at a time, in a task of its own (a request that gives up does not waste it).
    /// Requests wait for a small rebuild, so that a change is seen at once; while a bulk
    /// rebuild runs they are answered from the previous snapshot instead of waiting seconds.
    pub(crate) async fn snapshot<F, Fut>(
        this: &Arc<Self>,
        revision: i64,
        rebuild: F,
    ) -> Result<Arc<S>, StoreError>
    where
        F: FnOnce(Option<Arc<S>>, Rebuilding) -> Fut + Send + 'static,
        Fut: Future<Output = Result<S, StoreError>> + Send + 'static,
    {
        let previous = this.current();
        if let Some(current) = previous.as_ref().filter(|s| s.revision() == revision) {
            return Ok(Arc::clone(current));
        }
        let index = Arc::clone(this);
        let mut task = tokio::spawn(async move {
            let _rebuilding = index.rebuild.lock().await;
            let previous = index.current();
            // Another rebuild may have caught up while this one waited.
            if let Some(current) = previous.as_ref().filter(|s| s.revision() >= revision) {
                return Ok(Arc::clone(current));
            }
            let was_bulk = Arc::new(AtomicBool::new(false));
            let rebuilding = Rebuilding { bulk: Arc::clone(&index.bulk), was_bulk: Arc::clone(&was_bulk) };
            let snapshot = Arc::new(rebuild(previous, rebuilding).await?);
            index.set(Arc::clone(&snapshot));
            if was_bulk.load(Ordering::Acquire) {
                // The rows read and the snapshot replaced are freed: give the memory back
                // rather than keep it for nothing.
                crate::memory::release_free_memory();
            }
            Ok(snapshot)
        });
        let joined = match previous {
            Some(previous) => loop {
                tokio::select! {
                    joined = &mut task => break joined,
                    _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {
                        if this.bulk.load(Ordering::Acquire) {
                            tracing::debug!(revision, "bulk index rebuild under way: answering from the previous snapshot");
                            return Ok(previous);
                        }
                    }
                }
            },
            None => task.await,
        };
        joined.map_err(|e| StoreError::Corrupt(format!("index rebuild: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[derive(Debug)]
    struct Numbered(i64);

    impl Revisioned for Numbered {
        fn revision(&self) -> i64 {
            self.0
        }
    }

    #[tokio::test]
    async fn an_unchanged_revision_is_answered_without_rebuilding() {
        let index: Arc<KindIndex<Numbered>> = Arc::default();
        let first = KindIndex::snapshot(&index, 1, |_, _| async { Ok(Numbered(1)) }).await.unwrap();
        let again =
            KindIndex::snapshot(&index, 1, |_, _| async { panic!("must not rebuild") }).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again));
    }

    #[tokio::test]
    async fn a_rebuild_starts_from_the_previous_snapshot() {
        let index: Arc<KindIndex<Numbered>> = Arc::default();
        KindIndex::snapshot(&index, 1, |_, _| async { Ok(Numbered(1)) }).await.unwrap();
        let next = KindIndex::snapshot(&index, 2, |previous, _| async move {
            Ok(Numbered(previous.expect("the previous snapshot").0 + 1))
        })
        .await
        .unwrap();
        assert_eq!(next.0, 2);
    }

    #[tokio::test]
    async fn during_a_bulk_rebuild_requests_get_the_previous_snapshot_and_then_the_new_one() {
        let index: Arc<KindIndex<Numbered>> = Arc::default();
        KindIndex::snapshot(&index, 1, |_, _| async { Ok(Numbered(1)) }).await.unwrap();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let answered = KindIndex::snapshot(&index, 2, |_, rebuilding| async move {
            let _bulk = rebuilding.mark_bulk(true);
            released.await.ok();
            Ok(Numbered(2))
        })
        .await
        .unwrap();
        assert_eq!(answered.0, 1, "the request did not wait for the bulk rebuild");
        release.send(()).unwrap();
        // The rebuild goes on in its own task and lands.
        for _ in 0..100 {
            if index.current().is_some_and(|s| s.0 == 2) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(index.current().unwrap().0, 2);
        assert!(!index.bulk.load(Ordering::Acquire), "the bulk mark is cleared");
    }

    #[tokio::test]
    async fn a_failed_rebuild_is_an_error_and_keeps_the_previous_snapshot() {
        let index: Arc<KindIndex<Numbered>> = Arc::default();
        KindIndex::snapshot(&index, 1, |_, _| async { Ok(Numbered(1)) }).await.unwrap();
        let failed =
            KindIndex::snapshot(&index, 2, |_, _| async { Err(StoreError::Corrupt("row 3".into())) }).await;
        assert!(matches!(failed, Err(StoreError::Corrupt(_))));
        assert_eq!(index.current().unwrap().0, 1);
    }
}
