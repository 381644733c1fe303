//! Push and pull through a real OCI registry (Debian's docker-registry, CNCF distribution) on
//! loopback (see dataplat-testkit for when these skip).

use std::net::TcpListener;

use dataplat_plugin::{ErrorKind, HostOptions, Origin, PluginHost};
use dataplat_testkit::Registry;

fn start_registry() -> Option<Registry> {
    Registry::start()
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
