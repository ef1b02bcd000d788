//! A real S3-compatible server for tests: `moto_server` (PyPI `moto[server]`; `BIYE_MOTO_SERVER`
//! or `PATH`) started on a free loopback port and stopped when dropped. Without it installed, [`S3Server::start`] prints that
//! the test was skipped and gives `None`, unless `BIYE_REQUIRE_DEPLOY=1` (set by `.ci/run` on CI),
//! which makes a missing server a failure.
//!
//! The helpers that look into the bucket speak plain HTTP to the server rather than going through
//! `object_store`, so what they see does not depend on the code under test. moto accepts any
//! signature, so they send a well-formed but unsigned `Authorization` header.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The region, access key and secret every test server is given.
const REGION: &str = "us-east-1";
const ACCESS_KEY: &str = "testing";
const SECRET_KEY: &str = "testing";

/// Whether deployment tests must run (`BIYE_REQUIRE_DEPLOY=1`) instead of being skipped when a
/// peer (moto_server, nginx, PostgreSQL) is missing.
pub fn deploy_required() -> bool {
    std::env::var("BIYE_REQUIRE_DEPLOY").is_ok_and(|v| v == "1")
}

/// Reports a missing peer: a failure under `BIYE_REQUIRE_DEPLOY=1`, otherwise a note on stderr
/// (past the test harness's capture, so every run shows it).
pub fn skip_or_fail(what: &str, why: &str) {
    if deploy_required() {
        panic!("BIYE_REQUIRE_DEPLOY=1 but {why}: {what} must not be skipped");
    }
    let _ = writeln!(std::io::stderr(), "NOTE: {what} SKIPPED: {why}");
}

/// An executable named `name` in `PATH`.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A free TCP port on 127.0.0.1 (the listener is dropped, so the port is free again at once).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A running moto_server; killed when dropped.
pub struct S3Server {
    child: Option<Child>,
    addr: SocketAddr,
    logs: tempfile::TempDir,
}

impl S3Server {
    /// Starts moto_server on a free loopback port and waits until it answers. `None` when it is
    /// not installed (after a note naming `what`, the test being skipped); a failure instead under
    /// `BIYE_REQUIRE_DEPLOY=1`.
    pub fn start(what: &str) -> anyhow::Result<Option<S3Server>> {
        // `.ci/run` installs it into a virtualenv of its own and names it here.
        let named = std::env::var_os("BIYE_MOTO_SERVER")
            .map(PathBuf::from)
            .filter(|p| p.is_file());
        let Some(bin) = named.or_else(|| find_in_path("moto_server")) else {
            skip_or_fail(
                what,
                "moto_server is not installed (pip install 'moto[server]')",
            );
            return Ok(None);
        };
        let port = free_port()?;
        let logs = tempfile::tempdir()?;
        let log = std::fs::File::create(logs.path().join("moto.log"))?;
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start moto_server")?;
        let mut server = S3Server {
            child: Some(child),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            logs,
        };
        // Importing moto takes a few seconds on a busy machine.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if server.request("GET", "/", &[]).is_ok() {
                return Ok(Some(server));
            }
            if let Some(child) = server.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "moto_server exited with {status}: {}",
                    server.log().unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "moto_server did not answer on {} within 60 s: {}",
                    server.addr,
                    server.log().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> Option<String> {
        std::fs::read_to_string(self.logs.path().join("moto.log")).ok()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The options for [`crate::objects::Objects::from_url_with_options`].
    pub fn options(&self) -> Vec<(String, String)> {
        self.env()
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect()
    }

    /// The `AWS_*` environment of a `biye` process that keeps its files here.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Creates a bucket.
    pub fn create_bucket(&self, bucket: &str) -> anyhow::Result<()> {
        let (status, body) = self.request("PUT", &format!("/{bucket}"), &[])?;
        if status != 200 {
            bail!(
                "creating bucket {bucket}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(())
    }

    /// An object's content, `None` when the bucket has no such key.
    pub fn get(&self, bucket: &str, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let (status, body) = self.request("GET", &format!("/{bucket}/{key}"), &[])?;
        match status {
            200 => Ok(Some(body)),
            404 => Ok(None),
            _ => bail!(
                "reading {bucket}/{key}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            ),
        }
    }

    /// Every key in a bucket (up to 1,000, plenty for a test).
    pub fn keys(&self, bucket: &str) -> anyhow::Result<Vec<String>> {
        let (status, body) = self.request("GET", &format!("/{bucket}?list-type=2"), &[])?;
        let body = String::from_utf8_lossy(&body).into_owned();
        if status != 200 {
            bail!("listing {bucket}: HTTP {status}: {body}");
        }
        Ok(body
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split("</Key>").next())
            .map(str::to_owned)
            .collect())
    }

    /// Stops the server (SIGKILL) and waits for it to be gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// One HTTP/1.1 request with `Connection: close`; the status and the body.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let date = chrono::Utc::now().format("%Y%m%d");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: AWS4-HMAC-SHA256 \
             Credential={ACCESS_KEY}/{date}/{REGION}/s3/aws4_request, SignedHeaders=host, \
             Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        )?;
        s.write_all(body)?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        parse_response(&raw)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The status and body of a raw HTTP/1.1 response (`Content-Length`, chunked, or up to close).
fn parse_response(raw: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of the response head")?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .context("no status line")?
        .parse()?;
    let mut body = raw[end + 4..].to_vec();
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = body.as_slice();
        loop {
            let line_end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .context("bad chunk")?;
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..line_end])
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim(),
                16,
            )?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(..size).context("short chunk")?);
            rest = rest.get(size + 2..).unwrap_or_default();
        }
        body = out;
    }
    Ok((status, body))
}
