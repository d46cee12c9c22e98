//! The map of all published places as GeoJSON, prepared once per change of the data:
//! plain and gzip bodies with an ETag. Every request only asks the database for the
//! current revision (shared by all servers), so a change made through any server is seen.

use axum::body::Bytes;
use maillage_app::{App, AppError, AppResult};
use std::sync::{Arc, RwLock};

pub struct Prepared {
    pub revision: i64,
    /// The plain body, kept only while small: a map of 200,000 places is ~45 MB plain for
    /// ~8 MB compressed, and nearly every client takes the compressed one.
    body: Option<Bytes>,
    pub gzip: Bytes,
    pub etag: String,
}

/// Plain bodies larger than this are not kept (see [`Prepared::plain`]).
const KEEP_PLAIN_MAX: usize = 4 * 1024 * 1024;

impl Prepared {
    /// The plain body: kept, or inflated from the compressed one as it is sent (on a
    /// blocking thread, 64 KB at a time: the plain map of a large directory is never held).
    pub fn plain(self: &Arc<Self>) -> axum::body::Body {
        if let Some(body) = &self.body {
            return axum::body::Body::from(body.clone());
        }
        let prepared = Arc::clone(self);
        let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
        tokio::task::spawn_blocking(move || {
            let mut decoder = flate2::read::GzDecoder::new(&prepared.gzip[..]);
            loop {
                let mut chunk = vec![0u8; 64 * 1024];
                match std::io::Read::read(&mut decoder, &mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        chunk.truncate(n);
                        if sender.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                            break; // the client left
                        }
                    }
                    Err(e) => {
                        let _ = sender.blocking_send(Err(e));
                        break;
                    }
                }
            }
        });
        axum::body::Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver))
    }
}

fn inflate(gzip: &[u8]) -> AppResult<Vec<u8>> {
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzip), &mut body)
        .map_err(|e| AppError::failed("gunzip", e))?;
    Ok(body)
}

#[derive(Default)]
pub struct GeoCache {
    current: Arc<RwLock<Option<Arc<Prepared>>>>,
    /// One rebuild at a time: concurrent requests wait for it instead of all rebuilding.
    building: Arc<tokio::sync::Mutex<()>>,
}

/// How long a request waits for a rebuilt map before it is answered with the previous
/// one (the rebuild goes on; the next request gets the new map). A map of a few thousand
/// places is rebuilt well within it; one of 200,000 takes seconds.
const WAIT_FOR_REBUILD: std::time::Duration = std::time::Duration::from_millis(1_000);

impl GeoCache {
    pub async fn get(&self, app: &App) -> AppResult<Arc<Prepared>> {
        let revision = app.places_revision().await?;
        if let Some(p) = cached(&self.current, revision) {
            return Ok(p);
        }
        let previous = self.current.read().unwrap_or_else(|p| p.into_inner()).clone();
        let (current, building, app) = (Arc::clone(&self.current), Arc::clone(&self.building), app.clone());
        let rebuild = async move {
            let _guard = building.lock().await;
            if let Some(p) = cached(&current, revision) {
                return Ok(p);
            }
            let (gzip, plain) = app.map_geojson_gzip().await?;
            // Small maps keep their plain body too (most tests and small networks).
            let body = if plain <= KEEP_PLAIN_MAX { Some(Bytes::from(inflate(&gzip)?)) } else { None };
            let etag = format!("\"places-{revision}-{plain}\"");
            let prepared = Arc::new(Prepared { revision, etag, body, gzip: Bytes::from(gzip) });
            *current.write().unwrap_or_else(|p| p.into_inner()) = Some(prepared.clone());
            Ok(prepared)
        };
        let Some(previous) = previous else { return rebuild.await };
        // In a task of its own: a request answered with the previous map does not stop it.
        let mut task = tokio::spawn(rebuild);
        match tokio::time::timeout(WAIT_FOR_REBUILD, &mut task).await {
            Ok(joined) => joined.map_err(|e| AppError::failed("map rebuild", e))?,
            Err(_) => {
                tracing::debug!(revision, "map rebuild under way: answering with the previous map");
                Ok(previous)
            }
        }
    }
}

fn cached(current: &RwLock<Option<Arc<Prepared>>>, revision: i64) -> Option<Arc<Prepared>> {
    let current = current.read().unwrap_or_else(|p| p.into_inner());
    current.as_ref().filter(|p| p.revision == revision).cloned()
}
