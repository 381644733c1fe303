//! Real components for tests, started on loopback and stopped on drop.
//!
//! Fixture-backed tests are opt-in on a developer machine: when the component is not installed
//! they skip (with a message) unless `DATAPLAT_IT=1`, in which case a missing component fails
//! the test. CI sets `DATAPLAT_IT=1` after installing everything (see `tests/run`).

pub mod aws;
pub mod http;
pub mod prometheus;
pub mod stage;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// True when integration tests must run (CI), false on a machine that merely lacks a component.
pub fn required() -> bool {
    std::env::var("DATAPLAT_IT").is_ok_and(|v| v == "1")
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// Debian's docker-registry (CNCF distribution 2.8) serving on a free loopback port, with its
/// storage in a temporary directory. Killed on drop.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get_v2(addr: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /v2/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// Pushes a chart archive to `registry` (`127.0.0.1:<port>`, plain HTTP) as Helm does: the Helm
/// config and chart-content media types, anonymous. Returns the manifest's reference
/// `<registry>/<repository>:<tag>`.
pub fn push_oci_chart(registry: &str, repository: &str, tag: &str, tgz: &[u8]) -> String {
    use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
    use oci_client::secrets::RegistryAuth;
    let client = oci_client::Client::new(ClientConfig {
        protocol: ClientProtocol::HttpsExcept(vec![registry.to_string()]),
        ..Default::default()
    });
    let reference = oci_client::Reference::with_tag(registry.into(), repository.into(), tag.into());
    let name = repository.rsplit('/').next().unwrap_or(repository);
    let config = format!(r#"{{"apiVersion":"v2","name":"{name}","version":"{tag}"}}"#);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let layer = ImageLayer::new(tgz.to_vec(), "application/vnd.cncf.helm.chart.content.v1.tar+gzip".into(), None);
        let config = Config::new(config.into_bytes(), "application/vnd.cncf.helm.config.v1+json".into(), None);
        client.push(&reference, &[layer], config, &RegistryAuth::Anonymous, None).await.expect("push the chart");
    });
    format!("{registry}/{repository}:{tag}")
}

impl Registry {
    /// Starts a registry, or returns `None` (skip) when it is not installed and not required.
    pub fn start() -> Option<Registry> {
        let binary =
            ["/usr/bin/docker-registry", "/usr/sbin/docker-registry"].into_iter().find(|p| Path::new(p).exists());
        let Some(binary) = binary else {
            assert!(
                !required(),
                "DATAPLAT_IT=1 but docker-registry is not installed (apt-get install docker-registry)"
            );
            eprintln!("skipping: docker-registry is not installed (apt-get install docker-registry)");
            return None;
        };
        let addr = format!("127.0.0.1:{}", free_port());
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = dir.path().join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp: {{addr: {addr}}}\n",
                dir.path().join("data").display()
            ),
        )
        .expect("registry config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("registry log");
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn docker-registry");
        let registry = Registry { child, addr, dir };
        let started = Instant::now();
        while !get_v2(&registry.addr) {
            if started.elapsed() > Duration::from_secs(30) {
                let log = std::fs::read_to_string(registry.dir.path().join("registry.log")).unwrap_or_default();
                panic!("registry did not start on {}; log:\n{log}", registry.addr);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }
}

/// Builds a workspace package natively (a cdylib, with `features`) into its own target
/// directory under `target_root`, so the build never waits on the lock of the cargo process
/// running the tests, and returns the shared library.
pub fn build_native_library(package: &str, features: &str, target_root: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = target_root.join("native");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "-q", "--release", "-p", package, "--features", features, "--target-dir"])
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .expect("run cargo");
    assert!(status.success(), "building {package} natively failed");
    let file = format!("{}{}{}", std::env::consts::DLL_PREFIX, package.replace('-', "_"), std::env::consts::DLL_SUFFIX);
    target.join("release").join(file)
}

/// The kubeconfig of the test API server (`tools/kube-testenv/kube-testenv start DIR` writes
/// one; `tests/run` starts it and sets `DATAPLAT_TEST_KUBECONFIG`). A separate variable from
/// `KUBECONFIG`, so tests never reach a real cluster by accident. `None` (skip) when unset and not
/// required.
pub fn test_kubeconfig() -> Option<std::path::PathBuf> {
    match std::env::var_os("DATAPLAT_TEST_KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(path) => Some(std::path::PathBuf::from(path)),
        None => {
            assert!(
                !required(),
                "DATAPLAT_IT=1 but DATAPLAT_TEST_KUBECONFIG is not set (tools/kube-testenv/kube-testenv start DIR)"
            );
            eprintln!("skipping: DATAPLAT_TEST_KUBECONFIG is not set (start one with tools/kube-testenv/kube-testenv)");
            None
        }
    }
}

/// The Python of a venv with Apache Superset 5.0 (`DATAPLAT_SUPERSET_PYTHON`; `tests/run`
/// installs one). `None` (skip) when unset and not required.
pub fn superset_python() -> Option<std::path::PathBuf> {
    match std::env::var_os("DATAPLAT_SUPERSET_PYTHON").filter(|v| !v.is_empty()) {
        Some(path) => Some(std::path::PathBuf::from(path)),
        None => {
            assert!(
                !required(),
                "DATAPLAT_IT=1 but DATAPLAT_SUPERSET_PYTHON is not set (a venv with apache-superset==5.0.0; tests/run \
                 installs one)"
            );
            eprintln!("skipping: DATAPLAT_SUPERSET_PYTHON is not set (the python of a venv with apache-superset 5.0)");
            None
        }
    }
}

/// A test API server of the test's own (`tools/kube-testenv`, ~4 s to start), for a test that
/// must see a cluster no other test writes to (what doctor reports about a whole cluster).
/// Available where the shared one is (`DATAPLAT_TEST_KUBECONFIG` set); stopped on drop.
pub struct PrivateKube {
    dir: std::path::PathBuf,
    script: std::path::PathBuf,
    _keep: tempfile::TempDir,
}

impl PrivateKube {
    /// Starts one, or `None` (skip) when no test API server is available and none is required.
    pub fn start() -> Option<PrivateKube> {
        test_kubeconfig()?;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/kube-testenv/kube-testenv");
        let keep = tempfile::tempdir().expect("temporary directory");
        let dir = keep.path().join("kube");
        let status = std::process::Command::new(&script)
            .arg("start")
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("kube-testenv runs");
        assert!(status.success(), "kube-testenv start {} failed", dir.display());
        Some(PrivateKube { dir, script, _keep: keep })
    }

    /// Its kubeconfig.
    pub fn kubeconfig(&self) -> std::path::PathBuf {
        self.dir.join("kubeconfig")
    }
}

impl Drop for PrivateKube {
    fn drop(&mut self) {
        let _ = std::process::Command::new(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// A name unique to this process and call (`prefix-<pid>-<n>`), for namespaces and releases.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}-{:x}{:x}-{n}", std::process::id(), nanos % 4096)
}

/// moto's server (a fake AWS, `moto[server]` from PyPI) on a free loopback port, with its log in a
/// temporary directory. Killed on drop. `tests/run` installs it into its venv and sets
/// `DATAPLAT_MOTO_SERVER` to `$VENV/bin/moto_server`.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`: the endpoint for every AWS client (`AWS_ENDPOINT_URL`).
    pub endpoint: String,
    addr: String,
    dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one HTTP/1.1 request to `addr` and returns the status line and the rest of the response.
fn http_request(addr: &str, method: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    Some(response)
}

fn is_ok(response: &str) -> bool {
    response.split(' ').nth(1) == Some("200") && response.starts_with("HTTP/1.")
}

impl Moto {
    /// Starts moto's server from `DATAPLAT_MOTO_SERVER`, or returns `None` (skip) when it is unset
    /// and not required.
    pub fn start() -> Option<Moto> {
        let Some(binary) = std::env::var_os("DATAPLAT_MOTO_SERVER").filter(|v| !v.is_empty()) else {
            assert!(
                !required(),
                "DATAPLAT_IT=1 but DATAPLAT_MOTO_SERVER is not set (pip install 'moto[server]==5.2.*'; tests/run does)"
            );
            eprintln!("skipping: DATAPLAT_MOTO_SERVER is not set (the path of moto_server; tests/run installs it)");
            return None;
        };
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let dir = tempfile::tempdir().expect("temporary directory");
        let log = std::fs::File::create(dir.path().join("moto.log")).expect("moto log");
        let child = Command::new(&binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("moto log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", Path::new(&binary).display()));
        let mut moto = Moto { child, endpoint: format!("http://{addr}"), addr, dir };
        let started = Instant::now();
        while !http_request(&moto.addr, "GET", "/moto-api/").is_some_and(|r| is_ok(&r)) {
            if started.elapsed() > Duration::from_secs(30) || moto.child.try_wait().ok().flatten().is_some() {
                panic!("moto did not start on {}; log:\n{}", moto.addr, moto.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(moto)
    }

    /// One server shared by the tests of a test binary that run at the same time (moto takes about
    /// a second of CPU to start): it stops when the last test holding it drops it. State is shared,
    /// so such tests use unique resource names and never [`reset`](Moto::reset). `None`: skip.
    pub fn shared() -> Option<std::sync::Arc<Moto>> {
        static SHARED: std::sync::Mutex<std::sync::Weak<Moto>> = std::sync::Mutex::new(std::sync::Weak::new());
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(moto) = shared.upgrade() {
            return Some(moto);
        }
        let moto = std::sync::Arc::new(Moto::start()?);
        *shared = std::sync::Arc::downgrade(&moto);
        Some(moto)
    }

    /// Forgets every resource (`POST /moto-api/reset`).
    pub fn reset(&self) {
        let response = http_request(&self.addr, "POST", "/moto-api/reset").unwrap_or_default();
        assert!(is_ok(&response), "moto reset failed: {response}");
    }

    /// The server's log so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }
}
