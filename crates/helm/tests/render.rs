//! The renderer against Go: every fixture chart of `tests/render-charts/` (our own charts) is
//! rendered by `helm::render` and by the Go oracle's chart mode (`tools/gotemplate-oracle
//! --chart`: text/template + Debian's Sprig + Helm's engine glue), and the per-template outputs
//! (`---\n# Source: NAME\n<output>` in Helm's parse order) are compared byte for byte; charts
//! that fail must fail with the same message.
//!
//! A fixture `NAME/` may have `NAME.args`, one option a line: `values FILE` (relative to
//! `render-charts/`), `set k=v`, `release N`, `namespace N`, `kube-version V`, `api-version GV`.
//!
//! The oracle is `$DATAPLAT_GO_ORACLE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/dataplat-ci/gotemplate-oracle`;
//! without it the differential test skips with a message (fails under `DATAPLAT_IT=1`). The other
//! tests (ordering, hooks, CRDs, errors) need no oracle.

use std::path::{Path, PathBuf};
use std::process::Command;

use helm::render::{RenderOptions, render_chart, render_templates};
use helm::{Chart, SprigOptions};

fn charts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/render-charts")
}

#[derive(Default)]
struct Args {
    values: Vec<String>,
    set: Vec<String>,
    release: Option<String>,
    namespace: Option<String>,
    kube_version: Option<String>,
    api_versions: Vec<String>,
}

fn fixture_args(name: &str) -> Args {
    let mut a = Args::default();
    let Ok(text) = std::fs::read_to_string(charts_dir().join(format!("{name}.args"))) else { return a };
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        let v = v.trim().to_string();
        match k {
            "values" => a.values.push(v),
            "set" => a.set.push(v),
            "release" => a.release = Some(v),
            "namespace" => a.namespace = Some(v),
            "kube-version" => a.kube_version = Some(v),
            "api-version" => a.api_versions.push(v),
            other => panic!("{name}.args: unknown option {other}"),
        }
    }
    a
}

fn options(a: &Args) -> RenderOptions {
    RenderOptions {
        release_name: a.release.clone().unwrap_or_else(|| "release-name".into()),
        namespace: a.namespace.clone().unwrap_or_else(|| "default".into()),
        kube_version: a.kube_version.clone(),
        api_versions: a.api_versions.clone(),
        sprig: SprigOptions { seed: Some(1), now: Some((1_700_000_000, 0)) },
        ..RenderOptions::default()
    }
}

fn user_values(a: &Args) -> gotemplate::Value {
    let files: Vec<(String, String)> = a
        .values
        .iter()
        .map(|f| (f.clone(), std::fs::read_to_string(charts_dir().join(f)).expect("values file")))
        .collect();
    helm::values::merge_user_values(&files, &a.set, &[]).expect("user values")
}

/// Our per-template output in the oracle's format, or the error message.
fn ours(name: &str) -> Result<String, String> {
    let a = fixture_args(name);
    let mut chart = Chart::load(charts_dir().join(name)).map_err(|e| e.to_string())?;
    let values = helm::values_for_render(&mut chart, &user_values(&a)).map_err(|e| e.to_string())?;
    let tpls = render_templates(&chart, &values, &options(&a)).map_err(|e| e.to_string())?;
    Ok(tpls.iter().map(|(n, out)| format!("---\n# Source: {n}\n{out}")).collect())
}

fn oracle_bin() -> Option<PathBuf> {
    let path = match std::env::var_os("DATAPLAT_GO_ORACLE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => std::env::var_os("XDG_CACHE_HOME")
            .filter(|c| !c.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|c| c.join("dataplat-ci/gotemplate-oracle"))
            .unwrap_or_else(|| PathBuf::from("gotemplate-oracle-not-found")),
    };
    if path.is_file() {
        return Some(path);
    }
    let msg =
        format!("Go oracle not found at {} (set DATAPLAT_GO_ORACLE, or build tools/gotemplate-oracle)", path.display());
    if std::env::var("DATAPLAT_IT").is_ok_and(|v| v == "1") {
        panic!("{msg}");
    }
    eprintln!("SKIP: {msg}");
    None
}

fn oracle(bin: &Path, name: &str) -> Result<String, String> {
    let a = fixture_args(name);
    let mut cmd = Command::new(bin);
    cmd.current_dir(charts_dir()).arg("--chart").arg(name);
    for v in &a.values {
        cmd.arg("--values").arg(v);
    }
    for s in &a.set {
        cmd.arg("--set").arg(s);
    }
    for v in &a.api_versions {
        cmd.arg("--api-version").arg(v);
    }
    if let Some(r) = &a.release {
        cmd.arg("--release").arg(r);
    }
    if let Some(n) = &a.namespace {
        cmd.arg("--namespace").arg(n);
    }
    if let Some(k) = &a.kube_version {
        cmd.arg("--kube-version").arg(k);
    }
    let out = cmd.output().expect("run the oracle");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim_end().to_string())
    }
}

fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(charts_dir())
        .expect("render-charts")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Chart.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn fixture_charts_match_the_go_oracle() {
    let Some(bin) = oracle_bin() else { return };
    let names = fixtures();
    assert!(names.len() >= 8, "fixtures: {names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let (o, g) = (ours(name), oracle(&bin, name));
        if o != g {
            failures.push(format!("== {name}\n-- ours:\n{}\n-- oracle:\n{}", show(&o), show(&g)));
        }
    }
    assert!(failures.is_empty(), "{} of {} charts differ:\n{}", failures.len(), names.len(), failures.join("\n"));
}

fn show(r: &Result<String, String>) -> String {
    match r {
        Ok(s) => s.clone(),
        Err(e) => format!("ERROR: {e}"),
    }
}

fn render_fixture(name: &str) -> helm::Rendered {
    let a = fixture_args(name);
    let chart = Chart::load(charts_dir().join(name)).expect("load");
    render_chart(chart, &user_values(&a), &options(&a)).expect("render")
}

#[test]
fn objects_come_in_install_order_with_their_source() {
    let r = render_fixture("hooks");
    let kinds: Vec<(&str, &str)> = r.manifests.iter().map(|m| (m.kind.as_str(), m.name.as_str())).collect();
    assert_eq!(
        kinds,
        [
            ("Namespace", "ns"),
            ("ServiceAccount", "sa"),
            ("ConfigMap", "cm"),
            ("ClusterRole", "role"),
            ("Service", "svc"),
            ("Deployment", "dep"),
            ("", ""),
            ("Gadget", "gadget"),
            ("Widget", "widget"),
        ]
    );
    assert!(r.manifests.iter().all(|m| m.source.starts_with("hooks/templates/")));
    assert_eq!(r.manifests[0].source, "hooks/templates/all.yaml");
    assert_eq!(r.manifests[6].content, "# just a comment");
    let stream = r.to_yaml_stream(false);
    assert!(
        stream.starts_with("---\n# Source: hooks/templates/all.yaml\napiVersion: v1\nkind: Namespace\n"),
        "{stream}"
    );
    assert!(!stream.contains("NOTES"), "{stream}");
    assert_eq!(r.notes.as_deref(), Some("Hooks: release-name\n"));
}

#[test]
fn hooks_are_grouped_by_phase_and_weight_without_tests() {
    let r = render_fixture("hooks");
    assert_eq!(r.hooks.len(), 4);
    assert!(r.hooks.iter().any(|h| h.is_test()));
    let phases = r.hooks_by_phase();
    let names = |p: &str| phases[p].iter().map(|h| h.manifest.name.as_str()).collect::<Vec<_>>();
    assert_eq!(phases.keys().collect::<Vec<_>>(), ["post-install", "pre-install", "pre-upgrade"]);
    assert_eq!(names("pre-install"), ["pre-install-early", "pre-install-late"]);
    assert_eq!(names("pre-upgrade"), ["pre-install-late"]);
    let late = phases["pre-install"][1];
    assert_eq!(late.weight, 5);
    assert_eq!(late.delete_policies, ["before-hook-creation", "hook-succeeded"]);
    let stream = r.to_yaml_stream(true);
    assert!(!stream.contains("release-name-test"), "test hooks are skipped:\n{stream}");
    assert!(stream.contains("name: pre-install-early"));
}

#[test]
fn crds_are_separated_out() {
    let r = render_fixture("hooks");
    let crds: Vec<&str> = r.crds.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(crds, ["widgets.example.com", "gadgets.example.com"]);
    assert!(r.crds.iter().all(|m| m.source == "hooks/crds/widgets.yaml" && m.kind == "CustomResourceDefinition"));
    assert!(r.manifests.iter().all(|m| m.kind != "CustomResourceDefinition"));
    assert!(!r.to_yaml_stream(false).contains("widgets.example.com\n"));
    assert!(r.to_yaml_stream(true).starts_with("---\n# Source: hooks/crds/widgets.yaml\napiVersion: apiextensions"));
}

#[test]
fn a_failing_required_names_template_line_and_message() {
    let err = ours("required").unwrap_err();
    assert_eq!(
        err,
        "execution error at (required/templates/secret.yaml:6:15): A valid .Values.password entry required!"
    );
    let err = ours("fail").unwrap_err();
    assert_eq!(err, "execution error at (fail/templates/cm.yaml:2:4): mode \"bad\" is not supported");
}

#[test]
fn library_charts_render_nothing_and_only_their_partials_as_subcharts() {
    let out = ours("library").unwrap();
    assert!(!out.contains("must-not-appear"), "{out}");
    let mut chart = Chart::load(charts_dir().join("library/charts/common")).unwrap();
    let values = helm::values_for_render(&mut chart, &gotemplate::Value::map(Default::default())).unwrap();
    let r = helm::render(&chart, &values, &RenderOptions::default()).unwrap();
    assert!(r.templates.is_empty() && r.manifests.is_empty());
}

#[test]
fn include_recursion_is_bounded_with_helms_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("Chart.yaml"), "apiVersion: v2\nname: loop\nversion: 0.1.0\n").unwrap();
    std::fs::write(
        dir.path().join("templates/x.yaml"),
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}",
    )
    .unwrap();
    let chart = Chart::load(dir.path()).unwrap();
    let err = render_chart(chart, &gotemplate::Value::map(Default::default()), &RenderOptions::default()).unwrap_err();
    assert!(
        err.message.contains("rendering template has a nested reference name: loop: unable to execute template"),
        "{err}"
    );
}

#[test]
fn split_manifests_follows_helm() {
    let docs = helm::render::split_manifests("\n---\na: 1\n---   \n\n---\nb: 2\n  ---\nc: 3\n");
    // Go's regexp consumes the blank line after the first separator, so the next `---` is not
    // at a line start any more; an indented `---` is no separator.
    assert_eq!(docs, ["a: 1", "---\nb: 2\n  ---\nc: 3"]);
}

#[test]
fn a_schema_violation_names_the_value_path() {
    let chart = Chart::load(charts_dir().join("schema")).unwrap();
    let user = helm::values::merge_user_values(&[], &["replicas=0".into(), "image.tag=null".into()], &[]).unwrap();
    let err = render_chart(chart, &user, &RenderOptions::default()).unwrap_err();
    assert!(err.message.contains("schema:\n"), "{err}");
    assert!(err.message.contains("- at '/replicas'"), "{err}");
    assert!(err.message.contains("- at '/image'"), "{err}");
}

#[test]
fn seeded_random_functions_render_the_same_twice() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("Chart.yaml"), "apiVersion: v2\nname: rand\nversion: 0.1.0\n").unwrap();
    std::fs::write(
        dir.path().join("templates/secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {{ randAlphaNum 16 | quote }}\n  \
         existing: {{ lookup \"v1\" \"Secret\" .Release.Namespace \"s\" | toJson | quote }}\n",
    )
    .unwrap();
    let render = |seed: u64| {
        let chart = Chart::load(dir.path()).unwrap();
        let opts = RenderOptions { sprig: SprigOptions { seed: Some(seed), now: None }, ..RenderOptions::default() };
        render_chart(chart, &gotemplate::Value::map(Default::default()), &opts).unwrap().to_yaml_stream(false)
    };
    let a = render(7);
    assert_eq!(a, render(7));
    assert_ne!(a, render(8));
    assert!(a.contains("existing: \"{}\""), "{a}");
}

#[test]
fn disabled_subcharts_are_not_rendered_and_aliases_name_the_templates() {
    let dir = tempfile::tempdir().unwrap();
    let w = |p: &str, text: &str| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    w(
        "Chart.yaml",
        "apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n  - name: web\n    version: 0.1.0\n    \
         condition: web.enabled\n  - name: web\n    alias: canary\n    version: 0.1.0\n    condition: canary.enabled\n",
    );
    w("values.yaml", "web:\n  enabled: false\ncanary:\n  enabled: true\n  replicas: 2\n");
    w("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
    w("charts/web/values.yaml", "replicas: 1\n");
    w(
        "charts/web/templates/d.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Chart.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n",
    );
    let chart = Chart::load(dir.path()).unwrap();
    let r = render_chart(chart, &gotemplate::Value::map(Default::default()), &RenderOptions::default()).unwrap();
    let names: Vec<&str> = r.templates.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["parent/charts/canary/templates/d.yaml"]);
    assert_eq!(r.manifests.len(), 1);
    assert_eq!(r.manifests[0].name, "canary");
    assert!(r.manifests[0].content.ends_with("replicas: 2"), "{}", r.manifests[0].content);
}

/// Helm v3.17.0's kind sorter (`pkg/releaseutil/kind_sorter.go`: `InstallOrder`, `lessByKind`),
/// the Helm whose version `.Capabilities.HelmVersion` reports: known kinds by rank, then unknown
/// kinds by name. Webhook configurations are unknown to it (Helm 4 ranks them after
/// `APIService`, which would put them before `Certificate` here).
#[test]
fn objects_are_sorted_by_helm_v3_17_0s_kind_sorter() {
    assert_eq!(helm::context::HELM_VERSION, "v3.17.0", "this test checks the order of the Helm we report");
    let r = render_fixture("kind-order");
    let kinds: Vec<&str> = r.manifests.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "Service",
            "Deployment",
            "Ingress",
            "APIService",
            "Certificate",
            "Issuer",
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
            "ZooKeeper",
        ]
    );
}

#[test]
fn comment_only_documents_are_no_objects() {
    let r = render_fixture("hooks");
    let empty: Vec<&str> = r.manifests.iter().filter(|m| m.is_empty_document()).map(|m| m.content.as_str()).collect();
    assert_eq!(empty, ["# just a comment"], "only the comment-only document is empty");
    assert!(r.crds.iter().all(|m| !m.is_empty_document()));
}
