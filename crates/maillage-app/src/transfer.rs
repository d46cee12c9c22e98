//! Import and export of places, and the demo network.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::{Action, Grant, Resource};
use chrono::Utc;
use maillage_domain::history::Author;
use maillage_domain::messages::Message;
use maillage_domain::place::FarLocation;
use maillage_domain::user::Actor;
use maillage_domain::{Place, PlaceId, PlaceStatus, Provenance};
use maillage_interop::{ColumnMapping, Format, RowError};
use maillage_store::{ImportOutcome, PlaceFilter};
use serde::Serialize;
use std::sync::Arc;

/// Size of the chunks an export is sent in.
const CHUNK: usize = 64 * 1024;

/// Sends what is written as chunks of [`CHUNK`] bytes; fails (stopping the export) once the
/// receiver is gone.
struct ChunkWriter {
    sender: tokio::sync::mpsc::Sender<AppResult<Vec<u8>>>,
    buffer: Vec<u8>,
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the export's reader left"))
    }
}

/// A writer that counts the bytes written through it.
struct Counted<W>(W, usize);

impl<W: std::io::Write> std::io::Write for Counted<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(bytes)?;
        self.1 += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// How to import a file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Guessed from the name and content when absent.
    pub format: Option<Format>,
    pub file_name: String,
    /// Source name: with each row's id, what makes re-imports update instead of duplicate.
    pub source: Option<String>,
    /// Store nothing when any row is invalid.
    pub all_or_nothing: bool,
    pub mapping: ColumnMapping,
    /// Status of imported places that do not say theirs.
    pub default_status: PlaceStatus,
    /// Check and count everything, in the transaction, then store nothing: the report of a
    /// preview is the report the import would give.
    pub dry_run: bool,
}

impl ImportOptions {
    pub fn new(file_name: impl Into<String>) -> Self {
        Self {
            format: None,
            file_name: file_name.into(),
            source: None,
            all_or_nothing: false,
            mapping: ColumnMapping::default(),
            default_status: PlaceStatus::Published,
            dry_run: false,
        }
    }
}

/// What an import did, row by row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub format: String,
    pub source: String,
    pub imported: usize,
    pub updated: usize,
    pub rejected: usize,
    /// Rows not stored, with the line and field at fault.
    pub errors: Vec<RowError>,
    /// Rows stored with a remark (a location moved to its commune, an unknown column…).
    pub warnings: Vec<RowError>,
    /// True when nothing was stored because of `all_or_nothing`.
    pub rolled_back: bool,
    /// A preview: the counts say what the import would do; nothing was stored.
    pub dry_run: bool,
}

impl ImportReport {
    /// The summary line of the CLI contract.
    pub fn summary(&self) -> String {
        format!("imported {}, updated {}, rejected {}", self.imported, self.updated, self.rejected)
    }
}

/// Rows checked and stored per batch of an import.
pub const IMPORT_BATCH: usize = 1000;

/// Progress of a long job: (done, total).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

fn row_errors(line: usize, errors: &[maillage_domain::FieldError]) -> Vec<RowError> {
    errors.iter().map(|e| RowError::new(line, e.field.clone(), e.code, e.message.clone())).collect()
}

impl App {
    /// Import a file of places. Valid rows are stored in one transaction; invalid rows are
    /// reported and not stored (or nothing is stored, with `all_or_nothing`). A file that
    /// cannot be read at all is an error.
    ///
    /// The file is read, checked and stored in batches of [`IMPORT_BATCH`] rows: reading and
    /// validation run on a blocking thread (never on the request executor), each batch is
    /// written through the open transaction as soon as it is ready, so memory holds the
    /// file and one or two batches, whatever the number of rows.
    pub async fn import(
        &self,
        actor: &Actor,
        bytes: impl Into<Vec<u8>>,
        options: &ImportOptions,
        progress: Progress<'_>,
    ) -> AppResult<ImportReport> {
        crate::permissions::require(actor, Action::Import, &Resource::Platform)?;
        let bytes: Arc<Vec<u8>> = Arc::new(bytes.into());
        // A workbook sent as it is: say what to do, whatever its name or the format chosen.
        if let Some(kind) = maillage_interop::spreadsheet_kind(&bytes) {
            return Err(AppError::File(maillage_interop::FileError::Spreadsheet { kind }.message()));
        }
        let format = match options.format {
            Some(f) => f,
            None => maillage_interop::detect_format(&options.file_name, &bytes).ok_or_else(|| {
                AppError::File(Message::new("import.file.unknown_format").with("name", &options.file_name))
            })?,
        };
        // Rows, for the progress bar: lines of a CSV file; records of a JSON file are
        // counted as they come.
        let total = bytes.iter().filter(|b| **b == b'\n').count().max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.import_once(actor, format, Arc::clone(&bytes), options, total, progress).await {
                Err(AppError::Conflict { current: 0 }) if attempt < 3 => {
                    tracing::info!(attempt, "import met a concurrent edit; running it again");
                }
                other => return other,
            }
        }
    }

    /// One attempt of [`App::import`]: a reader thread checks rows and hands batches over;
    /// this task writes them in one transaction.
    async fn import_once(
        &self,
        actor: &Actor,
        format: Format,
        bytes: Arc<Vec<u8>>,
        options: &ImportOptions,
        total: usize,
        progress: Progress<'_>,
    ) -> AppResult<ImportReport> {
        let (batches, mut ready) = tokio::sync::mpsc::channel::<Vec<Place>>(2);
        let reader = {
            let (app, options, runtime) = (self.clone(), options.clone(), tokio::runtime::Handle::current());
            tokio::task::spawn_blocking(move || app.read_rows(format, &bytes, &options, &runtime, &batches))
        };
        let mut tx = None;
        let mut outcomes = Vec::new();
        let author = crate::history::author_of(actor);
        let written = async {
            while let Some(batch) = ready.recv().await {
                let open = match &mut tx {
                    Some(open) => open,
                    // Opened with the first batch: the write lane is not held while the
                    // first rows are read.
                    None => tx.insert(self.store.transaction().await?),
                };
                outcomes.extend(open.import_places(&batch, &author).await?);
                progress(outcomes.len(), total);
            }
            Ok::<_, AppError>(())
        }
        .await;
        // On a write error the channel closes: the reader stops at its next batch.
        drop(ready);
        let report = reader.await.map_err(|e| AppError::failed("import reader", e))?;
        written?;
        let mut report = report?;
        progress(total, total);
        report.errors.sort_by_key(|e| e.line);
        report.rejected = {
            let mut lines: Vec<usize> = report.errors.iter().map(|e| e.line).collect();
            lines.dedup();
            lines.len()
        };
        if options.all_or_nothing && report.rejected > 0 {
            report.rolled_back = true;
            if let Some(tx) = tx {
                tx.rollback().await?;
            }
            return Ok(report);
        }
        report.imported = outcomes.iter().filter(|o| **o == ImportOutcome::Created).count();
        report.updated = outcomes.len() - report.imported;
        if options.dry_run {
            // Every row was written and read back as the import would: undo it all.
            report.dry_run = true;
            if let Some(tx) = tx {
                tx.rollback().await?;
            }
            return Ok(report);
        }
        if let Some(tx) = tx {
            tx.commit().await?;
        }
        tracing::info!(
            format = format.name(),
            imported = report.imported,
            updated = report.updated,
            rejected = report.rejected,
            "import done"
        );
        Ok(report)
    }

    /// The reader of an import (a blocking thread): parse, validate, hand over batches.
    fn read_rows(
        &self,
        format: Format,
        bytes: &[u8],
        options: &ImportOptions,
        runtime: &tokio::runtime::Handle,
        batches: &tokio::sync::mpsc::Sender<Vec<Place>>,
    ) -> AppResult<ImportReport> {
        let default_source = options.source.clone().unwrap_or_else(|| "import".to_owned());
        let mut report = ImportReport {
            format: format.name().to_owned(),
            source: default_source.clone(),
            ..Default::default()
        };
        let now = Utc::now();
        let mut batch = Vec::with_capacity(IMPORT_BATCH);
        // Set when the writer is gone (a database error): the rest of the file is skipped.
        let mut stopped = false;
        let mut failure: Option<AppError> = None;
        let file = maillage_interop::parse_each(format, bytes, &options.mapping, &mut |row| {
            if stopped {
                return;
            }
            match row.input.validate(self.reference, FarLocation::UseCommunePoint) {
                Ok((data, warnings)) => {
                    report.warnings.extend(row_errors(row.line, &warnings));
                    let status = row.input.requested_status().unwrap_or(options.default_status);
                    // A file's own `source` column wins unless the caller named the source.
                    let source =
                        options.source.clone().or(row.source).unwrap_or_else(|| default_source.clone());
                    let mut provenance = Provenance {
                        source,
                        source_id: row.source_id,
                        source_updated_on: row.source_updated_on,
                    };
                    // An export of this directory identifies places by their own id: they come
                    // back as themselves, keeping their provenance.
                    let mut id = PlaceId::new();
                    if let Some(own) = provenance.source_id.as_deref().and_then(|s| s.parse::<PlaceId>().ok())
                    {
                        match runtime.block_on(self.store.place(own)) {
                            Ok(Some(existing)) => {
                                id = own;
                                provenance = existing.provenance;
                            }
                            Ok(None) => {}
                            Err(e) => {
                                failure = Some(e.into());
                                stopped = true;
                                return;
                            }
                        }
                    }
                    batch.push(Place {
                        id,
                        data,
                        status,
                        provenance,
                        is_demo: false,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    });
                    if batch.len() == IMPORT_BATCH
                        && batches
                            .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(IMPORT_BATCH)))
                            .is_err()
                    {
                        stopped = true;
                    }
                }
                Err(errors) => report.errors.extend(row_errors(row.line, &errors.errors)),
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        let file = file.map_err(|e| AppError::File(e.message()))?;
        if !batch.is_empty() && !stopped {
            // A closed channel means the writer failed: it reports its own error.
            let _ = batches.blocking_send(batch);
        }
        report.errors.extend(file.errors);
        report.warnings.splice(0..0, file.warnings);
        Ok(report)
    }

    /// Export the published places matching a filter, into one buffer (the CLI). See
    /// [`App::export_chunks`].
    pub async fn export(
        &self,
        format: Format,
        filter: &PlaceFilter,
        fields: Option<&[&str]>,
    ) -> AppResult<Vec<u8>> {
        let mut chunks = self.export_chunks(format, filter, fields).await?;
        let mut out = Vec::new();
        while let Some(chunk) = chunks.recv().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    /// Export the published places matching a filter as chunks of about 64 KB, written
    /// while they are read (a thousand places at a time, on a blocking thread): an export
    /// of the whole directory never holds it, and the first bytes leave at once. Bad field
    /// names are refused before anything is read; a failure later ends the chunks with
    /// the error. Dropping the receiver stops the export.
    pub async fn export_chunks(
        &self,
        format: Format,
        filter: &PlaceFilter,
        fields: Option<&[&str]>,
    ) -> AppResult<tokio::sync::mpsc::Receiver<AppResult<Vec<u8>>>> {
        let mut filter = filter.clone();
        filter.statuses = vec![PlaceStatus::Published];
        maillage_interop::selected_fields(format, fields).map_err(|e| AppError::File(untranslated(e)))?;
        let fields: Option<Vec<String>> = fields.map(|f| f.iter().map(|s| (*s).to_owned()).collect());
        let wanted = self.store.place_versions(&filter).await?;
        let mut places = self.store.place_reader(wanted, tokio::runtime::Handle::current());
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let fields: Option<Vec<&str>> = fields.as_ref().map(|f| f.iter().map(String::as_str).collect());
            let mut writer = ChunkWriter { sender: sender.clone(), buffer: Vec::with_capacity(CHUNK) };
            let written = maillage_interop::export_each(
                &mut writer,
                format,
                places.by_ref(),
                fields.as_deref(),
                maillage_territory::reference::ATTRIBUTION,
            )
            .map_err(|e| AppError::File(untranslated(e)))
            .and_then(|()| std::io::Write::flush(&mut writer).map_err(|e| AppError::File(untranslated(e))));
            let result = match places.error() {
                Some(e) => Err(e.into()),
                None => written,
            };
            if let Err(e) = result {
                // Nobody listens any more when the client left: nothing to report to.
                let _ = sender.blocking_send(Err(e));
            }
            // Thousands of places were read and dropped: give the memory back.
            maillage_store::release_free_memory();
        });
        Ok(receiver)
    }

    /// The revision of the places: it moves on every change (any server), so that caches of
    /// derived data (the map) know when they are stale.
    pub async fn places_revision(&self) -> AppResult<i64> {
        Ok(self.store.places_revision().await?)
    }

    /// The map's GeoJSON (see [`maillage_interop::geojson_feature_collection`]) of the
    /// published places matching a filter, whoever asks (published places only, so no
    /// permission is involved). Places are read a thousand at a time.
    pub async fn map_geojson(&self, filter: &PlaceFilter) -> AppResult<String> {
        let body = self.map_features(filter, Vec::new()).await?;
        // Written from `&str` pieces only.
        String::from_utf8(body).map_err(|e| AppError::failed("map", e))
    }

    /// The map of every published place, gzip-compressed as it is written, and the length
    /// of the plain text: the whole map of a large directory (~45 MB plain for 200,000
    /// places) is never held uncompressed.
    pub async fn map_geojson_gzip(&self) -> AppResult<(Vec<u8>, usize)> {
        let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        let counted = self.map_features(&PlaceFilter::default(), Counted(encoder, 0)).await?;
        let plain = counted.1;
        let gzip = counted.0.finish().map_err(|e| AppError::failed("gzip", e))?;
        maillage_store::release_free_memory();
        Ok((gzip, plain))
    }

    /// Write the map's feature collection into `sink` a thousand places at a time, on a
    /// blocking thread (the sink may be CPU work too: compression), and give it back.
    async fn map_features<W: std::io::Write + Send + 'static>(
        &self,
        filter: &PlaceFilter,
        mut sink: W,
    ) -> AppResult<W> {
        let filter = PlaceFilter { statuses: Vec::new(), ..filter.clone() };
        let wanted = self.store.place_versions(&filter).await?;
        let mut places = self.store.place_reader(wanted, tokio::runtime::Handle::current());
        tokio::task::spawn_blocking(move || {
            let failed = |e: std::io::Error| AppError::failed("map", e);
            let mut map = maillage_interop::MapWriter::new();
            for (i, place) in places.by_ref().enumerate() {
                map.push(&place);
                if i % 1_000 == 999 {
                    sink.write_all(map.take().as_bytes()).map_err(failed)?;
                }
            }
            sink.write_all(map.finish().as_bytes()).map_err(failed)?;
            match places.error() {
                Some(e) => Err(e.into()),
                None => Ok(sink),
            }
        })
        .await
        .map_err(|e| AppError::failed("map task", e))?
    }

    /// Replace the demo (places, accounts, networks and communities marked as demo) with a new one, in
    /// one unit of work.
    pub async fn load_demo(&self, count: usize, seed: u64, progress: Progress<'_>) -> AppResult<DemoSummary> {
        use maillage_demo::{DEMO_PASSWORD, DEMO_SOURCE, DemoMembership, demo_data};
        use maillage_domain::{Membership, MembershipStatus, Network, NetworkId, UserId};
        let demo = demo_data(self.reference, count, seed);
        let now = Utc::now();
        let total = demo.places.len();
        let mut places = Vec::with_capacity(total);
        for (i, generated) in demo.places.iter().enumerate() {
            if i % 250 == 0 {
                progress(i, total);
            }
            let (data, _) =
                generated.input.validate(self.reference, FarLocation::RefuseUnlessConfirmed).map_err(
                    |e| AppError::Internal(format!("demo place {} is invalid: {e:?}", generated.source_id)),
                )?;
            places.push(Place {
                id: PlaceId::new(),
                data,
                status: generated.input.requested_status().unwrap_or(PlaceStatus::Published),
                provenance: Provenance {
                    source: DEMO_SOURCE.into(),
                    source_id: Some(generated.source_id.clone()),
                    source_updated_on: None,
                },
                is_demo: true,
                version: 1,
                created_at: now,
                updated_at: now,
            });
        }
        // Networks get their ids here: a sub-network names its parent's.
        let mut network_ids: Vec<NetworkId> = Vec::with_capacity(demo.networks.len());
        let mut networks = Vec::with_capacity(demo.networks.len());
        for generated in &demo.networks {
            let mut input = generated.input.clone();
            input.parent = generated.parent.and_then(|p| network_ids.get(p)).map(NetworkId::to_string);
            let data = input.validate(self.reference).map_err(|e| {
                AppError::Internal(format!("demo network {:?} is invalid: {e:?}", generated.input.name))
            })?;
            let id = NetworkId::new();
            network_ids.push(id);
            networks.push(Network { id, data, version: 1, is_demo: true, created_at: now, updated_at: now });
        }
        // One hash for every demo account: they share the documented demo password. Hashed
        // before the unit of work, which replaces the whole demo at once.
        let hash = crate::security::hash_password(DEMO_PASSWORD.to_owned()).await?;
        let mut tx = self.store.transaction().await?;
        tx.delete_demo_data().await?;
        tx.import_places(&places, &Author::Demo).await?;
        let mut user_ids: Vec<UserId> = Vec::with_capacity(demo.users.len());
        for user in &demo.users {
            let email = maillage_domain::fields::Email::parse(&user.email)
                .map_err(|e| AppError::failed("demo user email", e))?;
            let record = maillage_store::UserRecord {
                user: maillage_domain::user::User {
                    id: maillage_domain::UserId::new(),
                    email,
                    display_name: user.display_name.clone(),
                    created_at: now,
                },
                password_hash: hash.clone(),
            };
            tx.create_user(&record, true).await?;
            if user.is_admin {
                tx.grant(record.user.id, Grant::admin(), None).await?;
            }
            for &index in &user.manages {
                if let Some(place) = places.get(index) {
                    tx.add_place_manager(place.id, record.user.id).await?;
                }
            }
            user_ids.push(record.user.id);
        }
        // A place's request is asked by its manager when it has one.
        let mut manager_of: std::collections::HashMap<usize, UserId> = std::collections::HashMap::new();
        for (user, id) in demo.users.iter().zip(&user_ids) {
            for &index in &user.manages {
                manager_of.insert(index, *id);
            }
        }
        let mut memberships = 0;
        for (generated, network) in demo.networks.iter().zip(&networks) {
            tx.insert_network(network, &Author::Demo).await?;
            let coordinator = generated.coordinators.first().and_then(|&u| user_ids.get(u)).copied();
            for &u in &generated.coordinators {
                if let Some(&user) = user_ids.get(u) {
                    tx.grant(user, Grant::coordinator(network.id), None).await?;
                }
            }
            for &(index, wanted) in &generated.members {
                let Some(place) = places.get(index) else { continue };
                let (status, asked_by, message) = match wanted {
                    DemoMembership::Requested | DemoMembership::Member => (
                        MembershipStatus::Requested,
                        manager_of.get(&index).copied(),
                        "Nous aimerions rejoindre le réseau et participer à ses rencontres.",
                    ),
                    DemoMembership::Invited => (
                        MembershipStatus::Invited,
                        coordinator,
                        "Votre lieu aurait toute sa place dans notre réseau.",
                    ),
                };
                let asked = Membership {
                    network: network.id,
                    place: place.id,
                    status,
                    message: message.to_owned(),
                    asked_by,
                    asked_at: now,
                    decided_by: None,
                    decided_at: None,
                    decision_message: String::new(),
                    version: 1,
                };
                let version = tx.ask_membership(&asked).await?;
                if wanted == DemoMembership::Member {
                    tx.decide_membership(
                        network.id,
                        place.id,
                        version,
                        MembershipStatus::Member,
                        coordinator,
                        "",
                        now,
                    )
                    .await?;
                }
                memberships += 1;
            }
        }
        for generated in &demo.communities {
            let data = generated.input.validate(self.reference).map_err(|e| {
                AppError::Internal(format!("demo community {:?} is invalid: {e:?}", generated.input.name))
            })?;
            let community = maillage_domain::Community {
                id: maillage_domain::CommunityId::new(),
                data,
                version: 1,
                is_demo: true,
                created_at: now,
                updated_at: now,
            };
            tx.insert_community(&community, &Author::Demo).await?;
            for (&u, referent) in generated
                .referents
                .iter()
                .map(|u| (u, true))
                .chain(generated.members.iter().map(|u| (u, false)))
                .filter_map(|(u, r)| user_ids.get(*u).map(|id| (id, r)))
            {
                let grant =
                    if referent { Grant::referent(community.id) } else { Grant::member(community.id) };
                tx.grant(u, grant, None).await?;
            }
            for (u, message) in &generated.requests {
                let Some(&user) = user_ids.get(*u) else { continue };
                let request = maillage_domain::JoinRequest {
                    community: community.id,
                    user,
                    message: message.clone(),
                    asked_at: now,
                    version: 1,
                };
                tx.ask_to_join_community(&request).await?;
            }
            for p in &generated.publications {
                let Some(&author) = user_ids.get(p.author) else { continue };
                tx.insert_publication(&maillage_domain::Publication {
                    id: maillage_domain::PublicationId::new(),
                    community: community.id,
                    author: Some(author),
                    author_name: String::new(),
                    title: p.title.clone(),
                    body: p.body.clone(),
                    created_at: now - chrono::Duration::days(i64::from(p.days_ago)),
                    removed_at: None,
                    removal_reason: String::new(),
                    is_demo: true,
                })
                .await?;
            }
        }
        for p in &demo.proposals {
            let (Some(place), Some(&proposer)) = (places.get(p.place), user_ids.get(p.proposer)) else {
                continue;
            };
            let mut input = p.input.clone();
            input.status = None;
            input.version = Some(place.version);
            tx.insert_proposal(&maillage_domain::moderation::Proposal {
                id: maillage_domain::moderation::ModerationId::new(),
                place: place.id,
                base_version: place.version,
                input,
                message: p.message.clone(),
                proposer: Some(proposer),
                status: maillage_domain::moderation::ItemStatus::Open,
                decided_by: None,
                decided_at: None,
                reason: String::new(),
                created_at: now,
                version: 1,
            })
            .await?;
        }
        for r in &demo.reports {
            let Some(place) = places.get(r.place) else { continue };
            let kind = r.kind.parse().map_err(|e| AppError::Internal(format!("demo report kind: {e:?}")))?;
            tx.insert_report(&maillage_domain::moderation::Report {
                id: maillage_domain::moderation::ModerationId::new(),
                place: place.id,
                kind,
                message: r.message.clone(),
                reporter: None,
                status: maillage_domain::moderation::ItemStatus::Open,
                decided_by: None,
                decided_at: None,
                note: String::new(),
                created_at: now,
                version: 1,
            })
            .await?;
        }
        tx.commit().await?;
        progress(total, total);
        Ok(DemoSummary {
            places: places.len(),
            users: demo.users.len(),
            networks: networks.len(),
            memberships,
            communities: demo.communities.len(),
        })
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct DemoSummary {
    pub places: usize,
    pub users: usize,
    pub networks: usize,
    /// Members, requests and invitations.
    pub memberships: usize,
    pub communities: usize,
}

/// An upload kept between its preview and its confirmation: the file and the form's
/// choices as the page sent them (the page parses them again, with the same rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedUpload {
    pub id: String,
    pub file_name: String,
    pub choices: serde_json::Value,
    pub content: Vec<u8>,
}

/// How long a previewed upload waits for its confirmation.
pub const STAGED_UPLOAD_HOURS: i64 = 1;

impl App {
    /// Keep a previewed upload for its confirmation; its id goes in the confirmation form.
    pub async fn stage_upload(
        &self,
        actor: &Actor,
        file_name: &str,
        choices: serde_json::Value,
        content: Vec<u8>,
    ) -> AppResult<String> {
        let user = importer(actor)?;
        let id = crate::security::random_token();
        let staged = maillage_store::StagedImport {
            id: id.clone(),
            user: user.id,
            created_at: Utc::now(),
            file_name: file_name.to_owned(),
            choices: choices.to_string(),
            content,
        };
        self.store.stage_import(&staged).await?;
        Ok(id)
    }

    /// A previewed upload of this actor, while it has not expired (someone else's, or an
    /// expired one, is not found).
    pub async fn staged_upload(&self, actor: &Actor, id: &str) -> AppResult<StagedUpload> {
        let user = importer(actor)?;
        let staged = self.store.staged_import(id.trim(), user.id).await?.ok_or(AppError::NotFound)?;
        if staged.created_at < Utc::now() - chrono::Duration::hours(STAGED_UPLOAD_HOURS) {
            self.store.drop_staged_import(&staged.id).await?;
            return Err(AppError::NotFound);
        }
        let choices = serde_json::from_str(&staged.choices).unwrap_or(serde_json::Value::Null);
        Ok(StagedUpload { id: staged.id, file_name: staged.file_name, choices, content: staged.content })
    }

    /// Forget a previewed upload once imported.
    pub async fn drop_staged_upload(&self, id: &str) -> AppResult<()> {
        Ok(self.store.drop_staged_import(id).await?)
    }
}

/// The account of someone who may import (previewed uploads are kept per account).
fn importer(actor: &Actor) -> AppResult<&maillage_domain::user::User> {
    crate::permissions::require(actor, Action::Import, &Resource::Platform)?;
    actor.user().ok_or(AppError::Unauthenticated)
}

/// An error whose text comes from a library (the export's field list, an I/O error), in
/// its own words in both languages.
pub(crate) fn untranslated(e: impl std::fmt::Display) -> Message {
    let text = e.to_string();
    Message::translated(text.clone(), text)
}
