//! The bundled platform with every addon on, rendered with the real upstream charts it pins and
//! analysed for readiness. Upstream charts are not in the repository and CI cannot fetch them, so
//! this test takes a directory of chart sources, `DATAPLAT_REAL_CHARTS=DIR` (one directory per
//! chart, named as the chart, its subcharts unpacked under `charts/`), and passes with a message
//! without it. `tests/real-charts/run DIR` runs it.
//!
//! Each chart is packaged, served as the plugin's repository would serve it (an HTTP index on
//! loopback, or the loopback OCI registry for `oci://` charts) and reached through `--mirror`.
//! A chart missing from DIR switches its addon off for the run (said on stderr). The findings of
//! `plan --offline` are printed; the test fails on any error finding.

mod common;

use std::path::Path;

use common::{dataplat_env, private_chart_cache};
use dataplat_testkit::http::StaticServer;

#[test]
fn the_bundled_platform_with_every_addon_on_is_ready_with_the_real_charts() {
    let Ok(charts) = std::env::var("DATAPLAT_REAL_CHARTS") else {
        eprintln!("skipped: set DATAPLAT_REAL_CHARTS to a directory of upstream chart sources (tests/real-charts/run)");
        return;
    };
    let charts = Path::new(&charts);
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path();
    let cache = private_chart_cache(dir);
    let env = [("DATAPLAT_CACHE_DIR", cache.to_str().expect("utf-8"))];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // Every addon on (Amazon Managed Prometheus needs a workspace; it stays as the file has it).
    let text = std::fs::read_to_string(root.join("platform.yaml")).expect("platform.yaml");
    let all_on: String = text
        .lines()
        .map(|l| {
            if l.starts_with("enable_") && l.ends_with(": false") && !l.starts_with("enable_amazon_prometheus") {
                l.replace(": false", ": true")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("platform.yaml"), &all_on).expect("write");
    let plan = common::ok(dataplat_env(dir, &["plan", "--offline", "-o", "json"], &env));
    let plan: serde_json::Value = serde_json::from_str(&plan).expect("json");

    let server = StaticServer::start();
    let registry = dataplat_testkit::Registry::start().expect("docker-registry (tests/run installs it)");
    let mut mirrors: Vec<String> = Vec::new();
    let mut switched_off: Vec<String> = Vec::new();
    let mut n = 0;
    for addon in plan["addons"].as_array().expect("addons") {
        for release in addon["releases"].as_array().expect("releases") {
            let Some(chart) = release["chart"].as_object() else { continue };
            let (repository, name, version) = (
                chart["repository"].as_str().expect("repository"),
                chart["chart"].as_str().expect("chart"),
                chart["version"].as_str().expect("version"),
            );
            let source = charts.join(name);
            if !source.is_dir() {
                eprintln!("no chart {name} in {}: addon {} switched off for this run", charts.display(), addon["name"]);
                switched_off.push(addon["name"].as_str().expect("name").to_string());
                continue;
            }
            let tgz = dataplat_testkit::http::chart_tgz(&source, name, |_, data| data);
            if let Some(oci) = repository.strip_prefix("oci://") {
                let (host, path) = oci.split_once('/').expect("oci://host/path");
                dataplat_testkit::push_oci_chart(&registry.addr, &format!("{path}/{name}"), version, &tgz);
                mirrors.push(format!("{host}={}", registry.addr));
            } else {
                n += 1;
                let digest = helm::cache::digest_of(&tgz);
                let index = format!(
                    "apiVersion: v1\nentries:\n  {name}:\n  - name: {name}\n    version: {version}\n    digest: {}\n    urls: [{name}-{version}.tgz]\n",
                    digest.trim_start_matches("sha256:")
                );
                server.put(&format!("/r{n}/index.yaml"), index.into_bytes());
                server.put(&format!("/r{n}/{name}-{version}.tgz"), tgz);
                mirrors.push(format!("{repository}={}/r{n}", server.base));
            }
        }
    }
    let mut edited = all_on.clone();
    for addon in &switched_off {
        edited = edited.replace(&format!("enable_{addon}: true"), &format!("enable_{addon}: false"));
    }
    std::fs::write(dir.join("platform.yaml"), &edited).expect("write");
    let mut args = vec!["plan".to_string(), "--offline".into(), "-o".into(), "json".into()];
    for m in &mirrors {
        args.push("--mirror".into());
        args.push(m.clone());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let output = dataplat_env(dir, &refs, &env);
    eprintln!("plan --offline with {} chart(s): {:.1} s", mirrors.len(), started.elapsed().as_secs_f64());
    let plan: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", common::stderr(&output)));
    let readiness = &plan["readiness"];
    assert_eq!(readiness["state"], "analysed", "{readiness:#}");
    let report = &readiness["report"];
    let findings = report["findings"].as_array().expect("findings");
    for f in findings {
        eprintln!(
            "{}{}: [{}] {} ({}): {}",
            f["severity"].as_str().unwrap_or_default(),
            if f["waived"].is_string() { " (waived)" } else { "" },
            f["rule"].as_str().unwrap_or_default(),
            f["object"].as_str().unwrap_or_default(),
            f["release"].as_str().unwrap_or_default(),
            f["message"].as_str().unwrap_or_default()
        );
    }
    let errors: Vec<&serde_json::Value> =
        findings.iter().filter(|f| f["severity"] == "error" && !f["waived"].is_string()).collect();
    eprintln!(
        "readiness with the real charts: {} objects, {} pod templates, {} error(s), {} warning(s); switched off: {switched_off:?}",
        report["objects"],
        report["pods"],
        errors.len(),
        findings.iter().filter(|f| f["severity"] == "warning" && !f["waived"].is_string()).count()
    );
    assert!(errors.is_empty(), "{} error finding(s) with the real charts", errors.len());
}
