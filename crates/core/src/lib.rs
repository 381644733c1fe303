//! The composer: from a validated platform.yaml and its plugins to one [`Plan`].
//!
//! [`Addons::load`] loads the built-in plugins and the third-party ones named in `plugins:`,
//! and builds the [`Catalog`](dataplat_config::Catalog) of flags and config schemas the config
//! is validated against. [`compose`] then calls each enabled addon's `validate()` and `plan()`
//! in dependency order (each addon sees the endpoints of those planned before it), checks what
//! every plugin returned (objects are Kubernetes objects, references resolve, the release graph
//! is acyclic, no addon speaks for another), names the cloud resources, substitutes
//! `${bucket:<id>}` placeholders, and returns the merged plan: cloud needs, capacity requests and
//! a DAG of releases. [`Plan::karpenter_objects`] turns the capacity requests into Karpenter v1
//! NodePools and EC2NodeClasses.

mod addons;
pub mod base;
pub mod charts;
pub mod cloud_values;
pub mod cluster;
mod compose;
mod conformance;
mod karpenter;
pub mod model;
mod plan;
pub mod readiness;

pub use addons::{Addons, LoadedAddon};
pub use compose::compose;
pub use conformance::{Check, conformance};
pub use dataplat_config::{CONTROL_PLANE_LOG_TYPES, ClusterSettings, CoreNodeGroup};
pub use karpenter::*;
pub use plan::*;

use dataplat_config::Diagnostic;
use dataplat_plugin::PluginError;

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// platform.yaml is invalid (or a plugin found its config block invalid).
    #[error("{}", dataplat_config::render_diagnostics(.0))]
    Config(Vec<Diagnostic>),
    /// A plugin failed to load or misbehaved.
    #[error("{0}")]
    Plugin(#[from] PluginError),
    /// A plugin returned something the host cannot use.
    #[error("plugin `{addon}` returned an invalid plan: {message}")]
    InvalidPlan { addon: String, message: String },
    /// Plugins contradict each other (two plugins for one addon, a release cycle...).
    #[error("{0}")]
    Conflict(String),
}

impl CoreError {
    /// What the user can do, when the error itself does not say.
    pub fn hint(&self) -> Option<String> {
        match self {
            CoreError::Plugin(e) => e.hint(),
            CoreError::InvalidPlan { .. } => Some("this is a bug in the plugin; report it to its author".into()),
            _ => None,
        }
    }
}
