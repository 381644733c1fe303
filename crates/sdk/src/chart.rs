//! The layer for chart-based addons: the config block every one of them has (`namespace`,
//! `chart_version`, `values`, declared with [`chart_config!`](crate::chart_config)), health
//! checks of the workloads and CRDs a chart installs, the "ServiceMonitors when prometheus is
//! on" pattern ([`Monitoring`]), and the common unit tests
//! ([`chart_addon_tests!`](crate::chart_addon_tests)).

use crate::*;

/// The release of the prometheus addon that owns the prometheus-operator CRDs
/// (ServiceMonitor, PodMonitor): a chart that renders monitors must wait for it.
pub const PROMETHEUS_RELEASE: &str = "prometheus/prometheus";

/// The common part of a chart addon's config block, implemented by
/// [`chart_config!`](crate::chart_config): the chart it installs and the user's `namespace`,
/// `chart_version` and free-form `values`.
pub trait ChartSettings {
    /// Helm repository (`https://...`) or OCI registry (`oci://...`) of the chart.
    const REPOSITORY: &'static str;
    /// Name of the chart in the repository.
    const CHART: &'static str;
    /// The chart version installed by default.
    const CHART_VERSION: &'static str;

    /// Namespace the chart is installed into.
    fn namespace(&self) -> &str;
    /// Version of the chart to install.
    fn chart_version(&self) -> &str;
    /// The user's free-form Helm values.
    fn values(&self) -> &serde_json::Value;

    /// [`check_chart_settings`] of the three fields: the start of the addon's `validate`.
    fn check_chart(&self) -> Vec<Diagnostic> {
        check_chart_settings(self.namespace(), self.chart_version(), self.values())
    }

    /// The chart at the configured version, with the user's `values` deep-merged over
    /// `defaults` (see [`ChartRef::with_overrides`]).
    fn chart(&self, defaults: serde_json::Value) -> ChartRef {
        ChartRef::with_overrides(Self::REPOSITORY, Self::CHART, self.chart_version(), defaults, self.values())
    }

    /// The release `name` of [`chart`](Self::chart) in the configured namespace, with its
    /// `v1 Namespace` object (see [`Release::of_chart`]).
    fn chart_release(&self, name: &str, defaults: serde_json::Value) -> Release {
        Release::of_chart(name, self.namespace(), self.chart(defaults))
    }
}

impl HealthCheck {
    /// Readiness (rollout done) of the `apps/v1` Deployment `namespace/name`.
    pub fn deployment(namespace: &str, name: &str) -> HealthCheck {
        HealthCheck::ready("apps/v1", "Deployment", Some(namespace), name)
    }
    /// Readiness (rollout done) of the `apps/v1` StatefulSet `namespace/name`.
    pub fn stateful_set(namespace: &str, name: &str) -> HealthCheck {
        HealthCheck::ready("apps/v1", "StatefulSet", Some(namespace), name)
    }
    /// Readiness (rollout done) of the `apps/v1` DaemonSet `namespace/name`.
    pub fn daemon_set(namespace: &str, name: &str) -> HealthCheck {
        HealthCheck::ready("apps/v1", "DaemonSet", Some(namespace), name)
    }
    /// The CustomResourceDefinition `name` (`plural.group`) is established.
    pub fn crd(name: &str) -> HealthCheck {
        HealthCheck::ready("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, name)
    }
}

impl Release {
    /// A [`HealthCheck::deployment`] in the release's namespace for each name, in order.
    pub fn ready_deployments<N: AsRef<str>>(self, names: impl IntoIterator<Item = N>) -> Self {
        self.ready_each(names, HealthCheck::deployment)
    }
    /// A [`HealthCheck::stateful_set`] in the release's namespace for each name, in order.
    pub fn ready_stateful_sets<N: AsRef<str>>(self, names: impl IntoIterator<Item = N>) -> Self {
        self.ready_each(names, HealthCheck::stateful_set)
    }
    /// A [`HealthCheck::daemon_set`] in the release's namespace for each name, in order.
    pub fn ready_daemon_sets<N: AsRef<str>>(self, names: impl IntoIterator<Item = N>) -> Self {
        self.ready_each(names, HealthCheck::daemon_set)
    }
    /// A [`HealthCheck::crd`]: the CRD `name` (`plural.group`) is established.
    pub fn crd_ready(self, name: &str) -> Self {
        self.health(HealthCheck::crd(name))
    }
    /// A `v1 Namespace` object for each of `names` but the release's own namespace (which
    /// [`Release::of_chart`] creates already): the namespaces an operator watches or runs jobs
    /// in, which charts give RBAC but do not create.
    pub fn namespace_objects<N: AsRef<str>>(mut self, names: impl IntoIterator<Item = N>) -> Self {
        for name in names {
            if name.as_ref() != self.namespace {
                self = self.namespace_object(name.as_ref());
            }
        }
        self
    }
    /// Waits for [`PROMETHEUS_RELEASE`] when `monitoring` is on: the monitors the chart
    /// renders need the prometheus-operator CRDs.
    pub fn monitored_by(self, monitoring: &Monitoring) -> Self {
        self.depends_on_if(monitoring.enabled(), PROMETHEUS_RELEASE)
    }

    fn ready_each<N: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = N>,
        check: fn(&str, &str) -> HealthCheck,
    ) -> Self {
        for name in names {
            let check = check(&self.namespace, name.as_ref());
            self = self.health(check);
        }
        self
    }
}

/// Errors for a list of namespaces an addon creates (see [`Release::namespace_objects`]): an
/// empty list at `path` (with the hint `<path>: [<example>]`), then each element that is not a
/// DNS-1123 label or repeats an earlier one (see [`check_dns1123_labels`]).
pub fn check_namespace_list(path: &str, names: &[String], example: &str) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if names.is_empty() {
        problems.push(Diagnostic::error(path, "must list at least one namespace").hint(format!("{path}: [{example}]")));
    }
    problems.extend(check_dns1123_labels(path, names));
    problems
}

/// Whether the monitors (ServiceMonitors, PodMonitors) of a chart are rendered: only while the
/// prometheus addon is enabled, since their CRDs come with it. Metrics are served either way.
///
/// ```
/// # use dataplat_sdk::*;
/// let facts = testing::facts(&[], &["keda", "prometheus"]);
/// let monitoring = Monitoring::new(&facts, "ServiceMonitor");
/// assert!(monitoring.enabled());
/// assert_eq!(monitoring.note_text(), "ServiceMonitor on because prometheus is enabled");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitoring {
    enabled: bool,
    monitors: String,
    scope: Option<String>,
    served_at: Option<String>,
}

impl Monitoring {
    /// Monitoring by `monitors` (what the chart renders: "ServiceMonitor", "PodMonitor",
    /// "ServiceMonitors"), on when the prometheus addon is enabled.
    pub fn new(facts: &PlatformFacts, monitors: &str) -> Monitoring {
        Monitoring {
            enabled: facts.addon_enabled("prometheus"),
            monitors: monitors.into(),
            scope: None,
            served_at: None,
        }
    }
    /// What the monitors cover, said in the note when they are on ("for the operator").
    pub fn scope(mut self, scope: &str) -> Self {
        self.scope = Some(scope.into());
        self
    }
    /// Where the metrics are served, said in the note when no monitor is ("on :8080/metrics").
    pub fn served_at(mut self, served_at: &str) -> Self {
        self.served_at = Some(served_at.into());
        self
    }
    /// Whether the monitors are rendered (the prometheus addon is enabled).
    pub fn enabled(&self) -> bool {
        self.enabled
    }
    /// The `monitoring` note: "`MONITORS` on `SCOPE` because prometheus is enabled", or
    /// "metrics served `SERVED_AT` but no `MONITORS`: prometheus is not enabled" (without the
    /// scope or place when none was given).
    pub fn note_text(&self) -> String {
        let monitors = &self.monitors;
        if self.enabled {
            let scope = self.scope.as_deref().map(|s| format!(" {s}")).unwrap_or_default();
            format!("{monitors} on{scope} because prometheus is enabled")
        } else {
            let served = self.served_at.as_deref().map(|s| format!(" {s}")).unwrap_or_default();
            format!("metrics served{served} but no {monitors}: prometheus is not enabled")
        }
    }
}

impl AddonPlan {
    /// The note `monitoring` of [`Monitoring::note_text`].
    pub fn monitoring_note(self, monitoring: &Monitoring) -> Self {
        self.note("monitoring", monitoring.note_text())
    }
}

/// The doc of `values` (see [`chart_config!`](crate::chart_config)): the addon's own, or the
/// standard text continued by the first line of the note.
#[doc(hidden)]
#[macro_export]
macro_rules! __chart_values_doc {
    ([$own:literal]) => {
        $own
    };
    ([] $($note:literal)?) => {
        ::core::concat!(
            "Free-form Helm values, deep-merged over the values this plugin sets: objects merge key\nby key, arrays \
             and scalars replace, `null` deletes a key."
            $(, $note)?
        )
    };
}

/// The doc of `chart_version` (see [`chart_config!`](crate::chart_config)): the addon's own,
/// or "Version of the \`CHART\` chart from REPOSITORY.".
#[doc(hidden)]
#[macro_export]
macro_rules! __chart_version_doc {
    ([$own:literal] $chart:literal $repository:literal) => {
        $own
    };
    ([] $chart:literal $repository:literal) => {
        ::core::concat!("Version of the `", $chart, "` chart from ", $repository, ".")
    };
}

/// Declares the config block of a chart addon: a struct with `namespace`, `chart_version` and
/// `values` (documented, defaulted, with the schema the host checks), the addon's own fields
/// after them, its `Default` and [`ChartSettings`] (the chart's repository, name and default
/// version, and the chart helpers).
///
/// ```
/// dataplat_sdk::chart_config! {
///     /// The `keda:` block of platform.yaml.
///     pub struct Config: chart "keda" from "https://kedacore.github.io/charts" version "2.20.2" {
///         /// Namespace KEDA is installed into.
///         namespace: "keda",
///         values,
///         /// Replicas of the KEDA operator.
///         #[schemars(range(min = 1, max = 3))]
///         pub operator_replicas: u32 = 1,
///     }
/// }
/// use dataplat_sdk::ChartSettings;
///
/// fn main() {
///     let mut config = Config::default();
///     assert_eq!(config.chart_version, Config::CHART_VERSION);
///     config.namespace = "Not A Label".into();
///     assert_eq!(config.check_chart()[0].path, "namespace");
/// }
/// ```
///
/// The struct is deserialized with `deny_unknown_fields` and `default`, so missing fields take
/// their defaults and unknown ones are errors at their path. Its fields, in this order:
/// - `namespace: String`, documented by the doc comment before `namespace:`, defaulting to the
///   literal after it;
/// - `chart_version: String`, defaulting to the `version`, documented "Version of the
///   \`CHART\` chart from REPOSITORY." unless the block starts with
///   `chart_version = "own doc",`;
/// - `values: serde_json::Value`, an object defaulting to `{}`, documented with the standard
///   text "Free-form Helm values, deep-merged over the values this plugin sets: ...", which the
///   doc comment before `values` continues (its first line on the same line, after a space);
///   `values = "own doc",` replaces the text;
/// - then each `field: Type = default,` with its attributes and doc comment.
///
/// Docs given as strings may hold `\n`: a schema description keeps the line breaks of the doc.
/// The macro imports `serde` and `schemars` from the SDK under hidden names, so the crate needs
/// neither as a dependency; invoke it at module level, once per module.
#[macro_export]
macro_rules! chart_config {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident: chart $chart:literal from $repository:literal version $version:literal {
            $(chart_version = $version_own:literal,)?
            $(#[doc = $namespace_doc:literal])+
            namespace: $namespace:literal,
            $(#[doc = $values_first:literal] $(#[doc = $values_rest:literal])*)?
            values $(= $values_own:literal)?,
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $field_ty:ty = $field_default:expr),* $(,)?
        }
    ) => {
        #[allow(unused_imports)]
        use $crate::serde as __dataplat_sdk_serde;
        #[allow(unused_imports)]
        use $crate::schemars as __dataplat_sdk_schemars;

        $(#[$meta])*
        #[derive(Debug, $crate::serde::Deserialize, $crate::schemars::JsonSchema)]
        #[serde(crate = "self::__dataplat_sdk_serde", deny_unknown_fields, default)]
        #[schemars(crate = "self::__dataplat_sdk_schemars")]
        $vis struct $name {
            $(#[doc = $namespace_doc])+
            pub namespace: ::std::string::String,
            #[doc = $crate::__chart_version_doc!([$($version_own)?] $chart $repository)]
            pub chart_version: ::std::string::String,
            #[doc = $crate::__chart_values_doc!([$($values_own)?] $($values_first)?)]
            $($(#[doc = $values_rest])*)?
            #[schemars(extend("type" = "object"))]
            pub values: $crate::serde_json::Value,
            $($(#[$field_meta])* $field_vis $field: $field_ty,)*
        }

        impl ::core::default::Default for $name {
            fn default() -> Self {
                $name {
                    namespace: $namespace.into(),
                    chart_version: $version.into(),
                    values: $crate::serde_json::json!({}),
                    $($field: $field_default,)*
                }
            }
        }

        impl $crate::ChartSettings for $name {
            const REPOSITORY: &'static str = $repository;
            const CHART: &'static str = $chart;
            const CHART_VERSION: &'static str = $version;
            fn namespace(&self) -> &str {
                &self.namespace
            }
            fn chart_version(&self) -> &str {
                &self.chart_version
            }
            fn values(&self) -> &$crate::serde_json::Value {
                &self.values
            }
        }
    };
}

/// The unit tests every chart addon shares, as a `chart_addon` test module: the chart settings
/// are checked ([`testing::assert_chart_settings_checked`]), `info()` declares the name, flags,
/// dependencies and documented fields given (`namespace`, `chart_version` and `values` are
/// implied; [`testing::assert_info`]), and planning `config` twice gives the same plan
/// ([`testing::assert_deterministic`]). Expressions are evaluated inside the module, which
/// sees the items of the module it is invoked in (`use super::*`).
///
/// ```ignore
/// #[cfg(test)]
/// mod tests {
///     use super::*;
///     use dataplat_sdk::testing::*;
///
///     dataplat_sdk::chart_addon_tests!(Keda in facts(&["enable_keda"], &["keda"]);
///         info "keda", [("enable_keda", true)], [], ["operator_replicas"];
///         deterministic json!({"operator_replicas": 2}), facts(&[], &["keda", "prometheus"]));
/// }
/// ```
#[macro_export]
macro_rules! chart_addon_tests {
    (
        $addon:ident in $facts:expr;
        info $name:literal, [$($flag:expr),* $(,)?], [$($dependency:literal),* $(,)?], [$($field:literal),* $(,)?];
        deterministic $config:expr, $deterministic_facts:expr $(;)?
    ) => {
        mod chart_addon {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn chart_settings_are_checked() {
                $crate::testing::assert_chart_settings_checked::<$addon>(&$facts);
            }

            #[test]
            fn info_describes_the_addon() {
                $crate::testing::assert_info::<$addon>(
                    $name,
                    &[$($flag),*],
                    &[$($dependency),*],
                    &["namespace", "chart_version", "values" $(, $field)*],
                );
            }

            #[test]
            fn plans_are_deterministic() {
                $crate::testing::assert_deterministic::<$addon>(&$config, &$deterministic_facts);
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    crate::chart_config! {
        /// The `demo:` block of platform.yaml.
        pub struct Demo: chart "demo" from "https://charts.example" version "1.2.3" {
            /// Namespace demo is installed into.
            namespace: "demo",
            /// `fullnameOverride` is fixed:
            /// health checks use it.
            values,
            /// Replicas.
            #[schemars(range(min = 1, max = 3))]
            pub replicas: u32 = 2,
        }
    }

    mod own {
        crate::chart_config! {
            /// Overridden docs.
            pub struct Own: chart "own" from "oci://registry.example" version "0.1.0" {
                chart_version = "Version of the chart,\non two lines.",
                /// Namespace of it all.
                namespace: "own",
                values = "Helm values of the operator chart.",
            }
        }
    }
    use own::Own;

    fn schema<T: schemars::JsonSchema>() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(T)).unwrap_or_default()
    }

    #[test]
    fn chart_config_declares_documented_defaulted_fields_in_order() {
        let demo = schema::<Demo>();
        assert_eq!(demo["title"], "Demo");
        assert_eq!(demo["description"], "The `demo:` block of platform.yaml.");
        assert_eq!(demo["additionalProperties"], false);
        let properties = demo["properties"].as_object().expect("properties");
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        assert_eq!(names, ["namespace", "chart_version", "values", "replicas"]);
        let description = |field: &str| properties[field]["description"].as_str().unwrap_or_default().to_string();
        assert_eq!(description("namespace"), "Namespace demo is installed into.");
        assert_eq!(description("chart_version"), "Version of the `demo` chart from https://charts.example.");
        assert_eq!(
            description("values"),
            "Free-form Helm values, deep-merged over the values this plugin sets: objects merge key\nby key, arrays \
             and scalars replace, `null` deletes a key. `fullnameOverride` is fixed:\nhealth checks use it."
        );
        assert_eq!(properties["values"]["type"], "object");
        assert_eq!(properties["values"]["default"], json!({}));
        assert_eq!(properties["chart_version"]["default"], "1.2.3");
        assert_eq!(
            (properties["replicas"]["default"].clone(), properties["replicas"]["maximum"].clone()),
            (json!(2), json!(3))
        );

        let own = schema::<Own>();
        let description =
            |field: &str| own["properties"][field]["description"].as_str().unwrap_or_default().to_string();
        assert_eq!(description("chart_version"), "Version of the chart,\non two lines.");
        assert_eq!(description("values"), "Helm values of the operator chart.");
        assert_eq!(Own::default().namespace, "own");
    }

    #[test]
    fn chart_settings_give_the_chart_and_its_checks() {
        assert_eq!((Demo::REPOSITORY, Demo::CHART, Demo::CHART_VERSION), ("https://charts.example", "demo", "1.2.3"));
        let mut demo = Demo::default();
        assert!(demo.check_chart().is_empty());
        demo.values = json!({"a": 1});
        let release = demo.chart_release("demo", json!({"a": 0, "b": 2}));
        testing::assert_chart(&release, "https://charts.example", "demo", "1.2.3");
        assert_eq!(testing::values(&release), json!({"a": 1, "b": 2}));
        assert_eq!(testing::objects(&release), vec![namespace_object("demo")]);
        demo.namespace = "Bad".into();
        demo.values = json!([]);
        let paths: Vec<String> = demo.check_chart().into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["namespace", "values"]);
    }

    #[test]
    fn health_check_helpers_use_the_release_namespace() {
        let release = Release::new("r", "ns")
            .ready_deployments(["a", "b"])
            .ready_stateful_sets(&["s".to_string()])
            .ready_daemon_sets(["d"])
            .crd_ready("things.example.io");
        let kinds: Vec<(&str, &str, Option<&str>)> =
            release.health_checks.iter().map(|h| (h.kind.as_str(), h.name.as_str(), h.namespace.as_deref())).collect();
        assert_eq!(
            kinds,
            [
                ("Deployment", "a", Some("ns")),
                ("Deployment", "b", Some("ns")),
                ("StatefulSet", "s", Some("ns")),
                ("DaemonSet", "d", Some("ns")),
                ("CustomResourceDefinition", "things.example.io", None)
            ]
        );
        assert!(release.health_checks.iter().all(|h| h.timeout_seconds == 300 && h.json_path.is_none()));
        assert_eq!(release.health_checks[4].api_version, "apiextensions.k8s.io/v1");
        assert_eq!(HealthCheck::deployment("ns", "a"), release.health_checks[0]);
    }

    #[test]
    fn namespace_lists_are_checked_and_created_once() {
        let empty = check_namespace_list("job_namespaces", &[], "team-a");
        assert_eq!(
            (empty[0].path.as_str(), empty[0].message.as_str()),
            ("job_namespaces", "must list at least one namespace")
        );
        assert_eq!(empty[0].hint.as_deref(), Some("job_namespaces: [team-a]"));
        let names = vec!["a".to_string(), "B".to_string(), "a".to_string()];
        let paths: Vec<String> = check_namespace_list("ns", &names, "a").into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["ns.1", "ns.2"]);
        let release = Release::new("r", "ns").namespace_objects(["a", "ns", "b"]);
        assert_eq!(testing::objects(&release), vec![namespace_object("a"), namespace_object("b")]);
    }

    #[test]
    fn monitoring_follows_the_prometheus_addon() {
        let on = testing::facts(&[], &["x", "prometheus"]);
        let off = testing::facts(&[], &["x"]);
        let keda = |facts| Monitoring::new(facts, "ServiceMonitors").scope("for the operator");
        assert_eq!(keda(&on).note_text(), "ServiceMonitors on for the operator because prometheus is enabled");
        assert_eq!(keda(&off).note_text(), "metrics served but no ServiceMonitors: prometheus is not enabled");
        let pods = Monitoring::new(&off, "PodMonitor").served_at("on :8080/metrics");
        assert_eq!(pods.note_text(), "metrics served on :8080/metrics but no PodMonitor: prometheus is not enabled");
        let release = Release::new("r", "ns").monitored_by(&keda(&on)).monitored_by(&pods);
        assert_eq!(release.depends_on, [PROMETHEUS_RELEASE]);
        let plan = AddonPlan::new().monitoring_note(&pods);
        assert_eq!(
            (plan.notes[0].topic.as_str(), plan.notes[0].text.as_str()),
            ("monitoring", pods.note_text().as_str())
        );
    }

    struct DemoAddon;

    impl Addon for DemoAddon {
        type Config = Demo;
        const NAME: &'static str = "demo";
        const VERSION: &'static str = "0.0.1";
        const DESCRIPTION: &'static str = "demo";

        fn validate(config: &Demo, _facts: &PlatformFacts) -> Vec<Diagnostic> {
            config.check_chart()
        }

        fn plan(config: &Demo, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
            Ok(AddonPlan::new().release(config.chart_release("demo", json!({}))))
        }
    }

    crate::chart_addon_tests!(DemoAddon in testing::facts(&["enable_demo"], &["demo"]);
        info "demo", [("enable_demo", true)], [], ["replicas"];
        deterministic json!({"replicas": 3}), testing::facts(&[], &["demo"]));
}
