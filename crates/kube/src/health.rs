//! Whether an object is ready: kind-aware rules (rollouts, Jobs, CRDs, APIServices, PVCs, load
//! balancers) and plugin-declared conditions (a JSONPath and the value expected there).

use serde_json::Value as Json;

use crate::manifest::ObjectRef;

/// What a live object says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Ready,
    /// Not yet; the text says what is missing (`2/3 replicas available`).
    Progressing(String),
    /// Will not get better by waiting (a failed Job).
    Failed(String),
}

/// A declared check: the object, and optionally a JSONPath that must equal `expected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub object: ObjectRef,
    pub json_path: Option<String>,
    pub expected: Option<String>,
    pub timeout_seconds: u64,
}

/// Kinds whose readiness is more than existing.
pub fn has_readiness(api_version: &str, kind: &str) -> bool {
    let group = crate::manifest::group_of(api_version);
    matches!(
        (group, kind),
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet")
            | ("batch", "Job")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("apiregistration.k8s.io", "APIService")
            | ("", "PersistentVolumeClaim" | "Service")
    )
}

/// Kind-aware readiness of a live object. Kinds without a rule are ready once they exist.
pub fn kind_health(object: &Json) -> Health {
    let kind = object["kind"].as_str().unwrap_or_default();
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(0);
    let status = &object["status"];
    let observed = status["observedGeneration"].as_i64().unwrap_or(0);
    let int = |v: &Json| v.as_i64().unwrap_or(0);
    let stale = || Health::Progressing(format!("the controller has not seen generation {generation} yet"));
    match kind {
        "Deployment" => {
            if observed < generation {
                return stale();
            }
            if condition(status, "Progressing").is_some_and(|(s, r)| s == "False" && r == "ProgressDeadlineExceeded") {
                return Health::Failed("progress deadline exceeded".into());
            }
            let want = object["spec"]["replicas"].as_i64().unwrap_or(1);
            let (updated, available, total) =
                (int(&status["updatedReplicas"]), int(&status["availableReplicas"]), int(&status["replicas"]));
            if updated < want {
                Health::Progressing(format!("{updated}/{want} replicas updated"))
            } else if total > updated {
                Health::Progressing(format!("{} old replica(s) pending termination", total - updated))
            } else if available < want {
                Health::Progressing(format!("{available}/{want} replicas available"))
            } else {
                Health::Ready
            }
        }
        "StatefulSet" => {
            if observed < generation {
                return stale();
            }
            let want = object["spec"]["replicas"].as_i64().unwrap_or(1);
            let ready = int(&status["readyReplicas"]);
            let rolling =
                object["spec"]["updateStrategy"]["type"].as_str().unwrap_or("RollingUpdate") == "RollingUpdate";
            if ready < want {
                Health::Progressing(format!("{ready}/{want} replicas ready"))
            } else if rolling
                && status["updateRevision"] != status["currentRevision"]
                && !status["updateRevision"].is_null()
            {
                Health::Progressing(format!(
                    "rolling out revision {}",
                    status["updateRevision"].as_str().unwrap_or("?")
                ))
            } else {
                Health::Ready
            }
        }
        "DaemonSet" => {
            if observed < generation {
                return stale();
            }
            let desired = int(&status["desiredNumberScheduled"]);
            let (updated, available) = (int(&status["updatedNumberScheduled"]), int(&status["numberAvailable"]));
            if updated < desired {
                Health::Progressing(format!("{updated}/{desired} pods updated"))
            } else if available < desired {
                Health::Progressing(format!("{available}/{desired} pods available"))
            } else {
                Health::Ready
            }
        }
        "Job" => {
            if condition(status, "Complete").is_some_and(|(s, _)| s == "True") {
                Health::Ready
            } else if let Some((s, reason)) = condition(status, "Failed")
                && s == "True"
            {
                Health::Failed(format!("job failed: {reason}"))
            } else {
                let (active, succeeded) = (int(&status["active"]), int(&status["succeeded"]));
                Health::Progressing(format!("{active} active, {succeeded} succeeded"))
            }
        }
        "CustomResourceDefinition" => match condition(status, "Established") {
            Some((s, _)) if s == "True" => Health::Ready,
            _ => Health::Progressing("not established yet".into()),
        },
        "APIService" => match condition(status, "Available") {
            Some((s, _)) if s == "True" => Health::Ready,
            Some((_, reason)) => Health::Progressing(format!("not available: {reason}")),
            None => Health::Progressing("not available yet".into()),
        },
        "PersistentVolumeClaim" => match status["phase"].as_str() {
            Some("Bound") => Health::Ready,
            Some("Lost") => Health::Failed("the claim lost its volume".into()),
            phase => Health::Progressing(format!("phase {}", phase.unwrap_or("unknown"))),
        },
        "Service" if object["spec"]["type"].as_str() == Some("LoadBalancer") => {
            if status["loadBalancer"]["ingress"].as_array().is_some_and(|a| !a.is_empty()) {
                Health::Ready
            } else {
                Health::Progressing("no load balancer address yet".into())
            }
        }
        _ => Health::Ready,
    }
}

/// `(status, reason)` of the condition `type` in `status.conditions`.
fn condition(status: &Json, kind: &str) -> Option<(String, String)> {
    status["conditions"].as_array()?.iter().find(|c| c["type"].as_str() == Some(kind)).map(|c| {
        (
            c["status"].as_str().unwrap_or_default().to_string(),
            c["reason"].as_str().or(c["message"].as_str()).unwrap_or_default().to_string(),
        )
    })
}

/// A declared condition on a live object: the value at `json_path` equals `expected`.
pub fn check_condition(object: &Json, json_path: &str, expected: &str) -> Health {
    match json_path_get(object, json_path) {
        Ok(values) if values.iter().any(|v| scalar_text(v) == expected) => Health::Ready,
        Ok(values) if values.is_empty() => Health::Progressing(format!("{json_path} not set (want {expected:?})")),
        Ok(values) => {
            let seen: Vec<String> = values.iter().map(|v| scalar_text(v)).collect();
            Health::Progressing(format!("{json_path} is {:?} (want {expected:?})", seen.join(",")))
        }
        Err(e) => Health::Failed(format!("bad JSONPath {json_path:?}: {e}")),
    }
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The values a kubectl-style JSONPath selects: `.a.b`, `{.a.b}`, `.items[0]`, `.a[*].b`,
/// `.conditions[?(@.type=="Ready")].status`, and `['key.with.dots']`.
pub fn json_path_get<'a>(root: &'a Json, path: &str) -> Result<Vec<&'a Json>, String> {
    let path = path.trim();
    let path = path.strip_prefix('{').and_then(|p| p.strip_suffix('}')).unwrap_or(path);
    let path = path.strip_prefix('$').unwrap_or(path);
    let mut current: Vec<&Json> = vec![root];
    let chars: Vec<char> = path.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && chars[end] != '.' && chars[end] != '[' {
                    end += 1;
                }
                let key: String = chars[start..end].iter().collect();
                if key.is_empty() {
                    return Err(format!("empty field name at {start}"));
                }
                current = current.into_iter().filter_map(|v| v.get(&key)).collect();
                i = end;
            }
            '[' => {
                let close = find_close(&chars, i).ok_or_else(|| format!("unclosed [ at {i}"))?;
                let inner: String = chars[i + 1..close].iter().collect();
                current = select(current, inner.trim())?;
                i = close + 1;
            }
            c => return Err(format!("unexpected {c:?} at {i}")),
        }
    }
    Ok(current)
}

fn find_close(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (j, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

fn select<'a>(current: Vec<&'a Json>, inner: &str) -> Result<Vec<&'a Json>, String> {
    if inner == "*" {
        return Ok(current
            .into_iter()
            .flat_map(|v| match v {
                Json::Array(a) => a.iter().collect::<Vec<_>>(),
                Json::Object(m) => m.values().collect(),
                _ => Vec::new(),
            })
            .collect());
    }
    if let Some(key) = inner.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')) {
        return Ok(current.into_iter().filter_map(|v| v.get(key)).collect());
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        let (lhs, rhs) = filter.split_once("==").ok_or_else(|| format!("only == filters are supported: {filter}"))?;
        let field = lhs.trim().strip_prefix('@').ok_or_else(|| format!("a filter starts with @: {filter}"))?;
        let want = rhs.trim().trim_matches(|c| c == '"' || c == '\'');
        let mut out = Vec::new();
        for v in current {
            for item in v.as_array().into_iter().flatten() {
                if json_path_get(item, field)?.iter().any(|x| scalar_text(x) == want) {
                    out.push(item);
                }
            }
        }
        return Ok(out);
    }
    let index: i64 = inner.parse().map_err(|_| format!("unsupported selector [{inner}]"))?;
    Ok(current
        .into_iter()
        .filter_map(|v| {
            let a = v.as_array()?;
            let i = if index < 0 { a.len() as i64 + index } else { index };
            a.get(usize::try_from(i).ok()?)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(replicas: i64, status: Json) -> Json {
        json!({"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": replicas}, "status": status})
    }

    #[test]
    fn deployments_roll_out() {
        let stale = deployment(2, json!({"observedGeneration": 1}));
        assert!(matches!(kind_health(&stale), Health::Progressing(m) if m.contains("generation 2")));
        let partial = deployment(
            2,
            json!({"observedGeneration": 2, "updatedReplicas": 2, "replicas": 2, "availableReplicas": 1}),
        );
        assert_eq!(kind_health(&partial), Health::Progressing("1/2 replicas available".into()));
        let ready = deployment(
            2,
            json!({"observedGeneration": 2, "updatedReplicas": 2, "replicas": 2, "availableReplicas": 2}),
        );
        assert_eq!(kind_health(&ready), Health::Ready);
        let zero = deployment(0, json!({"observedGeneration": 2}));
        assert_eq!(kind_health(&zero), Health::Ready);
        let stuck = deployment(
            1,
            json!({"observedGeneration": 2, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
        );
        assert!(matches!(kind_health(&stuck), Health::Failed(_)));
    }

    #[test]
    fn jobs_crds_pvcs_and_load_balancers() {
        let done = json!({"kind": "Job", "status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(kind_health(&done), Health::Ready);
        let failed = json!({"kind": "Job", "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}});
        assert_eq!(kind_health(&failed), Health::Failed("job failed: BackoffLimitExceeded".into()));
        let crd = json!({"kind": "CustomResourceDefinition", "status": {"conditions": [{"type": "Established", "status": "True"}]}});
        assert_eq!(kind_health(&crd), Health::Ready);
        let pvc = json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}});
        assert_eq!(kind_health(&pvc), Health::Progressing("phase Pending".into()));
        let lb = json!({"kind": "Service", "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {}}});
        assert!(matches!(kind_health(&lb), Health::Progressing(_)));
        let cluster_ip = json!({"kind": "Service", "spec": {"type": "ClusterIP"}});
        assert_eq!(kind_health(&cluster_ip), Health::Ready);
    }

    #[test]
    fn json_paths_select_like_kubectl() {
        let o = json!({"status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "False"}, {"type": "Synced", "status": "True"}]},
            "metadata": {"annotations": {"a.b/c": "x"}}, "spec": {"n": 3}});
        assert_eq!(check_condition(&o, "{.status.phase}", "Running"), Health::Ready);
        assert_eq!(check_condition(&o, ".status.conditions[?(@.type==\"Synced\")].status", "True"), Health::Ready);
        assert!(matches!(
            check_condition(&o, ".status.conditions[?(@.type==\"Ready\")].status", "True"),
            Health::Progressing(m) if m.contains("\"False\"")
        ));
        assert_eq!(check_condition(&o, ".metadata.annotations['a.b/c']", "x"), Health::Ready);
        assert_eq!(check_condition(&o, ".spec.n", "3"), Health::Ready);
        assert_eq!(check_condition(&o, ".status.conditions[-1].type", "Synced"), Health::Ready);
        assert_eq!(json_path_get(&o, ".status.conditions[*].type").unwrap().len(), 2);
        assert!(matches!(check_condition(&o, ".status.missing", "x"), Health::Progressing(_)));
        assert!(matches!(check_condition(&o, ".status[", "x"), Health::Failed(_)));
    }
}
