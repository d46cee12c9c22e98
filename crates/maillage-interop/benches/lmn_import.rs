//! Parsing a national-schema CSV of 20,000 places (the import target is 5 s for the
//! whole import including the database, so parsing must stay well under 500 ms).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maillage_interop::{ColumnMapping, Format, parse};
use std::fmt::Write;
use std::hint::black_box;

const COMMUNES: &[(&str, &str, &str, f64, f64)] = &[
    ("42218", "Saint-Étienne", "42000", 45.4339, 4.3897),
    ("69123", "Lyon", "69001", 45.7578, 4.8320),
    ("51454", "Reims", "51100", 49.2583, 4.0317),
    ("29124", "Lampaul-Plouarzel", "29810", 48.4469, -4.7655),
];
const TYPOLOGIES: &[&str] = &["TIERS_LIEUX", "EPN", "BIB|ASSO", "FABLAB", "CCAS", "ESS"];
const SERVICES: &[&str] = &[
    "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
    "Accès internet et matériel informatique",
    "Loisirs et créations numériques|Compréhension du monde numérique|Utilisation sécurisée du numérique",
];

fn lmn_csv(rows: usize) -> String {
    let mut out = String::from(
        "id,pivot,nom,commune,code_postal,code_insee,adresse,latitude,longitude,typologie,telephone,courriels,site_web,horaires,presentation_resume,source,date_maj,services,publics_specifiquement_adresses,frais_a_charge,dispositif_programmes_nationaux,modalites_acces\n",
    );
    for i in 0..rows {
        let (code, name, postal, lat, lon) = COMMUNES[i % COMMUNES.len()];
        let offset = (i % 1000) as f64 / 100_000.0;
        let _ = writeln!(
            out,
            "lieu-{i},43493312300029,Espace numérique n°{i},{name},{postal},{code},{n} rue de la République,{lat},{lon},{t},+33477000000,contact{i}@exemple.fr,https://exemple.fr/{i},\"Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00\",Un lieu pour apprendre le numérique.,Réseau,2025-06-02,{s},Jeunes|Seniors,Gratuit,Conseillers numériques|France Services,Se présenter|Téléphoner",
            n = i % 200 + 1,
            lat = lat + offset,
            lon = lon - offset,
            t = TYPOLOGIES[i % TYPOLOGIES.len()],
            s = SERVICES[i % SERVICES.len()],
        );
    }
    out
}

fn bench(c: &mut Criterion) {
    let file = lmn_csv(20_000);
    let mapping = ColumnMapping::default();
    let mut group = c.benchmark_group("lmn_import");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(file.len() as u64));
    group.bench_function("parse_20000_rows_lmn_csv", |b| {
        b.iter(|| {
            let parsed = parse(Format::LmnCsv, black_box(file.as_bytes()), &mapping).expect("readable");
            assert_eq!(parsed.rows.len(), 20_000);
            parsed
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
