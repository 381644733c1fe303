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
    command.current_dir(dir).args(args).env("DATAPLAT_CACHE_DIR", cache_dir()).env_remove("DATAPLAT_FILE");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run kubectl-dataplat")
}
