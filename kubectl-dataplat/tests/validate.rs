//! Every rendered object of a built-in kind validates against the Kubernetes 1.34 OpenAPI schema
//! with `kubernetes-validate --strict` (unknown fields are errors).
//!
//! kubernetes-validate (PyPI, 1.37) has no schemas for custom resources: it prints "Couldn't find
//! schema" and passes them. Those (ScaledObject, ServiceMonitor, NodePool, EC2NodeClass...) are
//! checked field by field in `crates/core/tests/api_models.rs`. Here a skipped object must at
//! least not claim a built-in API group, so a typo like `apps/v2` cannot slip through as "custom".
//!
//! The tool is found through `DATAPLAT_KUBERNETES_VALIDATE` (tests/run installs it into a venv and
//! sets it), else in `${XDG_CACHE_HOME:-~/.cache}/dataplat-ci/venv`. When it is missing the tests
//! skip with a message, unless `DATAPLAT_IT=1`, where they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{dataplat, ok, repo};

const KUBERNETES_VERSION: &str = "1.34.0";

/// The kubernetes-validate executable, or `None` (skip) when it is not installed and not required.
fn kubernetes_validate() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DATAPLAT_KUBERNETES_VALIDATE") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "DATAPLAT_KUBERNETES_VALIDATE={} does not exist", path.display());
        return Some(path);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    let found = cache.map(|c| c.join("dataplat-ci/venv/bin/kubernetes-validate")).filter(|p| p.is_file());
    if found.is_none() {
        let how = "run tests/run, or: python3 -m venv ~/.cache/dataplat-ci/venv && \
                   ~/.cache/dataplat-ci/venv/bin/pip install 'kubernetes-validate==1.37.*'";
        assert!(!dataplat_testkit::required(), "DATAPLAT_IT=1 but kubernetes-validate is not installed ({how})");
        eprintln!("skipping: kubernetes-validate is not installed ({how})");
    }
    found
}

/// Object files of a render: `NN-<kind>-<name>.yaml` (not chart.yaml, values.yaml, cloud.yaml...).
fn object_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read render dir").filter_map(|e| e.ok()) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(".yaml") && name.len() > 3 && name[..2].bytes().all(|b| b.is_ascii_digit()) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// API groups of built-in kinds: an object in one of these must have a schema.
fn is_builtin_api(api_version: &str) -> bool {
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    group.is_empty()
        || ["apps", "batch", "policy", "autoscaling"].contains(&group)
        || (group.ends_with(".k8s.io") && !group.ends_with(".x-k8s.io") && !CRD_GROUPS_UNDER_K8S_IO.contains(&group))
}

/// Custom resource groups under `k8s.io` (the Kubeflow Spark operator's).
const CRD_GROUPS_UNDER_K8S_IO: [&str; 1] = ["sparkoperator.k8s.io"];

/// What one kubernetes-validate run said about the files.
#[derive(Debug, Default)]
struct Outcome {
    passed: usize,
    /// `kind apiVersion` of the custom resources it skipped.
    skipped: Vec<String>,
    errors: Vec<String>,
}

/// Runs one `kubernetes-validate -k 1.34.0 --strict` over `files` and classifies every file.
fn validate(tool: &Path, files: &[PathBuf]) -> Outcome {
    assert!(!files.is_empty(), "nothing to validate");
    let output = Command::new(tool)
        .args(["-k", KUBERNETES_VERSION, "--strict"])
        .args(files)
        .output()
        .expect("run kubernetes-validate");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let mut outcome = Outcome::default();
    for file in files {
        let shown = file.to_string_lossy();
        let lines: Vec<&str> =
            stdout.lines().chain(stderr.lines()).filter(|l| l.split_whitespace().nth(1) == Some(&*shown)).collect();
        let object: serde_json::Value =
            serde_saphyr::from_str(&std::fs::read_to_string(file).expect("object file")).expect("yaml");
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let label = format!("{} ({} {})", shown, object["kind"].as_str().unwrap_or_default(), api_version);
        if lines.iter().any(|l| l.starts_with("ERROR")) || lines.is_empty() {
            outcome.errors.push(format!(
                "{label}:\n  {}",
                if lines.is_empty() { "no verdict".into() } else { lines.join("\n  ") }
            ));
        } else if lines.iter().any(|l| l.contains("Couldn't find schema")) {
            if is_builtin_api(api_version) {
                outcome.errors.push(format!("{label}: a built-in API group without a schema (wrong apiVersion?)"));
            } else {
                outcome.skipped.push(format!("{} {api_version}", object["kind"].as_str().unwrap_or_default()));
            }
        } else if lines.iter().any(|l| l.contains(" passed ")) {
            outcome.passed += 1;
        } else {
            outcome.errors.push(format!("{label}: unexpected verdict:\n  {}", lines.join("\n  ")));
        }
    }
    if outcome.errors.is_empty() {
        assert!(output.status.success(), "kubernetes-validate failed:\n{stdout}{stderr}");
    }
    outcome.skipped.sort();
    outcome.skipped.dedup();
    outcome
}

/// Renders `platform.yaml` in `dir` into a temporary directory.
fn render(dir: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tmp");
    let target = out.path().join("render");
    ok(dataplat(dir, &["-f", "platform.yaml", "render", "--skip-charts", "--out", &target.to_string_lossy()]));
    out
}

/// The bundled platform.yaml with enable_trino_keda on, and every golden variant.
fn inputs() -> Vec<(String, PathBuf, Option<tempfile::TempDir>)> {
    let bundled = tempfile::tempdir().expect("tmp");
    let text = std::fs::read_to_string(repo().join("platform.yaml")).expect("bundled platform.yaml");
    let text = dataplat_config::set_flag(&text, "enable_trino_keda", true).expect("set enable_trino_keda");
    std::fs::write(bundled.path().join("platform.yaml"), text).expect("write");
    let mut inputs = vec![("bundled platform.yaml".to_string(), bundled.path().to_path_buf(), Some(bundled))];
    let golden = repo().join("tests/golden");
    let mut variants: Vec<PathBuf> = std::fs::read_dir(&golden)
        .expect("tests/golden")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .flat_map(|addon| std::fs::read_dir(addon).into_iter().flatten().filter_map(|e| e.ok().map(|e| e.path())))
        .filter(|v| v.join("platform.yaml").is_file())
        .collect();
    variants.sort();
    for variant in variants {
        let name = variant.strip_prefix(&golden).unwrap_or(&variant).display().to_string();
        inputs.push((format!("golden {name}"), variant, None));
    }
    inputs
}

#[test]
fn rendered_objects_validate_against_kubernetes_1_34() {
    let Some(tool) = kubernetes_validate() else { return };
    let mut failures = Vec::new();
    for (name, dir, _keep) in inputs() {
        let out = render(&dir);
        let files = object_files(&out.path().join("render"));
        let outcome = validate(&tool, &files);
        eprintln!(
            "{name}: {} file(s), {} passed, custom resources skipped by the tool: {}",
            files.len(),
            outcome.passed,
            outcome.skipped.join(", ")
        );
        assert!(outcome.passed >= 5, "{name}: only {} built-in objects validated", outcome.passed);
        failures.extend(outcome.errors.into_iter().map(|e| format!("[{name}] {e}")));
    }
    assert!(
        failures.is_empty(),
        "{} object(s) fail kubernetes-validate --strict:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn invalid_objects_are_caught() {
    let Some(tool) = kubernetes_validate() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let good =
        write("01-configmap-good.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\ndata: {a: b}\n");
    let unknown =
        write("02-configmap-unknown.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nbogus: 1\n");
    let typed = write(
        "03-deployment-typed.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: two\n  selector: {matchLabels: {a: b}}\n  \
         template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: i}]}\n",
    );
    let wrong_group = write("04-deployment-v2.yaml", "apiVersion: apps/v2\nkind: Deployment\nmetadata: {name: x}\n");
    let custom = write("05-nodepool-x.yaml", "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: x}\n");
    let outcome = validate(&tool, &[good, unknown, typed, wrong_group, custom]);
    assert_eq!(outcome.passed, 1, "{outcome:?}");
    assert_eq!(outcome.skipped, ["NodePool karpenter.sh/v1"], "{outcome:?}");
    assert_eq!(outcome.errors.len(), 3, "{outcome:?}");
    assert!(outcome.errors[0].contains("bogus"), "{outcome:?}");
    assert!(outcome.errors[1].contains("replicas") || outcome.errors[1].contains("two"), "{outcome:?}");
    assert!(outcome.errors[2].contains("built-in API group"), "{outcome:?}");
}

/// cfn-lint (tests/run installs it into the venv and sets `DATAPLAT_CFN_LINT`), or `None` (skip)
/// when it is missing and not required.
fn cfn_lint() -> Option<PathBuf> {
    match std::env::var_os("DATAPLAT_CFN_LINT").map(PathBuf::from).filter(|p| p.is_file()) {
        Some(path) => Some(path),
        None => {
            assert!(!dataplat_testkit::required(), "DATAPLAT_IT=1 but DATAPLAT_CFN_LINT names no cfn-lint");
            eprintln!("skipping: cfn-lint is not installed (tests/run installs it)");
            None
        }
    }
}

#[test]
fn the_bundled_platform_cloudformation_templates_pass_cfn_lint() {
    let Some(tool) = cfn_lint() else { return };
    for (name, dir, _keep) in inputs().into_iter().take(1) {
        let out = render(&dir);
        let cfn = out.path().join("render/cloudformation");
        let mut templates: Vec<PathBuf> =
            std::fs::read_dir(&cfn).expect("cloudformation/").filter_map(|e| e.ok().map(|e| e.path())).collect();
        templates.sort();
        let names: Vec<String> =
            templates.iter().map(|t| t.file_name().unwrap().to_string_lossy().into_owned()).collect();
        // The bundled platform has addon buckets: all four stacks.
        let stacks = ["iam", "interruption", "network", "storage"].map(|s| format!("trino-v2-{s}.json"));
        assert_eq!(names, stacks, "{name}");
        let lint = |files: &[PathBuf]| {
            let output = Command::new(&tool)
                .args(["--format", "parseable", "--regions", "us-west-2", "--"])
                .args(files)
                .output()
                .expect("run cfn-lint");
            (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
        };
        let (code, report) = lint(&templates);
        let errors: Vec<&str> = report.lines().filter(|l| l.contains(":E")).collect();
        eprintln!(
            "{name}: cfn-lint over {} template(s): {} finding(s), {} error(s)",
            templates.len(),
            report.lines().count(),
            errors.len()
        );
        assert!(errors.is_empty(), "cfn-lint errors:\n{}", errors.join("\n"));
        // Exit bits: 2 errors, 4 warnings, 8 informational; anything else is a failed run.
        assert_eq!(code & !(4 | 8), 0, "cfn-lint exit {code}:\n{report}");
        // The check bites: a broken copy is an error.
        let broken = out.path().join("broken.json");
        let text =
            std::fs::read_to_string(&templates[1]).expect("read").replace("AWS::SQS::Queue\"", "AWS::SQS::Queuex\"");
        std::fs::write(&broken, text).expect("write");
        let (code, report) = lint(&[broken]);
        assert!(code & 2 != 0 && report.contains(":E"), "a bad resource type is reported: {code}\n{report}");
    }
}

/// The examples' objects of built-in kinds (ConfigMaps, Jobs) validate against Kubernetes 1.34;
/// their custom resources are checked against operator API models in `examples.rs`.
#[test]
fn the_examples_validate_against_kubernetes() {
    let Some(tool) = kubernetes_validate() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("platform.yaml"), common::bundled_platform_with_every_addon_on()).expect("write");
    let out = tempfile::tempdir().expect("tmp");
    let mut files = Vec::new();
    for name in ["spark-iceberg", "flink-checkpoints", "kafka-producer", "trino-queries"] {
        let json = ok(dataplat(dir.path(), &["examples", "render", name, "-o", "json"]));
        let objects: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json list");
        for (i, object) in objects.iter().enumerate() {
            let file = out.path().join(format!("{:02}-{name}-{i}.yaml", files.len()));
            std::fs::write(&file, serde_json::to_string(object).expect("json")).expect("write");
            files.push(file);
        }
    }
    let outcome = validate(&tool, &files);
    assert!(outcome.errors.is_empty(), "{:#?}", outcome.errors);
    assert_eq!(outcome.passed, 4, "two ConfigMaps and two Jobs: {outcome:?}");
    assert_eq!(
        outcome.skipped,
        [
            "FlinkDeployment flink.apache.org/v1beta1",
            "KafkaTopic kafka.strimzi.io/v1beta2",
            "SparkApplication sparkoperator.k8s.io/v1beta2"
        ]
    );
}
