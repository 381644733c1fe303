//! `kubectl dataplat trino simulate` and `trino trace`: the real binary on the shipped traces.

mod common;

use common::{dataplat, ok, repo, stderr};

#[test]
fn simulate_compares_reference_and_dataplat_as_json() {
    let root = repo();
    let out = ok(dataplat(&root, &["trino", "simulate", "--trace", "examples/trino-traces/bursty.csv", "-o", "json"]));
    let value: serde_json::Value = serde_json::from_str(&out).expect("json");
    let policies = value["policies"].as_array().expect("policies");
    let names: Vec<&str> = policies.iter().map(|p| p["policy"].as_str().expect("name")).collect();
    assert_eq!(names, vec!["reference", "dataplat"]);
    let queries = value["queries"].as_u64().expect("queries");
    assert!(queries > 100);
    for p in policies {
        assert_eq!(p["queries"].as_u64(), Some(queries));
        assert_eq!(
            p["completed"].as_u64().expect("completed") + p["failed"].as_u64().expect("failed"),
            queries,
            "every query completes or fails: {p}"
        );
        assert!(p["worker_node_hours"].as_f64().expect("node-hours") > 0.0);
        assert!(p["settings"]["replicas"].is_string());
    }
    // The dataplat policy is what the Trino plugin renders: a graceful drain (preStop).
    let dataplat = &policies[1];
    assert!(dataplat["settings"]["worker drain"].as_str().expect("drain").starts_with("graceful"), "{dataplat}");
    assert!(policies[0]["settings"]["worker drain"].as_str().expect("drain").starts_with("killed"));
}

/// Issue 3's bar on the bursty trace, for the policy the bundled platform.yaml renders (scale to
/// zero): at least 30 % fewer worker node-hours than the reference, a p95 queue wait no higher,
/// and no failed query; on several seeds (node start delays), not one lucky draw.
#[test]
fn on_the_bursty_trace_dataplat_saves_node_hours_without_longer_waits() {
    let root = repo();
    for seed in ["1", "2", "3"] {
        let out = ok(dataplat(
            &root,
            &["trino", "simulate", "--trace", "examples/trino-traces/bursty.csv", "--seed", seed, "-o", "json"],
        ));
        let value: serde_json::Value = serde_json::from_str(&out).expect("json");
        let [reference, ours] = [&value["policies"][0], &value["policies"][1]];
        assert_eq!((reference["policy"].as_str(), ours["policy"].as_str()), (Some("reference"), Some("dataplat")));
        let hours = |p: &serde_json::Value| p["worker_node_hours"].as_f64().expect("node-hours");
        let p95 = |p: &serde_json::Value| p["queue_wait_s"]["p95"].as_f64().expect("p95");
        assert!(hours(ours) <= 0.7 * hours(reference), "seed {seed}: {} vs {}", hours(ours), hours(reference));
        assert!(p95(ours) <= p95(reference), "seed {seed}: p95 {} vs {}", p95(ours), p95(reference));
        assert_eq!(ours["failed"].as_u64(), Some(0), "seed {seed}: {ours}");
    }
}

#[test]
fn simulate_table_yaml_and_a_policy_file() {
    let root = repo();
    let table = ok(dataplat(
        &root,
        &["trino", "simulate", "--trace", "examples/trino-traces/steady.csv", "--policy", "reference", "--timing"],
    ));
    assert!(table.contains("queue wait p95 (s)") && table.contains("reference"), "{table}");
    assert!(!table.contains("dataplat"), "only the policies asked for");

    // A policy file: the reference's objects with a scale-to-zero ScaledObject.
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("zero.yaml");
    let yaml = dataplat_simulate::REFERENCE_POLICY_YAML
        .replace("  minReplicaCount: 1\n", "  minReplicaCount: 1\n  idleReplicaCount: 0\n")
        .replace(
            "  triggers:\n",
            "  triggers:\n    - type: prometheus\n      metricType: Value\n      metadata:\n        query: \
             sum(trino_execution_name_ClusterSizeMonitor_RequiredWorkers)\n        threshold: \"1\"\n",
        );
    std::fs::write(&file, yaml).expect("write");
    let file_arg = file.to_string_lossy().to_string();
    let out = ok(dataplat(
        &root,
        &[
            "trino",
            "simulate",
            "--trace",
            "examples/trino-traces/steady.csv",
            "--policy",
            "reference",
            "--policy",
            &file_arg,
            "-o",
            "yaml",
        ],
    ));
    let value: serde_json::Value = serde_saphyr::from_str(&out).expect("yaml");
    let policies = value["policies"].as_array().expect("policies");
    assert_eq!(policies[1]["policy"].as_str(), Some("zero"));
    assert_eq!(policies[1]["settings"]["replicas"].as_str(), Some("min 1 max 10 idle 0"));
}

#[test]
fn bad_inputs_are_usage_errors_with_location_and_hint() {
    let root = repo();
    let dir = tempfile::tempdir().expect("tmp");
    let trace = dir.path().join("bad.csv");
    std::fs::write(&trace, "submit_s,duration_s,workers\n1,60,1\n2,sixty,1\n").expect("write");
    let trace_arg = trace.to_string_lossy().to_string();
    let output = dataplat(&root, &["trino", "simulate", "--trace", &trace_arg, "--policy", "reference"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("bad.csv:3: column duration_s"), "{err}");
    assert!(err.contains("hint:"), "{err}");

    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").expect("write");
    let policy_arg = policy.to_string_lossy().to_string();
    let output =
        dataplat(&root, &["trino", "simulate", "--trace", "examples/trino-traces/steady.csv", "--policy", &policy_arg]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no KEDA ScaledObject"), "{}", stderr(&output));

    let output = dataplat(
        &root,
        &["trino", "simulate", "--trace", "examples/trino-traces/steady.csv", "--prometheus-outage", "soon"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("START:SECONDS"), "{}", stderr(&output));
}

#[test]
fn dataplat_policy_switches_keda_on_in_memory_when_the_file_leaves_it_off() {
    let root = repo();
    let dir = tempfile::tempdir().expect("tmp");
    let platform = std::fs::read_to_string(root.join("platform.yaml")).expect("platform.yaml");
    let off = platform
        .replace("enable_keda: true", "enable_keda: false")
        .replace("enable_trino_keda: true", "enable_trino_keda: false");
    let file = dir.path().join("platform.yaml");
    std::fs::write(&file, &off).expect("write");
    let trace = root.join("examples/trino-traces/bursty.csv").to_string_lossy().to_string();
    let output = dataplat(dir.path(), &["trino", "simulate", "--trace", &trace, "--policy", "dataplat", "-o", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("note:") && stderr(&output).contains("enable_keda"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), off, "the platform file is unchanged");
}

#[test]
fn trace_generator_reproduces_the_shipped_files() {
    let root = repo();
    for kind in ["steady", "bursty", "diurnal"] {
        let csv = ok(dataplat(&root, &["trino", "trace", kind, "--hours", "24", "--seed", "1"]));
        let shipped = std::fs::read_to_string(root.join(format!("examples/trino-traces/{kind}.csv"))).expect("shipped");
        assert!(csv == shipped, "{kind}.csv is not what `trino trace {kind} --hours 24 --seed 1` prints");
    }
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("t.csv").to_string_lossy().to_string();
    ok(dataplat(&root, &["trino", "trace", "bursty", "--hours", "2", "--seed", "4", "-o", &out]));
    assert!(
        std::fs::read_to_string(&out).expect("written").starts_with("# horizon_s: 7200\nsubmit_s,duration_s,workers\n")
    );
}
