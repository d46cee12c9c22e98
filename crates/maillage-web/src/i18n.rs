//! The message catalogue: French first, English second. Keys are stable; a missing key
//! shows itself (and a test checks every key used by the templates exists).

use crate::context::Lang;

const CATALOGUE: &[(&str, &str, &str)] = &[
    ("site.name", "Maillage", "Maillage"),
    (
        "site.tagline",
        "Les tiers-lieux de France, sur une carte et dans un annuaire ouverts",
        "France's third places, on an open map and directory",
    ),
    ("nav.skip", "Aller au contenu", "Skip to content"),
    ("nav.home", "Carte et annuaire", "Map and directory"),
    ("nav.add", "Ajouter un lieu", "Add a place"),
    ("nav.mine", "Mes lieux", "My places"),
    ("nav.import", "Importer", "Import"),
    ("nav.login", "Se connecter", "Sign in"),
    ("nav.logout", "Se déconnecter", "Sign out"),
    ("nav.api", "API et documentation", "API and documentation"),
    ("nav.main", "Navigation principale", "Main navigation"),
    ("nav.signed_in_as", "Connecté·e :", "Signed in:"),
    ("home.title", "Trouver un tiers-lieu", "Find a third place"),
    ("home.search", "Rechercher", "Search"),
    ("home.q", "Nom, activité, commune…", "Name, activity, town…"),
    ("home.q_label", "Recherche", "Search"),
    ("home.type", "Type de lieu", "Type of place"),
    ("home.departement", "Département", "Département"),
    ("home.service", "Service", "Service"),
    ("home.all", "Tous", "All"),
    ("home.open_now", "Ouvert maintenant", "Open now"),
    ("home.filters", "Filtres", "Filters"),
    ("home.results", "lieux trouvés", "places found"),
    ("home.result", "lieu trouvé", "place found"),
    ("home.none", "Aucun lieu ne correspond à ces critères.", "No place matches these criteria."),
    ("home.map", "Carte des lieux", "Map of places"),
    ("home.list", "Liste des lieux", "List of places"),
    (
        "home.map_fallback",
        "La carte demande JavaScript ; la liste ci-dessous donne les mêmes lieux.",
        "The map needs JavaScript; the list below shows the same places.",
    ),
    ("home.prev", "Page précédente", "Previous page"),
    ("home.next", "Page suivante", "Next page"),
    ("home.page", "Page", "Page"),
    ("home.download", "Télécharger ces lieux :", "Download these places:"),
    ("home.choose_fields", "Choisir les champs à télécharger", "Choose the fields to download"),
    ("home.fields", "Champs", "Fields"),
    ("home.download_button", "Télécharger", "Download"),
    ("home.reset", "Effacer les filtres", "Clear filters"),
    (
        "home.demo",
        "Données de démonstration : ces lieux sont fictifs.",
        "Demo data: these places are fictional.",
    ),
    ("place.open", "Ouvert maintenant", "Open now"),
    ("place.closed", "Fermé maintenant", "Closed now"),
    ("place.hours", "Horaires", "Opening hours"),
    ("place.address", "Adresse", "Address"),
    ("place.contact", "Contact", "Contact"),
    ("place.services", "Services", "Services"),
    ("place.equipment", "Équipements", "Equipment"),
    ("place.publics", "Publics accueillis", "Publics"),
    ("place.support", "Accompagnements spécifiques", "Specific support"),
    ("place.fees", "Tarifs", "Fees"),
    ("place.access", "Modalités d'accès", "How to get access"),
    ("place.labels", "Labels et programmes", "Labels and programmes"),
    ("place.accessibility", "Accessibilité", "Accessibility"),
    ("place.accessibility_link", "Fiche accessibilité", "Accessibility information"),
    ("place.identity", "Structure", "Organisation"),
    ("place.source", "Source des données", "Data source"),
    ("place.updated", "Mis à jour le", "Updated on"),
    ("place.edit", "Modifier ce lieu", "Edit this place"),
    ("place.archive", "Archiver ce lieu", "Archive this place"),
    ("place.history", "Historique des modifications", "History of changes"),
    // The history of a place (history.rs).
    ("history.title", "Historique", "History"),
    ("history.back", "Retour à la fiche du lieu", "Back to the place"),
    (
        "history.explain",
        "Chaque modification, de la plus récente à la plus ancienne : qui, quand, et la valeur de chaque champ avant et après.",
        "Every change, newest first: who, when, and each field's value before and after.",
    ),
    ("history.none", "Aucune modification enregistrée.", "No change recorded."),
    ("history.not_reverted", "La valeur n'a pas été rétablie :", "The value was not put back:"),
    ("history.version", "version", "version"),
    ("history.field", "Champ", "Field"),
    ("history.before", "Avant", "Before"),
    ("history.after", "Après", "After"),
    ("history.action", "Action", "Action"),
    ("history.revert", "Rétablir l'ancienne valeur", "Put the old value back"),
    ("history.nothing", "—", "—"),
    ("history.contributor", "un·e contributeur·rice", "a contributor"),
    ("history.erased", "compte supprimé", "deleted account"),
    ("history.demo", "données de démonstration", "demo data"),
    ("history.system", "import ou outil", "import or tool"),
    ("history.region", "Région", "Region"),
    ("history.epci", "Intercommunalité (EPCI)", "Intermunicipality (EPCI)"),
    ("history.location", "Position", "Position"),
    ("history.location_precise", "Position précise", "Precise position"),
    ("place.status", "Statut", "Status"),
    ("place.map", "Situation", "Location"),
    (
        "place.approx",
        "Position approximative (centre de la commune)",
        "Approximate position (centre of the commune)",
    ),
    ("place.in", "Territoire", "Territory"),
    ("place.website", "Site web", "Website"),
    ("place.email", "Courriel", "Email"),
    ("place.phone", "Téléphone", "Phone"),
    ("place.demo", "Lieu fictif (données de démonstration)", "Fictional place (demo data)"),
    ("form.new_title", "Ajouter un lieu", "Add a place"),
    ("form.edit_title", "Modifier le lieu", "Edit the place"),
    ("form.errors", "Le formulaire contient des erreurs :", "The form has errors:"),
    ("form.warnings", "À vérifier :", "Please check:"),
    ("form.required", "obligatoire", "required"),
    ("form.save", "Enregistrer", "Save"),
    ("form.identity", "Le lieu", "The place"),
    ("form.where", "Adresse et position", "Address and position"),
    ("form.offer", "Services et équipements", "Services and equipment"),
    ("form.practical", "Informations pratiques", "Practical information"),
    ("form.contacts", "Contacts", "Contacts"),
    ("form.name", "Nom du lieu", "Name of the place"),
    ("form.types", "Types de lieu", "Types of place"),
    ("form.summary", "Présentation en une phrase", "One-sentence summary"),
    ("form.description", "Description (Markdown)", "Description (Markdown)"),
    ("form.address", "Adresse", "Address"),
    ("form.postal_code", "Code postal", "Postal code"),
    ("form.commune_code", "Code INSEE de la commune", "INSEE code of the commune"),
    ("form.commune_name", "Commune", "Commune"),
    (
        "form.commune_hint",
        "Le code INSEE, ou à défaut le nom de la commune avec le code postal.",
        "The INSEE code, or else the commune's name with the postal code.",
    ),
    ("form.latitude", "Latitude", "Latitude"),
    ("form.longitude", "Longitude", "Longitude"),
    (
        "form.coords_hint",
        "En degrés décimaux (ex. 45.4397). Sans coordonnées, le lieu est placé au centre de sa commune.",
        "Decimal degrees (e.g. 45.4397). Without coordinates the place is put at the centre of its commune.",
    ),
    (
        "form.confirm_commune",
        "Je confirme ce code postal et ce nom, même s'ils ne sont pas ceux de la commune (code CEDEX…)",
        "I confirm this postal code and name, even if they are not the commune's (CEDEX code…)",
    ),
    (
        "form.confirm_location",
        "Je confirme cette position, même loin de la commune",
        "I confirm this position, even far from the commune",
    ),
    ("form.siret", "SIRET", "SIRET"),
    ("form.rna", "Numéro RNA (associations)", "RNA number (associations)"),
    ("form.services", "Services proposés", "Services offered"),
    ("form.equipment", "Équipements (un par ligne)", "Equipment (one per line)"),
    (
        "form.equipment_hint",
        "Par exemple : Découpeuse laser, Imprimante 3D.",
        "For example: laser cutter, 3D printer.",
    ),
    ("form.opening_hours", "Horaires (format OpenStreetMap)", "Opening hours (OpenStreetMap format)"),
    (
        "form.hours_hint",
        "Par exemple : Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off",
        "For example: Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off",
    ),
    ("form.publics", "Publics accueillis", "Publics"),
    ("form.support", "Accompagnements spécifiques", "Specific support"),
    ("form.fees", "Tarifs", "Fees"),
    ("form.access_modes", "Modalités d'accès", "How to get access"),
    ("form.accessibility_url", "Lien vers la fiche accessibilité", "Link to accessibility information"),
    ("form.labels", "Labels et programmes nationaux", "Labels and national programmes"),
    ("form.email", "Courriel", "Email"),
    ("form.phone", "Téléphone", "Phone"),
    ("form.website", "Site web", "Website"),
    ("form.status", "Statut", "Status"),
    ("form.saved", "Lieu enregistré.", "Place saved."),
    ("login.title", "Se connecter", "Sign in"),
    ("login.email", "Adresse e-mail", "Email address"),
    ("login.password", "Mot de passe", "Password"),
    ("login.submit", "Se connecter", "Sign in"),
    ("login.forgot", "Mot de passe oublié ?", "Forgot your password?"),
    ("reset.title", "Mot de passe oublié", "Forgotten password"),
    (
        "reset.explain",
        "Indiquez votre adresse : si un compte existe, vous recevrez un lien pour choisir un nouveau mot de passe.",
        "Enter your address: if an account exists, you will receive a link to choose a new password.",
    ),
    ("reset.submit", "Recevoir le lien", "Send the link"),
    (
        "reset.sent",
        "Si un compte existe pour cette adresse, un courriel vient d'être envoyé.",
        "If an account exists for this address, an email has just been sent.",
    ),
    ("reset.new_title", "Choisir un nouveau mot de passe", "Choose a new password"),
    (
        "reset.new_password",
        "Nouveau mot de passe (10 caractères au moins)",
        "New password (at least 10 characters)",
    ),
    ("reset.new_submit", "Enregistrer le mot de passe", "Save the password"),
    (
        "reset.done",
        "Mot de passe modifié : vous pouvez vous connecter.",
        "Password changed: you can sign in.",
    ),
    (
        "reset.invalid",
        "Ce lien n'est plus valable : demandez-en un nouveau.",
        "This link is no longer valid: ask for a new one.",
    ),
    // Mon compte / My account (personal data).
    ("nav.account", "Mon compte", "My account"),
    ("account.title", "Mon compte", "My account"),
    ("account.info", "Mes informations", "My details"),
    ("account.name", "Nom affiché", "Display name"),
    ("account.created", "Compte créé le", "Account created on"),
    ("account.places", "Lieux que je gère", "Places I manage"),
    ("account.download_title", "Télécharger mes données", "Download my data"),
    (
        "account.download_explain",
        "Un fichier JSON avec tout ce que Maillage conserve sur vous : votre compte (sans le mot de passe), les lieux que vous gérez avec leur statut, vos sessions ouvertes et vos demandes de réinitialisation.",
        "A JSON file with everything Maillage keeps about you: your account (without the password), the places you manage with their status, your open sessions and your reset requests.",
    ),
    ("account.download", "Télécharger mes données (JSON)", "Download my data (JSON)"),
    ("account.delete_title", "Supprimer mon compte", "Delete my account"),
    (
        "account.delete_explain",
        "La suppression est définitive. Les lieux que vous gérez restent dans l'annuaire, sans vous comme gestionnaire ; les administrateurs peuvent toujours les modifier. Vos sessions et liens de réinitialisation sont supprimés avec le compte.",
        "Deletion is final. The places you manage stay in the directory, without you as their manager; administrators can still edit them. Your sessions and reset links are deleted with the account.",
    ),
    ("account.password", "Mot de passe actuel", "Current password"),
    (
        "account.password_hint",
        "Saisissez à nouveau votre mot de passe pour confirmer que c'est bien vous.",
        "Type your password again to confirm it is you.",
    ),
    (
        "account.confirm",
        "Je veux supprimer définitivement mon compte",
        "I want to delete my account for good",
    ),
    ("account.delete", "Supprimer mon compte", "Delete my account"),
    ("account.deleted_title", "Compte supprimé", "Account deleted"),
    (
        "account.deleted",
        "Votre compte et vos sessions ont été supprimés. Les lieux que vous gériez restent dans l'annuaire.",
        "Your account and sessions were deleted. The places you managed stay in the directory.",
    ),
    ("territory.places", "Lieux", "Places"),
    ("territory.population", "Population", "Population"),
    ("territory.communes", "communes", "communes"),
    ("territory.region", "Région", "Region"),
    ("territory.departement", "Département", "Département"),
    ("territory.commune", "Commune", "Commune"),
    ("territory.epci", "Intercommunalité", "Inter-municipality"),
    ("territory.none", "Aucun lieu publié ici pour l'instant.", "No place published here yet."),
    ("territory.departements", "Départements", "Départements"),
    ("nav.territory", "Territoire", "Territory"),
    (
        "territoire.title",
        "Territoire : où sont les lieux, où manquent-ils ?",
        "Territory: where places are, where they are missing",
    ),
    (
        "territoire.lead",
        "Distance au lieu le plus proche, population couverte, accessibilité et zones blanches, calculées sur les lieux publiés et la population légale de chaque commune ; puis où ouvrir les prochains lieux.",
        "Distance to the nearest place, population covered, accessibility and white zones, computed from the published places and each commune's legal population; then where to open the next places.",
    ),
    ("territoire.what", "Analyse", "Analysis"),
    ("territoire.analysis", "Mesure", "Measure"),
    ("territoire.type", "Type de lieu", "Type of place"),
    ("territoire.all_types", "Tous les types", "All types"),
    ("territoire.territory", "Territoire", "Territory"),
    ("territoire.france", "France entière", "All of France"),
    ("territoire.regions", "Régions", "Régions"),
    ("territoire.departements", "Départements", "Départements"),
    ("territoire.level", "Carte par", "Map by"),
    (
        "territoire.level_hint",
        "Par commune : choisissez d'abord une région ou un département (la France entière compte 34 917 communes, trop pour une page).",
        "By commune: choose a région or a département first (all of France has 34,917 communes, too many for one page).",
    ),
    ("territoire.coverage_params", "Couverture", "Coverage"),
    ("territoire.radius", "Rayon R (km)", "Radius R (km)"),
    (
        "territoire.radius_hint",
        "Une commune est couverte si un lieu est à R km ou moins (à vol d'oiseau).",
        "A commune is covered when a place is R km away or less (as the crow flies).",
    ),
    ("territoire.access_params", "Accessibilité", "Accessibility"),
    ("territoire.method", "Méthode", "Method"),
    ("territoire.catchment", "Aire d'attraction (km)", "Catchment (km)"),
    ("territoire.steps", "Paliers (km:poids)", "Steps (km:weight)"),
    (
        "territoire.steps_hint",
        "Méthodes E2SFCA et 3SFCA seulement, facultatif : distance maximale et poids de chaque palier, séparés par des virgules, par exemple 10:1,20:0.68,30:0.22.",
        "E2SFCA and 3SFCA methods only, optional: each step's largest distance and weight, separated by commas, for instance 10:1,20:0.68,30:0.22.",
    ),
    ("territoire.sigma", "σ (km)", "σ (km)"),
    ("territoire.sigma_hint", "Méthode gaussienne seulement.", "Gaussian method only."),
    ("territoire.alpha", "Exposant", "Exponent"),
    (
        "territoire.alpha_hint",
        "Méthode gravitaire seulement (par exemple -1).",
        "Gravity method only (for instance -1).",
    ),
    ("territoire.normalize", "Rapporter à la moyenne (1 = moyenne)", "Relative to the mean (1 = mean)"),
    ("territoire.submit", "Afficher", "Show"),
    ("territoire.results", "Résultats", "Results"),
    ("territoire.places", "Lieux pris en compte", "Places counted"),
    ("territoire.population", "Population du territoire", "Population of the territory"),
    (
        "territoire.mean_distance",
        "Distance moyenne au lieu le plus proche (par habitant)",
        "Mean distance to the nearest place (per inhabitant)",
    ),
    ("territoire.white_zones", "Zones blanches", "White zones"),
    (
        "territoire.no_white_zone",
        "Aucune zone blanche : tout le monde est à portée d'un lieu.",
        "No white zone: everyone is within reach of a place.",
    ),
    ("territoire.legend", "Légende", "Legend"),
    (
        "territoire.legend_hint",
        "Plus la couleur est sombre, moins la population est bien servie. Survolez un territoire pour lire sa valeur ; le tableau ci-dessous les donne toutes.",
        "The darker the colour, the less well served the population. Hover over an area to read its value; the table below gives them all.",
    ),
    ("territoire.map_table", "Tableau des valeurs de la carte", "Table of the map's values"),
    ("territoire.downloads", "Télécharger cette analyse", "Download this analysis"),
    ("territoire.rec_downloads", "Télécharger cette recommandation :", "Download this recommendation:"),
    ("territoire.histogram", "Distance au lieu le plus proche", "Distance to the nearest place"),
    ("territoire.histogram_table", "Tableau de la répartition", "Table of the distribution"),
    ("territoire.recommend", "Où ouvrir les prochains lieux ?", "Where to open the next places?"),
    (
        "territoire.recommend_lead",
        "Les sites candidats sont les communes ; les lieux publiés comptent comme déjà ouverts, sauf si vous partez de zéro. Chaque réponse vient avec une borne prouvée : l'écart dit à quelle distance de l'optimum elle peut être au pire.",
        "Candidate sites are the communes; published places count as already open unless you start from scratch. Every answer comes with a proven bound: the gap says how far from the optimum it can be at worst.",
    ),
    ("territoire.objective", "Objectif", "Objective"),
    ("territoire.k", "Nombre de sites (k)", "Number of sites (k)"),
    ("territoire.k_hint", "Ignoré pour « le moins de sites ».", "Ignored for “the fewest sites”."),
    ("territoire.rec_radius", "Rayon de couverture (km)", "Coverage radius (km)"),
    ("territoire.min_population", "Population minimale d'un site", "Minimum population of a site"),
    (
        "territoire.min_population_hint",
        "Facultatif : seules les communes au moins aussi peuplées sont candidates.",
        "Optional: only communes at least this populated are candidates.",
    ),
    ("territoire.time_limit", "Limite de temps (secondes)", "Time limit (seconds)"),
    (
        "territoire.time_limit_hint",
        "Facultatif : 5 s par défaut, 10 s au plus.",
        "Optional: 5 s by default, 10 s at most.",
    ),
    (
        "territoire.greenfield",
        "Partir de zéro (ignorer les lieux existants)",
        "Start from scratch (ignore existing places)",
    ),
    ("territoire.recommend_submit", "Chercher les sites", "Find the sites"),
    ("territoire.sites", "Sites recommandés", "Recommended sites"),
    (
        "territoire.sites_on_map",
        "Les sites choisis sont numérotés sur la carte ci-dessus.",
        "The chosen sites are numbered on the map above.",
    ),
    ("format.csv", "CSV", "CSV"),
    ("format.csv-excel", "CSV pour Excel", "CSV for Excel"),
    ("format.xlsx", "Excel (XLSX)", "Excel (XLSX)"),
    ("format.geojson", "GeoJSON", "GeoJSON"),
    ("format.lmn-json", "Schéma national (JSON)", "National schema (JSON)"),
    ("format.lmn-csv", "Schéma national (CSV)", "National schema (CSV)"),
    ("format.lmn-csv-excel", "Schéma national (CSV pour Excel)", "National schema (CSV for Excel)"),
    ("format.lmn-xlsx", "Schéma national (Excel, XLSX)", "National schema (Excel, XLSX)"),
    ("import.title", "Importer des lieux", "Import places"),
    (
        "import.template",
        "Modèle à remplir (toutes les colonnes et une ligne d'exemple) :",
        "Template to fill in (every column and an example line):",
    ),
    (
        "import.file",
        "Fichier (CSV, GeoJSON, schéma national JSON ou CSV)",
        "File (CSV, GeoJSON, national schema JSON or CSV)",
    ),
    ("import.format", "Format", "Format"),
    ("import.auto", "Deviner", "Guess"),
    ("import.source", "Nom de la source", "Source name"),
    (
        "import.source_hint",
        "Réimporter la même source met à jour les lieux au lieu de les dupliquer.",
        "Re-importing the same source updates places instead of duplicating them.",
    ),
    (
        "import.mapping",
        "Correspondance de colonnes (colonne=champ, séparées par des virgules)",
        "Column mapping (column=field, comma-separated)",
    ),
    (
        "import.all_or_nothing",
        "Tout ou rien : ne rien importer si une ligne est invalide",
        "All or nothing: import nothing if any row is invalid",
    ),
    ("import.submit", "Importer", "Import"),
    ("import.report", "Rapport d'import", "Import report"),
    ("import.line", "Ligne", "Line"),
    ("import.field", "Champ", "Field"),
    ("import.message", "Message", "Message"),
    (
        "import.rolled_back",
        "Rien n'a été importé : le fichier contient des lignes invalides (option tout ou rien).",
        "Nothing was imported: the file has invalid rows (all or nothing).",
    ),
    ("import.errors", "Lignes refusées", "Rejected rows"),
    ("import.warnings", "Remarques", "Remarks"),
    ("error.title", "Erreur", "Error"),
    ("error.validation", "Certaines valeurs sont invalides.", "Some values are invalid."),
    ("error.unauthenticated", "Connectez-vous pour continuer.", "Please sign in to continue."),
    ("error.credentials", "Adresse e-mail ou mot de passe incorrect.", "Wrong email address or password."),
    ("error.forbidden", "Vous n'avez pas le droit de faire cela.", "You are not allowed to do this."),
    ("error.not_found", "Cette page n'existe pas.", "This page does not exist."),
    (
        "error.conflict",
        "Ce lieu a été modifié par quelqu'un d'autre pendant votre saisie : rechargez la page pour voir sa version actuelle.",
        "This place was changed by someone else while you were editing: reload the page to see its current version.",
    ),
    (
        "error.rate_limited",
        "Trop de tentatives : réessayez dans quelques minutes.",
        "Too many attempts: try again in a few minutes.",
    ),
    (
        "error.rate_limited_seconds",
        "Trop de tentatives : réessayez dans {n} s.",
        "Too many attempts: try again in {n} s.",
    ),
    (
        "error.unavailable",
        "Le service est momentanément indisponible : réessayez dans quelques instants.",
        "The service is temporarily unavailable: try again in a few moments.",
    ),
    (
        "error.internal",
        "Une erreur inattendue s'est produite. Elle a été enregistrée ; réessayez plus tard.",
        "An unexpected error occurred. It was logged; please try again later.",
    ),
    (
        "error.csrf",
        "Le formulaire a expiré : rechargez la page et recommencez.",
        "The form expired: reload the page and try again.",
    ),
    ("error.back", "Retour à l'accueil", "Back to the home page"),
    (
        "footer.data",
        "Données des lieux sous Licence Ouverte / Etalab 2.0.",
        "Place data under the Licence Ouverte / Etalab 2.0.",
    ),
    ("footer.source", "Logiciel libre", "Free software"),
    ("lang.switch", "English", "Français"),
    ("yes", "oui", "yes"),
    ("no", "non", "no"),
];

/// The message for a key in a language.
pub fn t(lang: Lang, key: &str) -> &'static str {
    match CATALOGUE.iter().find(|(k, _, _)| *k == key) {
        Some((_, fr, en)) => match lang {
            Lang::Fr => fr,
            Lang::En => en,
        },
        None => {
            tracing::warn!(key, "missing translation key");
            "???"
        }
    }
}

/// Whether a key exists (tests check the templates against the catalogue).
pub fn has_key(key: &str) -> bool {
    CATALOGUE.iter().any(|(k, _, _)| *k == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        // Every file under templates/ and src/ (modules may be folders).
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    files(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut paths = Vec::new();
        files(std::path::Path::new(dir), &mut paths);
        files(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut paths);
        let sources: Vec<String> = paths
            .iter()
            .filter(|p| !p.ends_with("i18n.rs"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        for source in &sources {
            for (at, _) in source.match_indices("t(\"") {
                // `t("…")` calls only, not `expect("…")` and the like.
                if source[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let key = source[at + 3..].split('"').next().unwrap();
                if !has_key(key) {
                    missing.push(key.to_owned());
                }
            }
        }
        assert!(missing.is_empty(), "missing keys: {missing:?}");
    }

    #[test]
    fn every_key_has_both_languages_and_is_unique() {
        for (i, (k, fr, en)) in CATALOGUE.iter().enumerate() {
            assert!(!fr.is_empty() && !en.is_empty(), "{k}");
            assert!(!CATALOGUE[..i].iter().any(|(k2, _, _)| k2 == k), "duplicate {k}");
        }
    }
}
