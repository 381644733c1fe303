//! `scripts/release` packages a binary as kubectl plugins are distributed: a `.tar.gz` per OS and
//! architecture with the binary and LICENSE at its root, and krew's Plugin manifest whose
//! `sha256` is the archive's. Run here with `--binary` on a small stand-in executable (the debug
//! build of kubectl-dataplat is ~480 MB, and the script treats the binary's bytes as opaque).

mod common;

use std::process::Command;

use common::repo;

fn sha256(path: &std::path::Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().expect("sha256sum");
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_string()
}

#[test]
fn release_archives_and_the_krew_manifest_agree() {
    let dist = tempfile::tempdir().expect("tmp");
    let out = dist.path().to_str().unwrap();
    let stand_in = dist.path().join("stand-in");
    std::fs::write(&stand_in, "#!/bin/sh\necho kubectl-dataplat\n").expect("write");
    let binary = stand_in.to_str().unwrap();
    let run = |os: &str, arch: &str| {
        let status = Command::new("bash")
            .arg(repo().join("scripts/release"))
            .args([
                "--binary",
                binary,
                "--os",
                os,
                "--arch",
                arch,
                "--url-base",
                "https://downloads.example/v1",
                "--out",
                out,
            ])
            .output()
            .expect("scripts/release");
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    };
    run("linux", "amd64");
    let version = env!("CARGO_PKG_VERSION");
    let archive = dist.path().join(format!("kubectl-dataplat_v{version}_linux_amd64.tar.gz"));
    assert!(archive.is_file());

    // The manifest krew reads.
    let manifest: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dist.path().join("dataplat.yaml")).expect("manifest"))
            .expect("yaml");
    assert_eq!(manifest["apiVersion"], "krew.googlecontainertools.github.com/v1alpha2");
    assert_eq!(manifest["kind"], "Plugin");
    assert_eq!(manifest["metadata"]["name"], "dataplat", "krew names it after the command: kubectl dataplat");
    assert_eq!(manifest["spec"]["version"], format!("v{version}"));
    for field in ["homepage", "shortDescription", "description"] {
        assert!(!manifest["spec"][field].as_str().unwrap_or_default().is_empty(), "{field}");
    }
    let platforms = manifest["spec"]["platforms"].as_array().expect("platforms");
    assert_eq!(platforms.len(), 1);
    let p = &platforms[0];
    assert_eq!(p["selector"]["matchLabels"]["os"], "linux");
    assert_eq!(p["selector"]["matchLabels"]["arch"], "amd64");
    assert_eq!(p["uri"], format!("https://downloads.example/v1/kubectl-dataplat_v{version}_linux_amd64.tar.gz"));
    assert_eq!(p["sha256"], sha256(&archive), "the manifest's sha256 is the archive's");
    assert_eq!(p["bin"], "kubectl-dataplat");

    // The archive: the binary (executable, the one given) and LICENSE, nothing else.
    let list = Command::new("tar").arg("-tvzf").arg(&archive).output().expect("tar");
    let listing = String::from_utf8_lossy(&list.stdout).to_string();
    let mut names: Vec<&str> = listing.lines().filter_map(|l| l.split_whitespace().last()).collect();
    names.sort();
    assert_eq!(names, ["LICENSE", "kubectl-dataplat"], "{listing}");
    assert!(listing.lines().any(|l| l.starts_with("-rwxr-xr-x") && l.ends_with("kubectl-dataplat")), "{listing}");
    let unpacked = tempfile::tempdir().expect("tmp");
    let x = Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(unpacked.path()).status().expect("tar");
    assert!(x.success());
    assert_eq!(sha256(&unpacked.path().join("kubectl-dataplat")), sha256(std::path::Path::new(binary)));
    assert_eq!(std::fs::read(unpacked.path().join("LICENSE")).unwrap(), std::fs::read(repo().join("LICENSE")).unwrap());
    let license = std::fs::read_to_string(repo().join("LICENSE")).unwrap();
    assert!(license.contains("Apache License") && license.contains("Version 2.0"), "Cargo.toml says Apache-2.0");

    // Reproducible: the same input gives the same archive.
    let first = sha256(&archive);
    run("linux", "amd64");
    assert_eq!(sha256(&archive), first);
}
