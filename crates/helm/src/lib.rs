//! Helm in-process: chart loading, values, and the template functions (Sprig and Helm's own)
//! on top of [`gotemplate`].
#![forbid(unsafe_code)]

pub mod chart;
pub mod functions;
pub mod loadyaml;
pub mod sprig;
pub mod strvals;
pub mod values;

pub use chart::{Chart, LoadError};
pub use functions::{helm_funcs, helm_funcs_with};
pub use sprig::{SprigOptions, sprig_funcs, sprig_funcs_with};
pub use values::{ValuesError, values_for_render};
