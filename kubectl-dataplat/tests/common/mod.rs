//! Running the real binary in tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repo root")
}

/// One plugin cache for all tests of a binary, so each component is compiled once.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache")
}

/// Runs `kubectl-dataplat ARGS` in `dir`.
pub fn dataplat(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-dataplat"))
        .current_dir(dir)
        .args(args)
        .env("DATAPLAT_CACHE_DIR", cache_dir())
        .env_remove("DATAPLAT_FILE")
        .env_remove("DATAPLAT_LOG")
        .env_remove("KUBECONFIG")
        .output()
        .expect("run kubectl-dataplat")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts success and returns stdout.
#[track_caller]
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Runs `kubectl-dataplat ARGS` in `dir` with extra environment.
pub fn dataplat_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kubectl-dataplat"));
    // Never a developer's own cluster: tests name theirs with --kubeconfig.
    command
        .current_dir(dir)
        .args(args)
        .env("DATAPLAT_CACHE_DIR", cache_dir())
        .env_remove("DATAPLAT_FILE")
        .env_remove("KUBECONFIG");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run kubectl-dataplat")
}

/// A repository at `<base>/<path>` holding the fixture chart `tests/charts/<name>` at `version`.
pub fn publish_fixture_chart(server: &dataplat_testkit::http::StaticServer, path: &str, name: &str, version: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts").join(name);
    let tgz = dataplat_testkit::http::chart_tgz(&dir, name, |_, data| data);
    let digest = helm::cache::digest_of(&tgz);
    let index = format!(
        "apiVersion: v1\nentries:\n  {name}:\n  - name: {name}\n    version: {version}\n    digest: {}\n    urls: [{name}-{version}.tgz]\n",
        digest.trim_start_matches("sha256:")
    );
    server.put(&format!("/{path}/index.yaml"), index.into_bytes());
    server.put(&format!("/{path}/{name}-{version}.tgz"), tgz);
}

/// `<dir>/cache`: a cache directory with a chart cache of its own, sharing the compiled plugins
/// of [`cache_dir`] (so plugins compile once per test binary).
pub fn private_chart_cache(dir: &Path) -> PathBuf {
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).expect("mkdir");
    std::fs::create_dir_all(cache_dir().join("wasmtime")).expect("mkdir");
    std::os::unix::fs::symlink(cache_dir().join("wasmtime"), cache.join("wasmtime")).expect("symlink");
    cache
}

/// The bundled platform.yaml with every `enable_*` flag on.
#[allow(dead_code)]
pub fn bundled_platform_with_every_addon_on() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("platform.yaml")).expect("platform.yaml");
    text.lines()
        .map(|l| {
            if l.starts_with("enable_") && l.ends_with(": false") {
                l.replace(": false", ": true")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Serves every chart of `plan` (a `plan -o json`) from `charts/<chart name>` as its repository
/// would: an HTTP index on `server`, or `registry` for `oci://` charts. Returns the `--mirror`
/// arguments and the (addon, chart) pairs whose chart directory is missing.
#[allow(dead_code)]
pub fn serve_plan_charts(
    charts: &Path,
    plan: &serde_json::Value,
    server: &dataplat_testkit::http::StaticServer,
    registry: &dataplat_testkit::Registry,
) -> (Vec<String>, Vec<(String, String)>) {
    let mut mirrors = Vec::new();
    let mut missing = Vec::new();
    let mut n = 0;
    for addon in plan["addons"].as_array().expect("addons") {
        for release in addon["releases"].as_array().expect("releases") {
            let Some(chart) = release["chart"].as_object() else { continue };
            let (repository, name, version) = (
                chart["repository"].as_str().expect("repository"),
                chart["chart"].as_str().expect("chart"),
                chart["version"].as_str().expect("version"),
            );
            let source = charts.join(name);
            if !source.is_dir() {
                missing.push((addon["name"].as_str().expect("name").to_string(), name.to_string()));
                continue;
            }
            let tgz = dataplat_testkit::http::chart_tgz(&source, name, |_, data| data);
            if let Some(oci) = repository.strip_prefix("oci://") {
                let (host, path) = oci.split_once('/').expect("oci://host/path");
                dataplat_testkit::push_oci_chart(&registry.addr, &format!("{path}/{name}"), version, &tgz);
                mirrors.push(format!("{host}={}", registry.addr));
            } else {
                n += 1;
                let digest = helm::cache::digest_of(&tgz);
                let index = format!(
                    "apiVersion: v1\nentries:\n  {name}:\n  - name: {name}\n    version: {version}\n    digest: {}\n    urls: [{name}-{version}.tgz]\n",
                    digest.trim_start_matches("sha256:")
                );
                server.put(&format!("/r{n}/index.yaml"), index.into_bytes());
                server.put(&format!("/r{n}/{name}-{version}.tgz"), tgz);
                mirrors.push(format!("{repository}={}/r{n}", server.base));
            }
        }
    }
    (mirrors, missing)
}

/// The readiness analysis of the bundled platform with every addon on, its charts served from
/// `charts` (see [`serve_plan_charts`]; an addon whose chart is missing is switched off): the
/// report of `plan --offline -o json`, its findings printed, and the addons switched off; `None`
/// (skip) without docker-registry, which `tests/run` installs.
#[allow(dead_code)]
pub fn bundled_readiness(charts: &Path, label: &str) -> Option<(serde_json::Value, Vec<String>)> {
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = private_chart_cache(dir);
    let env = [("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8"))];
    let all_on = bundled_platform_with_every_addon_on();
    std::fs::write(dir.join("platform.yaml"), &all_on).expect("write");
    let plan: serde_json::Value =
        serde_json::from_str(&ok(dataplat_env(dir, &["plan", "--offline", "-o", "json"], &env))).expect("json");
    let server = dataplat_testkit::http::StaticServer::start();
    let registry = dataplat_testkit::Registry::start()?;
    let (mirrors, missing) = serve_plan_charts(charts, &plan, &server, &registry);
    let mut edited = all_on;
    let mut switched_off = Vec::new();
    for (addon, chart) in missing {
        eprintln!("no chart {chart} in {}: addon {addon} switched off for this run", charts.display());
        edited = edited.replace(&format!("enable_{addon}: true"), &format!("enable_{addon}: false"));
        switched_off.push(addon);
    }
    std::fs::write(dir.join("platform.yaml"), &edited).expect("write");
    let mut args: Vec<String> = ["plan", "--offline", "-o", "json"].map(String::from).to_vec();
    for m in &mirrors {
        args.extend(["--mirror".to_string(), m.clone()]);
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let output = dataplat_env(dir, &refs, &env);
    eprintln!("plan --offline with {} chart(s): {:.1} s", mirrors.len(), started.elapsed().as_secs_f64());
    let plan: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&output)));
    let readiness = &plan["readiness"];
    assert_eq!(readiness["state"], "analysed", "{readiness:#}");
    let report = readiness["report"].clone();
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    for f in &findings {
        eprintln!(
            "{}{}: [{}] {} ({}): {}",
            f["severity"].as_str().unwrap_or_default(),
            if f["waived"].is_string() { " (waived)" } else { "" },
            f["rule"].as_str().unwrap_or_default(),
            f["object"].as_str().unwrap_or_default(),
            f["release"].as_str().unwrap_or_default(),
            f["message"].as_str().unwrap_or_default()
        );
    }
    eprintln!(
        "readiness with {label}: {} objects, {} pod templates, {} error(s), {} warning(s)",
        report["objects"],
        report["pods"],
        errors(&report).len(),
        findings.iter().filter(|f| f["severity"] == "warning" && !f["waived"].is_string()).count()
    );
    Some((report, switched_off))
}

/// The unwaived error findings of a readiness report (JSON).
#[allow(dead_code)]
pub fn errors(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "error" && !f["waived"].is_string())
        .cloned()
        .collect()
}
