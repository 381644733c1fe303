//! `platform.yaml`: parsing with positions, validation against the catalog of loaded plugins,
//! in-place edits, `init` rendering and the data-on-eks tfvars import.
//!
//! The flow the CLI follows:
//!
//! 1. [`parse`] the text into a [`Document`] (YAML syntax errors come back positioned);
//! 2. [`Document::plugin_sources`] lists third-party plugins, before any catalog exists, so the
//!    host can load them and learn their flags;
//! 3. [`validate`] the document against the [`Catalog`] built from every loaded plugin, getting
//!    a typed [`Platform`] or every error at once, sorted by position;
//! 4. later, [`Document::plugin_diagnostic`] positions diagnostics a plugin returns for its
//!    config block.
//!
//! Every problem is a [`Diagnostic`] printed as `file:line:col: error: message` plus an optional
//! `  hint: …` line. Positions point at the key whose value is wrong (for list items, at the
//! item), never at the value: one rule everywhere.
//!
//! YAML is read as YAML 1.2 with the core schema: only `true`/`false` are booleans, and
//! YAML 1.1 spellings such as `yes`, `on` or `0755` stay strings, so a flag written `yes` is a
//! type error with a hint rather than a silent surprise.

#![warn(missing_docs)]

mod catalog;
mod cluster;
mod core_keys;
mod diagnostic;
mod document;
mod edit;
mod init;
mod plugins;
mod readiness;
mod schema;
mod suggest;
mod tfvars;
mod yaml;

pub use catalog::{AddonSpec, Catalog, DependencySpec, FlagSpec};
pub use cluster::{CONTROL_PLANE_LOG_TYPES, ClusterSettings, CoreNodeGroup};
pub use core_keys::{
    DEFAULT_KUBERNETES_VERSION, DEFAULT_VPC_CIDR, RESERVED_TAG_PREFIXES, SUPPORTED_KUBERNETES_VERSIONS,
    TERRAFORM_DEPLOYMENT_ID_PLACEHOLDER,
};
pub use diagnostic::{Diagnostic, Severity, render_diagnostics, sort_diagnostics};
pub use document::{CORE_KEYS, Document, Platform, parse, validate};
pub use edit::{EditError, set_flag, set_plugin};
pub use init::{DeploymentIdError, new_deployment_id, render_init};
pub use plugins::{PluginSource, SourceRef};
pub use readiness::{READINESS_KEY, ReadinessSettings, WaiverSetting};
pub use suggest::did_you_mean;
pub use tfvars::{ImportLine, ImportOutcome, import_tfvars};
pub use yaml::yaml_scalar;
