//! EKS bearer tokens, made the way `aws eks get-token` and aws-iam-authenticator make them, so no
//! aws CLI is needed (DESIGN.md section 8).
//!
//! A token is `k8s-aws-v1.` followed by the unpadded base64url of a SigV4-presigned URL:
//!
//! ```text
//! GET https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15
//!     &X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=<key>/<date>/<region>/sts/aws4_request
//!     &X-Amz-Date=<time>&X-Amz-Expires=60&X-Amz-SignedHeaders=host;x-k8s-aws-id
//!     [&X-Amz-Security-Token=<session token>]&X-Amz-Signature=<hex>
//! ```
//!
//! with the header `x-k8s-aws-id: <cluster name>` signed, so the token is valid for that cluster
//! only. EKS replays the URL against STS to learn who the caller is.
//!
//! Expiry: the presigned URL says `X-Amz-Expires=60` (both reference clients send it), but EKS's
//! authenticator accepts a token for 15 minutes after its `X-Amz-Date`. The ExecCredential tells
//! client-go the token expires **14 minutes** after signing, the value of aws-iam-authenticator
//! (`presignedURLExpiration - 1 minute`) and of the aws CLI (`TOKEN_EXPIRATION_MINS = 14`): a
//! minute of margin for clock skew, after which client-go runs the exec plugin again.
//!
//! [`presigned_token`] is pure (credentials, time and endpoint are arguments); [`load_credentials`]
//! and [`sts_endpoint_from_env`] read the standard AWS chain and environment.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
use aws_sigv4::sign::v4;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// `apiVersion` of the ExecCredential (and of the kubeconfig `exec` entry).
pub const EXEC_CREDENTIAL_API_VERSION: &str = "client.authentication.k8s.io/v1beta1";
/// The signed header naming the cluster the token is for.
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
/// Prefix of every EKS token.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
/// `X-Amz-Expires` of the presigned URL, as `aws eks get-token` and aws-iam-authenticator send it.
pub const PRESIGN_EXPIRES: Duration = Duration::from_secs(60);
/// How long after signing the ExecCredential says the token expires (see the module docs).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// Why no token could be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid cluster name {0:?}: expected letters, digits, '-' and '_' (at most 100)")]
    InvalidCluster(String),
    #[error("invalid region {0:?}")]
    InvalidRegion(String),
    #[error("invalid STS endpoint {endpoint:?}: {reason}")]
    InvalidEndpoint { endpoint: String, reason: String },
    #[error("no AWS credentials found: {0}")]
    NoCredentials(String),
    #[error("could not load AWS credentials: {0}")]
    Credentials(String),
    #[error("could not sign the STS request: {0}")]
    Signing(String),
}

impl TokenError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            TokenError::NoCredentials(_) => Some(
                "set AWS_PROFILE (after `aws sso login` if it is an SSO profile), or AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY, or run where an instance or pod role is available"
                    .into(),
            ),
            TokenError::Credentials(_) => {
                Some("check AWS_PROFILE and ~/.aws/config; for an SSO profile run `aws sso login`".into())
            }
            TokenError::InvalidEndpoint { .. } => Some(
                "AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL must be an http(s) URL such as http://127.0.0.1:5000".into(),
            ),
            _ => None,
        }
    }
}

/// An EKS bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// `k8s-aws-v1.<base64url of url>`.
    pub token: String,
    /// The presigned STS URL inside the token.
    pub url: String,
    /// When client-go should ask for a new one: signing time + [`TOKEN_LIFETIME`], whole seconds.
    pub expiration: SystemTime,
}

impl Token {
    /// The client-go ExecCredential carrying this token.
    pub fn exec_credential(&self) -> ExecCredential {
        ExecCredential {
            api_version: EXEC_CREDENTIAL_API_VERSION.to_string(),
            kind: "ExecCredential".to_string(),
            spec: ExecCredentialSpec {},
            status: ExecCredentialStatus { expiration_timestamp: rfc3339(self.expiration), token: self.token.clone() },
        }
    }
}

/// client-go's `ExecCredential` (client.authentication.k8s.io/v1beta1), as an exec plugin prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecCredential {
    pub api_version: String,
    pub kind: String,
    pub spec: ExecCredentialSpec,
    pub status: ExecCredentialStatus,
}

/// Empty: client-go fills it in on input (`interactive`, `cluster`); a plugin prints `{}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecCredentialSpec {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecCredentialStatus {
    /// RFC 3339 UTC, whole seconds (`2026-01-02T03:04:05Z`).
    pub expiration_timestamp: String,
    pub token: String,
}

/// The token for `cluster` in `region`, signed with `credentials` at `now`; STS is reached at
/// `endpoint` (a base URL such as `http://127.0.0.1:5000`) or else at the regional endpoint
/// `https://sts.<region>.amazonaws.com`.
pub fn presigned_token(
    cluster: &str,
    region: &str,
    credentials: &Credentials,
    now: SystemTime,
    endpoint: Option<&str>,
) -> Result<Token, TokenError> {
    check_cluster(cluster)?;
    check_region(region)?;
    // Whole seconds: X-Amz-Date has no fraction, and the expiry should match it exactly.
    let secs = now.duration_since(UNIX_EPOCH).map_err(|_| TokenError::Signing("time before 1970".into()))?.as_secs();
    let now = UNIX_EPOCH + Duration::from_secs(secs);

    let base = match endpoint {
        Some(endpoint) => check_endpoint(endpoint)?,
        None => regional_sts_endpoint(region),
    };
    let unsigned = format!("{base}/?Action=GetCallerIdentity&Version=2011-06-15");

    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(PRESIGN_EXPIRES);
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| TokenError::Signing(e.to_string()))?
        .into();
    let headers = [(CLUSTER_ID_HEADER, cluster)];
    let request = SignableRequest::new(
        "GET",
        Cow::Borrowed(unsigned.as_str()),
        headers.iter().copied(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| TokenError::Signing(e.to_string()))?;
    let (instructions, _signature) =
        sign(request, &params).map_err(|e| TokenError::Signing(e.to_string()))?.into_parts();

    let mut url = unsigned;
    for (name, value) in instructions.params() {
        url.push('&');
        url.push_str(&uri_encode(name));
        url.push('=');
        url.push_str(&uri_encode(value));
    }
    let token = format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url.as_bytes()));
    Ok(Token { token, url, expiration: now + TOKEN_LIFETIME })
}

/// `https://sts.<region>.amazonaws.com` (`.amazonaws.com.cn` in the China regions).
pub fn regional_sts_endpoint(region: &str) -> String {
    let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    format!("https://sts.{region}.{suffix}")
}

/// The STS endpoint the environment configures: `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`
/// (the SDK's precedence), none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
pub fn sts_endpoint_from_env() -> Option<String> {
    sts_endpoint_from(|name| std::env::var(name).ok())
}

/// [`sts_endpoint_from_env`] over any variable lookup.
pub fn sts_endpoint_from(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    if var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return None;
    }
    ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]
        .iter()
        .filter_map(|name| var(name))
        .map(|value| value.trim().to_string())
        .find(|value| !value.is_empty())
}

/// Credentials from the standard AWS chain (environment, profile files with SSO and
/// credential_process, web identity, ECS and instance metadata) for `region`; with `role_arn`,
/// the chain's credentials assume that role first (session name `kubectl-dataplat`).
pub async fn load_credentials(region: &str, role_arn: Option<&str>) -> Result<Credentials, TokenError> {
    check_region(region)?;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .load()
        .await;
    let credentials = match role_arn {
        Some(arn) => {
            let provider = aws_config::sts::AssumeRoleProvider::builder(arn)
                .session_name(dataplat_vocabulary::TOOL)
                .configure(&config)
                .build()
                .await;
            provider.provide_credentials().await
        }
        None => match config.credentials_provider() {
            Some(provider) => provider.provide_credentials().await,
            None => return Err(TokenError::NoCredentials("no credentials provider is configured".into())),
        },
    };
    credentials.map_err(credentials_error)
}

fn credentials_error(error: CredentialsError) -> TokenError {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    match error {
        CredentialsError::CredentialsNotLoaded(_) => TokenError::NoCredentials(text),
        _ => TokenError::Credentials(text),
    }
}

/// RFC 3339 UTC with whole seconds, as `aws eks get-token` prints it.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    aws_smithy_types::DateTime::from_secs(secs as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// EKS cluster names: a letter or digit, then letters, digits, '-' and '_', at most 100.
fn check_cluster(cluster: &str) -> Result<(), TokenError> {
    let mut chars = cluster.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok || cluster.len() > 100 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(TokenError::InvalidCluster(cluster.to_string()));
    }
    Ok(())
}

fn check_region(region: &str) -> Result<(), TokenError> {
    if region.is_empty() || !region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(TokenError::InvalidRegion(region.to_string()));
    }
    Ok(())
}

/// The endpoint without a trailing `/`; it must be `http(s)://host[:port][/path]` without query.
fn check_endpoint(endpoint: &str) -> Result<String, TokenError> {
    let invalid = |reason: &str| TokenError::InvalidEndpoint { endpoint: endpoint.to_string(), reason: reason.into() };
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .ok_or_else(|| invalid("expected http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    if endpoint.contains(['?', '#']) || endpoint.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("expected a base URL without query or fragment"));
    }
    Ok(endpoint.trim_end_matches('/').to_string())
}

/// SigV4 URI encoding: everything but `A-Z a-z 0-9 - _ . ~` as `%XX`.
fn uri_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
