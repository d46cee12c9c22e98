//! The real `maillage` binary run on a SQLite file in a temporary data directory, for the
//! command-line tests.

#![allow(dead_code, reason = "each test file uses part of it")]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        let env = Self { dir: tempfile::tempdir().unwrap() };
        std::fs::create_dir_all(env.data()).unwrap();
        env
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn db(&self) -> PathBuf {
        self.data().join("maillage.sqlite3")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Run the binary with `args` on this data directory, without a terminal.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_maillage"))
            .args(args)
            .env("MAILLAGE_DATA_DIR", self.data())
            .env("MAILLAGE_LOG", "warn")
            .env_remove("MAILLAGE_DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The store on the same file (close it before the binary runs).
    pub async fn store(&self) -> maillage_store::Store {
        maillage_store::Store::connect(&format!("sqlite://{}", self.db().display())).await.unwrap()
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
