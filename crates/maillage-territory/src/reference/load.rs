//! Parsing the embedded CSV files and building the indexes.

use std::collections::HashMap;

use super::resolve::{Former, PostalLabel, address_key};
use super::spatial::PointTree;
use super::{Commune, CommuneKind, Departement, Epci, EpciKind, Reference, Region, Zone, search};

const COMMUNES_CSV: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/communes.csv"));
const EPCI_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/epci.csv"));
const DEPARTEMENTS_CSV: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/departements.csv"));
const REGIONS_CSV: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/regions.csv"));
const FORMER_CSV: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/anciennes_communes.csv"));
const POSTAL_CSV: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/codes_postaux.csv"));

/// Why the reference data could not be loaded: the embedded files are malformed or
/// inconsistent (a build problem, never a user's).
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("{file}: {source}")]
    Csv {
        file: &'static str,
        #[source]
        source: csv::Error,
    },
    #[error("{file}, line {line}: {message}")]
    Invalid { file: &'static str, line: u64, message: String },
}

/// Reads `data` row by row, handing each record and its line number to `row`.
fn read_rows(
    file: &'static str,
    data: &str,
    columns: &[&str],
    mut row: impl FnMut(&csv::StringRecord, u64) -> Result<(), ReferenceError>,
) -> Result<(), ReferenceError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(data.as_bytes());
    let headers = reader.headers().map_err(|source| ReferenceError::Csv { file, source })?;
    if headers.iter().ne(columns.iter().copied()) {
        return Err(ReferenceError::Invalid {
            file,
            line: 1,
            message: format!("expected columns {columns:?}, found {headers:?}"),
        });
    }
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|source| ReferenceError::Csv { file, source })? {
        let line = record.position().map_or(0, csv::Position::line);
        row(&record, line)?;
    }
    Ok(())
}

fn invalid(file: &'static str, line: u64, message: impl Into<String>) -> ReferenceError {
    ReferenceError::Invalid { file, line, message: message.into() }
}

fn zone(file: &'static str, line: u64, value: &str) -> Result<Zone, ReferenceError> {
    match value {
        "metro" => Ok(Zone::Metro),
        "drom" => Ok(Zone::Drom),
        "com" => Ok(Zone::Com),
        other => Err(invalid(file, line, format!("unknown zone {other:?}"))),
    }
}

fn number<T: std::str::FromStr>(
    file: &'static str,
    line: u64,
    field: &str,
    value: &str,
) -> Result<T, ReferenceError> {
    value.parse().map_err(|_| invalid(file, line, format!("{field}: not a number: {value:?}")))
}

fn optional(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

fn index_of(i: usize) -> u32 {
    // Fewer than 40,000 communes: the u32 indexes halve the size of the index maps.
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The six CSV files, as text.
pub(super) struct Sources<'a> {
    pub communes: &'a str,
    pub epci: &'a str,
    pub departements: &'a str,
    pub regions: &'a str,
    /// `anciennes_communes.csv`.
    pub former: &'a str,
    /// `codes_postaux.csv`.
    pub postal: &'a str,
}

pub(super) const EMBEDDED: Sources<'static> = Sources {
    communes: COMMUNES_CSV,
    epci: EPCI_CSV,
    departements: DEPARTEMENTS_CSV,
    regions: REGIONS_CSV,
    former: FORMER_CSV,
    postal: POSTAL_CSV,
};

pub(super) fn load(sources: &Sources<'_>) -> Result<Reference, ReferenceError> {
    let mut regions = Vec::with_capacity(26);
    read_rows("regions.csv", sources.regions, &["code", "nom", "chef_lieu", "zone"], |r, line| {
        regions.push(Region {
            code: r[0].to_owned(),
            name: r[1].to_owned(),
            chef_lieu: r[2].to_owned(),
            zone: zone("regions.csv", line, &r[3])?,
        });
        Ok(())
    })?;
    let region_by_code = unique_codes("regions.csv", regions.iter().map(|r| r.code.as_str()))?;

    let mut departements = Vec::with_capacity(109);
    let file = "departements.csv";
    read_rows(file, sources.departements, &["code", "nom", "region", "chef_lieu", "zone"], |r, line| {
        if !region_by_code.contains_key(&r[2]) {
            return Err(invalid(file, line, format!("unknown région {:?}", &r[2])));
        }
        departements.push(Departement {
            code: r[0].to_owned(),
            name: r[1].to_owned(),
            region: r[2].to_owned(),
            chef_lieu: r[3].to_owned(),
            zone: zone(file, line, &r[4])?,
        });
        Ok(())
    })?;
    let departement_by_code = unique_codes(file, departements.iter().map(|d| d.code.as_str()))?;

    let mut epcis = Vec::with_capacity(1_300);
    let file = "epci.csv";
    read_rows(file, sources.epci, &["code", "nom", "type", "population"], |r, line| {
        let kind = match &r[2] {
            "CC" => EpciKind::CommunauteDeCommunes,
            "CA" => EpciKind::CommunauteDAgglomeration,
            "CU" => EpciKind::CommunauteUrbaine,
            "METRO" => EpciKind::Metropole,
            "MET69" => EpciKind::MetropoleDeLyon,
            other => return Err(invalid(file, line, format!("unknown EPCI type {other:?}"))),
        };
        epcis.push(Epci {
            code: r[0].to_owned(),
            name: r[1].to_owned(),
            kind,
            population: number(file, line, "population", &r[3])?,
        });
        Ok(())
    })?;
    let epci_by_code = unique_codes(file, epcis.iter().map(|e| e.code.as_str()))?;

    let mut communes = Vec::with_capacity(35_000);
    let file = "communes.csv";
    let columns = [
        "code",
        "nom",
        "kind",
        "parent",
        "departement",
        "region",
        "epci",
        "codes_postaux",
        "population",
        "lon",
        "lat",
        "zone",
    ];
    read_rows(file, sources.communes, &columns, |r, line| {
        let kind = match &r[2] {
            "commune" => CommuneKind::Commune,
            "arrondissement" => CommuneKind::Arrondissement,
            other => return Err(invalid(file, line, format!("unknown kind {other:?}"))),
        };
        if !departement_by_code.contains_key(&r[4]) || !region_by_code.contains_key(&r[5]) {
            return Err(invalid(
                file,
                line,
                format!("unknown département {:?} or région {:?}", &r[4], &r[5]),
            ));
        }
        if !r[6].is_empty() && !epci_by_code.contains_key(&r[6]) {
            return Err(invalid(file, line, format!("unknown EPCI {:?}", &r[6])));
        }
        let lon: f64 = number(file, line, "lon", &r[9])?;
        let lat: f64 = number(file, line, "lat", &r[10])?;
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(invalid(file, line, format!("point out of range: {lon}, {lat}")));
        }
        communes.push(Commune {
            code: r[0].to_owned(),
            name: r[1].to_owned(),
            kind,
            parent: optional(&r[3]),
            departement: r[4].to_owned(),
            region: r[5].to_owned(),
            epci: optional(&r[6]),
            postal_codes: r[7].split_ascii_whitespace().map(str::to_owned).collect(),
            population: number(file, line, "population", &r[8])?,
            lon,
            lat,
            zone: zone(file, line, &r[11])?,
        });
        Ok(())
    })?;
    communes.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    let commune_by_code = unique_codes(file, communes.iter().map(|c| c.code.as_str()))?;

    // Postal codes and town lines beyond the COG list (codes-postaux): the pairs join the
    // commune's postal codes, the town lines are names of the commune in that postal code.
    let mut postal_labels: HashMap<String, Vec<PostalLabel>> = HashMap::new();
    let file = "codes_postaux.csv";
    read_rows(file, sources.postal, &["code_postal", "commune", "libelle"], |r, line| {
        let Some(&i) = commune_by_code.get(&r[1]) else {
            return Err(invalid(file, line, format!("unknown commune {:?}", &r[1])));
        };
        let commune = &mut communes[i as usize];
        if !commune.postal_codes.iter().any(|p| *p == r[0]) {
            commune.postal_codes.push(r[0].to_owned());
        }
        if !r[2].is_empty() {
            postal_labels.entry(r[0].to_owned()).or_default().push(PostalLabel {
                commune: i,
                label: r[2].to_owned(),
                key: address_key(&r[2]),
            });
        }
        Ok(())
    })?;

    let mut formers = Vec::with_capacity(5_000);
    let mut former_by_code: HashMap<String, u32> = HashMap::with_capacity(5_000);
    let mut formers_of: HashMap<u32, Vec<u32>> = HashMap::with_capacity(3_000);
    let file = "anciennes_communes.csv";
    read_rows(file, sources.former, &["code", "nom", "type", "commune"], |r, line| {
        if !matches!(&r[2], "deleguee" | "associee" | "ancienne") {
            return Err(invalid(file, line, format!("unknown type {:?}", &r[2])));
        }
        let Some(&current) = commune_by_code.get(&r[3]) else {
            return Err(invalid(file, line, format!("unknown current commune {:?}", &r[3])));
        };
        let index = index_of(formers.len());
        // A delegated commune keeping its commune nouvelle's code is found by that code.
        if !commune_by_code.contains_key(&r[0]) {
            former_by_code.entry(r[0].to_owned()).or_insert(index);
        }
        formers_of.entry(current).or_default().push(index);
        formers.push(Former {
            code: r[0].to_owned(),
            name: optional(&r[1]),
            current,
            key: address_key(&r[1]),
        });
        Ok(())
    })?;

    let mut arrondissements_by_city: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, commune) in communes.iter().enumerate() {
        if let Some(parent) = &commune.parent {
            if commune_by_code.get(parent).is_none_or(|&p| communes[p as usize].kind != CommuneKind::Commune)
            {
                return Err(invalid(file, 0, format!("{}: unknown parent city {parent:?}", commune.code)));
            }
            arrondissements_by_city.entry(parent.clone()).or_default().push(index_of(i));
        }
    }
    // An arrondissement belongs to its city's EPCI (Métropole du Grand Paris, de Lyon,
    // d'Aix-Marseille-Provence); the source leaves it blank.
    for (city, arrondissements) in &arrondissements_by_city {
        let epci = commune_by_code.get(city).and_then(|&c| communes[c as usize].epci.clone());
        for &a in arrondissements {
            communes[a as usize].epci.clone_from(&epci);
        }
    }

    let mut by_departement: HashMap<String, Vec<u32>> = HashMap::new();
    let mut by_epci: HashMap<String, Vec<u32>> = HashMap::new();
    let mut by_region: HashMap<String, Vec<u32>> = HashMap::new();
    let mut by_postal_code: HashMap<String, Vec<u32>> = HashMap::with_capacity(6_500);
    for (i, commune) in communes.iter().enumerate() {
        let i = index_of(i);
        for postal_code in &commune.postal_codes {
            by_postal_code.entry(postal_code.clone()).or_default().push(i);
        }
        if commune.kind == CommuneKind::Commune {
            by_departement.entry(commune.departement.clone()).or_default().push(i);
            by_region.entry(commune.region.clone()).or_default().push(i);
            if let Some(epci) = &commune.epci {
                by_epci.entry(epci.clone()).or_default().push(i);
            }
        }
    }

    let name_keys = communes.iter().map(|c| search::name_key(&c.name)).collect();
    let match_keys = communes.iter().map(|c| address_key(&c.name)).collect();
    // Cities with arrondissements are left out of the tree so that a point in Paris, Lyon or
    // Marseille finds its arrondissement rather than the city sharing its town-hall point.
    let points = PointTree::new(
        communes
            .iter()
            .enumerate()
            .filter(|(_, c)| !arrondissements_by_city.contains_key(&c.code))
            .map(|(i, c)| (crate::geo::unit_vector(c.lat, c.lon), index_of(i)))
            .collect(),
    );

    Ok(Reference {
        communes,
        epcis,
        departements,
        regions,
        commune_by_code,
        epci_by_code,
        departement_by_code,
        region_by_code,
        by_departement,
        by_epci,
        by_region,
        by_postal_code,
        arrondissements_by_city,
        name_keys,
        match_keys,
        formers,
        former_by_code,
        formers_of,
        postal_labels,
        points,
    })
}

fn unique_codes<'a>(
    file: &'static str,
    codes: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, u32>, ReferenceError> {
    let mut map = HashMap::new();
    for (i, code) in codes.enumerate() {
        if map.insert(code.to_owned(), index_of(i)).is_some() {
            return Err(invalid(file, 0, format!("duplicate code {code:?}")));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGIONS: &str = "code,nom,chef_lieu,zone\n84,Auvergne-Rhône-Alpes,69123,metro\n";
    const DEPARTEMENTS: &str = "code,nom,region,chef_lieu,zone\n42,Loire,84,42218,metro\n";
    const EPCI: &str = "code,nom,type,population\n244200770,Saint-Étienne Métropole,METRO,400000\n";
    const HEADER: &str =
        "code,nom,kind,parent,departement,region,epci,codes_postaux,population,lon,lat,zone\n";
    const FORMER_HEADER: &str = "code,nom,type,commune\n";
    const POSTAL_HEADER: &str = "code_postal,commune,libelle\n";
    const SAINT_ETIENNE: &str =
        "42218,Saint-Étienne,commune,,42,84,244200770,42000 42100,171000,4.39,45.43,metro\n";

    fn load_communes(rows: &str) -> Result<Reference, ReferenceError> {
        let communes = format!("{HEADER}{rows}");
        load(&Sources {
            communes: &communes,
            epci: EPCI,
            departements: DEPARTEMENTS,
            regions: REGIONS,
            former: FORMER_HEADER,
            postal: POSTAL_HEADER,
        })
    }

    fn error_of(rows: &str) -> String {
        load_communes(rows).map(|_| ()).err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn embedded_data_loads() {
        assert!(load(&EMBEDDED).is_ok());
    }

    #[test]
    fn a_minimal_file_loads_with_its_indexes() {
        let r = load_communes(SAINT_ETIENNE).expect("valid");
        let commune = r.commune("42218").expect("present");
        assert_eq!(commune.postal_codes, ["42000", "42100"]);
        assert_eq!(r.communes_by_postal_code("42100").len(), 1);
        assert_eq!(r.nearest_commune(45.0, 4.0).map(|(c, _)| c.code.as_str()), Some("42218"));
    }

    #[test]
    fn rejects_wrong_columns() {
        let communes = "code,name\n42218,Saint-Étienne\n";
        let err = load(&Sources {
            communes,
            epci: EPCI,
            departements: DEPARTEMENTS,
            regions: REGIONS,
            former: FORMER_HEADER,
            postal: POSTAL_HEADER,
        });
        assert!(
            err.map(|_| ()).is_err_and(|e| e.to_string().contains("communes.csv, line 1: expected columns"))
        );
    }

    #[test]
    fn rejects_rows_naming_unknown_territories() {
        let row = SAINT_ETIENNE.replace(",42,84,", ",43,84,");
        assert!(error_of(&row).contains("line 2: unknown département \"43\""));
        let row = SAINT_ETIENNE.replace("244200770", "200000000");
        assert!(error_of(&row).contains("unknown EPCI \"200000000\""));
    }

    #[test]
    fn rejects_bad_values() {
        assert!(error_of(&SAINT_ETIENNE.replace("171000", "many")).contains("population: not a number"));
        assert!(error_of(&SAINT_ETIENNE.replace("45.43", "145.43")).contains("point out of range"));
        assert!(error_of(&SAINT_ETIENNE.replace(",commune,", ",village,")).contains("unknown kind"));
        assert!(error_of(&SAINT_ETIENNE.replace(",metro", ",moon")).contains("unknown zone"));
        assert!(error_of("42218,Saint-Étienne,commune\n").contains("communes.csv"));
    }

    #[test]
    fn former_communes_and_postal_lines_must_name_current_communes() {
        let load_with = |former: &str, postal: &str| {
            let communes = format!("{HEADER}{SAINT_ETIENNE}");
            let former = format!("{FORMER_HEADER}{former}");
            let postal = format!("{POSTAL_HEADER}{postal}");
            load(&Sources {
                communes: &communes,
                epci: EPCI,
                departements: DEPARTEMENTS,
                regions: REGIONS,
                former: &former,
                postal: &postal,
            })
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
        };
        assert_eq!(load_with("42100,Terrenoire,deleguee,42218\n", "42230,42218,ROCHE LA MOLIERE\n"), "");
        assert!(load_with("42100,Terrenoire,deleguee,42999\n", "").contains("unknown current commune"));
        assert!(load_with("42100,Terrenoire,fusionnee,42218\n", "").contains("unknown type"));
        assert!(load_with("", "42230,42999,X\n").contains("codes_postaux.csv, line 2: unknown commune"));
    }

    #[test]
    fn rejects_duplicates_and_orphan_arrondissements() {
        assert!(error_of(&format!("{SAINT_ETIENNE}{SAINT_ETIENNE}")).contains("duplicate code \"42218\""));
        let orphan = "42999,Saint-Étienne 1er,arrondissement,42000,42,84,,42000,10,4.39,45.43,metro\n";
        assert!(error_of(orphan).contains("unknown parent city \"42000\""));
    }
}
