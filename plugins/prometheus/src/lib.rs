//! prometheus: the built-in addon that installs kube-prometheus-stack (Prometheus Operator,
//! Prometheus, kube-state-metrics, node-exporter and, by default, Grafana).
//!
//! Object names are pinned by `fullnameOverride: prometheus` and
//! `cleanPrometheusOperatorObjectNames: true`, so the query Service is
//! `prometheus-prometheus.<ns>.svc:9090`, the Prometheus custom resource is `prometheus`, its
//! StatefulSet (named by the operator `prometheus-<cr>`) is `prometheus-prometheus`, and the
//! service account is `prometheus-prometheus`. Other addons find the query URL through the
//! `prometheus-query` endpoint. With `enable_amazon_prometheus` Prometheus also remote-writes to
//! an Amazon Managed Service for Prometheus workspace through EKS Pod Identity: the one given in
//! `amp_workspace_id`, or else the platform's own, which `up` creates ([`AMP_WORKSPACE_ID`]).

use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;

/// The kube-prometheus-stack addon.
pub struct Prometheus;

impl Addon for Prometheus {
    type Config = Config;
    const NAME: &'static str = "prometheus";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Prometheus monitoring (kube-prometheus-stack) with Grafana and optional Amazon Managed Prometheus";

    fn flags() -> Vec<Flag> {
        vec![
            Flag::addon("enable_prometheus", "Install Prometheus (kube-prometheus-stack)"),
            Flag::feature(
                AMP_FLAG,
                "Remote-write Prometheus samples to an Amazon Managed Service for Prometheus workspace",
            ),
        ]
    }

    fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        problems.extend(check_range("retention_days", config.retention_days, 1..=3650));
        problems.extend(check_range("storage_gib", config.storage_gib, 10..=16384));
        problems.extend(check_range("scrape_interval_seconds", config.scrape_interval_seconds, 5..=300));
        problems.extend(check_reserved_values(
            &config.values,
            &[
                "fullnameOverride",
                "cleanPrometheusOperatorObjectNames",
                "grafana.fullnameOverride",
                "prometheus.serviceAccount.name",
            ],
            "the prometheus-query endpoint, health checks and the AMP pod identity are derived from it",
        ));
        let workspace = config.amp_workspace_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
        match (facts.flag(AMP_FLAG), workspace) {
            (true, Some(id)) if !is_workspace_id(id) => {
                problems.push(Diagnostic::error("amp_workspace_id", format!("{id:?} is not an AMP workspace id")).hint(
                    "copy the workspaceId (ws-...) from `aws amp list-workspaces`, or remove amp_workspace_id: \
                         `up` then creates the platform's own workspace",
                ))
            }
            (false, Some(_)) => problems.push(
                Diagnostic::warning("amp_workspace_id", format!("is ignored while {AMP_FLAG} is off"))
                    .hint(format!("set {AMP_FLAG}: true to remote-write to it")),
            ),
            _ => {}
        }
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let core = core_node_selector();
        let interval = format!("{}s", config.scrape_interval_seconds);
        let mut prometheus_spec = json!({
            "retention": format!("{}d", config.retention_days),
            // Leave 10 % head room so a full volume never stops ingestion.
            "retentionSize": format!("{}GB", config.storage_gib * 9 / 10),
            "scrapeInterval": interval,
            "evaluationInterval": interval,
            "nodeSelector": core,
            // Select every ServiceMonitor/PodMonitor/rule/probe/scrape config in the cluster,
            // not only those labelled for this Helm release.
            "serviceMonitorSelectorNilUsesHelmValues": false,
            "podMonitorSelectorNilUsesHelmValues": false,
            "ruleSelectorNilUsesHelmValues": false,
            "probeSelectorNilUsesHelmValues": false,
            "scrapeConfigSelectorNilUsesHelmValues": false,
            "resources": resources("500m", "2Gi", "2", "4Gi"),
            "storageSpec": { "volumeClaimTemplate": { "spec": {
                "storageClassName": "gp3",
                "accessModes": ["ReadWriteOnce"],
                "resources": { "requests": { "storage": format!("{}Gi", config.storage_gib) } },
            }}},
        });
        let amp = facts.flag(AMP_FLAG);
        let given = config.amp_workspace_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
        let workspace = given.unwrap_or(AMP_WORKSPACE_ID);
        if amp {
            prometheus_spec["remoteWrite"] = json!([{
                "url": format!(
                    "https://aps-workspaces.{}.amazonaws.com/workspaces/{workspace}/api/v1/remote_write",
                    facts.region
                ),
                "sigv4": { "region": facts.region },
            }]);
        }
        let defaults = json!({
            "fullnameOverride": FULLNAME,
            "cleanPrometheusOperatorObjectNames": true,
            "alertmanager": { "enabled": false },
            "prometheusOperator": {
                "nodeSelector": core,
                "resources": resources("100m", "128Mi", "500m", "512Mi"),
                "admissionWebhooks": { "patch": { "nodeSelector": core } },
            },
            "kube-state-metrics": { "nodeSelector": core },
            "grafana": {
                "enabled": config.grafana,
                "fullnameOverride": GRAFANA_FULLNAME,
                "nodeSelector": core,
                // No password in values: the login comes from a Secret the host creates.
                "admin": {
                    "existingSecret": GRAFANA_ADMIN_SECRET,
                    "userKey": "admin-user",
                    "passwordKey": "admin-password",
                },
            },
            "prometheus": {
                "serviceAccount": { "create": true, "name": PROMETHEUS_OBJECTS },
                "prometheusSpec": prometheus_spec,
            },
        });
        let mut release = config
            .chart_release("prometheus", defaults)
            .ready_deployments([format!("{FULLNAME}-operator")])
            .crd_ready("servicemonitors.monitoring.coreos.com")
            .health(
                HealthCheck::ready("monitoring.coreos.com/v1", "Prometheus", Some(ns), FULLNAME)
                    .condition("{.status.conditions[?(@.type=='Available')].status}", "True")
                    .timeout(600),
            )
            .health(HealthCheck::stateful_set(ns, PROMETHEUS_OBJECTS).timeout(600));
        let mut plan = AddonPlan::new().endpoint(Endpoint::new(
            "prometheus",
            "prometheus-query",
            format!("http://{PROMETHEUS_OBJECTS}.{ns}.svc:9090"),
            "Prometheus HTTP API (PromQL queries), e.g. for KEDA prometheus triggers",
        ));
        if config.grafana {
            release = release.ready_deployments([GRAFANA_FULLNAME]);
            plan = plan
                .endpoint(Endpoint::new(
                    "prometheus",
                    "grafana",
                    format!("http://{GRAFANA_FULLNAME}.{ns}.svc:80"),
                    "Grafana web UI with Prometheus as data source",
                ))
                .secret(
                    GeneratedSecret::new(ns, GRAFANA_ADMIN_SECRET)
                        .fixed("admin-user", "admin")
                        .random("admin-password"),
                )
                .note(
                    "grafana",
                    format!(
                        "Grafana's admin login is read from Secret {ns}/{GRAFANA_ADMIN_SECRET} (keys admin-user, \
                         admin-password), generated once by the host; no password is in the values"
                    ),
                );
        }
        plan = plan.release(release).note(
            "names",
            format!(
                "fullnameOverride {FULLNAME} + cleanPrometheusOperatorObjectNames: query Service \
                 {PROMETHEUS_OBJECTS}.{ns}.svc:9090, Prometheus CR {FULLNAME}, StatefulSet {PROMETHEUS_OBJECTS}, \
                 service account {PROMETHEUS_OBJECTS}"
            ),
        );
        plan = plan.note(
            "selectors",
            "*SelectorNilUsesHelmValues: false, so every ServiceMonitor, PodMonitor, PrometheusRule, Probe and \
             ScrapeConfig in the cluster is picked up, whatever its labels",
        );
        if amp {
            plan = plan
                .grant(IamGrant::new(AMP_GRANT).allow(
                    "AmpRemoteWrite",
                    &["aps:RemoteWrite"],
                    vec![Resource::Arn(format!(
                        "arn:${{partition}}:aps:${{region}}:${{account}}:workspace/{workspace}"
                    ))],
                ))
                .pod_identity(ns, PROMETHEUS_OBJECTS, AMP_GRANT)
                .note(
                    "amazon-prometheus",
                    format!(
                        "remote write to {} with SigV4 ({}), signed with the role of grant {AMP_GRANT} bound by Pod \
                         Identity to service account {ns}/{PROMETHEUS_OBJECTS}",
                        match given {
                            Some(id) => format!("AMP workspace {id}"),
                            None => "the platform's AMP workspace, which `up` creates".to_owned(),
                        },
                        facts.region
                    ),
                );
        }
        Ok(plan)
    }
}

/// The chart's `fullnameOverride`; every name below is derived from it.
const FULLNAME: &str = "prometheus";
/// Service, service account and StatefulSet of Prometheus (see the module doc).
const PROMETHEUS_OBJECTS: &str = "prometheus-prometheus";
const GRAFANA_FULLNAME: &str = "prometheus-grafana";
/// Secret (keys `admin-user`, `admin-password`) holding Grafana's admin login.
const GRAFANA_ADMIN_SECRET: &str = "grafana-admin";
const AMP_FLAG: &str = "enable_amazon_prometheus";
const AMP_GRANT: &str = "amp-remote-write";

/// AMP workspace ids: 1 to 64 of `[0-9A-Za-z._-]`, starting with a letter or digit.
fn is_workspace_id(id: &str) -> bool {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    id.len() <= 64 && id.starts_with(|c: char| c.is_ascii_alphanumeric()) && id.chars().all(valid_char)
}

export_addon!(Prometheus);

chart_config! {
    /// The `prometheus:` block of platform.yaml.
    pub struct Config: chart "kube-prometheus-stack"
        from "https://prometheus-community.github.io/helm-charts" version "88.5.3" {
        chart_version = "Version of the `kube-prometheus-stack` chart from\n\
                         https://prometheus-community.github.io/helm-charts.",
        /// Namespace the monitoring stack is installed into.
        namespace: "monitoring",
        /// `fullnameOverride`,
        /// `cleanPrometheusOperatorObjectNames`, `grafana.fullnameOverride` and
        /// `prometheus.serviceAccount.name` are fixed: endpoints and IAM depend on them.
        values,
        /// How long Prometheus keeps samples, in days.
        #[schemars(range(min = 1, max = 3650))]
        pub retention_days: u32 = 15,
        /// Size of Prometheus' gp3 volume in GiB; samples are also dropped once 90 % of it is used.
        #[schemars(range(min = 10, max = 16384))]
        pub storage_gib: u32 = 50,
        /// Default scrape (and rule evaluation) interval, in seconds.
        #[schemars(range(min = 5, max = 300))]
        pub scrape_interval_seconds: u32 = 30,
        /// Install Grafana with Prometheus as its data source.
        pub grafana: bool = true,
        /// An existing Amazon Managed Service for Prometheus workspace id (`ws-…`) to remote-write
        /// to when `enable_amazon_prometheus` is on. Unset: `up` creates the platform's own workspace
        /// (tagged, kept by `down --keep-data`).
        pub amp_workspace_id: Option<String> = None,
    }
}

#[cfg(test)]
mod tests;
