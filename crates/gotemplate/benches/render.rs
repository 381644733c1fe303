//! Parse + execute of a 2,000-line template set: ours against Go's text/template (the oracle of
//! tools/gotemplate-oracle, built by tests/run) on the same files and data, in one run.
//!
//! `cargo bench -p gotemplate --bench render` prints the mean time of one parse + execute for
//! each, and the ratio. The oracle's path comes from `DATAPLAT_GO_ORACLE` (default
//! `~/.cache/dataplat-ci/gotemplate-oracle`); without it only our figure is printed.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use gotemplate::{Template, Value};

const FILES: usize = 20;
const LINES_PER_FILE: usize = 102;
const RUNS: usize = 200;

/// One file of the set: a `define` with a range over the items, conditionals, variables,
/// printf, index and nested template calls; about 100 lines each.
fn file(i: usize) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{{{{- define \"part{i}\" -}}}}");
    let _ = writeln!(t, "# part {i} of {{{{ .name }}}}");
    let mut lines = 2;
    while lines < LINES_PER_FILE - 8 {
        let _ = writeln!(t, "{{{{- range $j, $item := .items }}}}");
        let _ = writeln!(t, "{{{{- if and $item.enabled (gt (len $item.tags) 1) }}}}");
        let _ = writeln!(t, "item-{i}-{{{{ $j }}}}: {{{{ printf \"%-10s|%5.2f|%x\" $item.name $item.weight $j }}}}");
        let _ = writeln!(t, "{{{{- else if $item.enabled }}}}");
        let _ = writeln!(t, "item-{i}-{{{{ $j }}}}: {{{{ index $item.tags 0 | printf \"%q\" }}}} {{{{ $.name }}}}");
        let _ = writeln!(t, "{{{{- else }}}}");
        let _ = writeln!(t, "{{{{- with $item.meta }}}} meta {{{{ .owner }}}} {{{{ .level | print }}}}{{{{ end }}}}");
        let _ = writeln!(t, "{{{{- end }}}}");
        let _ = writeln!(t, "{{{{- end }}}}");
        lines += 9;
    }
    while lines < LINES_PER_FILE - 3 {
        let _ = writeln!(t, "{{{{/* filler {lines} */}}}}");
        lines += 1;
    }
    if i + 1 < FILES {
        let _ = writeln!(t, "{{{{ template \"part{}\" . }}}}", i + 1);
    } else {
        let _ = writeln!(t, "end");
    }
    let _ = writeln!(t, "{{{{- end -}}}}");
    t
}

fn data_json() -> String {
    let mut items = Vec::new();
    for j in 0..12 {
        items.push(format!(
            r#"{{"name": "item{j}", "enabled": {}, "weight": {}.25, "tags": ["a{j}", "b{j}", "c"], "meta": {{"owner": "team{}", "level": {j}}}}}"#,
            j % 3 != 0,
            j * 7,
            j % 4
        ));
    }
    format!(r#"{{"name": "bench", "items": [{}]}}"#, items.join(", "))
}

fn main() {
    let dir = std::env::temp_dir().join(format!("gotemplate-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut sources = vec![("main.tmpl".to_string(), "{{ template \"part0\" . }}\n".to_string())];
    for i in 0..FILES {
        sources.push((format!("part{i}.tmpl"), file(i)));
    }
    let lines: usize = sources.iter().map(|(_, t)| t.lines().count()).sum();
    let mut paths = Vec::new();
    for (name, text) in &sources {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write template");
        paths.push(path);
    }
    let data_text = data_json();
    let data_path = dir.join("data.json");
    std::fs::write(&data_path, &data_text).expect("write data");
    let data = Value::from_json(&serde_json::from_str(&data_text).expect("json"), false);

    let render = || -> String {
        let set = Template::new("main.tmpl");
        for (name, text) in &sources {
            set.parse_named(name, text).expect("parse");
        }
        let mut out = String::new();
        set.execute_template(&mut out, "main.tmpl", &data).expect("execute");
        out
    };
    let ours = render();
    let start = Instant::now();
    for _ in 0..RUNS {
        std::hint::black_box(render());
    }
    let ours_us = start.elapsed().as_secs_f64() * 1e6 / RUNS as f64;
    println!("template set: {} files, {lines} lines, output {} bytes; {RUNS} runs each", sources.len(), ours.len());
    println!("gotemplate (Rust):     {ours_us:10.1} us per parse+execute");
    if std::env::var_os("GOTEMPLATE_BENCH_SPLIT").is_some() {
        let start = Instant::now();
        for _ in 0..RUNS {
            let set = Template::new("main.tmpl");
            for (name, text) in &sources {
                set.parse_named(name, text).expect("parse");
            }
            std::hint::black_box(set);
        }
        println!("  of which parse:      {:10.1} us", start.elapsed().as_secs_f64() * 1e6 / RUNS as f64);
    }

    let oracle = std::env::var_os("DATAPLAT_GO_ORACLE").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/dataplat-ci/gotemplate-oracle")
    });
    if !oracle.is_file() {
        println!("Go text/template:      (no oracle at {}; build it with `bash tests/run`)", oracle.display());
        return;
    }
    let output = Command::new(&oracle)
        .arg("--data")
        .arg(&data_path)
        .arg("--repeat")
        .arg(RUNS.to_string())
        .args(&paths)
        .output()
        .expect("run the oracle");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let go_us: Option<f64> =
        stderr.lines().find_map(|l| l.split(", ").nth(1)?.strip_suffix(" us per parse+execute")?.trim().parse().ok());
    let same = output.stdout == ours.as_bytes();
    match go_us {
        Some(go_us) => {
            println!("Go text/template 1.19: {go_us:10.1} us per parse+execute");
            println!("ours is {:.2}x faster; outputs {}", go_us / ours_us, if same { "identical" } else { "DIFFER" });
        }
        None => println!("Go text/template:      could not read the oracle's timing: {stderr}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    if !same {
        std::process::exit(1);
    }
}
