//! Tests of the public API against the catalog fixture: edits, init, tfvars import, plugin
//! diagnostics and dependency rules.

use std::fs;
use std::path::{Path, PathBuf};

use dataplat_config::{
    AddonSpec, Catalog, DependencySpec, EditError, FlagSpec, ImportOutcome, Severity, SourceRef, import_tfvars,
    new_deployment_id, parse, render_diagnostics, render_init, set_flag, set_plugin, validate,
};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/config-errors")
}

fn catalog() -> Catalog {
    let text = fs::read_to_string(corpus_dir().join("catalog.json")).expect("catalog fixture");
    serde_json::from_str(&text).expect("catalog parses")
}

/// The catalog plus a trino addon with a feature flag that brings a dependency.
fn catalog_with_trino() -> Catalog {
    let mut c = catalog();
    // A stand-in for the real trino plugin with a small schema (the real one declares the same
    // flag and dependencies since part 2).
    c.addons.retain(|a| a.name != "trino");
    c.addons.push(AddonSpec {
        name: "trino".into(),
        description: "Trino: distributed SQL.".into(),
        flags: vec![
            FlagSpec { name: "enable_trino".into(), description: "Install Trino.".into(), enables_addon: true },
            FlagSpec {
                name: "enable_trino_keda".into(),
                description: "Scale Trino workers on queued queries with KEDA.".into(),
                enables_addon: false,
            },
        ],
        dependencies: vec![
            DependencySpec {
                addon: "keda".into(),
                when_flag: Some("enable_trino_keda".into()),
                reason: "queue-based autoscaling runs as a KEDA ScaledObject".into(),
            },
            DependencySpec {
                addon: "prometheus".into(),
                when_flag: Some("enable_trino_keda".into()),
                reason: "the scaler reads the queue length from Prometheus".into(),
            },
        ],
        config_schema: serde_json::json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "workers": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {"max": {"type": "integer", "minimum": 1, "default": 4}},
                    "default": {"max": 4}
                }
            }
        }),
    });
    c
}

const HEAD: &str = "name: trino-v2\nregion: us-west-2\ndeployment_id: Ab3dE9xZ\n";

fn errors(text: &str, catalog: &Catalog) -> String {
    let doc = parse("p.yaml", text).unwrap_or_else(|d| panic!("{}", render_diagnostics(&d)));
    match validate(&doc, catalog) {
        Ok(_) => String::new(),
        Err(d) => render_diagnostics(&d),
    }
}

fn assert_valid(text: &str, catalog: &Catalog) -> dataplat_config::Platform {
    let doc = parse("p.yaml", text).unwrap_or_else(|d| panic!("{}\n---\n{text}", render_diagnostics(&d)));
    doc.plugin_sources().unwrap_or_else(|d| panic!("{}\n---\n{text}", render_diagnostics(&d)));
    validate(&doc, catalog).unwrap_or_else(|d| panic!("{}\n---\n{text}", render_diagnostics(&d))).0
}

/// Asserts `after` equals `before` with exactly `old` replaced by `new` at one place.
fn assert_only_changed(before: &str, after: &str, old: &str, new: &str) {
    let at = before.find(old).expect("old text present");
    let expected = format!("{}{new}{}", &before[..at], &before[at + old.len()..]);
    assert_eq!(after, expected);
}

// ---------------------------------------------------------------- set_flag

#[test]
fn set_flag_replaces_in_place_keeping_comments() {
    let text = "# my platform\nname: trino-v2   # cluster\nregion: us-west-2\ndeployment_id: Ab3dE9xZ\n\n# autoscaling\nenable_keda: false   # off for now\nenable_prometheus: true\n";
    let out = set_flag(text, "enable_keda", true).unwrap();
    assert_only_changed(text, &out, "enable_keda: false", "enable_keda: true");
    // Setting the value it already has changes nothing.
    assert_eq!(set_flag(&out, "enable_keda", true).unwrap(), out);
}

#[test]
fn set_flag_replaces_odd_values() {
    let text = format!(
        "{HEAD}enable_keda: \"yes\"\nenable_kafka:\nenable_flink: |\n  x\nenable_yunikorn:\n  nested: 1\n# end\n"
    );
    let out = set_flag(&text, "enable_keda", false).unwrap();
    assert_only_changed(&text, &out, "enable_keda: \"yes\"", "enable_keda: false");
    let out = set_flag(&text, "enable_kafka", true).unwrap();
    assert_only_changed(&text, &out, "enable_kafka:\n", "enable_kafka: true\n");
    let out = set_flag(&text, "enable_flink", true).unwrap();
    assert_only_changed(&text, &out, "enable_flink: |\n  x\n", "enable_flink: true\n");
    let out = set_flag(&text, "enable_yunikorn", true).unwrap();
    assert_only_changed(&text, &out, "enable_yunikorn:\n  nested: 1\n", "enable_yunikorn: true\n");
}

#[test]
fn set_flag_inserts_after_the_last_flag() {
    let text = format!(
        "{HEAD}enable_keda: true  # a\n# a comment about kafka\nenable_kafka: false\n\nkeda:\n  operator_replicas: 2\n"
    );
    let out = set_flag(&text, "enable_flink", true).unwrap();
    assert_only_changed(&text, &out, "enable_kafka: false\n", "enable_kafka: false\nenable_flink: true\n");
}

#[test]
fn set_flag_inserts_after_deployment_id_or_the_last_header_key() {
    let text = "# header\nname: trino-v2\nregion: us-west-2\ndeployment_id: Ab3dE9xZ  # never change\nvpc_cidr: 10.0.0.0/16\ntags:\n  team: data\n";
    let out = set_flag(text, "enable_keda", true).unwrap();
    assert_only_changed(text, &out, "# never change\n", "# never change\nenable_keda: true\n");

    let text = "name: trino-v2\nregion: us-west-2\nvpc_cidr: 10.0.0.0/16\ntags:\n  team: data\n";
    let out = set_flag(text, "enable_keda", true).unwrap();
    assert_only_changed(text, &out, "vpc_cidr: 10.0.0.0/16\n", "vpc_cidr: 10.0.0.0/16\nenable_keda: true\n");

    // No trailing newline.
    let text = "name: trino-v2\nenable_kafka: true";
    let out = set_flag(text, "enable_keda", false).unwrap();
    assert_eq!(out, "name: trino-v2\nenable_kafka: true\nenable_keda: false\n");
}

#[test]
fn set_flag_result_validates() {
    let c = catalog();
    let text = format!("{HEAD}enable_flink: true\n");
    assert!(errors(&text, &c).contains("enable_cert_manager: true"));
    let out = set_flag(&text, "enable_cert_manager", true).unwrap();
    let platform = assert_valid(&out, &c);
    assert_eq!(platform.enabled_addons, vec!["cert_manager", "flink"]);
}

#[test]
fn set_flag_errors() {
    assert!(matches!(set_flag(HEAD, "keda", true), Err(EditError::InvalidFlag(_))));
    assert!(matches!(set_flag(HEAD, "enable_", true), Err(EditError::InvalidFlag(_))));
    assert!(matches!(set_flag("name: \"x\nregion: y\n", "enable_keda", true), Err(EditError::Parse(_))));
    assert!(matches!(set_flag("{name: x}\n", "enable_keda", true), Err(EditError::Unsupported(_))));
}

// ---------------------------------------------------------------- set_plugin

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn set_plugin_creates_the_list() {
    let text = format!("{HEAD}enable_keda: true # on\n");
    let src = format!("oci://127.0.0.1:5001/addons/hello:0.1.0@{DIGEST}");
    let out = set_plugin(&text, "hello", &src).unwrap();
    assert_eq!(out, format!("{text}plugins:\n  - name: hello\n    source: {src}\n"));
    let doc = parse("p.yaml", &out).unwrap();
    let plugins = doc.plugin_sources().unwrap();
    assert_eq!(plugins.len(), 1);
    assert_eq!(
        plugins[0].source,
        SourceRef::Oci { reference: "127.0.0.1:5001/addons/hello:0.1.0".into(), digest: DIGEST.into() }
    );
    assert_eq!((plugins[0].line, plugins[0].column), (6, 5));
}

#[test]
fn set_plugin_appends_with_the_list_indentation() {
    let text =
        format!("{HEAD}plugins:\n  # first\n  - name: one\n    source: ./one.wasm   # local\nenable_keda: true\n");
    let out = set_plugin(&text, "two", "./two.wasm").unwrap();
    assert_only_changed(&text, &out, "# local\n", "# local\n  - name: two\n    source: ./two.wasm\n");

    let text = format!("{HEAD}plugins:\n- name: one\n  source: ./one.wasm\n");
    let out = set_plugin(&text, "two", "./two.wasm").unwrap();
    assert_eq!(out, format!("{text}- name: two\n  source: ./two.wasm\n"));
    let doc = parse("p.yaml", &out).unwrap();
    assert_eq!(doc.plugin_sources().unwrap().len(), 2);
}

#[test]
fn set_plugin_replaces_a_source_and_drops_the_old_digest() {
    let text = format!(
        "{HEAD}plugins:\n  - name: hello   # greeter\n    source: ./hello.wasm  # dev build\n    digest: {DIGEST}\n  - name: other\n    source: ./other.wasm\n"
    );
    let src = format!("oci://127.0.0.1:5001/addons/hello:0.2.0@{DIGEST}");
    let out = set_plugin(&text, "hello", &src).unwrap();
    let expected = text
        .replace("source: ./hello.wasm  # dev build", &format!("source: {src}  # dev build"))
        .replace(&format!("    digest: {DIGEST}\n"), "");
    assert_eq!(out, expected);
    assert_eq!(parse("p.yaml", &out).unwrap().plugin_sources().unwrap().len(), 2);
    // Same source again: unchanged.
    assert_eq!(set_plugin(&out, "hello", &src).unwrap(), out);
}

#[test]
fn set_plugin_on_empty_and_flow_lists() {
    let text = format!("{HEAD}plugins: []   # none yet\nenable_keda: true\n");
    let out = set_plugin(&text, "hello", "./hello.wasm").unwrap();
    assert_eq!(
        out,
        format!("{HEAD}plugins:   # none yet\n  - name: hello\n    source: ./hello.wasm\nenable_keda: true\n")
    );

    let text = format!("{HEAD}plugins:\nenable_keda: true\n");
    let out = set_plugin(&text, "hello", "./hello.wasm").unwrap();
    assert_eq!(out, format!("{HEAD}plugins:\n  - name: hello\n    source: ./hello.wasm\nenable_keda: true\n"));

    let text = format!("{HEAD}plugins: [{{name: a, source: ./a.wasm}}]\n");
    let out = set_plugin(&text, "b", "./b dir/b.wasm").unwrap();
    assert_eq!(
        out,
        format!("{HEAD}plugins: [{{name: a, source: ./a.wasm}}, {{name: b, source: \"./b dir/b.wasm\"}}]\n")
    );
    let out = set_plugin(&out, "a", "./a2.wasm").unwrap();
    assert!(out.contains("[{name: a, source: ./a2.wasm}, {name: b"), "{out}");
}

#[test]
fn set_plugin_errors() {
    let text = format!("{HEAD}plugins:\n  hello: x\n");
    assert!(matches!(set_plugin(&text, "hello", "./x.wasm"), Err(EditError::PluginsNotAList { line: 4 })));
    assert!(matches!(set_plugin(HEAD, "Hello", "./x.wasm"), Err(EditError::InvalidPluginName(_))));
    assert!(matches!(set_plugin(HEAD, "hello", " "), Err(EditError::EmptySource)));
}

// ---------------------------------------------------------------- init

#[test]
fn render_init_validates_and_lists_every_flag() {
    let c = catalog();
    let text = render_init(&c, "trino-v2", "us-west-2", "Ab3dE9xZ", &[]);
    let platform = assert_valid(&text, &c);
    assert!(platform.enabled_addons.is_empty());
    for addon in &c.addons {
        for flag in &addon.flags {
            assert!(text.contains(&format!("\n{}: false\n", flag.name)), "{}", flag.name);
            assert!(text.contains(&format!("# {}\n{}:", flag.description, flag.name)));
        }
    }
    assert!(text.starts_with('#'));
    assert!(text.contains("# Platform name"));
}

#[test]
fn render_init_enables_addons_their_dependencies_and_shows_examples() {
    let c = catalog();
    let enabled = vec![
        "flink".to_string(),
        "enable_keda".to_string(),
        "enable_amazon_prometheus".to_string(),
        "ingress_nginx".to_string(),
    ];
    let text = render_init(&c, "trino-v2", "eu-central-1", "12345678", &enabled);
    let platform = assert_valid(&text, &c);
    if std::env::var_os("DATAPLAT_SHOW_INIT").is_some() {
        eprintln!("{text}");
    }
    assert_eq!(platform.enabled_addons, vec!["cert_manager", "flink", "ingress_nginx", "keda", "prometheus"]);
    assert!(platform.flags["enable_amazon_prometheus"]);
    assert_eq!(platform.deployment_id, "12345678");
    assert!(text.contains("deployment_id: \"12345678\""));
    assert!(text.contains("# keda:\n#   namespace: keda\n"), "{text}");
    assert!(text.contains("#   operator_replicas: 1\n"));
    // Every default of every enabled addon is shown; disabled addons get no example.
    for name in ["cert_manager", "flink", "ingress_nginx", "keda", "prometheus"] {
        let schema = &c.addon(name).unwrap().config_schema;
        for (prop, sub) in schema["properties"].as_object().unwrap() {
            if sub.get("default").is_some() {
                assert!(text.contains(&format!("\n#   {prop}: ")), "{name}.{prop}");
            }
        }
    }
    assert!(!text.contains("# kafka:\n"));
    // Uncommenting every example keeps the file valid.
    let examples_end = text.find("\n# Third-party addons").expect("plugins example");
    let uncommented: String = text[..examples_end]
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with("  ") || rest == "cluster:" || c.addon(rest.trim_end_matches(':')).is_some() =>
            {
                rest.to_string()
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let platform = assert_valid(&uncommented, &c);
    assert_eq!(platform.addon_configs["keda"]["operator_replicas"], 1);
    // The `cluster:` example is the defaults, every key of them.
    assert!(uncommented.contains("\ncluster:\n  endpoint_public_access: true\n"), "{uncommented}");
    assert_eq!(platform.cluster, dataplat_config::ClusterSettings::default());
    for key in
        ["public_access_cidrs", "control_plane_logs", "single_nat_gateway", "core_node_group", "secrets_kms_key_arn"]
    {
        assert!(text.contains(&format!("#   {key}:")) || text.contains(&format!("#   # {key}:")), "{key}");
    }
    assert_eq!(platform.addon_configs["prometheus"]["grafana"], true);
}

#[test]
fn render_init_with_everything_enabled_validates() {
    let c = catalog();
    let all: Vec<String> = c.addons.iter().map(|a| a.name.clone()).collect();
    let text = render_init(&c, "p", "ap-southeast-1", &new_deployment_id().unwrap(), &all);
    let platform = assert_valid(&text, &c);
    assert_eq!(platform.enabled_addons.len(), c.addons.len());
}

#[test]
fn deployment_ids() {
    let a = new_deployment_id().unwrap();
    let b = new_deployment_id().unwrap();
    assert_eq!(a.len(), 8);
    assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(a, b);
}

// ---------------------------------------------------------------- tfvars

fn fixture_tfvars() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trino-data-stack.tfvars"))
        .expect("tfvars fixture")
}

fn outcome<'a>(lines: &'a [dataplat_config::ImportLine], key: &str) -> &'a ImportOutcome {
    &lines.iter().find(|l| l.key == key).unwrap_or_else(|| panic!("no line for {key}: {lines:#?}")).outcome
}

fn skipped_reason(lines: &[dataplat_config::ImportLine], key: &str) -> String {
    match outcome(lines, key) {
        ImportOutcome::Skipped { reason } => reason.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

#[test]
fn import_the_trino_data_stack() {
    let c = catalog();
    let (text, lines) = import_tfvars("data-stack.tfvars", &fixture_tfvars(), &c, "Zz9Yy8Xx").unwrap();
    if std::env::var_os("DATAPLAT_SHOW_INIT").is_some() {
        eprintln!("{text}\n{lines:#?}");
    }
    let platform = assert_valid(&text, &c);
    assert_eq!(platform.name, "trino-v2");
    assert_eq!(platform.region, "us-west-2");
    assert_eq!(platform.deployment_id, "Zz9Yy8Xx");
    assert_eq!(
        platform.enabled_addons,
        vec![
            "cert_manager",
            "flink",
            "ingress_nginx",
            "jupyterhub",
            "kafka",
            "keda",
            "prometheus",
            "spark_history_server",
            "spark_operator",
            "superset",
            "trino",
            "yunikorn"
        ]
    );
    assert_eq!(outcome(&lines, "name"), &ImportOutcome::Mapped { to: "name".into(), value: "trino-v2".into() });
    assert_eq!(
        outcome(&lines, "enable_flink"),
        &ImportOutcome::Mapped { to: "enable_flink".into(), value: "true".into() }
    );
    assert_eq!(
        outcome(&lines, "enable_trino"),
        &ImportOutcome::Mapped { to: "enable_trino".into(), value: "true".into() }
    );
    // trino declares enable_trino_keda (part 2): mapped, and its dependencies keda and prometheus
    // are added, so enable_amazon_prometheus is kept too.
    assert_eq!(
        outcome(&lines, "enable_trino_keda"),
        &ImportOutcome::Mapped { to: "enable_trino_keda".into(), value: "true".into() }
    );
    assert_eq!(skipped_reason(&lines, "enable_raydata"), "no plugin answers to enable_raydata");
    assert_eq!(
        outcome(&lines, "enable_amazon_prometheus"),
        &ImportOutcome::Mapped { to: "enable_amazon_prometheus".into(), value: "true".into() }
    );
    for (added, needs) in [("enable_keda", "trino needs keda"), ("enable_prometheus", "trino needs prometheus")] {
        match outcome(&lines, added) {
            ImportOutcome::Added { to, value, reason } => {
                assert_eq!((to.as_str(), value.as_str()), (added, "true"));
                assert!(reason.starts_with(needs), "{reason}");
            }
            other => panic!("{added}: {other:?}"),
        }
    }
    assert!(skipped_reason(&lines, "deployment_id").contains("placeholder replaced by a new id"));
    match outcome(&lines, "enable_cert_manager") {
        ImportOutcome::Added { to, value, reason } => {
            assert_eq!((to.as_str(), value.as_str()), ("enable_cert_manager", "true"));
            assert!(reason.contains("flink needs cert_manager"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // One line per tfvars key, in file order, then the added ones.
    let keys: Vec<&str> = lines.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys.first(), Some(&"name"));
    assert_eq!(&keys[keys.len() - 3..], ["enable_cert_manager", "enable_keda", "enable_prometheus"]);
    assert_eq!(lines.len(), 18);
    assert!(text.starts_with("# platform.yaml imported from data-stack.tfvars"));
}

#[test]
fn import_with_a_feature_flag_and_its_dependencies() {
    let c = catalog_with_trino();
    let (text, lines) = import_tfvars("data-stack.tfvars", &fixture_tfvars(), &c, "Zz9Yy8Xx").unwrap();
    let platform = assert_valid(&text, &c);
    assert!(platform.flags["enable_trino_keda"]);
    assert!(platform.enabled_addons.contains(&"keda".to_string()));
    assert!(platform.enabled_addons.contains(&"prometheus".to_string()));
    for added in ["enable_keda", "enable_prometheus", "enable_cert_manager"] {
        assert!(matches!(outcome(&lines, added), ImportOutcome::Added { .. }), "{added}");
    }
    // enable_amazon_prometheus is kept now that prometheus is on.
    assert!(platform.flags["enable_amazon_prometheus"]);
}

#[test]
fn import_maps_core_keys_and_explains_skips() {
    let c = catalog();
    let hcl = r#"
name = "analytics"
region = "eu-central-1"
deployment_id = "Qw3Er5Ty"
eks_cluster_version = "1.33"
vpc_cidr = "10.1.0.0/16"
tags = { team = "data", "aws:owner" = "x" }
secondary_cidrs = ["100.64.0.0/16"]
cluster_endpoint_public_access = false
enable_keda = false
custom_thing = 3
computed = var.x
"#;
    let (text, lines) = import_tfvars("x.tfvars", hcl, &c, "unused00").unwrap();
    let p = assert_valid(&text, &c);
    assert_eq!(p.deployment_id, "Qw3Er5Ty");
    assert_eq!(p.kubernetes_version, "1.33");
    assert_eq!(p.vpc_cidr, "10.1.0.0/16");
    assert_eq!(p.tags.get("team").map(String::as_str), Some("data"));
    assert!(!p.tags.contains_key("aws:owner"));
    assert!(skipped_reason(&lines, "tags").contains("aws:owner"));
    assert!(skipped_reason(&lines, "secondary_cidrs").contains("100.64-66/16 for pods"));
    assert!(!p.cluster.endpoint_public_access, "cluster_endpoint_public_access = false is imported:\n{text}");
    assert_eq!(
        outcome(&lines, "cluster_endpoint_public_access"),
        &ImportOutcome::Mapped { to: "cluster.endpoint_public_access".into(), value: "false".into() }
    );
    assert!(skipped_reason(&lines, "custom_thing").contains("not a dataplat setting"));
    assert!(skipped_reason(&lines, "computed").contains("expression"));
    assert_eq!(
        outcome(&lines, "eks_cluster_version"),
        &ImportOutcome::Mapped { to: "kubernetes_version".into(), value: "1.33".into() }
    );
}

#[test]
fn import_errors_are_positioned() {
    let c = catalog();
    let err = import_tfvars("bad.tfvars", "name = \"x\"\nregion = \n", &c, "Ab3dE9xZ").unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].file, "bad.tfvars");
    assert_eq!(err[0].line, 2);
    assert!(err[0].message.starts_with("HCL syntax error"), "{}", err[0]);

    let err = import_tfvars("bad.tfvars", "name = \"Trino\"\nenable_keda = \"maybe\"\n", &c, "Ab3dE9xZ").unwrap_err();
    assert_eq!(err.len(), 2);
    assert_eq!((err[0].line, err[0].column, err[0].key.as_str()), (1, 1, "name"));
    assert_eq!((err[1].line, err[1].key.as_str()), (2, "enable_keda"));
}

// ---------------------------------------------------------------- dependencies via feature flags

#[test]
fn feature_flag_dependencies() {
    let c = catalog_with_trino();
    let text = format!("{HEAD}enable_trino: true\nenable_trino_keda: true\nenable_prometheus: true\n");
    assert_eq!(
        errors(&text, &c),
        "p.yaml:5:1: error: `enable_trino_keda` needs the `keda` addon, which is not enabled: queue-based autoscaling runs as a KEDA ScaledObject\n  hint: set `enable_keda: true` (kubectl dataplat enable keda), or switch `enable_trino_keda` off (kubectl dataplat disable enable_trino_keda)"
    );
    let text = format!("{HEAD}enable_trino_keda: true\n");
    assert!(errors(&text, &c).contains("has no effect: it is a feature of the `trino` addon"));
    let text = format!("{HEAD}enable_trino: true\ntrino:\n  workers:\n    max: 0\n    min: 1\n");
    let e = errors(&text, &c);
    assert!(e.contains("p.yaml:7:5: error: `trino.workers.max` is 0, below the minimum of 1"), "{e}");
    assert!(e.contains("p.yaml:8:5: error: unknown setting `trino.workers.min`"), "{e}");
}

// ---------------------------------------------------------------- positions

#[test]
fn plugin_diagnostics_are_positioned() {
    let text = format!("{HEAD}enable_keda: true\nkeda:\n  values:\n    a: 1\n");
    let doc = parse("p.yaml", &text).unwrap();
    let d = doc.plugin_diagnostic("keda", "values.a", Severity::Error, "too small", Some("use 2"));
    assert_eq!((d.line, d.column, d.key.as_str()), (7, 5, "keda.values.a"));
    assert_eq!(d.to_string(), "p.yaml:7:5: error: `keda.values.a`: too small\n  hint: use 2");
    // Missing below an existing ancestor: the ancestor's position.
    let d = doc.plugin_diagnostic("keda", "values.b.c", Severity::Warning, "x", None);
    assert_eq!((d.line, d.column), (6, 3));
    assert_eq!(d.to_string(), "p.yaml:6:3: warning: `keda.values.b.c`: x");
    // Absent path: the block key.
    let d =
        doc.plugin_diagnostic("keda", "operator_replicas", Severity::Error, "`keda.operator_replicas` is odd", None);
    assert_eq!((d.line, d.column), (5, 1));
    assert_eq!(d.message, "`keda.operator_replicas` is odd");
    // Empty path: the block key.
    let d = doc.plugin_diagnostic("keda", "", Severity::Error, "bad", None);
    assert_eq!((d.line, d.column, d.key.as_str()), (5, 1, "keda"));
    // No block at all: line 1, column 1.
    let d = doc.plugin_diagnostic("kafka", "brokers", Severity::Error, "bad", None);
    assert_eq!((d.line, d.column), (1, 1));
    assert_eq!(doc.position("keda.values.a"), Some((7, 5)));
    assert_eq!(doc.position("keda.values.zz"), None);
}

#[test]
fn platform_serializes() {
    let c = catalog();
    let text = fs::read_to_string(corpus_dir().join("valid/platform.yaml")).unwrap();
    let platform = assert_valid(&text, &c);
    let json = serde_json::to_value(&platform).unwrap();
    assert_eq!(json["plugins"][0]["source"]["kind"], "oci");
    assert_eq!(json["plugins"][1]["source"]["kind"], "file");
    assert_eq!(json["vpc_cidr"], "10.0.0.0/16");
}
