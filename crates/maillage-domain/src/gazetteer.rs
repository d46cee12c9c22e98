//! What validation needs to know of the reference geography, as a trait, so that the
//! domain stays free of data files (`maillage-territory` implements it).

use serde::Serialize;

/// A commune (or municipal arrondissement) as validation sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommuneRef {
    /// INSEE COG code, e.g. `42218`.
    pub code: String,
    pub name: String,
    /// Département code, e.g. `42`, `2A`, `971`.
    pub departement: String,
    /// Région code, e.g. `84`.
    pub region: String,
    /// SIREN of the EPCI, when the commune belongs to one.
    pub epci: Option<String>,
    pub postal_codes: Vec<String>,
    pub population: u64,
    /// Reference point (town hall or interior point), WGS84 degrees.
    pub lon: f64,
    pub lat: f64,
}

/// What a record says of its commune, as written: any part may be missing.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CommuneQuery<'a> {
    /// INSEE code, current or former.
    pub code: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    /// The commune's name as people write it (or the town line of an address).
    pub name: Option<&'a str>,
    /// The record's point (latitude, longitude), WGS84 degrees.
    pub point: Option<(f64, f64)>,
}

/// Which rule found the commune, in the order they are tried.
#[derive(Debug, Clone, PartialEq)]
pub enum CommuneMatch {
    /// The INSEE code of a current commune.
    Code,
    /// The INSEE code of a former commune, merged since into the one found.
    FormerCode { former_code: String, former_name: Option<String> },
    /// The name as written (case, accents, hyphens, "St"), among the postal code's communes.
    Name,
    /// The name with or without its article or a suffix ("Loriol" for Loriol-sur-Drôme),
    /// among the postal code's communes.
    NameVariant,
    /// The *libellé d'acheminement* of the postal code for that commune ("PIERRE BENITE",
    /// 69310, for Oullins-Pierre-Bénite).
    PostalLabel { label: String },
    /// The name, in the département of a postal code that does not serve that commune (a
    /// CEDEX code, a neighbouring commune's code).
    NameInDepartement { departement: String },
    /// The name of a former commune merged into the one found.
    FormerName { former_name: String, former_code: String },
    /// The only commune of the postal code (the name, if any, is no commune's).
    PostalCode,
    /// The commune whose reference point is nearest to the record's point, among the
    /// postal code's communes (or the département's).
    Nearest { km: f64 },
}

/// A commune found, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub commune: CommuneRef,
    pub how: CommuneMatch,
}

/// Why no commune was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotLocated {
    /// The INSEE code is no commune's, current or former.
    UnknownCode,
    /// Several communes answer; their names, with their département, at most a few.
    Ambiguous(Vec<String>),
    /// Nothing designates a commune.
    Unknown,
}

/// Look-ups into the reference geography.
pub trait Gazetteer {
    /// The commune or arrondissement with this INSEE code.
    fn commune(&self, code: &str) -> Option<CommuneRef>;
    /// The communes served by a postal code.
    fn communes_by_postal_code(&self, postal_code: &str) -> Vec<CommuneRef>;
    /// Resolve a commune from a postal code and a name as people write it (accents,
    /// hyphens, "St" for "Saint", arrondissement numbers…). `None` when ambiguous or unknown.
    fn resolve(&self, postal_code: &str, name: &str) -> Option<CommuneRef>;

    /// The name of a région, département, EPCI or commune of the reference geography
    /// (`None`: it does not exist). The default knows communes only.
    fn area_name(&self, area: &crate::network::Area) -> Option<String> {
        match area.level {
            crate::network::AreaLevel::Commune => self.commune(&area.code).map(|c| c.name),
            _ => None,
        }
    }

    /// Find the commune of a record from everything it says, naming the rule used. The
    /// default tries the code, then [`Gazetteer::resolve`], then the postal code alone;
    /// the reference geography also knows former communes, postal town lines and points.
    fn locate(&self, query: &CommuneQuery<'_>) -> Result<Located, NotLocated> {
        fn text(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        if let Some(code) = text(query.code) {
            return self
                .commune(code)
                .map(|commune| Located { commune, how: CommuneMatch::Code })
                .ok_or(NotLocated::UnknownCode);
        }
        let postal_code = text(query.postal_code).unwrap_or("");
        if let Some(name) = text(query.name) {
            return self
                .resolve(postal_code, name)
                .map(|commune| Located { commune, how: CommuneMatch::Name })
                .ok_or(NotLocated::Unknown);
        }
        match self.communes_by_postal_code(postal_code).as_slice() {
            [one] => Ok(Located { commune: one.clone(), how: CommuneMatch::PostalCode }),
            [] => Err(NotLocated::Unknown),
            several => Err(NotLocated::Ambiguous(
                several.iter().map(|c| format!("{} ({})", c.name, c.departement)).collect(),
            )),
        }
    }

    /// Whether a name, as people write it, designates this commune: its name, one of its
    /// former communes' or one of its postal town lines. The default compares folded names.
    fn name_designates(&self, commune: &CommuneRef, name: &str) -> bool {
        crate::text::fold(&commune.name) == crate::text::fold(name)
    }
}
