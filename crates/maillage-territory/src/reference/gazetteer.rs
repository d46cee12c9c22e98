//! The domain's [`Gazetteer`]: what validation and import need of the reference data.

use maillage_domain::network::{Area, AreaLevel};
use maillage_domain::{CommuneQuery, CommuneRef, Gazetteer, Located, NotLocated};

use super::{Commune, Reference};

impl From<&Commune> for CommuneRef {
    fn from(c: &Commune) -> Self {
        CommuneRef {
            code: c.code.clone(),
            name: c.name.clone(),
            departement: c.departement.clone(),
            region: c.region.clone(),
            epci: c.epci.clone(),
            postal_codes: c.postal_codes.clone(),
            population: c.population,
            lon: c.lon,
            lat: c.lat,
        }
    }
}

impl Gazetteer for Reference {
    fn area_name(&self, area: &Area) -> Option<String> {
        let code = area.code.as_str();
        match area.level {
            AreaLevel::Region => self.region(code).map(|r| r.name.clone()),
            AreaLevel::Departement => self.departement(code).map(|d| d.name.clone()),
            AreaLevel::Epci => self.epci(code).map(|e| e.name.clone()),
            AreaLevel::Commune => Reference::commune(self, code).map(|c| c.name.clone()),
        }
    }

    fn commune(&self, code: &str) -> Option<CommuneRef> {
        Reference::commune(self, code.trim()).map(CommuneRef::from)
    }

    fn communes_by_postal_code(&self, postal_code: &str) -> Vec<CommuneRef> {
        Reference::communes_by_postal_code(self, postal_code).into_iter().map(CommuneRef::from).collect()
    }

    /// Matches the name, written any way (accents, case, hyphens, "St", "11e
    /// Arrondissement", without its article or suffix, a former commune's, a postal town
    /// line), against the communes of the postal code; then, for CEDEX or mistyped codes,
    /// against the communes of the postal code's département. A city with arrondissements
    /// resolves to the arrondissement of the postal code when there is exactly one. With an
    /// empty name (or one that is no commune's), the postal code alone must designate one
    /// commune.
    fn resolve(&self, postal_code: &str, name: &str) -> Option<CommuneRef> {
        self.resolve_commune(postal_code, name).map(CommuneRef::from)
    }

    /// See [`Reference::locate_commune`] for the rules.
    fn locate(&self, query: &CommuneQuery<'_>) -> Result<Located, NotLocated> {
        self.locate_commune(query).map(|(commune, how)| Located { commune: commune.into(), how })
    }

    fn name_designates(&self, commune: &CommuneRef, name: &str) -> bool {
        Reference::commune(self, &commune.code).is_some_and(|c| Reference::name_designates(self, c, name))
    }
}
