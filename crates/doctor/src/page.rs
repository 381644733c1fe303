//! The troubleshooting page of the user guide (`docs/troubleshooting.md`), generated from the
//! [`CATALOGUE`](crate::CATALOGUE); a test keeps the committed page equal to it.

use crate::model::{CATALOGUE, Severity};

/// The page, in Markdown.
pub fn troubleshooting_page() -> String {
    let mut out = String::from(
        "# Troubleshooting: `kubectl dataplat doctor`\n\n\
Generated from the finding catalogue of `crates/doctor` (a test keeps this page current); do not edit.\n\n\
`doctor` reads the live platform and says what is wrong, why, and what to do. It only reads: one LIST per \
kind it looks at (cluster-wide), the Warning events, and the last 20 log lines of at most 10 crash-looping \
containers.\n\n\
```console\n\
kubectl dataplat doctor                      # the platform's own cluster (context <name>.<region>)\n\
kubectl dataplat doctor --kubeconfig FILE --context NAME\n\
kubectl dataplat doctor --addon trino        # only its namespaces and NodePools\n\
kubectl dataplat doctor --grace 600 -o json  # what is reported only after 600 s (default 300)\n\
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
| `findings[].id` | string | an id of the catalogue below |\n\
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
        "\n## Not checked yet\n\n\
The reference guide's other troubleshooting steps are not automated yet: Prometheus queries of KEDA's \
triggers (a query that fails or returns no series), the HPA's metric against its target, Trino's active \
workers against its replicas and its queued queries, the exchange bucket from the coordinator's identity, \
catalogs that fail to load, the pod identity associations themselves (the agent is checked), and drift of chart \
versions and EKS add-ons. Until then, `kubectl dataplat status` and `plan` show part of it.\n\n\
The readiness rules `plan` runs before `up` also run on the live objects of the platform's releases (what \
their inventories list), reported as `readiness.<rule>` with the rule's message and hint: see the readiness \
rules in the [user guide](user-guide.md).\n",
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_troubleshooting_page_is_the_generated_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/troubleshooting.md");
        let page = super::troubleshooting_page();
        if std::env::var("DATAPLAT_BLESS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &page).expect("write docs/troubleshooting.md");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == page,
            "docs/troubleshooting.md is out of date: DATAPLAT_BLESS=1 cargo test -p dataplat-doctor regenerates it"
        );
        for entry in crate::CATALOGUE {
            assert!(page.contains(&format!("`{}`", entry.id)), "{}", entry.id);
        }
    }
}
