//! The storage stack: the S3 buckets addons ask for, and the platform's Amazon Managed Service
//! for Prometheus workspace when an addon refers to it (`${amp_workspace_id}`,
//! `dataplat_core::cloud_values`): alias the platform's name, tagged like everything else,
//! retained like a bucket that holds data (its id is the output [`AMP_WORKSPACE_OUTPUT`]).
//!
//! One bucket per addon bucket of the plan, under the physical name the plan computed
//! (`BucketSpec::name`, globally unique through the deployment id). The host, not the plugin,
//! decides how a bucket is protected, the same for all:
//! - default encryption: SSE-S3 (`AES256`) or SSE-KMS (`aws:kms`, with a key or the AWS-managed
//!   `aws/s3` key; bucket keys on) per [`Encryption`];
//! - all four public access blocks on, ACLs disabled (`BucketOwnerEnforced`);
//! - versioning when the addon asks for it (noncurrent versions then expire after 30 days, so a
//!   versioned bucket does not grow forever);
//! - the addon's lifecycle rules (prefix, expiration in days), plus one rule aborting incomplete
//!   multipart uploads after 7 days (Trino's exchange leaves them behind);
//! - a bucket policy denying every request not made over TLS;
//! - `DeletionPolicy`/`UpdateReplacePolicy` `Retain` only for a bucket that holds data when the
//!   user asked to keep data ([`StorageInput::keep_data`], `down --keep-data`), else `Delete`: the
//!   teardown empties buckets before deleting the stack, and retained ones are listed in its receipt.

use super::model::*;
use super::{Context, TemplateError, arn, logical_id};

/// Days after which a versioned bucket's noncurrent versions expire.
pub const NONCURRENT_VERSION_DAYS: u32 = 30;
/// Days after which incomplete multipart uploads are aborted.
pub const ABORT_MULTIPART_DAYS: u32 = 7;

/// Server-side encryption of the buckets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Encryption {
    /// SSE-S3 (`AES256`).
    #[default]
    S3Managed,
    /// SSE-KMS (`aws:kms`) with this key (id, ARN or alias), or the `aws/s3` key when `None`.
    Kms(Option<String>),
}

/// A lifecycle rule of an addon bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiration {
    /// Key prefix; empty for the whole bucket.
    pub prefix: String,
    pub days: u32,
}

/// One addon bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSpec {
    pub addon: String,
    /// The bucket's id within the addon.
    pub id: String,
    /// The physical (global) name.
    pub name: String,
    pub purpose: String,
    pub versioning: bool,
    pub lifecycle: Vec<Expiration>,
    /// The bucket holds data worth keeping (`down --keep-data` keeps it).
    pub holds_data: bool,
}

/// The logical id of the platform's AMP workspace.
pub const AMP_WORKSPACE: &str = "AmpWorkspace";
/// The output key holding the AMP workspace's id (`ws-…`).
pub const AMP_WORKSPACE_OUTPUT: &str = "AmpWorkspaceId";

/// The inputs of the storage template.
#[derive(Debug, Clone)]
pub struct StorageInput {
    pub context: Context,
    pub buckets: Vec<BucketSpec>,
    /// The alias of the platform's AMP workspace, when an addon refers to it.
    pub amp_workspace: Option<String>,
    pub encryption: Encryption,
    /// Retain the buckets that hold data when the stack is deleted.
    pub keep_data: bool,
}

/// The logical id of an addon bucket.
pub fn bucket_logical_id(addon: &str, id: &str) -> String {
    logical_id(&["Bucket", addon, id])
}

/// The output key holding an addon bucket's name.
pub fn bucket_output_key(addon: &str, id: &str) -> String {
    format!("{}Name", bucket_logical_id(addon, id))
}

impl StorageInput {
    /// True when no addon asked for a bucket or the AMP workspace: the template then has no
    /// resources, which CloudFormation refuses, so the stack is skipped (or deleted when it
    /// exists).
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty() && self.amp_workspace.is_none()
    }
}

/// The storage template (see [`StorageInput::is_empty`] for a plan without buckets).
pub fn template(input: &StorageInput) -> Result<Template, TemplateError> {
    let ctx = &input.context;
    let p = ctx.platform.as_str();
    let mut t = Template::new(match input.amp_workspace {
        Some(_) => format!("dataplat {p}: {} addon buckets and the AMP workspace", input.buckets.len()),
        None => format!("dataplat {p}: {} addon buckets", input.buckets.len()),
    });
    if let Some(alias) = &input.amp_workspace {
        // Metrics are data: kept when the user keeps data, like a bucket that holds data.
        let policy = if input.keep_data { DeletionPolicy::Retain } else { DeletionPolicy::Delete };
        t.add(
            AMP_WORKSPACE,
            Resource::from(ApsWorkspace { alias: alias.clone(), tags: ctx.tags() }).deletion_policy(policy),
        );
        t.output(
            AMP_WORKSPACE_OUTPUT,
            "The platform's Amazon Managed Service for Prometheus workspace",
            Expr::get_att(AMP_WORKSPACE, "WorkspaceId"),
            None,
        );
    }
    let (algorithm, key) = match &input.encryption {
        Encryption::S3Managed => ("AES256", None),
        Encryption::Kms(key) => ("aws:kms", key.as_ref().map(Expr::lit)),
    };
    let mut names = std::collections::BTreeSet::new();
    for bucket in &input.buckets {
        let id = bucket_logical_id(&bucket.addon, &bucket.id);
        if t.resources.contains_key(&id) || !names.insert(bucket.name.as_str()) {
            return Err(TemplateError::Duplicate(format!(
                "bucket {}/{} ({}) collides with another bucket",
                bucket.addon, bucket.id, bucket.name
            )));
        }
        let mut rules: Vec<LifecycleRule> = (1..)
            .zip(&bucket.lifecycle)
            .map(|(n, rule)| LifecycleRule {
                id: format!("expire-{n}"),
                status: "Enabled".into(),
                prefix: (!rule.prefix.is_empty()).then(|| rule.prefix.clone()),
                expiration_in_days: Some(rule.days),
                noncurrent_version_expiration: None,
                abort_incomplete_multipart_upload: None,
            })
            .collect();
        rules.push(LifecycleRule {
            id: "housekeeping".into(),
            status: "Enabled".into(),
            prefix: None,
            expiration_in_days: None,
            noncurrent_version_expiration: bucket
                .versioning
                .then_some(NoncurrentVersionExpiration { noncurrent_days: NONCURRENT_VERSION_DAYS }),
            abort_incomplete_multipart_upload: Some(AbortIncompleteMultipartUpload {
                days_after_initiation: ABORT_MULTIPART_DAYS,
            }),
        });
        let policy = if input.keep_data && bucket.holds_data { DeletionPolicy::Retain } else { DeletionPolicy::Delete };
        t.add(
            id.as_str(),
            Resource::from(Bucket {
                bucket_name: bucket.name.clone(),
                bucket_encryption: BucketEncryption {
                    server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                        server_side_encryption_by_default: ServerSideEncryptionByDefault {
                            sse_algorithm: algorithm.into(),
                            kms_master_key_id: key.clone(),
                        },
                        bucket_key_enabled: algorithm == "aws:kms",
                    }],
                },
                public_access_block_configuration: PublicAccessBlockConfiguration::all(),
                ownership_controls: OwnershipControls {
                    rules: vec![OwnershipControlsRule { object_ownership: "BucketOwnerEnforced".into() }],
                },
                versioning_configuration: bucket
                    .versioning
                    .then(|| VersioningConfiguration { status: "Enabled".into() }),
                lifecycle_configuration: Some(LifecycleConfiguration { rules }),
                tags: ctx.tags(),
            })
            .deletion_policy(policy),
        );
        t.add(
            format!("{id}Policy"),
            BucketPolicy {
                bucket: Expr::reference(id.as_str()),
                policy_document: PolicyDocument::new(vec![
                    Statement::deny(
                        "DenyInsecureTransport",
                        &["s3:*"],
                        vec![arn(&format!("s3:::{}", bucket.name)), arn(&format!("s3:::{}/*", bucket.name))],
                    )
                    .principal(Principal::Everyone)
                    .when("Bool", "aws:SecureTransport", vec![Expr::lit("false")]),
                ]),
            },
        );
        t.output(
            bucket_output_key(&bucket.addon, &bucket.id),
            &format!("Bucket {} of addon {}: {}", bucket.id, bucket.addon, bucket.purpose)
                .chars()
                .take(1024)
                .collect::<String>(),
            Expr::reference(id.as_str()),
            None,
        );
    }
    Ok(t)
}
