//! `kubectl dataplat chart template` and `chart pull`: the real binary on our fixture charts.

mod common;

use common::{dataplat, dataplat_env, ok, repo, stderr};

#[test]
fn template_renders_a_local_chart_with_values_and_release() {
    let root = repo();
    let out = ok(dataplat(
        &root,
        &[
            "chart",
            "template",
            "crates/helm/tests/render-charts/basic",
            "--release",
            "demo",
            "-n",
            "apps",
            "--set",
            "replicaCount=5",
        ],
    ));
    assert!(out.starts_with("---\n# Source: basic/templates/"), "{out}");
    assert!(out.contains("name: demo-basic"), "{out}");
    assert!(out.contains("namespace: apps"), "{out}");
    assert!(out.contains("replicas: 5"), "--set applies: {out}");
}

#[test]
fn a_failing_required_names_chart_template_line_and_message() {
    let root = repo();
    let output = dataplat(&root, &["chart", "template", "crates/helm/tests/render-charts/required"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("execution error at (required/templates/"), "{err}");
}

#[test]
fn a_missing_local_chart_is_a_usage_error_and_offline_pull_names_the_chart() {
    let root = repo();
    let output = dataplat(&root, &["chart", "template", "no/such/chart"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("neither a chart directory nor a .tgz"), "{}", stderr(&output));
    let cache = tempfile::tempdir().expect("tempdir");
    let output = dataplat_env(
        &root,
        &["chart", "pull", "oci://127.0.0.1:9/charts/web:1.0.0", "--offline"],
        &[("DATAPLAT_CACHE_DIR", cache.path().to_str().expect("utf-8"))],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("web") && err.contains("offline"), "{err}");
}

#[test]
fn dash_f_is_a_values_file_for_chart_template_and_one_platform_file_elsewhere() {
    let root = repo();
    let chart = "crates/helm/tests/render-charts/basic";
    let values = "crates/helm/tests/render-charts/basic.override.yaml";
    let plain = ok(dataplat(&root, &["chart", "template", chart]));
    let with_f = ok(dataplat(&root, &["chart", "template", chart, "-f", values]));
    assert!(plain.contains("tier: web") && !plain.contains("tier: backend"), "{plain}");
    assert!(with_f.contains("tier: backend"), "-f applies as a values file: {with_f}");
    // --values comes after -f: the later file wins, as with Helm's repeated -f.
    let overrides = tempfile::NamedTempFile::new().expect("tempfile");
    std::fs::write(overrides.path(), "labels:\n  tier: api\n").expect("write");
    let both = ok(dataplat(
        &root,
        &["chart", "template", chart, "-f", values, "--values", overrides.path().to_str().unwrap()],
    ));
    assert!(both.contains("tier: api") && !both.contains("tier: backend"), "{both}");
    // DATAPLAT_FILE names the platform file, never a values file.
    let env = ok(dataplat_env(&root, &["chart", "template", chart], &[("DATAPLAT_FILE", values)]));
    assert_eq!(env, plain);
    // Any other command takes one platform file.
    let output = dataplat(&root, &["validate", "-f", "a.yaml", "-f", "b.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("-f given 2 times"), "{}", stderr(&output));
}
