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

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::serde_json::json;
use dataplat_sdk::*;
use serde::Deserialize;

const REPOSITORY: &str = "https://prometheus-community.github.io/helm-charts";
const CHART: &str = "kube-prometheus-stack";
const CHART_VERSION: &str = "88.5.3";
/// The chart's `fullnameOverride`; every name below is derived from it.
const FULLNAME: &str = "prometheus";
/// Service, service account and StatefulSet of Prometheus (see the module doc).
const PROMETHEUS_OBJECTS: &str = "prometheus-prometheus";
const GRAFANA_FULLNAME: &str = "prometheus-grafana";
/// Secret (keys `admin-user`, `admin-password`) holding Grafana's admin login.
const GRAFANA_ADMIN_SECRET: &str = "grafana-admin";
const AMP_FLAG: &str = "enable_amazon_prometheus";
const AMP_GRANT: &str = "amp-remote-write";

/// The `prometheus:` block of platform.yaml.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Namespace the monitoring stack is installed into.
    pub namespace: String,
    /// Version of the `kube-prometheus-stack` chart from
    /// https://prometheus-community.github.io/helm-charts.
    pub chart_version: String,
    /// Free-form Helm values, deep-merged over the values this plugin sets: objects merge key
    /// by key, arrays and scalars replace, `null` deletes a key. `fullnameOverride`,
    /// `cleanPrometheusOperatorObjectNames`, `grafana.fullnameOverride` and
    /// `prometheus.serviceAccount.name` are fixed: endpoints and IAM depend on them.
    #[schemars(extend("type" = "object"))]
    pub values: serde_json::Value,
    /// How long Prometheus keeps samples, in days.
    #[schemars(range(min = 1, max = 3650))]
    pub retention_days: u32,
    /// Size of Prometheus' gp3 volume in GiB; samples are also dropped once 90 % of it is used.
    #[schemars(range(min = 10, max = 16384))]
    pub storage_gib: u32,
    /// Default scrape (and rule evaluation) interval, in seconds.
    #[schemars(range(min = 5, max = 300))]
    pub scrape_interval_seconds: u32,
    /// Install Grafana with Prometheus as its data source.
    pub grafana: bool,
    /// An existing Amazon Managed Service for Prometheus workspace id (`ws-…`) to remote-write
    /// to when `enable_amazon_prometheus` is on. Unset: `up` creates the platform's own workspace
    /// (tagged, kept by `down --keep-data`).
    pub amp_workspace_id: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "monitoring".into(),
            chart_version: CHART_VERSION.into(),
            values: json!({}),
            retention_days: 15,
            storage_gib: 50,
            scrape_interval_seconds: 30,
            grafana: true,
            amp_workspace_id: None,
        }
    }
}

/// AMP workspace ids: 1 to 64 of `[0-9A-Za-z._-]`, starting with a letter or digit.
fn is_workspace_id(id: &str) -> bool {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    id.len() <= 64 && id.starts_with(|c: char| c.is_ascii_alphanumeric()) && id.chars().all(valid_char)
}

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
        let mut problems = check_chart_settings(&config.namespace, &config.chart_version, &config.values);
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
        let chart = ChartRef::with_overrides(REPOSITORY, CHART, &config.chart_version, defaults, &config.values);
        let mut release = Release::of_chart("prometheus", ns, chart)
            .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), &format!("{FULLNAME}-operator")))
            .health(HealthCheck::ready(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                "servicemonitors.monitoring.coreos.com",
            ))
            .health(
                HealthCheck::ready("monitoring.coreos.com/v1", "Prometheus", Some(ns), FULLNAME)
                    .condition("{.status.conditions[?(@.type=='Available')].status}", "True")
                    .timeout(600),
            )
            .health(HealthCheck::ready("apps/v1", "StatefulSet", Some(ns), PROMETHEUS_OBJECTS).timeout(600));
        let mut plan = AddonPlan::new().endpoint(Endpoint::new(
            "prometheus",
            "prometheus-query",
            format!("http://{PROMETHEUS_OBJECTS}.{ns}.svc:9090"),
            "Prometheus HTTP API (PromQL queries), e.g. for KEDA prometheus triggers",
        ));
        if config.grafana {
            release = release.health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), GRAFANA_FULLNAME));
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

export_addon!(Prometheus);

#[cfg(test)]
mod tests {
    use super::*;
    use dataplat_sdk::testing::*;

    fn plain() -> PlatformFacts {
        facts(&["enable_prometheus"], &["prometheus"])
    }

    fn with_amp() -> PlatformFacts {
        facts(&["enable_prometheus", "enable_amazon_prometheus"], &["prometheus"])
    }

    #[test]
    fn defaults_plan_the_stack_with_exact_names() {
        let plan = plan_ok::<Prometheus>(&json!({}), &plain());
        let release = release(&plan, "prometheus");
        assert_eq!(release.namespace, "monitoring");
        assert_chart(release, "https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "88.5.3");
        let v = values(release);
        assert_eq!(v["fullnameOverride"], "prometheus");
        assert_eq!(v["cleanPrometheusOperatorObjectNames"], true);
        assert_eq!(v.pointer("/alertmanager/enabled"), Some(&json!(false)));
        assert_eq!(v.pointer("/grafana/enabled"), Some(&json!(true)));
        let spec = &v["prometheus"]["prometheusSpec"];
        assert_eq!(spec["retention"], "15d");
        assert_eq!(spec["retentionSize"], "45GB");
        assert_eq!(spec["scrapeInterval"], "30s");
        for selector in ["serviceMonitor", "podMonitor", "rule", "probe"] {
            assert_eq!(spec[format!("{selector}SelectorNilUsesHelmValues")], false, "{selector}");
        }
        let pvc = &spec["storageSpec"]["volumeClaimTemplate"]["spec"];
        assert_eq!(pvc["storageClassName"], "gp3");
        assert_eq!(pvc.pointer("/resources/requests/storage"), Some(&json!("50Gi")));
        assert!(spec.get("remoteWrite").is_none());
        let core = json!({"dataplat.io/pool": "core"});
        for path in [
            "/prometheusOperator/nodeSelector",
            "/prometheus/prometheusSpec/nodeSelector",
            "/grafana/nodeSelector",
            "/kube-state-metrics/nodeSelector",
        ] {
            assert_eq!(v.pointer(path), Some(&core), "{path}");
        }
        assert_eq!(v.pointer("/grafana/admin/existingSecret"), Some(&json!("grafana-admin")));
        let secret = plan.secrets.iter().find(|s| s.name == "grafana-admin").expect("declared secret");
        assert_eq!(secret.namespace, "monitoring");
        assert_eq!(secret.random_keys, ["admin-password"]);
        assert_eq!(secret.fixed, [("admin-user".to_string(), "admin".to_string())]);
        object(release, "Namespace", "monitoring");
        let checks = health_checks(release);
        assert!(checks.contains(&("Deployment", "prometheus-operator")));
        assert!(checks.contains(&("StatefulSet", "prometheus-prometheus")));
        assert!(checks.contains(&("Deployment", "prometheus-grafana")));
        let cr = release.health_checks.iter().find(|h| h.kind == "Prometheus").expect("Prometheus CR");
        assert_eq!(cr.name, "prometheus");
        assert_eq!(cr.expected.as_deref(), Some("True"));
        let endpoints = endpoints(&plan);
        assert_eq!(
            endpoints,
            [
                ("prometheus-query", "http://prometheus-prometheus.monitoring.svc:9090"),
                ("grafana", "http://prometheus-grafana.monitoring.svc:80")
            ]
        );
        assert!(plan.grants.is_empty() && plan.pod_identities.is_empty());
    }

    #[test]
    fn overrides_and_values_merge() {
        let config = json!({
            "namespace": "observability",
            "retention_days": 30,
            "storage_gib": 200,
            "scrape_interval_seconds": 15,
            "grafana": false,
            "values": { "prometheus": { "prometheusSpec": { "replicas": 2 } }, "alertmanager": { "enabled": true } }
        });
        let plan = plan_ok::<Prometheus>(&config, &plain());
        let release = release(&plan, "prometheus");
        let v = values(release);
        let spec = &v["prometheus"]["prometheusSpec"];
        assert_eq!((spec["retention"].as_str(), spec["scrapeInterval"].as_str()), (Some("30d"), Some("15s")));
        assert_eq!(spec["retentionSize"], "180GB");
        assert_eq!(spec["replicas"], 2);
        assert_eq!(
            spec.pointer("/storageSpec/volumeClaimTemplate/spec/resources/requests/storage"),
            Some(&json!("200Gi"))
        );
        assert_eq!(v.pointer("/alertmanager/enabled"), Some(&json!(true)));
        assert_eq!(v.pointer("/grafana/enabled"), Some(&json!(false)));
        assert!(!release.health_checks.iter().any(|h| h.name == "prometheus-grafana"));
        object(release, "Namespace", "observability");
        assert_eq!(plan.endpoints.len(), 1);
        assert_eq!(plan.endpoints[0].url, "http://prometheus-prometheus.observability.svc:9090");
    }

    #[test]
    fn amazon_prometheus_wires_grant_pod_identity_and_remote_write() {
        let config = json!({ "amp_workspace_id": "ws-1234abcd-5678-90ef-abcd-1234567890ab" });
        let plan = plan_ok::<Prometheus>(&config, &with_amp());
        assert_eq!(plan.grants.len(), 1);
        let grant = &plan.grants[0];
        assert_eq!(grant.id, "amp-remote-write");
        assert_eq!(grant.statements[0].actions, ["aps:RemoteWrite"]);
        assert_eq!(
            grant.statements[0].resources,
            [Resource::Arn(
                "arn:${partition}:aps:${region}:${account}:workspace/ws-1234abcd-5678-90ef-abcd-1234567890ab".into()
            )]
        );
        assert_eq!(plan.pod_identities.len(), 1);
        let identity = &plan.pod_identities[0];
        assert_eq!(
            (identity.namespace.as_str(), identity.service_account.as_str(), identity.grant.as_str()),
            ("monitoring", "prometheus-prometheus", "amp-remote-write")
        );
        let v = values(release(&plan, "prometheus"));
        assert_eq!(v.pointer("/prometheus/serviceAccount/name"), Some(&json!("prometheus-prometheus")));
        let remote = &v["prometheus"]["prometheusSpec"]["remoteWrite"];
        assert_eq!(
            remote[0]["url"],
            "https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1234abcd-5678-90ef-abcd-1234567890ab/api/v1/remote_write"
        );
        assert_eq!(remote[0]["sigv4"]["region"], "us-west-2");
        assert!(plan.notes.iter().any(|n| n.topic == "amazon-prometheus"));
    }

    #[test]
    fn without_a_workspace_id_the_platforms_own_workspace_is_referred_to() {
        assert!(errors::<Prometheus>(&json!({}), &with_amp()).is_empty(), "the flag alone is valid");
        let plan = plan_ok::<Prometheus>(&json!({}), &with_amp());
        assert_eq!(
            plan.grants[0].statements[0].resources,
            [Resource::Arn("arn:${partition}:aps:${region}:${account}:workspace/${amp_workspace_id}".into())]
        );
        let v = values(release(&plan, "prometheus"));
        assert_eq!(
            v["prometheus"]["prometheusSpec"]["remoteWrite"][0]["url"],
            format!("https://aps-workspaces.us-west-2.amazonaws.com/workspaces/{AMP_WORKSPACE_ID}/api/v1/remote_write")
        );
        let note = plan.notes.iter().find(|n| n.topic == "amazon-prometheus").expect("note");
        assert!(note.text.contains("which `up` creates"), "{}", note.text);
        // Without the flag, nothing refers to a workspace.
        let plain = serde_json::to_string(&plan_ok::<Prometheus>(&json!({}), &plain())).unwrap();
        assert!(!plain.contains(AMP_WORKSPACE_ID));
    }

    #[test]
    fn validation_errors() {
        let e = error_at::<Prometheus>(&json!({"amp_workspace_id": "ws/../x"}), &with_amp(), "amp_workspace_id");
        assert!(e.message.contains("not an AMP workspace id"));
        let f = plain();
        let e = error_at::<Prometheus>(&json!({"retention_days": 0}), &f, "retention_days");
        assert_eq!(e.message, "0 is out of range: must be 1 to 3650");
        let e = error_at::<Prometheus>(&json!({"storage_gib": 5}), &f, "storage_gib");
        assert!(e.message.contains("10 to 16384"));
        let e = error_at::<Prometheus>(&json!({"scrape_interval_seconds": 301}), &f, "scrape_interval_seconds");
        assert!(e.message.contains("5 to 300"));
        let e = error_at::<Prometheus>(&json!({"values": {"fullnameOverride": "kps"}}), &f, "values.fullnameOverride");
        assert!(e.message.contains("cannot be overridden"));
        error_at::<Prometheus>(
            &json!({"values": {"prometheus": {"serviceAccount": {"name": "x"}}}}),
            &f,
            "values.prometheus.serviceAccount.name",
        );
        error_at::<Prometheus>(&json!({"values": []}), &f, "values");
        // A workspace id without the feature flag is only a warning.
        let diagnostics = dataplat_sdk::runtime::validate::<Prometheus>(r#"{"amp_workspace_id":"ws-1"}"#, &f);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].severity, Severity::Warning);
        assert!(errors::<Prometheus>(&json!({}), &f).is_empty());
    }

    #[test]
    fn info_describes_the_addon() {
        assert_info::<Prometheus>(
            "prometheus",
            &[("enable_prometheus", true), ("enable_amazon_prometheus", false)],
            &[],
            &[
                "namespace",
                "chart_version",
                "values",
                "retention_days",
                "storage_gib",
                "scrape_interval_seconds",
                "grafana",
                "amp_workspace_id",
            ],
        );
    }

    #[test]
    fn plans_are_deterministic() {
        assert_deterministic::<Prometheus>(&json!({"amp_workspace_id": "ws-1"}), &with_amp());
    }
}
