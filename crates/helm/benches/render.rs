//! The issue's benchmark: load + render of a large chart (64 templates over a parent and two
//! subcharts: include, tpl, toYaml, sha256sum, range), ours against Helm's engine rules in Go
//! (the oracle of tools/gotemplate-oracle, `--chart DIR --repeat N`) on the same files, in one
//! run; the outputs must be identical.
//!
//! `cargo bench -p helm --bench render`. The oracle comes from `DATAPLAT_GO_ORACLE` (default
//! `~/.cache/dataplat-ci/gotemplate-oracle`, built by `bash tests/run`); without it only our figure
//! is printed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use helm::Chart;
use helm::render::{RenderOptions, render_templates};

/// Writes a large chart (60+ templates over a parent and two subcharts) for the benchmark.
fn write_large_chart(root: &Path) {
    let w = |p: &str, text: &str| {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let helpers = r#"{{- define "big.name" -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "big.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
"#;
    let template = |i: usize| {
        format!(
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "big.name" . }}}}-{i}
  labels: {{{{- include "big.labels" . | nindent 4 }}}}
  annotations:
    checksum: {{{{ toYaml .Values | sha256sum | trunc 16 }}}}
spec:
  replicas: {{{{ .Values.replicas }}}}
  template:
    spec:
      containers:
      {{{{- range $name, $c := .Values.containers }}}}
        - name: {{{{ $name }}}}
          image: {{{{ printf "%s:%s" $c.image ($c.tag | default "latest") | quote }}}}
          env: {{{{- toYaml $c.env | nindent 12 }}}}
          args: [{{{{ tpl $.Values.arg $ | quote }}}}]
      {{{{- end }}}}
"#
        )
    };
    let values = "replicas: 2\narg: \"--name={{ .Release.Name }}\"\ncontainers:\n  web:\n    image: nginx\n    env:\n      - {name: A, value: \"1\"}\n      - {name: B, value: x}\n  side:\n    image: busybox\n    tag: \"1.36\"\n    env: []\n";
    for (dir, name, n) in [("", "big", 40), ("charts/sub1/", "sub1", 12), ("charts/sub2/", "sub2", 12)] {
        w(&format!("{dir}Chart.yaml"), &format!("apiVersion: v2\nname: {name}\nversion: 1.0.0\n"));
        w(&format!("{dir}values.yaml"), values);
        w(&format!("{dir}templates/_helpers.tpl"), helpers);
        for i in 0..n {
            w(&format!("{dir}templates/t{i:02}.yaml"), &template(i));
        }
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("helm-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write_large_chart(&dir);
    let runs = 50;
    let render_once = || {
        let mut chart = Chart::load(&dir).expect("load");
        let values = helm::values_for_render(&mut chart, &gotemplate::Value::map(Default::default())).expect("values");
        let tpls = render_templates(&chart, &values, &RenderOptions::default()).expect("render");
        tpls.iter().map(|(n, out)| format!("---\n# Source: {n}\n{out}")).collect::<String>()
    };
    let ours_out = render_once();
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(render_once());
    }
    let ours_us = start.elapsed().as_secs_f64() * 1e6 / f64::from(runs);
    let templates = ours_out.matches("# Source:").count();
    println!("large chart: {templates} rendered templates (3 charts), {} bytes; {runs} runs each", ours_out.len());
    println!("helm crate (Rust):   {ours_us:10.0} us per load + render");
    let oracle = std::env::var_os("DATAPLAT_GO_ORACLE").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/dataplat-ci/gotemplate-oracle")
    });
    if !oracle.is_file() {
        println!("Go (oracle):         (no oracle at {}; build it with `bash tests/run`)", oracle.display());
        return;
    }
    let out =
        Command::new(&oracle).arg("--chart").arg(&dir).arg("--repeat").arg(runs.to_string()).output().expect("oracle");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let go_us: Option<f64> = stderr.split(", ").nth(1).and_then(|s| s.split(' ').next()).and_then(|s| s.parse().ok());
    let same = out.status.success() && out.stdout == ours_out.as_bytes();
    match go_us {
        Some(go_us) => {
            println!("Go (oracle):         {go_us:10.0} us per load + render");
            println!("ours is {:.2}x faster; outputs {}", go_us / ours_us, if same { "identical" } else { "DIFFER" });
        }
        None => println!("Go (oracle): could not read its timing: {stderr}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    if !same {
        std::process::exit(1);
    }
}
