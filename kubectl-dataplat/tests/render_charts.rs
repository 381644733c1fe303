//! `render` fetches and renders the plan's charts in-process: fixture charts (tests/charts, ours,
//! with the names and versions the keda and prometheus plugins pin) served from an HTTP chart
//! repository on loopback and reached through `--mirror`, as an air-gapped site would.

mod common;

use std::path::Path;

use common::{dataplat_env, ok, private_chart_cache, publish_fixture_chart as publish, stderr};
use dataplat_testkit::http::StaticServer;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn render_fetches_each_chart_renders_it_with_the_plugin_values_and_then_works_offline() {
    let server = StaticServer::start();
    publish(&server, "keda", "keda", "2.20.2");
    publish(&server, "prom", "kube-prometheus-stack", "88.5.3");
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = private_chart_cache(dir);
    let env = [("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8"))];
    ok(dataplat_env(dir, &["init", "--enable", "keda", "--enable", "prometheus"], &env));
    let keda_mirror = format!("https://kedacore.github.io/charts={}/keda", server.base);
    let prom_mirror = format!("https://prometheus-community.github.io/helm-charts={}/prom", server.base);
    let out = dir.join("render");
    let out_arg = out.to_str().expect("utf-8");
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "--out", out_arg, "--mirror", &keda_mirror, "--mirror", &prom_mirror];
        args.extend_from_slice(extra);
        dataplat_env(dir, &args, &env)
    };

    let first = render(&[]);
    let summary = ok(first.clone());
    assert!(summary.contains("and 2 chart(s) with 12 object(s)"), "{summary}");
    let progress = stderr(&first);
    assert!(progress.contains("chart kube-prometheus-stack 88.5.3 for prometheus/prometheus"), "{progress}");
    assert!(progress.contains("(downloaded)") && !progress.contains("(cached)"), "{progress}");
    let requests = server.take_requests();
    assert!(requests.contains(&"/keda/keda-2.20.2.tgz".to_string()), "{requests:?}");

    // keda: the plugin's values (core nodeSelector, one replica), its release and namespace.
    let keda = out.join("keda/keda/chart");
    assert_eq!(
        files(&keda),
        [
            "01-serviceaccount-keda-operator.yaml",
            "02-customresourcedefinition-scaledobjects.keda.sh.yaml",
            "03-service-keda-operator.yaml",
            "04-deployment-keda-operator.yaml",
            "05-servicemonitor-keda-operator.yaml"
        ]
    );
    let deployment = read(&keda.join("04-deployment-keda-operator.yaml"));
    assert!(deployment.starts_with("# Source: keda/templates/operator.yaml\n"), "{deployment}");
    assert!(deployment.contains("namespace: keda") && deployment.contains("app.kubernetes.io/instance: keda"));
    assert!(deployment.contains("replicas: 1"), "plugin value over the chart default 3:\n{deployment}");
    assert!(deployment.contains("nodeSelector:\n        dataplat.io/pool: core"), "{deployment}");
    // The ServiceMonitor renders because prometheus (an earlier wave) brings its CRD.
    assert!(read(&keda.join("05-servicemonitor-keda-operator.yaml")).contains("kind: ServiceMonitor"));

    // prometheus: CRDs apart, hooks apart, the test hook left out, platform Kubernetes version.
    let prom = out.join("prometheus/prometheus/chart");
    assert_eq!(
        files(&prom.join("crds")),
        [
            "01-customresourcedefinition-servicemonitors.monitoring.coreos.com.yaml",
            "02-customresourcedefinition-podmonitors.monitoring.coreos.com.yaml",
            "03-customresourcedefinition-prometheusrules.monitoring.coreos.com.yaml"
        ]
    );
    assert_eq!(files(&prom.join("hooks")), ["01-job-prometheus-admission-create.yaml"]);
    let settings = read(&prom.join("03-configmap-prometheus-settings.yaml"));
    assert!(settings.contains("retention: \"15d\"") && settings.contains("kubeVersion: \"v1.34.0\""), "{settings}");
    assert!(!out.join("prometheus/prometheus/chart/hooks/02-pod-prometheus-test-connection.yaml").exists());
    // The admin Secret draws a random password: marked, and listed in chart.yaml.
    let secret = read(&prom.join("02-secret-prometheus-admin.yaml"));
    assert!(secret.contains("\n# Generated: holds values drawn at render time"), "{secret}");
    assert!(!settings.contains("# Generated") && !deployment.contains("# Generated"));
    assert!(read(&out.join("prometheus/prometheus/chart.yaml")).contains("generated:\n- Secret/prometheus-admin"));
    let reference = read(&out.join("keda/keda/chart.yaml"));
    assert!(reference.contains("digest: sha256:") && reference.contains("resolved_version: \"2.20.2\""), "{reference}");

    // Again, offline: everything from the cache, not one request, the same files.
    let again = render(&["--offline", "--force"]);
    assert!(ok(again.clone()).contains("2 chart(s) with 12 object(s)"));
    assert!(stderr(&again).contains("(cached)") && !stderr(&again).contains("(downloaded)"), "{}", stderr(&again));
    assert_eq!(server.take_requests(), Vec::<String>::new());
    assert_eq!(read(&keda.join("04-deployment-keda-operator.yaml")), deployment);

    // A version the repository does not have (and the cache cannot have): named, with a hint,
    // and the previous render untouched.
    let platform = dir.join("platform.yaml");
    let text = read(&platform);
    std::fs::write(&platform, format!("{text}\nkeda:\n  chart_version: 2.99.0\n")).expect("write");
    let missing = render(&["--force"]);
    let err = stderr(&missing);
    assert_eq!(missing.status.code(), Some(1), "{err}");
    assert!(err.contains("error: release keda/keda, chart keda 2.99.0: ") && err.contains("2.99.0"), "{err}");
    assert!(err.contains("hint: check the network, or point --mirror"), "{err}");
    assert_eq!(read(&keda.join("04-deployment-keda-operator.yaml")), deployment);
}

/// Issue 19: CRDs a chart renders from templates (cert-manager's) count in
/// `.Capabilities.APIVersions` for the releases that depend on it (spark-operator with
/// `certManager.enable`, whose chart fails without `cert-manager.io/v1/Issuer`); comment-only
/// documents (a licence header in `templates/` and in `crds/`) are no objects, in the files and
/// in the counts; a release of over 100 objects is written with three-digit indexes, so `ls`
/// order is install order.
#[test]
fn templated_crds_reach_dependent_releases_and_files_list_in_install_order() {
    let server = StaticServer::start();
    publish(&server, "jetstack", "cert-manager", "v1.18.2");
    publish(&server, "kubeflow", "spark-operator", "2.4.0");
    // The Spark teams' NodePools bring the core's Karpenter release, whose chart is OCI.
    let Some(registry) = dataplat_testkit::Registry::start() else { return };
    let karpenter = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts/karpenter");
    let tgz = dataplat_testkit::http::chart_tgz(&karpenter, "karpenter", |_, data| data);
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
    ok(dataplat_env(dir, &["init", "--enable", "cert_manager", "--enable", "spark_operator"], &env));
    let platform = dir.join("platform.yaml");
    let text = read(&platform);
    let overrides = "\ncert_manager:\n  values:\n    fixtureConfigMaps: 105\n\
                     spark_operator:\n  values:\n    certManager:\n      enable: true\n";
    std::fs::write(&platform, format!("{text}{overrides}")).expect("write");
    let out = dir.join("render");
    let jetstack = format!("https://charts.jetstack.io={}/jetstack", server.base);
    let kubeflow = format!("https://kubeflow.github.io/spark-operator={}/kubeflow", server.base);
    let ecr = format!("public.ecr.aws={}", registry.addr);
    let args = [
        "render",
        "--out",
        out.to_str().expect("utf-8"),
        "--mirror",
        &jetstack,
        "--mirror",
        &kubeflow,
        "--mirror",
        &ecr,
    ];
    let rendered = dataplat_env(dir, &args, &env);
    let summary = ok(rendered.clone());

    // cert-manager: 105 ConfigMaps, 2 templated CRDs and a Deployment; spark-operator: its
    // Issuer (rendered because the CRD is there), Deployment and the Spark service account of
    // the team namespace, and 2 CRDs from crds/; and Karpenter's chart.
    assert!(summary.contains("and 3 chart(s) with "), "{summary}");
    let progress = stderr(&rendered);
    assert!(progress.contains("cert-manager v1.18.2: 108 object(s), 0 CRD(s)"), "{progress}");
    assert!(progress.contains("spark-operator 2.4.0: 3 object(s), 2 CRD(s)"), "{progress}");
    let spark = out.join("spark_operator/spark-operator/chart");
    assert_eq!(
        files(&spark),
        [
            "01-serviceaccount-spark.yaml",
            "02-deployment-spark-operator-controller.yaml",
            "03-issuer-spark-operator-self-signed-issuer.yaml",
            "crds"
        ]
    );
    assert_eq!(
        files(&spark.join("crds")),
        [
            "01-customresourcedefinition-sparkapplications.sparkoperator.k8s.io.yaml",
            "02-customresourcedefinition-sparkconnects.sparkoperator.k8s.io.yaml"
        ]
    );

    let cert_manager = files(&out.join("cert_manager/cert-manager/chart"));
    assert_eq!(cert_manager.len(), 108, "{cert_manager:?}");
    assert!(cert_manager.iter().all(|f| !f.contains("unnamed")), "{cert_manager:?}");
    let indexes: Vec<usize> =
        cert_manager.iter().map(|f| f.split('-').next().and_then(|n| n.parse().ok()).expect("NNN-")).collect();
    assert_eq!(indexes, (1..=108).collect::<Vec<_>>(), "ls order is install order: {cert_manager:?}");
    assert_eq!(cert_manager[0], "001-configmap-fixture-0.yaml");
    assert_eq!(cert_manager[105], "106-customresourcedefinition-issuers.cert-manager.io.yaml");
    assert_eq!(cert_manager[107], "108-deployment-cert-manager.yaml");
}
