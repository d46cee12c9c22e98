//! The demo's communities of practice: four communities (national and regional, open and
//! on approval) whose referents and members are demo accounts, with publications in their
//! feeds and requests waiting for a referent, so that a demo shows a living feed and a
//! referent's queue.

use maillage_domain::CommunityInput;

use super::{DemoUser, Rng};

/// A publication of a demo community's feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPublication {
    /// Index into [`crate::DemoData::users`]: a member of the community.
    pub author: usize,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// How long ago it was written.
    pub days_ago: u32,
}

/// A demo community with its people and its feed.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCommunity {
    /// Raw input, validated by the use case like a form's.
    pub input: CommunityInput,
    /// Indexes into [`crate::DemoData::users`].
    pub referents: Vec<usize>,
    pub members: Vec<usize>,
    /// People who asked to join (on approval), with their message.
    pub requests: Vec<(usize, String)>,
    pub publications: Vec<DemoPublication>,
}

struct Profile {
    name: &'static str,
    scope: &'static str,
    areas: &'static [&'static str],
    summary: &'static str,
    objectives: &'static str,
    activities: &'static str,
    expertises: &'static [&'static str],
    other: &'static str,
    domains: &'static [&'static str],
    join: &'static str,
    members: usize,
    posts: &'static [(&'static str, &'static str)],
}

const PROFILES: [Profile; 4] = [
    Profile {
        name: "Tiers-lieux éducatifs",
        scope: "national",
        areas: &[],
        summary: "Mise en réseau des porteurs et documentation des projets de tiers-lieux éducatifs.",
        objectives: "- **Faire communauté** : mailler un écosystème de compétences, de projets et d'espaces, au-delà des périmètres territoriaux, disciplinaires et institutionnels.\n- **Un patrimoine commun** : mutualiser des outils libres et des dispositifs de documentation pour que les savoirs circulent.\n- **Reconnaître les rôles** : l'animateur ou le fabmanager du lieu, les enseignants qui accompagnent les projets.",
        activities: "Rencontres trimestrielles en ligne, visites de lieux, fiches projets partagées, un atelier annuel de co-conception avec des établissements scolaires.",
        expertises: &[
            "co_design",
            "design",
            "user_listening",
            "innovation",
            "impact_measurement",
            "digital",
            "transverse",
        ],
        other: "Pédagogie de projet",
        domains: &["education", "culture", "employment_training", "youth_sports"],
        join: "approval",
        members: 14,
        posts: &[
            (
                "Retour sur la rencontre de rentrée",
                "Merci aux **32 participants** ! Les supports sont en ligne.\n\nProchaines étapes :\n\n1. une fiche par projet,\n2. un annuaire des lieux qui accueillent des classes.",
            ),
            (
                "Appel à témoignages : les classes dehors",
                "Vous accueillez une classe une demi-journée par semaine ? Racontez-nous comment vous l'organisez.",
            ),
            (
                "Modèle de convention lieu – établissement",
                "Un modèle de convention, relu par deux rectorats, à adapter : horaires, assurance, encadrement.",
            ),
            (
                "Atelier de co-conception en mars",
                "Nous cherchons trois lieux volontaires pour accueillir l'atelier annuel.",
            ),
        ],
    },
    Profile {
        name: "Fabmanagers et médiation numérique",
        scope: "national",
        areas: &[],
        summary: "Les personnes qui animent les ateliers de fabrication et de médiation numérique partagent outils et retours d'expérience.",
        objectives: "Échanger des fiches d'atelier, des réglages de machines et des façons d'accueillir les débutants.",
        activities: "Un fil de questions, un atelier mensuel en visio, des fiches sous licence libre.",
        expertises: &["digital", "training", "facilitation"],
        other: "Fabrication numérique\nRéparation",
        domains: &["digital_inclusion", "education", "environment"],
        join: "open",
        members: 18,
        posts: &[
            (
                "Fiche atelier : découpe laser pour débutants",
                "Durée : *2 heures*. Matériel : contreplaqué 3 mm. La fiche complète est dans le fil.",
            ),
            (
                "Quelle imprimante 3D pour un EPN ?",
                "Nous hésitons entre deux modèles : vos retours sur la fiabilité ?",
            ),
            (
                "Repair café : tenir un registre",
                "Un tableau simple pour suivre les objets réparés, et le poids évité en déchets.",
            ),
        ],
    },
    Profile {
        name: "Mesure d'impact des tiers-lieux",
        scope: "national",
        areas: &[],
        summary: "Des méthodes partagées pour dire ce que les tiers-lieux changent sur leur territoire.",
        objectives: "Construire une grille commune d'indicateurs, simple à renseigner, utile aux financeurs comme aux lieux.",
        activities: "Groupes de travail, tests de la grille dans une dizaine de lieux, synthèse annuelle.",
        expertises: &["impact_measurement", "user_listening"],
        other: "",
        domains: &["economy", "social"],
        join: "open",
        members: 10,
        posts: &[
            (
                "Première version de la grille",
                "Douze indicateurs, en trois familles : fréquentation, activité, coopération. Vos remarques sont bienvenues.",
            ),
            (
                "Questionnaire usagers : 5 questions",
                "Un questionnaire court, testé dans quatre lieux, avec un taux de réponse de 60 %.",
            ),
        ],
    },
    Profile {
        name: "Tiers-lieux ruraux de Bretagne",
        scope: "regional",
        areas: &["region:53"],
        summary: "Les tiers-lieux des communes rurales bretonnes partagent leurs façons de faire vivre un lieu loin des villes.",
        objectives: "Rompre l'isolement des équipes, mutualiser des achats et des formations.",
        activities: "Une tournée des lieux deux fois par an, un groupement d'achats, un fil d'entraide.",
        expertises: &["co_design", "facilitation"],
        other: "Circuits courts",
        domains: &["agriculture", "social", "culture"],
        join: "approval",
        members: 8,
        posts: &[
            (
                "Tournée de printemps",
                "Cinq lieux, trois jours, un minibus partagé : inscriptions ouvertes dans le fil.",
            ),
            (
                "Groupement d'achats : café et papier",
                "Douze lieux intéressés : nous lançons la commande groupée le mois prochain.",
            ),
        ],
    },
];

/// The demo's communities, their people drawn among the demo's accounts (not the
/// administrators). Referents come from the networks' coordinators.
pub(crate) fn communities(users: &[DemoUser], rng: &mut Rng) -> Vec<DemoCommunity> {
    let coordinators: Vec<usize> =
        (0..users.len()).filter(|&i| users[i].email.starts_with("coordination.")).collect();
    let others: Vec<usize> = (0..users.len()).filter(|&i| !users[i].is_admin).collect();
    let mut out = Vec::new();
    for (n, p) in PROFILES.iter().enumerate() {
        let referents: Vec<usize> = coordinators.get(n).copied().into_iter().collect();
        let mut pool: Vec<usize> = others.iter().copied().filter(|i| !referents.contains(i)).collect();
        rng.shuffle(&mut pool);
        let members: Vec<usize> = pool.iter().copied().take(p.members).collect();
        // Two people wait for a referent in the communities on approval.
        let requests: Vec<(usize, String)> = if p.join == "approval" {
            pool.iter()
                .copied()
                .skip(p.members)
                .take(2)
                .map(|i| {
                    (
                        i,
                        "Bonjour, notre lieu travaille sur ces questions : pouvons-nous vous rejoindre ?"
                            .to_owned(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let writers: Vec<usize> = referents.iter().chain(members.iter()).copied().collect();
        let publications = p
            .posts
            .iter()
            .enumerate()
            .filter(|_| !writers.is_empty())
            .map(|(k, (title, body))| DemoPublication {
                author: writers[rng.below(writers.len())],
                title: (*title).to_owned(),
                body: (*body).to_owned(),
                days_ago: (k as u32) * 9 + rng.below(7) as u32 + 1,
            })
            .collect();
        out.push(DemoCommunity {
            input: CommunityInput {
                name: Some(p.name.to_owned()),
                scope: Some(p.scope.to_owned()),
                areas: p.areas.iter().map(|a| (*a).to_owned()).collect(),
                summary: Some(p.summary.to_owned()),
                objectives: Some(p.objectives.to_owned()),
                activities: Some(p.activities.to_owned()),
                expertises: p.expertises.iter().map(|x| (*x).to_owned()).collect(),
                other_expertises: Some(p.other.to_owned()),
                domains: p.domains.iter().map(|d| (*d).to_owned()).collect(),
                join_policy: Some(p.join.to_owned()),
                email: None,
                website: None,
                version: None,
            },
            referents,
            members,
            requests,
            publications,
        });
    }
    out
}
