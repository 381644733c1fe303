//! trino: the built-in addon that runs Trino from objects it renders itself (no chart).
//!
//! One release `trino` in its namespace: ServiceAccount `trino` (EKS Pod Identity), ConfigMaps
//! `trino-coordinator`, `trino-worker` and `trino-catalog`, the coordinator Deployment and its
//! Service `trino`, the worker Deployment and its headless Service `trino-worker`, a
//! PodDisruptionBudget for the coordinator and a NetworkPolicy. Sizing (container resources, JVM
//! heap, Trino memory limits) is derived from the instance types through a table the plugin
//! carries; every derived value is explained in a plan note. Fault-tolerant execution always has
//! its exchange: the plugin requests the `exchange` bucket whenever the retry policy is TASK or
//! QUERY, so a retry policy without an exchange cannot be planned.
//!
//! With `enable_trino_keda` the release also carries ServiceMonitor `trino` (Trino's own /metrics)
//! and KEDA ScaledObject `trino-worker` (queued, running and required workers; optional scale to
//! zero); `kubectl dataplat trino simulate` replays traces through that ScaledObject.
//!
//! With `enable_trino_kafka` ConfigMap `trino-catalog` also carries `kafka.properties`: a `kafka`
//! catalog on the kafka addon's cluster, its bootstrap servers read from that addon's `bootstrap`
//! endpoint (the addon is planned first), its tables the topics listed in `kafka_topics`.
//!
//! Modules, each using only those listed before it:
//! - `sizing`: the instance table, the container, JVM heap and memory arithmetic, the worker-count
//!   rules, and the sizing notes.
//! - `config`: the `trino:` block (types, defaults, the KEDA flag) and its validation.
//! - `objects`: the names, ports and labels the objects share; every Kubernetes object, NodePool,
//!   Secret and endpoint of the plan.
//! - `properties`: Trino's config and catalog files; the buckets and IAM its connectors use.
//! - `scaling`: Trino's metrics, ServiceMonitor `trino`, KEDA ScaledObject `trino-worker`.
//! - `kafka`: the optional `kafka` catalog, its checks and its note.
//!
//! This file holds the [`Addon`] impl: `plan` runs one named step per part of the plan.

mod config;
mod kafka;
mod objects;
mod properties;
mod scaling;
mod sizing;

pub use config::{Autoscaling, Catalogs, Config, KAFKA_FLAG, KEDA_FLAG, RetryPolicy, WORKER_ARRIVAL_SECONDS};
pub use kafka::{BOOTSTRAP_ENDPOINT, KAFKA_ADDON};
pub use scaling::{JOB, QUEUED_METRIC, REQUIRED_METRIC, RUNNING_METRIC, load_promql, promql};
pub use sizing::{
    FAMILIES, Instance, MAX_CONTAINER_GIB, QUERY_MAX_MEMORY_FLOOR_GB, SIZES, Sizing, coordinator_vcpu_for, instance,
    query_max_memory_gb, sizing,
};

use config::{expected_workers, workers_phrase};
use dataplat_sdk::*;
use objects::{CATALOG, COORDINATOR, RELEASE, WORKER, config_map};
use sizing::Derived;

/// The Trino addon.
pub struct Trino;

impl Addon for Trino {
    type Config = Config;
    const NAME: &'static str = "trino";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Trino: coordinator, workers, fault-tolerant exchange on S3, Glue catalogs";

    fn flags() -> Vec<Flag> {
        vec![
            Flag::addon("enable_trino", "Install Trino (coordinator, workers, S3 exchange, Glue catalogs)"),
            Flag::feature(KEDA_FLAG, "Autoscale Trino workers with KEDA on queued and running queries from Prometheus"),
            Flag::feature(
                KAFKA_FLAG,
                "Add a `kafka` catalog on the kafka addon's cluster (the topics in trino.kafka_topics)",
            ),
        ]
    }

    fn dependencies() -> Vec<Dependency> {
        vec![
            Dependency::always(
                "cert_manager",
                "cert-manager issues the coordinator's HTTPS certificate (https, on by default: password \
                 authentication needs HTTPS)",
            ),
            Dependency::when(KEDA_FLAG, "keda", "KEDA's ScaledObject trino-worker scales the worker Deployment"),
            Dependency::when(
                KEDA_FLAG,
                "prometheus",
                "the scaler queries Prometheus for Trino's queued and running queries (ServiceMonitor trino)",
            ),
            Dependency::when(
                KAFKA_FLAG,
                KAFKA_ADDON,
                "the kafka catalog reads the topics of the kafka addon's cluster at its bootstrap endpoint",
            ),
        ]
    }

    fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config::validate(config, facts);
        problems.extend(kafka::validate(config, facts));
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let keda = facts.flag(KEDA_FLAG);
        let workers = expected_workers(config, keda);
        let derived = sizing::derive(&config.coordinator_instance_type, &config.worker_instance_type, workers)?;
        let prometheus_query = scaling::prometheus_query(facts, keda)?;
        let kafka_nodes = kafka::bootstrap(facts)?;
        let inputs = Inputs {
            config,
            region: &facts.region,
            derived,
            keda,
            prometheus: facts.addon_enabled("prometheus"),
            prometheus_query: prometheus_query.as_deref(),
            kafka_nodes: kafka_nodes.as_deref(),
        };
        let ns = config.namespace.as_str();
        let mut plan = AddonPlan::new().release(trino_release(&inputs));
        plan = properties::storage(plan, config, facts);
        plan = plan.secret(objects::users_secret(ns));
        plan = plan
            .node_pool(objects::coordinator_pool(config, &inputs.derived))
            .node_pool(objects::worker_pool(config, &inputs.derived));
        for endpoint in objects::endpoints(config) {
            plan = plan.endpoint(endpoint);
        }
        Ok(plan_notes(plan, &inputs))
    }
}

/// What one plan is made from: the config, the facts it reads and the sizing derived from both.
struct Inputs<'a> {
    config: &'a Config,
    region: &'a str,
    derived: Derived,
    /// [`KEDA_FLAG`] is set.
    keda: bool,
    /// The prometheus addon is enabled.
    prometheus: bool,
    /// The URL of its `prometheus-query` endpoint (always there with `keda`).
    prometheus_query: Option<&'a str>,
    /// With [`KAFKA_FLAG`], `kafka.nodes`: the kafka addon's `bootstrap` endpoint.
    kafka_nodes: Option<&'a str>,
}

/// Release `trino`: the objects in apply order, their health checks and dependencies.
fn trino_release(p: &Inputs) -> Release {
    let (config, region, derived, keda) = (p.config, p.region, &p.derived, p.keda);
    let ns = config.namespace.as_str();
    let monitoring = if p.prometheus { p.prometheus_query.and_then(objects::endpoint_namespace) } else { None };
    let coordinator_files = properties::role_files(config, derived, region, true, keda);
    let worker_files = properties::role_files(config, derived, region, false, keda);
    let mut catalog_files = properties::catalogs(config, region);
    if let Some(nodes) = p.kafka_nodes {
        catalog_files.insert(kafka::CATALOG_FILE.into(), kafka::catalog_file(nodes, &config.kafka_topics));
    }
    let mut release = Release::new(RELEASE, ns)
        .object(&objects::namespace(ns))
        .object(&objects::service_account(ns))
        .object(&config_map(COORDINATOR, ns, Some("coordinator"), coordinator_files))
        .object(&config_map(WORKER, ns, Some("worker"), worker_files))
        .object(&config_map(CATALOG, ns, None, catalog_files))
        .object(&objects::deployment(config, region, &derived.coordinator, true, keda))
        .object(&objects::coordinator_service(config))
        .object(&objects::deployment(config, region, &derived.worker, false, keda))
        .object(&objects::worker_service(ns))
        .object(&objects::coordinator_pdb(ns))
        .object(&objects::network_policy(config, monitoring))
        .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), COORDINATOR).timeout(600))
        .health(HealthCheck::ready("apps/v1", "Deployment", Some(ns), WORKER).timeout(900));
    if let Some(clients) = objects::client_policy(config) {
        release = release.object(&clients);
    }
    if config.https {
        release = objects::with_tls(release, ns);
    }
    scaling::with_scaling(release, config, p.prometheus, keda, p.prometheus_query)
}

/// The plan notes, one per derived value or decision, in order.
fn plan_notes(mut plan: AddonPlan, p: &Inputs) -> AddonPlan {
    let config = p.config;
    let (coordinator_type, worker_type) = (&config.coordinator_instance_type, &config.worker_instance_type);
    let workers = expected_workers(config, p.keda);
    let phrase = workers_phrase(config, p.keda);
    for (topic, text) in sizing::notes(&p.derived, coordinator_type, worker_type, workers, &phrase) {
        plan = plan.note(&topic, text);
    }
    plan = plan
        .note("fault-tolerance", properties::fault_tolerance_note(config, p.region))
        .note("graceful-shutdown", objects::graceful_shutdown_note(config))
        .note("authentication", objects::authentication_note(config));
    plan = scaling::notes(plan, config, p.prometheus, p.keda, p.prometheus_query);
    if let Some(nodes) = p.kafka_nodes {
        plan = plan.note("kafka", kafka::note(config, nodes));
    }
    plan.note("placement", objects::placement_note(config, p.region, &p.derived))
}

export_addon!(Trino);

#[cfg(test)]
mod tests;
