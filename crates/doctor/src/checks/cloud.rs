//! Checks on what AWS says: EKS add-ons, the pod identity associations the plan declares, and
//! whether each one's role reaches the buckets its grant names.

use serde_json::Value;

use super::{Ctx, new_finding, str_at};
use crate::model::{BucketReach, ExpectedIdentity, Finding};

pub(super) fn cloud(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let Some(cloud) = &ctx.snapshot.cloud else { return };
    if let Some(error) = &cloud.error {
        out.push(new_finding(
            "doctor.cloud-unreadable",
            format!("EKS cluster {}", cloud.cluster),
            vec![error.clone()],
            "doctor could not read the platform in AWS: its add-ons, pod identities and buckets are not checked"
                .to_string(),
            "run with credentials of the platform's account (aws sts get-caller-identity) that may read EKS, IAM \
             and S3"
                .to_string(),
        ));
    }
    for addon in &cloud.addons {
        let failing = matches!(addon.status.as_str(), "DEGRADED" | "CREATE_FAILED" | "UPDATE_FAILED" | "DELETE_FAILED");
        if !failing && addon.issues.is_empty() {
            continue;
        }
        let mut evidence = vec![format!("status {} (version {})", addon.status, addon.version)];
        evidence.extend(addon.issues.iter().map(|i| format!("health issue: {i}")));
        out.push(new_finding(
            "drift.eks-addon-degraded",
            format!("EKS add-on {}/{}", cloud.cluster, addon.name),
            evidence,
            format!(
                "EKS reports add-on {} as {}: what it runs in the cluster is not healthy",
                addon.name, addon.status
            ),
            format!(
                "read the health issues above (aws eks describe-addon --cluster-name {} --addon-name {}); a \
                 configuration conflict is solved by `kubectl dataplat up`, which updates the add-on with \
                 resolveConflicts OVERWRITE",
                cloud.cluster, addon.name
            ),
        ));
    }
    for expected in &cloud.expected {
        identity(ctx, &cloud.associations, expected, out);
    }
}

/// Pods that run as `namespace/service_account`, by name.
fn pods_of(ctx: &Ctx<'_>, namespace: &str, service_account: &str) -> Vec<String> {
    ctx.of_kind("Pod")
        .filter(|p| str_at(p, "/metadata/namespace") == Some(namespace))
        .filter(|p| str_at(p, "/spec/serviceAccountName").unwrap_or("default") == service_account)
        .filter_map(|p| str_at(p, "/metadata/name").map(str::to_string))
        .collect()
}

fn identity(
    ctx: &Ctx<'_>,
    associations: &[crate::model::Association],
    expected: &ExpectedIdentity,
    out: &mut Vec<Finding>,
) {
    let who = format!("{}/{}", expected.namespace, expected.service_account);
    let object = format!("ServiceAccount {who}");
    let pods = pods_of(ctx, &expected.namespace, &expected.service_account);
    let pods_line = || {
        if pods.is_empty() {
            "no pod runs as it now".to_string()
        } else {
            format!("pods running as it: {}", pods.iter().take(5).cloned().collect::<Vec<_>>().join(", "))
        }
    };
    let found = associations
        .iter()
        .find(|a| a.namespace == expected.namespace && a.service_account == expected.service_account);
    let Some(association) = found else {
        out.push(new_finding(
            "identity.association-missing",
            object,
            vec![
                format!("addon {} declares a pod identity for {who} with role {}", expected.addon, expected.role_name),
                "EKS has no pod identity association for it".to_string(),
                pods_line(),
            ],
            format!(
                "the pods of {who} get no AWS credentials: every AWS call they make fails (no credentials \
                 found, or access denied as the node's role)"
            ),
            "run `kubectl dataplat up`: it creates the association (pods started before it must be restarted to \
             get credentials: kubectl rollout restart)"
                .to_string(),
        ));
        return;
    };
    let role = association.role_arn.rsplit('/').next().unwrap_or("");
    if role != expected.role_name {
        out.push(new_finding(
            "identity.association-wrong-role",
            object.clone(),
            vec![
                format!("association role {}", association.role_arn),
                format!("addon {} declares role {}", expected.addon, expected.role_name),
                pods_line(),
            ],
            format!(
                "the pods of {who} assume another role than the plan's: they have its permissions, not the grant's"
            ),
            "run `kubectl dataplat up`: it updates the association to the plan's role".to_string(),
        ));
        return;
    }
    let Some(policies) = &expected.policies else {
        out.push(new_finding(
            "identity.role-missing",
            object,
            vec![format!("association role {}", association.role_arn), "IAM: the role does not exist".to_string()],
            format!("the pods of {who} are associated with a role that does not exist: they get no credentials"),
            "run `kubectl dataplat up`: the IAM stack creates the role again (a role deleted by hand leaves the \
             stack drifted: aws cloudformation detect-stack-drift)"
                .to_string(),
        ));
        return;
    };
    for bucket in &expected.buckets {
        reach(&object, &who, association, policies, bucket, out);
    }
}

fn reach(
    object: &str,
    who: &str,
    association: &crate::model::Association,
    policies: &[Value],
    bucket: &BucketReach,
    out: &mut Vec<Finding>,
) {
    let mut evidence =
        vec![format!("role {}", association.role_arn), format!("bucket {} ({})", bucket.bucket, bucket.purpose)];
    if !bucket.exists {
        evidence.push("S3: the bucket does not exist".to_string());
        out.push(new_finding(
            "identity.bucket-unreachable",
            object.to_string(),
            evidence,
            format!("{who} cannot use bucket {} ({}): it does not exist", bucket.bucket, bucket.purpose),
            "run `kubectl dataplat up`: the storage stack creates the bucket again".to_string(),
        ));
        return;
    }
    let denied: Vec<String> = bucket
        .needs
        .iter()
        .filter(|(action, resource)| !allowed(policies, action, resource))
        .map(|(action, resource)| format!("{action} on {resource}"))
        .collect();
    if denied.is_empty() {
        return;
    }
    evidence.extend(denied.iter().map(|d| format!("not allowed by the role's policies: {d}")));
    out.push(new_finding(
        "identity.bucket-unreachable",
        object.to_string(),
        evidence,
        format!(
            "{who} cannot use bucket {} ({}): its role does not allow what the grant needs, so queries or jobs that \
             read or write it fail with AccessDenied",
            bucket.bucket, bucket.purpose
        ),
        "run `kubectl dataplat up`: the IAM stack puts the grant's policy back (a policy changed by hand leaves \
         the stack drifted: aws cloudformation detect-stack-drift)"
            .to_string(),
    ));
}

/// IAM's glob: `*` any run, `?` one character.
fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if case_insensitive {
        (pattern.to_ascii_lowercase().chars().collect(), text.to_ascii_lowercase().chars().collect())
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether the policy documents allow `action` on `resource`: an `Allow` statement matches its
/// `Action` and `Resource`, and no `Deny` does. Conditions, `NotAction`, `NotResource`,
/// permission boundaries and bucket policies are not evaluated (a statement with a condition
/// counts as matching).
pub fn allowed(policies: &[Value], action: &str, resource: &str) -> bool {
    let statements = policies.iter().flat_map(|p| match &p["Statement"] {
        Value::Array(items) => items.clone(),
        Value::Object(_) => vec![p["Statement"].clone()],
        _ => Vec::new(),
    });
    let mut allow = false;
    for s in statements {
        let matches = strings(&s["Action"]).iter().any(|a| glob(a, action, true))
            && strings(&s["Resource"]).iter().any(|r| glob(r, resource, false));
        if !matches {
            continue;
        }
        match s["Effect"].as_str() {
            Some("Deny") => return false,
            Some("Allow") => allow = true,
            _ => {}
        }
    }
    allow
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn iam_allows_by_glob_and_deny_wins() {
        let allow = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:PutObject"],
            "Resource": "arn:aws:s3:::b/*"}]});
        let one = std::slice::from_ref(&allow);
        assert!(super::allowed(one, "s3:GetObject", "arn:aws:s3:::b/*"));
        assert!(super::allowed(one, "S3:PutObject", "arn:aws:s3:::b/*"));
        assert!(!super::allowed(one, "s3:DeleteObject", "arn:aws:s3:::b/*"));
        assert!(!super::allowed(one, "s3:GetObject", "arn:aws:s3:::other/*"));
        let deny = json!({"Statement": {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}});
        assert!(!super::allowed(&[allow, deny], "s3:GetObject", "arn:aws:s3:::b/*"));
        assert!(super::glob("a*b?d", "axxbcd", false));
        assert!(!super::glob("a*b?d", "axxbd", false));
    }
}
