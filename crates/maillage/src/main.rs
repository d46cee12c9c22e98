//! The `maillage` command: serve, import, export, territorial analyses, users, demo data,
//! configuration.

mod config;
mod rights;
mod territory;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use config::Config;
use indicatif::{ProgressBar, ProgressStyle};
use maillage_app::jobs::JobState;
use maillage_app::mail::Mailer;
use maillage_app::permissions::{Grant, Role, Roles, Scope};
use maillage_app::transfer::ImportOptions;
use maillage_app::{Actor, App, AppConfig, AppError, Format, PlaceFilter, User};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "maillage",
    version,
    about = "Annuaire et carte des tiers-lieux / Directory and map of third places"
)]
struct Cli {
    /// Configuration file (TOML); MAILLAGE_* environment variables override it.
    #[arg(long, global = true, env = "MAILLAGE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (creates the database and applies migrations on first start).
    Serve {
        /// Fill the database with the demo network first (replacing earlier demo data).
        #[arg(long)]
        demo: bool,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Import places from a file (CSV, GeoJSON, national LMN schema in JSON or CSV).
    Import(ImportArgs),
    /// Export the published places.
    Export {
        /// csv, csv-excel, xlsx, geojson, lmn-json, lmn-csv, lmn-csv-excel or lmn-xlsx.
        #[arg(long, value_parser = parse_format)]
        format: Format,
        /// Fields to keep, comma-separated (default: all of the format).
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
        /// Output file, or a directory to write the format's file name in (`lieux.csv`,
        /// `lieux-excel.csv`, `lieux.xlsx`, `lieux-lmn.csv`…). Default: standard output for
        /// text formats; the format's file name in the current directory for XLSX.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only this département (code).
        #[arg(long)]
        departement: Option<String>,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Replace the demo data (about 3,500 fictional places, their managers, networks and their coordinators; all marked as demo).
    Demo {
        #[arg(long, default_value_t = 3500)]
        count: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Remove the demo data instead.
        #[arg(long)]
        remove: bool,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Territorial analyses: nearest place, coverage and white zones, accessibility, where
    /// to open the next places.
    Territory {
        #[command(subcommand)]
        command: territory::TerritoryCommand,
    },
    /// Back up the SQLite database to FILE (a consistent copy, server running; checked).
    /// On PostgreSQL, prints the pg_dump command.
    Backup {
        /// The backup file to create (must not exist).
        file: PathBuf,
    },
    /// Replace the SQLite database with the backup FILE (the server must be stopped); the
    /// current database is kept as <database>.before-restore. On PostgreSQL, prints the
    /// pg_restore command.
    Restore { file: PathBuf },
    /// Background jobs (mail, maintenance): list them, retry a failed one.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List jobs, newest first, one per line: id, kind, state, attempts/max, not before
    /// (UTC), last error.
    List {
        /// Only jobs in this state: queued, running, done or failed.
        #[arg(long, value_parser = parse_job_state)]
        state: Option<JobState>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Queue a failed job again (due now, its attempts counted from zero).
    Retry {
        /// The job's id, as `jobs list` shows it.
        id: String,
    },
}

#[derive(Args)]
struct ImportArgs {
    file: PathBuf,
    /// csv, geojson, lmn-json or lmn-csv (guessed when omitted; a CSV for Excel is a CSV).
    #[arg(long, value_parser = parse_import_format)]
    format: Option<Format>,
    /// Source name: re-importing the same source updates its places instead of duplicating.
    #[arg(long)]
    source: Option<String>,
    /// Import nothing if any row is invalid.
    #[arg(long)]
    all_or_nothing: bool,
    /// Mapping of unknown CSV columns, e.g. "Nom du lieu=name,CP=postal_code".
    #[arg(long)]
    mapping: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from standard input (one line) when it is
    /// not a terminal; otherwise one is generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Platform administrator.
        #[arg(long)]
        admin: bool,
    },
    /// List accounts, with their roles.
    List,
    /// Give an account a role on a scope: `admin` (on `platform`, the default),
    /// `manager place:ID`, `coordinator network:ID`, `referent community:ID`,
    /// `member community:ID`.
    Grant {
        email: String,
        #[arg(value_parser = parse_role)]
        role: Role,
        /// `platform`, `place:ID`, `network:ID` or `community:ID`.
        #[arg(value_parser = parse_scope)]
        scope: Option<Scope>,
    },
    /// Take a role back (never from the last administrator).
    Revoke {
        email: String,
        #[arg(value_parser = parse_role)]
        role: Role,
        #[arg(value_parser = parse_scope)]
        scope: Option<Scope>,
    },
    /// Everything stored about an account, as JSON (a personal-data request).
    Export {
        #[arg(long)]
        email: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Erase an account (its places stay, without it as manager). Needs --yes.
    Erase {
        #[arg(long)]
        email: String,
        /// Confirm: erasing is final.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the default configuration file, with a comment per field.
    Default,
    /// Print the configuration in effect (secrets hidden).
    Show,
}

fn parse_job_state(s: &str) -> Result<JobState, String> {
    s.parse()
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse::<Role>().map_err(|e| e.to_string())
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    s.parse::<Scope>().map_err(|e| e.to_string())
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// A format files can be imported from (XLSX is for exports: save the workbook as CSV).
fn parse_import_format(s: &str) -> Result<Format, String> {
    match parse_format(s)? {
        f if f.importable() => Ok(f),
        f => Err(format!(
            "{f} sert à l'export ; pour importer un classeur, enregistrez-le en CSV (formats possibles : csv, geojson, lmn-json, lmn-csv)"
        )),
    }
}

/// The local command line acts with full rights: whoever runs it owns the data.
pub(crate) fn cli_actor() -> Actor {
    Actor::User(
        User {
            id: maillage_domain::UserId::new(),
            email: maillage_domain::fields::Email::parse("cli@maillage.invalid").expect("valid address"),
            display_name: "maillage (ligne de commande)".into(),
            created_at: chrono::Utc::now(),
        },
        Roles::none().with(Grant::admin()),
    )
}

fn progress_bar(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

async fn open_app(config: &Config) -> Result<App> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    maillage_store::set_acquire_timeout(std::time::Duration::from_millis(config.server.database_wait_ms));
    let store = maillage_app::Store::connect(&config.database_url())
        .await
        .with_context(|| "cannot open the database (check MAILLAGE_DATABASE_URL)".to_string())?;
    let mailer = Mailer::new(Some(config.mail.smtp_url.as_str()), config.data_dir.join("outbox"))?;
    let app_config = AppConfig {
        base_url: config.base_url.clone(),
        mail_from: config.mail.from.clone(),
        session_days: config.security.session_days,
        login_max_attempts: config.security.login_max_attempts,
        login_max_delay_s: config.security.login_max_delay_seconds,
        login_failures_per_address: config.security.login_failures_per_address,
        login_window_minutes: config.security.login_window_minutes,
        jobs: config.jobs_config(),
        ..AppConfig::default()
    };
    Ok(App::new(store, mailer, app_config))
}

async fn load_demo(app: &App, count: usize, seed: u64) -> Result<()> {
    let started = Instant::now();
    let bar = progress_bar(count as u64, "démo / demo");
    let summary = app
        .load_demo(count, seed, &|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    eprintln!(
        "demo: {} places, {} networks ({} memberships), {} communities, {} accounts (password: {}) in {:.1} s",
        summary.places,
        summary.networks,
        summary.memberships,
        summary.communities,
        summary.users,
        maillage_demo::DEMO_PASSWORD,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Config { command: ConfigCommand::Default } = cli.command {
        print!("{}", config::DEFAULT_FILE);
        return Ok(ExitCode::SUCCESS);
    }
    let mut config = Config::load(cli.config.as_deref())?;
    if let Command::Serve { listen: Some(listen), .. } = &cli.command {
        if config.base_url == format!("http://{}", config.listen) {
            config.base_url = format!("http://{listen}");
        }
        config.listen = listen.clone();
    }
    init_logging(&config.log);
    match cli.command {
        Command::Config { command: ConfigCommand::Show } => {
            let mut shown = config.clone();
            if !shown.mail.smtp_url.is_empty() {
                shown.mail.smtp_url = "***".into();
            }
            if shown.database_url.contains('@') {
                shown.database_url = "***".into();
            }
            print!("{}", toml::to_string_pretty(&shown)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { command: ConfigCommand::Default } => unreachable!("handled above"),
        Command::Serve { demo, .. } => {
            let started = Instant::now();
            let reference = maillage_territory::Reference::shared();
            tracing::info!(
                communes = reference.communes().len(),
                ms = started.elapsed().as_millis() as u64,
                "reference geography loaded"
            );
            let app = open_app(&config).await?;
            if demo {
                load_demo(&app, 3500, 2026).await?;
            }
            let listener = tokio::net::TcpListener::bind(&config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            let address = listener.local_addr()?;
            let web = maillage_web::WebConfig {
                tile_url: Some(config.map.tile_url.clone()).filter(|s| !s.is_empty()),
                tile_attribution: Some(config.map.tile_attribution.clone()).filter(|s| !s.is_empty()),
                trusted_proxy_hops: config.proxy_hops(),
                secure_cookies: config.security.secure_cookies,
                hsts: config.hsts()?,
                writes_per_minute: config.security.writes_per_minute,
                account_writes_per_minute: config.security.account_writes_per_minute,
                max_body_bytes: (config.security.max_body_mb * 1024 * 1024) as usize,
                header_timeout: std::time::Duration::from_secs(config.server.header_timeout_seconds.max(1)),
                request_timeout: std::time::Duration::from_secs(config.server.request_timeout_seconds.max(1)),
                max_connections: config.server.max_connections.max(1) as usize,
            };
            if config.security.trust_proxy_headers && config.security.trusted_proxy_hops == 0 {
                tracing::warn!(
                    "security.trust_proxy_headers is an older setting: read as trusted_proxy_hops = 1 (set that instead)"
                );
            }
            // One job runner per server process (mail, purges, planner statistics).
            let jobs = app.start_jobs()?;
            let state = maillage_web::AppState::new(app, web);
            println!("Maillage: http://{address}/  (Ctrl+C to stop)");
            std::io::stdout().flush()?;
            let served = maillage_web::serve(listener, state, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
            jobs.stop().await;
            served?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => {
            let app = open_app(&config).await?;
            let bytes =
                std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
            let mut options = ImportOptions::new(
                args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            );
            options.format = args.format;
            options.source = args.source;
            options.all_or_nothing = args.all_or_nothing;
            if let Some(m) = &args.mapping {
                options.mapping =
                    maillage_interop::ColumnMapping::parse(m).map_err(|e| anyhow!("--mapping: {e}"))?;
            }
            let bar = progress_bar(0, "import");
            let result = app
                .import(&cli_actor(), bytes, &options, &|done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                })
                .await;
            bar.finish_and_clear();
            let report = match result {
                Ok(r) => r,
                Err(AppError::File(message)) => {
                    eprintln!("{}: {message}", args.file.display());
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            };
            for e in &report.errors {
                eprintln!("{}:{}: {} ({}): {}", args.file.display(), e.line, e.field, e.code, e.message);
            }
            for w in &report.warnings {
                if w.line == maillage_interop::FILE_LINE {
                    // About the whole file (the encoding assumed…), not one of its lines.
                    eprintln!(
                        "{}: remarque{} ({}): {}",
                        args.file.display(),
                        if w.field.is_empty() { String::new() } else { format!(" {}", w.field) },
                        w.code,
                        w.message
                    );
                    continue;
                }
                eprintln!(
                    "{}:{}: remarque {} ({}): {}",
                    args.file.display(),
                    w.line,
                    w.field,
                    w.code,
                    w.message
                );
            }
            if report.rolled_back {
                eprintln!(
                    "rien n'a été importé : {} ligne(s) invalide(s) (--all-or-nothing)",
                    report.rejected
                );
            }
            println!("{}", report.summary());
            Ok(if report.rolled_back {
                ExitCode::from(1)
            } else if report.rejected > 0 {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Territory { command } => territory::run(command, || open_app(&config)).await,
        Command::Export { format, fields, out, departement } => {
            let app = open_app(&config).await?;
            let filter = PlaceFilter { departement, ..Default::default() };
            let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            // Written as it is read, a thousand places at a time: a national export is never
            // held in memory. A file is written beside its final name and renamed at the end,
            // so that a failed export leaves no half-written file.
            let mut chunks = app
                .export_chunks(format, &filter, (!field_refs.is_empty()).then_some(field_refs.as_slice()))
                .await?;
            let out = match out {
                Some(dir) if dir.is_dir() => Some(dir.join(format.file_name())),
                // A workbook is not text for a terminal or a pipe by default.
                None if format.is_binary() => Some(PathBuf::from(format.file_name())),
                given => given,
            };
            match out {
                Some(path) => {
                    let partial = path.with_file_name(format!(
                        ".{}.partiel",
                        path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
                    ));
                    let written = async {
                        let mut file = std::io::BufWriter::new(
                            std::fs::File::create(&partial)
                                .with_context(|| format!("cannot write {}", path.display()))?,
                        );
                        while let Some(chunk) = chunks.recv().await {
                            file.write_all(&chunk?)
                                .with_context(|| format!("cannot write {}", path.display()))?;
                        }
                        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
                        std::fs::rename(&partial, &path)
                            .with_context(|| format!("cannot write {}", path.display()))
                    }
                    .await;
                    if written.is_err() {
                        let _ = std::fs::remove_file(&partial);
                    }
                    written?;
                    eprintln!("{}", path.display());
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    while let Some(chunk) = chunks.recv().await {
                        stdout.write_all(&chunk?)?;
                    }
                    stdout.flush()?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command: UserCommand::Create { email, name, admin } } => {
            let app = open_app(&config).await?;
            let (password, generated) = if std::io::stdin().is_terminal() {
                (maillage_app::security::random_token()[..20].to_owned(), true)
            } else {
                let mut line = String::new();
                std::io::stdin().read_to_string(&mut line)?;
                (line.lines().next().unwrap_or("").to_owned(), false)
            };
            let display = name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
            match app.create_user(&email, &display, &password, admin).await {
                Ok(user) => {
                    println!("created {} ({}){}", user.email, user.id, if admin { ", admin" } else { "" });
                    if generated {
                        println!("password: {password}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(AppError::Validation(v)) => {
                    for e in &v.errors {
                        eprintln!("{}: {}", e.field, e.message_fr());
                    }
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::User { command: UserCommand::List } => {
            let app = open_app(&config).await?;
            for r in app.list_users(&cli_actor()).await? {
                let roles = app.roles_of_account(&cli_actor(), r.user.email.as_str()).await?;
                let admin = roles.holds(&Grant::admin());
                let managed = roles.iter().filter(|g| g.role() == Role::Manager).count();
                let mut held: Vec<String> = roles
                    .iter()
                    .filter(|g| !matches!(g.role(), Role::Admin | Role::Manager))
                    .map(|g| g.to_string())
                    .collect();
                if admin {
                    held.insert(0, "admin".into());
                }
                if managed > 0 {
                    held.push(format!("manager of {managed} place(s)"));
                }
                println!("{}\t{}\t{}", r.user.email, r.user.display_name, held.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command: UserCommand::Grant { email, role, scope } } => {
            rights::grant(&open_app(&config).await?, &email, role, scope, true).await
        }
        Command::User { command: UserCommand::Revoke { email, role, scope } } => {
            rights::grant(&open_app(&config).await?, &email, role, scope, false).await
        }
        Command::Backup { file } => rights::backup(&config, &file).await,
        Command::Restore { file } => rights::restore(&config, &file).await,
        Command::User { command: UserCommand::Export { email, out } } => {
            rights::export(&open_app(&config).await?, &email, out.as_deref()).await
        }
        Command::User { command: UserCommand::Erase { email, yes } } => {
            rights::erase(&open_app(&config).await?, &email, yes).await
        }
        Command::Jobs { command: JobsCommand::List { state, limit } } => {
            let app = open_app(&config).await?;
            for job in app.list_jobs(&cli_actor(), state, limit).await? {
                println!(
                    "{}\t{}\t{}\t{}/{}\t{}\t{}",
                    job.id,
                    job.kind,
                    job.state,
                    job.attempts,
                    job.max_attempts,
                    job.run_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    job.last_error.unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs { command: JobsCommand::Retry { id } } => {
            let app = open_app(&config).await?;
            match app.retry_job(&cli_actor(), &id).await {
                Ok(()) => {
                    println!("tâche {} relancée / job queued again", id.trim());
                    Ok(ExitCode::SUCCESS)
                }
                Err(AppError::Validation(v)) => {
                    for e in &v.errors {
                        eprintln!("{}: {}", e.field, e.message_fr());
                    }
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Demo { count, seed, remove } => {
            let app = open_app(&config).await?;
            if remove {
                app.remove_demo(&cli_actor()).await?;
                eprintln!("demo data removed");
            } else {
                load_demo(&app, count, seed).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn main() -> ExitCode {
    // Before any thread starts: fewer allocator arenas, less memory kept after bulk work.
    maillage_store::limit_allocator_arenas();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
