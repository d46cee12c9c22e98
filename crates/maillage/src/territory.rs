//! `maillage territory …`: nearest place, coverage and white zones, accessibility, and where
//! to open the next places, on the published places or a file of places.
//!
//! Exit codes: 0 done; 2 bad parameters or places (each problem printed as `field: message`);
//! 1 unreadable file or database.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use maillage_app::territory::{
    AccessMethod, AccessParams, Objective, RecommendParams, access_rows, coverage_csv, coverage_table,
    csv_of, nearest_rows, parse_level, place_types, recommend, supply_from_file, units_of, white_zones_csv,
};
use maillage_app::{App, AppError};
use maillage_domain::messages::{Lang, Message};
use maillage_territory::analysis::{DemandUnits, Phase, Progress, Supply};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum TerritoryCommand {
    /// Distance from every commune (arrondissement in Paris, Lyon, Marseille) to the nearest
    /// place: `code,distance_km`.
    #[command(allow_negative_numbers = true)]
    Nearest {
        #[command(flatten)]
        common: Common,
    },
    /// Share of the population within R km of a place, by commune, EPCI, département or
    /// région: `code,covered_population,total_population,share`.
    #[command(allow_negative_numbers = true)]
    Coverage {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        radius_km: f64,
        /// commune, epci, departement, region or france.
        #[arg(long, default_value = "commune")]
        by: String,
        /// Also write the white zones (communes beyond R, most populated first) to this CSV.
        #[arg(long)]
        white_zones: Option<PathBuf>,
    },
    /// Floating catchment accessibility (PySAL access 1.1.10 semantics): `code,value`.
    #[command(allow_negative_numbers = true)]
    Access {
        #[command(flatten)]
        common: Common,
        /// 2sfca, e2sfca, gaussian, gravity or 3sfca.
        #[arg(long)]
        method: String,
        #[arg(long)]
        catchment_km: f64,
        /// Step weights, e.g. 10:1,20:0.68,30:0.22 (e2sfca, 3sfca).
        #[arg(long)]
        steps: Option<String>,
        /// Gaussian weight's sigma.
        #[arg(long)]
        sigma_km: Option<f64>,
        /// Gravity weight: (max(d, min_dist) / scale) ^ alpha.
        #[arg(long)]
        scale_km: Option<f64>,
        #[arg(long, allow_hyphen_values = true)]
        alpha: Option<f64>,
        #[arg(long)]
        min_dist_km: Option<f64>,
        /// Divide by the population-weighted mean.
        #[arg(long)]
        normalize: bool,
        /// 3SFCA: widest distance of the pairs over which selection weights are summed
        /// (the width of the cost table given to access); default: the last step.
        #[arg(long)]
        selection_max_km: Option<f64>,
    },
    /// Where to open the next places (MCLP, p-median, set cover), with a proven bound: JSON.
    #[command(allow_negative_numbers = true)]
    Recommend {
        #[command(flatten)]
        common: Common,
        /// mclp, pmedian or setcover.
        #[arg(long)]
        objective: String,
        /// Number of new sites (mclp, pmedian).
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Coverage radius (mclp, setcover).
        #[arg(long)]
        radius_km: Option<f64>,
        /// Only communes with at least this population as candidate sites.
        #[arg(long)]
        min_population: Option<f64>,
        /// Ignore the existing places.
        #[arg(long)]
        greenfield: bool,
        /// Stop after this many seconds with the best answer found and its bound.
        #[arg(long)]
        time_limit_s: Option<f64>,
    },
}

#[derive(Args)]
pub struct Common {
    /// Places file (CSV id,lon,lat[,capacity,type], GeoJSON, national schema) instead of the
    /// published places of the database.
    #[arg(long)]
    places: Option<PathBuf>,
    /// Only places of these types (codes, repeat or separate with commas).
    #[arg(long = "type")]
    types: Vec<String>,
    /// Restrict to a territory: region:53, departement:29, epci:SIREN or commune:INSEE (a bare
    /// code is accepted when only one territory has it).
    #[arg(long)]
    territory: Option<String>,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Run a territory command; `open_app` opens the database only when no places file is given.
pub async fn run<F, Fut>(command: TerritoryCommand, open_app: F) -> Result<ExitCode>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<App>>,
{
    match execute(command, open_app).await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Failure::Invalid(errors)) => {
            for e in &errors.errors {
                eprintln!("{}: {}", e.field, e.message_fr());
            }
            Ok(ExitCode::from(2))
        }
        Err(Failure::File(message)) => {
            eprintln!("{message}");
            Ok(ExitCode::from(1))
        }
        Err(Failure::Other(e)) => Err(e),
    }
}

enum Failure {
    Invalid(maillage_domain::ValidationErrors),
    File(String),
    Other(anyhow::Error),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Validation(errors) => Failure::Invalid(errors),
            AppError::File(message) => Failure::File(message.fr()),
            other => Failure::Other(other.into()),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e.into())
    }
}

async fn supply<F, Fut>(common: &Common, open_app: F) -> Result<Supply, Failure>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<App>>,
{
    let types = place_types(&common.types)?;
    match &common.places {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| Failure::File(format!("{}: {e}", path.display())))?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let supply = supply_from_file(&name, &bytes)?;
            Ok(if types.is_empty() {
                supply
            } else {
                supply.with_types(&types).map_err(|e| Failure::from(AppError::from(e)))?
            })
        }
        None => {
            let app = open_app().await?;
            Ok(app.published_supply(&types).await?)
        }
    }
}

fn write_out(out: Option<&Path>, text: &str) -> Result<(), Failure> {
    match out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(Failure::Other),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Ok(())
        }
    }
}

fn units(common: &Common) -> Result<std::borrow::Cow<'static, DemandUnits>, Failure> {
    Ok(units_of(common.territory.as_deref())?)
}

/// "Territoire analysé : Bretagne (région 53)", on standard error before each result.
fn say_territory(common: &Common) -> Result<(), Failure> {
    let area = maillage_app::territory::parse_territory(common.territory.as_deref())?;
    eprintln!(
        "{} : {}",
        Message::new("territory.analysed").render(Lang::Fr),
        maillage_app::territory::territory_message(area.as_ref()).render(Lang::Fr)
    );
    Ok(())
}

/// A percentage as French writes it: `75,25`.
fn percent_fr(share: f64) -> String {
    format!("{:.2}", share * 100.0).replace('.', ",")
}

async fn execute<F, Fut>(command: TerritoryCommand, open_app: F) -> Result<(), Failure>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<App>>,
{
    match command {
        TerritoryCommand::Nearest { common } => {
            let units = units(&common)?;
            let supply = supply(&common, open_app).await?;
            let rows = nearest_rows(&units, &supply)?;
            say_territory(&common)?;
            write_out(common.out.as_deref(), &csv_of("code,distance_km", &rows))
        }
        TerritoryCommand::Coverage { common, radius_km, by, white_zones } => {
            let level = parse_level(&by)?;
            let units = units(&common)?;
            let supply = supply(&common, open_app).await?;
            let (result, rows) = coverage_table(&units, &supply, radius_km, level)?;
            say_territory(&common)?;
            write_out(common.out.as_deref(), &coverage_csv(&rows))?;
            if let Some(path) = white_zones {
                write_out(Some(&path), &white_zones_csv(&result.white_zones))?;
            }
            eprintln!(
                "{}",
                Message::new("territory.cli.coverage")
                    .with("share", percent_fr(result.france.share))
                    .with("radius", radius_km)
                    .with("zones", result.white_zones.len())
                    .render(Lang::Fr)
            );
            Ok(())
        }
        TerritoryCommand::Access {
            common,
            method,
            catchment_km,
            steps,
            sigma_km,
            scale_km,
            alpha,
            min_dist_km,
            normalize,
            selection_max_km,
        } => {
            let params = AccessParams {
                method: AccessMethod::parse(&method)?,
                catchment_km,
                steps,
                sigma_km,
                scale_km,
                alpha,
                min_dist_km,
                normalize,
                selection_max_km,
            };
            params.options()?;
            let units = units(&common)?;
            let supply = supply(&common, open_app).await?;
            let rows = access_rows(&units, &supply, &params)?;
            say_territory(&common)?;
            write_out(common.out.as_deref(), &csv_of("code,value", &rows))
        }
        TerritoryCommand::Recommend {
            common,
            objective,
            k,
            radius_km,
            min_population,
            greenfield,
            time_limit_s,
        } => {
            let params = RecommendParams {
                objective: Objective::parse(&objective)?,
                k,
                radius_km,
                min_population,
                greenfield,
                time_limit_s,
            };
            let units = units(&common)?;
            let supply = supply(&common, open_app).await?;
            let bar =
                if std::io::stderr().is_terminal() { ProgressBar::new(1000) } else { ProgressBar::hidden() };
            bar.set_style(
                ProgressStyle::with_template("{msg:24} [{bar:40}] {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            let mut report = |p: &Progress| {
                bar.set_message(phase_label(p.phase));
                bar.set_position((p.fraction.clamp(0.0, 1.0) * 1000.0) as u64);
            };
            let result = recommend(&units, &supply, &params, Some(&mut report));
            bar.finish_and_clear();
            let result = result?;
            say_territory(&common)?;
            let json = serde_json::to_string_pretty(&result).map_err(|e| Failure::Other(e.into()))?;
            write_out(common.out.as_deref(), &(json + "\n"))?;
            let key = if result.timed_out {
                "territory.cli.recommend_timed_out"
            } else {
                "territory.cli.recommend"
            };
            eprintln!(
                "{}",
                Message::new(key)
                    .with("sites", result.chosen.len())
                    .with("gap", format!("{:.3}", result.gap * 100.0).replace('.', ","))
                    .with("seconds", format!("{:.2}", result.seconds).replace('.', ","))
                    .render(Lang::Fr)
            );
            Ok(())
        }
    }
}

fn phase_label(phase: Phase) -> &'static str {
    match phase {
        Phase::Preparing => "préparation",
        Phase::Greedy => "glouton",
        Phase::LocalSearch => "recherche locale",
        Phase::Bounding => "borne",
        Phase::Done => "terminé",
    }
}
