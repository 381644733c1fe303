//! Native plugins: the same contract as JSON over a C ABI, loaded with libloading. They run in
//! the host process without a sandbox, so they load only with `--allow-native-plugins`.
//!
//! ABI (exported by `dataplat_sdk::export_addon!` with the sdk's `native` feature):
//! - `dataplat_addon_contract_version() -> *const c_char` (NUL-terminated, e.g. "0.1.0")
//! - `dataplat_addon_call(method, method_len, input, input_len, *mut output_len) -> *mut u8`,
//!   input `{"config": "<json>", "facts": {...}}`, output `{"ok": <result>}` or `{"error": "..."}`
//! - `dataplat_addon_free(ptr, len)` frees an output.

use std::ffi::{CStr, c_char};
use std::path::Path;

use crate::contract::{AddonPlan, Diagnostic, PlatformFacts, PluginInfo};
use crate::error::{ErrorKind, PluginError};

type VersionFn = unsafe extern "C" fn() -> *const c_char;
type CallFn = unsafe extern "C" fn(*const u8, usize, *const u8, usize, *mut usize) -> *mut u8;
type FreeFn = unsafe extern "C" fn(*mut u8, usize);

pub(crate) struct NativePlugin {
    label: String,
    call: CallFn,
    free: FreeFn,
    max_output: usize,
    // Keeps the library mapped for as long as the function pointers above are used.
    _library: libloading::Library,
}

fn native_err(label: &str, message: impl Into<String>) -> PluginError {
    PluginError::new(label, ErrorKind::Native(message.into()))
}

impl NativePlugin {
    pub(crate) fn load(label: &str, path: &Path, max_output: usize) -> Result<NativePlugin, PluginError> {
        // SAFETY: loading a library runs its initialisers. This is the documented risk of
        // native plugins, taken only when the user passed --allow-native-plugins.
        let library = unsafe { libloading::Library::new(path) }.map_err(|e| native_err(label, e.to_string()))?;
        // SAFETY: the symbols' types are the ABI documented at the top of this module; a
        // library exporting these names with other types is outside the contract.
        let (version, call, free) = unsafe {
            let version = *library
                .get::<VersionFn>(b"dataplat_addon_contract_version\0")
                .map_err(|e| native_err(label, format!("not a dataplat addon library: {e}")))?;
            let call = *library
                .get::<CallFn>(b"dataplat_addon_call\0")
                .map_err(|e| native_err(label, format!("not a dataplat addon library: {e}")))?;
            let free = *library
                .get::<FreeFn>(b"dataplat_addon_free\0")
                .map_err(|e| native_err(label, format!("not a dataplat addon library: {e}")))?;
            (version, call, free)
        };
        // SAFETY: per the ABI the function returns a pointer to a static NUL-terminated string.
        let contract = unsafe {
            let ptr = version();
            if ptr.is_null() {
                return Err(native_err(label, "contract version is null"));
            }
            CStr::from_ptr(ptr).to_string_lossy().into_owned()
        };
        if !crate::SUPPORTED_CONTRACTS.contains(&contract.as_str()) {
            return Err(PluginError::new(label, ErrorKind::ContractVersion { found: contract }));
        }
        Ok(NativePlugin { label: label.to_string(), call, free, max_output, _library: library })
    }

    fn invoke<T: serde::de::DeserializeOwned>(&self, method: &'static str, input: &[u8]) -> Result<T, PluginError> {
        let mut len = 0usize;
        // SAFETY: both slices are valid for their lengths and `len` is writable; the returned
        // buffer is owned by the library until we hand it back to `free`, exactly once.
        let output = unsafe {
            let ptr = (self.call)(method.as_ptr(), method.len(), input.as_ptr(), input.len(), &mut len);
            if ptr.is_null() {
                return Err(native_err(&self.label, format!("{method}() returned nothing")));
            }
            let bytes = std::slice::from_raw_parts(ptr, len).to_vec();
            (self.free)(ptr, len);
            bytes
        };
        if output.len() > self.max_output {
            return Err(PluginError::new(
                &self.label,
                ErrorKind::OutputTooLarge { call: method, bytes: output.len(), limit: self.max_output },
            ));
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Envelope<T> {
            Ok(T),
            Error(String),
        }
        match serde_json::from_slice::<Envelope<T>>(&output) {
            Ok(Envelope::Ok(value)) => Ok(value),
            Ok(Envelope::Error(message)) => Err(native_err(&self.label, format!("{method}(): {message}"))),
            Err(e) => Err(PluginError::new(&self.label, ErrorKind::BadOutput(format!("{method}(): {e}")))),
        }
    }

    fn input(config: &str, facts: &PlatformFacts) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "config": config, "facts": facts })).unwrap_or_default()
    }

    pub(crate) fn info(&self) -> Result<PluginInfo, PluginError> {
        self.invoke("info", b"{}")
    }

    pub(crate) fn validate(&self, config: &str, facts: &PlatformFacts) -> Result<Vec<Diagnostic>, PluginError> {
        self.invoke("validate", &Self::input(config, facts))
    }

    pub(crate) fn plan(
        &self,
        config: &str,
        facts: &PlatformFacts,
    ) -> Result<Result<AddonPlan, Vec<Diagnostic>>, PluginError> {
        self.invoke("plan", &Self::input(config, facts))
    }
}
