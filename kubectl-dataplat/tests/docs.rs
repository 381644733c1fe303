//! The committed addon reference pages (docs/addons/) are what `kubectl dataplat plugin docs`
//! generates from the built-in plugins. `DATAPLAT_BLESS=1 cargo test -p kubectl-dataplat --test
//! docs` rewrites them (and the index, docs/addons/README.md).

mod common;

use common::{dataplat, ok, repo};

const BLESS_HINT: &str = "DATAPLAT_BLESS=1 cargo test -p kubectl-dataplat --test docs";

/// The built-in addons as `(name, description)`, from `plugin list -o json` outside any project.
fn builtins(dir: &std::path::Path) -> Vec<(String, String)> {
    let list: serde_json::Value =
        serde_json::from_str(&ok(dataplat(dir, &["plugin", "list", "-o", "json"]))).expect("json");
    let mut addons: Vec<(String, String)> = list
        .as_array()
        .expect("list")
        .iter()
        .filter(|a| a["source"]["kind"] == "builtin")
        .map(|a| (a["name"].as_str().expect("name").to_string(), a["description"].as_str().unwrap_or("").to_string()))
        .collect();
    addons.sort();
    addons
}

fn index(addons: &[(String, String)]) -> String {
    let mut text = String::from(
        "# Addon reference\n\nOne page per built-in addon, generated from the plugin itself (`kubectl dataplat plugin \
         docs <addon>`): its flags, the addons it needs, and every setting of its platform.yaml block with type, \
         default and allowed values. Third-party plugins print the same page with `kubectl dataplat plugin docs \
         oci://…@sha256:…`.\n\n| addon | description |\n|---|---|\n",
    );
    for (name, description) in addons {
        text.push_str(&format!("| [{name}]({name}.md) | {} |\n", description.replace('|', "\\|")));
    }
    text
}

#[test]
fn committed_addon_pages_are_the_generated_ones() {
    let work = tempfile::tempdir().expect("tmp");
    let addons = builtins(work.path());
    assert!(addons.len() >= 12, "{addons:?}");
    let docs = repo().join("docs/addons");
    let bless = std::env::var("DATAPLAT_BLESS").is_ok_and(|v| v == "1");
    let mut expected: Vec<(String, String)> = Vec::new();
    for (name, _) in &addons {
        let page = ok(dataplat(work.path(), &["plugin", "docs", name]));
        assert!(page.starts_with(&format!("# {name}\n")), "{page}");
        expected.push((format!("{name}.md"), page));
    }
    expected.push(("README.md".into(), index(&addons)));
    let mut failures = Vec::new();
    if bless {
        std::fs::create_dir_all(&docs).expect("mkdir docs/addons");
    }
    for (file, text) in &expected {
        let path = docs.join(file);
        if bless {
            std::fs::write(&path, text).expect("write page");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            failures.push(format!("docs/addons/{file} is missing or out of date"));
        }
    }
    // No page for an addon that no longer exists.
    for entry in std::fs::read_dir(&docs).expect("docs/addons").filter_map(|e| e.ok()) {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !expected.iter().any(|(f, _)| *f == file) {
            failures.push(format!("docs/addons/{file} belongs to no built-in addon"));
        }
    }
    assert!(failures.is_empty(), "{}\n`{BLESS_HINT}` regenerates the pages.", failures.join("\n"));
}

#[test]
fn docs_writes_a_file_and_refuses_unknown_addons() {
    let work = tempfile::tempdir().expect("tmp");
    let file = work.path().join("keda.md");
    ok(dataplat(work.path(), &["plugin", "docs", "keda", "-o", &file.to_string_lossy()]));
    let page = std::fs::read_to_string(&file).expect("page written");
    for needle in
        ["# keda\n", "## Flags", "| `enable_keda` | switches the addon on |", "| `operator_replicas` | integer |"]
    {
        assert!(page.contains(needle), "{needle:?} missing from:\n{page}");
    }
    let trino = ok(dataplat(work.path(), &["plugin", "docs", "trino"]));
    for needle in
        ["| `autoscaling.min_workers` | integer |", "| `keda` | `enable_trino_keda: true` |", "`TASK`, `QUERY`, `NONE`"]
    {
        assert!(trino.contains(needle), "{needle:?} missing from:\n{trino}");
    }
    let unknown = dataplat(work.path(), &["plugin", "docs", "trinoo"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", common::stderr(&unknown));
    assert!(common::stderr(&unknown).contains("trino"), "suggests the close name");
}

/// docs/architecture.md's crate table lists every crate of the workspace (the binary and
/// `crates/*`) with exactly the workspace crates it depends on, as `cargo metadata` says.
#[test]
fn the_architecture_crate_table_matches_cargo_metadata() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(repo())
        .output()
        .expect("cargo metadata");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let packages = metadata["packages"].as_array().expect("packages");
    let names: std::collections::BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let root = repo().canonicalize().expect("repo");
    let mut actual = std::collections::BTreeMap::new();
    for package in packages {
        let manifest = std::path::Path::new(package["manifest_path"].as_str().expect("manifest"));
        let dir = manifest.parent().expect("dir").strip_prefix(&root).expect("inside the workspace");
        let dir = dir.to_str().expect("utf-8").to_string();
        if !(dir.starts_with("crates/") || dir == "kubectl-dataplat") {
            continue;
        }
        let deps: std::collections::BTreeSet<String> = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].is_null())
            .filter_map(|d| d["name"].as_str())
            .filter(|n| names.contains(n))
            .map(String::from)
            .collect();
        actual.insert(package["name"].as_str().expect("name").to_string(), deps);
    }

    let doc = std::fs::read_to_string(repo().join("docs/architecture.md")).expect("architecture.md");
    let section = doc.split("## Crates").nth(1).expect("a Crates section").split("\n## ").next().expect("section");
    let mut documented = std::collections::BTreeMap::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (name, path, deps) = (cells[1].trim_matches('`'), cells[2].trim_matches('`'), cells[3]);
        if !(path.starts_with("crates/") || path == "kubectl-dataplat/") {
            continue;
        }
        let deps: std::collections::BTreeSet<String> = deps
            .split(',')
            .map(|d| d.trim().trim_matches('`').to_string())
            .filter(|d| !d.is_empty() && d != "—")
            .collect();
        documented.insert(name.to_string(), deps);
    }
    assert_eq!(
        documented, actual,
        "docs/architecture.md's crate table (left) differs from cargo metadata (right): update the table"
    );
}
