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
