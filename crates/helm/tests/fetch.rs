//! Chart fetching against real servers on loopback: an HTTP repository served by the testkit's
//! file server (`dataplat_testkit::http`; it records every request, so cache hits are proven by
//! the absence of requests), and Debian's docker-registry (skipped unless installed; required
//! under `DATAPLAT_IT=1`, see `dataplat_testkit`). The chart archive is built at test time from
//! `tests/charts/plain`.

use std::path::Path;

use dataplat_testkit::http::StaticServer;
use helm::cache::{Cache, digest_of};
use helm::fetch::{
    ChartRequest, FetchError, FetchOptions, HELM_CHART_CONTENT_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE, Mirror, fetch,
};

/// `tests/charts/plain` as a Helm archive (`plain/…` inside a gzipped tar), with `version`
/// written into its Chart.yaml.
fn chart_tgz(version: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts/plain");
    dataplat_testkit::http::chart_tgz(&dir, "plain", |path, data| {
        if path != "plain/Chart.yaml" {
            return data;
        }
        String::from_utf8(data).unwrap().replace("version: 0.3.1", &format!("version: {version}")).into_bytes()
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    digest_of(bytes).trim_start_matches("sha256:").to_string()
}

/// A repository at `<base>/charts` with plain 0.3.1 (relative URL), 0.2.0 (absolute URL, no
/// digest), 0.4.0-rc.1 (prerelease), 1.0.0 (a wrong digest) and 1.0.1 (a digest YAML reads as a
/// number).
fn http_repository() -> (StaticServer, Vec<u8>) {
    let server = StaticServer::start();
    let v031 = chart_tgz("0.3.1");
    let v020 = chart_tgz("0.2.0");
    let v100 = chart_tgz("1.0.0");
    let base = &server.base;
    let index = format!(
        "apiVersion: v1\nentries:\n  plain:\n  - name: plain\n    version: 1.0.1\n    digest: {zeros}\n    urls: [plain-1.0.0.tgz]\n  - name: plain\n    version: 1.0.0\n    digest: {bad}\n    urls: [plain-1.0.0.tgz]\n  - name: plain\n    version: 0.4.0-rc.1\n    urls: [plain-1.0.0.tgz]\n  - name: plain\n    version: 0.3.1\n    digest: {d031}\n    urls: [plain-0.3.1.tgz]\n  - name: plain\n    version: 0.2.0\n    urls: [\"{base}/charts/pkgs/plain-0.2.0.tgz\"]\ngenerated: \"2026-01-01T00:00:00Z\"\n",
        bad = "ab".repeat(32),
        zeros = "0".repeat(64),
        d031 = sha256_hex(&v031),
    );
    server.put("/charts/index.yaml", index.into_bytes());
    server.put("/charts/plain-0.3.1.tgz", v031.clone());
    server.put("/charts/pkgs/plain-0.2.0.tgz", v020);
    server.put("/charts/plain-1.0.0.tgz", v100);
    (server, v031)
}

fn options(cache: &Path) -> FetchOptions {
    FetchOptions { cache: Some(Cache::new(cache)), ..Default::default() }
}

#[test]
fn http_repository_resolves_a_constraint_and_verifies_the_digest() {
    let (server, v031) = http_repository();
    let cache = tempfile::tempdir().unwrap();
    let repo = format!("{}/charts", server.base);
    let fetched = fetch(&ChartRequest::new(&repo, "plain", "~0.3"), &options(cache.path())).unwrap();
    assert_eq!((fetched.version.as_str(), fetched.cached), ("0.3.1", false));
    assert_eq!(fetched.bytes, v031);
    assert_eq!(fetched.digest, digest_of(&v031));
    assert_eq!(fetched.load().unwrap().metadata.version, "0.3.1");
    assert_eq!(server.take_requests(), ["/charts/index.yaml", "/charts/plain-0.3.1.tgz"]);
    // Caret range, latest stable (the prerelease is skipped), absolute URLs.
    let fetched = fetch(&ChartRequest::new(&repo, "plain", "^0.2.0"), &options(cache.path())).unwrap();
    assert_eq!(fetched.version, "0.2.0");
    assert_eq!(fetched.load().unwrap().metadata.version, "0.2.0");
    assert_eq!(server.take_requests(), ["/charts/index.yaml", "/charts/pkgs/plain-0.2.0.tgz"]);
    let fetched = fetch(&ChartRequest::new(&repo, "plain", ">=0.2 <1"), &options(cache.path())).unwrap();
    assert_eq!((fetched.version.as_str(), fetched.cached), ("0.3.1", true));
    // No match names what there is.
    let err = fetch(&ChartRequest::new(&repo, "plain", "^5"), &options(cache.path())).unwrap_err();
    assert!(matches!(err, FetchError::NoMatch { .. }), "{err}");
    assert!(err.to_string().contains("0.3.1"), "{err}");
    let err = fetch(&ChartRequest::new(&repo, "nope", ""), &options(cache.path())).unwrap_err();
    assert!(err.to_string().contains("chart nope"), "{err}");
    // A repository that is not there names the URL and the chart.
    let err = fetch(&ChartRequest::new(format!("{}/missing", server.base), "plain", "1.0.0"), &options(cache.path()))
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, FetchError::Transfer { .. }), "{message}");
    assert!(
        message.contains("/missing/index.yaml: HTTP 404") && message.contains("chart plain version 1.0.0"),
        "{message}"
    );
}

#[test]
fn second_fetch_hits_the_cache() {
    let (server, v031) = http_repository();
    let cache = tempfile::tempdir().unwrap();
    let repo = format!("{}/charts/", server.base);
    let first = fetch(&ChartRequest::new(&repo, "plain", "0.3.1"), &options(cache.path())).unwrap();
    assert!(!first.cached);
    assert_eq!(server.take_requests().len(), 2);
    // An exact version: no request at all.
    let second = fetch(&ChartRequest::new(&repo, "plain", "0.3.1"), &options(cache.path())).unwrap();
    assert!(second.cached);
    assert_eq!(second.bytes, v031);
    assert_eq!(server.take_requests(), Vec::<String>::new());
    // A range: the index is consulted (a newer version may exist), the archive is not downloaded.
    let third = fetch(&ChartRequest::new(&repo, "plain", "~0.3.0"), &options(cache.path())).unwrap();
    assert!(third.cached);
    assert_eq!(server.take_requests(), ["/charts/index.yaml"]);
    assert!(cache.path().join("helm/blobs/sha256").join(sha256_hex(&v031)).is_file());
}

#[test]
fn offline_mode_uses_only_the_cache_and_names_what_is_missing() {
    let (server, v031) = http_repository();
    let cache = tempfile::tempdir().unwrap();
    let repo = format!("{}/charts", server.base);
    fetch(&ChartRequest::new(&repo, "plain", "0.3.1"), &options(cache.path())).unwrap();
    server.take_requests();
    let offline = FetchOptions { offline: true, ..options(cache.path()) };
    for version in ["0.3.1", "~0.3", "^0.3.0", ""] {
        let fetched = fetch(&ChartRequest::new(&repo, "plain", version), &offline).unwrap();
        assert_eq!((fetched.version.as_str(), fetched.cached), ("0.3.1", true));
        assert_eq!(fetched.bytes, v031);
    }
    let err = fetch(&ChartRequest::new(&repo, "plain", "0.2.0"), &offline).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, FetchError::NotCached { .. }), "{message}");
    for part in ["chart plain", "version 0.2.0", repo.as_str(), "offline", "hint:", "cached versions: 0.3.1"] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
    let err = fetch(&ChartRequest::new(&repo, "other", "1.0.0"), &offline).unwrap_err();
    assert!(err.to_string().contains("chart other version 1.0.0 from"), "{err}");
    let no_cache = FetchOptions { offline: true, cache: None, mirrors: Vec::new() };
    assert!(matches!(fetch(&ChartRequest::new(&repo, "plain", "0.3.1"), &no_cache), Err(FetchError::NotCached { .. })));
    assert_eq!(server.take_requests(), Vec::<String>::new());
}

#[test]
fn a_digest_mismatch_is_refused_and_not_cached() {
    let (server, _) = http_repository();
    let cache = tempfile::tempdir().unwrap();
    let repo = format!("{}/charts", server.base);
    let err = fetch(&ChartRequest::new(&repo, "plain", "1.0.0"), &options(cache.path())).unwrap_err();
    assert!(matches!(err, FetchError::DigestMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&"ab".repeat(32)), "{err}");
    // An unquoted all-digit digest is a YAML number: refused rather than ignored.
    let err = fetch(&ChartRequest::new(&repo, "plain", "1.0.1"), &options(cache.path())).unwrap_err();
    assert!(matches!(err, FetchError::Invalid(_)) && err.to_string().contains("bad digest"), "{err}");
    let offline = FetchOptions { offline: true, ..options(cache.path()) };
    assert!(fetch(&ChartRequest::new(&repo, "plain", "1.0.0"), &offline).is_err());
}

#[test]
fn mirrors_serve_a_remote_repository_and_plain_http_is_loopback_only() {
    let (server, v031) = http_repository();
    let cache = tempfile::tempdir().unwrap();
    let upstream = "https://charts.example.invalid/stable";
    let mirrored = FetchOptions {
        mirrors: vec![Mirror::parse(&format!("{upstream}={}/charts", server.base)).unwrap()],
        ..options(cache.path())
    };
    let fetched = fetch(&ChartRequest::new(upstream, "plain", "0.3.x"), &mirrored).unwrap();
    assert_eq!((fetched.version.as_str(), fetched.bytes == v031), ("0.3.1", true));
    assert_eq!(server.take_requests(), ["/charts/index.yaml", "/charts/plain-0.3.1.tgz"]);
    // Cached under the upstream name: usable offline without the mirror.
    let offline = FetchOptions { offline: true, ..options(cache.path()) };
    assert!(fetch(&ChartRequest::new(upstream, "plain", "0.3.1"), &offline).unwrap().cached);
    let err = fetch(&ChartRequest::new("http://charts.example.invalid/x", "plain", "1.0.0"), &options(cache.path()))
        .unwrap_err();
    assert!(matches!(err, FetchError::Refused(_)), "{err}");
    let err = fetch(&ChartRequest::new("ftp://x.invalid", "plain", "1.0.0"), &options(cache.path())).unwrap_err();
    assert!(matches!(err, FetchError::Invalid(_)), "{err}");
    assert!(fetch(&ChartRequest::new(&server.base, "../plain", "1"), &options(cache.path())).is_err());
}

fn push_chart(registry: &str, repository: &str, tag: &str, tgz: &[u8]) -> String {
    push(registry, repository, tag, tgz, HELM_CONFIG_MEDIA_TYPE, HELM_CHART_CONTENT_MEDIA_TYPE)
}

fn push(registry: &str, repository: &str, tag: &str, tgz: &[u8], config_type: &str, layer_type: &str) -> String {
    use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
    use oci_client::manifest::OCI_IMAGE_MEDIA_TYPE;
    use oci_client::secrets::RegistryAuth;
    let client = oci_client::Client::new(ClientConfig {
        protocol: ClientProtocol::HttpsExcept(vec![registry.to_string()]),
        ..Default::default()
    });
    let reference = oci_client::Reference::with_tag(registry.into(), repository.into(), tag.into());
    let config = format!(r#"{{"apiVersion":"v2","name":"plain","version":"{}"}}"#, tag.replace('_', "+"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let layer = ImageLayer::new(tgz.to_vec(), layer_type.into(), None);
        let config = Config::new(config.into_bytes(), config_type.into(), None);
        client.push(&reference, &[layer], config, &RegistryAuth::Anonymous, None).await.unwrap();
        let (manifest, _) =
            client.pull_manifest_raw(&reference, &RegistryAuth::Anonymous, &[OCI_IMAGE_MEDIA_TYPE]).await.unwrap();
        digest_of(&manifest)
    })
}

#[test]
fn oci_registry_by_tag_by_digest_and_from_the_cache() {
    let Some(registry) = dataplat_testkit::Registry::start() else { return };
    let addr = registry.addr.clone();
    let v031 = chart_tgz("0.3.1");
    let v020 = chart_tgz("0.2.0");
    let pin = push_chart(&addr, "charts/plain", "0.3.1", &v031);
    push_chart(&addr, "charts/plain", "0.2.0", &v020);
    push_chart(&addr, "charts/plain", "0.4.0-rc.1", &v020);
    let cache = tempfile::tempdir().unwrap();

    // By tag.
    let by_tag = ChartRequest::parse_oci(&format!("oci://{addr}/charts/plain:0.3.1")).unwrap();
    let fetched = fetch(&by_tag, &options(cache.path())).unwrap();
    assert_eq!((fetched.version.as_str(), fetched.cached), ("0.3.1", false));
    assert_eq!(fetched.bytes, v031);
    assert_eq!(fetched.load().unwrap().metadata.name, "plain");

    // By digest, into a fresh cache; and tag + digest.
    let fresh = tempfile::tempdir().unwrap();
    let by_digest = ChartRequest::parse_oci(&format!("oci://{addr}/charts/plain@{pin}")).unwrap();
    let fetched = fetch(&by_digest, &options(fresh.path())).unwrap();
    assert!(!fetched.cached);
    assert_eq!(fetched.bytes, v031);
    let both = ChartRequest::parse_oci(&format!("oci://{addr}/charts/plain:0.3.1@{pin}")).unwrap();
    assert_eq!(fetch(&both, &options(tempfile::tempdir().unwrap().path())).unwrap().bytes, v031);

    // A constraint resolved against the tags (prereleases skipped).
    let ranged = ChartRequest::new(format!("oci://{addr}/charts"), "plain", "<0.3");
    assert_eq!(fetch(&ranged, &options(cache.path())).unwrap().version, "0.2.0");
    let latest = ChartRequest::new(format!("oci://{addr}/charts"), "plain", "");
    assert_eq!(fetch(&latest, &options(cache.path())).unwrap().version, "0.3.1");

    // A pin that the tag does not point to is refused.
    let wrong = format!("sha256:{}", "0".repeat(64));
    let moved = ChartRequest::parse_oci(&format!("oci://{addr}/charts/plain:0.2.0@{pin}")).unwrap();
    let err = fetch(&moved, &options(tempfile::tempdir().unwrap().path())).unwrap_err();
    assert!(matches!(err, FetchError::DigestMismatch { .. }), "{err}");
    let unknown = ChartRequest::parse_oci(&format!("oci://{addr}/charts/plain:0.3.1@{wrong}")).unwrap();
    assert!(matches!(fetch(&unknown, &options(cache.path())), Err(FetchError::DigestMismatch { .. })));

    // Not a chart: a wasm artifact is refused by media type.
    push(
        &addr,
        "addons/hello",
        "1.0.0",
        b"\0asm",
        "application/vnd.wasm.config.v1+json",
        "application/vnd.wasm.content.layer.v1+wasm",
    );
    let wasm = ChartRequest::parse_oci(&format!("oci://{addr}/addons/hello:1.0.0")).unwrap();
    let err = fetch(&wasm, &options(cache.path())).unwrap_err();
    assert!(err.to_string().contains("not a Helm chart"), "{err}");

    // Through a mirror of the registry.
    let mirrored_to =
        |o: FetchOptions| FetchOptions { mirrors: vec![Mirror::new("registry.example.invalid", addr.clone())], ..o };
    let via_mirror = ChartRequest::parse_oci("oci://registry.example.invalid/charts/plain:0.2.0").unwrap();
    let fetched = fetch(&via_mirror, &mirrored_to(options(fresh.path()))).unwrap();
    assert_eq!(fetched.bytes, v020);

    // The registry is gone: the cache serves tag, digest and (offline) ranges.
    drop(registry);
    for request in [&by_tag, &by_digest] {
        let fetched = fetch(request, &options(cache.path())).unwrap();
        assert!(fetched.cached);
        assert_eq!(fetched.bytes, v031);
    }
    assert!(fetch(&by_digest, &options(fresh.path())).unwrap().cached);
    let offline = FetchOptions { offline: true, ..options(cache.path()) };
    assert_eq!(
        fetch(&ChartRequest::new(format!("oci://{addr}/charts"), "plain", "^0.2.0"), &offline).unwrap().version,
        "0.2.0"
    );
    assert_eq!(fetch(&ranged, &offline).unwrap().version, "0.2.0");
    let missing = ChartRequest::parse_oci(&format!("oci://{addr}/charts/plain:9.9.9")).unwrap();
    let message = fetch(&missing, &offline).unwrap_err().to_string();
    assert!(message.contains(&format!("chart plain version 9.9.9 from oci://{addr}/charts")), "{message}");
    assert!(message.contains("hint:"), "{message}");
}
