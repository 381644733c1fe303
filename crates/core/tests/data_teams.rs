//! The data teams of the bundled platform, composed with the real built-in plugins: IAM scoped
//! to the platform's buckets and Glue databases, a Pod Identity for every service account a
//! team's jobs run as, cross-addon bucket references resolved to real names, and what
//! `disable spark_operator` takes away and keeps.

use std::path::Path;

use dataplat_core::model::IamResource;
use dataplat_core::{Addons, Plan, compose};
use dataplat_plugin::{HostOptions, PluginHost};
use serde_json::Value;

fn host() -> PluginHost {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
    PluginHost::new(HostOptions { cache_dir: Some(cache), ..HostOptions::default() }).expect("host")
}

fn bundled_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../platform.yaml")).expect("platform.yaml")
}

fn plan_of(text: &str) -> Plan {
    let doc = dataplat_config::parse("platform.yaml", text).expect("parses");
    let addons = Addons::builtin(&host()).expect("built-ins load");
    let (platform, _) = dataplat_config::validate(&doc, &addons.catalog()).expect("valid");
    compose(&addons, &platform, &doc).expect("the platform composes")
}

/// Every grant's resources as the ARNs or bucket names the cloud layer gets, with their addon.
fn grant_targets(plan: &Plan) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for addon in &plan.addons {
        for grant in &addon.grants {
            for statement in &grant.statements {
                for resource in &statement.resources {
                    let target = match resource {
                        IamResource::Bucket(r) | IamResource::BucketObjects((r, _)) => {
                            let bucket = plan.bucket(&addon.name, r).unwrap_or_else(|| panic!("{}: {r}", addon.name));
                            format!("s3:{}", bucket.name)
                        }
                        IamResource::Arn(arn) => arn.clone(),
                    };
                    out.push((format!("{}/{}", addon.name, grant.id), statement.sid.clone(), target));
                }
            }
        }
    }
    out
}

#[test]
fn iam_is_scoped_to_the_platforms_buckets_and_glue_databases() {
    let plan = plan_of(&bundled_text());
    let prefix = dataplat_vocabulary::glue_database_prefix(&plan.platform.name);
    let targets = grant_targets(&plan);
    assert!(targets.iter().any(|(g, _, _)| g.starts_with("spark_operator/")), "{targets:?}");
    let buckets: Vec<&str> = plan.addons.iter().flat_map(|a| &a.buckets).map(|b| b.name.as_str()).collect();
    for (grant, sid, target) in &targets {
        assert_ne!(target, "*", "{grant} {sid}");
        assert!(!target.starts_with("arn:${partition}:s3:::") || !target.contains('*'), "{grant} {sid}: {target}");
        if let Some(bucket) = target.strip_prefix("s3:") {
            assert!(buckets.contains(&bucket), "{grant} {sid}: {bucket} is not a bucket of the plan");
        }
        if target.contains(":glue:") {
            let scoped = target.ends_with(":catalog")
                || target.ends_with(&format!(":database/{prefix}*"))
                || target.ends_with(&format!(":table/{prefix}*/*"));
            assert!(scoped, "{grant} {sid}: Glue beyond the platform's databases: {target}");
        }
    }
    // Trino, the Spark teams and the Flink teams all reach the one warehouse.
    let data = dataplat_core::base::data_bucket_name(&plan.platform);
    for grant in ["trino/trino", "spark_operator/spark-team-a", "flink/flink-team-a"] {
        assert!(
            targets.iter().any(|(g, _, t)| g == grant && t == &format!("s3:{data}")),
            "{grant} has no access to the data bucket {data}"
        );
    }
}

#[test]
fn every_service_account_a_teams_jobs_use_has_its_pod_identity() {
    let plan = plan_of(&bundled_text());
    let identities: Vec<(String, String, String)> = plan
        .addons
        .iter()
        .flat_map(|a| {
            a.pod_identities.iter().map(move |p| (a.name.clone(), p.namespace.clone(), p.service_account.clone()))
        })
        .collect();
    let values = |addon: &str| -> Value {
        let entry = plan.addons.iter().find(|a| a.name == addon).expect(addon);
        entry.releases.iter().find_map(|r| r.chart.as_ref()).expect("chart").values.clone()
    };
    // Spark: the chart makes `spark.serviceAccount.name` in each job namespace; the defaults
    // run drivers and executors as it.
    let spark = values("spark_operator");
    let account = spark["spark"]["serviceAccount"]["name"].as_str().expect("spark account");
    for namespace in spark["spark"]["jobNamespaces"].as_array().expect("job namespaces") {
        let namespace = namespace.as_str().expect("namespace");
        assert!(
            identities.contains(&("spark_operator".into(), namespace.into(), account.into())),
            "{namespace}/{account} has no pod identity: {identities:?}"
        );
    }
    let conf = spark_defaults(&plan);
    assert!(conf.contains(&format!("spark.kubernetes.authenticate.driver.serviceAccountName {account}\n")), "{conf}");
    assert!(conf.contains(&format!("spark.kubernetes.authenticate.executor.serviceAccountName {account}\n")), "{conf}");
    // Spark Connect: each team's server (the driver of every notebook session) and its executors
    // run as the same account, and the notebooks' profiles point at the servers the operator
    // makes (Service `<SparkConnect name>-server` in the team namespace).
    let entry = plan.addons.iter().find(|a| a.name == "spark_operator").expect("spark_operator");
    let connects: Vec<&Value> =
        entry.releases.iter().flat_map(|r| &r.objects).filter(|o| o["kind"] == "SparkConnect").collect();
    assert_eq!(connects.len(), spark["spark"]["jobNamespaces"].as_array().map_or(0, Vec::len), "one per team");
    let hub = values("jupyterhub");
    let remotes: Vec<&str> = hub["singleuser"]["profileList"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter_map(|p| p["kubespawner_override"]["environment"]["SPARK_REMOTE"].as_str())
        .collect();
    assert_eq!(remotes.len(), connects.len(), "a notebook profile per team: {remotes:?}");
    for connect in connects {
        let namespace = connect["metadata"]["namespace"].as_str().expect("namespace");
        let server = &connect["spec"]["server"]["template"]["spec"]["serviceAccountName"];
        assert_eq!(server, account, "{namespace}: the server runs as the team's account");
        assert!(identities.contains(&("spark_operator".into(), namespace.into(), account.into())), "{namespace}");
        let service = format!(
            "sc://{}-server.{namespace}.svc.cluster.local:",
            connect["metadata"]["name"].as_str().unwrap_or_default()
        );
        assert!(remotes.iter().any(|r| r.starts_with(&service)), "{service} not in {remotes:?}");
        let defaults = entry
            .releases
            .iter()
            .flat_map(|r| &r.objects)
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["namespace"] == namespace)
            .expect("the server's defaults");
        let conf = defaults["data"]["spark-defaults.conf"].as_str().expect("conf");
        assert!(
            conf.contains(&format!("spark.kubernetes.authenticate.executor.serviceAccountName {account}\n")),
            "{conf}"
        );
        assert!(!conf.contains("${bucket:"), "bucket references resolved: {conf}");
    }
    // Flink: the chart's `jobServiceAccount.name` in each watched namespace.
    let flink = values("flink");
    let account = flink["jobServiceAccount"]["name"].as_str().expect("flink account");
    for namespace in flink["watchNamespaces"].as_array().expect("watched namespaces") {
        let namespace = namespace.as_str().expect("namespace");
        assert!(identities.contains(&("flink".into(), namespace.into(), account.into())), "{namespace}/{account}");
    }
}

/// The spark-defaults.conf the Spark operator's controller reads.
fn spark_defaults(plan: &Plan) -> String {
    let entry = plan.addons.iter().find(|a| a.name == "spark_operator").expect("spark_operator");
    let config_map = entry
        .releases
        .iter()
        .flat_map(|r| &r.objects)
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "spark-defaults")
        .expect("spark-defaults");
    config_map["data"]["spark-defaults.conf"].as_str().expect("conf").to_string()
}

#[test]
fn cross_addon_bucket_references_become_the_real_bucket_names() {
    let plan = plan_of(&bundled_text());
    let conf = spark_defaults(&plan);
    assert!(!conf.contains("${bucket:"), "{conf}");
    let history = plan.bucket("spark_history_server", "event-logs").expect("event-logs bucket");
    assert!(conf.contains(&format!("spark.eventLog.dir s3a://{}/spark-event-logs/\n", history.name)), "{conf}");
    let data = dataplat_core::base::data_bucket_name(&plan.platform);
    assert!(conf.contains(&format!("spark.sql.catalog.glue.warehouse s3://{data}/warehouse/\n")), "{conf}");
    // The history server reads where the teams write.
    let shs = plan.addons.iter().find(|a| a.name == "spark_history_server").expect("history server");
    let shs_values = shs.releases[0].chart.as_ref().expect("chart").values.to_string();
    assert!(shs_values.contains(&format!("s3a://{}/spark-event-logs/", history.name)), "{shs_values}");
    // No placeholder survives anywhere.
    for addon in &plan.addons {
        for release in &addon.releases {
            let text = serde_json::to_string(&release.objects).expect("json")
                + &release.chart.as_ref().map(|c| c.values.to_string()).unwrap_or_default();
            assert!(!text.contains("${bucket:"), "{}: {text}", release.id);
        }
    }
}

#[test]
fn disabling_spark_removes_the_teams_roles_and_pools_and_keeps_the_data_bucket() {
    let text = bundled_text();
    let on = plan_of(&text);
    // What `disable spark_operator` writes: the addon, its features and the features that need it
    // (kubectl-dataplat/tests/cli.rs runs the command itself).
    let mut edited = text.clone();
    for flag in ["enable_spark_operator", "enable_spark_connect", "enable_jupyterhub_spark"] {
        edited = dataplat_config::set_flag(&edited, flag, false).expect("edit");
    }
    let off = plan_of(&edited);
    let grants = |plan: &Plan| -> Vec<String> {
        plan.addons.iter().flat_map(|a| a.grants.iter().map(move |g| format!("{}/{}", a.name, g.id))).collect()
    };
    let pools = |plan: &Plan| -> Vec<String> {
        plan.addons.iter().flat_map(|a| a.node_pools.iter().map(|p| p.name.clone())).collect()
    };
    let buckets = |plan: &Plan| -> Vec<String> {
        plan.addons.iter().flat_map(|a| a.buckets.iter().map(|b| b.name.clone())).collect()
    };
    assert!(grants(&on).contains(&"spark_operator/spark-team-a".to_string()));
    assert!(!grants(&off).iter().any(|g| g.starts_with("spark_operator/")), "{:?}", grants(&off));
    for pool in ["spark-driver", "spark-executor"] {
        assert!(pools(&on).contains(&pool.to_string()) && !pools(&off).contains(&pool.to_string()), "{pool}");
    }
    let data = dataplat_core::base::data_bucket_name(&on.platform);
    assert!(buckets(&on).contains(&data) && buckets(&off).contains(&data), "the data bucket stays: {data}");
    assert_eq!(buckets(&on), buckets(&off), "spark owns no bucket of its own");
}

/// YuniKorn's placement of an application in `namespace` with the rules of `queues.yaml` and the
/// namespace's annotations, as the scheduler documents it: `provided` (not used here: the
/// application names no queue), `tag namespace` under the parent the namespace's
/// `yunikorn.apache.org/parentqueue` names (created, with the namespace's quota), `fixed`.
fn placement(queues: &Value, namespace: &Value) -> Option<(String, Option<String>)> {
    let partition = &queues["partitions"][0];
    for rule in partition["placementrules"].as_array()? {
        match rule["name"].as_str()? {
            "tag" if rule["value"] == "namespace" => {
                let parent_rule = &rule["parent"];
                let parent = if parent_rule.is_null() {
                    Some("root".to_string())
                } else if parent_rule["name"] == "tag" && parent_rule["value"] == "namespace.parentqueue" {
                    namespace["metadata"]["annotations"]["yunikorn.apache.org/parentqueue"].as_str().map(String::from)
                } else {
                    None
                };
                let Some(parent) = parent else { continue };
                // The parent must be a parent queue of the configuration.
                let name = parent.strip_prefix("root.")?;
                let declared = partition["queues"][0]["queues"]
                    .as_array()?
                    .iter()
                    .any(|q| q["name"] == name && q["parent"] == true);
                if !declared || rule["create"] != true {
                    continue;
                }
                let quota = namespace["metadata"]["annotations"]["yunikorn.apache.org/namespace.quota"]
                    .as_str()
                    .map(String::from);
                return Some((format!("{parent}.{}", namespace["metadata"]["name"].as_str()?), quota));
            }
            "fixed" => return Some((rule["value"].as_str()?.to_string(), None)),
            _ => continue,
        }
    }
    None
}

#[test]
fn with_yunikorn_each_spark_teams_pods_land_in_the_teams_queue_which_the_config_has_with_its_quota() {
    let plan = plan_of(&bundled_text());
    let yunikorn = plan.addons.iter().find(|a| a.name == "yunikorn").expect("yunikorn is on in the bundled platform");
    let values = &yunikorn.releases[0].chart.as_ref().expect("chart").values;
    let queues: Value =
        serde_saphyr::from_str(values["yunikornDefaults"]["queues.yaml"].as_str().expect("queues.yaml")).expect("yaml");
    let spark = plan.addons.iter().find(|a| a.name == "spark_operator").expect("spark");
    let teams = spark.releases[0].chart.as_ref().expect("chart").values["spark"]["jobNamespaces"].clone();
    for team in teams.as_array().expect("teams") {
        let team = team.as_str().expect("team");
        let namespace = spark.releases[0]
            .objects
            .iter()
            .find(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == team)
            .expect("team namespace");
        let (queue, quota) = placement(&queues, namespace).expect("placed");
        assert_eq!(queue, format!("root.spark.{team}"));
        let quota: Value = serde_json::from_str(&quota.expect("quota")).expect("json");
        assert!(quota["cpu"].is_string() && quota["memory"].is_string(), "{quota}");
        // The YuniKorn config has that queue, with the same quota as its maximum.
        let parent = queues["partitions"][0]["queues"][0]["queues"]
            .as_array()
            .expect("root's queues")
            .iter()
            .find(|q| q["name"] == "spark")
            .expect("root.spark");
        let queue = parent["queues"]
            .as_array()
            .expect("the teams' static queues")
            .iter()
            .find(|q| q["name"] == team)
            .unwrap_or_else(|| panic!("root.spark.{team} is not in the config: {parent}"));
        let max = &queue["resources"]["max"];
        assert_eq!(max["vcore"].to_string(), quota["cpu"].as_str().unwrap_or_default(), "{queue}");
        assert_eq!(max["memory"], quota["memory"], "{queue}");
    }
    // Anything else lands in root.default.
    let other = serde_json::json!({"metadata": {"name": "analytics"}});
    assert_eq!(placement(&queues, &other), Some(("root.default".to_string(), None)));
}

#[test]
fn superset_and_jupyterhub_connections_reference_what_the_trino_addon_really_publishes() {
    let plan = plan_of(&bundled_text());
    let trino = plan.addons.iter().find(|a| a.name == "trino").expect("trino");
    let endpoint = |name: &str| trino.endpoints.iter().find(|e| e.name == name).map(|e| e.url.clone()).expect(name);
    let secret = trino.secrets.iter().find(|s| s.random_keys.contains(&"password".to_string())).expect("users Secret");
    // The credentials endpoint names the Secret the host generates, with the keys copied.
    assert_eq!(endpoint("credentials"), format!("secret://{}/{}", secret.namespace, secret.name));
    assert!(secret.fixed.iter().any(|(k, _)| k == "username"));
    // The CA endpoint names the Secret of Trino's CA Certificate.
    let ca = endpoint("ca");
    let certificate = trino
        .releases
        .iter()
        .flat_map(|r| &r.objects)
        .find(|o| o["kind"] == "Certificate" && o["spec"]["isCA"] == true)
        .expect("CA Certificate");
    assert_eq!(
        ca,
        format!(
            "secret://{}/{}",
            certificate["metadata"]["namespace"].as_str().unwrap_or_default(),
            certificate["spec"]["secretName"].as_str().unwrap_or_default()
        )
    );
    let https = endpoint("https");
    let service = trino
        .releases
        .iter()
        .flat_map(|r| &r.objects)
        .find(|o| {
            o["kind"] == "Service"
                && https.contains(&format!("//{}.", o["metadata"]["name"].as_str().unwrap_or_default()))
        })
        .expect("the coordinator's Service");

    for client in ["jupyterhub", "superset"] {
        let addon = plan.addons.iter().find(|a| a.name == client).expect(client);
        let release = &addon.releases[0];
        assert!(release.depends_on.contains(&"trino/trino".to_string()), "{client}: copies are filled after Trino");
        let copy = |name: &str| {
            release
                .objects
                .iter()
                .find(|o| o["kind"] == "Secret" && o["metadata"]["name"] == name)
                .unwrap_or_else(|| panic!("{client}: {name}"))
        };
        let credentials = copy("trino-credentials");
        let annotations = &credentials["metadata"]["annotations"];
        assert_eq!(
            format!("secret://{}", annotations["dataplat.io/copy-of"].as_str().unwrap_or_default()),
            endpoint("credentials"),
            "{client}"
        );
        for key in annotations["dataplat.io/copy-keys"].as_str().unwrap_or_default().split(',') {
            assert!(
                key == "username" && secret.fixed.iter().any(|(k, _)| k == key)
                    || secret.random_keys.contains(&key.to_string()),
                "{client}: {key}"
            );
        }
        assert_eq!(
            format!(
                "secret://{}",
                copy("trino-ca")["metadata"]["annotations"]["dataplat.io/copy-of"].as_str().unwrap_or_default()
            ),
            ca,
            "{client}"
        );
        // The connection's host and port are the https endpoint's, which the coordinator's
        // Service serves; the CA file is inside the mounted copy.
        let values = &release.chart.as_ref().expect("chart").values;
        let (env, mounts, volumes) = match client {
            "jupyterhub" => {
                let su = &values["singleuser"];
                let env: Vec<(String, Value)> = su["extraEnv"]
                    .as_object()
                    .expect("extraEnv")
                    .iter()
                    .map(|(k, v)| (k.clone(), if v.is_string() { serde_json::json!({"value": v}) } else { v.clone() }))
                    .collect();
                (env, &su["storage"]["extraVolumeMounts"], &su["storage"]["extraVolumes"])
            }
            _ => {
                let env = values["extraEnvRaw"]
                    .as_array()
                    .expect("extraEnvRaw")
                    .iter()
                    .map(|e| (e["name"].as_str().unwrap_or_default().to_string(), e.clone()))
                    .collect();
                (env, &values["extraVolumeMounts"], &values["extraVolumes"])
            }
        };
        let var = |name: &str| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{client}: {name}"))
        };
        let host = var("TRINO_HOST")["value"].as_str().unwrap_or_default().to_string();
        let port = var("TRINO_PORT")["value"].as_str().unwrap_or_default().to_string();
        assert_eq!(format!("https://{host}:{port}"), https, "{client}");
        let port: u64 = port.parse().expect("port");
        assert!(service["spec"]["ports"].as_array().expect("ports").iter().any(|p| p["port"] == port), "{service}");
        for (name, key) in [("TRINO_USER", "username"), ("TRINO_PASSWORD", "password")] {
            assert_eq!(
                var(name)["valueFrom"]["secretKeyRef"],
                serde_json::json!({"name": "trino-credentials", "key": key}),
                "{client}: {name}"
            );
        }
        let bundle = var("TRINO_CA_BUNDLE")["value"].as_str().unwrap_or_default().to_string();
        let volume = volumes.as_array().expect("volumes").iter().find(|v| v["secret"]["secretName"] == "trino-ca");
        let volume = volume.unwrap_or_else(|| panic!("{client}: no volume of the CA copy"))["name"].clone();
        let mount = mounts.as_array().expect("mounts").iter().find(|m| m["name"] == volume).expect("mounted");
        assert_eq!(bundle, format!("{}/ca.crt", mount["mountPath"].as_str().unwrap_or_default()), "{client}");
    }
}
