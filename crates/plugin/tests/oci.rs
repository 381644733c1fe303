//! Push and pull through a real OCI registry (Debian's docker-registry, CNCF distribution) on
//! loopback. Needs the `docker-registry` binary: skipped when it is absent unless
//! `DATAPLAT_IT=1`, in which case its absence fails the test (CI installs it).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dataplat_plugin::{ErrorKind, HostOptions, Origin, PluginHost};

struct Registry {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_ok(addr: &str) -> bool {
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

/// Starts a registry on a free loopback port, or returns None when the binary is missing and
/// integration tests were not requested.
fn start_registry() -> Option<Registry> {
    let binary = ["/usr/bin/docker-registry", "/usr/sbin/docker-registry"].into_iter().find(|p| std::path::Path::new(p).exists());
    let Some(binary) = binary else {
        assert!(std::env::var("DATAPLAT_IT").is_err(), "DATAPLAT_IT=1 but docker-registry is not installed");
        eprintln!("skipping: docker-registry not installed (apt-get install docker-registry)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("registry.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp: {{addr: {addr}}}\n",
            dir.path().join("data").display()
        ),
    )
    .expect("config");
    let log = std::fs::File::create(dir.path().join("registry.log")).expect("log");
    let child = Command::new(binary)
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn docker-registry");
    let registry = Registry { child, addr: addr.clone(), _dir: dir };
    let started = Instant::now();
    while !http_ok(&addr) {
        assert!(started.elapsed() < Duration::from_secs(30), "registry did not start on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(registry)
}

fn wasm(package: &str) -> Vec<u8> {
    std::fs::read(dataplat_builtins::wasm_path(package)).expect("wasm fixture")
}

fn host(cache: &std::path::Path) -> PluginHost {
    PluginHost::new(HostOptions { cache_dir: Some(cache.into()), ..HostOptions::default() }).expect("host")
}

#[test]
fn push_pull_verify_and_cache() {
    let Some(registry) = start_registry() else { return };
    let cache = tempfile::tempdir().expect("cache");
    let reference = format!("{}/addons/hello:0.1.0", registry.addr);
    let component = wasm("hello-addon");

    let digest = dataplat_plugin::oci::push(&format!("oci://{reference}"), &component).expect("push");
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");

    // First load pulls from the registry and verifies.
    let plugin = host(cache.path()).load_oci(&reference, &digest).expect("pull");
    assert_eq!(plugin.info().name, "hello");
    assert_eq!(plugin.digest(), dataplat_plugin::digest_of(&component), "same bytes as pushed");
    assert_eq!(plugin.origin(), &Origin::Oci { reference: reference.clone(), digest: digest.clone(), cached: false });

    // Second load (a new process) is served from the cache, even with the registry gone.
    drop(registry);
    let again = host(cache.path()).load_oci(&reference, &digest).expect("cached load");
    assert_eq!(again.origin(), &Origin::Oci { reference: reference.clone(), digest: digest.clone(), cached: true });
    assert_eq!(again.info().name, "hello");
}

#[test]
fn digest_mismatch_and_moved_tags_are_refused() {
    let Some(registry) = start_registry() else { return };
    let cache = tempfile::tempdir().expect("cache");
    let reference = format!("{}/addons/hello:0.1.0", registry.addr);
    let digest = dataplat_plugin::oci::push(&reference, &wasm("hello-addon")).expect("push");

    let wrong = format!("sha256:{}", "ab".repeat(32));
    let err = host(cache.path()).load_oci(&reference, &wrong).err().expect("refused");
    assert!(matches!(err.kind, ErrorKind::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&reference) && err.to_string().contains(&digest), "{err}");

    // The tag is moved to other bytes: the old pin no longer matches what the tag serves.
    let moved = dataplat_plugin::oci::push(&reference, &wasm("fixture-misbehave")).expect("push again");
    assert_ne!(moved, digest);
    let err = host(cache.path()).load_oci(&reference, &digest).err().expect("refused");
    assert!(matches!(err.kind, ErrorKind::DigestMismatch { .. }), "{err}");

    // And the host carries on: the current pin loads.
    assert_eq!(host(cache.path()).load_oci(&reference, &moved).expect("load").info().name, "misbehave");
}

#[test]
fn unreachable_registry_is_a_clear_error() {
    let cache = tempfile::tempdir().expect("cache");
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let reference = format!("127.0.0.1:{port}/addons/hello:0.1.0");
    let err = host(cache.path()).load_oci(&reference, &format!("sha256:{}", "0".repeat(64))).err().expect("refused");
    assert!(matches!(err.kind, ErrorKind::Registry(_)), "{err}");
    assert!(err.to_string().contains(&reference), "{err}");
}
