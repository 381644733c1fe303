//! The chart cache: content-addressed blobs plus a small reference index.
//!
//! Layout under the cache root (see [`default_cache_dir`]):
//! - `helm/blobs/sha256/<hex>`: chart archives and OCI manifests, filed under the sha256 of
//!   their bytes and checked against it on every read (a corrupted file is a miss);
//! - `helm/refs/<repository>/<chart>/<version>`: a JSON record `{repository, chart, version,
//!   digest}` naming the blob of that chart version. `<repository>` is the repository URL made
//!   path-safe plus a short hash of the exact URL (two URLs never share a directory), and the
//!   record repeats the URL, which a lookup checks.
//!
//! Writes go to a temporary file renamed into place, so two processes filling the cache at once
//! never expose a partial file. The cache is keyed by the repository the user named, not by a
//! mirror it was fetched through, so a cache filled through a mirror serves the same requests.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The cache directory: the same rule as the plugin host's.
pub use dataplat_vocabulary::default_cache_dir;

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Normalises a digest to `sha256:<lowercase hex>`; `None` unless it is a sha256 digest.
pub fn normalize_digest(digest: &str) -> Option<String> {
    let hex = digest.trim().strip_prefix("sha256:").unwrap_or(digest.trim());
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("sha256:{}", hex.to_lowercase()))
}

/// A cache entry of the reference index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedRef {
    pub repository: String,
    pub chart: String,
    pub version: String,
    /// `sha256:<hex>` of the chart archive.
    pub digest: String,
}

/// The chart cache rooted at `<root>/helm`.
#[derive(Clone, Debug)]
pub struct Cache {
    root: PathBuf,
}

/// A path component for `name`: itself when plainly safe, else a sanitised form plus a hash.
fn component(name: &str) -> String {
    let safe = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'));
    if safe {
        return name.to_string();
    }
    let mut cleaned: String =
        name.chars().take(64).map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    cleaned.push('-');
    cleaned.push_str(&hex::encode(&Sha256::digest(name.as_bytes())[..8]));
    cleaned
}

fn repo_component(repository: &str) -> String {
    let bare = repository.split_once("://").map_or(repository, |(_, rest)| rest).trim_end_matches('/');
    let mut cleaned: String = bare
        .chars()
        .take(80)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .collect();
    cleaned = cleaned.trim_start_matches('.').to_string();
    cleaned.push('-');
    cleaned.push_str(&hex::encode(&Sha256::digest(repository.as_bytes())[..8]));
    cleaned
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let Some(dir) = path.parent() else { return Err(std::io::Error::other("no parent directory")) };
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

impl Cache {
    /// A cache under `<dir>/helm`.
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache { root: dir.into().join("helm") }
    }

    /// The cache under [`default_cache_dir`], if there is a home directory.
    pub fn default_location() -> Option<Cache> {
        default_cache_dir().map(Cache::new)
    }

    /// `<cache>/helm`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let digest = normalize_digest(digest)?;
        Some(self.root.join("blobs/sha256").join(digest.trim_start_matches("sha256:")))
    }

    /// The blob filed under `digest`, if present and intact.
    pub fn get_blob(&self, digest: &str) -> Option<Vec<u8>> {
        let path = self.blob_path(digest)?;
        let bytes = std::fs::read(path).ok()?;
        (Some(digest_of(&bytes)) == normalize_digest(digest)).then_some(bytes)
    }

    /// Files `bytes` under their digest and returns it.
    pub fn put_blob(&self, bytes: &[u8]) -> std::io::Result<String> {
        let digest = digest_of(bytes);
        let path = self.blob_path(&digest).ok_or_else(|| std::io::Error::other("bad digest"))?;
        if self.get_blob(&digest).is_none() {
            write_atomically(&path, bytes)?;
        }
        Ok(digest)
    }

    fn ref_dir(&self, repository: &str, chart: &str) -> PathBuf {
        self.root.join("refs").join(repo_component(repository)).join(component(chart))
    }

    /// The digest recorded for `repository`/`chart`/`version`.
    pub fn get_ref(&self, repository: &str, chart: &str, version: &str) -> Option<String> {
        let path = self.ref_dir(repository, chart).join(component(version));
        let entry = read_ref(&path)?;
        (entry.repository == repository && entry.chart == chart && entry.version == version).then_some(entry.digest)
    }

    /// Records `repository`/`chart`/`version` → `digest`.
    pub fn put_ref(&self, repository: &str, chart: &str, version: &str, digest: &str) -> std::io::Result<()> {
        let path = self.ref_dir(repository, chart).join(component(version));
        let record = serde_json::json!({
            "repository": repository,
            "chart": chart,
            "version": version,
            "digest": digest,
        });
        write_atomically(&path, record.to_string().as_bytes())
    }

    /// Every version of `repository`/`chart` in the reference index (unordered).
    pub fn refs_of(&self, repository: &str, chart: &str) -> Vec<CachedRef> {
        let Ok(entries) = std::fs::read_dir(self.ref_dir(repository, chart)) else { return Vec::new() };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| read_ref(&e.path()))
            .filter(|r| r.repository == repository && r.chart == chart)
            .collect()
    }
}

fn read_ref(path: &Path) -> Option<CachedRef> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let field = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Some(CachedRef {
        repository: field("repository")?,
        chart: field("chart")?,
        version: field("version")?,
        digest: normalize_digest(&field("digest")?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_and_refs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let digest = cache.put_blob(b"chart").unwrap();
        assert_eq!(cache.get_blob(&digest).as_deref(), Some(&b"chart"[..]));
        assert_eq!(cache.get_blob(digest.trim_start_matches("sha256:")).as_deref(), Some(&b"chart"[..]));
        cache.put_ref("https://x.invalid/charts", "demo", "1.0.0+build/1", &digest).unwrap();
        assert_eq!(cache.get_ref("https://x.invalid/charts", "demo", "1.0.0+build/1"), Some(digest.clone()));
        assert_eq!(cache.get_ref("https://x.invalid/charts/", "demo", "1.0.0+build/1"), None);
        assert_eq!(cache.refs_of("https://x.invalid/charts", "demo").len(), 1);
        // A tampered blob is a miss.
        let path = cache.blob_path(&digest).unwrap();
        std::fs::write(path, b"evil").unwrap();
        assert_eq!(cache.get_blob(&digest), None);
        assert_eq!(cache.get_blob("../../etc/passwd"), None);
    }
}
