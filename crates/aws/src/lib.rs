//! The cloud layer (DESIGN.md section 8).
//!
//! - [`spec`]: [`spec::CloudSpec`], what the cloud layer makes for a platform, in its own terms
//!   (the orchestration layer translates the composer's plan into it; this crate depends on
//!   neither the composer nor the plugin host).
//! - [`templates`]: CloudFormation templates generated from typed Rust: network, IAM, Karpenter
//!   interruption handling, addon storage.
//! - [`cloud`]: `up`, `down`, `plan` and `status` of the cloud half; [`eks`] the EKS API;
//!   [`sweep`] the orphan sweep by tag.
//! - [`stacks`]: CloudFormation stacks deployed and deleted through change sets, with stack events
//!   streamed as progress and failed creates recovered.
//! - [`token`]: EKS bearer tokens (a presigned STS GetCallerIdentity URL) as a client-go
//!   ExecCredential.
//! - [`kubeconfig`]: writing or merging the context whose exec credential is `kubectl-dataplat token`.

pub mod clients;
pub mod cloud;
pub mod eks;
pub mod from_spec;
pub mod inspect;
pub mod kubeconfig;
pub mod spec;
pub mod stacks;
pub mod sweep;
pub mod templates;
pub mod token;
