//! The plugin author's path, end to end: `plugin new` scaffolds the example addon, `plugin build`
//! compiles it to a component, `plugin test` passes, `plugin push` publishes it to a real OCI
//! registry on loopback, `plugin install` pins it in platform.yaml, and `plan` uses it — from a
//! file and from the registry.

mod common;

use common::{dataplat, dataplat_env, ok, repo, stderr};

#[test]
fn scaffold_is_the_example_addon() {
    let dir = tempfile::tempdir().expect("tmp");
    let sdk = repo().join("crates/sdk");
    ok(dataplat(dir.path(), &["plugin", "new", "hello", "--sdk-path", &sdk.to_string_lossy()]));
    let scaffold = std::fs::read_to_string(dir.path().join("hello/src/lib.rs")).expect("lib.rs");
    let example = std::fs::read_to_string(repo().join("examples/hello-addon/src/lib.rs")).expect("example");
    assert_eq!(scaffold, example, "examples/hello-addon is exactly what `plugin new hello` writes");
    // Names are checked, and a second scaffold never overwrites.
    assert_eq!(dataplat(dir.path(), &["plugin", "new", "Bad-Name"]).status.code(), Some(2));
    assert_eq!(dataplat(dir.path(), &["plugin", "new", "hello", "--dir", "hello"]).status.code(), Some(2));
}

#[test]
fn new_build_test_push_install_plan() {
    let Some(registry) = dataplat_testkit::Registry::start() else { return };
    let work = tempfile::tempdir().expect("tmp");
    let w = work.path();
    let sdk = repo().join("crates/sdk");
    ok(dataplat(w, &["plugin", "new", "echo_svc", "--sdk-path", &sdk.to_string_lossy()]));
    let crate_dir = w.join("echo-svc");

    // Build into a target dir kept between runs, so only the first run compiles dependencies.
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("addon-target");
    let target = target.to_string_lossy().to_string();
    let env = [("CARGO_TARGET_DIR", target.as_str())];
    let built = ok(dataplat_env(&crate_dir, &["plugin", "build"], &env));
    assert!(built.contains("built echo_svc 0.1.0"), "{built}");
    let wasm = format!("{target}/wasm32-wasip2/release/echo_svc_addon.wasm");
    assert!(std::path::Path::new(&wasm).is_file(), "{wasm}");

    let tested = ok(dataplat_env(&crate_dir, &["plugin", "test", "--config", r#"{"replicas":4}"#], &env));
    assert!(tested.contains("0 failed"), "{tested}");

    // Install from a file into a fresh platform, enable, plan. The platform lives in its own
    // directory and the plugin is given relative to the shell's: the entry must still resolve.
    std::fs::create_dir_all(w.join("platform/plugins")).expect("mkdir");
    std::fs::copy(&wasm, w.join("platform/plugins/echo.wasm")).expect("copy");
    ok(dataplat(w, &["-f", "platform/platform.yaml", "init", "--name", "authoring"]));
    ok(dataplat(w, &["-f", "platform/platform.yaml", "plugin", "install", "platform/plugins/echo.wasm"]));
    let text = std::fs::read_to_string(w.join("platform/platform.yaml")).expect("platform");
    assert!(text.contains("source: ./plugins/echo.wasm"), "{text}");
    ok(dataplat(&w.join("platform"), &["validate"]));
    std::fs::rename(w.join("platform/platform.yaml"), w.join("platform.yaml")).expect("move");
    std::fs::write(w.join("platform.yaml"), text.replace("./plugins/echo.wasm", &wasm)).expect("write");
    ok(dataplat(w, &["enable", "echo_svc"]));
    let plan: serde_json::Value =
        serde_json::from_str(&ok(dataplat(w, &["plan", "--offline", "-o", "json"]))).expect("json");
    let addon = plan["addons"].as_array().expect("addons").iter().find(|a| a["name"] == "echo_svc").expect("planned");
    assert_eq!(addon["source"]["kind"], "file");
    assert_eq!(addon["releases"][0]["objects"][1]["metadata"]["name"], "echo-svc");

    // Push to the registry, install the pinned reference instead, plan again.
    let reference = format!("{}/addons/echo-svc:0.1.0", registry.addr);
    let pushed = ok(dataplat(w, &["plugin", "push", &wasm, &reference]));
    let pinned = pushed.lines().last().expect("pinned line").to_string();
    assert!(pinned.starts_with(&format!("oci://{reference}@sha256:")), "{pinned}");
    ok(dataplat(w, &["plugin", "install", &pinned]));
    let text = std::fs::read_to_string(w.join("platform.yaml")).expect("platform");
    assert!(text.contains(&pinned), "platform.yaml pins the digest:\n{text}");
    let plan: serde_json::Value =
        serde_json::from_str(&ok(dataplat(w, &["plan", "--offline", "-o", "json"]))).expect("json");
    let addon = plan["addons"].as_array().expect("addons").iter().find(|a| a["name"] == "echo_svc").expect("planned");
    assert_eq!(addon["source"]["kind"], "oci");

    // Installing by tag pins the same digest `push` printed.
    let by_tag = ok(dataplat(w, &["plugin", "install", &format!("oci://{reference}")]));
    assert!(by_tag.contains(&pinned["oci://".len() + reference.len() + 1..]), "{by_tag}");
    assert!(std::fs::read_to_string(w.join("platform.yaml")).expect("platform").contains(&pinned));

    // With the registry gone, the pinned plugin still loads from the cache.
    drop(registry);
    ok(dataplat(w, &["validate"]));

    // A tag is resolved to its current digest, and the digest is what gets pinned. The registry
    // is gone now, so resolving fails clearly and platform.yaml is left as it was.
    let before = std::fs::read_to_string(w.join("platform.yaml")).expect("platform");
    let offline = dataplat(w, &["plugin", "install", &format!("oci://{reference}")]);
    assert_eq!(offline.status.code(), Some(1), "{}", stderr(&offline));
    assert!(stderr(&offline).contains("cannot fetch the manifest"), "{}", stderr(&offline));
    assert_eq!(std::fs::read_to_string(w.join("platform.yaml")).expect("platform"), before);
}
