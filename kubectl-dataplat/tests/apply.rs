//! `kubectl dataplat apply` and the cluster `plan` against the test API server (kube-apiserver
//! 1.20.2 from `tools/kube-testenv`, `DATAPLAT_TEST_KUBECONFIG`): the keda and prometheus addons
//! with fixture charts (tests/charts) reached through `--mirror`. Pods never run on this server,
//! so `apply` runs with `--no-wait`; health is tested in crates/kube.

mod common;

use common::{dataplat_env, ok, private_chart_cache, publish_fixture_chart, stderr, stdout};
use dataplat_testkit::http::StaticServer;
use dataplat_testkit::{Moto, test_kubeconfig, unique_name};

/// The tests of this file share one API server and, through it, what every platform applies
/// alike: the cluster-scoped StorageClass `gp3` and the inventory of release `core/storage`
/// (inventory names do not carry the platform; one cluster is one platform). They take turns.
static SERVER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    SERVER.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn apply_installs_the_charts_re_applies_without_writes_plans_and_prunes_a_disabled_addon() {
    let Some(kubeconfig) = test_kubeconfig() else { return };
    let _turn = turn();
    let server = StaticServer::start();
    publish_fixture_chart(&server, "keda", "keda", "2.20.2");
    publish_fixture_chart(&server, "prom", "kube-prometheus-stack", "88.5.3");
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = private_chart_cache(dir);
    let env = [("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8"))];
    // Namespaces of our own, so tests sharing the server do not meet.
    let name = unique_name("apply");
    ok(dataplat_env(dir, &["init", "--name", &name, "--enable", "keda", "--enable", "prometheus"], &env));
    let platform = dir.join("platform.yaml");
    let keda_ns = format!("{name}-keda");
    let prom_ns = format!("{name}-mon");
    let text = std::fs::read_to_string(&platform).expect("read");
    std::fs::write(&platform, format!("{text}\nkeda:\n  namespace: {keda_ns}\nprometheus:\n  namespace: {prom_ns}\n"))
        .expect("write");
    let kubeconfig = kubeconfig.to_str().expect("utf-8").to_string();
    let keda_mirror = format!("https://kedacore.github.io/charts={}/keda", server.base);
    let prom_mirror = format!("https://prometheus-community.github.io/helm-charts={}/prom", server.base);
    let cluster_args = |command: &str| -> Vec<String> {
        [command, "--kubeconfig", &kubeconfig, "--mirror", &keda_mirror, "--mirror", &prom_mirror]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        dataplat_env(dir, &refs, &env)
    };

    // First apply: prometheus (its CRD) before keda (its ServiceMonitor).
    let mut args = cluster_args("apply");
    args.push("--no-wait".into());
    let first = run(args.clone());
    let log = stderr(&first);
    assert!(first.status.success(), "{log}");
    let prom_done = log.find("prometheus/prometheus: done").expect("prometheus applied");
    let keda_done = log.find("keda/keda: done").expect("keda applied");
    assert!(prom_done < keda_done, "{log}");
    // The readiness analysis ran on the objects before the first write; the base platform's
    // StorageClass went first (created, or left as another platform on this server made it).
    let analysed = log.find("readiness: ").expect("readiness analysed");
    let storage_done = log.find("core/storage: done").expect("core/storage applied");
    assert!(analysed < storage_done && storage_done < prom_done, "{log}");
    assert!(log.contains(" 0 error(s)"), "{log}");
    let class = read_object(&kubeconfig, "storage.k8s.io/v1", "StorageClass", None, "gp3");
    assert_eq!(class["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"], "true", "{class}");
    assert_eq!(class["provisioner"], "ebs.csi.aws.com");
    assert_eq!(class["volumeBindingMode"], "WaitForFirstConsumer");
    assert!(log.contains(&format!("keda/keda: create ServiceMonitor {keda_ns}/keda-operator")), "{log}");
    assert!(log.contains(&format!("keda/keda: create Deployment {keda_ns}/keda-operator")), "{log}");
    // The Secret prometheus declares (Grafana's admin login) is created with the release.
    assert!(log.contains(&format!("prometheus/prometheus: create Secret {prom_ns}/grafana-admin")), "{log}");
    let grafana_admin = || read_secret(&kubeconfig, &prom_ns, "grafana-admin");
    let created = grafana_admin();
    assert_eq!(created.get("admin-user").map(String::as_str), Some("admin"), "{created:?}");
    let password = created.get("admin-password").cloned().expect("a generated password");
    assert!(password.len() >= 16 && password.chars().all(|c| c.is_ascii_alphanumeric()), "{password}");

    // Converged: a second apply writes nothing, and plan shows nothing to change.
    let second = run(args.clone());
    let log = stderr(&second);
    assert!(second.status.success(), "{log}");
    // core/storage (the default StorageClass, create-only), prometheus and keda.
    assert!(log.contains("applied 3 release(s): 0 writes"), "{log}");
    assert_eq!(grafana_admin().get("admin-password"), Some(&password), "a re-apply keeps the generated password");
    // status reads each release's objects once: applied, but no pod runs on this server, so the
    // operators are not ready and status exits 1 saying which.
    let mut status_args = cluster_args("status");
    status_args.retain(|a| a != "--mirror" && !a.contains('='));
    status_args.extend(["--cluster-only".to_string(), "-o".to_string(), "json".to_string()]);
    let status = run(status_args);
    assert_eq!(status.status.code(), Some(1), "{}", stderr(&status));
    let report: serde_json::Value = serde_json::from_str(&stdout(&status)).expect("status json");
    assert_eq!(report["healthy"], false);
    let keda =
        report["releases"].as_array().expect("releases").iter().find(|r| r["release"] == "keda/keda").expect("keda");
    assert!(keda["objects"].as_u64().unwrap() > 0 && keda["missing"].as_array().unwrap().is_empty(), "{keda}");
    let waiting: Vec<String> = keda["progressing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} {}", p["object"]["kind"], p["reason"]))
        .collect();
    assert!(waiting.iter().any(|w| w.contains("Deployment") && w.contains("replicas")), "{waiting:?}");
    let mut plan_args = cluster_args("plan");
    plan_args.extend(["--cluster-only".to_string(), "-o".to_string(), "json".to_string()]);
    let plan = run(plan_args);
    assert!(plan.status.success(), "{}", stderr(&plan));
    let planned: serde_json::Value = serde_json::from_str(&stdout(&plan)).expect("json");
    assert!(planned["cloud"].is_null(), "--cluster-only plans no cloud: {planned}");
    for report in planned["releases"].as_array().expect("reports") {
        for change in report["changes"].as_array().expect("changes") {
            assert_eq!(change["action"], "unchanged", "{change}");
        }
    }

    // A change shows as an update with its field diff, then applies.
    let text = std::fs::read_to_string(&platform).expect("read");
    std::fs::write(
        &platform,
        text.replace(
            &format!("keda:\n  namespace: {keda_ns}\n"),
            &format!("keda:\n  namespace: {keda_ns}\n  operator_replicas: 2\n"),
        ),
    )
    .expect("write");
    let mut plan_args = cluster_args("plan");
    plan_args.push("--cluster-only".to_string());
    let table = run(plan_args);
    let out = stdout(&table);
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(out.contains(&format!("update keda/keda: Deployment {keda_ns}/keda-operator")), "{out}");
    assert!(out.contains("~ .spec.replicas: 1 -> 2"), "{out}");
    ok(run(args.clone()));

    // Disable keda: the plan says what goes and what is kept, by the applier's own rule (the CRD
    // marked helm.sh/resource-policy: keep stays; the preview once said Delete for it).
    ok(dataplat_env(dir, &["disable", "keda"], &env));
    let mut plan_args = cluster_args("plan");
    plan_args.extend(["--cluster-only".to_string(), "-o".to_string(), "json".to_string()]);
    let planned: serde_json::Value = serde_json::from_str(&stdout(&run(plan_args))).expect("json");
    let keda =
        planned["releases"].as_array().expect("reports").iter().find(|r| r["release"] == "keda/keda").expect("keda");
    let action_of = |kind: &str, name: &str| {
        keda["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .find(|c| c["object"]["kind"] == kind && c["object"]["name"] == name)
            .map(|c| c["action"].clone())
    };
    assert_eq!(
        action_of("CustomResourceDefinition", "scaledobjects.keda.sh"),
        Some(serde_json::json!("keep")),
        "{keda}"
    );
    assert_eq!(action_of("Deployment", "keda-operator"), Some(serde_json::json!("delete")), "{keda}");
    let pruned = run(args.clone());
    let log = stderr(&pruned);
    assert!(pruned.status.success(), "{log}");
    assert!(log.contains(&format!("keda/keda: delete Deployment {keda_ns}/keda-operator")), "{log}");
    assert!(log.contains("keda/keda: keep CustomResourceDefinition scaledobjects.keda.sh"), "{log}");
    assert!(!log.contains("prometheus/prometheus: delete"), "{log}");
}

#[test]
fn apply_without_a_reachable_cluster_fails_before_rendering_with_a_hint() {
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    ok(dataplat_env(dir, &["init", "--enable", "keda"], &[]));
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
    )
    .expect("write");
    let output = dataplat_env(dir, &["apply", "--kubeconfig", kubeconfig.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("cannot reach the cluster") && err.contains("hint: check --kubeconfig/--context"), "{err}");
    let missing = dataplat_env(dir, &["apply", "--kubeconfig", "/nonexistent/kubeconfig"], &[]);
    assert!(stderr(&missing).contains("cannot read kubeconfig /nonexistent/kubeconfig"), "{}", stderr(&missing));
}

/// An object read from the test API server.
fn read_object(
    kubeconfig: &str,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let options = dataplat_kube::ConnectOptions { kubeconfig: Some(kubeconfig.into()), context: None };
        let cluster = dataplat_kube::Cluster::connect(&options).await.expect("connect");
        let resolved = cluster.resolve(api_version, kind).await.expect("discovery").expect("served");
        let object = cluster.api(&resolved, namespace).get(name).await.expect("the object exists");
        serde_json::to_value(&object).expect("json")
    })
}

/// An object of `kind` named `name` in `namespace`, if it exists on the test API server.
fn exists(kubeconfig: &str, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let options = dataplat_kube::ConnectOptions { kubeconfig: Some(kubeconfig.into()), context: None };
        let cluster = dataplat_kube::Cluster::connect(&options).await.expect("connect");
        let resolved = cluster.resolve(api_version, kind).await.expect("discovery").expect("served");
        cluster.api(&resolved, namespace).get_opt(name).await.expect("read").is_some()
    })
}

/// The readiness gate: a platform whose keda pods select nodes nobody has is refused before the
/// first write (its namespace is never created); waived with a reason, it is applied.
#[test]
fn apply_refuses_a_platform_that_cannot_come_up_and_writes_nothing() {
    let Some(kubeconfig) = test_kubeconfig() else { return };
    let _turn = turn();
    let kubeconfig = kubeconfig.to_str().expect("utf-8").to_string();
    let server = StaticServer::start();
    publish_fixture_chart(&server, "keda", "keda", "2.20.2");
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = private_chart_cache(dir);
    let env = [("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8"))];
    let name = unique_name("gate");
    ok(dataplat_env(dir, &["init", "--name", &name, "--enable", "keda"], &env));
    let platform = dir.join("platform.yaml");
    let keda_ns = format!("{name}-keda");
    let text = std::fs::read_to_string(&platform).expect("read");
    // The reference's node group label, which this platform's nodes do not carry.
    let broken = format!(
        "{text}
keda:
  namespace: {keda_ns}
  values:
    nodeSelector:
      NodeGroupType: SparkComputeOptimized
"
    );
    std::fs::write(&platform, &broken).expect("write");
    let mirror = format!("https://kedacore.github.io/charts={}/keda", server.base);
    let args = ["apply", "--kubeconfig", &kubeconfig, "--mirror", &mirror, "--no-wait"];
    let refused = dataplat_env(dir, &args, &env);
    let log = stderr(&refused);
    eprintln!("{log}");
    assert_eq!(refused.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!("error: [scheduling.no-matching-nodes] Deployment {keda_ns}/keda-operator (keda/keda)")),
        "{log}"
    );
    assert!(log.contains("nothing was created or changed"), "{log}");
    assert!(!log.contains("applying"), "{log}");
    assert!(!exists(&kubeconfig, "v1", "Namespace", None, &keda_ns), "nothing was written");
    // validate says the same, from the chart cache the apply filled, with exit 1.
    let validated = dataplat_env(dir, &["validate"], &env);
    assert_eq!(validated.status.code(), Some(1), "{}", stderr(&validated));
    assert!(stderr(&validated).contains("[scheduling.no-matching-nodes]"), "{}", stderr(&validated));

    // Waived with a reason (say the nodes come from elsewhere), it goes through.
    let waived = format!(
        "{broken}readiness:
  waivers:
  - rule: scheduling.no-matching-nodes
    object: Deployment {keda_ns}/keda-operator
    reason: nodes of that group join the cluster from another tool
"
    );
    std::fs::write(&platform, waived).expect("write");
    let applied = dataplat_env(dir, &args, &env);
    let log = stderr(&applied);
    assert!(applied.status.success(), "{log}");
    assert!(log.contains("waived: [scheduling.no-matching-nodes]") && log.contains("1 waived"), "{log}");
    assert!(exists(&kubeconfig, "v1", "Namespace", None, &keda_ns));
}

/// A Secret's decoded data, read from the test API server.
fn read_secret(kubeconfig: &str, namespace: &str, name: &str) -> std::collections::BTreeMap<String, String> {
    use base64::Engine;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let options = dataplat_kube::ConnectOptions { kubeconfig: Some(kubeconfig.into()), context: None };
        let cluster = dataplat_kube::Cluster::connect(&options).await.expect("connect");
        let resolved = cluster.resolve("v1", "Secret").await.expect("discovery").expect("Secrets are served");
        let secret = cluster.api(&resolved, Some(namespace)).get(name).await.expect("the Secret exists");
        let data = secret.data["data"].as_object().cloned().unwrap_or_default();
        data.into_iter()
            .map(|(k, v)| {
                let bytes =
                    base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default()).expect("base64");
                (k, String::from_utf8(bytes).expect("utf-8"))
            })
            .collect()
    })
}

/// An addon that asks for capacity brings the core's Karpenter: the controller's chart (our
/// fixture, pushed to the loopback registry and reached through a mirror of public.ecr.aws), then
/// the NodePools and EC2NodeClasses once its CRDs exist, then the addon; switched off, all of it
/// goes again.
#[test]
fn capacity_brings_karpenter_then_the_node_pools_then_the_addon_and_takes_them_away() {
    let Some(kubeconfig) = test_kubeconfig() else { return };
    let _turn = turn();
    let Some(registry) = dataplat_testkit::Registry::start() else { return };
    let chart = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts/karpenter");
    let tgz = dataplat_testkit::http::chart_tgz(&chart, "karpenter", |_, data| data);
    dataplat_testkit::push_oci_chart(
        &registry.addr,
        "karpenter/karpenter",
        dataplat_core::KARPENTER_CHART_VERSION,
        &tgz,
    );

    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = private_chart_cache(dir);
    let env = [("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8"))];
    let name = unique_name("kpt");
    let fixture = dataplat_builtins::wasm_path("fixture-misbehave");
    std::fs::write(
        dir.join("platform.yaml"),
        format!(
            "name: {name}\nregion: us-west-2\ndeployment_id: Kp7tEr01\nenable_misbehave: true\n\
             misbehave:\n  mode: capacity\n  name: {name}\nplugins:\n  - name: misbehave\n    source: {}\n",
            fixture.display()
        ),
    )
    .expect("write");
    let kubeconfig = kubeconfig.to_str().expect("utf-8").to_string();
    let mirror = format!("public.ecr.aws={}", registry.addr);
    let apply = || dataplat_env(dir, &["apply", "--kubeconfig", &kubeconfig, "--mirror", &mirror, "--no-wait"], &env);

    let first = apply();
    let log = stderr(&first);
    assert!(first.status.success(), "{log}");
    let done =
        |release: &str| log.find(&format!("{release}: done")).unwrap_or_else(|| panic!("{release} applied:\n{log}"));
    assert!(done("karpenter/karpenter") < done("karpenter/node-pools"), "{log}");
    assert!(done("karpenter/node-pools") < done("misbehave/r"), "{log}");
    assert!(log.contains(&format!("karpenter/node-pools: create EC2NodeClass {name}")), "{log}");
    assert!(log.contains(&format!("karpenter/node-pools: create NodePool {name}")), "{log}");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (pool, controller) = runtime.block_on(async {
        let options = dataplat_kube::ConnectOptions { kubeconfig: Some(kubeconfig.clone().into()), context: None };
        let cluster = dataplat_kube::Cluster::connect(&options).await.expect("connect");
        let pools =
            cluster.resolve("karpenter.sh/v1", "NodePool").await.expect("discovery").expect("the CRD is served");
        let pool = cluster.api(&pools, None).get_opt(&name).await.expect("get");
        let deployments = cluster.resolve("apps/v1", "Deployment").await.expect("discovery").expect("served");
        let controller = cluster.api(&deployments, Some("karpenter")).get("karpenter").await.expect("the controller");
        (pool, controller)
    });
    let pool = pool.expect("the NodePool exists");
    assert_eq!(
        pool.metadata.labels.as_ref().and_then(|l| l.get("dataplat.io/addon")).map(String::as_str),
        Some("misbehave")
    );
    let env_of = |key: &str| {
        controller
            .data
            .pointer("/spec/template/spec/containers/0/env")
            .and_then(|e| e.as_array())
            .and_then(|e| e.iter().find(|v| v["name"] == key).and_then(|v| v["value"].as_str().map(str::to_owned)))
    };
    assert_eq!(env_of("CLUSTER_NAME").as_deref(), Some(name.as_str()), "the chart got the cluster's name");
    assert_eq!(env_of("INTERRUPTION_QUEUE"), Some(format!("Karpenter-{name}")), "and the queue the cloud layer makes");
    assert_eq!(
        controller.data.pointer("/spec/template/spec/nodeSelector/dataplat.io~1pool"),
        Some(&serde_json::json!("core"))
    );

    let second = apply();
    assert!(stderr(&second).contains("0 writes"), "{}", stderr(&second));
    // status shows the NodePool (no node launched on this server).
    let status = dataplat_env(dir, &["status", "--cluster-only", "--kubeconfig", &kubeconfig], &env);
    let text = stdout(&status);
    assert!(text.contains(&format!("NodePool {name}: 0 node(s)")), "{text}\n{}", stderr(&status));

    // No addon asks for capacity any more: Karpenter and the NodePools are pruned with it.
    ok(dataplat_env(dir, &["disable", "misbehave"], &env));
    let pruned = apply();
    let log = stderr(&pruned);
    assert!(pruned.status.success(), "{log}");
    assert!(log.contains(&format!("karpenter/node-pools: delete NodePool {name}")), "{log}");
    let gone = runtime.block_on(async {
        let options = dataplat_kube::ConnectOptions { kubeconfig: Some(kubeconfig.clone().into()), context: None };
        let cluster = dataplat_kube::Cluster::connect(&options).await.expect("connect");
        let deployments = cluster.resolve("apps/v1", "Deployment").await.expect("discovery").expect("served");
        cluster.api(&deployments, Some("karpenter")).get_opt("karpenter").await.expect("get").is_none()
    });
    assert!(gone, "the controller is pruned");
}

/// ingress-nginx asks for an NLB: the core installs the AWS Load Balancer Controller (fixture
/// chart) before it, the analysis finds the NLB served, a re-apply writes nothing, and disabling
/// ingress-nginx takes the controller away with it.
#[test]
fn an_nlb_brings_the_load_balancer_controller_first_and_takes_it_away() {
    let Some(kubeconfig) = test_kubeconfig() else { return };
    let _turn = turn();
    let kubeconfig = kubeconfig.to_str().expect("utf-8").to_string();
    let server = StaticServer::start();
    publish_fixture_chart(&server, "eks", "aws-load-balancer-controller", "3.5.0");
    publish_fixture_chart(&server, "nginx", "ingress-nginx", "4.15.1");
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = private_chart_cache(dir);
    let env = [("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8"))];
    let name = unique_name("lbc");
    ok(dataplat_env(dir, &["init", "--name", &name, "--enable", "ingress_nginx"], &env));
    let platform = dir.join("platform.yaml");
    let ns = format!("{name}-ingress");
    let text = std::fs::read_to_string(&platform).expect("read");
    std::fs::write(&platform, format!("{text}\ningress_nginx:\n  namespace: {ns}\n")).expect("write");
    let eks = format!("https://aws.github.io/eks-charts={}/eks", server.base);
    let nginx = format!("https://kubernetes.github.io/ingress-nginx={}/nginx", server.base);
    let args = ["apply", "--kubeconfig", &kubeconfig, "--mirror", &eks, "--mirror", &nginx, "--no-wait"];

    let first = dataplat_env(dir, &args, &env);
    let log = stderr(&first);
    assert!(first.status.success(), "{log}");
    assert!(log.contains(" 0 error(s)") && !log.contains("lb.service-unserved"), "the NLB is served: {log}");
    let controller_done = log.find("core/aws-load-balancer-controller: done").expect("the controller applied");
    let nginx_done = log.find("ingress_nginx/ingress-nginx: done").expect("ingress-nginx applied");
    assert!(controller_done < nginx_done, "{log}");
    let deployment =
        read_object(&kubeconfig, "apps/v1", "Deployment", Some("kube-system"), "aws-load-balancer-controller");
    let container_args = deployment["spec"]["template"]["spec"]["containers"][0]["args"].to_string();
    assert!(container_args.contains(&format!("--cluster-name={name}")), "{container_args}");
    assert!(container_args.contains("dataplat.io/platform="), "the VPC by tag: {container_args}");
    assert!(container_args.contains("--enable-service-mutator-webhook=false"), "{container_args}");
    assert!(exists(&kubeconfig, "v1", "ServiceAccount", Some("kube-system"), "aws-load-balancer-controller"));
    assert!(exists(&kubeconfig, "networking.k8s.io/v1", "IngressClass", None, "alb"));

    let again = dataplat_env(dir, &args, &env);
    let log = stderr(&again);
    assert!(again.status.success(), "{log}");
    assert!(log.contains("applied 3 release(s): 0 writes"), "{log}");

    ok(dataplat_env(dir, &["disable", "ingress_nginx"], &env));
    let pruned = dataplat_env(dir, &args, &env);
    let log = stderr(&pruned);
    assert!(pruned.status.success(), "{log}");
    assert!(
        log.contains("core/aws-load-balancer-controller: delete Deployment kube-system/aws-load-balancer-controller"),
        "{log}"
    );
    assert!(!exists(&kubeconfig, "apps/v1", "Deployment", Some("kube-system"), "aws-load-balancer-controller"));
    assert!(!exists(&kubeconfig, "apps/v1", "Deployment", Some(&ns), "ingress-nginx-controller"));
}

/// The platform's AMP workspace: `apply` reads its id from the storage stack `up` deployed and
/// writes it into Prometheus' remote-write URL; before the stack exists it refuses, writing
/// nothing. Runs against moto (the stack made from the template `render` writes) and the test
/// API server.
#[test]
fn apply_fills_in_the_amp_workspace_from_the_storage_stack_or_refuses_before_writing() {
    let Some(kubeconfig) = test_kubeconfig() else { return };
    let Some(moto) = Moto::shared() else { return };
    let _turn = turn();
    let kubeconfig = kubeconfig.to_str().expect("utf-8").to_string();
    let server = StaticServer::start();
    publish_fixture_chart(&server, "prom", "kube-prometheus-stack", "88.5.3");
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = private_chart_cache(dir);
    let aws_config = dir.join("aws-config");
    std::fs::write(&aws_config, "").expect("write");
    let env = [
        ("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8")),
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_CONFIG_FILE", aws_config.to_str().expect("utf-8")),
        ("AWS_SHARED_CREDENTIALS_FILE", aws_config.to_str().expect("utf-8")),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_MAX_ATTEMPTS", "1"),
    ];
    let name = unique_name("amp");
    let init = ["init", "--name", &name, "--region", "us-west-2", "--enable", "prometheus"];
    ok(dataplat_env(dir, &[&init[..], &["--enable", "enable_amazon_prometheus"]].concat(), &env));
    let platform = dir.join("platform.yaml");
    let ns = format!("{name}-mon");
    let text = std::fs::read_to_string(&platform).expect("read");
    std::fs::write(&platform, format!("{text}\nprometheus:\n  namespace: {ns}\n")).expect("write");
    let mirror = format!("https://prometheus-community.github.io/helm-charts={}/prom", server.base);
    let args = ["apply", "--kubeconfig", &kubeconfig, "--mirror", &mirror, "--no-wait"];

    // Before `up` made the workspace: refused, with the way out, and nothing written.
    let refused = dataplat_env(dir, &args, &env);
    let log = stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!("Amazon Managed Prometheus workspace of platform {name} does not exist yet")),
        "{log}"
    );
    assert!(log.contains(&format!("stack {name}-storage")) && log.contains("nothing was applied"), "{log}");
    assert!(!exists(&kubeconfig, "v1", "Namespace", None, &ns), "nothing was written");

    // The storage stack as `up` deploys it (the template `render` writes).
    ok(dataplat_env(dir, &["render", "--skip-charts", "--out", "rendered"], &env));
    let template = std::fs::read_to_string(dir.join(format!("rendered/cloudformation/{name}-storage.json")))
        .expect("the storage template");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let clients = runtime.block_on(async {
        let config = dataplat_aws::stacks::SdkConfigBuilder::new()
            .region("us-west-2")
            .endpoint_url(&moto.endpoint)
            .static_credentials("testing", "testing")
            .no_retries()
            .load()
            .await;
        let polling = dataplat_aws::stacks::Polling {
            interval: std::time::Duration::from_millis(50),
            timeout: std::time::Duration::from_secs(60),
        };
        dataplat_aws::clients::Clients::new(&config, polling)
    });
    let stack = format!("{name}-storage");
    let deployed = runtime
        .block_on(dataplat_aws::stacks::deploy(
            &clients.cfn,
            &dataplat_aws::stacks::StackSpec::new(&stack, template),
            &mut |_| {},
        ))
        .expect("deploy the storage stack");
    let workspace = deployed.outputs().get("AmpWorkspaceId").expect("the workspace id").clone();

    let applied = dataplat_env(dir, &args, &env);
    let log = stderr(&applied);
    assert!(applied.status.success(), "{log}");
    let settings = read_object(&kubeconfig, "v1", "ConfigMap", Some(&ns), "prometheus-settings");
    let remote_write = settings["data"]["remoteWrite"].as_str().expect("the fixture writes remoteWrite");
    assert!(
        remote_write.contains(&format!(
            "https://aps-workspaces.us-west-2.amazonaws.com/workspaces/{workspace}/api/v1/remote_write"
        )),
        "{remote_write}"
    );
    // Applied again: the same values, not one write.
    let again = dataplat_env(dir, &args, &env);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains(" 0 writes"), "{}", stderr(&again));
    // `plan` diffs against the same values: nothing to change.
    let plan_args = ["plan", "--cluster-only", "--kubeconfig", &kubeconfig, "--mirror", &mirror, "-o", "json"];
    let planned = dataplat_env(dir, &plan_args, &env);
    assert!(planned.status.success(), "{}", stderr(&planned));
    let planned: serde_json::Value = serde_json::from_str(&stdout(&planned)).expect("json");
    for report in planned["releases"].as_array().expect("reports") {
        for change in report["changes"].as_array().expect("changes") {
            assert_eq!(change["action"], "unchanged", "{change}");
        }
    }

    ok(dataplat_env(dir, &["disable", "prometheus"], &env));
    ok(dataplat_env(dir, &["apply", "--kubeconfig", &kubeconfig, "--no-wait"], &env));
    runtime.block_on(async {
        dataplat_aws::stacks::delete(&clients.cfn, &stack, &mut |_| {}).await.expect("delete the stack");
        // Retained by the template, as data is: `down`'s sweep deletes it; here the test does.
        clients.amp.delete_workspace().workspace_id(&workspace).send().await.expect("delete the workspace");
    });
}
