//! EKS tokens: the presigned URL's shape, its signature recomputed by hand (SigV4 from the
//! specification, checked against a vector of the AWS signing test suite), and the ExecCredential.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use base64::Engine;
use dataplat_aws::token::{self, Token, presigned_token};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

const KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SESSION: &str = "IQoJb3JpZ2luX2VjE/session+token=with/odd&chars";
/// 2015-08-30T12:36:00Z, the AWS signing test suite's time.
const NOW: u64 = 1_440_938_160;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn credentials(session: bool) -> Credentials {
    Credentials::new(KEY, SECRET, session.then(|| SESSION.to_string()), None, "test")
}

fn token_for(cluster: &str, region: &str, session: bool, endpoint: Option<&str>) -> Token {
    presigned_token(cluster, region, &credentials(session), now(), endpoint).expect("token")
}

/// The URL inside a token.
fn decode(token: &str) -> Url {
    let payload = token.strip_prefix("k8s-aws-v1.").expect("k8s-aws-v1. prefix");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("unpadded base64url");
    Url::parse(std::str::from_utf8(&bytes).expect("utf-8")).expect("a URL")
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

// ---- SigV4 by hand, from the specification -------------------------------------------------

/// RFC 3986 unreserved characters stay, everything else is %XX (upper case).
fn aws_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &str) -> String {
    hex::encode(Sha256::digest(data.as_bytes()))
}

/// The signature a presigned GET `url` must carry, recomputed from its own query parameters
/// (all but X-Amz-Signature) and `headers` (lower-case names, signed in sorted order with host).
fn hand_signature(url: &Url, headers: &[(&str, &str)], secret: &str, region: &str, service: &str) -> String {
    let mut query: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| (aws_encode(&k), aws_encode(&v)))
        .collect();
    query.sort();
    let canonical_query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");

    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().expect("host")),
        None => url.host_str().expect("host").to_string(),
    };
    let mut all_headers: Vec<(String, String)> = vec![("host".into(), host)];
    all_headers.extend(headers.iter().map(|(k, v)| (k.to_string(), v.trim().to_string())));
    all_headers.sort();
    let canonical_headers: String = all_headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = all_headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    assert_eq!(param(url, "X-Amz-SignedHeaders").as_deref(), Some(signed_headers.as_str()));

    let canonical_request =
        format!("GET\n{}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{}", url.path(), sha256_hex(""));
    let amz_date = param(url, "X-Amz-Date").expect("X-Amz-Date");
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", sha256_hex(&canonical_request));

    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k_region = hmac(&k_date, region);
    let k_service = hmac(&k_region, service);
    let k_signing = hmac(&k_service, "aws4_request");
    hex::encode(hmac(&k_signing, &string_to_sign))
}

#[test]
fn the_hand_signer_matches_the_aws_signing_test_suite() {
    // aws-signing-test-suite/v4/get-vanilla-query-order-key-case, query-string signing.
    let url = Url::parse(
        "https://example.amazonaws.com/?Param2=value2&Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request\
         &X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host",
    )
    .unwrap();
    assert_eq!(
        hand_signature(&url, &[], SECRET, "us-east-1", "service"),
        "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5"
    );
}

// ---- the token -----------------------------------------------------------------------------

#[test]
fn token_is_k8s_aws_v1_and_unpadded_base64url_of_the_url() {
    let token = token_for("data-platform", "us-west-2", true, None);
    let payload = token.token.strip_prefix("k8s-aws-v1.").expect("prefix");
    assert!(
        payload.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "base64url without padding: {payload}"
    );
    assert_eq!(decode(&token.token).as_str(), token.url);
}

#[test]
fn presigned_url_is_a_get_caller_identity_with_the_eks_parameters() {
    let token = token_for("data-platform", "us-west-2", false, None);
    let url = decode(&token.token);
    assert_eq!(url.scheme(), "https");
    assert_eq!(url.host_str(), Some("sts.us-west-2.amazonaws.com"));
    assert_eq!(url.port(), None);
    assert_eq!(url.path(), "/");
    // Action and Version first, as the aws CLI writes them.
    assert!(token.url.starts_with("https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"));
    assert_eq!(param(&url, "Action").as_deref(), Some("GetCallerIdentity"));
    assert_eq!(param(&url, "Version").as_deref(), Some("2011-06-15"));
    assert_eq!(param(&url, "X-Amz-Algorithm").as_deref(), Some("AWS4-HMAC-SHA256"));
    assert_eq!(param(&url, "X-Amz-Credential").as_deref(), Some("AKIDEXAMPLE/20150830/us-west-2/sts/aws4_request"));
    assert_eq!(param(&url, "X-Amz-Date").as_deref(), Some("20150830T123600Z"));
    assert_eq!(param(&url, "X-Amz-Expires").as_deref(), Some("60"));
    assert_eq!(param(&url, "X-Amz-SignedHeaders").as_deref(), Some("host;x-k8s-aws-id"));
    assert_eq!(param(&url, "X-Amz-Security-Token"), None);
    let signature = param(&url, "X-Amz-Signature").expect("signature");
    assert_eq!(signature.len(), 64);
    assert!(signature.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    // Every parameter appears once.
    let mut names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count, "{}", token.url);
}

#[test]
fn the_signature_is_sigv4_over_host_and_the_cluster_header() {
    for (cluster, region, session) in
        [("data-platform", "us-west-2", false), ("data-platform", "us-west-2", true), ("a_1", "eu-central-1", true)]
    {
        let token = token_for(cluster, region, session, None);
        let url = decode(&token.token);
        let expected = hand_signature(&url, &[("x-k8s-aws-id", cluster)], SECRET, region, "sts");
        assert_eq!(param(&url, "X-Amz-Signature").as_deref(), Some(expected.as_str()), "{cluster} {region} {session}");
    }
}

#[test]
fn the_signature_binds_the_cluster_name() {
    let url = decode(&token_for("data-platform", "us-west-2", false, None).token);
    let for_other = hand_signature(&url, &[("x-k8s-aws-id", "other-cluster")], SECRET, "us-west-2", "sts");
    assert_ne!(param(&url, "X-Amz-Signature"), Some(for_other));
    // And a different cluster gives a different token.
    assert_ne!(
        token_for("data-platform", "us-west-2", false, None).token,
        token_for("other-cluster", "us-west-2", false, None).token
    );
}

#[test]
fn a_session_token_travels_in_the_url_and_is_signed() {
    let token = token_for("data-platform", "us-west-2", true, None);
    let url = decode(&token.token);
    assert_eq!(param(&url, "X-Amz-Security-Token").as_deref(), Some(SESSION));
    // The hand signature includes X-Amz-Security-Token in the canonical query, so a match proves
    // it is signed (as STS requires for presigned URLs with temporary credentials).
    let expected = hand_signature(&url, &[("x-k8s-aws-id", "data-platform")], SECRET, "us-west-2", "sts");
    assert_eq!(param(&url, "X-Amz-Signature"), Some(expected));
}

#[test]
fn an_endpoint_override_is_the_host_of_the_presigned_url() {
    let token = token_for("data-platform", "us-west-2", false, Some("http://127.0.0.1:5000/"));
    assert!(
        token.url.starts_with("http://127.0.0.1:5000/?Action=GetCallerIdentity&Version=2011-06-15&"),
        "{}",
        token.url
    );
    let url = decode(&token.token);
    let expected = hand_signature(&url, &[("x-k8s-aws-id", "data-platform")], SECRET, "us-west-2", "sts");
    assert_eq!(param(&url, "X-Amz-Signature"), Some(expected), "host:port is what is signed");
    // Scope stays the region's even off AWS.
    assert_eq!(param(&url, "X-Amz-Credential").as_deref(), Some("AKIDEXAMPLE/20150830/us-west-2/sts/aws4_request"));
}

#[test]
fn the_sts_endpoint_comes_from_the_environment_like_the_sdk() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    };
    assert_eq!(token::sts_endpoint_from(env(&[])), None);
    assert_eq!(token::sts_endpoint_from(env(&[("AWS_ENDPOINT_URL", "http://a:1")])).as_deref(), Some("http://a:1"));
    assert_eq!(
        token::sts_endpoint_from(env(&[("AWS_ENDPOINT_URL", "http://a:1"), ("AWS_ENDPOINT_URL_STS", "http://s:2")]))
            .as_deref(),
        Some("http://s:2")
    );
    assert_eq!(
        token::sts_endpoint_from(env(&[("AWS_ENDPOINT_URL", "http://a:1"), ("AWS_ENDPOINT_URL_STS", "")])).as_deref(),
        Some("http://a:1")
    );
    assert_eq!(
        token::sts_endpoint_from(env(&[
            ("AWS_ENDPOINT_URL", "http://a:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
        ])),
        None
    );
}

#[test]
fn regional_endpoints_follow_the_partition() {
    assert_eq!(token::regional_sts_endpoint("us-west-2"), "https://sts.us-west-2.amazonaws.com");
    assert_eq!(token::regional_sts_endpoint("cn-north-1"), "https://sts.cn-north-1.amazonaws.com.cn");
    let url = decode(&token_for("c", "cn-northwest-1", false, None).token);
    assert_eq!(url.host_str(), Some("sts.cn-northwest-1.amazonaws.com.cn"));
}

#[test]
fn bad_input_is_rejected_with_a_clear_error() {
    let creds = credentials(false);
    for cluster in ["", "has space", "-leading-dash", "x/y", &"a".repeat(101)] {
        let error = presigned_token(cluster, "us-west-2", &creds, now(), None).unwrap_err();
        assert!(error.to_string().contains("invalid cluster name"), "{cluster}: {error}");
    }
    for region in ["", "US-WEST-2", "us west"] {
        let error = presigned_token("c", region, &creds, now(), None).unwrap_err();
        assert!(error.to_string().contains("invalid region"), "{region}: {error}");
    }
    for endpoint in ["ftp://x", "127.0.0.1:5000", "http://", "http://x/?a=b"] {
        let error = presigned_token("c", "us-west-2", &creds, now(), Some(endpoint)).unwrap_err();
        assert!(error.to_string().contains("invalid STS endpoint"), "{endpoint}: {error}");
        assert!(error.hint().is_some());
    }
}

// ---- the ExecCredential --------------------------------------------------------------------

/// client-go's ExecCredential (client.authentication.k8s.io/v1beta1), written from its Go types:
/// anything else in the output would be an unknown field.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExecCredential {
    api_version: String,
    kind: String,
    spec: Spec,
    status: Option<Status>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    cluster: Option<serde_json::Value>,
    interactive: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Status {
    expiration_timestamp: Option<String>,
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
}

#[test]
fn the_exec_credential_is_what_client_go_reads() {
    let token = token_for("data-platform", "us-west-2", true, None);
    let json = serde_json::to_string_pretty(&token.exec_credential()).unwrap();
    let credential: ExecCredential = serde_json::from_str(&json).expect(&json);
    assert_eq!(credential.api_version, "client.authentication.k8s.io/v1beta1");
    assert_eq!(credential.kind, "ExecCredential");
    assert!(credential.spec.cluster.is_none() && credential.spec.interactive.is_none());
    let status = credential.status.expect("status");
    assert_eq!(status.token.as_deref(), Some(token.token.as_str()));
    assert_eq!(status.client_certificate_data, None);
    assert_eq!(status.client_key_data, None);
    // 12:36:00 + 14 minutes, RFC 3339 UTC as aws eks get-token prints it.
    assert_eq!(status.expiration_timestamp.as_deref(), Some("2015-08-30T12:50:00Z"));
    // The library's own type reads it back too.
    let again: token::ExecCredential = serde_json::from_str(&json).unwrap();
    assert_eq!(again, token.exec_credential());
}

#[test]
fn expiry_is_fourteen_minutes_after_the_signing_second() {
    let credentials = credentials(false);
    let now = UNIX_EPOCH + Duration::new(NOW + 59, 999_999_999);
    let token = presigned_token("c", "us-west-2", &credentials, now, None).unwrap();
    assert_eq!(param(&decode(&token.token), "X-Amz-Date").as_deref(), Some("20150830T123659Z"));
    assert_eq!(token.expiration, UNIX_EPOCH + Duration::from_secs(NOW + 59 + 14 * 60));
    assert_eq!(token.exec_credential().status.expiration_timestamp, "2015-08-30T12:50:59Z");
    assert_eq!(token::TOKEN_LIFETIME, Duration::from_secs(840));
    assert_eq!(token::PRESIGN_EXPIRES, Duration::from_secs(60));
}

// No moto test: moto 5.2.5 in server mode routes a request by its Authorization header,
// X-Amz-Target or form body; a presigned GET has none of these and lands in S3 (ListBuckets), so
// it cannot stand in for STS here. The signature is checked by hand above instead.
