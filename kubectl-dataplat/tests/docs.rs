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
