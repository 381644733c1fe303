//! The bad-config corpus: every `tests/config-errors/NN-slug.yaml` at the workspace root is run
//! through parse -> plugin_sources -> validate against `tests/config-errors/catalog.json`, and
//! the diagnostics, printed exactly as the CLI prints them (each by `Display`, joined with
//! newlines, plus a trailing newline), must equal `NN-slug.expected`.
//!
//! After an intended change of messages, regenerate the expectations with
//!
//! ```text
//! DATAPLAT_BLESS=1 cargo test -p dataplat-config --test corpus
//! ```
//!
//! and review the diff of `tests/config-errors/*.expected` before committing: that text is what
//! users see.

use std::fs;
use std::path::{Path, PathBuf};

use dataplat_config::{Catalog, parse, render_diagnostics, validate};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/config-errors")
}

fn load_catalog() -> Catalog {
    let path = corpus_dir().join("catalog.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the CLI would print for a file, and whether it contained an error.
fn run_case(label: &str, text: &str, catalog: &Catalog) -> (String, bool) {
    let diags = match parse(label, text) {
        Err(d) => d,
        Ok(doc) => match doc.plugin_sources() {
            Err(d) => d,
            Ok(_) => match validate(&doc, catalog) {
                Err(d) => d,
                Ok((_, warnings)) => warnings,
            },
        },
    };
    let has_error = diags.iter().any(|d| d.is_error());
    let mut out = render_diagnostics(&diags);
    out.push('\n');
    (out, has_error)
}

/// A line diff (longest common subsequence), `-` expected, `+` actual.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        }
    }
    out
}

#[test]
fn bad_config_corpus() {
    let catalog = load_catalog();
    let bless = std::env::var_os("DATAPLAT_BLESS").is_some_and(|v| v == "1");
    let mut cases: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 45, "only {} corpus cases", cases.len());

    let mut failures = Vec::new();
    for case in &cases {
        let label = case.file_name().and_then(|n| n.to_str()).expect("utf-8 file name").to_string();
        let text = fs::read_to_string(case).expect("read case");
        let (actual, has_error) = run_case(&label, &text, &catalog);
        if !has_error {
            failures.push(format!("{label}: expected at least one error, got:\n{actual}"));
        }
        let expected_path = case.with_extension("expected");
        if bless {
            fs::write(&expected_path, &actual).expect("write .expected");
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{label}: output differs from {} (- expected, + actual):\n{}",
                expected_path.display(),
                diff(&expected, &actual)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed (DATAPLAT_BLESS=1 rewrites the .expected files):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_reference_file_is_valid() {
    let catalog = load_catalog();
    let text = fs::read_to_string(corpus_dir().join("valid/platform.yaml")).expect("valid file");
    let doc = parse("valid/platform.yaml", &text).expect("parses");
    let plugins = doc.plugin_sources().expect("plugins");
    assert_eq!(plugins.len(), 2);
    let (platform, warnings) = validate(&doc, &catalog).unwrap_or_else(|d| panic!("{}", render_diagnostics(&d)));
    assert!(warnings.is_empty());
    assert_eq!(platform.name, "trino-v2");
    assert_eq!(platform.kubernetes_version, "1.34");
    assert_eq!(platform.enabled_addons, vec!["cert_manager", "flink", "keda", "prometheus", "spark_operator"]);
    assert_eq!(platform.addon_configs["keda"]["operator_replicas"], 2);
    assert_eq!(platform.addon_configs["flink"], serde_json::json!({}));
    assert_eq!(platform.addon_configs["keda"]["values"]["mode"], "0755");
    assert!(platform.flags["enable_amazon_prometheus"]);
    assert!(!platform.flags["enable_kafka"]);
    assert_eq!(platform.tags["team"], "data");
    // The `cluster:` block, read with what it leaves out defaulted.
    let cluster = &platform.cluster;
    assert!(!cluster.single_nat_gateway);
    assert_eq!(cluster.control_plane_logs, ["api", "audit"]);
    assert_eq!(cluster.public_access_cidrs, ["203.0.113.0/24", "198.51.100.17/32"]);
    assert!(cluster.secrets_kms_key_arn.as_deref().is_some_and(|k| k.starts_with("arn:aws:kms:us-west-2:")));
    assert_eq!(cluster.core_node_group.instance_types, ["m6a.xlarge", "m7a.xlarge"]);
    assert_eq!(
        (cluster.core_node_group.min_size, cluster.core_node_group.desired_size, cluster.core_node_group.max_size),
        (2, 3, 6)
    );
    assert_eq!(cluster.core_node_group.disk_size_gib, 200);
}

#[test]
fn an_absent_cluster_block_means_the_reference_defaults() {
    let catalog = load_catalog();
    let doc = parse("p.yaml", "name: a\nregion: us-west-2\ndeployment_id: Ab3dE9xZ\n").expect("parses");
    let (platform, _) = validate(&doc, &catalog).unwrap_or_else(|d| panic!("{}", render_diagnostics(&d)));
    assert_eq!(platform.cluster, dataplat_config::ClusterSettings::default());
    assert!(platform.cluster.endpoint_public_access && platform.cluster.single_nat_gateway);
    assert_eq!(platform.cluster.control_plane_logs.len(), 5);
    assert_eq!(platform.cluster.core_node_group.instance_types, ["m6a.xlarge"]);
    let doc = parse("p.yaml", "name: a\nregion: us-west-2\ndeployment_id: Ab3dE9xZ\ncluster:\n").expect("parses");
    let (platform, _) = validate(&doc, &catalog).unwrap_or_else(|d| panic!("{}", render_diagnostics(&d)));
    assert_eq!(platform.cluster, dataplat_config::ClusterSettings::default(), "an empty block is the defaults");
}
