//! The applier: releases onto a cluster with server-side apply (field manager
//! `kubectl-dataplat`), in DESIGN.md section 7's order, with kind-aware health, an inventory per
//! release, prune, and a dry-run diff for `plan`.
//!
//! - [`manifest`]: objects to apply, their identity and their order.
//! - [`cluster`]: the connection (kubeconfig), cached discovery, and request counts.
//! - [`apply`]: one release: apply, plan (diff), delete.
//! - [`dag`]: many releases, concurrently where their dependencies allow.
//! - [`inventory`]: what each release put on the cluster.
//! - [`health`]: readiness rules and declared conditions.
//! - [`lookup`]: Helm's `lookup` against the live cluster.
//! - [`teardown`]: the in-cluster half of `down`, in the order that leaks nothing.
//! - [`status`]: each release's objects read back once and judged, for `status`.

pub mod apply;
pub mod cluster;
pub mod dag;
pub mod error;
pub mod health;
pub mod inventory;
pub mod lookup;
pub mod manifest;
pub mod read;
pub mod status;
pub mod teardown;

pub use apply::{
    Action, ApplyOptions, Change, Event, Events, Release, ReleaseReport, apply_release, delete_release, plan_release,
};
pub use cluster::{Cluster, ConnectOptions, RequestCounts};
pub use error::{FieldConflict, KubeError};
pub use manifest::{Object, ObjectRef};
pub use teardown::{
    Phase, PhaseReport, TeardownError, TeardownEvent, TeardownEvents, TeardownOptions, TeardownReport, teardown,
};

/// The field manager of every write.
pub const FIELD_MANAGER: &str = dataplat_vocabulary::TOOL;
/// The label naming an object's release (`addon.release`).
pub const RELEASE_LABEL: &str = "dataplat.io/release";
/// Annotation of a Secret the applier fills from another, live Secret (`<namespace>/<name>`).
pub use dataplat_vocabulary::{COPY_KEYS_ANNOTATION, COPY_OF_ANNOTATION};
