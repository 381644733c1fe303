//! Policies as Kubernetes objects, built in code for the tests.

#![allow(dead_code)]

use dataplat_simulate::{Policy, Query, REFERENCE_POLICY_YAML, Trace};
use serde_json::{Value, json};

pub fn reference() -> Policy {
    let objects: Vec<Value> = serde_saphyr::from_multiple(REFERENCE_POLICY_YAML).expect("reference.yaml parses");
    Policy::from_objects("reference", &objects).expect("reference policy")
}

/// A prometheus trigger on `metric` (QueuedQueries, RunningQueries or RequiredWorkers).
pub fn trigger(metric: &str, threshold: f64) -> Value {
    json!({
        "type": "prometheus",
        "name": metric.to_lowercase(),
        "metadata": {
            "serverAddress": "http://prometheus-prometheus.monitoring.svc:9090",
            "query": format!("sum(trino_execution_name_QueryManager_{metric}{{job=\"trino\"}})"),
            "threshold": threshold.to_string(),
        },
    })
}

/// The objects of a policy: a ScaledObject with `spec` merged over the basics, the worker
/// Deployment (graceful or not) and the Trino ConfigMaps.
pub struct Build {
    pub spec: Value,
    pub graceful: bool,
    pub termination_grace_s: u32,
    pub coordinator: String,
    pub worker: String,
}

impl Build {
    pub fn new(triggers: Vec<Value>) -> Build {
        Build {
            spec: json!({
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "trino-worker"},
                "minReplicaCount": 1,
                "maxReplicaCount": 10,
                "triggers": triggers,
            }),
            graceful: false,
            termination_grace_s: 30,
            coordinator: "coordinator=true\nretry-policy=TASK\n".into(),
            worker: "coordinator=false\n".into(),
        }
    }
    pub fn set(mut self, key: &str, value: Value) -> Build {
        self.spec[key] = value;
        self
    }
    pub fn graceful(mut self, termination_grace_s: u32) -> Build {
        self.graceful = true;
        self.termination_grace_s = termination_grace_s;
        self
    }
    pub fn coordinator(mut self, properties: &str) -> Build {
        self.coordinator = properties.into();
        self
    }
    pub fn worker(mut self, properties: &str) -> Build {
        self.worker = properties.into();
        self
    }
    pub fn objects(&self) -> Vec<Value> {
        let mut container = json!({"name": "trino-worker", "image": "trinodb/trino"});
        if self.graceful {
            container["lifecycle"] = json!({"preStop": {"exec": {"command": ["sh", "-c",
                "curl -X PUT -d '\"SHUTTING_DOWN\"' -H 'X-Trino-User: admin' http://localhost:8080/v1/info/state"]}}});
        }
        vec![
            json!({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
                   "metadata": {"name": "trino-worker", "namespace": "trino"}, "spec": self.spec}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "trino-worker", "namespace": "trino"},
                   "spec": {"template": {"spec": {
                       "terminationGracePeriodSeconds": self.termination_grace_s,
                       "containers": [container]}}}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "trino-coordinator"},
                   "data": {"config.properties": self.coordinator}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "trino-worker"},
                   "data": {"config.properties": self.worker}}),
        ]
    }
    pub fn policy(&self, name: &str) -> Policy {
        Policy::from_objects(name, &self.objects()).expect("test policy parses")
    }
}

/// A trace from (submit, duration, workers) triples.
pub fn trace(queries: &[(f64, f64, u32)]) -> Trace {
    Trace::new(queries.iter().map(|&(submit_s, duration_s, workers)| Query { submit_s, duration_s, workers }).collect())
}
