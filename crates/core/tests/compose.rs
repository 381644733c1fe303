//! The composer against real plugins: every built-in passes conformance, the bundled
//! platform composes, and each kind of unusable plugin output is refused by name.

use std::path::Path;

use dataplat_config::{PluginSource, SourceRef};
use dataplat_core::{Addons, CoreError, compose, conformance};
use dataplat_plugin::{HostOptions, PluginHost};

fn host() -> PluginHost {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
    PluginHost::new(HostOptions { cache_dir: Some(cache), ..HostOptions::default() }).expect("host")
}

#[test]
fn every_builtin_passes_conformance() {
    let host = host();
    let addons = Addons::builtin(&host).expect("built-ins load");
    assert!(addons.addons.len() >= 11, "{:?}", addons.addons.keys().collect::<Vec<_>>());
    for (name, loaded) in &addons.addons {
        let checks = conformance(&loaded.plugin, &[]);
        let failed: Vec<_> = checks.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{name}: {failed:?}");
    }
}

/// Composes `text` with the built-ins plus the misbehave fixture.
fn compose_with_fixture(mode: &str, extra: &str) -> Result<dataplat_core::Plan, CoreError> {
    let fixture = dataplat_builtins::wasm_path("fixture-misbehave");
    let text = format!(
        "name: fixture\nregion: us-west-2\ndeployment_id: Abcd1234\nenable_misbehave: true\n{extra}misbehave:\n  mode: {mode}\nplugins:\n  - name: misbehave\n    source: {}\n",
        fixture.display()
    );
    let doc = dataplat_config::parse("platform.yaml", &text).expect("parses");
    let sources: Vec<PluginSource> = doc.plugin_sources().expect("sources");
    assert!(matches!(sources[0].source, SourceRef::File { .. }));
    let addons = Addons::load(&host(), &sources, Path::new("/")).expect("load");
    let (platform, _) = dataplat_config::validate(&doc, &addons.catalog()).expect("valid");
    compose(&addons, &platform, &doc)
}

fn refused(mode: &str, extra: &str, expect: &str) {
    match compose_with_fixture(mode, extra) {
        Err(error) => {
            let text = error.to_string();
            assert!(text.contains(expect), "{mode}: {text}");
            if matches!(error, CoreError::InvalidPlan { .. }) {
                assert!(text.starts_with("plugin `misbehave` returned an invalid plan"), "{text}");
            }
        }
        Ok(_) => panic!("{mode}: accepted"),
    }
}

#[test]
fn unusable_plans_are_refused_with_the_reason() {
    refused("no-kind", "", "object 1 has no kind");
    refused("not-json", "", "object 1 is not JSON");
    refused("unknown-bucket", "", "refers to bucket `missing`");
    refused("unknown-placeholder", "", "${bucket:nope}");
    refused("cycle", "", "cycle");
    refused("spoof-endpoint", "", "claims to belong to addon `prometheus`");
    refused("secret-without-keys", "", "secret ns/empty has no keys");
    refused("restricted-label", "", "NodePool `sneaky`: label karpenter.sh/capacity-type: Karpenter refuses labels");
    refused("loop", "", "ran out of fuel");
}

#[test]
fn buckets_are_named_and_placeholders_substituted() {
    let plan = compose_with_fixture("bucket", "").expect("plan");
    let addon = plan.addons.iter().find(|a| a.name == "misbehave").expect("planned");
    assert_eq!(addon.buckets[0].name, "fixture-misbehave-data-abcd1234");
    assert_eq!(addon.releases[0].objects[0]["data"]["bucket"], "fixture-misbehave-data-abcd1234");
    // The base platform's StorageClass first; every release waits for it.
    assert_eq!(plan.release_order, vec![vec!["core/storage".to_string()], vec!["misbehave/r".to_string()]]);
}

#[test]
fn objects_built_from_k8s_openapi_types_arrive_as_kubernetes_objects() {
    let plan = compose_with_fixture("k8s", "").expect("plan");
    let objects = &plan.addons.iter().find(|a| a.name == "misbehave").expect("planned").releases[0].objects;
    assert_eq!(objects[0], serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "typed"}}));
    assert_eq!(
        objects[1],
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "typed"}, "data": {"mode": "k8s"}})
    );
}

#[test]
fn dependencies_order_planning_and_expose_endpoints() {
    // keda sees prometheus (planned first) and turns on its ServiceMonitors.
    let plan = compose_with_fixture("ok", "enable_keda: true\nenable_prometheus: true\n").expect("plan");
    let names: Vec<&str> = plan.addons.iter().map(|a| a.name.as_str()).collect();
    let keda = plan.addons.iter().find(|a| a.name == "keda").expect("keda");
    let values = &keda.releases[0].chart.as_ref().expect("chart").values;
    assert_eq!(values["prometheus"]["operator"]["serviceMonitor"]["enabled"], true, "{names:?}");
    assert!(keda.releases[0].depends_on.contains(&"prometheus/prometheus".to_string()));
    let waves = &plan.release_order;
    let wave_of = |id: &str| waves.iter().position(|w| w.iter().any(|r| r == id)).expect(id);
    assert!(wave_of("prometheus/prometheus") < wave_of("keda/keda"));
}

/// The plan of `extra` (flags and blocks) on top of the core keys, with the built-ins only.
fn builtin_plan(extra: &str) -> dataplat_core::Plan {
    let text = format!("name: secrets\nregion: us-west-2\ndeployment_id: Abcd1234\n{extra}");
    let doc = dataplat_config::parse("platform.yaml", &text).expect("parses");
    let addons = Addons::builtin(&host()).expect("built-ins load");
    let (platform, _) = dataplat_config::validate(&doc, &addons.catalog()).expect("valid");
    compose(&addons, &platform, &doc).expect("composes")
}

#[test]
fn declared_secrets_become_create_only_objects_of_the_addons_first_release() {
    let plan = builtin_plan("enable_prometheus: true\nenable_superset: true\n");
    let declared: Vec<(String, String)> =
        plan.addons.iter().flat_map(|a| a.secrets.iter().map(|s| (s.namespace.clone(), s.name.clone()))).collect();
    assert!(declared.iter().any(|(_, n)| n == "grafana-admin"), "{declared:?}");
    assert!(declared.iter().any(|(_, n)| n == "superset-secret-key"), "{declared:?}");

    let secrets_of = |releases: &dataplat_core::cluster::ClusterReleases| -> Vec<(String, serde_json::Value)> {
        releases
            .releases
            .iter()
            .flat_map(|r| {
                r.objects.iter().filter(|o| o.value["kind"] == "Secret").map(|o| {
                    assert!(o.create_only, "{}: generated Secrets are created once, never updated", o.source);
                    (r.id.clone(), o.value.clone())
                })
            })
            .collect()
    };
    let first = secrets_of(&dataplat_core::cluster::kube_releases(&plan, "secrets", &[]).expect("releases"));
    let second = secrets_of(&dataplat_core::cluster::kube_releases(&plan, "secrets", &[]).expect("releases"));
    assert_eq!(first.len(), declared.len(), "{first:?}");
    for addon in &plan.addons {
        let Some(first_release) =
            plan.release_order.iter().flatten().find(|id| addon.releases.iter().any(|r| &r.id == *id))
        else {
            continue;
        };
        for secret in &addon.secrets {
            let (release, value) = first
                .iter()
                .find(|(_, v)| v["metadata"]["name"] == secret.name.as_str())
                .expect("the Secret is applied");
            assert_eq!(release, first_release, "{}: in the addon's first release", secret.name);
            assert_eq!(value["metadata"]["namespace"], secret.namespace.as_str());
            for (key, fixed) in &secret.fixed {
                assert_eq!(value["stringData"][key], fixed.as_str());
            }
            for key in &secret.random_keys {
                let drawn = value["stringData"][key].as_str().expect("a drawn value");
                assert_eq!(drawn.len(), secret.length as usize);
                assert!(drawn.chars().all(|c| c.is_ascii_alphanumeric()), "{drawn}");
                let again = second.iter().find(|(_, v)| v["metadata"]["name"] == secret.name.as_str()).unwrap();
                assert_ne!(again.1["stringData"][key], drawn, "values are drawn anew, never derived");
            }
        }
    }
}

#[test]
fn random_values_use_every_letter_and_digit_without_bias_to_the_first() {
    let text = dataplat_core::cluster::random_alphanumeric(62 * 2000).expect("random");
    assert_eq!(text.len(), 62 * 2000);
    let mut counts = std::collections::BTreeMap::new();
    for c in text.chars() {
        assert!(c.is_ascii_alphanumeric());
        *counts.entry(c).or_insert(0usize) += 1;
    }
    assert_eq!(counts.len(), 62, "every character appears");
    // Unbiased: 2,000 each, so 16,000 for the first 8 (sd ~125). `byte % 62` over all 256 bytes
    // would favour exactly those 8 (5/256 each instead of 4/256): ~19,400.
    let first: usize = "ABCDEFGH".chars().map(|c| counts[&c]).sum();
    assert!(first < 17_000, "the first 8 letters were drawn {first} times; 16,000 expected");
}

#[test]
fn capacity_requests_bring_the_cores_karpenter_first_and_their_addons_wait_for_the_node_pools() {
    let plan =
        builtin_plan("enable_trino: true\nenable_keda: true\nenable_prometheus: true\nenable_cert_manager: true\n");
    let names: Vec<&str> = plan.addons.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names[..2], ["core", "karpenter"], "the base platform, then Karpenter, before any addon");
    let karpenter = &plan.addons[1];
    let ids: Vec<&str> = karpenter.releases.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [dataplat_core::KARPENTER_CONTROLLER_RELEASE, dataplat_core::KARPENTER_NODE_POOLS_RELEASE]);

    // The controller: the pinned upstream chart, told the cluster and the queue the cloud layer
    // creates, under the service account its pod identity association names.
    let controller = &karpenter.releases[0];
    let chart = controller.chart.as_ref().expect("a chart");
    assert_eq!(
        (chart.repository.as_str(), chart.chart.as_str(), chart.version.as_str()),
        ("oci://public.ecr.aws/karpenter", "karpenter", dataplat_core::KARPENTER_CHART_VERSION)
    );
    assert_eq!(controller.namespace, dataplat_core::KARPENTER_NAMESPACE);
    assert_eq!(chart.values["settings"]["clusterName"], "secrets");
    assert_eq!(chart.values["settings"]["interruptionQueue"], "Karpenter-secrets");
    assert_eq!(chart.values["serviceAccount"]["name"], dataplat_core::KARPENTER_SERVICE_ACCOUNT);
    assert_eq!(chart.values["nodeSelector"]["dataplat.io/pool"], "core", "never on the nodes it launches");

    // The NodePools: exactly the objects of every request, classes before pools, after the controller.
    let pools = &karpenter.releases[1];
    assert_eq!(pools.depends_on, [dataplat_core::KARPENTER_CONTROLLER_RELEASE]);
    let expected: Vec<serde_json::Value> =
        plan.karpenter_objects().expect("objects").into_iter().flat_map(|p| [p.node_class, p.node_pool]).collect();
    assert!(!expected.is_empty());
    assert_eq!(pools.objects, expected);

    // Trino asked for capacity: each of its releases waits for the NodePools; keda did not.
    let trino = plan.addons.iter().find(|a| a.name == "trino").expect("trino");
    assert!(!trino.node_pools.is_empty());
    for release in &trino.releases {
        assert!(release.depends_on.iter().any(|d| d == dataplat_core::KARPENTER_NODE_POOLS_RELEASE), "{}", release.id);
    }
    let keda = plan.addons.iter().find(|a| a.name == "keda").expect("keda");
    assert!(keda.releases.iter().all(|r| !r.depends_on.iter().any(|d| d.starts_with("karpenter/"))));
    let wave_of = |id: &str| plan.release_order.iter().position(|w| w.iter().any(|r| r == id)).expect(id);
    assert_eq!(plan.release_order[0], [dataplat_core::base::STORAGE_RELEASE]);
    assert_eq!(wave_of(dataplat_core::KARPENTER_CONTROLLER_RELEASE), 1);
    for release in &trino.releases {
        assert!(wave_of(&release.id) > wave_of(dataplat_core::KARPENTER_NODE_POOLS_RELEASE), "{}", release.id);
    }

    // The default StorageClass: gp3, encrypted, WaitForFirstConsumer, volumes tagged for the sweep.
    let core = &plan.addons[0];
    let class = &core.releases[0].objects[0];
    assert_eq!(class["kind"], "StorageClass");
    assert_eq!(class["metadata"]["name"], dataplat_core::base::DEFAULT_STORAGE_CLASS);
    assert_eq!(class["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"], "true");
    assert_eq!(class["provisioner"], "ebs.csi.aws.com");
    assert_eq!(class["parameters"]["encrypted"], "true");
    assert_eq!(class["volumeBindingMode"], "WaitForFirstConsumer");
    assert_eq!(class["allowVolumeExpansion"], true);
    assert_eq!(
        class["parameters"]["tagSpecification_2"],
        format!("dataplat.io/deployment-id={}", plan.platform.deployment_id)
    );
    for release in plan.addons.iter().skip(1).flat_map(|a| &a.releases) {
        assert!(wave_of(&release.id) > 0, "{} waits for the StorageClass", release.id);
    }

    // No capacity requested: no Karpenter entry.
    let plan = builtin_plan("enable_keda: true\n");
    assert!(
        plan.addons.iter().all(|a| a.name != "karpenter"),
        "{:?}",
        plan.addons.iter().map(|a| &a.name).collect::<Vec<_>>()
    );
}

#[test]
fn an_addon_that_asks_for_an_nlb_brings_the_load_balancer_controller_first() {
    use dataplat_core::base::*;
    // ingress-nginx's Service asks for an NLB (aws-load-balancer-type: external).
    let plan = builtin_plan("enable_ingress_nginx: true\n");
    let core = plan.addons.iter().find(|a| a.name == CORE).expect("core");
    let controller = core.releases.iter().find(|r| r.id == LOAD_BALANCER_CONTROLLER_RELEASE).expect("the controller");
    let chart = controller.chart.as_ref().expect("a chart");
    assert_eq!(
        (chart.repository.as_str(), chart.chart.as_str(), chart.version.as_str()),
        ("https://aws.github.io/eks-charts", "aws-load-balancer-controller", LOAD_BALANCER_CONTROLLER_CHART_VERSION)
    );
    assert_eq!(controller.namespace, "kube-system");
    assert_eq!(chart.values["clusterName"], "secrets");
    assert_eq!(chart.values["region"], "us-west-2");
    assert_eq!(chart.values["vpcTags"]["dataplat.io/deployment-id"], "Abcd1234", "the VPC found by tag, not IMDS");
    assert_eq!(chart.values["serviceAccount"]["name"], LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT);
    assert_eq!(chart.values["enableServiceMutatorWebhook"], false);
    assert_eq!(chart.values["nodeSelector"]["dataplat.io/pool"], "core");
    assert!(
        plan.addons
            .iter()
            .all(|a| a.pod_identities.iter().all(|p| p.service_account != LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT)),
        "the core's association is the cloud layer's, not an addon's"
    );
    let ingress = plan.addons.iter().find(|a| a.name == "ingress_nginx").expect("ingress_nginx");
    assert!(needs_load_balancer_controller(&ingress.releases[0]));
    assert!(ingress.releases[0].depends_on.iter().any(|d| d == LOAD_BALANCER_CONTROLLER_RELEASE));
    let wave_of = |id: &str| plan.release_order.iter().position(|w| w.iter().any(|r| r == id)).expect(id);
    assert!(wave_of(LOAD_BALANCER_CONTROLLER_RELEASE) < wave_of(&ingress.releases[0].id));
    assert!(has_load_balancer_controller(&plan));

    // Nobody asks: no controller.
    let plan = builtin_plan("enable_keda: true\n");
    assert!(!has_load_balancer_controller(&plan));
    let core = plan.addons.iter().find(|a| a.name == CORE).expect("core");
    assert_eq!(core.releases.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [STORAGE_RELEASE]);
}
