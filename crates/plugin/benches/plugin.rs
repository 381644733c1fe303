//! Plugin host costs: cold load (compile, no cache), warm load (compile cache on disk), one
//! `plan()` call through wasm, and the same plugin's `plan()` called natively.
//!
//! `cargo bench -p dataplat-plugin --bench plugin`

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use dataplat_plugin::contract::PlatformFacts;
use dataplat_plugin::{HostOptions, Origin, PluginHost};

fn facts() -> PlatformFacts {
    PlatformFacts {
        name: "bench".into(),
        region: "us-west-2".into(),
        account_id: None,
        deployment_id: "Bench123".into(),
        kubernetes_version: "1.34".into(),
        enabled_addons: vec!["hello".into()],
        enabled_flags: vec!["enable_hello".into()],
        endpoints: vec![],
        tags: vec![],
    }
}

fn benches(c: &mut Criterion) {
    let wasm = std::fs::read(dataplat_builtins::wasm_path("hello-addon")).expect("hello-addon wasm");
    let cache = tempfile::tempdir().expect("tmp");
    let cold_host = PluginHost::new(HostOptions { cache_dir: None, ..HostOptions::default() }).expect("host");
    let warm_host = PluginHost::new(HostOptions {
        cache_dir: Some(cache.path().into()),
        allow_native: true,
        ..HostOptions::default()
    })
    .expect("host");
    warm_host.load_bytes("hello", &wasm, Origin::Builtin).expect("fill the cache");

    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("cold (compile, no cache) + info()", |b| {
        b.iter(|| cold_host.load_bytes("hello", &wasm, Origin::Builtin).expect("load"))
    });
    group.finish();
    c.bench_function("warm load (compile cache) + info()", |b| {
        b.iter(|| warm_host.load_bytes("hello", &wasm, Origin::Builtin).expect("load"))
    });

    let plugin = warm_host.load_bytes("hello", &wasm, Origin::Builtin).expect("load");
    let facts = facts();
    let config = r#"{"message":"bench","replicas":3}"#;
    c.bench_function("plan() via wasm (fresh store)", |b| b.iter(|| plugin.plan(config, &facts).expect("call")));
    c.bench_function("warm load + plan() via wasm", |b| {
        b.iter(|| {
            let p = warm_host.load_bytes("hello", &wasm, Origin::Builtin).expect("load");
            p.plan(config, &facts).expect("call")
        })
    });

    let target_root = PathBuf::from(dataplat_builtins::WASM_DIR).join("../../..");
    let library = dataplat_testkit::build_native_library("hello-addon", "native", &target_root);
    let native = warm_host.load_native(&library, None).expect("native");
    c.bench_function("plan() via native cdylib", |b| b.iter(|| native.plan(config, &facts).expect("call")));

    // A built-in doing real work: kafka (operator chart + KRaft cluster CRs + node pools).
    let kafka_wasm = std::fs::read(dataplat_builtins::wasm_path("dataplat-addon-kafka")).expect("kafka wasm");
    let kafka = warm_host.load_bytes("kafka", &kafka_wasm, Origin::Builtin).expect("load kafka");
    let kafka_library = dataplat_testkit::build_native_library("dataplat-addon-kafka", "native", &target_root);
    let kafka_native = warm_host.load_native(&kafka_library, None).expect("native kafka");
    let mut kafka_facts = facts.clone();
    kafka_facts.enabled_addons = vec!["kafka".into(), "prometheus".into()];
    kafka_facts.enabled_flags = vec!["enable_kafka".into(), "enable_prometheus".into()];
    let kafka_config = r#"{"brokers":5,"storage_gib":500}"#;
    assert_eq!(
        serde_json::to_string(&kafka.plan(kafka_config, &kafka_facts).expect("wasm")).expect("json"),
        serde_json::to_string(&kafka_native.plan(kafka_config, &kafka_facts).expect("native")).expect("json"),
        "same plan both ways"
    );
    c.bench_function("kafka plan() via wasm (fresh store)", |b| {
        b.iter(|| kafka.plan(kafka_config, &kafka_facts).expect("call"))
    });
    c.bench_function("kafka plan() via native cdylib", |b| {
        b.iter(|| kafka_native.plan(kafka_config, &kafka_facts).expect("call"))
    });
}

criterion_group!(plugin, benches);
criterion_main!(plugin);
