//! End-to-end tests of the CLI: the real binary, the real built-in plugins, real files.

mod common;

use common::{dataplat, dataplat_env, ok, repo, stderr, stdout};

/// Flags set to true in a platform file (top-level `enable_*: true` lines).
fn enabled_flags(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_suffix(": true").or_else(|| l.split_once(": true ").map(|(k, _)| k)))
        .filter(|k| k.starts_with("enable_"))
        .map(String::from)
        .collect()
}

#[test]
fn bundled_platform_plans_every_enabled_addon_with_its_declarations() {
    let root = repo();
    let validate: serde_json::Value =
        serde_json::from_str(&ok(dataplat(&root, &["validate", "-o", "json"]))).expect("json");
    let enabled: Vec<String> = serde_json::from_value(validate["enabled_addons"].clone()).expect("list");
    assert!(enabled.len() >= 5, "the bundled platform enables the reference's addons: {enabled:?}");

    let plan: serde_json::Value =
        serde_json::from_str(&ok(dataplat(&root, &["plan", "--offline", "-o", "json"]))).expect("json");
    let mut planned: Vec<String> = plan["addons"]
        .as_array()
        .expect("addons")
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_string())
        .collect();
    planned.sort();
    // The core adds its base platform (the default StorageClass) and its Karpenter entry when
    // an addon asks for capacity (trino does).
    let mut expected = enabled.clone();
    expected.push("core".into());
    expected.push("karpenter".into());
    expected.sort();
    assert_eq!(planned, expected, "every enabled addon is planned, Karpenter with them, and nothing else");
    for addon in plan["addons"].as_array().expect("addons") {
        let releases = addon["releases"].as_array().expect("releases");
        assert!(!releases.is_empty(), "{} declares releases", addon["name"]);
        for release in releases {
            assert!(release["chart"].is_object() || !release["objects"].as_array().expect("objects").is_empty());
        }
    }
    // Every release appears exactly once in the apply order.
    let waves: Vec<String> = plan["release_order"]
        .as_array()
        .expect("waves")
        .iter()
        .flat_map(|w| w.as_array().expect("wave").iter().map(|r| r.as_str().expect("id").to_string()))
        .collect();
    let releases: usize =
        plan["addons"].as_array().expect("addons").iter().map(|a| a["releases"].as_array().expect("r").len()).sum();
    assert_eq!(waves.len(), releases);

    // The same plan as YAML and as a table.
    let yaml = ok(dataplat(&root, &["plan", "--offline", "-o", "yaml"]));
    let from_yaml: serde_json::Value = serde_saphyr::from_str(&yaml).expect("yaml parses");
    assert_eq!(from_yaml["addons"].as_array().map(Vec::len), plan["addons"].as_array().map(Vec::len));
    let table = ok(dataplat(&root, &["plan", "--offline"]));
    for name in &enabled {
        assert!(table.contains(name.as_str()), "table lists {name}");
    }
    assert!(!table.contains("::"), "no Rust debug names leak into the table:\n{table}");
}

#[test]
fn render_writes_every_declaration_as_files() {
    let root = repo();
    let out = tempfile::tempdir().expect("tmp");
    let dir = out.path().join("render");
    let dir_arg = dir.to_string_lossy().to_string();
    // Offline with an empty chart cache: the first chart is named, and nothing is written.
    let cache = tempfile::tempdir().expect("tmp");
    let offline = dataplat_env(
        &root,
        &["render", "--out", &dir_arg, "--offline"],
        &[("DATAPLAT_CACHE_DIR", cache.path().to_str().expect("utf-8"))],
    );
    assert_eq!(offline.status.code(), Some(1), "{}", stderr(&offline));
    assert!(
        stderr(&offline).contains("offline") && stderr(&offline).contains("hint: run `kubectl dataplat chart pull`")
    );
    assert!(!dir.exists(), "a render that cannot fetch its charts writes nothing");
    let summary = ok(dataplat(&root, &["render", "--skip-charts", "--out", &dir_arg]));
    assert!(summary.contains("charts not rendered: --skip-charts"), "{summary}");
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).expect("plan.json")).expect("json");
    for addon in plan["addons"].as_array().expect("addons") {
        let name = addon["name"].as_str().expect("name");
        for release in addon["releases"].as_array().expect("releases") {
            let rdir = dir.join(name).join(release["name"].as_str().expect("release"));
            for (i, object) in release["objects"].as_array().expect("objects").iter().enumerate() {
                let kind = object["kind"].as_str().expect("kind").to_lowercase();
                let oname = object["metadata"]["name"].as_str().expect("name");
                let file = rdir.join(format!("{:02}-{kind}-{oname}.yaml", i + 1));
                let parsed: serde_json::Value =
                    serde_saphyr::from_str(&std::fs::read_to_string(&file).expect("object file")).expect("yaml");
                assert_eq!(&parsed, object, "{} holds the planned object", file.display());
            }
            if release["chart"].is_object() {
                let values: serde_json::Value =
                    serde_saphyr::from_str(&std::fs::read_to_string(rdir.join("values.yaml")).expect("values"))
                        .expect("yaml");
                assert_eq!(values, release["chart"]["values"]);
                assert!(rdir.join("chart.yaml").is_file());
            }
        }
        if !addon["buckets"].as_array().expect("buckets").is_empty() {
            assert!(dir.join(name).join("cloud.yaml").is_file());
        }
    }
    // A second render refuses to overwrite; --force replaces its own previous render only.
    let again = dataplat(&root, &["render", "--skip-charts", "--out", &dir_arg]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    ok(dataplat(&root, &["render", "--skip-charts", "--out", &dir_arg, "--force"]));
    let foreign = out.path().join("foreign");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("keep.txt"), "mine").expect("write");
    let refused = dataplat(&root, &["render", "--skip-charts", "--out", &foreign.to_string_lossy(), "--force"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(foreign.join("keep.txt").is_file(), "never deletes a directory it did not render");
}

/// Runs every `*.yaml` of a corpus directory through `validate`; returns (cases, failures).
fn run_corpus(dir: &std::path::Path) -> (usize, Vec<String>) {
    let mut cases: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().expect("name").to_string_lossy().to_string();
        let expected = std::fs::read_to_string(case.with_extension("expected")).expect("expected file");
        let output = dataplat(dir, &["-f", &name, "validate"]);
        let got = stderr(&output);
        assert!(!got.contains("panicked"), "{name} panicked");
        if output.status.code() != Some(2) || got != expected {
            failures.push(format!("{name}: exit {:?}\n--- expected\n{expected}--- got\n{got}", output.status.code()));
        }
    }
    (cases.len(), failures)
}

#[test]
fn bad_config_corpus_prints_the_expected_message_and_exits_2() {
    let (cases, failures) = run_corpus(&repo().join("tests/config-errors"));
    assert!(cases >= 40, "at least 40 cases, found {cases}");
    assert!(failures.is_empty(), "{} of {cases} cases differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn plugin_diagnostics_are_positioned_in_platform_yaml() {
    // Errors found by the plugins' own validate(), mapped back to file:line:col.
    let (cases, failures) = run_corpus(&repo().join("tests/plan-errors"));
    assert!(cases >= 5, "{cases}");
    assert!(failures.is_empty(), "{} of {cases} cases differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn corpus_catalog_fixture_matches_the_real_plugins() {
    // The config crate's unit corpus runs against tests/config-errors/catalog.json; it must be
    // what the built-in plugins really declare. DATAPLAT_BLESS=1 rewrites it.
    let root = repo();
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&ok(dataplat(&root, &["plugin", "list", "-o", "json"]))).expect("json");
    let addons: Vec<serde_json::Value> = listed
        .iter()
        .map(|p| {
            serde_json::json!({
                "name": p["name"], "description": p["description"],
                "flags": p["flags"].as_array().expect("flags").iter().map(|f| serde_json::json!({"name": f["name"], "description": f["description"], "enables_addon": f["enables_addon"]})).collect::<Vec<_>>(),
                "dependencies": p["dependencies"].as_array().expect("deps").iter().map(|d| serde_json::json!({"addon": d["addon"], "when_flag": d["when_flag"], "reason": d["reason"]})).collect::<Vec<_>>(),
                "config_schema": p["config_schema"],
            })
        })
        .collect();
    let real = serde_json::json!({ "addons": addons });
    let path = root.join("tests/config-errors/catalog.json");
    if std::env::var("DATAPLAT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, serde_json::to_string_pretty(&real).expect("json") + "\n").expect("bless");
    }
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json");
    assert_eq!(fixture, real, "tests/config-errors/catalog.json is stale; rerun with DATAPLAT_BLESS=1");
}

#[test]
fn init_enable_disable_edit_in_place() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let out = ok(dataplat(d, &["init", "--name", "edits", "--region", "eu-west-1"]));
    assert!(out.contains("deployment_id"), "{out}");
    let original = std::fs::read_to_string(d.join("platform.yaml")).expect("written");
    let id = original.lines().find_map(|l| l.strip_prefix("deployment_id: ")).expect("id").to_string();
    assert_eq!(id.len(), 8);

    // A user comment and ordering survive edits; only the flag line changes.
    let commented = original.replace("enable_keda: false", "enable_keda: false # autoscaling, later");
    std::fs::write(d.join("platform.yaml"), &commented).expect("write");
    ok(dataplat(d, &["enable", "keda"]));
    let enabled = std::fs::read_to_string(d.join("platform.yaml")).expect("read");
    let changed: Vec<(&str, &str)> = commented.lines().zip(enabled.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(changed, vec![("enable_keda: false # autoscaling, later", "enable_keda: true # autoscaling, later")]);
    assert_eq!(commented.lines().count(), enabled.lines().count());
    ok(dataplat(d, &["disable", "keda"]));
    assert_eq!(
        std::fs::read_to_string(d.join("platform.yaml")).expect("read"),
        commented,
        "disable restores the bytes"
    );

    // Disabling an addon keeps its settings block (ignored, with a warning, until re-enabled).
    ok(dataplat(d, &["enable", "kafka"]));
    let with_block = std::fs::read_to_string(d.join("platform.yaml")).expect("read") + "kafka:\n  brokers: 5\n";
    std::fs::write(d.join("platform.yaml"), &with_block).expect("write");
    ok(dataplat(d, &["disable", "kafka"]));
    let disabled = std::fs::read_to_string(d.join("platform.yaml")).expect("read");
    assert!(disabled.contains("enable_kafka: false") && disabled.ends_with("kafka:\n  brokers: 5\n"));
    let validated = dataplat(d, &["validate"]);
    assert!(validated.status.success());
    assert!(stderr(&validated).contains("warning: the `kafka` settings are ignored"), "{}", stderr(&validated));
    ok(dataplat(d, &["enable", "kafka"]));

    // Enabling an addon switches on what it needs, and says so.
    let out = ok(dataplat(d, &["enable", "flink"]));
    assert!(out.contains("enable_cert_manager: true"), "{out}");
    // Disabling a prerequisite is refused and the file is untouched.
    let before = std::fs::read_to_string(d.join("platform.yaml")).expect("read");
    let refused = dataplat(d, &["disable", "cert_manager"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("cert_manager"), "{}", stderr(&refused));
    assert_eq!(std::fs::read_to_string(d.join("platform.yaml")).expect("read"), before);
    // Disabling an addon also switches off other addons' features that need it.
    ok(dataplat(d, &["enable", "spark_connect"]));
    ok(dataplat(d, &["enable", "jupyterhub_spark"]));
    let out = ok(dataplat(d, &["disable", "spark_operator"]));
    assert!(out.contains("enable_jupyterhub_spark: false"), "{out}");
    let text = std::fs::read_to_string(d.join("platform.yaml")).expect("read");
    for line in ["enable_spark_operator: false", "enable_spark_connect: false", "enable_jupyterhub_spark: false"] {
        assert!(text.contains(line), "{line}:\n{text}");
    }
    assert!(text.contains("enable_jupyterhub: true"), "JupyterHub itself stays");
    // Unknown targets get a suggestion.
    let unknown = dataplat(d, &["enable", "kedda"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("`keda`"), "{}", stderr(&unknown));

    // init never overwrites by accident, and keeps the deployment id when forced.
    let again = dataplat(d, &["init"]);
    assert_eq!(again.status.code(), Some(2));
    ok(dataplat(d, &["init", "--force", "--name", "edits"]));
    assert!(std::fs::read_to_string(d.join("platform.yaml")).expect("read").contains(&format!("deployment_id: {id}")));
}

#[test]
fn init_from_tfvars_maps_and_explains() {
    let dir = tempfile::tempdir().expect("tmp");
    let tfvars = dir.path().join("data-stack.tfvars");
    std::fs::write(
        &tfvars,
        r#"name   = "trino-v2"
region = "us-west-2"
enable_trino                = true
enable_trino_keda           = true
enable_spark_operator       = true
enable_spark_history_server = true
enable_yunikorn             = true
enable_flink                = true
enable_kafka                = true
enable_jupyterhub           = true
enable_raydata              = true
enable_amazon_prometheus    = true
enable_superset             = true
enable_ingress_nginx        = true
deployment_id = "DO-NOT-EDIT-AUTO-GENERATED"
enable_ipv6   = false
enable_cluster_addons = {
  aws-ebs-csi-driver         = true
  amazon-cloudwatch-observability = false
}
"#,
    )
    .expect("write");
    let out = ok(dataplat(dir.path(), &["init", "--from-tfvars", "data-stack.tfvars"]));
    // Nothing is left to the user: the AMP workspace is the platform's own, made by `up`.
    assert!(!out.contains("needs these settings"), "{out}");
    assert!(out.contains("enable_raydata") && out.contains("skipped"), "{out}");
    assert!(out.contains("enable_spark_operator") && out.contains("mapped"), "{out}");
    // Base-stack switches that are not addon flags are explained, not errors.
    assert!(out.contains("enable_cluster_addons") && out.contains("EKS managed add-ons"), "{out}");
    assert!(out.contains("enable_ipv6") && out.contains("IPv4"), "{out}");
    let text = std::fs::read_to_string(dir.path().join("platform.yaml")).expect("written");
    assert!(text.contains("name: trino-v2"));
    assert!(!text.contains("DO-NOT-EDIT"), "the placeholder becomes a real id");
    for flag in enabled_flags(&text) {
        assert_ne!(flag, "enable_raydata");
    }
    assert!(enabled_flags(&text).contains(&"enable_amazon_prometheus".to_string()), "{text}");
    // The imported file validates and plans as it is.
    let validated = dataplat(dir.path(), &["validate"]);
    assert!(validated.status.success(), "{}", stderr(&validated));
    let plan: serde_json::Value =
        serde_json::from_str(&ok(dataplat(dir.path(), &["plan", "--offline", "-o", "json"]))).expect("plan json");
    let prometheus = plan["addons"].as_array().unwrap().iter().find(|a| a["name"] == "prometheus").expect("prometheus");
    let url = prometheus["releases"][0]["chart"]["values"]["prometheus"]["prometheusSpec"]["remoteWrite"][0]["url"]
        .as_str()
        .expect("remote write");
    assert!(url.contains("/workspaces/${amp_workspace_id}/api/v1/remote_write"), "{url}");
    let core = plan["addons"].as_array().unwrap().iter().find(|a| a["name"] == "core").expect("core");
    let note = core["notes"].as_array().unwrap().iter().find(|n| n["topic"] == "amazon-prometheus").expect("note");
    assert!(note["text"].as_str().unwrap().contains("creates Amazon Managed Prometheus workspace trino-v2"), "{note}");
    // An existing workspace instead: used as it is, nothing created.
    std::fs::write(
        dir.path().join("platform.yaml"),
        format!("{text}\nprometheus:\n  amp_workspace_id: ws-1234abcd-5678-90ef-abcd-1234567890ab\n"),
    )
    .expect("write");
    ok(dataplat(dir.path(), &["validate"]));
    let plan = ok(dataplat(dir.path(), &["plan", "--offline", "-o", "json"]));
    assert!(!plan.contains("${amp_workspace_id}") && plan.contains("ws-1234abcd-5678-90ef-abcd-1234567890ab"));
}

#[test]
fn exit_codes_and_hints() {
    let dir = tempfile::tempdir().expect("tmp");
    let missing = dataplat(dir.path(), &["validate"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("kubectl dataplat init"), "{}", stderr(&missing));
    // Without --offline, plan diffs against the cluster: no cluster, a clear error and the way out.
    let live = dataplat(&repo(), &["plan", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_eq!(live.status.code(), Some(1));
    assert!(stderr(&live).contains("cannot read kubeconfig /nonexistent/kubeconfig"), "{}", stderr(&live));
    assert!(stderr(&live).contains("plan --offline"), "{}", stderr(&live));
    let both = dataplat(&repo(), &["plan", "--offline", "--kubeconfig", "k"]);
    assert_eq!(both.status.code(), Some(2), "--offline and a cluster contradict each other");
    assert_eq!(dataplat(dir.path(), &["no-such-command"]).status.code(), Some(2));
    let completion = ok(dataplat(dir.path(), &["completion", "bash"]));
    assert!(completion.contains("kubectl-dataplat") && completion.contains("plan"), "bash completion");
    let inspect = ok(dataplat(dir.path(), &["plugin", "inspect", "keda"]));
    assert!(inspect.contains("enable_keda") && inspect.contains("chart_version"), "{inspect}");
    assert!(stdout(&dataplat(dir.path(), &["--version"])).starts_with("kubectl-dataplat "));
}

#[test]
fn validate_says_which_addons_are_enabled_and_none_plainly() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    ok(dataplat(d, &["init", "--name", "bare", "--region", "eu-west-1"]));
    let text = std::fs::read_to_string(d.join("platform.yaml")).expect("written");
    let bare: String = text
        .lines()
        .map(|l| if l.starts_with("enable_") { l.replace(": true", ": false") } else { l.to_string() } + "\n")
        .collect();
    std::fs::write(d.join("platform.yaml"), bare).expect("write");
    let none = ok(dataplat(d, &["validate"]));
    assert_eq!(none.trim(), "platform.yaml is valid: no addon enabled (the core platform only)");
    ok(dataplat(d, &["enable", "keda"]));
    let one = ok(dataplat(d, &["validate"]));
    assert_eq!(one.trim(), "platform.yaml is valid: 1 addon(s) enabled (keda)");
}

#[test]
fn version_lists_the_contract_the_plugins_and_the_pinned_charts() {
    let dir = tempfile::tempdir().expect("tmp");
    let table = ok(dataplat(dir.path(), &["version"]));
    assert!(
        table.starts_with(&format!(
            "kubectl-dataplat {}\nplugin contract: dataplat:addon@0.1.0\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(dataplat(dir.path(), &["version", "-o", "json"]))).expect("json");
    let plugins: Vec<&str> = json["plugins"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(plugins.len() >= 12 && plugins.contains(&"trino") && plugins.contains(&"keda"), "{plugins:?}");
    let chart = |name: &str| {
        json["charts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["chart"] == name)
            .unwrap_or_else(|| panic!("{name}: {json:#}"))
            .clone()
    };
    // The core's own, and an addon's default (the same pin its config schema states).
    assert_eq!(chart("karpenter")["repository"], "oci://public.ecr.aws/karpenter");
    assert_eq!(chart("keda")["addon"], "keda");
    let schema = ok(dataplat(dir.path(), &["plugin", "inspect", "keda", "-o", "json"]));
    let schema: serde_json::Value = serde_json::from_str(&schema).expect("json");
    assert_eq!(chart("keda")["version"], schema["config_schema"]["properties"]["chart_version"]["default"]);
    assert!(table.contains("kube-prometheus-stack"), "{table}");
    // It needs no platform.yaml and writes nothing.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_file_flag_is_explained_per_subcommand() {
    let dir = tempfile::tempdir().expect("tmp");
    let line = |args: &[&str]| {
        let help = ok(dataplat(dir.path(), args));
        help.lines().find(|l| l.trim_start().starts_with("-f, --file")).unwrap_or_else(|| panic!("{help}")).to_string()
    };
    assert!(line(&["chart", "template", "--help"]).contains("A values file for the chart (repeatable, as in Helm)"));
    for args in [&["plan", "--help"][..], &["validate", "--help"], &["doctor", "--help"]] {
        let l = line(args);
        assert!(
            l.contains("The platform file") && !l.contains("chart template") && !l.contains("values"),
            "{args:?}: {l}"
        );
    }
}

/// A platform.yaml from `init` with exactly `on` switched on (every other flag off).
fn platform_with(d: &std::path::Path, on: &[&str]) -> String {
    ok(dataplat(d, &["init", "--name", "edits", "--region", "eu-west-1", "--force"]));
    let text = std::fs::read_to_string(d.join("platform.yaml")).expect("written");
    let text: String = text
        .lines()
        .map(|l| match l.split_once(':') {
            Some((key, _)) if key.starts_with("enable_") => format!("{key}: {}\n", on.contains(&key)),
            _ => format!("{l}\n"),
        })
        .collect();
    std::fs::write(d.join("platform.yaml"), &text).expect("write");
    text
}

fn flag_lines(text: &str) -> Vec<String> {
    text.lines().filter(|l| l.starts_with("enable_") && l.ends_with("true")).map(str::to_string).collect()
}

#[test]
fn enable_and_disable_repair_an_invalid_file_and_refuse_only_an_edit_that_adds_an_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let read = || std::fs::read_to_string(d.join("platform.yaml")).expect("read");
    let trino_error = "`enable_trino` needs the `cert_manager` addon";

    // Trino on, cert-manager off: invalid. `enable flink` switches cert-manager on as flink's
    // prerequisite, which fixes Trino's error too.
    platform_with(d, &["enable_trino"]);
    let out = dataplat(d, &["enable", "flink"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("fixed: {trino_error}")), "{}", stdout(&out));
    assert_eq!(flag_lines(&read()), ["enable_cert_manager: true", "enable_flink: true", "enable_trino: true"]);
    ok(dataplat(d, &["validate"]));

    // An edit that changes nothing leaves the file alone and says what is still wrong.
    let before = platform_with(d, &["enable_trino"]);
    let out = dataplat(d, &["disable", "spark_operator"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("enable_spark_operator is already off"), "{}", stdout(&out));
    assert!(stderr(&out).contains(trino_error) && stderr(&out).contains("still has 1 error(s)"), "{}", stderr(&out));
    assert_eq!(read(), before);

    // An unrelated edit of an invalid file is written; the error it did not add remains, said so.
    platform_with(d, &["enable_trino"]);
    let out = dataplat(d, &["enable", "keda"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("still has 1 error(s), above (the edit added none)"), "{}", stderr(&out));
    assert_eq!(flag_lines(&read()), ["enable_keda: true", "enable_trino: true"]);

    // Two errors; `disable flink` fixes one, writes, and names the other.
    platform_with(d, &["enable_trino", "enable_flink"]);
    let out = dataplat(d, &["disable", "flink"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("fixed: `enable_flink` needs the `cert_manager` addon"), "{}", stdout(&out));
    assert!(stderr(&out).contains(trino_error) && stderr(&out).contains("still has 1 error(s)"), "{}", stderr(&out));
    assert_eq!(flag_lines(&read()), ["enable_trino: true"]);

    // A valid file: `disable cert_manager` would break Trino, so it is refused, and the hint
    // names both ways out.
    let before = platform_with(d, &["enable_trino", "enable_cert_manager"]);
    let out = dataplat(d, &["disable", "cert_manager"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(trino_error), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "(kubectl dataplat enable cert_manager), or switch `enable_trino` off (kubectl dataplat disable trino)"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(), before, "a refused edit writes nothing");

    // An invalid file and an edit that adds an error: refused, showing the error it would add.
    let mut invalid = platform_with(d, &["enable_trino", "enable_cert_manager", "enable_keda"]);
    invalid.push_str("keda:\n  no_such_setting: 1\n");
    std::fs::write(d.join("platform.yaml"), &invalid).expect("write");
    let out = dataplat(d, &["disable", "cert_manager"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(trino_error), "{}", stderr(&out));
    assert!(!stderr(&out).contains("no_such_setting"), "only what the edit adds: {}", stderr(&out));
    assert_eq!(read(), invalid);
}
