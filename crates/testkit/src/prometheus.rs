//! A real Prometheus (Debian's `prometheus` package, 2.42) serving series the test writes: the
//! test gives OpenMetrics text with timestamps (its history, e.g. the last 15 minutes at 15 s
//! steps), `promtool tsdb create-blocks-from openmetrics` turns it into TSDB blocks, and the
//! server starts on that data with no scrape target. Queries then see exactly that history, as
//! they would see what a scrape had stored: range functions and subqueries included.
//!
//! It listens on the machine's first non-loopback IPv4 address, because the API server's service
//! proxy refuses to proxy to loopback addresses: a test points a Service's Endpoints there.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port, required};

/// A running Prometheus; killed on drop.
pub struct Prometheus {
    child: Child,
    /// The address it listens on (non-loopback).
    pub host: String,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first non-loopback IPv4 address of this machine (`hostname -I`).
pub fn host_address() -> Option<String> {
    let out = Command::new("hostname").arg("-I").output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .find(|a| a.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| !ip.is_loopback()))
        .map(str::to_string)
}

fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("DATAPLAT_PROMETHEUS").filter(|v| !v.is_empty()).map(PathBuf::from);
    if path.is_none() {
        assert!(
            !required(),
            "DATAPLAT_IT=1 but DATAPLAT_PROMETHEUS is not set (apt-get install prometheus; tests/run does)"
        );
        eprintln!("skipping: DATAPLAT_PROMETHEUS is not set (the path of Debian's prometheus binary)");
    }
    path
}

impl Prometheus {
    /// Starts one with `openmetrics` (OpenMetrics text ending in `# EOF`, samples with Unix
    /// timestamps in seconds) as its stored history. `None` (skip) when no Prometheus is
    /// installed, or the machine has no non-loopback address, and none is required.
    pub fn start(openmetrics: &str) -> Option<Prometheus> {
        let binary = binary()?;
        let Some(host) = host_address() else {
            assert!(!required(), "DATAPLAT_IT=1 but this machine has no non-loopback IPv4 address");
            eprintln!("skipping: no non-loopback IPv4 address for the service proxy to reach");
            return None;
        };
        let promtool = binary.with_file_name("promtool");
        let dir = tempfile::tempdir().expect("temporary directory");
        let data = dir.path().join("data");
        let input = dir.path().join("history.om");
        std::fs::write(&input, openmetrics).expect("write history");
        let out = Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(&data)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", promtool.display()));
        assert!(
            out.status.success(),
            "promtool: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global: {scrape_interval: 15s}\n").expect("write config");
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log");
        let child = Command::new(&binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address={host}:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", binary.display()));
        let mut prometheus = Prometheus { child, host, port, dir };
        let started = Instant::now();
        loop {
            let ready = crate::http_request(&format!("{}:{}", prometheus.host, prometheus.port), "GET", "/-/ready")
                .is_some_and(|r| crate::is_ok(&r));
            if ready {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) || prometheus.child.try_wait().ok().flatten().is_some() {
                panic!("prometheus did not start; log:\n{}", prometheus.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(prometheus)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }
}

/// OpenMetrics text for `series` (`name{labels}`, value), each with one sample every 15 s over
/// the last `minutes` minutes up to now.
pub fn history(series: &[(&str, f64)], minutes: u64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut names: Vec<&str> = series.iter().map(|(s, _)| s.split('{').next().unwrap_or(s)).collect();
    names.sort();
    names.dedup();
    let mut out = String::new();
    for name in names {
        out.push_str(&format!("# TYPE {name} gauge\n"));
        for (s, value) in series.iter().filter(|(s, _)| s.split('{').next() == Some(name)) {
            let mut t = now - minutes * 60;
            while t <= now {
                out.push_str(&format!("{s} {value} {t}\n"));
                t += 15;
            }
        }
    }
    out.push_str("# EOF\n");
    out
}
