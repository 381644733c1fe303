//! The superset addon's init job, run for real: the bootstrap and init scripts exactly as the
//! plan writes them into the chart's values, sourced by `/bin/sh` in the order of the chart's
//! init command (`. superset_bootstrap.sh; . superset_init.sh`), against Apache Superset 5.0 (the
//! chart's app version) installed from PyPI, with SQLite as the metadata database. The Secrets the
//! job reads are given the way Kubernetes gives them (environment from `extraEnvRaw` and
//! `envFromSecrets`, the CA copy mounted where `extraVolumeMounts` says, under a temporary root).
//!
//! Then `harness.py check` reads what the job left through Superset's own models and runs a query
//! on the registered Trino database through Superset's engine, against a fake Trino on loopback
//! that serves HTTPS with a certificate of the test CA and requires the copied credentials.
//!
//! Not covered: PostgreSQL as the metadata database (the chart's bundled one), the image's own
//! package manager (`uv`; the venv here has pip, the script's other branch), and a real Trino.

use dataplat_addon_superset::{ADMIN_SECRET, Superset, TRINO_FLAG};
use dataplat_sdk::PlatformFacts;
use dataplat_sdk::serde_json::{self, Value, json};
use dataplat_sdk::testing::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn with_trino() -> PlatformFacts {
    with_trino_https(facts(&["enable_superset", TRINO_FLAG, "enable_trino"], &["superset", "trino"]))
}

const HARNESS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/superset/harness.py");

/// Runs the chart's init command with the pod's environment; returns stdout and stderr.
fn run_init_job(python: &Path, dir: &Path, values: &Value, secrets: &BTreeMap<(&str, &str), String>) -> String {
    let root = dir.join("mnt");
    std::fs::write(dir.join("superset_bootstrap.sh"), values["bootstrapScript"].as_str().unwrap()).unwrap();
    std::fs::write(dir.join("superset_init.sh"), values["init"]["initscript"].as_str().unwrap()).unwrap();
    let mut command = Command::new("/bin/sh");
    command.current_dir(dir).arg("-c").arg(". ./superset_bootstrap.sh; . ./superset_init.sh");
    let bin = python.parent().unwrap();
    command.env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()));
    command.env("SUPERSET_CONFIG_PATH", dir.join("superset_config.py"));
    command.env("HOME", dir);
    // The Superset image's own environment (its Dockerfile's ENV).
    command.env("FLASK_APP", "superset.app:create_app()");
    command.env_remove("PYTHONPATH");
    // envFromSecrets: each Secret's keys as variables.
    for name in values["envFromSecrets"].as_array().unwrap() {
        let name = name.as_str().unwrap();
        let mut found = false;
        for ((secret, key), value) in secrets {
            if *secret == name {
                command.env(key, value);
                found = true;
            }
        }
        assert!(found, "envFromSecrets names {name}, which the test does not know");
    }
    // extraEnvRaw: literal values, or a Secret's key; a path under a mount is moved under `root`.
    let mounts: Vec<&str> = values["extraVolumeMounts"]
        .as_array()
        .map(|m| m.iter().map(|m| m["mountPath"].as_str().unwrap()).collect())
        .unwrap_or_default();
    for var in values["extraEnvRaw"].as_array().unwrap() {
        let name = var["name"].as_str().unwrap();
        let value = match var.pointer("/valueFrom/secretKeyRef") {
            Some(r) => secrets
                .get(&(r["name"].as_str().unwrap(), r["key"].as_str().unwrap()))
                .unwrap_or_else(|| panic!("{name} reads {r}, which the test does not know"))
                .clone(),
            None => {
                let value = var["value"].as_str().unwrap();
                match mounts.iter().find(|m| value.starts_with(&format!("{m}/"))) {
                    Some(_) => format!("{}{value}", root.display()),
                    None => value.to_string(),
                }
            }
        };
        command.env(name, value);
    }
    let out = command.output().expect("/bin/sh runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the init job failed:\n{text}");
    text
}

/// Only what a pod would have: none of this machine's variables (its `REQUESTS_CA_BUNDLE`, for
/// one, would override the connection's `verify`).
fn pod_environment(command: &mut Command, python: &Path, home: &Path) {
    let bin = python.parent().unwrap();
    command.env_clear();
    command.env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()));
    command.env("HOME", home);
    command.env("LANG", "C.UTF-8");
}

fn harness(python: &Path, home: &Path, args: &[&Path], env: &[(&str, PathBuf)]) -> String {
    let mut command = Command::new(python);
    pod_environment(&mut command, python, home);
    command.arg(HARNESS).args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("python runs");
    assert!(out.status.success(), "harness failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_init_job_creates_the_admin_and_registers_trino_in_a_real_superset() {
    let Some(python) = dataplat_testkit::superset_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let plan = plan_ok::<Superset>(&json!({"admin_username": "ops"}), &with_trino());
    let values = values(release(&plan, "superset")).clone();

    // superset_config.py: the chart's database settings replaced by SQLite, then the addon's
    // configOverrides as the chart appends them (SECRET_KEY from the environment).
    let mut config = format!("SQLALCHEMY_DATABASE_URI = 'sqlite:///{}/superset.db'\n", dir.display());
    for (_, override_py) in values["configOverrides"].as_object().unwrap() {
        config.push_str(override_py.as_str().unwrap());
        config.push('\n');
    }
    std::fs::write(dir.join("superset_config.py"), config).unwrap();

    // The CA copy's file where the pod would have it (key ca.crt of Secret trino-ca).
    let pki = dir.join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    harness(&python, dir, &[Path::new("certs"), &pki], &[]);
    let mount = values["extraVolumeMounts"][0]["mountPath"].as_str().unwrap();
    assert_eq!(values["extraVolumes"][0]["secret"]["secretName"], "trino-ca");
    let ca_dir = dir.join("mnt").join(mount.trim_start_matches('/'));
    std::fs::create_dir_all(&ca_dir).unwrap();
    std::fs::copy(pki.join("ca.crt"), ca_dir.join("ca.crt")).unwrap();

    let mut secrets: BTreeMap<(&str, &str), String> = BTreeMap::new();
    secrets.insert(("superset-secret-key", "SUPERSET_SECRET_KEY"), "k".repeat(32));
    secrets.insert((ADMIN_SECRET, "password"), "first-admin-password".into());
    secrets.insert(("trino-credentials", "username"), "dataplat".into());
    secrets.insert(("trino-credentials", "password"), "p@ss:w/rd %1".into());

    let first = run_init_job(&python, dir, &values, &secrets);
    assert!(first.contains("created Superset database 'Trino'"), "{first}");
    assert!(!first.contains("p@ss:w/rd"), "the password is never printed:\n{first}");

    // Every init follows the Secrets: rotated passwords are taken over, the database updated.
    secrets.insert((ADMIN_SECRET, "password"), "rotated-admin-password".into());
    secrets.insert(("trino-credentials", "password"), "rotated:trino/password".into());
    let second = run_init_job(&python, dir, &values, &secrets);
    assert!(second.contains("updated Superset database 'Trino'"), "{second}");

    let expected = json!({
        "admin_username": "ops",
        "admin_password": "rotated-admin-password",
        "database_name": "Trino",
        "trino_host": "trino.trino.svc",
        "trino_port": 8443,
        "trino_user": "dataplat",
        "trino_password": "rotated:trino/password",
        "server_cert": pki.join("server.crt"),
        "server_key": pki.join("server.key"),
    });
    std::fs::write(dir.join("expected.json"), expected.to_string()).unwrap();
    let env = [
        ("SUPERSET_CONFIG_PATH", dir.join("superset_config.py")),
        ("SUPERSET_SECRET_KEY", PathBuf::from("k".repeat(32))),
    ];
    let found: Value = serde_json::from_str(
        harness(&python, dir, &[Path::new("check"), &dir.join("expected.json")], &env).lines().last().unwrap(),
    )
    .unwrap();
    assert_eq!(found["admin_exists"], true, "{found}");
    assert_eq!(found["admin_password_matches"], true, "the admin's password is the Secret's: {found}");
    assert_eq!(found["admin_is_admin"], true, "{found}");
    assert_eq!(found["databases"], 1, "one database, updated in place: {found}");
    assert_eq!(found["uri"], "trino://dataplat:XXXXXXXXXX@trino.trino.svc:8443/iceberg", "{found}");
    assert_eq!(found["password_matches"], true, "stored (encrypted) apart from the URI: {found}");
    assert_eq!(found["extra"]["engine_params"]["connect_args"]["http_scheme"], "https");
    assert_eq!(
        found["extra"]["engine_params"]["connect_args"]["verify"],
        format!("{}/ca.crt", ca_dir.display()),
        "the mounted CA copy"
    );
    assert_eq!(found["expose_in_sqllab"], true);
    assert_eq!(found["dialect"], "trino");
    // The query went over HTTPS, verified against the copied CA, with the copied credentials.
    assert_eq!(found["rows"], json!([[1]]), "{found}");
    let requests = found["requests"].as_array().unwrap();
    assert!(requests.iter().any(|r| r["authorized"] == true && r["user"] == "dataplat"), "{found}");
    assert!(requests.iter().all(|r| r["catalog"] == "iceberg"), "{found}");
}
