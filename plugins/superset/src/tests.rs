use super::*;
use dataplat_sdk::serde_json::Value;
use dataplat_sdk::testing::*;
use std::collections::BTreeMap;

chart_addon_tests!(Superset in enabled();
    info "superset", [("enable_superset", true), ("enable_superset_trino", false)], ["trino"],
        ["admin_username", "admin_email", "python_packages", "trino"];
    deterministic json!({}), enabled());

fn enabled() -> PlatformFacts {
    facts(&["enable_superset"], &["superset"])
}

#[test]
fn defaults_plan_superset_with_bundled_databases_and_no_secret() {
    let plan = plan_ok::<Superset>(&json!({}), &enabled());
    let release = release(&plan, "superset");
    assert_eq!(release.namespace, "superset");
    assert_chart(release, "https://apache.github.io/superset", "superset", "0.15.0");
    let v = values(release);
    assert_eq!(v.pointer("/postgresql/enabled"), Some(&json!(true)));
    assert_eq!(v.pointer("/redis/enabled"), Some(&json!(true)));
    // Every pod on the core nodes, as the other web apps: none lands on an addon's NodePool.
    let core = json!({"dataplat.io/pool": "core"});
    for path in ["/nodeSelector", "/postgresql/primary/nodeSelector", "/redis/master/nodeSelector"] {
        assert_eq!(v.pointer(path), Some(&core), "{path}");
    }
    assert_eq!(v["envFromSecrets"], json!(["superset-secret-key"]));
    let override_py = v.pointer("/configOverrides/secret_key").and_then(|s| s.as_str()).expect("override");
    assert!(override_py.contains("SECRET_KEY = os.environ[\"SUPERSET_SECRET_KEY\"]"));
    assert!(v.get("extraSecretEnv").is_none(), "no secret material in values");
    object(release, "Namespace", "superset");
    assert_eq!(health_checks(release), [("Deployment", "superset"), ("Deployment", "superset-worker")]);
    assert_eq!(endpoints(&plan), [("web", "http://superset.superset.svc:8088")]);
    let topics: Vec<&str> = plan.notes.iter().map(|n| n.topic.as_str()).collect();
    assert!(topics.contains(&"deprecated"));
    let secret = plan.notes.iter().find(|n| n.topic == "secret-key").expect("secret note");
    assert!(secret.text.contains("superset/superset-secret-key"));
    // The Secrets the values read are declared, so the host generates them before the release.
    assert_eq!(plan.secrets.len(), 2);
    assert_eq!(
        (plan.secrets[0].namespace.as_str(), plan.secrets[0].name.as_str()),
        ("superset", "superset-secret-key")
    );
    assert_eq!(plan.secrets[0].random_keys, ["SUPERSET_SECRET_KEY"]);
}

#[test]
fn overrides_and_values_merge() {
    let config =
        json!({"namespace": "bi", "values": {"supersetNode": {"replicaCount": 2}, "redis": {"enabled": false}}});
    let plan = plan_ok::<Superset>(&config, &enabled());
    let release = release(&plan, "superset");
    object(release, "Namespace", "bi");
    let v = values(release);
    assert_eq!(v.pointer("/supersetNode/replicaCount"), Some(&json!(2)));
    assert_eq!(v.pointer("/redis/enabled"), Some(&json!(false)));
    assert_eq!(v.pointer("/postgresql/enabled"), Some(&json!(true)));
    assert_eq!(plan.endpoints[0].url, "http://superset.bi.svc:8088");
}

#[test]
fn validation_errors() {
    let f = enabled();
    let e = error_at::<Superset>(
        &json!({"values": {"extraSecretEnv": {"SUPERSET_SECRET_KEY": "hunter2"}}}),
        &f,
        "values.extraSecretEnv.SUPERSET_SECRET_KEY",
    );
    assert!(e.message.contains("secrets"));
    error_at::<Superset>(&json!({"values": {"fullnameOverride": "bi"}}), &f, "values.fullnameOverride");
}

fn with_trino() -> PlatformFacts {
    with_trino_https(facts(&["enable_superset", TRINO_FLAG, "enable_trino"], &["superset", "trino"]))
}

fn env_names(v: &Value) -> Vec<&str> {
    v["extraEnvRaw"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect()
}

#[test]
fn the_lean_image_gets_its_postgres_driver_and_the_moved_bitnami_images() {
    let plan = plan_ok::<Superset>(&json!({}), &enabled());
    let v = values(release(&plan, "superset"));
    let bootstrap = v["bootstrapScript"].as_str().unwrap();
    assert!(bootstrap.contains("uv pip install") && bootstrap.contains("python -m pip install"), "{bootstrap}");
    assert!(bootstrap.contains("'psycopg2-binary==2.9.10'"), "{bootstrap}");
    assert!(!bootstrap.contains("trino"), "no Trino driver without the flag");
    assert_eq!(v.pointer("/postgresql/image/repository"), Some(&json!("bitnamilegacy/postgresql")));
    assert_eq!(v.pointer("/redis/image/repository"), Some(&json!("bitnamilegacy/redis")));
    assert_eq!(v.pointer("/global/security/allowInsecureImages"), Some(&json!(true)));
    // An image with its drivers needs no bootstrap.
    let plan = plan_ok::<Superset>(&json!({"python_packages": []}), &enabled());
    assert!(!values(release(&plan, "superset"))["bootstrapScript"].as_str().unwrap().contains("install"));
}

#[test]
fn the_admin_password_comes_from_a_generated_secret_never_admin_admin() {
    let plan = plan_ok::<Superset>(&json!({"admin_username": "ops", "admin_email": "ops@example.com"}), &enabled());
    let v = values(release(&plan, "superset"));
    let init = v.pointer("/init/initscript").and_then(Value::as_str).unwrap();
    assert!(init.contains("--username 'ops'") && init.contains("--email 'ops@example.com'"), "{init}");
    assert!(init.contains("--password \"$SUPERSET_ADMIN_PASSWORD\" || true"), "{init}");
    assert!(init.contains("superset fab reset-password --username 'ops' --password \"$SUPERSET_ADMIN_PASSWORD\""));
    assert!(!init.contains("--password admin"));
    assert_eq!(
        v["extraEnvRaw"][0],
        json!({"name": "SUPERSET_ADMIN_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "superset-admin", "key": "password"}}})
    );
    let admin = plan.secrets.iter().find(|s| s.name == ADMIN_SECRET).expect("admin secret");
    assert_eq!(admin.random_keys, ["password"]);
    assert_eq!(admin.fixed, [("username".to_string(), "ops".to_string())]);
    assert!(!init.contains("Registering Trino"), "no Trino without the flag");
    assert!(!env_names(&v).contains(&"TRINO_USER"));
}

#[test]
fn trino_is_registered_with_the_copied_credentials_and_ca() {
    let plan = plan_ok::<Superset>(&json!({}), &with_trino());
    let release = release(&plan, "superset");
    let v = values(release);
    let init = v.pointer("/init/initscript").and_then(Value::as_str).unwrap();
    assert!(init.contains("python - <<'PY'\n") && init.contains(REGISTER_TRINO_PY) && init.ends_with("PY\n"));
    // The chart passes both scripts through `tpl`: nothing in them may read as a template action.
    assert!(!init.contains("{{") && !v["bootstrapScript"].as_str().unwrap().contains("{{"));
    assert!(v["bootstrapScript"].as_str().unwrap().contains("'trino==0.336.0'"));
    let env: BTreeMap<&str, &Value> =
        v["extraEnvRaw"].as_array().unwrap().iter().map(|e| (e["name"].as_str().unwrap(), e)).collect();
    assert_eq!(env["TRINO_HOST"]["value"], "trino.trino.svc");
    assert_eq!(env["TRINO_PORT"]["value"], "8443");
    assert_eq!(env["TRINO_HTTP_SCHEME"]["value"], "https");
    assert_eq!(env["TRINO_CATALOG"]["value"], "iceberg");
    assert_eq!(env["SUPERSET_TRINO_DATABASE"]["value"], "Trino");
    assert_eq!(
        env["TRINO_PASSWORD"]["valueFrom"]["secretKeyRef"],
        json!({"name": "trino-credentials", "key": "password"})
    );
    assert_eq!(env["TRINO_USER"]["valueFrom"]["secretKeyRef"], json!({"name": "trino-credentials", "key": "username"}));
    // The CA file the registration names is the mounted copy.
    assert_eq!(env["TRINO_CA_BUNDLE"]["value"], "/etc/trino-ca/ca.crt");
    assert_eq!(v["extraVolumes"], json!([{"name": "trino-ca", "secret": {"secretName": "trino-ca"}}]));
    assert_eq!(v["extraVolumeMounts"], json!([{"name": "trino-ca", "mountPath": "/etc/trino-ca", "readOnly": true}]));
    // The copies, filled after Trino's release.
    let copy = object(release, "Secret", "trino-credentials");
    assert_eq!(copy["metadata"]["annotations"]["dataplat.io/copy-of"], "trino/trino-users");
    assert_eq!(copy["metadata"]["annotations"]["dataplat.io/copy-keys"], "username,password");
    assert_eq!(
        object(release, "Secret", "trino-ca")["metadata"]["annotations"]["dataplat.io/copy-of"],
        "trino/trino-ca"
    );
    assert!(release.depends_on.contains(&"trino/trino".to_string()));
    let note = plan.notes.iter().find(|n| n.topic == "trino").expect("trino note");
    assert!(note.text.contains("https://trino.trino.svc:8443") && note.text.contains("trino/trino-users"));
}

#[test]
fn trino_registration_needs_https_credentials() {
    let mut f = with_trino();
    f.endpoints = vec![Endpoint::new("trino", "http", "http://trino.trino.svc:8080", "")];
    let e = errors::<Superset>(&json!({}), &f);
    assert!(e.iter().any(|d| d.message.contains("enable_superset_trino needs the trino addon's credentials")), "{e:?}");
}

#[test]
fn the_addons_own_values_and_bad_settings_are_refused() {
    let f = enabled();
    for key in ["init.initscript", "init.adminUser", "bootstrapScript", "extraEnvRaw", "extraVolumes"] {
        let mut values = json!({});
        let mut at = &mut values;
        for part in key.split('.') {
            at = at.as_object_mut().unwrap().entry(part).or_insert(json!({}));
        }
        *at = json!("x");
        error_at::<Superset>(&json!({ "values": values }), &f, &format!("values.{key}"));
    }
    error_at::<Superset>(&json!({"admin_username": "a b"}), &f, "admin_username");
    error_at::<Superset>(&json!({"admin_email": "nobody"}), &f, "admin_email");
    let e = error_at::<Superset>(&json!({"python_packages": ["ok==1", "x; rm -rf /"]}), &f, "python_packages[1]");
    assert!(e.hint.unwrap().contains("psycopg2-binary"));
    error_at::<Superset>(&json!({"python_packages": ["--index-url=http://evil"]}), &f, "python_packages[0]");
    error_at::<Superset>(&json!({"trino": {"catalog": "Not_A_Label"}}), &f, "trino.catalog");
}
