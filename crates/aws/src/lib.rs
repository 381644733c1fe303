//! The cloud layer (DESIGN.md section 8).
//!
//! - [`templates`]: CloudFormation templates generated from typed Rust: network, IAM, Karpenter
//!   interruption handling, addon storage.
//! - [`stacks`]: CloudFormation stacks deployed and deleted through change sets, with stack events
//!   streamed as progress and failed creates recovered.
//! - [`token`]: EKS bearer tokens (a presigned STS GetCallerIdentity URL) as a client-go
//!   ExecCredential.
//! - [`kubeconfig`]: writing or merging the context whose exec credential is `kubectl-dataplat token`.

pub mod clients;
pub mod cloud;
pub mod eks;
pub mod kubeconfig;
pub mod stacks;
pub mod sweep;
pub mod templates;
pub mod token;
