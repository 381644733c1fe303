//! Helm in-process: chart loading, values, and the template functions (Sprig and Helm's own)
//! on top of [`gotemplate`].
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
