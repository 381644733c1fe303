//! yunikorn: the built-in addon that installs Apache YuniKorn, a batch scheduler with
//! hierarchical queues and gang scheduling, used by the Spark operator when both are enabled.
//!
//! The default queue configuration (ConfigMap `yunikorn-defaults`, key `queues.yaml`) is one
//! partition whose `root` queue has two children: `default`, a leaf for everything else, and
//! `spark`, the parent of the Spark teams' queues (FIFO inside each). With spark_operator on,
//! each of its teams has a static queue `root.spark.<team>` whose maximum is the team's quota:
//! spark_operator publishes them (endpoints `queue-<team>`,
//! `yunikorn://root.spark.<team>?vcore=N&memory=NGi`), and this addon is planned after it (a
//! dependency that applies when `enable_spark_operator` is on). Placement, in order:
//! 1. `provided`: an application naming an existing queue (label `queue` or annotation
//!    `yunikorn.apache.org/queue`) goes there;
//! 2. `tag namespace` under the parent its namespace names (annotation
//!    `yunikorn.apache.org/parentqueue`): a Spark team's namespace, which spark_operator annotates
//!    with parent `root.spark`, is placed in `root.spark.<team>`, the static queue (or one created
//!    on first use with the namespace's `yunikorn.apache.org/namespace.quota`, when the queue
//!    layout is replaced by the user's);
//! 3. `fixed root.default`.
//!
//! `root.default` has no limit: capacity comes from Karpenter.

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

/// The YuniKorn addon.
pub struct Yunikorn;

impl Addon for Yunikorn {
    type Config = Config;
    const NAME: &'static str = "yunikorn";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Apache YuniKorn: batch scheduler with queues and gang scheduling";

    fn flags() -> Vec<Flag> {
        vec![Flag::addon("enable_yunikorn", "Install the Apache YuniKorn scheduler")]
    }

    fn dependencies() -> Vec<Dependency> {
        // Applies only when spark_operator is on anyway: it orders planning, so the teams'
        // queues spark_operator publishes are known here.
        vec![Dependency::when(
            "enable_spark_operator",
            "spark_operator",
            "its teams' queues are listed in the queue layout",
        )]
    }

    fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        if let Err(e) = team_queues(facts) {
            problems.push(e);
        }
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let teams = team_queues(facts).map_err(|e| vec![e])?;
        let ns = config.namespace.as_str();
        let core = core_node_selector();
        let defaults = json!({
            "nodeSelector": core,
            "service": { "type": "ClusterIP" },
            "admissionController": { "nodeSelector": core },
            "yunikornDefaults": { "queues.yaml": queues_yaml(&teams) },
        });
        let release = config
            .chart_release("yunikorn", defaults)
            .ready_deployments(["yunikorn-scheduler", "yunikorn-admission-controller"]);
        Ok(AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new(
                "yunikorn",
                "web",
                format!("http://{SERVICE}.{ns}.svc:9889"),
                "YuniKorn web UI (queues, applications, nodes)",
            ))
            .endpoint(Endpoint::new(
                "yunikorn",
                "metrics",
                format!("http://{SERVICE}.{ns}.svc:9080/ws/v1/metrics"),
                "YuniKorn scheduler metrics in Prometheus format",
            ))
            .note(
                "queues",
                format!(
                    "queues root.default (catch-all, no limit) and root.spark (parent, FIFO){}: an application naming \
                     an existing queue is placed there; one in a namespace annotated yunikorn.apache.org/parentqueue \
                     (the Spark teams') goes to <parent>.<namespace>; others go to root.default",
                    if teams.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " with the Spark teams' queues {}",
                            teams
                                .iter()
                                .map(|q| format!("{} (at most {} vCPU, {})", q.path, q.vcore, q.memory))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ),
            ))
    }
}

/// The Service the chart creates: 9080 REST API and metrics, 9889 web UI.
const SERVICE: &str = "yunikorn-service";

/// A Spark team's queue, published by spark_operator.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamQueue {
    /// `root.spark.<team>`.
    pub path: String,
    pub vcore: u32,
    /// A Kubernetes quantity (`800Gi`).
    pub memory: String,
}

/// The parent of the teams' queues.
const SPARK_PARENT: &str = "root.spark";

/// spark_operator's `queue-<team>` endpoints (`yunikorn://root.spark.<team>?vcore=N&memory=M`).
pub fn team_queues(facts: &PlatformFacts) -> Result<Vec<TeamQueue>, Diagnostic> {
    let mut queues = Vec::new();
    for endpoint in facts.endpoints.iter().filter(|e| e.addon == "spark_operator" && e.name.starts_with("queue-")) {
        let bad = || {
            Diagnostic::error(
                "",
                format!(
                    "spark_operator's endpoint {} is not a queue this addon understands: {}",
                    endpoint.name, endpoint.url
                ),
            )
        };
        let (path, query) = endpoint.url.strip_prefix("yunikorn://").and_then(|r| r.split_once('?')).ok_or_else(bad)?;
        let team = path.strip_prefix(SPARK_PARENT).and_then(|t| t.strip_prefix('.')).ok_or_else(bad)?;
        if !is_dns1123_label(team) {
            return Err(bad());
        }
        let mut vcore = None;
        let mut memory = None;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("vcore", v)) => vcore = v.parse::<u32>().ok(),
                Some(("memory", m)) if m.strip_suffix("Gi").is_some_and(|n| n.parse::<u32>().is_ok()) => {
                    memory = Some(m.to_string())
                }
                _ => return Err(bad()),
            }
        }
        let (Some(vcore), Some(memory)) = (vcore, memory) else { return Err(bad()) };
        queues.push(TeamQueue { path: path.to_string(), vcore, memory });
    }
    Ok(queues)
}

/// The queue configuration (see the module doc), with the teams' static queues under
/// `root.spark`.
pub fn queues_yaml(teams: &[TeamQueue]) -> String {
    let mut yaml = String::from(
        "\
partitions:
  - name: default
    placementrules:
      - name: provided
        create: false
      - name: tag
        value: namespace
        create: true
        parent:
          name: tag
          value: namespace.parentqueue
      - name: fixed
        value: root.default
    queues:
      - name: root
        submitacl: '*'
        queues:
          - name: default
          - name: spark
            parent: true
            properties:
              application.sort.policy: fifo
",
    );
    if !teams.is_empty() {
        yaml.push_str("            queues:\n");
        for team in teams {
            let name = team.path.rsplit('.').next().unwrap_or_default();
            yaml.push_str(&format!(
                "              - name: {name}\n                resources:\n                  max:\n                    \
                 vcore: {}\n                    memory: {}\n",
                team.vcore, team.memory
            ));
        }
    }
    yaml
}

export_addon!(Yunikorn);

chart_config! {
    /// The `yunikorn:` block of platform.yaml.
    pub struct Config: chart "yunikorn" from "https://apache.github.io/yunikorn-release" version "1.7.0" {
        /// Namespace YuniKorn is installed into.
        namespace: "yunikorn-system",
        /// Replace the queue layout with
        /// `values.yunikornDefaults."queues.yaml"`.
        values,
    }
}

#[cfg(test)]
mod tests;
