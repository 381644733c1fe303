//! Reads for `kubectl dataplat doctor`: a role's policies as IAM has them, and whether a bucket
//! exists. Reads only.

use aws_sdk_iam::error::ProvideErrorMetadata;
use serde_json::Value;

use crate::clients::Clients;
use crate::cloud::CloudError;

type Result<T, E = CloudError> = std::result::Result<T, E>;

fn iam_error<E: ProvideErrorMetadata>(operation: &str, role: &str, err: &E) -> CloudError {
    CloudError::Other {
        message: format!(
            "IAM {operation} {role}: {}: {}",
            err.code().unwrap_or("error"),
            err.message().unwrap_or_default()
        ),
        hint: "the credentials in use need iam:GetRole, iam:ListRolePolicies, iam:GetRolePolicy, \
               iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion to check roles"
            .into(),
    }
}

/// The policy documents of role `role`: its inline policies, then the default version of each
/// attached managed policy. `None` when the role does not exist.
pub async fn role_policies(clients: &Clients, role: &str) -> Result<Option<Vec<Value>>> {
    let iam = &clients.iam;
    if let Err(err) = iam.get_role().role_name(role).send().await {
        if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) {
            return Ok(None);
        }
        return Err(iam_error("GetRole", role, &err));
    }
    let mut documents = Vec::new();
    let names =
        iam.list_role_policies().role_name(role).send().await.map_err(|e| iam_error("ListRolePolicies", role, &e))?;
    for name in names.policy_names() {
        let policy = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| iam_error("GetRolePolicy", role, &e))?;
        documents.push(document(policy.policy_document()));
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| iam_error("ListAttachedRolePolicies", role, &e))?;
    for policy in attached.attached_policies() {
        let Some(arn) = policy.policy_arn() else { continue };
        let described = iam.get_policy().policy_arn(arn).send().await.map_err(|e| iam_error("GetPolicy", arn, &e))?;
        let Some(version) = described.policy().and_then(|p| p.default_version_id()) else { continue };
        let version = iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| iam_error("GetPolicyVersion", arn, &e))?;
        if let Some(text) = version.policy_version().and_then(|v| v.document()) {
            documents.push(document(text));
        }
    }
    Ok(Some(documents))
}

/// A policy document as IAM returns it (URL-encoded JSON), parsed; `null` when it is not JSON.
fn document(text: &str) -> Value {
    serde_json::from_str(text).or_else(|_| serde_json::from_str(&percent_decode(text))).unwrap_or(Value::Null)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether bucket `bucket` exists (and the credentials may see it).
pub async fn bucket_exists(clients: &Clients, bucket: &str) -> Result<bool> {
    crate::cloud::bucket_exists(clients, bucket).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn iam_documents_are_url_decoded() {
        let doc = super::document("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D");
        assert_eq!(doc["Version"], "2012-10-17");
        assert_eq!(super::document("{\"a\": 1}")["a"], 1);
        assert_eq!(super::percent_decode("a%2"), "a%2");
    }
}
