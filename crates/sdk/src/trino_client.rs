//! A client of the trino addon, as other addons wire one: where the coordinator is, and the
//! Secrets with its credentials and (with HTTPS) its CA, read from the endpoints the trino addon
//! publishes (`https` or `http`, `credentials` and `ca`, each a `secret://<namespace>/<name>`).
//!
//! The client's addon copies those Secrets into its own namespace: a Secret annotated
//! `dataplat.io/copy-of` is filled by the applier from the live source, only the keys it lists,
//! when the client's release applies after Trino's (so the client declares a dependency on
//! trino). Only the user and password are copied, never Trino's internal shared secret.

use crate::{Diagnostic, PlatformFacts};
use serde_json::{Value, json};

/// The copy of Trino's credentials (keys `username` and `password`) in the client's namespace.
pub const CREDENTIALS_SECRET: &str = "trino-credentials";
/// The copy of Trino's CA (key `ca.crt`) in the client's namespace.
pub const CA_SECRET: &str = "trino-ca";
/// The CA certificate's key in [`CA_SECRET`].
pub const CA_KEY: &str = "ca.crt";

/// What a client needs to connect, read from the trino addon's endpoints.
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
    /// The client of the trino addon's endpoints, or an error naming what is missing; `flag` is
    /// the client addon's feature flag, named in the hint.
    pub fn of(facts: &PlatformFacts, flag: &str) -> Result<TrinoClient, Diagnostic> {
        let missing = |what: &str| {
            Diagnostic::error(
                "",
                format!("{flag} needs the trino addon's {what} endpoint, which the plan does not have"),
            )
            .hint(format!(
                "enable_trino: true with trino.https on (Trino authenticates clients only over HTTPS), or {flag}: \
                     false"
            ))
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

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
    /// The coordinator Service's DNS name.
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The coordinator's client port.
    pub fn port(&self) -> u16 {
        self.port
    }
    /// Trino's namespace (for NetworkPolicy rules).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
    /// The Secret with Trino's credentials, `<namespace>/<name>`.
    pub fn credentials_source(&self) -> &str {
        &self.credentials
    }
    /// The Secret with Trino's CA, `<namespace>/<name>`, with HTTPS.
    pub fn ca_source(&self) -> Option<&str> {
        self.ca.as_deref()
    }

    /// The Secret copies in `ns`: the user and password (only those keys) and, with HTTPS, the CA.
    pub fn secret_copies(&self, ns: &str) -> Vec<Value> {
        let copy = |name: &str, source: &str, keys: &str| {
            json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": { "name": name, "namespace": ns, "annotations": {
                    dataplat_vocabulary::COPY_OF_ANNOTATION: source,
                    dataplat_vocabulary::COPY_KEYS_ANNOTATION: keys,
                }},
                "type": "Opaque",
            })
        };
        let mut objects = vec![copy(CREDENTIALS_SECRET, &self.credentials, "username,password")];
        if let Some(ca) = &self.ca {
            objects.push(copy(CA_SECRET, ca, CA_KEY));
        }
        objects
    }

    /// The user and password from the copied Secret as container environment variables
    /// (Kubernetes `env` entries).
    pub fn credential_env(&self, user_var: &str, password_var: &str) -> Vec<Value> {
        let from = |name: &str, key: &str| json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": CREDENTIALS_SECRET, "key": key } } });
        vec![from(user_var, "username"), from(password_var, "password")]
    }

    /// With HTTPS, the volume with the copied CA and its mount at `dir` (the file is
    /// `<dir>/ca.crt`, see [`ca_file`](Self::ca_file)).
    pub fn ca_volume(&self, dir: &str) -> Option<(Value, Value)> {
        self.ca.as_ref()?;
        Some((
            json!({ "name": CA_SECRET, "secret": { "secretName": CA_SECRET } }),
            json!({ "name": CA_SECRET, "mountPath": dir, "readOnly": true }),
        ))
    }

    /// The CA file's path when mounted at `dir`, with HTTPS.
    pub fn ca_file(&self, dir: &str) -> Option<String> {
        self.ca.as_ref().map(|_| format!("{dir}/{CA_KEY}"))
    }

    /// A NetworkPolicy egress rule to the coordinator's namespace and port.
    pub fn egress_rule(&self) -> Value {
        json!({
            "to": [{ "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": self.namespace } } }],
            "ports": [{ "protocol": "TCP", "port": self.port }],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Endpoint;

    fn facts(endpoints: &[(&str, &str)]) -> PlatformFacts {
        let mut facts = crate::testing::facts(&[], &["trino"]);
        facts.endpoints = endpoints.iter().map(|(name, url)| Endpoint::new("trino", name, *url, "")).collect();
        facts
    }

    #[test]
    fn reads_the_https_endpoints_and_copies_only_the_user_password_and_ca() {
        let client = TrinoClient::of(
            &facts(&[
                ("https", "https://trino.trino.svc:8443"),
                ("credentials", "secret://trino/trino-users"),
                ("ca", "secret://trino/trino-ca"),
            ]),
            "enable_x_trino",
        )
        .unwrap();
        assert_eq!(
            (client.scheme(), client.host(), client.port(), client.namespace()),
            ("https", "trino.trino.svc", 8443, "trino")
        );
        let copies = client.secret_copies("x");
        assert_eq!(copies.len(), 2);
        assert_eq!(copies[0]["metadata"]["annotations"][dataplat_vocabulary::COPY_OF_ANNOTATION], "trino/trino-users");
        assert_eq!(
            copies[0]["metadata"]["annotations"][dataplat_vocabulary::COPY_KEYS_ANNOTATION],
            "username,password"
        );
        assert_eq!(copies[1]["metadata"]["annotations"][dataplat_vocabulary::COPY_OF_ANNOTATION], "trino/trino-ca");
        assert_eq!(client.ca_file("/etc/t").as_deref(), Some("/etc/t/ca.crt"));
        assert_eq!(client.credential_env("U", "P")[1]["valueFrom"]["secretKeyRef"]["key"], "password");
    }

    #[test]
    fn https_without_a_ca_or_any_server_without_credentials_is_refused() {
        let no_ca = facts(&[("https", "https://trino.trino.svc:8443"), ("credentials", "secret://trino/trino-users")]);
        let err = TrinoClient::of(&no_ca, "enable_x_trino").unwrap_err();
        assert!(err.message.contains("ca endpoint"), "{}", err.message);
        let no_credentials = facts(&[("http", "http://trino.trino.svc:8080")]);
        let err = TrinoClient::of(&no_credentials, "enable_x_trino").unwrap_err();
        assert!(err.message.contains("enable_x_trino needs the trino addon's credentials endpoint"), "{}", err.message);
        assert!(err.hint.as_deref().unwrap_or_default().contains("enable_x_trino: false"));
    }
}
