//! The compile cache: a component compiled once is kept as a `.cwasm` file keyed by the
//! component's digest, under a directory keyed by the engine's compatibility hash (wasmtime
//! version, configuration and target), so a new wasmtime or a new sandbox configuration never
//! loads a stale artifact.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

pub(crate) struct CompileCache {
    dir: PathBuf,
}

impl CompileCache {
    pub(crate) fn new(root: &Path, engine: &Engine) -> CompileCache {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let dir = root.join("wasmtime").join(format!("{:016x}", hasher.finish()));
        CompileCache { dir }
    }

    /// The cached compilation of `bytes`, compiling and storing it on a miss. A cache that
    /// cannot be written (read-only home, full disk) only costs speed.
    pub(crate) fn load_or_compile(&self, engine: &Engine, bytes: &[u8], digest: &str) -> Result<Component, String> {
        let file = self.dir.join(format!("{}.cwasm", digest.trim_start_matches("sha256:")));
        if file.is_file() {
            // SAFETY: the file is a `.cwasm` this cache wrote with `precompile_component` on an
            // engine with the same compatibility hash (the directory name), named by the digest
            // of the component it was compiled from. wasmtime still checks its header and
            // refuses an artifact from another version or configuration.
            match unsafe { Component::deserialize_file(engine, &file) } {
                Ok(component) => {
                    tracing::debug!(file = %file.display(), "compile cache hit");
                    return Ok(component);
                }
                Err(error) => tracing::warn!(file = %file.display(), %error, "discarding unusable cache entry"),
            }
        }
        let compiled = engine.precompile_component(bytes).map_err(|e| format!("{e:?}"))?;
        if let Err(error) = write_atomically(&self.dir, &file, &compiled) {
            tracing::warn!(dir = %self.dir.display(), %error, "cannot write the compile cache");
        }
        // SAFETY: `compiled` was produced just now by `precompile_component` on this engine.
        unsafe { Component::deserialize(engine, &compiled) }.map_err(|e| format!("{e:?}"))
    }
}

/// Writes to a temporary file in the same directory and renames it, so readers never see a
/// partial file even when two processes fill the cache at once.
pub(crate) fn write_atomically(dir: &Path, file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, file)
}
