//! The orchestration layer: every command of `kubectl dataplat` as library functions. Each
//! loads and composes the platform once ([`Session`]), drives the cloud (`dataplat-aws`) and the
//! cluster (`dataplat-kube`), reports progress as a typed [`Event`] stream and returns what
//! happened; the binary turns events and results into tables, progress lines, JSON and exit
//! codes.
//!
//! Crate graph: binary → lifecycle → {core, aws, kube}; core → {config, plugin, helm, kube};
//! aws → vocabulary. The cloud layer takes a [`CloudSpec`](dataplat_aws::spec::CloudSpec) it
//! defines itself; [`cloud_spec`] translates the composer's plan into it.
//!
//! | module | what it holds |
//! |---|---|
//! | [`access`] | the async runtime, AWS clients and polling, the cloud values of live stacks |
//! | [`session`] | the platform file, the plugin host, load + compose once per command |
//! | [`spec`] | plan → the cloud layer's `CloudSpec` |
//! | [`cloud`] | `up`, `down`, `kubeconfig`, live `plan`, `status` |
//! | [`cluster`] | `apply`, the releases' diff, the in-cluster teardown |
//! | [`readiness`] | the readiness analysis and the gate before any change |
//! | [`render`] | `render`: the plan, the stacks and the charts written to a directory |
//! | [`edit`] | `init`, `enable`, `disable`: platform.yaml edited only when the result plans |
//! | [`examples`] | `examples list`, `examples render`: workloads filled in with the platform's names, checked against the plan |
//! | [`authoring`] | `plugin new/build/install/push`, plugins found by name, file or reference |
//! | [`addon_page`] | the Markdown reference page of an addon, from its config schema |
//! | [`text`] | the human text of each result: tables, the plan, the readiness findings |
//! | [`simulate`] | the objects the Trino autoscaling simulator runs against |

pub mod access;
pub mod addon_page;
pub mod authoring;
pub mod cloud;
pub mod cluster;
pub mod doctor;
pub mod edit;
mod error;
mod events;
pub mod examples;
pub mod readiness;
pub mod render;
pub mod session;
pub mod simulate;
pub mod spec;
pub mod text;
pub mod version;

pub use error::{Error, Result};
pub use events::{ChartProgress, Event, Events, no_events};
pub use session::{ChartFetch, Context, Loaded, Session};
pub use spec::{cloud_options, cloud_spec};
