//! Data access shared by addons: the platform's data bucket, references to other addons'
//! buckets, and the S3 and Glue permissions the engines (Trino, Spark, Flink) need, scoped to the
//! platform's own buckets and Glue databases.
//!
//! A bucket is referred to by its logical id when the addon declares it (`"exchange"`), by
//! `<addon>/<id>` when another addon does (`"spark_history_server/event-logs"`), and by
//! [`PLATFORM_DATA_BUCKET`] (`"core/data"`) for the bucket the core owns. The same reference goes
//! into a grant ([`Resource::Bucket`], [`Resource::BucketObjects`]) and, through
//! [`bucket_placeholder`], into objects and chart values, where the host writes the bucket's
//! real name. A reference to an addon that is not enabled, or to a bucket it does not declare,
//! fails the plan with the addon named.

use crate::{IamGrant, PlatformFacts, Resource};

pub use dataplat_vocabulary::{PLATFORM_DATA_BUCKET, glue_database_prefix};

/// S3 actions for reading and writing objects under a prefix, multipart uploads included.
pub const S3_OBJECT_ACTIONS: [&str; 5] =
    ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"];

/// S3 actions on the bucket itself that readers and writers need (listing, multipart uploads).
pub const S3_BUCKET_ACTIONS: [&str; 3] = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"];

/// Glue Data Catalog actions of a Hive metastore or an Iceberg catalog: databases, tables,
/// partitions and their statistics.
pub const GLUE_CATALOG_ACTIONS: [&str; 27] = [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:CreateDatabase",
    "glue:UpdateDatabase",
    "glue:DeleteDatabase",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetTableVersion",
    "glue:GetTableVersions",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:DeletePartition",
    "glue:BatchDeletePartition",
    "glue:BatchGetPartition",
    "glue:BatchUpdatePartition",
    "glue:GetColumnStatisticsForTable",
    "glue:UpdateColumnStatisticsForTable",
    "glue:DeleteColumnStatisticsForTable",
    "glue:GetColumnStatisticsForPartition",
    "glue:UpdateColumnStatisticsForPartition",
    "glue:DeleteColumnStatisticsForPartition",
];

/// Where Spark event logs live, shared by spark_operator (whose jobs write them) and
/// spark_history_server (which declares the bucket and reads them): the addon, its bucket id and
/// the key prefix.
pub const SPARK_EVENT_LOGS: (&str, &str, &str) = ("spark_history_server", "event-logs", "spark-event-logs/");

/// The reference to bucket `id` of addon `addon`, for a grant or [`bucket_placeholder`].
pub fn bucket_of(addon: &str, id: &str) -> String {
    format!("{addon}/{id}")
}

/// What the host replaces by the real name of the bucket `reference` names, in an object or
/// chart values: `${bucket:<reference>}`.
pub fn bucket_placeholder(reference: &str) -> String {
    format!("${{bucket:{reference}}}")
}

/// The Glue resources of the platform: the account's catalog (which every call names), the
/// databases whose names start with [`glue_database_prefix`] and their tables. Never `*`.
pub fn glue_platform_resources(facts: &PlatformFacts) -> Vec<Resource> {
    let prefix = glue_database_prefix(&facts.name);
    let arn = |what: &str| Resource::Arn(format!("arn:${{partition}}:glue:${{region}}:${{account}}:{what}"));
    vec![arn("catalog"), arn(&format!("database/{prefix}*")), arn(&format!("table/{prefix}*/*"))]
}

impl IamGrant {
    /// Read and write on the objects of bucket `reference` under `prefix` ("" for all), with
    /// the bucket-level actions S3 clients need to list and upload.
    pub fn read_write_bucket(self, sid: &str, reference: &str, prefix: &str) -> Self {
        self.allow(&format!("{sid}Bucket"), &S3_BUCKET_ACTIONS, vec![Resource::Bucket(reference.into())]).allow(
            &format!("{sid}Objects"),
            &S3_OBJECT_ACTIONS,
            vec![Resource::BucketObjects((reference.into(), prefix.into()))],
        )
    }

    /// The Glue Data Catalog on the platform's databases only ([`glue_platform_resources`]).
    pub fn platform_glue(self, sid: &str, facts: &PlatformFacts) -> Self {
        self.allow(sid, &GLUE_CATALOG_ACTIONS, glue_platform_resources(facts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_glue_scope() {
        assert_eq!(
            bucket_placeholder(&bucket_of("spark_history_server", "event-logs")),
            "${bucket:spark_history_server/event-logs}"
        );
        assert_eq!(bucket_placeholder(PLATFORM_DATA_BUCKET), "${bucket:core/data}");
        let facts = crate::testing::facts(&[], &[]);
        let arns: Vec<String> = glue_platform_resources(&facts)
            .into_iter()
            .map(|r| match r {
                Resource::Arn(a) => a,
                other => panic!("{other:?}"),
            })
            .collect();
        let prefix = glue_database_prefix(&facts.name);
        assert!(arns.iter().all(|a| !a.ends_with(":*") && !a.contains("database/*")), "{arns:?}");
        assert!(arns[1].ends_with(&format!("database/{prefix}*")), "{arns:?}");
        assert!(arns[2].ends_with(&format!("table/{prefix}*/*")), "{arns:?}");
        let grant = IamGrant::new("g").read_write_bucket("Data", PLATFORM_DATA_BUCKET, "teams/");
        assert_eq!(grant.statements[0].resources, vec![Resource::Bucket("core/data".into())]);
        assert_eq!(grant.statements[1].resources, vec![Resource::BucketObjects(("core/data".into(), "teams/".into()))]);
    }
}
