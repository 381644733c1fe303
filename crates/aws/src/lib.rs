//! The cloud layer (DESIGN.md section 8).
//!
//! - [`templates`]: CloudFormation templates generated from typed Rust: network, IAM, Karpenter
//!   interruption handling, addon storage.
//! - [`token`]: EKS bearer tokens (a presigned STS GetCallerIdentity URL) as a client-go
//!   ExecCredential.
//! - [`kubeconfig`]: writing or merging the context whose exec credential is `kubectl-dataplat token`.

pub mod kubeconfig;
pub mod templates;
pub mod token;
