//! Golden tests of the Trino addon's rendered output, and of the data teams' wiring in the
//! bundled platform.yaml (`tests/golden/data-teams/expected.yaml`).
//!
//! Each directory `tests/golden/trino/<variant>/` holds a `platform.yaml` and an `expected.yaml`:
//! every file `kubectl dataplat render` writes for the trino addon (its release objects, the
//! Karpenter EC2NodeClasses and NodePools of its capacity requests, and last its cloud needs:
//! buckets, grants, pod identities, generated secrets), as one multi-document YAML with a comment
//! naming each file. A variant is added by adding a directory; `DATAPLAT_BLESS=1 cargo test -p
//! kubectl-dataplat --test golden` (re)writes the expected files.

mod common;

use std::path::{Path, PathBuf};

use common::{dataplat, ok, repo};

const ADDON: &str = "trino";
const BLESS_HINT: &str = "DATAPLAT_BLESS=1 cargo test -p kubectl-dataplat --test golden";

/// The variant directories (those with a platform.yaml), sorted.
fn variants() -> Vec<PathBuf> {
    let root = repo().join("tests/golden").join(ADDON);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("platform.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Renders `platform.yaml` of `dir` and returns the addon's files as one multi-document YAML.
fn render_addon(dir: &Path) -> String {
    render_addons(dir, "platform.yaml", &[ADDON])
}

/// Renders `file` of `dir` and returns the files of `addons` as one multi-document YAML: each
/// addon's releases in the plugin's order and its cloud.yaml, then the Karpenter objects of the
/// NodePool requests (the core's node-pools release).
fn render_addons(dir: &Path, file: &str, addons: &[&str]) -> String {
    let out = tempfile::tempdir().expect("tmp");
    let target = out.path().join("render");
    ok(dataplat(dir, &["-f", file, "render", "--skip-charts", "--out", &target.to_string_lossy()]));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(target.join("plan.json")).expect("plan.json")).expect("json");
    let mut dirs: Vec<String> = Vec::new();
    for name in addons {
        let addon = plan["addons"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["name"] == *name))
            .unwrap_or_else(|| panic!("{}: addon {name} is not in the plan", dir.display()));
        dirs.extend(
            addon["releases"]
                .as_array()
                .expect("releases")
                .iter()
                .map(|r| format!("{name}/{}", r["name"].as_str().expect("release name"))),
        );
        dirs.push(format!("{name}/cloud.yaml"));
    }
    dirs.push("karpenter/node-pools".into());
    let mut files: Vec<String> = Vec::new();
    for sub in &dirs {
        if sub.ends_with("cloud.yaml") {
            if target.join(sub).is_file() {
                files.push(sub.clone());
            }
            continue;
        }
        let Ok(entries) = std::fs::read_dir(target.join(sub)) else { continue };
        let mut names: Vec<String> =
            entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into()).collect();
        names.sort();
        files.extend(names.into_iter().map(|n| format!("{sub}/{n}")));
    }
    let mut text = String::new();
    for file in &files {
        let body = std::fs::read_to_string(target.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        text.push_str(&format!("---\n# {file}\n{body}"));
        if !body.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

/// The first differing lines of two texts, with a little context, as `-expected`/`+actual`.
fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
    let start = first.saturating_sub(3);
    let mut out = format!("@@ first difference at line {} @@\n", first + 1);
    for line in &e[start..first.min(e.len())] {
        out.push_str(&format!(" {line}\n"));
    }
    // The run of lines that differ position by position (at most 8), then a little context.
    let run = (first..e.len().max(a.len())).take_while(|&i| e.get(i) != a.get(i)).count().clamp(1, 8);
    for line in e.iter().skip(first).take(run) {
        out.push_str(&format!("-{line}\n"));
    }
    for line in a.iter().skip(first).take(run) {
        out.push_str(&format!("+{line}\n"));
    }
    for line in e.iter().skip(first + run).take(2) {
        out.push_str(&format!(" {line}\n"));
    }
    out.push_str(&format!("(expected {} lines, got {})\n", e.len(), a.len()));
    out
}

#[test]
fn trino_render_matches_the_golden_files() {
    let variants = variants();
    let names: Vec<String> =
        variants.iter().map(|v| v.file_name().expect("name").to_string_lossy().into_owned()).collect();
    for required in ["default", "query-retry", "autoscaling-off"] {
        assert!(names.iter().any(|n| n == required), "variant {required} is missing: {names:?}");
    }
    let bless = std::env::var("DATAPLAT_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for dir in &variants {
        let actual = render_addon(dir);
        let expected_path = dir.join("expected.yaml");
        if bless {
            std::fs::write(&expected_path, &actual).expect("write expected.yaml");
            eprintln!("blessed {}", expected_path.display());
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Err(_) => failures.push(format!("{}: missing", expected_path.display())),
            Ok(expected) if expected != actual => {
                failures.push(format!("{}:\n{}", expected_path.display(), first_difference(&expected, &actual)))
            }
            Ok(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden file(s) differ from the render:\n{}\nIf the change is intended, `{BLESS_HINT}` rewrites them.",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn variants_differ_where_their_settings_differ() {
    // Guards against variants whose platform.yaml does not do what the directory name says.
    let render = |name: &str| render_addon(&repo().join("tests/golden").join(ADDON).join(name));
    let default = render("default");
    assert!(default.contains("kind: ScaledObject"), "default has KEDA autoscaling");
    assert!(!render("autoscaling-off").contains("kind: ScaledObject"), "autoscaling-off has no ScaledObject");
    assert_ne!(render("query-retry"), default, "retry_policy QUERY changes the release");
    assert!(default.contains("kind: NodePool") && default.contains("kind: EC2NodeClass"));
}

#[test]
fn first_difference_shows_the_changed_lines() {
    let diff = first_difference("a\nb\nc\n", "a\nB\nc\n");
    assert!(diff.contains("line 2") && diff.contains("-b") && diff.contains("+B"), "{diff}");
    let shorter = first_difference("a\nb\n", "a\n");
    assert!(shorter.contains("-b") && shorter.contains("expected 2 lines, got 1"), "{shorter}");
}

/// The bundled platform.yaml's data teams: Spark (teams, roles, the Spark defaults, NodePools,
/// YuniKorn queues, Spark Connect servers), the history server, Flink (teams, checkpoints,
/// defaults), JupyterHub (its Trino connection and Spark profiles), Kafka (its pool and racks),
/// Superset (Trino's registration, its admin), YuniKorn's layout, the core's data bucket, and
/// every NodePool.
#[test]
fn the_data_teams_render_of_the_bundled_platform_matches_the_golden_file() {
    let addons =
        ["core", "spark_operator", "spark_history_server", "flink", "yunikorn", "jupyterhub", "kafka", "superset"];
    let actual = render_addons(&repo(), "platform.yaml", &addons);
    for wiring in [
        "spark.eventLog.dir s3a://trino-v2-spark-history-server-event-logs-",
        "spark.sql.catalog.glue.warehouse s3://trino-v2-core-data-",
        "yunikorn.apache.org/parentqueue: root.spark",
        "state.checkpoints.dir: s3://trino-v2-flink-checkpoints-",
        "dataplat.io/copy-of: trino/trino-users",
        "database/trino_v2_*",
        "name: spark-executor",
        // Spark Connect per team, the notebooks' profile on it, the team's static queue.
        "kind: SparkConnect",
        "SPARK_REMOTE: sc://spark-connect-server.spark-team-a.svc.cluster.local:15002",
        "- name: spark-team-a",
        // Kafka: its own pool, brokers spread over the zones.
        "topology.kubernetes.io/zone",
        // Superset: Trino registered with the copied credentials and CA, the admin's Secret.
        "Registering Trino",
        "name: TRINO_CA_BUNDLE",
        "superset-admin",
    ] {
        assert!(actual.contains(wiring), "the render shows {wiring:?}");
    }
    let expected_path = repo().join("tests/golden/data-teams/expected.yaml");
    if std::env::var("DATAPLAT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(expected_path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&expected_path, &actual).expect("write expected.yaml");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert!(
        expected == actual,
        "{}:\n{}\nIf the change is intended, `{BLESS_HINT}` rewrites it.",
        expected_path.display(),
        first_difference(&expected, &actual)
    );
}

/// `plan --offline`'s human view at 80 and 120 columns (`COLUMNS`), for the platform with no
/// addon and the bundled one with every addon on: `tests/golden/plan/<case>-<width>.txt`. Every
/// line fits its width, save a single word longer than it.
#[test]
fn plan_reads_well_at_80_and_120_columns() {
    let golden = repo().join("tests/golden/plan");
    let bless = std::env::var("DATAPLAT_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for (case, file) in [("no-addon", golden.join("no-addon.yaml")), ("all-addons", repo().join("platform.yaml"))] {
        let work = tempfile::tempdir().expect("tmp");
        std::fs::copy(&file, work.path().join("platform.yaml")).expect("copy");
        for width in [80, 120] {
            let columns = width.to_string();
            let out = common::dataplat_env(work.path(), &["plan", "--offline"], &[("COLUMNS", &columns)]);
            let text = ok(out);
            for line in text.lines() {
                let fits = line.chars().count() <= width || !line.trim().contains(' ');
                assert!(fits, "{case} at {width}: {line:?} is {} columns", line.chars().count());
            }
            let path = golden.join(format!("{case}-{width}.txt"));
            if bless {
                std::fs::write(&path, &text).expect("write golden");
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                failures.push(format!("{} differs", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}\n`{BLESS_HINT}` rewrites them; review the diff", failures.join("\n"));
}
