//! Plugins as OCI artifacts: push, pull pinned by digest, verify, cache by digest.
//!
//! An addon artifact is an OCI image manifest with config media type
//! `application/vnd.wasm.config.v1+json` and one layer `application/vnd.wasm.content.layer.v1+wasm`
//! (the media types of oci-client and Kubewarden). A pull resolves the tag, then requires the
//! manifest's digest to equal the pin in platform.yaml, and each blob to match its descriptor,
//! so a moved tag or a tampered blob is refused. Verified manifests and blobs are kept under
//! `<cache>/oci/{manifests,blobs}/sha256/`; a later load with the same pin reads only the cache.
//! Registries on loopback (127.0.0.0/8, localhost, [::1]) are spoken to over plain HTTP, as
//! Docker does; all others over HTTPS. Pulls are anonymous.

use std::path::{Path, PathBuf};

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciImageManifest, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::cache::write_atomically;
use crate::digest_of;
use crate::error::{ErrorKind, PluginError};

/// A verified artifact.
pub struct Pulled {
    /// The wasm component.
    pub bytes: Vec<u8>,
    /// True when no registry was contacted.
    pub cached: bool,
}

fn registry_err(label: &str, message: impl std::fmt::Display) -> PluginError {
    PluginError::new(label, ErrorKind::Registry(message.to_string()))
}

fn is_loopback(registry: &str) -> bool {
    let host = registry.rsplit_once(':').map(|(h, _)| h).unwrap_or(registry);
    host == "localhost" || host.starts_with("127.") || host == "[::1]"
}

fn client_for(reference: &Reference) -> Client {
    let registry = reference.resolve_registry().to_string();
    let protocol =
        if is_loopback(&registry) { ClientProtocol::HttpsExcept(vec![registry]) } else { ClientProtocol::Https };
    Client::new(ClientConfig { protocol, ..Default::default() })
}

fn runtime(label: &str) -> Result<tokio::runtime::Runtime, PluginError> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| registry_err(label, e))
}

fn parse_reference(reference: &str) -> Result<Reference, PluginError> {
    let bare = reference.strip_prefix("oci://").unwrap_or(reference);
    bare.parse::<Reference>().map_err(|e| registry_err(reference, format!("bad reference {bare:?}: {e}")))
}

fn cache_path(cache: &Path, kind: &str, digest: &str) -> PathBuf {
    cache.join("oci").join(kind).join("sha256").join(digest.trim_start_matches("sha256:"))
}

/// Reads a cached file and checks it still has the digest it is filed under.
fn read_verified(path: &Path, digest: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok()?;
    (digest_of(&bytes) == digest).then_some(bytes)
}

/// The single wasm layer of a manifest, or an error saying what the artifact is instead.
fn wasm_layer(label: &str, manifest: &OciImageManifest) -> Result<oci_client::manifest::OciDescriptor, PluginError> {
    if manifest.config.media_type != WASM_CONFIG_MEDIA_TYPE {
        return Err(registry_err(
            label,
            format!(
                "not a wasm artifact: config media type {} (expected {WASM_CONFIG_MEDIA_TYPE})",
                manifest.config.media_type
            ),
        ));
    }
    let layers: Vec<_> = manifest.layers.iter().filter(|l| l.media_type == WASM_LAYER_MEDIA_TYPE).collect();
    match layers.as_slice() {
        [layer] => Ok((*layer).clone()),
        _ => Err(registry_err(
            label,
            format!("expected exactly one {WASM_LAYER_MEDIA_TYPE} layer, found {}", layers.len()),
        )),
    }
}

/// Loads `reference` pinned at `digest` (`sha256:<hex>` of the manifest), from the cache when
/// possible, else from the registry, verifying every byte either way.
pub fn pull(reference: &str, digest: &str, cache: Option<&Path>) -> Result<Pulled, PluginError> {
    if let Some(cache) = cache
        && let Some(bytes) = pull_cached(reference, digest, cache)
    {
        tracing::debug!(reference, digest, "plugin served from the OCI cache");
        return Ok(Pulled { bytes, cached: true });
    }
    let parsed = parse_reference(reference)?;
    let client = client_for(&parsed);
    let rt = runtime(reference)?;
    let (manifest_bytes, layer, bytes) = rt.block_on(async {
        // Resolve by tag when there is one, so a moved tag is caught as a mismatch rather
        // than reported as "manifest unknown"; pull by digest otherwise.
        let by = match parsed.tag() {
            Some(_) => Reference::with_tag(
                parsed.registry().into(),
                parsed.repository().into(),
                parsed.tag().unwrap_or_default().into(),
            ),
            None => Reference::with_digest(parsed.registry().into(), parsed.repository().into(), digest.into()),
        };
        let (manifest_bytes, _) = client
            .pull_manifest_raw(&by, &RegistryAuth::Anonymous, &[OCI_IMAGE_MEDIA_TYPE])
            .await
            .map_err(|e| registry_err(reference, format!("cannot fetch the manifest: {e}")))?;
        let actual = digest_of(&manifest_bytes);
        if actual != digest {
            return Err(PluginError::new(reference, ErrorKind::DigestMismatch { expected: digest.into(), actual }));
        }
        let manifest: OciImageManifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| registry_err(reference, format!("bad manifest: {e}")))?;
        let layer = wasm_layer(reference, &manifest)?;
        let mut bytes = Vec::new();
        client
            .pull_blob(&by, &layer, &mut bytes)
            .await
            .map_err(|e| registry_err(reference, format!("cannot fetch the wasm layer: {e}")))?;
        Ok::<_, PluginError>((manifest_bytes.to_vec(), layer, bytes))
    })?;
    let actual = digest_of(&bytes);
    if actual != layer.digest {
        return Err(PluginError::new(reference, ErrorKind::DigestMismatch { expected: layer.digest, actual }));
    }
    if let Some(cache) = cache {
        let blob = cache_path(cache, "blobs", &layer.digest);
        let manifest = cache_path(cache, "manifests", digest);
        for (path, content) in [(&blob, &bytes), (&manifest, &manifest_bytes)] {
            if let Some(dir) = path.parent()
                && let Err(error) = write_atomically(dir, path, content)
            {
                tracing::warn!(%error, "cannot write the OCI cache");
            }
        }
    }
    Ok(Pulled { bytes, cached: false })
}

fn pull_cached(reference: &str, digest: &str, cache: &Path) -> Option<Vec<u8>> {
    let manifest_bytes = read_verified(&cache_path(cache, "manifests", digest), digest)?;
    let manifest: OciImageManifest = serde_json::from_slice(&manifest_bytes).ok()?;
    let layer = wasm_layer(reference, &manifest).ok()?;
    read_verified(&cache_path(cache, "blobs", &layer.digest), &layer.digest)
}

/// The manifest digest a tag currently points to, for pinning (`plugin install` of a tag).
pub fn resolve_digest(reference: &str) -> Result<String, PluginError> {
    let parsed = parse_reference(reference)?;
    if parsed.digest().is_some() {
        return Err(registry_err(reference, "already pinned by digest"));
    }
    let client = client_for(&parsed);
    runtime(reference)?.block_on(async {
        let (manifest, _) = client
            .pull_manifest_raw(&parsed, &RegistryAuth::Anonymous, &[OCI_IMAGE_MEDIA_TYPE])
            .await
            .map_err(|e| registry_err(reference, format!("cannot fetch the manifest: {e}")))?;
        Ok(digest_of(&manifest))
    })
}

/// Pushes a wasm component to `reference` (`registry/repo:tag`, optionally `oci://`-prefixed)
/// and returns the manifest digest to pin in platform.yaml.
pub fn push(reference: &str, component: &[u8]) -> Result<String, PluginError> {
    let parsed = parse_reference(reference)?;
    if parsed.tag().is_none() {
        return Err(registry_err(reference, "push needs a tag, e.g. registry/addons/hello:0.1.0"));
    }
    let client = client_for(&parsed);
    let rt = runtime(reference)?;
    rt.block_on(async {
        let layer = ImageLayer::new(component.to_vec(), WASM_LAYER_MEDIA_TYPE.to_string(), None);
        let config = Config::new(b"{}".to_vec(), WASM_CONFIG_MEDIA_TYPE.to_string(), None);
        client
            .push(&parsed, &[layer], config, &RegistryAuth::Anonymous, None)
            .await
            .map_err(|e| registry_err(reference, format!("push failed: {e}")))?;
        let (manifest, _) = client
            .pull_manifest_raw(&parsed, &RegistryAuth::Anonymous, &[OCI_IMAGE_MEDIA_TYPE])
            .await
            .map_err(|e| registry_err(reference, format!("cannot read back the pushed manifest: {e}")))?;
        Ok(digest_of(&manifest))
    })
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_registries_use_http() {
        assert!(is_loopback("127.0.0.1:5001"));
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("public.ecr.aws"));
        assert!(!is_loopback("quay.io:443"));
    }
}
