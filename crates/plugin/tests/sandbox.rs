//! The sandbox against real components: each misbehaviour is refused with a message naming the
//! plugin, and the host keeps working afterwards.

use std::time::Duration;

use dataplat_plugin::contract::PlatformFacts;
use dataplat_plugin::{ErrorKind, HostOptions, Limits, Origin, PluginHost};

fn facts() -> PlatformFacts {
    PlatformFacts {
        name: "test".into(),
        region: "us-west-2".into(),
        account_id: None,
        deployment_id: "AbCd1234".into(),
        kubernetes_version: "1.34".into(),
        enabled_addons: vec!["misbehave".into()],
        enabled_flags: vec!["enable_misbehave".into()],
        endpoints: vec![],
        tags: vec![],
    }
}

fn host_with(limits: Limits, cache: Option<&std::path::Path>) -> PluginHost {
    PluginHost::new(HostOptions { limits, cache_dir: cache.map(Into::into), allow_native: false }).expect("host")
}

fn wasm(package: &str) -> Vec<u8> {
    let path = dataplat_builtins::wasm_path(package);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (built by dataplat-builtins' build script)", path.display()))
}

fn misbehave(host: &PluginHost) -> dataplat_plugin::Plugin {
    host.load_bytes("fixture", &wasm("fixture-misbehave"), Origin::Builtin).expect("load misbehave")
}

/// Runs `mode`, expects an error naming the plugin, then proves the next call works.
fn refused(host: &PluginHost, mode: &str) -> dataplat_plugin::PluginError {
    let plugin = misbehave(host);
    let err = plugin.plan(&format!(r#"{{"mode":"{mode}"}}"#), &facts()).expect_err(mode);
    assert_eq!(err.plugin, "misbehave", "error names the plugin: {err}");
    assert!(err.to_string().starts_with("plugin `misbehave`: plan()"), "{err}");
    let ok = plugin.plan(r#"{"mode":"ok"}"#, &facts()).expect("next call runs").expect("plan");
    assert_eq!(ok.notes[0].text, "ok");
    err
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    let host = host_with(Limits { fuel: 200_000_000, ..Limits::default() }, None);
    let err = refused(&host, "loop");
    assert!(matches!(err.kind, ErrorKind::OutOfFuel { fuel: 200_000_000, .. }), "{err}");
    assert!(err.hint().is_some());
}

#[test]
fn infinite_loop_hits_the_deadline_when_fuel_is_plentiful() {
    let limits = Limits { fuel: u64::MAX / 2, timeout: Duration::from_millis(300), ..Limits::default() };
    let host = host_with(limits, None);
    let started = std::time::Instant::now();
    let err = refused(&host, "loop");
    assert!(matches!(err.kind, ErrorKind::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "deadline enforced");
}

#[test]
fn one_gib_allocation_hits_the_memory_limit() {
    let host = host_with(Limits::default(), None);
    let err = refused(&host, "alloc");
    assert!(matches!(err.kind, ErrorKind::Memory { limit_mib: 256, .. }), "{err}");
}

#[test]
fn hundred_megabytes_of_output_are_refused() {
    let host = host_with(Limits::default(), None);
    let err = refused(&host, "output");
    match err.kind {
        ErrorKind::OutputTooLarge { bytes, limit, .. } => {
            assert!(bytes > 100_000_000, "{bytes}");
            assert_eq!(limit, 16 << 20);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn panic_is_reported_with_its_message() {
    let host = host_with(Limits::default(), None);
    let err = refused(&host, "panic");
    match &err.kind {
        ErrorKind::Panic { message, .. } => assert!(message.contains("misbehave was asked to panic"), "{message}"),
        other => panic!("{other}"),
    }
}

#[test]
fn unknown_contract_version_is_refused_naming_both_versions() {
    let host = host_with(Limits::default(), None);
    let err = host.load_bytes("future.wasm", &wasm("fixture-contract-999"), Origin::Builtin).err().expect("refused");
    let text = err.to_string();
    assert!(matches!(err.kind, ErrorKind::ContractVersion { .. }), "{text}");
    assert!(text.contains("future.wasm") && text.contains("9.9.9") && text.contains("0.1.0"), "{text}");
    // The host still loads good plugins.
    assert!(host.load_bytes("hello", &wasm("hello-addon"), Origin::Builtin).is_ok());
}

#[test]
fn bytes_that_are_not_a_component_are_refused() {
    let host = host_with(Limits::default(), None);
    let err = host.load_bytes("junk.wasm", b"not wasm at all", Origin::Builtin).err().expect("refused");
    assert!(matches!(err.kind, ErrorKind::NotAnAddon(_)), "{err}");
    assert_eq!(err.plugin, "junk.wasm");
}

#[test]
fn file_digest_pin_is_enforced() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("hello.wasm");
    std::fs::write(&path, wasm("hello-addon")).expect("write");
    let host = host_with(Limits::default(), None);
    let wrong = format!("sha256:{}", "0".repeat(64));
    let err = host.load_file(&path, Some(&wrong)).err().expect("refused");
    assert!(matches!(err.kind, ErrorKind::DigestMismatch { .. }), "{err}");
    let right = dataplat_plugin::digest_of(&wasm("hello-addon"));
    assert_eq!(host.load_file(&path, Some(&right)).expect("pinned load").info().name, "hello");
}

#[test]
fn plans_are_deterministic_and_typed() {
    let host = host_with(Limits::default(), None);
    let hello = host.load_bytes("hello", &wasm("hello-addon"), Origin::Builtin).expect("load");
    assert_eq!(hello.info().name, "hello");
    assert_eq!(hello.info().contract_version, "0.1.0");
    assert_eq!(hello.info().flags[0].name, "enable_hello");
    let config = r#"{"message":"hi","replicas":3}"#;
    let a = hello.plan(config, &facts()).expect("call").expect("plan");
    let b = hello.plan(config, &facts()).expect("call").expect("plan");
    assert_eq!(serde_json::to_string(&a).expect("json"), serde_json::to_string(&b).expect("json"));
    assert_eq!(a.releases[0].objects.len(), 3);
    assert_eq!(a.endpoints[0].url, "http://hello.hello.svc:80");
    // Bad config comes back as diagnostics with a path, not as an error.
    let diags = hello.plan(r#"{"replicas":"three"}"#, &facts()).expect("call").expect_err("diagnostics");
    assert_eq!(diags[0].path, "replicas");
    let diags = hello.validate(r#"{"message":" "}"#, &facts()).expect("call");
    assert_eq!(diags[0].path, "message");
}

#[test]
fn compiled_components_are_cached_on_disk() {
    let dir = tempfile::tempdir().expect("tmp");
    let host = host_with(Limits::default(), Some(dir.path()));
    host.load_bytes("hello", &wasm("hello-addon"), Origin::Builtin).expect("cold load");
    let cached: Vec<_> = walk(dir.path()).into_iter().filter(|p| p.extension().is_some_and(|e| e == "cwasm")).collect();
    assert_eq!(cached.len(), 1, "one .cwasm written: {cached:?}");
    let digest = dataplat_plugin::digest_of(&wasm("hello-addon"));
    assert!(cached[0].to_string_lossy().contains(digest.trim_start_matches("sha256:")));
    // A second process (a new host) loads from the cache; a corrupt entry is recompiled.
    let again = host_with(Limits::default(), Some(dir.path()));
    assert_eq!(again.load_bytes("hello", &wasm("hello-addon"), Origin::Builtin).expect("warm").info().name, "hello");
    std::fs::write(&cached[0], b"corrupt").expect("corrupt");
    let third = host_with(Limits::default(), Some(dir.path()));
    assert_eq!(
        third.load_bytes("hello", &wasm("hello-addon"), Origin::Builtin).expect("recompiled").info().name,
        "hello"
    );
    assert!(std::fs::read(&cached[0]).expect("rewritten").len() > 1000);
}

#[test]
fn native_plugins_are_refused_unless_allowed() {
    let host = host_with(Limits::default(), None);
    let err = host.load_native(std::path::Path::new("/nonexistent/libhello.so"), None).err().expect("refused");
    assert!(matches!(err.kind, ErrorKind::NativeNotAllowed), "{err}");
    assert!(err.hint().unwrap_or_default().contains("--allow-native-plugins"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
