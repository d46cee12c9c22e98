//! The command line as scripts use it: exit codes, the summary line, messages naming the
//! line and the field.

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_maillage"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("MAILLAGE_DATA_DIR", self.dir.path().join("data"))
            .env("MAILLAGE_LOG", "warn")
            .env_remove("MAILLAGE_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The same tests on PostgreSQL are covered by the web and store suites; the CLI
        // runs on its default SQLite file.
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        } else {
            drop(child.stdin.take());
        }
        child.wait_with_output().unwrap()
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.display().to_string()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn import_reports_rejected_rows_by_line_and_field_and_exits_3() {
    let env = Env::new();
    let file = env.file(
        "lieux.csv",
        b"id,name,types,postal_code,commune_code,siret\n\
          1,Le Quai,coworking,42000,42218,\n\
          2,La Forge,fablab,42000,42218,12345678901234\n",
    );
    let out = env.run(&["import", &file, "--source", "test"], None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "imported 1, updated 0, rejected 1");
    let err = text(&out.stderr);
    assert!(err.contains("lieux.csv:3: siret"), "{err}");

    let again = env.run(&["import", &file, "--source", "test"], None);
    assert_eq!(text(&again.stdout).trim(), "imported 0, updated 1, rejected 1");

    let strict = env.run(&["import", &file, "--source", "autre", "--all-or-nothing"], None);
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(text(&strict.stdout).trim(), "imported 0, updated 0, rejected 1");
}

#[test]
fn an_unreadable_file_exits_1_with_the_reason() {
    let env = Env::new();
    let latin1 = env.file("latin1.csv", b"name,types,postal_code\nCaf\xe9,coworking,42000\n");
    let sheet = env.file("lieux.xlsx", b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml");
    let out = env.run(&["import", &sheet], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("classeur XLSX"), "{}", text(&out.stderr));
    let garbage = env.file("binaire.csv", b"name,types\n\x00\xff\xfe\x80,x\n");
    let out = env.run(&["import", &garbage, "--format", "csv"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("ligne 2, colonne 2"), "{}", text(&out.stderr));
    let missing = env.file("colonnes.csv", b"nom_du_lieu,ville\nX,Y\n");
    let out = env.run(&["import", &missing, "--format", "csv"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("name"), "names the missing column: {}", text(&out.stderr));
    let out = env.run(&["import", "/nonexistent/file.csv"], None);
    assert_ne!(out.status.code(), Some(0));
    let out = env.run(&["import", &latin1, "--format", "xlsx"], None);
    assert_eq!(out.status.code(), Some(2), "bad arguments");
}

#[test]
fn a_windows_1252_file_imports_with_a_remark_naming_the_encoding() {
    let env = Env::new();
    let latin1 = env.file("latin1.csv", b"name;types;postal_code\r\nCaf\xe9;coworking;42000\r\n");
    let out = env.run(&["import", &latin1], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "imported 1, updated 0, rejected 0");
    let err = text(&out.stderr);
    assert!(err.contains("latin1.csv: remarque (encoding_assumed): Fichier lu en Windows-1252"), "{err}");
}

#[test]
fn export_then_import_gives_back_the_same_places() {
    let env = Env::new();
    let file = env.file("lieux.csv", b"id,name,types,postal_code,commune_code,latitude,longitude\n1,Le Quai,coworking,42000,42218,45.44,4.39\n");
    assert_eq!(env.run(&["import", &file, "--source", "s"], None).status.code(), Some(0));
    for format in ["csv", "csv-excel", "geojson", "lmn-json", "lmn-csv", "lmn-csv-excel"] {
        let out_path = env.dir.path().join(format!("export.{format}"));
        let out = env.run(&["export", "--format", format, "--out", out_path.to_str().unwrap()], None);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", text(&out.stderr));
        assert!(std::fs::read_to_string(&out_path).unwrap().contains("Le Quai"), "{format}");
    }
    let exported = env.dir.path().join("export.csv");
    let out = env.run(&["import", exported.to_str().unwrap()], None);
    assert_eq!(text(&out.stdout).trim(), "imported 0, updated 1, rejected 0", "{}", text(&out.stderr));
    let out = env.run(&["export", "--format", "csv", "--fields", "name,colour"], None);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn spreadsheet_exports_are_written_under_their_format_s_file_name() {
    let env = Env::new();
    let file = env.file("lieux.csv", b"id;name;types;postal_code;commune_code;latitude;longitude\n1;Le Quai;coworking;42000;42218;45,44;4,39\n");
    assert_eq!(env.run(&["import", &file, "--source", "s"], None).status.code(), Some(0));
    // XLSX is not for a terminal: without --out it goes to its file name here.
    let out = env.run(&["export", "--format", "xlsx"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(std::fs::read(env.dir.path().join("lieux.xlsx")).unwrap().starts_with(b"PK\x03\x04"));
    // --out DIR: the format's file name in it.
    let dir = env.dir.path().join("exports");
    std::fs::create_dir(&dir).unwrap();
    for (format, name) in [
        ("csv-excel", "lieux-excel.csv"),
        ("lmn-csv-excel", "lieux-lmn-excel.csv"),
        ("lmn-xlsx", "lieux-lmn.xlsx"),
        ("geojson", "lieux.geojson"),
    ] {
        let out = env.run(&["export", "--format", format, "--out", dir.to_str().unwrap()], None);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(name), "{format}: says where: {}", text(&out.stderr));
        assert!(dir.join(name).is_file(), "{format}");
    }
    let excel = std::fs::read(dir.join("lieux-excel.csv")).unwrap();
    assert!(excel.starts_with(b"\xEF\xBB\xBFid;name;"), "BOM and semicolons");
    assert!(text(&excel).contains(";45,44;4,39;"), "decimal commas: {}", text(&excel));
    // An XLSX file is for reading in a spreadsheet, not for importing.
    let out = env.run(&["import", &file, "--format", "lmn-xlsx"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("enregistrez-le en CSV"), "{}", text(&out.stderr));
}

#[test]
fn users_are_created_with_a_password_from_stdin_and_bad_ones_refused() {
    let env = Env::new();
    let out = env
        .run(&["user", "create", "--email", "admin@exemple.fr", "--admin"], Some("un-mot-de-passe-long\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("admin@exemple.fr"));
    let out = env.run(&["user", "create", "--email", "admin@exemple.fr"], Some("un-autre-mot-de-passe\n"));
    assert_eq!(out.status.code(), Some(2), "a taken email");
    let out = env.run(&["user", "create", "--email", "court@exemple.fr"], Some("court\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("password"), "{}", text(&out.stderr));
    let list = env.run(&["user", "list"], None);
    assert!(text(&list.stdout).contains("admin@exemple.fr\tadmin\tadmin"));
}

#[test]
fn config_default_prints_every_setting_with_a_comment() {
    let env = Env::new();
    let out = env.run(&["config", "default"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = text(&out.stdout);
    for key in ["listen", "data_dir", "database_url", "smtp_url", "tile_url", "secure_cookies"] {
        assert!(text.contains(&format!("{key} = ")), "{key}");
    }
    let bad = env.file("bad.toml", b"lisen = \"x\"\n");
    let out = env.run(&["--config", &bad, "config", "show"], None);
    assert_ne!(out.status.code(), Some(0));
}

/// A CSV of `rows` valid places (Saint-Étienne), the row at `bad` (1-based data row) with
/// an invalid SIRET.
fn many_rows(rows: usize, bad: Option<usize>) -> Vec<u8> {
    let mut csv = String::from("id,name,types,postal_code,commune_code,siret\n");
    for i in 1..=rows {
        let siret = if Some(i) == bad { "12345678901234" } else { "" };
        csv.push_str(&format!("r{i},Lieu {i},coworking,42000,42218,{siret}\n"));
    }
    csv.into_bytes()
}

#[test]
fn a_file_of_many_batches_imports_all_or_nothing_as_one() {
    let env = Env::new();
    // 2,500 rows: three batches; the invalid row is in the last one.
    let file = env.file("lieux.csv", &many_rows(2500, Some(2400)));
    let out = env.run(&["import", &file, "--source", "reseau", "--all-or-nothing"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("lieux.csv:2401: siret"), "{}", text(&out.stderr));
    let exported = env.run(&["export", "--format", "csv"], None);
    assert_eq!(text(&exported.stdout).lines().count(), 1, "the batches already written were rolled back");

    let out = env.run(&["import", &file, "--source", "reseau"], None);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout).trim(), "imported 2499, updated 0, rejected 1");
    // Again, and once more fixed: the same places are updated, never duplicated.
    let out = env.run(&["import", &file, "--source", "reseau"], None);
    assert_eq!(text(&out.stdout).trim(), "imported 0, updated 2499, rejected 1");
    let fixed = env.file("lieux.csv", &many_rows(2500, None));
    let out = env.run(&["import", &fixed, "--source", "reseau"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "imported 1, updated 2499, rejected 0");
    let exported = env.run(&["export", "--format", "csv"], None);
    assert_eq!(text(&exported.stdout).lines().count(), 2501, "one line per place, plus the header");
}

#[test]
fn a_real_lmn_file_imports_with_each_commune_resolution_named() {
    let env = Env::new();
    let fixture =
        format!("{}/../maillage-interop/tests/fixtures/lmn_communes.csv", env!("CARGO_MANIFEST_DIR"));
    let file = env.file("lmn_communes.csv", &std::fs::read(fixture).unwrap());
    let out = env.run(&["import", &file, "--source", "hinaura"], None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "imported 20, updated 0, rejected 2");
    let err = text(&out.stderr);
    for line in [
        "lmn_communes.csv:2: remarque commune_name (commune_resolved_former_name): « Seynod » est une ancienne commune (Seynod, 74268), aujourd'hui dans Annecy (74010).",
        "lmn_communes.csv:8: remarque commune_name (commune_resolved_former_name): « Talloires » est une ancienne commune (Talloires, 74275), aujourd'hui dans Talloires-Montmin (74275).",
        "lmn_communes.csv:12: remarque commune_name (commune_resolved_name_variant): « SAINT GERVAIS » lu comme Saint-Gervais-les-Bains (74236), commune du code postal 74170.",
        "lmn_communes.csv:19: remarque commune_name (commune_resolved_nearest): Commune « Lieu-dit Les Contamines » inconnue pour le code postal 74370 : Argonay (74019), la plus proche des coordonnées",
        "lmn_communes.csv:22: commune_name (unknown_commune): Commune « Villebidon-sur-Mer » introuvable pour le code postal 74370",
        "lmn_communes.csv:23: commune_code (unknown_commune): Aucune commune, actuelle ou ancienne, n'a le code INSEE « 74999 ».",
    ] {
        assert!(err.lines().any(|l| l.ends_with(line) || l.contains(line)), "missing {line:?} in\n{err}");
    }
}
