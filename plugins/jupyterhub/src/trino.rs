//! `enable_jupyterhub_trino`: notebooks reach Trino with nothing to configure. The trino addon
//! publishes its client endpoint and the Secrets with its credentials (and, with HTTPS, its CA);
//! this addon copies those Secrets into its namespace (the applier fills a Secret annotated
//! `dataplat.io/copy-of` from the live source, only the keys it lists, when this release applies
//! after Trino's), and gives every notebook server the connection as environment variables,
//! the CA as a file, and a NetworkPolicy egress rule to Trino's namespace (z2jh's singleuser
//! policy blocks private IPs by default).

use dataplat_sdk::serde_json::{Value, json};
use dataplat_sdk::*;

/// The feature flag.
pub const FLAG: &str = "enable_jupyterhub_trino";
/// Where the CA is mounted in notebook servers.
const CA_DIR: &str = "/etc/trino-ca";

/// What a notebook needs to connect, read from the trino addon's endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct TrinoClient {
    scheme: String,
    host: String,
    port: u16,
    namespace: String,
    credentials: String,
    ca: Option<String>,
}

/// `secret://<namespace>/<name>` as (namespace, name).
fn secret_ref(url: &str) -> Option<(String, String)> {
    let (ns, name) = url.strip_prefix("secret://")?.split_once('/')?;
    Some((ns.to_string(), name.to_string()))
}

impl TrinoClient {
    /// The client of the trino addon's endpoints, or an error naming what is missing.
    pub fn of(facts: &PlatformFacts) -> Result<TrinoClient, Diagnostic> {
        let missing = |what: &str| {
            Diagnostic::error(
                "",
                format!("{FLAG} needs the trino addon's {what} endpoint, which the plan does not have"),
            )
            .hint("enable_trino: true (and let it plan first), or enable_jupyterhub_trino: false")
        };
        let server = facts
            .endpoint("trino", "https")
            .or_else(|| facts.endpoint("trino", "http"))
            .ok_or_else(|| missing("https"))?;
        let (scheme, rest) = server.url.split_once("://").ok_or_else(|| missing("https"))?;
        let authority = rest.split('/').next().unwrap_or(rest);
        let (host, port) = authority.rsplit_once(':').ok_or_else(|| missing("https"))?;
        let port = port.parse().map_err(|_| missing("https"))?;
        let namespace = host.split('.').nth(1).ok_or_else(|| missing("https"))?.to_string();
        let credentials = facts
            .endpoint("trino", "credentials")
            .and_then(|e| secret_ref(&e.url))
            .ok_or_else(|| missing("credentials"))?;
        let ca = match scheme {
            "https" => {
                Some(facts.endpoint("trino", "ca").and_then(|e| secret_ref(&e.url)).ok_or_else(|| missing("ca"))?)
            }
            _ => None,
        };
        Ok(TrinoClient {
            scheme: scheme.to_string(),
            host: host.to_string(),
            port,
            namespace,
            credentials: format!("{}/{}", credentials.0, credentials.1),
            ca: ca.map(|(ns, name)| format!("{ns}/{name}")),
        })
    }

    /// The Secret copies in `ns`: the user and password (only those keys) and the CA.
    pub fn objects(&self, ns: &str) -> Vec<Value> {
        let copy = |name: &str, source: &str, keys: &str| {
            json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": { "name": name, "namespace": ns, "annotations": {
                    "dataplat.io/copy-of": source, "dataplat.io/copy-keys": keys,
                }},
                "type": "Opaque",
            })
        };
        let mut objects = vec![copy(CREDENTIALS, &self.credentials, "username,password")];
        if let Some(ca) = &self.ca {
            objects.push(copy(CA, ca, "ca.crt"));
        }
        objects
    }

    /// The notebook servers' environment, CA volume and egress to Trino.
    pub fn singleuser_values(&self) -> Value {
        let from = |key: &str| json!({ "valueFrom": { "secretKeyRef": { "name": CREDENTIALS, "key": key } } });
        let mut env = json!({
            "TRINO_HOST": self.host,
            "TRINO_PORT": self.port.to_string(),
            "TRINO_HTTP_SCHEME": self.scheme,
            "TRINO_USER": from("username"),
            "TRINO_PASSWORD": from("password"),
        });
        let mut values = json!({
            "networkPolicy": { "egress": [{
                "to": [{ "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": self.namespace } } }],
                "ports": [{ "protocol": "TCP", "port": self.port }],
            }]},
        });
        if self.ca.is_some() {
            env["TRINO_CA_BUNDLE"] = json!(format!("{CA_DIR}/ca.crt"));
            values["storage"] = json!({
                "extraVolumes": [{ "name": "trino-ca", "secret": { "secretName": CA } }],
                "extraVolumeMounts": [{ "name": "trino-ca", "mountPath": CA_DIR, "readOnly": true }],
            });
        }
        values["extraEnv"] = env;
        values
    }

    pub fn note(&self) -> String {
        format!(
            "notebooks connect to Trino at {}://{}:{} as the user in Secret {CREDENTIALS} (copied from {}, username and \
             password only){}; the environment has TRINO_HOST, TRINO_PORT, TRINO_HTTP_SCHEME, TRINO_USER, \
             TRINO_PASSWORD{}; egress to namespace {} on {} is allowed. Add jupyterhub to trino.client_namespaces so \
             Trino's NetworkPolicy admits them",
            self.scheme,
            self.host,
            self.port,
            self.credentials,
            self.ca
                .as_ref()
                .map(|ca| format!(", trusting the CA of {ca} (Secret {CA}, at {CA_DIR}/ca.crt)"))
                .unwrap_or_default(),
            if self.ca.is_some() { " and TRINO_CA_BUNDLE" } else { "" },
            self.namespace,
            self.port
        )
    }
}

/// The copies' names in this addon's namespace.
const CREDENTIALS: &str = "trino-credentials";
const CA: &str = "trino-ca";
