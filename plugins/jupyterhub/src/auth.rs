//! `authentication`: how users log in to the hub, the chart values and Secret that set it up,
//! and the checks that keep the hub closed (no dummy authenticator, no open access, no secret
//! in platform.yaml).
//!
//! Every trait set here exists in the hub image of chart 3.3.8 (JupyterHub 4.1.6,
//! jupyterhub-nativeauthenticator 1.2.0, oauthenticator 16.3.1); the chart passes `hub.config`
//! to the traitlets as it is, `hub.extraEnv` to the hub container and runs `hub.extraConfig`.

use dataplat_sdk::schemars::{self, JsonSchema};
use dataplat_sdk::serde_json::{Map, Value, json};
use dataplat_sdk::{Diagnostic, GeneratedSecret, is_dns1123_label};
use serde::{Deserialize, Serialize};

/// The Secret the host generates for the native admin's password (key [`ADMIN_PASSWORD_KEY`]).
pub const ADMIN_SECRET: &str = "jupyterhub-admin";
/// The key of the admin's password in [`ADMIN_SECRET`].
pub const ADMIN_PASSWORD_KEY: &str = "password";
/// The `hub.extraConfig` entry that creates the native admin (see `native_admin.py`).
pub const ADMIN_EXTRA_CONFIG: &str = "dataplat-native-admin";
/// Creates the native admin from `DATAPLAT_ADMIN_USER` / `DATAPLAT_ADMIN_PASSWORD` when the hub
/// starts: NativeAuthenticator has no setting for a first admin's password.
pub const NATIVE_ADMIN_PY: &str = include_str!("native_admin.py");
/// The environment variable oauthenticator reads the client secret from (its
/// `client_secret` default, for the generic and the GitHub authenticator alike).
pub const OAUTH_CLIENT_SECRET_ENV: &str = "OAUTH_CLIENT_SECRET";

const NATIVE_CLASS: &str = "nativeauthenticator.NativeAuthenticator";
const GENERIC_CLASS: &str = "oauthenticator.generic.GenericOAuthenticator";
const GITHUB_CLASS: &str = "oauthenticator.github.GitHubOAuthenticator";

/// How users log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthenticationType {
    /// NativeAuthenticator: users sign up with a password, an admin authorizes them.
    Native,
    /// An OAuth 2.0 / OpenID Connect identity provider (`oauth`).
    Oauth,
}

/// The identity provider of `type: oauth`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OAuthProvider {
    /// GenericOAuthenticator: any OAuth 2.0 / OpenID Connect provider, given its three URLs.
    #[default]
    Generic,
    /// GitHubOAuthenticator: github.com.
    Github,
}

/// A key of an existing Secret in JupyterHub's namespace.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SecretKeyRef {
    /// Name of the Secret (created by you, in JupyterHub's namespace, before `up`).
    pub name: String,
    /// Key of the value in the Secret.
    pub key: String,
}

impl Default for SecretKeyRef {
    fn default() -> Self {
        SecretKeyRef { name: String::new(), key: "client-secret".into() }
    }
}

/// The OAuth 2.0 application the hub logs users in with (`type: oauth`).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OAuth {
    /// `generic` (GenericOAuthenticator, needs `authorize_url`, `token_url` and `userdata_url`)
    /// or `github` (GitHubOAuthenticator).
    pub provider: OAuthProvider,
    /// Client id of the OAuth application registered with the provider (not a secret).
    pub client_id: String,
    /// The existing Secret holding the application's client secret: the hub reads it as
    /// `OAUTH_CLIENT_SECRET`. The value itself never goes in platform.yaml.
    pub client_secret: SecretKeyRef,
    /// Redirect URL registered with the provider (`https://<host>/hub/oauth_callback`); by
    /// default derived from each login request's host.
    pub callback_url: Option<String>,
    /// `generic`: the provider's authorization endpoint (https).
    pub authorize_url: Option<String>,
    /// `generic`: the provider's token endpoint (https).
    pub token_url: Option<String>,
    /// `generic`: the provider's user-info endpoint (https).
    pub userdata_url: Option<String>,
    /// `generic`: the user-info claim that becomes the user name (oauthenticator's default is
    /// `username`; OpenID Connect providers usually need `preferred_username` or `email`).
    pub username_claim: Option<String>,
    /// Scopes to request (e.g. `[openid, profile, email]`, or `[read:org]` on GitHub for
    /// `allowed_organizations`); by default the authenticator's own.
    pub scope: Vec<String>,
    /// Provider user names (lowercase) allowed to log in, besides the admin.
    pub allowed_users: Vec<String>,
    /// `generic`: groups whose members may log in, read from the `groups_claim` claim.
    pub allowed_groups: Vec<String>,
    /// `generic`: the user-info claim listing a user's groups (oauthenticator's default is
    /// `groups`).
    pub groups_claim: Option<String>,
    /// `github`: organizations (or `org:team`) whose members may log in.
    pub allowed_organizations: Vec<String>,
}

/// How users log in to the hub. The dummy authenticator (any name, any password) is never used.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Authentication {
    /// `native` (NativeAuthenticator: users sign up at /hub/signup, `admin_user` authorizes
    /// them at /hub/authorize) or `oauth` (an identity provider, see `oauth`).
    #[serde(rename = "type")]
    pub kind: AuthenticationType,
    /// The hub's admin (lowercase). `native`: created by the hub at its first start with the
    /// password the host generates in Secret `jupyterhub-admin` (key `password`). `oauth`: the
    /// provider's user name that is admin.
    pub admin_user: String,
    /// `native`: the shortest password accepted at sign-up and password change (8 to 128).
    #[schemars(range(min = 8, max = 128))]
    pub minimum_password_length: u32,
    /// The identity provider; required with `type: oauth`, refused otherwise.
    pub oauth: Option<OAuth>,
}

impl Default for Authentication {
    fn default() -> Self {
        Authentication {
            kind: AuthenticationType::Native,
            admin_user: "admin".into(),
            minimum_password_length: 12,
            oauth: None,
        }
    }
}

impl Authentication {
    /// The authenticator class set in `hub.config.JupyterHub.authenticator_class`.
    pub fn class(&self) -> &'static str {
        match (self.kind, self.oauth.as_ref().map(|o| o.provider)) {
            (AuthenticationType::Native, _) => NATIVE_CLASS,
            (AuthenticationType::Oauth, Some(OAuthProvider::Github)) => GITHUB_CLASS,
            (AuthenticationType::Oauth, _) => GENERIC_CLASS,
        }
    }

    /// The `hub` values (`config`, `extraEnv`, `extraConfig`) that set the authenticator up.
    pub fn hub_values(&self) -> Value {
        let class = self.class();
        let mut config = Map::new();
        config.insert("JupyterHub".into(), json!({ "authenticator_class": class }));
        config.insert("Authenticator".into(), json!({ "admin_users": [self.admin_user] }));
        match (self.kind, &self.oauth) {
            (AuthenticationType::Oauth, Some(oauth)) => {
                let section = class.rsplit('.').next().unwrap_or(class);
                config.insert(section.into(), oauth_traits(oauth));
                let client_secret = secret_env(&oauth.client_secret.name, &oauth.client_secret.key);
                json!({ "config": config, "extraEnv": { OAUTH_CLIENT_SECRET_ENV: client_secret } })
            }
            _ => {
                config.insert(
                    "NativeAuthenticator".into(),
                    json!({
                        "open_signup": false,
                        "minimum_password_length": self.minimum_password_length,
                        "check_common_password": true,
                        "allowed_failed_logins": 5,
                        "seconds_before_next_try": 600,
                    }),
                );
                json!({
                    "config": config,
                    "extraEnv": {
                        "DATAPLAT_ADMIN_USER": self.admin_user,
                        "DATAPLAT_ADMIN_PASSWORD": secret_env(ADMIN_SECRET, ADMIN_PASSWORD_KEY),
                    },
                    "extraConfig": { ADMIN_EXTRA_CONFIG: NATIVE_ADMIN_PY },
                })
            }
        }
    }

    /// The Secret the host generates: the native admin's password (none with `oauth`).
    pub fn secret(&self, namespace: &str) -> Option<GeneratedSecret> {
        (self.kind == AuthenticationType::Native)
            .then(|| GeneratedSecret::new(namespace, ADMIN_SECRET).random(ADMIN_PASSWORD_KEY))
    }

    /// The `authentication` plan note: who logs in how, and where the admin's password is.
    pub fn note(&self, namespace: &str, values: &Value) -> String {
        let admin = &self.admin_user;
        let configured = values.pointer("/hub/config/JupyterHub/authenticator_class").and_then(Value::as_str);
        if let Some(class) = configured.filter(|c| *c != self.class()) {
            return format!(
                "values.hub.config.JupyterHub.authenticator_class sets {class}, overriding authentication.type; \
                 admin_users is [{admin}]; configure that authenticator in values.hub.config"
            );
        }
        match (self.kind, &self.oauth) {
            (AuthenticationType::Oauth, Some(oauth)) => {
                let SecretKeyRef { name, key } = &oauth.client_secret;
                let mut who = vec![format!("admin {admin}")];
                if !oauth.allowed_users.is_empty() {
                    who.push(format!("users {}", oauth.allowed_users.join(", ")));
                }
                if !oauth.allowed_groups.is_empty() {
                    who.push(format!("members of groups {}", oauth.allowed_groups.join(", ")));
                }
                if !oauth.allowed_organizations.is_empty() {
                    who.push(format!("members of {}", oauth.allowed_organizations.join(", ")));
                }
                format!(
                    "{} (client id {}); the client secret is read from Secret {namespace}/{name} key {key} as \
                     {OAUTH_CLIENT_SECRET_ENV}: create it before `up` (kubectl -n {namespace} create secret generic \
                     {name} --from-literal={key}=...); it is not in the values. Who may log in: {}; nobody else",
                    self.class(),
                    oauth.client_id,
                    who.join(", ")
                )
            }
            _ => format!(
                "NativeAuthenticator: users sign up at /hub/signup and cannot log in until an admin authorizes them \
                 at /hub/authorize. The admin user {admin} is created when the hub first starts, with the password in \
                 Secret {namespace}/{ADMIN_SECRET} (key {ADMIN_PASSWORD_KEY}, generated once by the host; read it with \
                 kubectl -n {namespace} get secret {ADMIN_SECRET} -o jsonpath='{{.data.{ADMIN_PASSWORD_KEY}}}' | \
                 base64 -d); a password changed in the hub (/hub/change-password) is kept and the Secret is not \
                 updated. Passwords need {} characters and must not be common ones; 5 failed logins block a user \
                 for 10 minutes",
                self.minimum_password_length
            ),
        }
    }
}

/// The traits of the OAuth authenticator's own section (`GenericOAuthenticator` or
/// `GitHubOAuthenticator`); the client secret is not among them.
fn oauth_traits(oauth: &OAuth) -> Value {
    let mut traits = Map::new();
    traits.insert("client_id".into(), oauth.client_id.clone().into());
    let optional = [
        ("oauth_callback_url", &oauth.callback_url),
        ("authorize_url", &oauth.authorize_url),
        ("token_url", &oauth.token_url),
        ("userdata_url", &oauth.userdata_url),
        ("username_claim", &oauth.username_claim),
        ("claim_groups_key", &oauth.groups_claim),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            traits.insert(name.into(), value.clone().into());
        }
    }
    let lists = [
        ("scope", &oauth.scope),
        ("allowed_users", &oauth.allowed_users),
        ("allowed_groups", &oauth.allowed_groups),
        ("allowed_organizations", &oauth.allowed_organizations),
    ];
    for (name, list) in lists {
        if !list.is_empty() {
            traits.insert(name.into(), json!(list));
        }
    }
    Value::Object(traits)
}

/// A `hub.extraEnv` entry read from a Secret key (the chart's mapping form: the entry's key is
/// the variable's name).
fn secret_env(name: &str, key: &str) -> Value {
    json!({ "valueFrom": { "secretKeyRef": { "name": name, "key": key } } })
}

/// Whether `name` is a user name the hub keeps as written: 1 to 128 lowercase letters, digits,
/// `.`, `_`, `-` or `@`, starting with a letter or digit (JupyterHub lowercases names, and
/// NativeAuthenticator refuses `,`, ` ` and `/`).
fn is_user_name(name: &str) -> bool {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    name.len() <= 128
        && name.chars().next().is_some_and(ok)
        && name.chars().all(|c| ok(c) || matches!(c, '.' | '_' | '-' | '@'))
}

fn check_user_name(path: &str, name: &str) -> Option<Diagnostic> {
    (!is_user_name(name)).then(|| {
        Diagnostic::error(path, format!("{name:?} is not a valid user name"))
            .hint("use 1 to 128 lowercase letters, digits, '.', '_', '-' or '@', starting with a letter or digit")
    })
}

/// Whether `name` is a DNS-1123 subdomain (a Secret's name).
fn is_dns1123_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns1123_label)
}

/// Whether `key` is a valid key of a Secret's data.
fn is_secret_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `url` is an `https://` URL with a host.
fn is_https_url(url: &str) -> bool {
    let host = url.strip_prefix("https://").unwrap_or_default();
    !(host.is_empty() || host.starts_with('/') || url.contains(char::is_whitespace))
}

fn check_https(path: &str, url: &str) -> Option<Diagnostic> {
    (!is_https_url(url)).then(|| {
        Diagnostic::error(path, format!("{url:?} is not an https:// URL"))
            .hint("give the provider's endpoint, e.g. https://login.example.com/oauth2/token")
    })
}

/// The checks of the `authentication` block.
pub fn check(auth: &Authentication) -> Vec<Diagnostic> {
    let mut problems: Vec<Diagnostic> =
        check_user_name("authentication.admin_user", &auth.admin_user).into_iter().collect();
    if !(8..=128).contains(&auth.minimum_password_length) {
        problems.push(Diagnostic::error(
            "authentication.minimum_password_length",
            format!("{} is out of range: must be 8 to 128", auth.minimum_password_length),
        ));
    }
    match (auth.kind, &auth.oauth) {
        (AuthenticationType::Native, Some(_)) => problems.push(
            Diagnostic::error("authentication.oauth", "is used only with `type: oauth`")
                .hint("remove authentication.oauth, or set authentication.type: oauth"),
        ),
        (AuthenticationType::Oauth, None) => {
            problems.push(Diagnostic::error("authentication.oauth", "is required with `type: oauth`").hint(
                "oauth: { client_id: ..., client_secret: { name: jupyterhub-oauth }, authorize_url: ..., token_url: \
                 ..., userdata_url: ... }",
            ))
        }
        (AuthenticationType::Oauth, Some(oauth)) => problems.extend(check_oauth(oauth)),
        (AuthenticationType::Native, None) => {}
    }
    problems
}

fn check_oauth(oauth: &OAuth) -> Vec<Diagnostic> {
    const AT: &str = "authentication.oauth";
    let mut problems = Vec::new();
    if oauth.client_id.trim().is_empty() {
        problems.push(
            Diagnostic::error(&format!("{AT}.client_id"), "must be set")
                .hint("the client id of the OAuth application registered with the provider"),
        );
    }
    let secret = &oauth.client_secret;
    if !is_dns1123_subdomain(&secret.name) {
        problems.push(
            Diagnostic::error(
                &format!("{AT}.client_secret.name"),
                format!("{:?} is not the name of a Secret", secret.name),
            )
            .hint("name the Secret in JupyterHub's namespace that holds the client secret, e.g. jupyterhub-oauth"),
        );
    }
    if !is_secret_key(&secret.key) {
        problems.push(
            Diagnostic::error(&format!("{AT}.client_secret.key"), format!("{:?} is not a Secret key", secret.key))
                .hint("use letters, digits, '-', '_' or '.', e.g. client-secret"),
        );
    }
    if let Some(url) = &oauth.callback_url {
        let local = url.starts_with("http://localhost:") || url.starts_with("http://127.0.0.1:");
        if !url.ends_with("/hub/oauth_callback") || !(local || is_https_url(url)) {
            problems.push(
                Diagnostic::error(&format!("{AT}.callback_url"), format!("{url:?} is not the hub's callback URL"))
                    .hint("https://<host>/hub/oauth_callback (http://localhost:<port>/... for a port-forward)"),
            );
        }
    }
    let generic = oauth.provider == OAuthProvider::Generic;
    let endpoints = [
        ("authorize_url", &oauth.authorize_url),
        ("token_url", &oauth.token_url),
        ("userdata_url", &oauth.userdata_url),
    ];
    for (field, value) in endpoints {
        let path = format!("{AT}.{field}");
        match (generic, value) {
            (true, Some(url)) => problems.extend(check_https(&path, url)),
            (true, None) => problems.push(
                Diagnostic::error(&path, "is required with `provider: generic`")
                    .hint("copy it from the provider's OpenID configuration (.well-known/openid-configuration)"),
            ),
            (false, Some(_)) => problems.push(
                Diagnostic::error(&path, "is used only with `provider: generic`")
                    .hint("remove it: GitHubOAuthenticator knows GitHub's endpoints"),
            ),
            (false, None) => {}
        }
    }
    let generic_only = [
        ("username_claim", oauth.username_claim.is_some()),
        ("groups_claim", oauth.groups_claim.is_some()),
        ("allowed_groups", !oauth.allowed_groups.is_empty()),
    ];
    let github_only = [("allowed_organizations", !oauth.allowed_organizations.is_empty())];
    for (field, set) in generic_only {
        if set && !generic {
            problems.push(
                Diagnostic::error(&format!("{AT}.{field}"), "is used only with `provider: generic`")
                    .hint("remove it, or use allowed_organizations / allowed_users with provider: github"),
            );
        }
    }
    for (field, set) in github_only {
        if set && generic {
            problems.push(
                Diagnostic::error(&format!("{AT}.{field}"), "is used only with `provider: github`")
                    .hint("use allowed_groups (and groups_claim) with provider: generic"),
            );
        }
    }
    for (i, user) in oauth.allowed_users.iter().enumerate() {
        problems.extend(check_user_name(&format!("{AT}.allowed_users.{i}"), user));
    }
    let names = [
        ("scope", &oauth.scope),
        ("allowed_groups", &oauth.allowed_groups),
        ("allowed_organizations", &oauth.allowed_organizations),
    ];
    for (field, list) in names {
        for (i, item) in list.iter().enumerate() {
            if item.trim().is_empty() {
                problems.push(Diagnostic::error(&format!("{AT}.{field}.{i}"), "must not be empty"));
            }
        }
    }
    problems
}

/// Authenticator classes that let anyone in: the dummy authenticator (any name, any password)
/// and the temporary one (a new user per visit).
fn is_open_authenticator(class: &str) -> bool {
    let class = class.to_ascii_lowercase();
    class.contains("dummy") || class == "tmp" || class.contains("tmpauthenticator")
}

/// The checks of the user's `values` that keep the hub closed: no open authenticator, no
/// `allow_all` or `open_signup`, no client secret in platform.yaml, and `hub.extraEnv` a
/// mapping (a list would replace the plugin's entries).
pub fn check_values(values: &Value) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let hub = &values["hub"];
    if let Some(sections) = hub["config"].as_object() {
        for (section, traits) in sections {
            let at = |name: &str| format!("values.hub.config.{section}.{name}");
            if section == "JupyterHub"
                && let Some(class) = traits["authenticator_class"].as_str()
                && is_open_authenticator(class)
            {
                problems.push(
                    Diagnostic::error(
                        &at("authenticator_class"),
                        format!("{class:?} lets anyone log in with any name and password"),
                    )
                    .hint("remove it and choose authentication.type: native (the default) or oauth"),
                );
            }
            if traits["allow_all"].as_bool() == Some(true) {
                problems.push(
                    Diagnostic::error(&at("allow_all"), "would let every account of the identity provider log in")
                        .hint(
                            "remove it; list who may log in in authentication.oauth (allowed_users, allowed_groups \
                             or allowed_organizations)",
                        ),
                );
            }
            if traits["open_signup"].as_bool() == Some(true) {
                problems.push(
                    Diagnostic::error(
                        &at("open_signup"),
                        "would let anyone who signs up log in without an admin's authorization",
                    )
                    .hint("remove it; the admin authorizes sign-ups at /hub/authorize"),
                );
            }
            if traits.get("client_secret").is_some() {
                problems.push(
                    Diagnostic::error(&at("client_secret"), "the client secret must not be written in platform.yaml")
                        .hint("put it in a Secret and name it in authentication.oauth.client_secret"),
                );
            }
        }
    }
    match &hub["extraEnv"] {
        Value::Array(_) => problems.push(
            Diagnostic::error("values.hub.extraEnv", "must be a mapping: a list would replace the plugin's entries")
                .hint("write it as the chart's mapping form, NAME: value or NAME: { valueFrom: ... }"),
        ),
        Value::Object(env) => {
            let literal = |v: &Value| v.is_string() || v.get("value").is_some();
            if env.get(OAUTH_CLIENT_SECRET_ENV).is_some_and(literal) {
                problems.push(
                    Diagnostic::error(
                        &format!("values.hub.extraEnv.{OAUTH_CLIENT_SECRET_ENV}"),
                        "the client secret must not be written in platform.yaml",
                    )
                    .hint("put it in a Secret and name it in authentication.oauth.client_secret"),
                );
            }
        }
        _ => {}
    }
    problems
}
