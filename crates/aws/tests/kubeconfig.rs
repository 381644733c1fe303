//! kubeconfig merging: other entries and unknown fields kept, idempotent to the byte, atomic
//! private writes, and a result kube reads with the exec credential it expects.

use std::path::Path;

use dataplat_aws::kubeconfig::{self, EksContext};
use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig};
use serde_json::Value;

/// A self-signed P-256 certificate (CN=kubernetes), base64 of its PEM, as EKS returns the CA.
const CA: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJnakNDQVNlZ0F3SUJBZ0lVY1BMYVRoK1UwVlVFWjJHZ3ArYm1TTXI2T2p3d0NnWUlLb1pJemowRUF3SXcKRlRFVE1CRUdBMVVFQXd3S2EzVmlaWEp1WlhSbGN6QWdGdzB5TmpFeE1qVXdNekkyTWpKYUdBOHlNVEkyTVRFdwpNVEF6TWpZeU1sb3dGVEVUTUJFR0ExVUVBd3dLYTNWaVpYSnVaWFJsY3pCWk1CTUdCeXFHU000OUFnRUdDQ3FHClNNNDlBd0VIQTBJQUJMWWJZK0F6U0RyUXc2Q1ZsRlQwU3I0N2ZYellLU3d4L1VjSndLV2UyajlaSjFMeGtpYzAKNHk3UHE3c2QrMG45Y3podFVsTXBzcDdZOVJCU0FoeW0wWUtqVXpCUk1CMEdBMVVkRGdRV0JCU3BwRGhvYTFIVApUUUlPcmV3UTdtSFFabkV1NFRBZkJnTlZIU01FR0RBV2dCU3BwRGhvYTFIVFRRSU9yZXdRN21IUVpuRXU0VEFQCkJnTlZIUk1CQWY4RUJUQURBUUgvTUFvR0NDcUdTTTQ5QkFNQ0Ewa0FNRVlDSVFDMW5pZnR2TDduaGZuR0RRNE4KR2RhdGFFZU1KVG5yMVpSaitITVlHdVQxbGdJaEFOYWhYU0hETVY4SWU4QXlJVWJPNUJDTUJUaVgxV1FQS25SNQpHVHB6azNoegotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";

const OTHERS: &str = r#"apiVersion: v1
kind: Config
preferences:
  colors: true
clusters:
- name: kind-dev
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ZmFrZQ==
    extensions:
    - name: client.authentication.k8s.io/exec
      extension:
        audience: dev
- name: staging
  cluster:
    server: https://staging.example.com
    insecure-skip-tls-verify: true
users:
- name: kind-dev
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
- name: staging
  user:
    token: abc.def
    x-vendor-field: keep me
contexts:
- name: kind-dev
  context:
    cluster: kind-dev
    user: kind-dev
    namespace: team-a
- name: staging
  context:
    cluster: staging
    user: staging
current-context: kind-dev
x-top-level-unknown:
  mode: "0755"
  plain: 0755
  big: 1_000
  list: [a, b]
"#;

fn eks() -> EksContext {
    EksContext {
        name: "arn:aws:eks:us-west-2:123456789012:cluster/data-platform".into(),
        cluster: "data-platform".into(),
        region: "us-west-2".into(),
        server: "https://ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com".into(),
        certificate_authority_data: CA.into(),
        profile: None,
        role_arn: None,
    }
}

fn merged(existing: Option<&str>, set_current: bool) -> String {
    kubeconfig::merge(existing, &eks(), set_current, "test").expect("merge")
}

fn untyped(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("YAML")
}

fn named<'a>(doc: &'a Value, list: &str, name: &str) -> &'a Value {
    doc[list].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap_or_else(|| panic!("{list} {name}"))
}

#[test]
fn a_new_kubeconfig_is_what_kube_reads() {
    let text = merged(None, true);
    let config = Kubeconfig::from_yaml(&text).expect(&text);
    let name = eks().name;
    assert_eq!(config.current_context.as_deref(), Some(name.as_str()));
    assert_eq!(config.clusters.len(), 1);
    let cluster = config.clusters[0].cluster.as_ref().unwrap();
    assert_eq!(config.clusters[0].name, name);
    assert_eq!(cluster.server.as_deref(), Some(eks().server.as_str()));
    assert_eq!(cluster.certificate_authority_data.as_deref(), Some(CA));
    assert_eq!(cluster.certificate_authority, None);
    let context = config.contexts[0].context.as_ref().unwrap();
    assert_eq!((context.cluster.as_str(), context.user.as_deref()), (name.as_str(), Some(name.as_str())));

    let user = config.auth_infos[0].auth_info.as_ref().unwrap();
    assert_eq!(config.auth_infos[0].name, name);
    assert!(user.token.is_none() && user.client_certificate_data.is_none());
    let exec = user.exec.as_ref().expect("exec");
    assert_eq!(exec.api_version.as_deref(), Some("client.authentication.k8s.io/v1beta1"));
    assert_eq!(exec.command.as_deref(), Some("kubectl-dataplat"));
    assert_eq!(
        exec.args.as_deref(),
        Some(&["token", "--cluster", "data-platform", "--region", "us-west-2"].map(String::from)[..])
    );
    assert!(matches!(exec.interactive_mode, Some(ExecInteractiveMode::Never)));
    assert_eq!(exec.env, None);
    assert!(!exec.provide_cluster_info);
    assert!(exec.other.is_empty(), "fields kube does not know: {:?}", exec.other);
}

#[tokio::test]
async fn kube_builds_a_client_config_from_the_merged_context() {
    let text = merged(Some(OTHERS), false);
    let config = Kubeconfig::from_yaml(&text).unwrap();
    let options = KubeConfigOptions { context: Some(eks().name), ..KubeConfigOptions::default() };
    let config = kube::Config::from_custom_kubeconfig(config, &options).await.expect("kube::Config");
    assert_eq!(config.cluster_url.to_string(), format!("{}/", eks().server));
    assert_eq!(config.root_cert.as_ref().map(Vec::len), Some(1), "the CA certificate is read");
    let exec = config.auth_info.exec.as_ref().expect("exec");
    assert_eq!(exec.command.as_deref(), Some("kubectl-dataplat"));
}

#[test]
fn merging_keeps_every_other_entry_and_unknown_field() {
    let before = untyped(OTHERS);
    let text = merged(Some(OTHERS), false);
    let after = untyped(&text);
    for list in ["clusters", "users", "contexts"] {
        for name in ["kind-dev", "staging"] {
            assert_eq!(named(&after, list, name), named(&before, list, name), "{list} {name}");
        }
        assert_eq!(after[list].as_array().unwrap().len(), 3, "{list}");
        // Existing entries keep their places; the new one is last.
        assert_eq!(after[list][2]["name"], eks().name.as_str(), "{list}");
    }
    assert_eq!(after["current-context"], "kind-dev", "not switched without set_current");
    assert_eq!(after["preferences"], before["preferences"]);
    assert_eq!(after["x-top-level-unknown"]["mode"], "0755");
    assert_eq!(after["x-top-level-unknown"]["plain"], "0755", "leading-zero numbers stay strings");
    assert_eq!(after["x-top-level-unknown"]["big"], "1_000");
    assert_eq!(after["x-top-level-unknown"]["list"], serde_json::json!(["a", "b"]));
    // And kube still reads all of it.
    let config = Kubeconfig::from_yaml(&text).expect(&text);
    assert_eq!(config.clusters.len(), 3);
    assert_eq!(config.current_context.as_deref(), Some("kind-dev"));

    let switched = untyped(&merged(Some(OTHERS), true));
    assert_eq!(switched["current-context"], eks().name.as_str());
}

#[test]
fn merging_again_changes_nothing() {
    for (existing, set_current) in [(None, true), (Some(OTHERS), false), (Some(OTHERS), true)] {
        let once = merged(existing, set_current);
        let twice = merged(Some(&once), set_current);
        assert_eq!(once, twice, "byte-identical");
    }
}

#[test]
fn an_existing_entry_of_the_same_name_is_updated_in_place() {
    let name = eks().name;
    let old = format!(
        r#"apiVersion: v1
kind: Config
clusters:
- name: {name}
  cluster:
    server: https://old.example.com
    certificate-authority: /tmp/old-ca.pem
    insecure-skip-tls-verify: false
    tls-server-name: kept.example.com
- name: other
  cluster:
    server: https://other.example.com
users:
- name: {name}
  user:
    token: stale
    exec:
      command: aws
contexts:
- name: {name}
  context:
    cluster: somewhere-else
    user: someone
    namespace: analytics
current-context: other
"#
    );
    let doc = untyped(&merged(Some(&old), true));
    let clusters = doc["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2);
    assert_eq!(clusters[0]["name"], name.as_str(), "updated where it was");
    let cluster = &clusters[0]["cluster"];
    assert_eq!(cluster["server"], eks().server.as_str());
    assert_eq!(cluster["certificate-authority-data"], CA);
    assert!(cluster.get("certificate-authority").is_none(), "a CA file would conflict with the data");
    assert!(cluster.get("insecure-skip-tls-verify").is_none());
    assert_eq!(cluster["tls-server-name"], "kept.example.com");
    let user = &doc["users"][0]["user"];
    assert_eq!(user.as_object().unwrap().keys().collect::<Vec<_>>(), ["exec"], "only the exec credential");
    assert_eq!(user["exec"]["command"], "kubectl-dataplat");
    let context = &doc["contexts"][0]["context"];
    assert_eq!(context["cluster"], name.as_str());
    assert_eq!(context["user"], name.as_str());
    assert_eq!(context["namespace"], "analytics");
    assert_eq!(doc["current-context"], name.as_str());
}

#[test]
fn profile_and_role_go_into_the_exec_entry() {
    let context = EksContext {
        profile: Some("prod-admin".into()),
        role_arn: Some("arn:aws:iam::123456789012:role/platform-admin".into()),
        ..eks()
    };
    let text = kubeconfig::merge(None, &context, true, "test").unwrap();
    let config = Kubeconfig::from_yaml(&text).unwrap();
    let exec = config.auth_infos[0].auth_info.as_ref().unwrap().exec.as_ref().unwrap();
    let args = exec.args.clone().unwrap();
    assert_eq!(
        args,
        [
            "token",
            "--cluster",
            "data-platform",
            "--region",
            "us-west-2",
            "--role-arn",
            "arn:aws:iam::123456789012:role/platform-admin"
        ]
    );
    let env = exec.env.as_ref().expect("env");
    assert_eq!(env.len(), 1);
    assert_eq!(env[0].get("name").map(String::as_str), Some("AWS_PROFILE"));
    assert_eq!(env[0].get("value").map(String::as_str), Some("prod-admin"));
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn write_creates_a_private_file_and_rewrites_it_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/.kube/config");
    kubeconfig::write(&path, &eks(), true).unwrap();
    assert_eq!(mode(&path), 0o600);
    let first = std::fs::read_to_string(&path).unwrap();
    assert_eq!(first, merged(None, true));
    kubeconfig::write(&path, &eks(), true).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
    assert_eq!(entries(path.parent().unwrap()), ["config"], "no temporary file left behind");
}

#[test]
fn write_merges_into_an_existing_file_and_tightens_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, OTHERS).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    kubeconfig::write(&path, &eks(), false).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), merged(Some(OTHERS), false));
    assert_eq!(entries(dir.path()), ["config"]);
}

#[test]
fn write_goes_through_a_symlinked_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("dotfiles-kubeconfig");
    std::fs::write(&real, OTHERS).unwrap();
    let link = dir.path().join("config");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    kubeconfig::write(&link, &eks(), false).unwrap();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
    assert_eq!(std::fs::read_to_string(&real).unwrap(), merged(Some(OTHERS), false));
}

#[test]
fn a_file_that_is_not_a_kubeconfig_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    for bad in ["- a list\n- not a mapping\n", "clusters: 3\n", "users:\n- just a string\n", "a: [unclosed\n"] {
        std::fs::write(&path, bad).unwrap();
        let error = kubeconfig::write(&path, &eks(), true).unwrap_err();
        assert!(error.to_string().contains("not a kubeconfig"), "{bad:?}: {error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), bad);
    }
}

#[test]
fn an_empty_file_counts_as_new() {
    for empty in ["", "\n", "# only a comment\n"] {
        assert_eq!(merged(Some(empty), true), merged(None, true), "{empty:?}");
    }
}
