//! The applier.
pub mod cluster;
pub mod error;
pub mod health;
pub mod inventory;
pub mod manifest;
pub use error::KubeError;
pub const FIELD_MANAGER: &str = "kubectl-dataplat";
pub const RELEASE_LABEL: &str = "dataplat.io/release";
