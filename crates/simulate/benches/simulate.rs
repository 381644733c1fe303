//! Simulation time of each shipped 24 h trace (86,400 one-second steps) under the reference
//! policy and a scale-to-zero policy shaped like dataplat's.
//!
//! `cargo bench -p dataplat-simulate --bench simulate`

use criterion::{Criterion, criterion_group, criterion_main};
use dataplat_simulate::{Options, Policy, REFERENCE_POLICY_YAML, TraceKind, generate, simulate};
use serde_json::json;

fn zero_policy() -> Policy {
    let trigger = |metric: &str, threshold: &str, metric_type: &str| {
        json!({"type": "prometheus", "metricType": metric_type, "metadata": {
            "query": format!("sum(trino_execution_name_{metric})"), "threshold": threshold,
            "ignoreNullValues": "false"}})
    };
    let objects = vec![
        json!({"kind": "ScaledObject", "metadata": {"name": "trino-worker"}, "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "trino-worker"},
            "minReplicaCount": 1, "idleReplicaCount": 0, "maxReplicaCount": 10,
            "fallback": {"failureThreshold": 3, "replicas": 1},
            "triggers": [trigger("QueryManager_QueuedQueries", "5", "AverageValue"),
                         trigger("QueryManager_RunningQueries", "10", "AverageValue"),
                         trigger("ClusterSizeMonitor_RequiredWorkers", "1", "Value")]}}),
        json!({"kind": "Deployment", "metadata": {"name": "trino-worker"}, "spec": {"template": {"spec": {
            "terminationGracePeriodSeconds": 300,
            "containers": [{"name": "w", "lifecycle": {"preStop": {"exec": {"command": ["SHUTTING_DOWN"]}}}}]}}}}),
    ];
    Policy::from_objects("zero", &objects).expect("policy")
}

fn benches(c: &mut Criterion) {
    let objects: Vec<serde_json::Value> = serde_saphyr::from_multiple(REFERENCE_POLICY_YAML).expect("yaml");
    let reference = Policy::from_objects("reference", &objects).expect("reference");
    let zero = zero_policy();
    let options = Options::default();
    let mut group = c.benchmark_group("simulate 24 h");
    group.sample_size(20);
    for kind in TraceKind::ALL {
        let trace = generate(kind, 24.0, 1);
        for policy in [&reference, &zero] {
            group.bench_function(format!("{} / {}", kind.name(), policy.name), |b| {
                b.iter(|| simulate(&trace, policy, &options).expect("runs"))
            });
        }
    }
    group.finish();
}

criterion_group!(simulate_benches, benches);
criterion_main!(simulate_benches);
