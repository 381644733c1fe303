//! `enable_jupyterhub_trino`: notebooks reach Trino with nothing to configure. The trino addon
//! publishes its client endpoint and the Secrets with its credentials (and, with HTTPS, its CA);
//! this addon copies those Secrets into its namespace ([`TrinoClient::secret_copies`]) and gives
//! every notebook server the connection as environment variables, the CA as a file, and a
//! NetworkPolicy egress rule to Trino's namespace (z2jh's singleuser policy blocks private IPs by
//! default).

use dataplat_sdk::serde_json::{Map, Value, json};
use dataplat_sdk::trino_client::{CA_SECRET, CREDENTIALS_SECRET};
use dataplat_sdk::*;

/// The feature flag.
pub const FLAG: &str = "enable_jupyterhub_trino";
/// Where the CA is mounted in notebook servers.
const CA_DIR: &str = "/etc/trino-ca";

/// The notebook servers' environment, CA volume and egress to Trino (z2jh `singleuser` values).
pub fn singleuser_values(trino: &TrinoClient) -> Value {
    let mut env = Map::new();
    env.insert("TRINO_HOST".into(), json!(trino.host()));
    env.insert("TRINO_PORT".into(), json!(trino.port().to_string()));
    env.insert("TRINO_HTTP_SCHEME".into(), json!(trino.scheme()));
    // z2jh's `extraEnv` is a map of name to value or to a `valueFrom`.
    for var in trino.credential_env("TRINO_USER", "TRINO_PASSWORD") {
        env.insert(var["name"].as_str().unwrap_or_default().into(), json!({ "valueFrom": var["valueFrom"] }));
    }
    let mut values = json!({ "networkPolicy": { "egress": [trino.egress_rule()] } });
    if let (Some((volume, mount)), Some(file)) = (trino.ca_volume(CA_DIR), trino.ca_file(CA_DIR)) {
        env.insert("TRINO_CA_BUNDLE".into(), json!(file));
        values["storage"] = json!({ "extraVolumes": [volume], "extraVolumeMounts": [mount] });
    }
    values["extraEnv"] = Value::Object(env);
    values
}

pub fn note(trino: &TrinoClient) -> String {
    format!(
        "notebooks connect to Trino at {}://{}:{} as the user in Secret {CREDENTIALS_SECRET} (copied from {}, \
         username and password only){}; the environment has TRINO_HOST, TRINO_PORT, TRINO_HTTP_SCHEME, TRINO_USER, \
         TRINO_PASSWORD{}; egress to namespace {} on {} is allowed. Add jupyterhub to trino.client_namespaces so \
         Trino's NetworkPolicy admits them",
        trino.scheme(),
        trino.host(),
        trino.port(),
        trino.credentials_source(),
        trino
            .ca_source()
            .map(|ca| format!(", trusting the CA of {ca} (Secret {CA_SECRET}, at {CA_DIR}/ca.crt)"))
            .unwrap_or_default(),
        if trino.ca_source().is_some() { " and TRINO_CA_BUNDLE" } else { "" },
        trino.namespace(),
        trino.port()
    )
}
