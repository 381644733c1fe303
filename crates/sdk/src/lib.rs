//! The guest side of the kubectl-dataplat plugin contract.
//!
//! An addon is a type implementing [`Addon`], exported with [`export_addon!`]. The SDK turns the
//! contract's JSON config into the addon's typed `Config` (reporting bad input as diagnostics with
//! a path), generates the config JSON Schema from that type, and offers builders for the records a
//! plan is made of. The same source builds as a WebAssembly component (`wasm32-wasip2`) and, with
//! the `native` feature, as a native library speaking the same contract as JSON over a C ABI.
//!
//! An addon that installs a Helm chart declares its config block with [`chart_config!`] (the
//! common `namespace`, `chart_version` and `values` plus its own fields), builds its release
//! with [`ChartSettings`], the readiness helpers of [`Release`] and [`Monitoring`], and gets its
//! common unit tests from [`chart_addon_tests!`].

#![forbid(unsafe_op_in_unsafe_fn)]

/// Bindings generated from `wit/addon.wit`; the record types are re-exported at the crate root.
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "addon",
        pub_export_macro: true,
        export_macro_name: "__export_addon_wasm",
        default_bindings_module: "::dataplat_sdk::bindings",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

mod builders;
mod chart;
pub mod data;
pub mod trino_client;
pub use builders::{
    CORE_NODE_SELECTOR, MANAGED_BY, PASSED_ON_ANNOTATION, check_chart_settings, check_dns1123_label,
    check_dns1123_labels, check_range, check_reserved_values, core_node_selector, dedicated_pool_selector,
    dedicated_pool_taint, dedicated_pool_tolerations, is_dns1123_label, merge_values, namespace_object, resources,
    testing,
};
pub use chart::{ChartSettings, Monitoring, PROMETHEUS_RELEASE, check_namespace_list};
pub use data::{PLATFORM_DATA_BUCKET, bucket_of, bucket_placeholder};
pub use trino_client::TrinoClient;
#[doc(hidden)]
pub mod runtime;

pub use bindings::dataplat::addon::types::{
    AddonPlan, Bucket, CapacityType, ChartRef, Consolidation, Dependency, Diagnostic, Endpoint, Flag, GeneratedSecret,
    HealthCheck, IamGrant, IamResource as Resource, IamStatement, LifecycleRule, NodePoolRequest, Note, PlatformFacts,
    PluginInfo, PodIdentity, Release, Severity, Taint, TaintEffect,
};
#[cfg(feature = "k8s")]
pub use k8s_openapi;
pub use schemars;
pub use serde;
pub use serde_json;

/// Where the id of the platform's Amazon Managed Service for Prometheus workspace goes, in a
/// literal ARN ([`Resource::Arn`]), an object or chart values. Writing it makes the host create
/// one workspace for the platform (tagged, kept by `down --keep-data`) and substitute its id
/// once `up` has made it. An addon given the id of an existing workspace uses that instead.
pub const AMP_WORKSPACE_ID: &str = "${amp_workspace_id}";

/// The contract version this SDK implements.
pub const CONTRACT_VERSION: &str = "0.1.0";

/// An addon plugin. Implement it on a unit struct and export it with [`export_addon!`].
pub trait Addon {
    /// The addon's config block in platform.yaml (`trino: {...}`). Missing fields take their
    /// serde defaults; unknown fields should be rejected with `#[serde(deny_unknown_fields)]`.
    type Config: serde::de::DeserializeOwned + schemars::JsonSchema;

    /// Short lowercase name; also the key of the config block.
    const NAME: &'static str;
    /// The plugin's own version (usually `env!("CARGO_PKG_VERSION")`).
    const VERSION: &'static str;
    /// One line for `plugin list`.
    const DESCRIPTION: &'static str;

    /// Flags the addon answers to. The default is the single flag `enable_<NAME>`.
    fn flags() -> Vec<Flag> {
        vec![Flag::addon(&format!("enable_{}", Self::NAME), &format!("Install {}", Self::NAME))]
    }

    /// Addons this one needs.
    fn dependencies() -> Vec<Dependency> {
        Vec::new()
    }

    /// Checks beyond what the config type and its schema express (cross-field rules).
    fn validate(_config: &Self::Config, _facts: &PlatformFacts) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Everything the addon needs, as declarations. Must be deterministic.
    fn plan(config: &Self::Config, facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>>;
}

/// Exports an [`Addon`] as the plugin of this crate.
///
/// On `wasm32` it exports the component interface `dataplat:addon/plugin`; with the `native`
/// feature it also exports the C ABI used by `--allow-native-plugins`.
#[macro_export]
macro_rules! export_addon {
    ($addon:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct DataplatGuest;
            impl $crate::bindings::exports::dataplat::addon::plugin::Guest for DataplatGuest {
                fn info() -> $crate::PluginInfo {
                    $crate::runtime::info::<$addon>()
                }
                fn validate(
                    config: ::std::string::String,
                    facts: $crate::PlatformFacts,
                ) -> ::std::vec::Vec<$crate::Diagnostic> {
                    $crate::runtime::validate::<$addon>(&config, &facts)
                }
                fn plan(
                    config: ::std::string::String,
                    facts: $crate::PlatformFacts,
                ) -> ::std::result::Result<$crate::AddonPlan, ::std::vec::Vec<$crate::Diagnostic>> {
                    $crate::runtime::plan::<$addon>(&config, &facts)
                }
            }
    $crate::bindings::__export_addon_wasm!(DataplatGuest with_types_in $crate::bindings);
        };
        $crate::__export_addon_native!($addon);
    };
}

#[cfg(feature = "native")]
#[doc(hidden)]
#[macro_export]
macro_rules! __export_addon_native {
    ($addon:ty) => {
        /// The contract version, as a NUL-terminated string.
        #[unsafe(no_mangle)]
        pub extern "C" fn dataplat_addon_contract_version() -> *const ::std::ffi::c_char {
            $crate::runtime::native::CONTRACT_VERSION_C.as_ptr()
        }

        /// Calls `method` ("info", "validate", "plan") with a JSON input; returns a JSON output
        /// the caller frees with `dataplat_addon_free`.
        ///
        /// # Safety
        /// `method` and `input` must point to readable memory of the given lengths and
        /// `output_len` to a writable `usize`.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn dataplat_addon_call(
            method: *const u8,
            method_len: usize,
            input: *const u8,
            input_len: usize,
            output_len: *mut usize,
        ) -> *mut u8 {
            // SAFETY: forwarded from this function's own contract.
            unsafe { $crate::runtime::native::call::<$addon>(method, method_len, input, input_len, output_len) }
        }

        /// Frees an output returned by `dataplat_addon_call`.
        ///
        /// # Safety
        /// `ptr` and `len` must come from one `dataplat_addon_call`, freed once.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn dataplat_addon_free(ptr: *mut u8, len: usize) {
            // SAFETY: forwarded from this function's own contract.
            unsafe { $crate::runtime::native::free(ptr, len) }
        }
    };
}

#[cfg(not(feature = "native"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __export_addon_native {
    ($addon:ty) => {};
}
