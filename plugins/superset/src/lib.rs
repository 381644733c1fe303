//! superset: the built-in addon that installs Apache Superset from its upstream chart, with the
//! chart's bundled PostgreSQL and Redis (the reference ran its own and turned these off).
//!
//! What makes the chart's defaults come up healthy on a fresh cluster, which they do not as
//! published (apache/superset#35174):
//! - **Drivers.** The chart runs the `lean` Superset image, which has no PostgreSQL driver
//!   (`psycopg2`) since Superset 4.1, so every pod fails against the bundled database. The
//!   chart's `bootstrapScript`, sourced by every Superset pod before it starts, installs
//!   `python_packages` (psycopg2-binary, and the Trino driver with `enable_superset_trino`) with
//!   `uv` where the image has it and `pip` otherwise. An image that has them skips nothing but
//!   downloads nothing either (already satisfied).
//! - **Images.** Bitnami moved its public images to `bitnamilegacy` (2025); the bundled
//!   PostgreSQL and Redis pull from there, with the Bitnami charts' `allowInsecureImages` so
//!   their substitution check lets the moved repository through.
//!
//! Secrets never appear in values:
//! - Superset's `SECRET_KEY` (which encrypts stored database credentials): every Superset pod
//!   loads the Secret `superset-secret-key` (key `SUPERSET_SECRET_KEY`) as environment, which
//!   the host creates with a random value before this release, and a `configOverrides` entry
//!   reads it from there.
//! - The admin's password: the chart's default init script creates `admin` with password
//!   `admin`. This addon's init script (`init.initscript`) creates the admin with the password
//!   in the host-generated Secret `superset-admin` and resets it to that value whenever the job
//!   runs, so the Secret is the truth.
//!
//! `enable_superset_trino` registers the trino addon's coordinator as a Superset database
//! whenever the init job runs (`register_trino.py`, in the init script; a second run updates it): the user and password come from a copy
//! of Trino's Secret (applied after Trino's release, see [`TrinoClient`]), stored by Superset
//! encrypted with its `SECRET_KEY`; with HTTPS the copied CA is mounted in every Superset pod and
//! named as the connection's `verify`.
//!
//! The upstream chart is deprecated in favour of an operator; it is pinned here until that
//! replacement is usable.

use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::*;

/// The Superset addon.
pub struct Superset;

/// The feature flag: Trino registered as a Superset database.
pub const TRINO_FLAG: &str = "enable_superset_trino";

impl Addon for Superset {
    type Config = Config;
    const NAME: &'static str = "superset";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Apache Superset: dashboards and SQL exploration";

    fn flags() -> Vec<Flag> {
        vec![
            Flag::addon("enable_superset", "Install Apache Superset"),
            Flag::feature(TRINO_FLAG, "Trino registered as a Superset database, with its credentials and CA"),
        ]
    }

    fn dependencies() -> Vec<Dependency> {
        vec![Dependency::when(TRINO_FLAG, "trino", "Superset's Trino database is the trino addon's coordinator")]
    }

    fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
        let mut problems = config.check_chart();
        problems.extend(check_reserved_values(
            &config.values,
            &["fullnameOverride"],
            "health checks and the web endpoint use it",
        ));
        problems.extend(check_reserved_values(
            &config.values,
            &["init.initscript", "init.createAdmin", "init.adminUser"],
            "the addon's init script creates the admin from Secret superset-admin and registers Trino; set \
             admin_username or admin_email instead",
        ));
        problems.extend(check_reserved_values(
            &config.values,
            &["bootstrapScript"],
            "the addon's bootstrap script installs python_packages; list what you need there",
        ));
        if config.values["extraSecretEnv"].get(SECRET_KEY_ENV).is_some() {
            problems.push(
                Diagnostic::error(
                    &format!("values.extraSecretEnv.{SECRET_KEY_ENV}"),
                    "secrets do not belong in platform.yaml",
                )
                .hint(format!("remove it: the key is read from Secret {SECRET_KEY_SECRET}, which the host creates")),
            );
        }
        problems.extend(check_reserved_values(
            &config.values,
            &["extraEnvRaw", "extraVolumes", "extraVolumeMounts"],
            "the addon's entries (the admin's password, Trino's connection and CA) would be replaced; use extraEnv \
             for plain variables, extraSecrets or extraConfigs for files",
        ));
        if !is_plain_text(&config.admin_username) {
            problems.push(Diagnostic::error("admin_username", "letters, digits, '.', '_', '-' and '@' only"));
        }
        if !is_plain_text(&config.admin_email) || !config.admin_email.contains('@') {
            problems.push(Diagnostic::error("admin_email", "an email address (no spaces or quotes)"));
        }
        for (i, package) in config.python_packages.iter().enumerate() {
            if !is_requirement(package) {
                problems.push(
                    Diagnostic::error(
                        &format!("python_packages[{i}]"),
                        format!("{package:?} is not a pip requirement this addon passes on"),
                    )
                    .hint("a name with an optional version, e.g. \"psycopg2-binary==2.9.10\" or \"pyathena>=3\""),
                );
            }
        }
        if !is_plain_text(&config.trino.database_name) {
            problems.push(Diagnostic::error("trino.database_name", "letters, digits, '.', '_', '-' and '@' only"));
        }
        problems.extend(check_dns1123_label("trino.catalog", &config.trino.catalog));
        if facts.flag(TRINO_FLAG)
            && let Err(missing) = TrinoClient::of(facts, TRINO_FLAG)
        {
            problems.push(missing);
        }
        problems
    }

    fn plan(config: &Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        let ns = config.namespace.as_str();
        let trino =
            if facts.flag(TRINO_FLAG) { Some(TrinoClient::of(facts, TRINO_FLAG).map_err(|e| vec![e])?) } else { None };
        let mut env = vec![json!({
            "name": ADMIN_PASSWORD_ENV,
            "valueFrom": { "secretKeyRef": { "name": ADMIN_SECRET, "key": "password" } },
        })];
        let mut volumes = Vec::new();
        let mut mounts = Vec::new();
        if let Some(trino) = &trino {
            env.extend(trino_env(config, trino));
            if let Some((volume, mount)) = trino.ca_volume(CA_DIR) {
                volumes.push(volume);
                mounts.push(mount);
            }
        }
        let defaults = json!({
            "fullnameOverride": RELEASE,
            // Loaded as environment by the web, worker and init pods.
            "envFromSecrets": [SECRET_KEY_SECRET],
            // Appended to superset_config.py; a missing variable fails startup loudly.
            "configOverrides": {
                "secret_key": format!("import os\nSECRET_KEY = os.environ[\"{SECRET_KEY_ENV}\"]"),
            },
            "bootstrapScript": bootstrap_script(&packages(config, trino.is_some())),
            "init": { "initscript": init_script(config, trino.is_some()) },
            // Web, worker, beat, flower, websocket and the init job; the bundled databases too.
            "nodeSelector": core_node_selector(),
            "postgresql": {
                "enabled": true,
                "image": { "repository": "bitnamilegacy/postgresql" },
                "primary": { "persistence": { "storageClass": "gp3" }, "nodeSelector": core_node_selector() },
            },
            "redis": {
                "enabled": true,
                "image": { "repository": "bitnamilegacy/redis" },
                "master": { "nodeSelector": core_node_selector() },
            },
            // The Bitnami charts refuse a substituted image repository without it.
            "global": { "security": { "allowInsecureImages": true } },
        });
        let mut defaults = defaults;
        defaults["extraEnvRaw"] = Value::Array(env);
        if !volumes.is_empty() {
            defaults["extraVolumes"] = Value::Array(volumes);
            defaults["extraVolumeMounts"] = Value::Array(mounts);
        }
        let mut release = config
            .chart_release(RELEASE, defaults)
            .health(HealthCheck::deployment(ns, RELEASE).timeout(900))
            .health(HealthCheck::deployment(ns, &format!("{RELEASE}-worker")).timeout(900));
        if let Some(trino) = &trino {
            // The copies are filled from Trino's live Secrets: Trino's release comes first.
            release = trino.secret_copies(ns).iter().fold(release, |r, o| r.object(o)).depends_on("trino/trino");
        }
        let mut plan = AddonPlan::new()
            .release(release)
            .endpoint(Endpoint::new("superset", "web", format!("http://{RELEASE}.{ns}.svc:8088"), "Superset web UI"))
            .secret(GeneratedSecret::new(ns, SECRET_KEY_SECRET).random(SECRET_KEY_ENV))
            .secret(GeneratedSecret::new(ns, ADMIN_SECRET).fixed("username", &config.admin_username).random("password"))
            .note(
                "secret-key",
                format!(
                    "SECRET_KEY comes from Secret {ns}/{SECRET_KEY_SECRET} (key {SECRET_KEY_ENV}), generated once by \
                     the host before this release; it is not in the values"
                ),
            )
            .note(
                "admin",
                format!(
                    "log in as {} with the password in Secret {ns}/{ADMIN_SECRET} (key password), generated by the \
                     host; the init job creates the admin and resets its password to the Secret's whenever it \
                     runs (at install, and when its pod template changes; delete Job {RELEASE}-init-db and apply to \
                     run it again), so change it there: kubectl -n {ns} get secret {ADMIN_SECRET} -o \
                     jsonpath='{{.data.password}}' | base64 -d",
                    config.admin_username
                ),
            )
            .note(
                "drivers",
                format!(
                    "every Superset pod installs {} at start (the lean image lacks them), from PyPI: the pods need \
                     egress to pypi.org, or an image that has them (values.image) and python_packages: []",
                    packages(config, trino.is_some()).join(", ")
                ),
            )
            .note(
                "deprecated",
                "the apache/superset Helm chart is deprecated upstream in favour of an operator; it stays pinned at \
                 0.15.0 until the replacement is usable",
            )
            .note(
                "databases",
                "the chart's bundled PostgreSQL (gp3) and Redis subcharts are on, pulled from bitnamilegacy (Bitnami \
                 no longer publishes those tags under bitnami/); their default in-cluster credentials come from the \
                 chart",
            );
        if let Some(trino) = &trino {
            plan = plan.note("trino", trino_note(config, trino));
        }
        Ok(plan)
    }
}

/// The Trino connection's environment for the init job (and every Superset pod: the chart has
/// one list for all).
fn trino_env(config: &Config, trino: &TrinoClient) -> Vec<Value> {
    let literal = |name: &str, value: &str| json!({ "name": name, "value": value });
    let mut env = vec![
        literal("SUPERSET_TRINO_DATABASE", &config.trino.database_name),
        literal("TRINO_HOST", trino.host()),
        literal("TRINO_PORT", &trino.port().to_string()),
        literal("TRINO_HTTP_SCHEME", trino.scheme()),
        literal("TRINO_CATALOG", &config.trino.catalog),
    ];
    env.extend(trino.credential_env("TRINO_USER", "TRINO_PASSWORD"));
    if let Some(file) = trino.ca_file(CA_DIR) {
        env.push(literal("TRINO_CA_BUNDLE", &file));
    }
    env
}

fn trino_note(config: &Config, trino: &TrinoClient) -> String {
    format!(
        "Trino is Superset database {:?} ({}://{}:{}, catalog {}), registered by the init job at install (and \
         updated whenever the job runs again); user and password from Secret {} (copied from {}){}. Add superset to trino.client_namespaces so \
         Trino's NetworkPolicy admits it",
        config.trino.database_name,
        trino.scheme(),
        trino.host(),
        trino.port(),
        config.trino.catalog,
        trino_client::CREDENTIALS_SECRET,
        trino.credentials_source(),
        trino
            .ca_source()
            .map(|ca| format!("; the CA of {ca} is mounted at {CA_DIR} in every Superset pod and verified"))
            .unwrap_or_default(),
    )
}

/// The pip requirements every pod installs: the configured ones, and the Trino driver with
/// `enable_superset_trino` unless listed.
fn packages(config: &Config, trino: bool) -> Vec<String> {
    let mut packages = config.python_packages.clone();
    let named = |name: &str| packages.iter().any(|p| requirement_name(p).eq_ignore_ascii_case(name));
    if trino && !named("trino") {
        packages.push(TRINO_DRIVER.to_string());
    }
    packages
}

/// The chart's `bootstrapScript`, sourced by `/bin/sh` in every Superset pod before it starts.
pub fn bootstrap_script(packages: &[String]) -> String {
    let mut script = String::from(
        "#!/bin/sh\n# Written by kubectl-dataplat's superset addon: Python packages the lean image lacks.\n",
    );
    if !packages.is_empty() {
        let list = packages.iter().map(|p| format!("'{p}'")).collect::<Vec<_>>().join(" ");
        script.push_str(&format!(
            "if command -v uv >/dev/null 2>&1; then\n  uv pip install --quiet --no-cache --python \"$(command -v python)\" \
             {list}\nelse\n  python -m pip install --quiet --no-cache-dir --disable-pip-version-check {list}\nfi\n"
        ));
    }
    script
}

/// The chart's `init.initscript` (run by the init job after the bootstrap script): the
/// database schema and roles, the admin from Secret `superset-admin`, the chart's examples and
/// `import_datasources.yaml` when the values ask for them, and Trino's registration.
pub fn init_script(config: &Config, trino: bool) -> String {
    let user = &config.admin_username;
    let mut script = format!(
        "#!/bin/sh\n# Written by kubectl-dataplat's superset addon (replaces the chart's init script).\nset -eu\n\
         echo \"Upgrading DB schema...\"\nsuperset db upgrade\necho \"Initializing roles...\"\nsuperset init\n\
         echo \"Creating admin user {user} (password from Secret {ADMIN_SECRET})...\"\n\
         superset fab create-admin --username '{user}' --firstname Superset --lastname Admin --email '{email}' \
         --password \"${ADMIN_PASSWORD_ENV}\" || true\n\
         superset fab reset-password --username '{user}' --password \"${ADMIN_PASSWORD_ENV}\"\n",
        email = config.admin_email,
    );
    if config.values.pointer("/init/loadExamples").and_then(Value::as_bool) == Some(true) {
        script.push_str("echo \"Loading examples...\"\nsuperset load_examples\n");
    }
    let configs = config.values["extraConfigMountPath"].as_str().unwrap_or("/app/configs");
    if config.values["extraConfigs"].get("import_datasources.yaml").is_some() {
        script.push_str(&format!(
            "echo \"Importing database connections...\"\nsuperset import_datasources -p {configs}/import_datasources.yaml\n"
        ));
    }
    if trino {
        script.push_str("echo \"Registering Trino...\"\npython - <<'PY'\n");
        script.push_str(REGISTER_TRINO_PY);
        script.push_str("PY\n");
    }
    script
}

/// Plain text for shell single quotes and Python: no quotes, spaces or template braces.
fn is_plain_text(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-@+".contains(c))
}

/// A pip requirement without URLs, options or shell syntax: a name, optional extras, and
/// optional version clauses.
fn is_requirement(s: &str) -> bool {
    let name = requirement_name(s);
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-[],<>=!~*".contains(c))
}

fn requirement_name(s: &str) -> &str {
    s.split(|c: char| "[<>=!~".contains(c)).next().unwrap_or(s)
}

const RELEASE: &str = "superset";
/// The Secret the host creates; Superset pods load it as environment.
const SECRET_KEY_SECRET: &str = "superset-secret-key";
const SECRET_KEY_ENV: &str = "SUPERSET_SECRET_KEY";
/// The admin's Secret (keys `username`, `password`), generated by the host.
pub const ADMIN_SECRET: &str = "superset-admin";
const ADMIN_PASSWORD_ENV: &str = "SUPERSET_ADMIN_PASSWORD";
/// Where the copy of Trino's CA is mounted.
const CA_DIR: &str = "/etc/trino-ca";
/// The Trino DB-API driver and SQLAlchemy dialect (Superset 5.0 asks for trino>=0.328.0).
const TRINO_DRIVER: &str = "trino==0.336.0";
/// The registration, run by the init script; every setting comes from its environment.
pub const REGISTER_TRINO_PY: &str = include_str!("register_trino.py");

export_addon!(Superset);

/// Trino as a Superset database (with `enable_superset_trino`).
#[derive(Debug, serde::Deserialize, serde::Serialize, dataplat_sdk::schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TrinoDatabase {
    /// The database's name in Superset.
    pub database_name: String,
    /// The catalog the connection opens (the trino addon's `iceberg` by default; others are
    /// reachable as `catalog.schema.table`).
    pub catalog: String,
}

impl Default for TrinoDatabase {
    fn default() -> Self {
        TrinoDatabase { database_name: "Trino".into(), catalog: "iceberg".into() }
    }
}

chart_config! {
    /// The `superset:` block of platform.yaml.
    pub struct Config: chart "superset" from "https://apache.github.io/superset" version "0.15.0" {
        /// Namespace Superset is installed into.
        namespace: "superset",
        /// No secrets here:
        /// `extraSecretEnv.SUPERSET_SECRET_KEY` is refused, the key comes from a Secret;
        /// `init.adminUser`, `init.createAdmin`, `init.initscript`, `bootstrapScript`,
        /// `extraEnvRaw`, `extraVolumes` and `extraVolumeMounts` are the addon's (use `extraEnv`,
        /// `extraSecrets` and `extraConfigs`).
        values,
        /// The admin's user name; the password is generated into Secret `superset-admin`.
        pub admin_username: String = "admin".to_string(),
        /// The admin's email address.
        pub admin_email: String = "admin@superset.local".to_string(),
        /// pip requirements every Superset pod installs before it starts (the chart's lean image
        /// has no PostgreSQL driver). The Trino driver is added with `enable_superset_trino`.
        /// `[]` with an image that has what it needs.
        pub python_packages: Vec<String> = vec!["psycopg2-binary==2.9.10".to_string()],
        /// Trino's database in Superset (with `enable_superset_trino`).
        pub trino: TrinoDatabase = TrinoDatabase::default(),
    }
}

#[cfg(test)]
mod tests;
