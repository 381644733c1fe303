//! Chart loading and the values pipeline over fixture charts of ours (tests/charts/).
//!
//! Expectations follow Helm's loader and chartutil semantics (see the module docs of
//! `helm::chart` and `helm::values`); every test asserts concrete values, so a change in
//! behaviour fails it.

use std::path::{Path, PathBuf};

use gotemplate::Value;
use helm::chart::{self, Chart};
use helm::values::{self, value_to_json};
use serde_json::json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts").join(name)
}

/// The value at a dotted path (`None` when missing).
fn get(v: &Value, path: &str) -> Option<Value> {
    let mut cur = v.clone();
    for part in path.split('.') {
        let next = match &cur {
            Value::Map(m) => m.borrow().get(part).cloned()?,
            _ => return None,
        };
        cur = next;
    }
    Some(cur)
}

fn json_at(v: &Value, path: &str) -> serde_json::Value {
    get(v, path).map(|v| value_to_json(&v)).unwrap_or(serde_json::Value::String("<missing>".into()))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A `.tgz` of `dir` with one top-level directory `top`, as `helm package` makes.
fn tgz_of(dir: &Path, top: &str) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(enc);
    builder.append_dir_all(top, dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

/// A `.tgz` with the given raw entry names (no path checks: for the escape tests).
fn tgz_raw(entries: &[(&str, &str)]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(enc);
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Write the name bytes directly so `..` and absolute names survive.
        {
            let gnu = header.as_gnu_mut().unwrap();
            gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        }
        header.set_cksum();
        builder.append(&header, data.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// The umbrella fixture in a temp dir, with `charts/packed-1.0.3.tgz` built from `packed-src`.
fn umbrella() -> (tempfile::TempDir, Chart) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("umbrella");
    copy_dir(&fixture("umbrella"), &root);
    let tgz = tgz_of(&fixture("packed-src"), "packed");
    std::fs::write(root.join("charts/packed-1.0.3.tgz"), tgz).unwrap();
    let chart = Chart::load(&root).unwrap();
    (tmp, chart)
}

fn no_values() -> Value {
    Value::map(Default::default())
}

// ---------------------------------------------------------------------------------------------
// Loading

#[test]
fn plain_chart_loads_metadata_templates_and_files() {
    let c = Chart::load(fixture("plain")).unwrap();
    let md = &c.metadata;
    assert_eq!(md.name, "plain");
    assert_eq!(md.version, "0.3.1");
    assert_eq!(md.api_version, "v2");
    // sigs.k8s.io/yaml turns the YAML float 1.10 into the string "1.1".
    assert_eq!(md.app_version, "1.1");
    assert_eq!(md.kube_version, ">=1.20.0-0");
    assert_eq!(md.keywords, vec!["demo".to_string(), "42".to_string()]);
    assert_eq!(md.maintainers[0].email, "ops@example.invalid");
    assert_eq!(md.annotations.get("revision").map(String::as_str), Some("7"));
    assert!(!md.is_library());

    let templates: Vec<&str> = c.templates.iter().map(|t| t.name.as_str()).collect();
    // templates/.editor-swap is dropped by Helm's default ignore rule `templates/.?*`.
    assert_eq!(
        templates,
        vec![
            "templates/NOTES.txt",
            "templates/_helpers.tpl",
            "templates/deployment.yaml",
            "templates/sub/service.yaml"
        ]
    );
    assert!(c.notes().is_some());
    let files: Vec<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(files, vec!["README.md", "crds/widgets.yaml", "files/config.txt"]);
    assert_eq!(c.crd_files().len(), 1);
    let names: Vec<String> = c.all_templates().into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(names[2], "plain/templates/deployment.yaml");

    // values.yaml: both documents merged; YAML 1.1 `off` is false; every number float64.
    let v = values::from_json_map(&c.values);
    assert_eq!(json_at(&v, "image.registry"), json!("docker.io"));
    assert_eq!(json_at(&v, "image.tag"), json!("1.25"));
    assert_eq!(json_at(&v, "debug"), json!(false));
    assert_eq!(get(&v, "replicaCount").unwrap().type_name(), "float64");
    assert_eq!(gotemplate::fmt::sprint(&[get(&v, "big").unwrap()]), "1.234567e+06");
    assert!(matches!(get(&v, "resources"), Some(Value::Nil)));
}

#[test]
fn chart_value_for_templates_uses_go_field_names() {
    let c = Chart::load(fixture("plain")).unwrap();
    let v = c.metadata.to_value();
    assert_eq!(json_at(&v, "Name"), json!("plain"));
    assert_eq!(json_at(&v, "AppVersion"), json!("1.1"));
    assert_eq!(json_at(&v, "APIVersion"), json!("v2"));
    assert_eq!(json_at(&v, "Annotations.category"), json!("Demo"));
}

#[test]
fn archive_loads_the_same_chart_as_the_directory() {
    let dir = Chart::load(fixture("plain")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("plain-0.3.1.tgz");
    std::fs::write(&path, tgz_of(&fixture("plain"), "plain")).unwrap();
    let tgz = Chart::load(&path).unwrap();
    assert_eq!(tgz.metadata, dir.metadata);
    assert_eq!(tgz.values, dir.values);
    // .helmignore is not applied to archives (Helm applies it when packaging): the dotfile that
    // the directory loader dropped is in the archive's templates.
    let names: Vec<&str> = tgz.templates.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"templates/.editor-swap"), "{names:?}");
    // Files keep the archive's entry order (Helm's too); `.Files` is a map, so compare sorted.
    let mut files = tgz.files.clone();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(files, dir.files);
}

#[test]
fn archives_may_not_escape_the_chart_root() {
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"), ("c/../../etc/passwd", "x")],
            "parent directory",
        ),
        (vec![("c//etc/passwd", "x")], "absolute paths"),
        // A top-level file has no path left once the top directory is dropped.
        (vec![("Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n")], "outside the base directory"),
        (vec![("Chart.yaml/x", "x")], "chart yaml not in base directory"),
        (vec![("c/C:/x", "x")], "illegally named files"),
        (vec![("c", "x")], "outside the base directory"),
    ];
    for (entries, want) in cases {
        let data = tgz_raw(&entries);
        let err = chart::load_archive(&data, "evil.tgz").unwrap_err();
        assert!(err.to_string().contains(want), "{entries:?}: {err}");
        assert!(err.to_string().starts_with("evil.tgz: "), "{err}");
    }
    let err = chart::load_archive(b"not gzip at all", "junk.tgz").unwrap_err();
    assert!(err.to_string().starts_with("junk.tgz: "), "{err}");
}

#[test]
fn helmignore_follows_helm_rules() {
    let c = Chart::load(fixture("ignored")).unwrap();
    let templates: Vec<&str> = c.templates.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(templates, vec!["templates/real.yaml"]);
    let files: Vec<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(files, vec![".helmignore", "docs/top.txt", "files/secret"]);
}

#[test]
fn helmignore_rule_table() {
    // (pattern, path, is_dir, ignored): Helm's pkg/ignore rules_test cases, as our data.
    let cases: &[(&str, &str, bool, bool)] = &[
        ("helm.txt", "helm.txt", false, true),
        ("helm.*", "helm.txt", false, true),
        ("helm.*", "rudder.txt", false, false),
        ("*.txt", "tiller.txt", false, true),
        ("*.txt", "cargo/a.txt", false, true),
        ("cargo/*.txt", "cargo/a.txt", false, true),
        ("cargo/*.*", "cargo/a.txt", false, true),
        ("cargo/*.txt", "mast/a.txt", false, false),
        ("ru[c-e]?er.txt", "rudder.txt", false, true),
        ("templates/.?*", "templates/.dotfile", false, true),
        (".*", ".", true, false),
        (".*", "./", true, false),
        (".*", ".joonix", true, true),
        (".*", "helm.txt", false, false),
        (".*", "", false, false),
        ("cargo/", "cargo", true, true),
        ("cargo/", "cargo/", true, true),
        ("cargo/", "mast/", true, false),
        ("helm.txt/", "helm.txt", false, false),
        ("!helm.txt", "helm.txt", false, false),
        ("!helm.txt", "tiller.txt", false, true),
        ("!*.txt", "cargo", true, true),
        ("!cargo/", "mast/", true, true),
        ("/a.txt", "a.txt", false, true),
        ("/a.txt", "cargo/a.txt", false, false),
        ("/cargo/a.txt", "cargo/a.txt", false, true),
    ];
    for (pattern, path, is_dir, want) in cases {
        let rules = chart::IgnoreRules::parse(pattern).unwrap();
        assert_eq!(rules.ignore(path, *is_dir), *want, "pattern {pattern:?} on {path:?}");
    }
    let rules = chart::IgnoreRules::parse("#ignore\n\n\t#ignore\nfoo\nbar/*\nbaz/bar/foo.txt\n\none/more\n").unwrap();
    assert_eq!(rules.len(), 4);
    for bad in ["foo/**/bar", "[z-"] {
        assert!(chart::IgnoreRules::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn load_errors_name_the_file() {
    let err = Chart::load(fixture("broken-version")).unwrap_err().to_string();
    assert!(err.contains("broken-version/Chart.yaml"), "{err}");
    assert!(err.contains("validation: chart.metadata.version \"latest\" is invalid"), "{err}");

    let err = Chart::load(fixture("broken-values")).unwrap_err().to_string();
    assert!(err.contains("broken-values/values.yaml"), "{err}");
    assert!(err.contains("cannot load values.yaml: yaml: line"), "{err}");

    let err = Chart::load(fixture("no-chart-yaml")).unwrap_err().to_string();
    assert!(err.contains("no-chart-yaml/Chart.yaml"), "{err}");
    assert!(err.contains("Chart.yaml file is missing"), "{err}");

    let err = Chart::load(fixture("does-not-exist")).unwrap_err().to_string();
    assert!(err.contains("does-not-exist"), "{err}");
}

#[test]
fn metadata_validation_matches_helm() {
    let bad: &[(&str, &str)] = &[
        ("name: a\nversion: 1.0.0\n", ""), // apiVersion defaults to v1 when missing: valid
        ("apiVersion: v2\nversion: 1.0.0\n", "chart.metadata.name is required"),
        ("apiVersion: v2\nname: a/b\nversion: 1.0.0\n", "chart.metadata.name \"a/b\" is invalid"),
        ("apiVersion: v2\nname: a\n", "chart.metadata.version is required"),
        ("apiVersion: v2\nname: a\nversion: 1.0.0\ntype: plugin\n", "type must be application or library"),
        (
            "apiVersion: v2\nname: a\nversion: 1.0.0\ndependencies:\n- name: x\n  alias: bad.alias\n",
            "dependency \"x\" has disallowed characters in the alias",
        ),
        (
            "apiVersion: v2\nname: a\nversion: 1.0.0\ndependencies:\n- name: x\n- name: y\n  alias: x\n",
            "more than one dependency with name or alias \"x\"",
        ),
        ("apiVersion: v3\nname: a\nversion: 1.0.0\n", "apiVersion \"v3\" is not supported"),
        ("apiVersion: v2\nname: [a]\nversion: 1.0.0\n", "cannot unmarshal array into Go struct field Metadata.name"),
    ];
    for (text, want) in bad {
        let files = vec![chart::File { name: "Chart.yaml".into(), data: text.as_bytes().to_vec() }];
        match chart::load_files(files, "c") {
            Ok(c) => assert!(want.is_empty(), "{text}: loaded {:?}", c.metadata),
            Err(e) => {
                assert!(!want.is_empty(), "{text}: {e}");
                assert!(e.to_string().contains(want), "{text}: {e}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Subcharts, globals, conditions, tags, aliases, import-values

#[test]
fn umbrella_loads_directory_and_archive_subcharts() {
    let (_tmp, c) = umbrella();
    let names: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();
    // charts/_scratch is skipped; subcharts are ordered by their entry under charts/.
    assert_eq!(names, vec!["common", "optional", "packed", "web"]);
    let packed = c.dependencies.iter().find(|d| d.name() == "packed").unwrap();
    assert_eq!(packed.metadata.version, "1.0.3");
    assert_eq!(packed.dependencies[0].name(), "inner");
    assert!(c.dependencies.iter().find(|d| d.name() == "common").unwrap().metadata.is_library());
}

#[test]
fn umbrella_values_pipeline() {
    let (_tmp, mut c) = umbrella();
    let user = values::merge_user_values(&[], &[], &[]).unwrap();
    let v = values::values_for_render(&mut c, &user).unwrap();

    // canary (alias of web) is disabled: its first condition `canary.enabled` resolves to
    // false from web's own defaults, so the second one (`web.enabled`, true) is not consulted.
    // optional: tags enable it, its condition disables it (conditions win).
    let deps: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();
    assert_eq!(deps, vec!["web", "packed", "common"]);
    let reqs: Vec<&str> = c.metadata.dependencies.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(reqs, vec!["web", "packed", "common"]);

    // Subchart values under the subchart's name, parent values first.
    assert_eq!(json_at(&v, "web.replicas"), json!(3.0));
    assert_eq!(json_at(&v, "web.image"), json!("web:1"));
    // Globals: the parent's win, the subchart's own are kept, and they reach grandchildren.
    assert_eq!(json_at(&v, "web.global.region"), json!("eu-west-1"));
    assert_eq!(json_at(&v, "web.global.labels"), json!({"app": "web", "team": "data"}));
    assert_eq!(json_at(&v, "packed.global.region"), json!("eu-west-1"));
    assert_eq!(json_at(&v, "packed.inner.global.region"), json!("eu-west-1"));
    assert_eq!(json_at(&v, "packed.inner.depth"), json!(2.0));
    assert_eq!(json_at(&v, "common.global.labels.team"), json!("data"));
    // import-values: the string form imports exports.data into the parent's root; the map form
    // imports the child's table under `parent` (the parent's own values win).
    assert_eq!(json_at(&v, "exported"), json!(true));
    assert_eq!(json_at(&v, "port"), json!(8080.0));
    assert_eq!(json_at(&v, "imported.fromPacked"), json!({"fromChild": true, "keep": "parent-wins"}));
    assert_eq!(json_at(&v, "packed.config.override"), json!("from-parent"));
    // Disabled subcharts' sections are not coalesced from their defaults.
    assert_eq!(json_at(&v, "canary"), json!({"replicas": 1.0}));

    let names: Vec<String> = c.all_templates().into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(
        names,
        vec![
            "umbrella/templates/configmap.yaml",
            "umbrella/charts/web/templates/deployment.yaml",
            "umbrella/charts/packed/templates/svc.yaml",
            "umbrella/charts/packed/charts/inner/templates/inner.yaml",
            "umbrella/charts/common/templates/_labels.tpl",
        ]
    );
}

#[test]
fn alias_condition_and_tags_follow_user_values() {
    let (_tmp, mut c) = umbrella();
    let user = values::merge_user_values(
        &[("override.yaml".into(), "canary:\n  enabled: true\n  image: canary:2\nweb:\n  replicas: null\n".into())],
        &["tags.extras=false,global.region=us-east-1".into()],
        &[],
    )
    .unwrap();
    let v = values::values_for_render(&mut c, &user).unwrap();
    let deps: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();
    // tags.extras=false disables packed (and optional); canary is on, under its alias.
    assert_eq!(deps, vec!["web", "canary", "common"]);
    assert_eq!(json_at(&v, "canary.image"), json!("canary:2"));
    assert_eq!(json_at(&v, "canary.replicas"), json!(1.0));
    assert_eq!(json_at(&v, "canary.global.region"), json!("us-east-1"));
    // null in user values deletes the key, defaults included.
    assert_eq!(json_at(&v, "web.replicas"), json!("<missing>"));
    let names: Vec<String> = c.all_templates().into_iter().map(|(n, _, _)| n).collect();
    assert!(names.contains(&"umbrella/charts/canary/templates/deployment.yaml".to_string()), "{names:?}");
    // No import from the disabled chart.
    assert_eq!(json_at(&v, "exported"), json!("<missing>"));
}

#[test]
fn set_values_are_int64_and_override_files() {
    let c = Chart::load(fixture("plain")).unwrap();
    let user = values::merge_user_values(
        &[
            ("a.yaml".into(), "replicaCount: 5\nimage:\n  tag: v2\n".into()),
            ("b.yaml".into(), "image:\n  pullPolicy: Always\n".into()),
        ],
        &["replicaCount=7,service.annotations.a\\.b=x".into()],
        &["image.tag=3".into()],
    )
    .unwrap();
    let v = values::coalesce_values(&c, &user).unwrap();
    assert_eq!(get(&v, "replicaCount").unwrap().type_name(), "int");
    assert_eq!(json_at(&v, "replicaCount"), json!(7));
    assert_eq!(json_at(&v, "image.tag"), json!("3"));
    assert_eq!(json_at(&v, "image.pullPolicy"), json!("Always"));
    assert_eq!(json_at(&v, "image.repository"), json!("nginx"));
    assert_eq!(json_at(&v, "service.annotations"), json!({"a.b": "x"}));
    // The user's map is not changed by coalescing.
    assert_eq!(json_at(&user, "image"), json!({"pullPolicy": "Always", "tag": "3"}));

    let err = values::merge_user_values(&[], &["a.b".into()], &[]).unwrap_err();
    assert_eq!(err.to_string(), "failed parsing --set data: key \"b\" has no value");
    let err = values::merge_user_values(&[("bad.yaml".into(), "- a\n".into())], &[], &[]).unwrap_err();
    assert!(err.to_string().starts_with("failed to parse bad.yaml: "), "{err}");
}

#[test]
fn library_charts_are_not_installable() {
    let c = Chart::load(fixture("library")).unwrap();
    assert!(c.metadata.is_library());
    assert_eq!(values::check_installable(&c).unwrap_err().to_string(), "library charts are not installable");
    assert!(values::check_installable(&Chart::load(fixture("plain")).unwrap()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Schema

#[test]
fn schema_accepts_defaults() {
    let mut c = Chart::load(fixture("schema")).unwrap();
    assert!(c.schema.is_some());
    values::values_for_render(&mut c, &no_values()).unwrap();
}

#[test]
fn schema_violation_names_the_value_path() {
    let mut c = Chart::load(fixture("schema")).unwrap();
    let user =
        values::merge_user_values(&[], &["replicaCount=0,child.port=70000".into()], &["image.tag=x".into()]).unwrap();
    let err = values::values_for_render(&mut c, &user).unwrap_err().to_string();
    assert!(
        err.starts_with("values don't meet the specifications of the schema(s) in the following chart(s):\n"),
        "{err}"
    );
    assert!(err.contains("schema:\n- at '/replicaCount': "), "{err}");
    assert!(err.contains("child:\n- at '/port': "), "{err}");
    assert!(!err.contains("/image"), "{err}");

    let mut c = Chart::load(fixture("schema")).unwrap();
    let user = values::merge_user_values(&[("v.yaml".into(), "image:\n  tag: 5\n".into())], &[], &[]).unwrap();
    let err = values::values_for_render(&mut c, &user).unwrap_err().to_string();
    assert!(err.contains("- at '/image/tag': "), "{err}");
    // A float64 replica count that is whole is an integer for JSON Schema.
    let mut c = Chart::load(fixture("schema")).unwrap();
    let user = values::merge_user_values(&[("v.yaml".into(), "replicaCount: 3\n".into())], &[], &[]).unwrap();
    values::values_for_render(&mut c, &user).unwrap();
}

#[test]
fn all_user_value_options_in_helms_order() {
    let opts = values::UserValueOptions {
        values_files: vec![("a.yaml".into(), "a: file\nb: file\nc: file\nd: file\ne: file\n".into())],
        set_json: vec!["b={\"json\": [1, 2]}".into(), "{\"f\": {\"g\": true}}".into()],
        set: vec!["c=7".into()],
        set_string: vec!["d=7".into()],
        set_file: vec!["e=cert.pem".into()],
        set_literal: vec!["h=a,b={c}".into()],
    };
    let read = |p: &str| if p == "cert.pem" { Ok("-----BEGIN-----\n".to_string()) } else { Err(format!("open {p}")) };
    let v = opts.merge(&read).unwrap();
    assert_eq!(
        value_to_json(&v),
        json!({"a": "file", "b": {"json": [1.0, 2.0]}, "c": 7, "d": "7", "e": "-----BEGIN-----\n", "f": {"g": true}, "h": "a,b={c}"})
    );
    let bad = values::UserValueOptions { set_file: vec!["e=missing".into()], ..Default::default() };
    assert_eq!(bad.merge(&read).unwrap_err().to_string(), "failed parsing --set-file data: open missing");
}

#[test]
fn kube_version_constraint_is_checked() {
    let c = Chart::load(fixture("plain")).unwrap();
    assert!(c.check_kube_version("v1.30.2").is_ok());
    assert!(c.check_kube_version("v1.20.0-eks-1").is_ok());
    assert_eq!(
        c.check_kube_version("v1.19.4").unwrap_err(),
        "chart requires kubeVersion: >=1.20.0-0 which is incompatible with Kubernetes v1.19.4"
    );
}

#[test]
fn archives_nest_archives() {
    // packed-1.0.3.tgz holding charts/inner-0.0.1.tgz instead of a directory.
    let tmp = tempfile::tempdir().unwrap();
    let packed = tmp.path().join("packed");
    copy_dir(&fixture("packed-src"), &packed);
    let inner_tgz = tgz_of(&packed.join("charts/inner"), "inner");
    std::fs::remove_dir_all(packed.join("charts/inner")).unwrap();
    std::fs::write(packed.join("charts/inner-0.0.1.tgz"), inner_tgz).unwrap();
    let root = tmp.path().join("umbrella");
    copy_dir(&fixture("umbrella"), &root);
    std::fs::write(root.join("charts/packed-1.0.3.tgz"), tgz_of(&packed, "packed")).unwrap();

    let mut c = Chart::load(&root).unwrap();
    let v = values::values_for_render(&mut c, &no_values()).unwrap();
    assert_eq!(json_at(&v, "packed.inner.depth"), json!(2.0));
    let names: Vec<String> = c.all_templates().into_iter().map(|(n, _, _)| n).collect();
    assert!(names.contains(&"umbrella/charts/packed/charts/inner/templates/inner.yaml".to_string()), "{names:?}");

    // A broken nested archive names the chain of subcharts.
    std::fs::write(root.join("charts/packed-1.0.3.tgz"), b"\x1f\x8b\x08garbage").unwrap();
    let err = Chart::load(&root).unwrap_err().to_string();
    assert!(err.contains("charts/packed-1.0.3.tgz"), "{err}");
    assert!(err.contains("error unpacking subchart packed-1.0.3.tgz in umbrella"), "{err}");
}

#[test]
fn truncated_or_corrupt_archives_error_without_panicking() {
    let data = tgz_of(&fixture("plain"), "plain");
    // Cut anywhere before the last entry's data: an error. (A cut in the tar end-of-archive
    // padding or the gzip trailer may load, as in Go, whose tar reader stops at the end marker.)
    for cut in (0..data.len() / 2).step_by(11) {
        assert!(chart::load_archive(&data[..cut], "cut.tgz").is_err(), "cut at {cut}");
    }
    for cut in (data.len() / 2..data.len()).step_by(11) {
        let _ = chart::load_archive(&data[..cut], "cut.tgz");
    }
    for i in (10..data.len()).step_by(13) {
        let mut bad = data.clone();
        bad[i] ^= 0x5a;
        let _ = chart::load_archive(&bad, "flipped.tgz");
    }
}

#[test]
fn a_values_file_given_as_the_chart_is_refused_clearly() {
    let err = Chart::load(fixture("plain/values.yaml")).unwrap_err();
    assert!(err.message.ends_with("seems to be a YAML file, but expected a gzipped archive"), "{err}");
    let err = Chart::load(fixture("plain/README.md")).unwrap_err();
    assert!(err.message.ends_with("does not appear to be a gzipped archive"), "{err}");
}
