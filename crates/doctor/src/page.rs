//! The troubleshooting page of the user guide (`docs/troubleshooting.md`), generated from the
//! [`CATALOGUE`](crate::CATALOGUE) and the alert rules the built-in addons declare; a test of
//! `kubectl-dataplat` (tests/docs.rs) keeps the committed page equal to it.

use crate::model::{CATALOGUE, Severity};

/// A finding an addon declares for doctor: an alert rule (a PrometheusRule labelled
/// `dataplat.io/doctor`) or a log signature (annotation `dataplat.io/doctor-log-signatures`).
#[derive(Clone, Debug, PartialEq)]
pub struct AlertDoc {
    pub addon: String,
    /// Where it is declared: `PrometheusRule trino/trino`, `Deployment trino/trino-coordinator`.
    pub source: String,
    /// The finding id: `alert.<name>` or `log.<name>`.
    pub finding: String,
    /// `critical`, `warning`, ...
    pub severity: String,
    pub summary: String,
}

/// The page, in Markdown, with `alerts` (the built-in addons' alert rules and log signatures)
/// listed.
pub fn troubleshooting_page(alerts: &[AlertDoc]) -> String {
    let mut out = String::from(
        "# Troubleshooting: `kubectl dataplat doctor`\n\n\
Generated from the finding catalogue of `crates/doctor` and the alert rules of the built-in addons (a test in \
`kubectl-dataplat/tests/docs.rs` keeps this page current); do not edit.\n\n\
`doctor` reads the live platform and says what is wrong, why, and what to do. It only reads:\n\n\
- the cluster: one LIST per kind it looks at (cluster-wide), the Warning events, and the last 20 log lines of \
at most 10 crash-looping containers or failed Jobs;\n\
- Prometheus, through the API server's service proxy (`GET .../services/http:NAME:PORT/proxy/api/v1/query`), 5 s \
per query, all at once: the query of every `prometheus` trigger of every ScaledObject (on the server the trigger \
names), and the expression of every alert rule of the PrometheusRules labelled `dataplat.io/doctor: \"true\"` (on \
the `prometheus` addon's `prometheus-query` endpoint). When a trigger's query returns nothing, doctor also asks \
which `job`/`namespace` label sets its metrics do have;\n\
- AWS (unless `--cluster-only`): the EKS cluster's add-ons (`DescribeAddon`), its pod identity associations \
(`ListPodIdentityAssociations`, `DescribePodIdentityAssociation`), each planned role's policies (`GetRole`, \
`ListRolePolicies`, `GetRolePolicy`, `ListAttachedRolePolicies`, `GetPolicy`, `GetPolicyVersion`) and the \
buckets the grants name (`HeadBucket`).\n\n\
A component that does not answer is a finding (`keda.trigger-query-failed`, `alerts.not-evaluated`, \
`doctor.cloud-unreadable`), never a crash.\n\n\
```console\n\
kubectl dataplat doctor                      # the platform's own cluster (context <name>.<region>)\n\
kubectl dataplat doctor --kubeconfig FILE --context NAME\n\
kubectl dataplat doctor --addon trino        # only its namespaces and NodePools\n\
kubectl dataplat doctor --grace 600 -o json  # what is reported only after 600 s (default 300)\n\
kubectl dataplat doctor --cluster-only       # no AWS calls\n\
```\n\n\
Exit codes: **0** nothing is wrong, **1** something is (every finding is printed), **2** doctor cannot run (the \
cluster cannot be read, an unknown `--addon`).\n\n\
Each finding says what it saw (`saw:`: conditions, messages, events, log lines, numbers), why it is wrong \
(`why:`) and what to do (`fix:`). Pending pods, NotReady nodes, load balancers without an address and \
Certificates that are not Ready are reported only once they have been so for the grace period, so a pod \
waiting for the node Karpenter is launching is not a finding.\n\n\
## `-o json`\n\n\
One object:\n\n\
| field | type | meaning |\n|---|---|---|\n\
| `cluster` | string | the context or kubeconfig read |\n\
| `findings` | list | errors first, then by id and object |\n\
| `findings[].id` | string | an id of the catalogue below, `alert.<name>` or `readiness.<rule>` |\n\
| `findings[].severity` | `error` or `warning` | |\n\
| `findings[].object` | string | `Kind namespace/name`, or `Kind name` for a cluster-scoped object |\n\
| `findings[].evidence` | list of strings | what doctor saw |\n\
| `findings[].cause` | string | why it is wrong |\n\
| `findings[].fix` | string | what to do |\n\
| `objects` | integer | objects read |\n\
| `kinds_absent` | list of strings | kinds the cluster does not serve (an addon that is off), skipped |\n\
| `seconds` | number | how long it took |\n\n\
## Findings\n\n\
| id | severity | what it means | what doctor looks at |\n|---|---|---|---|\n",
    );
    for entry in CATALOGUE {
        let severity = match entry.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("| `{}` | {severity} | {} | {} |\n", entry.id, entry.title, entry.looks_at));
    }
    out.push_str(
        "\n`readiness.<rule>`: the readiness rules `plan` runs before `up` also run on the live objects of the \
platform's releases (what their inventories list), reported with the rule's message and hint: see the readiness \
rules in the [user guide](user-guide.md).\n\n\
## Addon alert rules: `alert.<name>`\n\n\
An addon declares what it knows goes wrong as Prometheus alert rules: a PrometheusRule labelled \
`dataplat.io/doctor: \"true\"`. Prometheus evaluates them as alerts; doctor evaluates each rule's `expr` at \
once (the rule's `for` is not waited for: write windows into the expression, `min_over_time(...[5m:30s])`) and \
reports every series it returns as finding `alert.<alert name>`: severity error for the `severity` label \
`critical` or `error`, else warning; the cause is the `summary` and `description` annotations, the fix the `fix` \
annotation (else `runbook_url`). A third-party addon gets the same by shipping such a rule.\n\n\
## Addon log signatures: `log.<name>`\n\n\
A workload (Deployment, StatefulSet, DaemonSet) declares what its log says when it fails in the annotation \
`dataplat.io/doctor-log-signatures`: a JSON list of `{finding, severity, started, finished, summary, \
description, fix}`. `started` and `finished` are regular expressions whose first group captures a name; each \
name a log line matches `started` for and no later line matches `finished` for is a finding `log.<finding>` on \
the pod, with `{name}` filled in and the error lines after it as evidence. doctor reads the last 200 lines of \
the previous run of every crash-looping container (at most 10).\n\n\
## What the built-in addons declare\n\n\
| finding | addon | declared in | severity | what it means |\n|---|---|---|---|---|\n",
    );
    for alert in alerts {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            alert.finding, alert.addon, alert.source, alert.severity, alert.summary
        ));
    }
    out.push_str(
        "\n## What doctor does not check\n\n\
- A log signature only sees crash-looping containers: a service that logs its failure and keeps running is \
not read.\n\
- IAM conditions, permission boundaries, bucket policies and SCPs: a role's policies are evaluated for `Allow` \
and `Deny` by action and resource only.\n\
- A pod started before its pod identity association: it has no credentials until restarted; doctor reports the \
association, not the pod.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_names_every_catalogue_entry_and_every_alert() {
        let alert = super::AlertDoc {
            addon: "trino".into(),
            source: "PrometheusRule trino/trino".into(),
            finding: "alert.TrinoNotScraped".into(),
            severity: "critical".into(),
            summary: "not scraped".into(),
        };
        let page = super::troubleshooting_page(&[alert]);
        for entry in crate::CATALOGUE {
            assert!(page.contains(&format!("`{}`", entry.id)), "{}", entry.id);
        }
        assert!(
            page.contains("| `alert.TrinoNotScraped` | trino | PrometheusRule trino/trino | critical | not scraped |")
        );
    }
}
