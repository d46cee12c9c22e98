//! The map of all published places as GeoJSON, prepared once per change of the data:
//! plain and gzip bodies with an ETag. Every request only asks the database for the
//! current revision (shared by all servers), so a change made through any server is seen.

use axum::body::Bytes;
use maillage_app::{App, AppError, AppResult, PlaceFilter};
use std::io::Write;
use std::sync::{Arc, RwLock};

pub struct Prepared {
    pub revision: i64,
    pub body: Bytes,
    pub gzip: Bytes,
    pub etag: String,
}

#[derive(Default)]
pub struct GeoCache {
    current: RwLock<Option<Arc<Prepared>>>,
    /// One rebuild at a time: concurrent requests wait for it instead of all rebuilding.
    building: tokio::sync::Mutex<()>,
}

impl GeoCache {
    pub async fn get(&self, app: &App) -> AppResult<Arc<Prepared>> {
        let revision = app.store.places_revision().await?;
        if let Some(p) = self.cached(revision) {
            return Ok(p);
        }
        let _guard = self.building.lock().await;
        if let Some(p) = self.cached(revision) {
            return Ok(p);
        }
        let places = app.store.all_places(&PlaceFilter::default()).await?;
        let prepared = tokio::task::spawn_blocking(move || {
            let body = maillage_interop::geojson_feature_collection(&places);
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
            encoder.write_all(body.as_bytes()).and_then(|()| encoder.finish()).map(|gzip| Prepared {
                revision,
                etag: format!("\"places-{revision}-{}\"", body.len()),
                body: Bytes::from(body),
                gzip: Bytes::from(gzip),
            })
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("gzip: {e}")))?;
        let prepared = Arc::new(prepared);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(prepared.clone());
        Ok(prepared)
    }

    fn cached(&self, revision: i64) -> Option<Arc<Prepared>> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.as_ref().filter(|p| p.revision == revision).cloned()
    }
}
