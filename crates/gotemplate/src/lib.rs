//! Go's `text/template`, faithful to Go: the same output byte for byte, the same errors in the
//! same shape. Nothing here knows about Helm; the Helm layer adds its functions (Sprig,
//! `include`, `tpl`) through the function registry and its objects (`.Files`, `.Capabilities`)
//! through [`Object`].
//!
//! - [`value`]: the data model with Go's semantics (maps by reference, int vs float64, nil,
//!   truthiness, objects with fields and methods).
//! - [`node`]: the parse tree, mirroring Go's `text/template/parse` node types.
//! - [`fmt`]: Go's `fmt` (`Sprint`, `Sprintln`, `Sprintf` with every verb and flag the
//!   templates use).
#![forbid(unsafe_code)]

pub mod fmt;
pub mod node;
pub mod value;

pub use value::{Object, Value};
