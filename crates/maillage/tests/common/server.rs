//! The real `maillage serve` in a child process, on a database of its own (SQLite in a
//! temporary directory, or a fresh PostgreSQL database when MAILLAGE_TEST_POSTGRES_URL is
//! set), and a minimal HTTP/1.1 client to talk to it as any outside client would.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "mot-de-passe-solide";

/// A database the server processes share, kept until the test ends.
pub struct Database {
    pub dir: tempfile::TempDir,
    /// `MAILLAGE_DATABASE_URL` for the server (empty: SQLite in `dir`).
    pub url: String,
    _pg: Option<maillage_store::testing::TestDb>,
}

impl Database {
    pub fn fresh() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let postgres =
            std::env::var(maillage_store::testing::POSTGRES_URL_VAR).ok().filter(|u| !u.is_empty());
        match postgres {
            Some(_) => {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let db = rt.block_on(maillage_store::testing::fresh_store()).unwrap();
                rt.block_on(db.store.close());
                Database { dir, url: db.url.clone(), _pg: Some(db) }
            }
            None => Database { dir, url: String::new(), _pg: None },
        }
    }

    pub fn is_postgres(&self) -> bool {
        !self.url.is_empty()
    }

    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("data").join("maillage.sqlite3").display())
    }

    /// A `maillage` command on this database.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_maillage"));
        cmd.args(args)
            .env("MAILLAGE_DATA_DIR", self.dir.path().join("data"))
            .env("MAILLAGE_LOG", "warn")
            // Load tests write far more than a person: the budgets must not be what is tested.
            .env("MAILLAGE_SECURITY__WRITES_PER_MINUTE", "1000000")
            .env("MAILLAGE_SECURITY__ACCOUNT_WRITES_PER_MINUTE", "1000000");
        if self.is_postgres() {
            cmd.env("MAILLAGE_DATABASE_URL", &self.url);
        } else {
            cmd.env_remove("MAILLAGE_DATABASE_URL");
        }
        cmd
    }

    /// Create an account with the test password.
    pub fn create_user(&self, email: &str, admin: bool) {
        let mut args = vec!["user", "create", "--email", email];
        if admin {
            args.push("--admin");
        }
        let mut child = self.command(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(PASSWORD.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "user create failed: {}", String::from_utf8_lossy(&out.stdout));
    }

    /// Start a server and wait until it answers.
    pub fn serve(&self) -> Server {
        let mut child = self
            .command(&["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr: SocketAddr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in the server's first line: {line:?}"));
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || std::io::copy(&mut BufReader::new(stderr), &mut std::io::sink()));
        let server = Server { child, addr };
        let started = Instant::now();
        while server.get("/healthz", None).ok().map(|r| r.status) != Some(200) {
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not become healthy");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A signed-in API client: the session cookie and the CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Server {
    /// SIGKILL: no shutdown, no flush; what was acknowledged must already be durable.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn get(&self, path: &str, session: Option<&Session>) -> std::io::Result<Reply> {
        request(self.addr, "GET", path, session, None)
    }

    pub fn send_json(
        &self,
        method: &str,
        path: &str,
        session: Option<&Session>,
        body: &serde_json::Value,
    ) -> std::io::Result<Reply> {
        request(self.addr, method, path, session, Some(body.to_string()))
    }

    pub fn sign_in(&self, email: &str) -> Session {
        let r = self
            .send_json(
                "POST",
                "/api/v1/session",
                None,
                &serde_json::json!({ "email": email, "password": PASSWORD }),
            )
            .unwrap();
        assert_eq!(r.status, 200, "sign-in failed: {}", r.body);
        let cookie = r
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .find(|kv| kv.starts_with("maillage_session="))
            .expect("session cookie")
            .to_owned();
        Session { cookie, csrf: r.json()["csrf_token"].as_str().unwrap().to_owned() }
    }
}

/// One request on its own connection (`Connection: close`), read to the end.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    session: Option<&Session>,
    json: Option<String>,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(s) = session {
        head.push_str(&format!("Cookie: {}\r\nX-CSRF-Token: {}\r\n", s.cookie, s.csrf));
    }
    let body = json.unwrap_or_default();
    if !body.is_empty() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| std::io::Error::other("truncated reply"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked =
        headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_owned() };
    Ok(Reply { status, headers, body })
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A valid place for the API.
pub fn place_json(name: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "types": ["fablab"],
        "summary": "Un fablab associatif.",
        "address": "3 rue Javelin-Pagnon",
        "postal_code": "42000",
        "commune_code": "42218",
        "latitude": 45.4397,
        "longitude": 4.3872
    })
}

pub fn data_dir(db: &Database) -> PathBuf {
    db.dir.path().join("data")
}
