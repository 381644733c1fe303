//! `lookup` without a cluster (an empty map, as `helm template`) and through a [`Lookup`] (a
//! live cluster in the applier; a map of objects here): the pattern that keeps a generated
//! secret stable across renders, lists, and errors.

use std::collections::BTreeMap;
use std::sync::Arc;

use helm::{Chart, Lookup, LookupHandle, RenderOptions, SprigOptions};
use serde_json::{Value as Json, json};

/// Objects by (apiVersion, kind, namespace, name); "boom" kinds fail.
struct Objects(BTreeMap<(String, String, String, String), Json>);

impl Lookup for Objects {
    fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Option<Json>, String> {
        if kind == "Boom" {
            return Err("the server could not find the requested resource".into());
        }
        if name.is_empty() {
            let items: Vec<Json> = self
                .0
                .iter()
                .filter(|((a, k, n, _), _)| a == api_version && k == kind && n == namespace)
                .map(|(_, o)| o.clone())
                .collect();
            return Ok(Some(json!({"apiVersion": api_version, "kind": format!("{kind}List"), "items": items})));
        }
        let key = (api_version.to_string(), kind.to_string(), namespace.to_string(), name.to_string());
        Ok(self.0.get(&key).cloned())
    }
}

const TEMPLATE: &str = r#"{{- $existing := lookup "v1" "Secret" .Release.Namespace "app-secret" -}}
apiVersion: v1
kind: Secret
metadata:
  name: app-secret
data:
  password: {{ if $existing }}{{ index $existing.data "password" }}{{ else }}{{ randAlphaNum 16 | b64enc }}{{ end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: counts
data:
  configmaps: {{ (lookup "v1" "ConfigMap" .Release.Namespace "").items | default list | len | quote }}
  replicas: {{ dig "spec" "replicas" "none" (lookup "apps/v1" "Deployment" .Release.Namespace "web") | quote }}
"#;

fn chart(template: &str) -> (tempfile::TempDir, Chart) {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
    std::fs::write(dir.path().join("Chart.yaml"), "apiVersion: v2\nname: app\nversion: 1.0.0\n").expect("write");
    std::fs::write(dir.path().join("templates/objects.yaml"), template).expect("write");
    let chart = Chart::load(dir.path()).expect("load");
    (dir, chart)
}

fn render(template: &str, seed: u64, lookup: Option<Objects>) -> Result<String, String> {
    let (_dir, chart) = chart(template);
    let options = RenderOptions {
        namespace: "apps".into(),
        sprig: SprigOptions { seed: Some(seed), now: None },
        lookup: lookup.map(|l| LookupHandle(Arc::new(l))),
        ..RenderOptions::default()
    };
    let values = gotemplate::Value::map(BTreeMap::new());
    helm::render_chart(chart, &values, &options).map(|r| r.to_yaml_stream(false)).map_err(|e| e.to_string())
}

fn cluster() -> Objects {
    let mut objects = BTreeMap::new();
    let key = |a: &str, k: &str, n: &str| (a.to_string(), k.to_string(), "apps".to_string(), n.to_string());
    objects.insert(key("v1", "Secret", "app-secret"), json!({"data": {"password": "c3RheS10aGUtc2FtZQ=="}}));
    objects.insert(key("v1", "ConfigMap", "a"), json!({"metadata": {"name": "a"}}));
    objects.insert(key("v1", "ConfigMap", "b"), json!({"metadata": {"name": "b"}}));
    objects.insert(key("apps/v1", "Deployment", "web"), json!({"spec": {"replicas": 3}}));
    Objects(objects)
}

#[test]
fn without_a_cluster_lookup_is_empty_and_generated_values_rotate() {
    let first = render(TEMPLATE, 1, None).expect("render");
    let second = render(TEMPLATE, 2, None).expect("render");
    assert!(first.contains("configmaps: \"0\"") && first.contains("replicas: \"none\""), "{first}");
    assert_ne!(first, second, "randAlphaNum draws new values each render when nothing is found");
}

#[test]
fn with_a_cluster_lookup_reads_objects_and_lists_and_keeps_the_secret() {
    let first = render(TEMPLATE, 1, Some(cluster())).expect("render");
    let second = render(TEMPLATE, 2, Some(cluster())).expect("render");
    assert!(first.contains("password: c3RheS10aGUtc2FtZQ=="), "{first}");
    assert_eq!(first, second, "the live secret's value is reused whatever the seed");
    assert!(first.contains("configmaps: \"2\""), "{first}");
    assert!(first.contains("replicas: \"3\""), "integers from the cluster print as integers: {first}");
}

#[test]
fn a_lookup_error_fails_the_render_with_the_template_and_message() {
    let err = render("{{ lookup \"v1\" \"Boom\" \"apps\" \"x\" }}", 1, Some(cluster())).expect_err("fails");
    assert!(
        err.contains("app/templates/objects.yaml") && err.contains("could not find the requested resource"),
        "{err}"
    );
    let err = render("{{ lookup \"v1\" \"Secret\" \"apps\" }}", 1, None).expect_err("arity");
    assert!(err.contains("wrong number of args for lookup"), "{err}");
}
