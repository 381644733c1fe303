//! Helm in-process: chart loading, values, and the template functions (Sprig and Helm's own)
//! on top of [`gotemplate`].
//!
//! **Which Helm.** The crate is faithful to one Helm, v3.17.0, and says so everywhere it shows:
//! `.Capabilities.HelmVersion` reports it ([`context::HELM_VERSION`]), objects and hooks are
//! sorted by its kind sorter ([`render::INSTALL_ORDER`], webhook configurations among the unknown
//! kinds), and the template functions are its set (Sprig v3 plus Helm's own). Behaviour that
//! differs in later Helm releases (Helm 4 ranks webhook configurations after `APIService`) is
//! not mixed in.
#![forbid(unsafe_code)]

pub mod cache;
pub mod chart;
pub mod context;
pub mod fetch;
pub mod functions;
pub mod loadyaml;
pub mod render;
pub mod sprig;
pub mod strvals;
pub mod values;

pub use chart::{Chart, LoadError};
pub use functions::{helm_funcs, helm_funcs_with};
pub use render::{Lookup, LookupHandle, RenderError, RenderOptions, Rendered, render, render_chart};
pub use sprig::{SprigOptions, sprig_funcs, sprig_funcs_with};
pub use values::{ValuesError, values_for_render};
