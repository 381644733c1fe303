//! `kubectl dataplat token`: the real binary, credentials from the environment only (no profile
//! files, no instance metadata), printing an ExecCredential client-go accepts.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;
use serde::Deserialize;

/// Runs `kubectl-dataplat token ARGS` with nothing of the developer's AWS setup: HOME and the
/// AWS files point into `dir`, IMDS is off, and only `env` adds variables.
fn token(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let config = dir.join("aws-config");
    let credentials = dir.join("aws-credentials");
    std::fs::write(&config, "").unwrap();
    std::fs::write(&credentials, "").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kubectl-dataplat"));
    command.current_dir(dir).arg("token").args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(&key);
        }
    }
    command
        .env("HOME", dir)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("DATAPLAT_LOG")
        .env_remove("KUBECONFIG");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run kubectl-dataplat")
}

const KEYS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    ("AWS_SESSION_TOKEN", "session/token+x="),
];

/// client-go's ExecCredential v1beta1 as plugins print it; unknown fields are errors.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExecCredential {
    api_version: String,
    kind: String,
    spec: serde_json::Map<String, serde_json::Value>,
    status: Status,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Status {
    expiration_timestamp: String,
    token: String,
}

fn credential(output: Output) -> ExecCredential {
    let stdout = common::ok(output);
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(&stdout).expect(&stdout)
}

/// The presigned URL inside a token, and its decoded query parameters.
fn url_of(token: &str) -> (String, Vec<(String, String)>) {
    let payload = token.strip_prefix("k8s-aws-v1.").expect("prefix");
    let url = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let query = url.split_once('?').expect("a query").1;
    let params = query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("k=v");
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    (url, params)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ` or `YYYYMMDDTHHMMSSZ`.
fn epoch(text: &str) -> i64 {
    let digits: Vec<i64> = text.chars().filter(char::is_ascii_digit).map(|c| c as i64 - '0' as i64).collect();
    assert_eq!(digits.len(), 14, "{text}");
    let n = |from: usize, len: usize| digits[from..from + len].iter().fold(0, |acc, d| acc * 10 + d);
    let (y, m, d) = (n(0, 4), n(4, 2), n(6, 2));
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(8, 2) * 3600 + n(10, 2) * 60 + n(12, 2)
}

#[test]
fn token_prints_an_exec_credential_for_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let credential = credential(token(dir.path(), &["--cluster", "data-platform", "--region", "eu-west-1"], KEYS));
    assert_eq!(credential.api_version, "client.authentication.k8s.io/v1beta1");
    assert_eq!(credential.kind, "ExecCredential");
    assert!(credential.spec.is_empty());

    let (url, params) = url_of(&credential.status.token);
    assert!(
        url.starts_with("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"),
        "{url}"
    );
    assert_eq!(param(&params, "X-Amz-Algorithm"), Some("AWS4-HMAC-SHA256"));
    let scope = param(&params, "X-Amz-Credential").unwrap();
    assert!(scope.starts_with("AKIDEXAMPLE/") && scope.ends_with("/eu-west-1/sts/aws4_request"), "{scope}");
    assert_eq!(param(&params, "X-Amz-Expires"), Some("60"));
    assert_eq!(param(&params, "X-Amz-SignedHeaders"), Some("host;x-k8s-aws-id"));
    assert_eq!(param(&params, "X-Amz-Security-Token"), Some("session/token+x="));
    assert_eq!(param(&params, "X-Amz-Signature").map(str::len), Some(64));

    // Expiry: RFC 3339 UTC, 14 minutes after the signing time, which is about now.
    let expiry = &credential.status.expiration_timestamp;
    assert_eq!(expiry.len(), "2026-01-02T03:04:05Z".len(), "{expiry}");
    assert!(expiry.ends_with('Z') && expiry.as_bytes()[10] == b'T', "{expiry}");
    let signed = epoch(param(&params, "X-Amz-Date").unwrap());
    assert_eq!(epoch(expiry) - signed, 14 * 60);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - signed).abs() < 300, "signed at {signed}, now {now}");
}

#[test]
fn token_presigns_for_the_configured_sts_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = KEYS.to_vec();
    env.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:4999"));
    let all = credential(token(dir.path(), &["--cluster", "c1", "--region", "us-west-2"], &env));
    assert!(url_of(&all.status.token).0.starts_with("http://127.0.0.1:4999/?Action=GetCallerIdentity&"));

    env.push(("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000"));
    let sts = credential(token(dir.path(), &["--cluster", "c1", "--region", "us-west-2"], &env));
    assert!(url_of(&sts.status.token).0.starts_with("http://127.0.0.1:5000/?Action=GetCallerIdentity&"));
}

#[test]
fn token_takes_the_region_from_aws_region() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = KEYS.to_vec();
    env.push(("AWS_REGION", "ap-southeast-2"));
    let credential = credential(token(dir.path(), &["--cluster", "c1"], &env));
    assert!(url_of(&credential.status.token).0.starts_with("https://sts.ap-southeast-2.amazonaws.com/"));
}

#[test]
fn token_without_credentials_fails_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let output = token(dir.path(), &["--cluster", "data-platform", "--region", "us-west-2"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", common::stderr(&output));
    assert!(output.stdout.is_empty());
    let stderr = common::stderr(&output);
    assert!(stderr.contains("error: no AWS credentials found"), "{stderr}");
    assert!(stderr.contains("hint: set AWS_PROFILE"), "{stderr}");
}

#[test]
fn token_rejects_an_invalid_cluster_name() {
    let dir = tempfile::tempdir().unwrap();
    let output = token(dir.path(), &["--cluster", "not a name", "--region", "us-west-2"], KEYS);
    assert_eq!(output.status.code(), Some(2));
    assert!(common::stderr(&output).contains("invalid cluster name"), "{}", common::stderr(&output));
}
