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

/// The top-level modules another module's code names through `crate::` (test modules, from
/// `#[cfg(test)]` on, and comments are left out).
fn crate_references(text: &str) -> std::collections::BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let code: String = code.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| format!("{l}\n")).collect();
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut out = std::collections::BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::B, c, d::{e, f}}`: the first segment of each top-level item.
            let (mut depth, mut item) = (1, String::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        out.insert(ident(item.trim()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.insert(ident(item.trim()));
        } else {
            out.insert(ident(rest));
        }
    }
    out.remove("");
    out
}

/// Module cycles (strongly connected sets of top-level modules) of the crate whose sources are
/// in `src`.
fn module_cycles(src: &std::path::Path) -> Vec<Vec<String>> {
    let mut files: std::collections::BTreeMap<String, Vec<std::path::PathBuf>> = Default::default();
    for entry in std::fs::read_dir(src).expect("src").flatten() {
        let path = entry.path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                for e in std::fs::read_dir(&dir).expect("dir").flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs") {
                        files.entry(name.clone()).or_default().push(p);
                    }
                }
            }
        } else if path.extension().is_some_and(|x| x == "rs") && name != "lib" && name != "main" {
            files.entry(name).or_default().push(path);
        }
    }
    let modules: std::collections::BTreeSet<String> = files.keys().cloned().collect();
    let edges: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = files
        .iter()
        .map(|(m, paths)| {
            let refs = paths
                .iter()
                .flat_map(|p| crate_references(&std::fs::read_to_string(p).expect("read")))
                .filter(|r| r != m && modules.contains(r))
                .collect();
            (m.clone(), refs)
        })
        .collect();
    // Two modules are in one cycle when each reaches the other.
    let reaches = |from: &str| {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for next in &edges[&m] {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: std::collections::BTreeMap<String, _> = modules.iter().map(|m| (m.clone(), reaches(m))).collect();
    let mut cycles: Vec<Vec<String>> = Vec::new();
    for m in &modules {
        if !reach[m].contains(m) || cycles.iter().any(|c| c.contains(m)) {
            continue;
        }
        cycles.push(modules.iter().filter(|o| reach[m].contains(*o) && reach[*o].contains(m)).cloned().collect());
    }
    cycles
}

#[test]
fn the_module_cycle_finder_finds_a_cycle_through_a_use_group() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "mod a; mod b; mod c;").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::{c::X, b::{Y, Z}};").unwrap();
    std::fs::write(src.join("b.rs"), "pub fn f() { crate::a::g() }").unwrap();
    std::fs::write(src.join("c.rs"), "// crate::a::g()\n#[cfg(test)]\nmod tests { use crate::a; }").unwrap();
    assert_eq!(module_cycles(src), [vec!["a".to_string(), "b".to_string()]]);
}

/// No crate of the workspace has modules that import each other in a cycle.
#[test]
fn no_crate_has_module_import_cycles() {
    let root = repo();
    let mut sources = vec![root.join("kubectl-dataplat/src")];
    for dir in ["crates", "plugins"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("dir").flatten() {
            if entry.path().join("src").is_dir() {
                sources.push(entry.path().join("src"));
            }
        }
    }
    let mut found = Vec::new();
    for src in sources {
        let name = src.strip_prefix(&root).expect("inside").to_str().expect("utf-8").to_string();
        for cycle in module_cycles(&src) {
            found.push(format!("{name}: {}", cycle.join(" <-> ")));
        }
    }
    assert!(found.is_empty(), "module import cycles:\n{}", found.join("\n"));
}

/// What the bundled platform's addons declare for doctor (`render --skip-charts`): alert rules
/// (PrometheusRules labelled `dataplat.io/doctor`) and log signatures (workloads annotated
/// `dataplat.io/doctor-log-signatures`).
fn bundled_alerts(work: &std::path::Path) -> Vec<dataplat_doctor::AlertDoc> {
    std::fs::copy(repo().join("platform.yaml"), work.join("platform.yaml")).expect("copy platform.yaml");
    ok(dataplat(work, &["render", "--skip-charts", "--out", "rendered"]));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("rendered/plan.json")).expect("plan.json"))
            .expect("json");
    let mut alerts = Vec::new();
    for addon in plan["addons"].as_array().expect("addons") {
        let addon_name = addon["name"].as_str().unwrap_or_default().to_string();
        for object in addon["releases"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["objects"].as_array().into_iter().flatten())
        {
            let source = format!(
                "{} {}/{}",
                object["kind"].as_str().unwrap_or_default(),
                object["metadata"]["namespace"].as_str().unwrap_or_default(),
                object["metadata"]["name"].as_str().unwrap_or_default()
            );
            if object["kind"] == "PrometheusRule" && object["metadata"]["labels"]["dataplat.io/doctor"] == "true" {
                for r in object["spec"]["groups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|g| g["rules"].as_array().into_iter().flatten())
                {
                    let Some(alert) = r["alert"].as_str() else { continue };
                    alerts.push(dataplat_doctor::AlertDoc {
                        addon: addon_name.clone(),
                        source: source.clone(),
                        finding: format!("alert.{alert}"),
                        severity: r["labels"]["severity"].as_str().unwrap_or("warning").to_string(),
                        summary: r["annotations"]["summary"].as_str().unwrap_or_default().to_string(),
                    });
                }
            }
            if let Some(text) = object["metadata"]["annotations"][dataplat_doctor::LOG_SIGNATURES].as_str() {
                let signatures: Vec<serde_json::Value> = serde_json::from_str(text).expect("signatures are JSON");
                for signature in signatures {
                    alerts.push(dataplat_doctor::AlertDoc {
                        addon: addon_name.clone(),
                        source: source.clone(),
                        finding: format!("log.{}", signature["finding"].as_str().unwrap_or_default()),
                        severity: signature["severity"].as_str().unwrap_or("warning").to_string(),
                        summary: signature["summary"].as_str().unwrap_or_default().replace("{name}", "NAME"),
                    });
                }
            }
        }
    }
    alerts
}

#[test]
fn the_troubleshooting_page_is_generated_from_the_catalogue_and_the_bundled_alert_rules() {
    let work = tempfile::tempdir().expect("tmp");
    let alerts = bundled_alerts(work.path());
    assert!(alerts.iter().any(|a| a.finding == "alert.TrinoWorkersNotRegistered"), "{alerts:?}");
    assert!(alerts.iter().any(|a| a.finding == "log.TrinoCatalogLoadFailed"), "{alerts:?}");
    let page = dataplat_doctor::troubleshooting_page(&alerts);
    let path = repo().join("docs/troubleshooting.md");
    if std::env::var("DATAPLAT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &page).expect("write docs/troubleshooting.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == page, "docs/troubleshooting.md is out of date: `{BLESS_HINT}` regenerates it");
}
