//! `kubectl dataplat doctor`: the reference guide's troubleshooting section as code. It reads a
//! [`Snapshot`] of the live platform (every object of the kinds it looks at, listed once, the
//! last log lines of failing containers, events) and explains each failure it recognises: a
//! [`Finding`] with a stable id from the [`CATALOGUE`], a severity, the object, the evidence it
//! saw, the cause and a fix. It never writes.
//!
//! The checks are pure functions of the snapshot, so every scenario is testable from objects and
//! statuses alone; `dataplat-lifecycle` gathers the snapshot from the cluster and adds the
//! readiness analysis that `plan` runs before `up`, run on the live objects.

mod checks;
mod model;
mod page;

pub use checks::{LOG_SIGNATURES, allowed, diagnose, metric_names};
pub use model::{
    Association, BucketReach, CATALOGUE, CatalogueEntry, Cloud, EksAddon, ExpectedIdentity, Finding, Query, Sample,
    Severity, Snapshot,
};
pub use page::{AlertDoc, troubleshooting_page};
