use super::*;
use dataplat_sdk::testing::*;

chart_addon_tests!(JupyterHub in enabled();
    info "jupyterhub",
        [("enable_jupyterhub", true), ("enable_jupyterhub_trino", false), ("enable_jupyterhub_spark", false)],
        ["trino", "spark_operator"],
        ["hub_storage_gib", "authentication", "idle_culler", "spark_notebook_image"];
    deterministic json!({"hub_storage_gib": 20, "authentication": {"type": "oauth", "oauth": oauth_generic()}}),
        enabled());

fn enabled() -> PlatformFacts {
    facts(&["enable_jupyterhub"], &["jupyterhub"])
}

/// A complete `generic` provider.
fn oauth_generic() -> serde_json::Value {
    json!({
        "client_id": "hub-client",
        "client_secret": {"name": "jupyterhub-oauth", "key": "secret"},
        "authorize_url": "https://id.example.com/oauth2/authorize",
        "token_url": "https://id.example.com/oauth2/token",
        "userdata_url": "https://id.example.com/oauth2/userinfo",
        "username_claim": "preferred_username",
        "scope": ["openid", "profile"],
        "allowed_groups": ["data-team"],
        "groups_claim": "groups",
    })
}

fn oauth(oauth: serde_json::Value) -> serde_json::Value {
    json!({"authentication": {"type": "oauth", "admin_user": "alice@example.com", "oauth": oauth}})
}

fn note<'a>(plan: &'a AddonPlan, topic: &str) -> &'a str {
    plan.notes.iter().find(|n| n.topic == topic).map(|n| n.text.as_str()).unwrap_or_default()
}

#[test]
fn defaults_plan_a_locked_down_hub() {
    let plan = plan_ok::<JupyterHub>(&json!({}), &enabled());
    let release = release(&plan, "jupyterhub");
    assert_eq!(release.namespace, "jupyterhub");
    assert_chart(release, "https://hub.jupyter.org/helm-chart/", "jupyterhub", "3.3.8");
    let v = values(release);
    assert_eq!(v.pointer("/hub/db/pvc/storage"), Some(&json!("50Gi")));
    assert_eq!(v.pointer("/hub/db/pvc/storageClassName"), Some(&json!("gp3")));
    assert_eq!(v.pointer("/proxy/service/type"), Some(&json!("ClusterIP")));
    let core = json!({"dataplat.io/pool": "core"});
    assert_eq!(v.pointer("/hub/nodeSelector"), Some(&core));
    assert_eq!(v.pointer("/proxy/chp/nodeSelector"), Some(&core));
    assert_eq!(v.pointer("/singleuser/cloudMetadata/blockWithIptables"), Some(&json!(true)));
    assert_eq!(v.pointer("/singleuser/uid"), Some(&json!(1000)));
    let profiles = v.pointer("/singleuser/profileList").and_then(|p| p.as_array()).expect("profiles");
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0]["default"], true);
    object(release, "Namespace", "jupyterhub");
    assert_eq!(health_checks(release), [("Deployment", "hub"), ("Deployment", "proxy")]);
    assert_eq!(endpoints(&plan), [("hub", "http://proxy-public.jupyterhub.svc:80")]);
}

#[test]
fn defaults_use_native_authentication_with_a_generated_admin_password() {
    let plan = plan_ok::<JupyterHub>(&json!({}), &enabled());
    let v = values(release(&plan, "jupyterhub"));
    let config = &v["hub"]["config"];
    assert_eq!(config["JupyterHub"]["authenticator_class"], "nativeauthenticator.NativeAuthenticator");
    assert_eq!(config["Authenticator"]["admin_users"], json!(["admin"]));
    let native = &config["NativeAuthenticator"];
    assert_eq!(native["open_signup"], false);
    assert_eq!(native["minimum_password_length"], 12);
    assert_eq!(native["check_common_password"], true);
    assert_eq!(native["allowed_failed_logins"], 5);
    // The admin's password comes from the generated Secret, by reference only.
    let env = &v["hub"]["extraEnv"];
    assert_eq!(env["DATAPLAT_ADMIN_USER"], "admin");
    assert_eq!(
        env["DATAPLAT_ADMIN_PASSWORD"],
        json!({"valueFrom": {"secretKeyRef": {"name": "jupyterhub-admin", "key": "password"}}})
    );
    assert_eq!(v["hub"]["extraConfig"][ADMIN_EXTRA_CONFIG], NATIVE_ADMIN_PY);
    assert_eq!(plan.secrets.len(), 1);
    let secret = &plan.secrets[0];
    assert_eq!((secret.namespace.as_str(), secret.name.as_str()), ("jupyterhub", "jupyterhub-admin"));
    assert_eq!(secret.random_keys, ["password"]);
    assert!(secret.fixed.is_empty(), "{:?}", secret.fixed);
    assert!(!config.to_string().contains("password\":\""), "no password value in hub.config: {config}");
    let text = note(&plan, "authentication");
    for needle in ["/hub/signup", "/hub/authorize", "Secret jupyterhub/jupyterhub-admin", "admin user admin "] {
        assert!(text.contains(needle), "{needle:?} missing from {text:?}");
    }
}

#[test]
fn the_admin_script_reads_what_the_values_pass() {
    // native_admin.py swaps in its subclass only for the class the plugin sets, and reads the
    // two variables hub.extraEnv sets.
    for needle in [
        "os.environ.get(\"DATAPLAT_ADMIN_USER\"",
        "os.environ.get(\"DATAPLAT_ADMIN_PASSWORD\"",
        "\"nativeauthenticator.NativeAuthenticator\"",
        "c.JupyterHub.authenticator_class = DataplatNativeAuthenticator",
        "if self.get_user(name) is None:",
        "is_authorized=True",
    ] {
        assert!(NATIVE_ADMIN_PY.contains(needle), "{needle:?} missing from native_admin.py");
    }
    let plan = plan_ok::<JupyterHub>(&json!({"authentication": {"admin_user": "root-admin"}}), &enabled());
    let v = values(release(&plan, "jupyterhub"));
    assert_eq!(v.pointer("/hub/extraEnv/DATAPLAT_ADMIN_USER"), Some(&json!("root-admin")));
    assert_eq!(v.pointer("/hub/config/Authenticator/admin_users"), Some(&json!(["root-admin"])));
}

#[test]
fn the_idle_culler_is_on() {
    let plan = plan_ok::<JupyterHub>(&json!({}), &enabled());
    let v = values(release(&plan, "jupyterhub"));
    assert_eq!(v["cull"], json!({"enabled": true, "timeout": 3600, "every": 600}));
    assert!(note(&plan, "idle-culler").contains("3600 s"), "{}", note(&plan, "idle-culler"));
    let config = json!({"idle_culler": {"timeout_seconds": 7200, "every_seconds": 300}});
    let v = values(release(&plan_ok::<JupyterHub>(&config, &enabled()), "jupyterhub"));
    assert_eq!(v["cull"], json!({"enabled": true, "timeout": 7200, "every": 300}));
}

#[test]
fn oauth_reads_the_client_secret_from_an_existing_secret() {
    let plan = plan_ok::<JupyterHub>(&oauth(oauth_generic()), &enabled());
    let v = values(release(&plan, "jupyterhub"));
    let config = &v["hub"]["config"];
    assert_eq!(config["JupyterHub"]["authenticator_class"], "oauthenticator.generic.GenericOAuthenticator");
    assert_eq!(config["Authenticator"]["admin_users"], json!(["alice@example.com"]));
    let generic = &config["GenericOAuthenticator"];
    assert_eq!(generic["client_id"], "hub-client");
    assert_eq!(generic["token_url"], "https://id.example.com/oauth2/token");
    assert_eq!(generic["username_claim"], "preferred_username");
    assert_eq!(generic["allowed_groups"], json!(["data-team"]));
    assert_eq!(generic["claim_groups_key"], "groups");
    assert_eq!(generic.get("client_secret"), None);
    assert_eq!(generic.get("allowed_users"), None, "empty lists are left out");
    assert_eq!(
        v["hub"]["extraEnv"],
        json!({"OAUTH_CLIENT_SECRET": {"valueFrom": {"secretKeyRef": {"name": "jupyterhub-oauth", "key": "secret"}}}})
    );
    assert_eq!(config.get("NativeAuthenticator"), None);
    assert_eq!(v["hub"].get("extraConfig"), None);
    assert!(plan.secrets.is_empty(), "no generated Secret with oauth");
    let text = note(&plan, "authentication");
    assert!(text.contains("Secret jupyterhub/jupyterhub-oauth key secret"), "{text}");
    assert!(text.contains("members of groups data-team"), "{text}");
}

#[test]
fn oauth_with_github() {
    let config = oauth(json!({
        "provider": "github",
        "client_id": "gh-client",
        "client_secret": {"name": "github-oauth"},
        "callback_url": "https://hub.example.com/hub/oauth_callback",
        "scope": ["read:org"],
        "allowed_organizations": ["example-org"],
        "allowed_users": ["bob"],
    }));
    let v = values(release(&plan_ok::<JupyterHub>(&config, &enabled()), "jupyterhub"));
    let config = &v["hub"]["config"];
    assert_eq!(config["JupyterHub"]["authenticator_class"], "oauthenticator.github.GitHubOAuthenticator");
    let github = &config["GitHubOAuthenticator"];
    assert_eq!(github["oauth_callback_url"], "https://hub.example.com/hub/oauth_callback");
    assert_eq!(github["allowed_organizations"], json!(["example-org"]));
    assert_eq!(github["allowed_users"], json!(["bob"]));
    assert_eq!(github["scope"], json!(["read:org"]));
    assert_eq!(config.get("GenericOAuthenticator"), None);
    assert_eq!(
        v.pointer("/hub/extraEnv/OAUTH_CLIENT_SECRET/valueFrom/secretKeyRef"),
        Some(&json!({"name": "github-oauth", "key": "client-secret"}))
    );
}

#[test]
fn overrides_and_values_merge() {
    let config = json!({
        "namespace": "notebooks",
        "hub_storage_gib": 10,
        "values": {"hub": {"config": {"JupyterHub": {"authenticator_class": "github"}}}, "singleuser": {"uid": 1001}}
    });
    let plan = plan_ok::<JupyterHub>(&config, &enabled());
    let release = release(&plan, "jupyterhub");
    object(release, "Namespace", "notebooks");
    let v = values(release);
    assert_eq!(v.pointer("/hub/db/pvc/storage"), Some(&json!("10Gi")));
    assert_eq!(v.pointer("/hub/config/JupyterHub/authenticator_class"), Some(&json!("github")));
    assert_eq!(v.pointer("/hub/config/Authenticator/admin_users"), Some(&json!(["admin"])));
    assert_eq!(v.pointer("/singleuser/uid"), Some(&json!(1001)));
    assert_eq!(v.pointer("/singleuser/cloudMetadata/blockWithIptables"), Some(&json!(true)));
    assert_eq!(plan.endpoints[0].url, "http://proxy-public.notebooks.svc:80");
    assert!(note(&plan, "authentication").contains("sets github, overriding authentication.type"));
    let secret = &plan.secrets[0];
    assert_eq!((secret.namespace.as_str(), secret.name.as_str()), ("notebooks", "jupyterhub-admin"));
}

#[test]
fn validation_errors() {
    let f = enabled();
    let e = error_at::<JupyterHub>(&json!({"hub_storage_gib": 0}), &f, "hub_storage_gib");
    assert_eq!(e.message, "0 is out of range: must be 1 to 1000");
    error_at::<JupyterHub>(&json!({"hub_storage_gib": 1001}), &f, "hub_storage_gib");
    let e = error_at::<JupyterHub>(&json!({"values": {"singleuser": {"uid": 0}}}), &f, "values.singleuser.uid");
    assert!(e.message.contains("root"));
    let e = error_at::<JupyterHub>(
        &json!({"values": {"singleuser": {"cloudMetadata": {"blockWithIptables": false}}}}),
        &f,
        "values.singleuser.cloudMetadata.blockWithIptables",
    );
    assert!(e.message.contains("instance metadata"));
}

#[test]
fn idle_culler_out_of_range_is_refused() {
    let f = enabled();
    let culler =
        |timeout: u32, every: u32| json!({"idle_culler": {"timeout_seconds": timeout, "every_seconds": every}});
    let e = error_at::<JupyterHub>(&culler(599, 60), &f, "idle_culler.timeout_seconds");
    assert_eq!(e.message, "599 is out of range: must be 600 to 604800");
    error_at::<JupyterHub>(&culler(604_801, 600), &f, "idle_culler.timeout_seconds");
    let e = error_at::<JupyterHub>(&culler(3600, 59), &f, "idle_culler.every_seconds");
    assert_eq!(e.message, "59 is out of range: must be 60 to 3600");
    error_at::<JupyterHub>(&culler(7200, 3601), &f, "idle_culler.every_seconds");
    let e = error_at::<JupyterHub>(&culler(600, 601), &f, "idle_culler.every_seconds");
    assert!(e.message.contains("longer than timeout_seconds (600)"), "{}", e.message);
    assert!(errors::<JupyterHub>(&culler(600, 600), &f).is_empty());
    assert!(errors::<JupyterHub>(&culler(604_800, 3600), &f).is_empty());
}

#[test]
fn open_access_is_refused() {
    let f = enabled();
    let class = |class: &str| json!({"values": {"hub": {"config": {"JupyterHub": {"authenticator_class": class}}}}});
    for open in ["dummy", "Dummy", "jupyterhub.auth.DummyAuthenticator", "tmp", "tmpauthenticator.TmpAuthenticator"] {
        let e = error_at::<JupyterHub>(&class(open), &f, "values.hub.config.JupyterHub.authenticator_class");
        assert!(e.message.contains("anyone"), "{open}: {}", e.message);
        assert!(e.hint.as_deref().is_some_and(|h| h.contains("authentication.type")), "{open}: {:?}", e.hint);
    }
    assert!(errors::<JupyterHub>(&class("ldapauthenticator.LDAPAuthenticator"), &f).is_empty());
    let hub_config = |section: &str, key: &str, value: serde_json::Value| {
        let config = json!({ section: { key: value } });
        json!({"values": {"hub": {"config": config}}})
    };
    for section in ["Authenticator", "GenericOAuthenticator"] {
        let path = format!("values.hub.config.{section}.allow_all");
        let e = error_at::<JupyterHub>(&hub_config(section, "allow_all", json!(true)), &f, &path);
        assert!(e.message.contains("every account"), "{}", e.message);
        assert!(errors::<JupyterHub>(&hub_config(section, "allow_all", json!(false)), &f).is_empty());
    }
    let e = error_at::<JupyterHub>(
        &hub_config("NativeAuthenticator", "open_signup", json!(true)),
        &f,
        "values.hub.config.NativeAuthenticator.open_signup",
    );
    assert!(e.message.contains("without an admin's authorization"), "{}", e.message);
}

#[test]
fn secrets_in_values_are_refused() {
    let f = enabled();
    let e = error_at::<JupyterHub>(
        &json!({"values": {"hub": {"config": {"GenericOAuthenticator": {"client_secret": "s3cret"}}}}}),
        &f,
        "values.hub.config.GenericOAuthenticator.client_secret",
    );
    assert!(e.message.contains("platform.yaml"), "{}", e.message);
    for literal in [json!("s3cret"), json!({"value": "s3cret"})] {
        let config = json!({"values": {"hub": {"extraEnv": {"OAUTH_CLIENT_SECRET": literal}}}});
        error_at::<JupyterHub>(&config, &f, "values.hub.extraEnv.OAUTH_CLIENT_SECRET");
    }
    let from_secret = json!({"valueFrom": {"secretKeyRef": {"name": "other", "key": "k"}}});
    let config = json!({"values": {"hub": {"extraEnv": {"OAUTH_CLIENT_SECRET": from_secret, "TZ": "UTC"}}}});
    assert!(errors::<JupyterHub>(&config, &f).is_empty());
    let e = error_at::<JupyterHub>(
        &json!({"values": {"hub": {"extraEnv": [{"name": "TZ", "value": "UTC"}]}}}),
        &f,
        "values.hub.extraEnv",
    );
    assert!(e.message.contains("mapping"), "{}", e.message);
}

#[test]
fn authentication_errors() {
    let f = enabled();
    let auth = |auth: serde_json::Value| json!({ "authentication": auth });
    for bad in ["", "Admin", "a b", "a/b", "-admin", &"a".repeat(129)] {
        let e = error_at::<JupyterHub>(&auth(json!({"admin_user": bad})), &f, "authentication.admin_user");
        assert!(e.message.contains("not a valid user name"), "{bad:?}: {}", e.message);
    }
    for length in [7, 129] {
        let config = auth(json!({"minimum_password_length": length}));
        let e = error_at::<JupyterHub>(&config, &f, "authentication.minimum_password_length");
        assert_eq!(e.message, format!("{length} is out of range: must be 8 to 128"));
    }
    let e = error_at::<JupyterHub>(&auth(json!({"oauth": oauth_generic()})), &f, "authentication.oauth");
    assert!(e.message.contains("only with `type: oauth`"), "{}", e.message);
    let e = error_at::<JupyterHub>(&auth(json!({"type": "oauth"})), &f, "authentication.oauth");
    assert!(e.message.contains("required"), "{}", e.message);
    let e = error_at::<JupyterHub>(&auth(json!({"type": "ldap"})), &f, "authentication.type");
    assert!(e.message.contains("unknown variant"), "{}", e.message);
    error_at::<JupyterHub>(&auth(json!({"password": "x"})), &f, "authentication.password");

    let with = |field: &str, value: serde_json::Value| {
        let mut o = oauth_generic();
        o[field] = value;
        oauth(o)
    };
    let at = |field: &str| format!("authentication.oauth.{field}");
    let e = error_at::<JupyterHub>(&with("client_id", json!(" ")), &f, &at("client_id"));
    assert_eq!(e.message, "must be set");
    for name in ["", "Bad_Name", "-x"] {
        error_at::<JupyterHub>(&with("client_secret", json!({"name": name})), &f, &at("client_secret.name"));
    }
    let ok = with("client_secret", json!({"name": "oauth.v1"}));
    assert!(errors::<JupyterHub>(&ok, &f).is_empty(), "{:?}", errors::<JupyterHub>(&ok, &f));
    error_at::<JupyterHub>(&with("client_secret", json!({"name": "s", "key": "a/b"})), &f, &at("client_secret.key"));
    error_at::<JupyterHub>(&with("client_secret", json!({"name": "s", "value": "x"})), &f, &at("client_secret.value"));
    for url in ["http://id.example.com/token", "https://", "id.example.com"] {
        let e = error_at::<JupyterHub>(&with("token_url", json!(url)), &f, &at("token_url"));
        assert!(e.message.contains("https://"), "{url}: {}", e.message);
    }
    let e = error_at::<JupyterHub>(&with("userdata_url", json!(null)), &f, &at("userdata_url"));
    assert!(e.message.contains("required with `provider: generic`"), "{}", e.message);
    for url in ["https://hub.example.com/", "http://hub.example.com/hub/oauth_callback"] {
        error_at::<JupyterHub>(&with("callback_url", json!(url)), &f, &at("callback_url"));
    }
    let local = with("callback_url", json!("http://localhost:8080/hub/oauth_callback"));
    assert!(errors::<JupyterHub>(&local, &f).is_empty());
    error_at::<JupyterHub>(&with("allowed_organizations", json!(["org"])), &f, &at("allowed_organizations"));
    error_at::<JupyterHub>(&with("allowed_users", json!(["ok", "Not Ok"])), &f, &at("allowed_users.1"));
    error_at::<JupyterHub>(&with("scope", json!(["openid", ""])), &f, &at("scope.1"));

    let github = |extra: serde_json::Value| {
        let mut o = json!({"provider": "github", "client_id": "c", "client_secret": {"name": "gh"}});
        merge_values(&mut o, &extra);
        oauth(o)
    };
    assert!(errors::<JupyterHub>(&github(json!({})), &f).is_empty());
    for (field, value) in [
        ("authorize_url", json!("https://github.com/login/oauth/authorize")),
        ("username_claim", json!("login")),
        ("allowed_groups", json!(["g"])),
    ] {
        let e = error_at::<JupyterHub>(&github(json!({ field: value })), &f, &at(field));
        assert!(e.message.contains("only with `provider: generic`"), "{field}: {}", e.message);
    }
}

/// Facts with the trino addon's published endpoints (a non-default namespace and port, so
/// nothing can pass on a hard-coded name).
fn with_trino(https: bool) -> PlatformFacts {
    let mut f = facts(&["enable_jupyterhub", "enable_jupyterhub_trino", "enable_trino"], &["jupyterhub", "trino"]);
    let server = if https {
        Endpoint::new("trino", "https", "https://trino.sql.svc:9443", "coordinator")
    } else {
        Endpoint::new("trino", "http", "http://trino.sql.svc:9080", "coordinator")
    };
    f.endpoints.push(server);
    f.endpoints.push(Endpoint::new("trino", "credentials", "secret://sql/trino-users", "credentials"));
    if https {
        f.endpoints.push(Endpoint::new("trino", "ca", "secret://sql/trino-ca", "ca"));
    }
    f
}

#[test]
fn with_trino_notebooks_get_its_credentials_ca_endpoint_and_egress() {
    let plan = plan_ok::<JupyterHub>(&json!({}), &with_trino(true));
    let release = release(&plan, "jupyterhub");
    assert_eq!(release.depends_on, ["trino/trino"], "the copies are filled from Trino's live Secrets");
    let credentials = object(release, "Secret", "trino-credentials");
    assert_eq!(credentials["metadata"]["annotations"]["dataplat.io/copy-of"], "sql/trino-users");
    assert_eq!(credentials["metadata"]["annotations"]["dataplat.io/copy-keys"], "username,password");
    assert!(credentials.get("data").is_none() && credentials.get("stringData").is_none(), "no values in the plan");
    let ca = object(release, "Secret", "trino-ca");
    assert_eq!(ca["metadata"]["annotations"]["dataplat.io/copy-of"], "sql/trino-ca");
    let v = values(release);
    let env = &v["singleuser"]["extraEnv"];
    assert_eq!(env["TRINO_HOST"], "trino.sql.svc");
    assert_eq!(env["TRINO_PORT"], "9443");
    assert_eq!(env["TRINO_HTTP_SCHEME"], "https");
    assert_eq!(
        env["TRINO_PASSWORD"]["valueFrom"]["secretKeyRef"],
        json!({"name": "trino-credentials", "key": "password"})
    );
    assert_eq!(env["TRINO_CA_BUNDLE"], "/etc/trino-ca/ca.crt");
    assert_eq!(v.pointer("/singleuser/storage/extraVolumes/0/secret/secretName"), Some(&json!("trino-ca")));
    assert_eq!(v.pointer("/singleuser/storage/dynamic/storageClass"), Some(&json!("gp3")), "storage defaults kept");
    let egress = &v["singleuser"]["networkPolicy"]["egress"][0];
    assert_eq!(egress["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], "sql");
    assert_eq!(egress["ports"][0]["port"], 9443);
    assert!(plan.notes.iter().any(|n| n.topic == "trino"));
    // Without HTTPS: no CA, plain HTTP.
    let plain = plan_ok::<JupyterHub>(&json!({}), &with_trino(false));
    let release = dataplat_sdk::testing::release(&plain, "jupyterhub");
    assert!(objects(release).iter().all(|o| o["metadata"]["name"] != "trino-ca"));
    assert_eq!(values(release)["singleuser"]["extraEnv"]["TRINO_HTTP_SCHEME"], "http");
    // Off: nothing of Trino.
    let off = plan_ok::<JupyterHub>(&json!({}), &facts(&["enable_jupyterhub"], &["jupyterhub"]));
    let release = dataplat_sdk::testing::release(&off, "jupyterhub");
    assert!(values(release)["singleuser"].get("extraEnv").is_none());
    assert!(release.depends_on.is_empty());
}

#[test]
fn the_trino_flag_without_trinos_endpoints_is_refused() {
    let f = facts(&["enable_jupyterhub", "enable_jupyterhub_trino"], &["jupyterhub"]);
    let e = error_at::<JupyterHub>(&json!({}), &f, "");
    assert!(e.message.contains("enable_jupyterhub_trino needs the trino addon"), "{}", e.message);
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("enable_trino: true")));
}

/// Facts with the spark_operator addon's Spark Connect endpoints for two teams (a non-default
/// port, so nothing passes on a hard-coded one), and Trino's.
fn with_spark() -> PlatformFacts {
    let mut f = with_trino(true);
    f.enabled_flags.push("enable_jupyterhub_spark".into());
    f.endpoints.push(Endpoint::new(
        "spark_operator",
        "connect-ml",
        "sc://spark-connect-server.ml.svc.cluster.local:15099",
        "",
    ));
    f.endpoints.push(Endpoint::new(
        "spark_operator",
        "connect-bi",
        "sc://spark-connect-server.bi.svc.cluster.local:15099",
        "",
    ));
    f.endpoints.push(Endpoint::new("spark_operator", "other", "http://x", ""));
    f
}

#[test]
fn with_spark_each_team_has_a_profile_on_its_connect_server_and_egress_to_it() {
    let plan = plan_ok::<JupyterHub>(&json!({}), &with_spark());
    let release = release(&plan, "jupyterhub");
    let v = values(release);
    let profiles = v["singleuser"]["profileList"].as_array().expect("profiles");
    assert_eq!(profiles.len(), 3, "{profiles:#?}");
    for (profile, team) in profiles.iter().zip(["ml", "bi"]) {
        assert_eq!(profile["display_name"], format!("Spark: {team}"));
        let o = &profile["kubespawner_override"];
        assert_eq!(o["image"], "quay.io/jupyter/pyspark-notebook:spark-4.0.0");
        assert_eq!(
            o["environment"]["SPARK_REMOTE"],
            format!("sc://spark-connect-server.{team}.svc.cluster.local:15099")
        );
        assert_eq!(o["mem_limit"], "8G");
        assert!(o.get("volumes").is_none(), "a list here would replace the home volume and the CA mount");
    }
    assert_eq!(profiles[0]["default"], true, "the first team's Spark profile is the default");
    assert_eq!(profiles.iter().filter(|p| p["default"] == true).count(), 1);
    assert!(profiles[2]["kubespawner_override"].get("image").is_none(), "the plain profile keeps the chart's image");
    // Trino's egress rule stays; each team's server is reachable on its port, and nothing else.
    let egress = v["singleuser"]["networkPolicy"]["egress"].as_array().expect("egress");
    assert_eq!(egress.len(), 3, "{egress:#?}");
    assert_eq!(egress[0]["ports"][0]["port"], 9443, "Trino's rule first");
    for (rule, team) in egress[1..].iter().zip(["ml", "bi"]) {
        assert_eq!(rule["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"], team);
        assert_eq!(rule["to"][0]["podSelector"]["matchLabels"]["spark-role"], "connect-server");
        assert_eq!(rule["ports"][0]["port"], 15099);
    }
    assert!(plan.notes.iter().any(|n| n.topic == "spark" && n.text.contains("Python UDFs")));
    // The trino-only plan keeps one default profile.
    let plan = plan_ok::<JupyterHub>(&json!({}), &with_trino(true));
    assert_eq!(
        values(dataplat_sdk::testing::release(&plan, "jupyterhub"))["singleuser"]["profileList"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_spark_flag_without_connect_servers_or_with_an_unpinned_image_is_refused() {
    let f = facts(&["enable_jupyterhub", "enable_jupyterhub_spark"], &["jupyterhub"]);
    let e = error_at::<JupyterHub>(&json!({}), &f, "");
    assert!(
        e.message.contains("enable_jupyterhub_spark needs the Spark teams' Spark Connect servers"),
        "{}",
        e.message
    );
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("enable_spark_connect: true")));
    error_at::<JupyterHub>(
        &json!({"spark_notebook_image": "quay.io/jupyter/pyspark-notebook:latest"}),
        &enabled(),
        "spark_notebook_image",
    );
}
