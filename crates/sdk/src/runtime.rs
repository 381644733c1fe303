//! Glue between the contract's raw functions and an [`Addon`]: config decoding with paths,
//! schema generation, and the native C ABI. Used by [`export_addon!`](crate::export_addon).

use crate::{Addon, AddonPlan, Diagnostic, PlatformFacts, PluginInfo, Severity};

/// The `info()` record of an addon.
pub fn info<A: Addon>() -> PluginInfo {
    let schema = schemars::schema_for!(A::Config);
    PluginInfo {
        name: A::NAME.to_string(),
        version: A::VERSION.to_string(),
        contract_version: crate::CONTRACT_VERSION.to_string(),
        description: A::DESCRIPTION.to_string(),
        flags: A::flags(),
        dependencies: A::dependencies(),
        config_schema: serde_json::to_string(&schema).unwrap_or_else(|_| "{}".to_string()),
    }
}

/// Decodes a config block, turning serde errors into diagnostics that carry the field path.
pub fn decode<A: Addon>(config: &str) -> Result<A::Config, Vec<Diagnostic>> {
    let text = if config.trim().is_empty() { "{}" } else { config };
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, A::Config>(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." { String::new() } else { path };
        vec![Diagnostic {
            severity: Severity::Error,
            path,
            message: strip_position(&err.inner().to_string()),
            hint: None,
        }]
    })
}

/// serde_json appends " at line 1 column 57" to messages; the position in the JSON handed to
/// the plugin means nothing to a user (the host maps the path back to platform.yaml).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// `validate()`: decode, then the addon's own checks.
pub fn validate<A: Addon>(config: &str, facts: &PlatformFacts) -> Vec<Diagnostic> {
    match decode::<A>(config) {
        Ok(config) => A::validate(&config, facts),
        Err(diagnostics) => diagnostics,
    }
}

/// `plan()`: decode, validate, and plan only if no error was found.
pub fn plan<A: Addon>(config: &str, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
    let config = decode::<A>(config)?;
    let errors: Vec<Diagnostic> =
        A::validate(&config, facts).into_iter().filter(|d| d.severity == Severity::Error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    A::plan(&config, facts)
}

/// The native C ABI: the same three functions, JSON in and JSON out.
#[cfg(feature = "native")]
pub mod native {
    use super::*;
    use serde::Deserialize;

    /// The contract version as a C string.
    pub static CONTRACT_VERSION_C: &std::ffi::CStr = c"0.1.0";

    #[derive(Deserialize)]
    struct Input {
        #[serde(default)]
        config: String,
        facts: Option<PlatformFacts>,
    }

    fn dispatch<A: Addon>(method: &str, input: &[u8]) -> Result<Vec<u8>, String> {
        let to_json = |v: Result<Vec<u8>, serde_json::Error>| v.map_err(|e| e.to_string());
        if method == "info" {
            return to_json(serde_json::to_vec(&info::<A>()));
        }
        let input: Input = serde_json::from_slice(input).map_err(|e| format!("bad input: {e}"))?;
        let facts = input.facts.ok_or("bad input: missing facts")?;
        match method {
            "validate" => to_json(serde_json::to_vec(&validate::<A>(&input.config, &facts))),
            "plan" => to_json(serde_json::to_vec(&plan::<A>(&input.config, &facts))),
            other => Err(format!("unknown method {other:?}")),
        }
    }

    /// Output envelope: `{"ok": <json>}` or `{"error": "..."}` (a panic becomes an error).
    fn envelope<A: Addon>(method: &str, input: &[u8]) -> Vec<u8> {
        let result = std::panic::catch_unwind(|| dispatch::<A>(method, input)).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(format!("plugin panicked: {message}"))
        });
        match result {
            Ok(body) => {
                let mut out = b"{\"ok\":".to_vec();
                out.extend_from_slice(&body);
                out.push(b'}');
                out
            }
            Err(message) => serde_json::to_vec(&serde_json::json!({ "error": message }))
                .unwrap_or_else(|_| b"{\"error\":\"unencodable error\"}".to_vec()),
        }
    }

    /// # Safety
    /// See `dataplat_addon_call`.
    pub unsafe fn call<A: Addon>(
        method: *const u8,
        method_len: usize,
        input: *const u8,
        input_len: usize,
        output_len: *mut usize,
    ) -> *mut u8 {
        // SAFETY: the caller guarantees both ranges are readable.
        let (method, input) =
            unsafe { (std::slice::from_raw_parts(method, method_len), std::slice::from_raw_parts(input, input_len)) };
        let method = std::str::from_utf8(method).unwrap_or("");
        let out = envelope::<A>(method, input).into_boxed_slice();
        // SAFETY: the caller guarantees `output_len` is writable.
        unsafe { *output_len = out.len() };
        Box::into_raw(out) as *mut u8
    }

    /// # Safety
    /// See `dataplat_addon_free`.
    pub unsafe fn free(ptr: *mut u8, len: usize) {
        if !ptr.is_null() {
            // SAFETY: ptr/len came from `Box<[u8]>::into_raw` in `call`.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
        }
    }
}
