//! Go's `text/template`, faithful to Go: the same output byte for byte, the same errors in the
//! same shape. Nothing here knows about Helm; the Helm layer adds its functions (Sprig,
//! `include`, `tpl`) through the function registry and its objects (`.Files`, `.Capabilities`)
//! through [`Object`].
//!
//! - [`value`]: the data model with Go's semantics (maps by reference, int vs float64, nil,
//!   truthiness, objects with fields and methods).
//! - [`node`]: the parse tree, mirroring Go's `text/template/parse` node types.
//! - [`lex`], [`parse`]: Go's lexer and parser, state for state.
//! - [`exec`]: Go's executor; [`funcs`]: the builtins and the function registry.
//! - [`template`]: the public API ([`Template`]).
//! - [`fmt`]: Go's `fmt` (`Sprint`, `Sprintln`, `Sprintf` with every verb and flag the
//!   templates use).
#![forbid(unsafe_code)]

pub mod error;
pub mod exec;
pub mod fmt;
pub mod funcs;
pub mod lex;
pub mod node;
pub mod parse;
pub mod template;
pub mod value;

pub use error::Error;
pub use funcs::{Arity, CallContext, FuncError, Funcs};
pub use template::{MissingKey, Template};
pub use value::{Object, Value};
