//! Trino worker autoscaling policy simulator.
//!
//! Replays a query trace (CSV `submit_s,duration_s,workers`) through a scaling policy the way
//! KEDA, the Kubernetes HPA and Karpenter would run it, and reports queue waits, worker
//! node-hours, scale events and failed queries. A policy is read from the Kubernetes objects that
//! define it ([`Policy::from_objects`]). The model is documented in `docs/trino-simulator.md`.
//!
//! Pure library: no I/O; it parses the text it is given.

pub mod hpa;
pub mod policy;
mod rng;
pub mod sim;
pub mod table;
pub mod trace;

pub use policy::{Metric, Policy, REFERENCE_POLICY_YAML};
pub use rng::Rng;
pub use sim::{Options, Outage, Report, simulate};
pub use table::render_table;
pub use trace::{Query, Trace, TraceKind, generate, parse as parse_trace};

/// Errors with a location and a hint.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A bad trace line.
    #[error("{file}:{line}: {}{message}", column.as_ref().map(|c| format!("column {c}: ")).unwrap_or_default())]
    Trace { file: String, line: usize, column: Option<String>, message: String, hint: String },
    /// A policy whose objects cannot be simulated.
    #[error("policy {policy}: {message}")]
    Policy { policy: String, message: String, hint: Option<String> },
    /// Bad simulation options.
    #[error("{message}")]
    Options { message: String, hint: String },
}

impl Error {
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Trace { hint, .. } | Error::Options { hint, .. } => Some(hint),
            Error::Policy { hint, .. } => hint.as_deref(),
        }
    }
}
