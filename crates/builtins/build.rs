//! Builds every guest crate of the workspace (built-in addons under plugins/, the example addon
//! and the test fixture plugins) for wasm32-wasip2 with the `plugin` profile, in one nested
//! cargo invocation with its own target directory, and generates the table that embeds the
//! built-in ones in the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Guest crates: (directory with crates, embedded in the binary?).
const GUEST_DIRS: &[(&str, bool)] = &[("plugins", true), ("tests/plugins", false), ("examples", false)];

fn package_name(manifest: &Path) -> Option<String> {
    let text = std::fs::read_to_string(manifest).ok()?;
    let package = text.split("[package]").nth(1)?;
    let line = package.lines().find(|l| l.trim_start().starts_with("name"))?;
    Some(line.split('"').nth(1)?.to_string())
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.join("../..").canonicalize().expect("workspace root");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out: keep the wasm build beside it in
    // <target>/wasm so its dependencies are built once, whatever the host profile.
    let target_dir = out_dir.ancestors().nth(4).expect("target dir").join("wasm");

    for dir in ["plugins", "tests/plugins", "examples", "crates/sdk", "crates/vocabulary", "wit"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    println!("cargo:rerun-if-changed={}", root.join("Cargo.lock").display());
    // The `plugin` profile lives in the root manifest.
    println!("cargo:rerun-if-changed={}", root.join("Cargo.toml").display());
    // Guest link flags (stack size) live in the workspace cargo config.
    println!("cargo:rerun-if-changed={}", root.join(".cargo/config.toml").display());

    let mut packages: Vec<(String, bool)> = Vec::new();
    for (dir, embedded) in GUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        let mut names: Vec<String> =
            entries.filter_map(|e| e.ok()).filter_map(|e| package_name(&e.path().join("Cargo.toml"))).collect();
        names.sort();
        packages.extend(names.into_iter().map(|n| (n, *embedded)));
    }

    if !packages.is_empty() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&root)
            .args(["build", "--target", "wasm32-wasip2", "--profile", "plugin", "--target-dir"])
            .arg(&target_dir);
        for (name, _) in &packages {
            cmd.args(["-p", name]);
        }
        // The outer build's flags and wrappers are for the host target, not for wasm.
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "RUSTC_WORKSPACE_WRAPPER",
            "RUSTC_WRAPPER",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "CARGO_LLVM_COV",
            "CARGO_INCREMENTAL",
        ] {
            cmd.env_remove(var);
        }
        let status = cmd.status().expect("run cargo for the wasm plugins");
        if !status.success() {
            panic!(
                "building the wasm plugins failed (see above). If the error says the wasm32-wasip2 \
                 target is missing, run: rustup target add wasm32-wasip2"
            );
        }
    }

    let wasm_dir = target_dir.join("wasm32-wasip2/plugin");
    let mut table =
        String::from("/// Built-in plugins: (package, component bytes).\npub static BUILTINS: &[(&str, &[u8])] = &[\n");
    for (name, embedded) in &packages {
        let file = wasm_dir.join(format!("{}.wasm", name.replace('-', "_")));
        if *embedded {
            table.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", file.display().to_string()));
        }
    }
    table.push_str("];\n");
    table.push_str(&format!(
        "/// Where the wasm builds of every guest crate (fixtures and examples too) are.\npub const WASM_DIR: &str = {:?};\n",
        wasm_dir.display().to_string()
    ));
    std::fs::write(out_dir.join("builtins.rs"), table).expect("write builtins.rs");
}
