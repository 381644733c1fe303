//! `enable_jupyterhub_spark`: notebooks run Spark under a Spark team's identity, through the
//! team's Spark Connect server. The spark_operator addon (with `enable_spark_connect`) runs one
//! per team, as the team's service account `spark` (its RBAC and Pod Identity role), and
//! publishes it as endpoint `connect-<team>` (`sc://<service>.<team>.svc.cluster.local:15002`).
//!
//! Each team gets a notebook profile whose image has PySpark 4.0 with the Connect client, and
//! `SPARK_REMOTE` set to the team's server, so `SparkSession.builder.getOrCreate()` is a session
//! on it: the driver and executors run in the team's namespace under its service account, and
//! the notebook needs no Kubernetes or AWS permission of its own. The first team's profile is the
//! default. The notebooks' NetworkPolicy gets egress to each server's port.

use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::*;

/// The feature flag.
pub const FLAG: &str = "enable_jupyterhub_spark";
/// The addon that runs the Spark Connect servers, and its endpoints' name prefix.
const SPARK_OPERATOR: &str = "spark_operator";
const ENDPOINT_PREFIX: &str = "connect-";

/// A team's Spark Connect server, from the spark_operator addon's endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct SparkTeam {
    pub team: String,
    pub url: String,
    port: u16,
}

/// The teams' servers, in the order spark_operator publishes them, or an error naming what is
/// missing.
pub fn teams(facts: &PlatformFacts) -> Result<Vec<SparkTeam>, Diagnostic> {
    let mut teams = Vec::new();
    for endpoint in facts.endpoints.iter().filter(|e| e.addon == SPARK_OPERATOR) {
        let Some(team) = endpoint.name.strip_prefix(ENDPOINT_PREFIX) else { continue };
        let port = endpoint
            .url
            .strip_prefix("sc://")
            .and_then(|rest| rest.rsplit_once(':'))
            .and_then(|(_, port)| port.split('/').next()?.parse().ok());
        let Some(port) = port else {
            return Err(Diagnostic::error(
                "",
                format!("the spark_operator endpoint {} is not an sc://host:port URL: {}", endpoint.name, endpoint.url),
            ));
        };
        teams.push(SparkTeam { team: team.to_string(), url: endpoint.url.clone(), port });
    }
    if teams.is_empty() {
        return Err(Diagnostic::error(
            "",
            format!("{FLAG} needs the Spark teams' Spark Connect servers, which the plan does not have"),
        )
        .hint(format!("enable_spark_operator: true and enable_spark_connect: true, or {FLAG}: false")));
    }
    Ok(teams)
}

/// One profile per team (the first the default), on `image`, with `SPARK_REMOTE`; `resources`
/// are the default profile's `kubespawner_override` keys (guarantees and limits).
pub fn profiles(teams: &[SparkTeam], image: &str, resources: &Value) -> Vec<Value> {
    teams
        .iter()
        .enumerate()
        .map(|(i, team)| {
            let mut overrides = resources.clone();
            overrides["image"] = json!(image);
            // KubeSpawner merges this dict with singleuser.extraEnv (the Trino connection stays).
            overrides["environment"] = json!({ "SPARK_REMOTE": team.url });
            json!({
                "display_name": format!("Spark: {}", team.team),
                "description": format!(
                    "PySpark on team {}'s Spark Connect server: jobs run as the team's service account, with its \
                     data bucket and Glue access",
                    team.team
                ),
                "default": i == 0,
                "kubespawner_override": overrides,
            })
        })
        .collect()
}

/// NetworkPolicy egress rules from notebooks to each team's server (its pod, its port).
pub fn egress_rules(teams: &[SparkTeam]) -> Vec<Value> {
    teams
        .iter()
        .map(|team| {
            json!({
                "to": [{
                    "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": team.team } },
                    "podSelector": { "matchLabels": { "spark-role": "connect-server" } },
                }],
                "ports": [{ "protocol": "TCP", "port": team.port }],
            })
        })
        .collect()
}

pub fn note(teams: &[SparkTeam], image: &str) -> String {
    format!(
        "notebook profiles {} run {image} with SPARK_REMOTE set to the team's Spark Connect server ({}), so \
         SparkSession.builder.getOrCreate() runs on it, as the team's service account; Python UDFs need the same \
         Python minor version in the notebook image and in the executors' image (spark_operator.image)",
        teams.iter().map(|t| format!("\"Spark: {}\"", t.team)).collect::<Vec<_>>().join(", "),
        teams.iter().map(|t| t.url.as_str()).collect::<Vec<_>>().join(", ")
    )
}
