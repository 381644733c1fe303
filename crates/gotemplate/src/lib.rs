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
//!
//! Go version: text/template as of Go 1.19 (Debian's, the oracle's), plus range over an integer
//! (Go 1.22) and `else with` (Go 1.23), which Helm 4's Go has.
//!
//! Known differences from Go (each an edge case; the corpus and the fuzz runs found no other):
//! - Strings are UTF-8 (`Rc<str>`), Go's are bytes: a string literal with `\xNN` or octal escapes
//!   of 0x80 and above, and `slice` of a string in the middle of a character, give U+FFFD where
//!   Go keeps the raw byte.
//! - `slice` is bounded by a list's length; Go bounds it by the slice's capacity, which for a
//!   slice decoded by encoding/json may exceed its length (`slice .l 0 4` on 3 elements).
//! - Complex constants (`1i`) print right with `%v` and `print` only.
//! - Identifier characters follow Rust's Unicode tables (`is_alphabetic`), which differ from Go's
//!   `unicode.IsLetter`/`IsDigit` on some combining marks and letter-numbers.
//! - Methods of [`Object`]s take any number of arguments (no arity check), and `call` calls
//!   objects that answer to the method `""` (there is no function value).
//! - Maps have string keys only; `defined_templates` lists names sorted (Go's order is random).
#![forbid(unsafe_code)]

pub mod error;
pub mod exec;
pub mod fmt;
pub mod funcs;
pub mod lex;
pub mod node;
#[cfg(feature = "oracle")]
pub mod oracle;
pub mod parse;
pub mod template;
pub mod value;

pub use error::Error;
pub use funcs::{Arity, CallContext, FuncError, Funcs};
pub use template::{MissingKey, Template};
pub use value::{Object, Value};
