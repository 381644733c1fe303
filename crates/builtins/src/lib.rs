//! The built-in addon plugins, compiled for wasm32-wasip2 by this crate's build script from the
//! crates under `plugins/` and embedded as bytes. The binary needs nothing else at run time.

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));

/// The embedded component of a built-in package, by package name.
pub fn get(package: &str) -> Option<&'static [u8]> {
    BUILTINS.iter().find(|(name, _)| *name == package).map(|(_, bytes)| *bytes)
}

/// Path of the wasm build of any guest crate of the workspace (examples and test fixtures too).
pub fn wasm_path(package: &str) -> std::path::PathBuf {
    std::path::Path::new(WASM_DIR).join(format!("{}.wasm", package.replace('-', "_")))
}
