//! The human text of each result (tables and summaries), shared by every front end; the
//! binary prints it. Machine output is the results' serde form.

use dataplat_aws::eks::Action as EksAction;
use dataplat_aws::stacks::ChangeKind;
use dataplat_core::Plan;
use dataplat_core::readiness::Analysis;
use dataplat_kube::apply::{Action, ReleaseReport};
use dataplat_plugin::Origin;
use dataplat_readiness::{Report, Severity};

use crate::cloud::{PlanOutput, StatusOutput};

/// A table with a header row; columns are padded to their widest cell.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table { rows: vec![header.iter().map(|h| h.to_string()).collect()] }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    pub fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| self.rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<width$}   ", width = widths[c]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// The findings as lines for a terminal (stderr): errors, warnings, waived ones last.
pub fn readiness(analysis: &Analysis) -> String {
    let report = match analysis {
        Analysis::NotAnalysed { reason, hint } => {
            return format!("readiness: not analysed: {reason}\n  hint: {hint}\n");
        }
        Analysis::Analysed { report } => report,
    };
    let mut out = String::new();
    for finding in &report.findings {
        let level = match (&finding.waived, finding.severity) {
            (Some(_), _) => "waived",
            (None, Severity::Error) => "error",
            (None, Severity::Warning) => "warning",
        };
        out.push_str(&format!(
            "{level}: [{}] {} ({}): {}\n",
            finding.rule, finding.object, finding.release, finding.message
        ));
        match &finding.waived {
            Some(reason) => out.push_str(&format!("  waived: {reason}\n")),
            None => out.push_str(&format!("  hint: {}\n", finding.hint)),
        }
    }
    for waiver in &report.unused_waivers {
        out.push_str(&format!(
            "warning: readiness waiver for [{}] {} matches no finding; remove it\n",
            waiver.rule, waiver.object
        ));
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// `readiness: 312 objects, 61 pods: 0 errors, 2 warnings, 1 waived`.
pub fn summary(report: &Report) -> String {
    let waived = report.findings.iter().filter(|f| f.waived.is_some()).count();
    format!(
        "readiness: {} object(s), {} pod template(s): {} error(s), {} warning(s), {waived} waived",
        report.objects,
        report.pods,
        report.error_count(),
        report.warning_count()
    )
}

fn source_label(origin: &Origin) -> String {
    match origin {
        Origin::Builtin => "built-in".into(),
        Origin::File { path } => path.clone(),
        Origin::Oci { reference, .. } => format!("oci://{reference}"),
        Origin::Native { path } => format!("native {path}"),
    }
}

fn capacity_label(capacity: &dataplat_core::model::CapacityType) -> String {
    match capacity {
        dataplat_core::model::CapacityType::OnDemand => "on-demand".into(),
        dataplat_core::model::CapacityType::Spot => "spot".into(),
    }
}

/// `text` wrapped to `width` columns: the first line after `first`, the rest after `indent` (a
/// word longer than the line stays whole).
pub fn wrap(first: &str, indent: &str, text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let prefix_only = empty;
        if !prefix_only && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Every line of `text` wrapped to `width`, its continuation indented two more than the line.
pub fn wrap_lines(text: &str, width: usize) -> String {
    text.lines()
        .map(|line| {
            let indent: String = line.chars().take_while(|c| *c == ' ').collect();
            if line.trim().is_empty() {
                "\n".to_string()
            } else {
                wrap(&indent, &format!("{indent}  "), line.trim(), width)
            }
        })
        .collect()
}

/// A note as a headline (its first sentence) and, when there is more, the rest as indented
/// detail, both wrapped to `width`.
fn note_lines(label: &str, text: &str, width: usize) -> String {
    // The first sentence, or what comes before the first colon, when that is a phrase (not a
    // setting name such as `retry-policy=TASK:`).
    let cut = [text.find(". "), text.find(": ")]
        .into_iter()
        .flatten()
        .min()
        .filter(|i| text[..*i].trim().contains(' '))
        .map(|i| i + 1)
        .filter(|i| *i < text.len().saturating_sub(1));
    let (head, rest) = match cut {
        Some(i) if i <= 200 => (text[..i].trim(), text[i..].trim()),
        _ => (text.trim(), ""),
    };
    let mut out = wrap(&format!("    {label} "), "      ", head, width);
    if !rest.is_empty() {
        out.push_str(&wrap("        ", "        ", rest, width));
    }
    out
}

/// The human view of a plan, `width` columns wide: the platform, then each addon with what it
/// declares (releases, charts, cloud, capacity, endpoints, notes), then the apply order. Sections
/// with nothing in them are left out.
pub fn plan_table(plan: &Plan, width: usize) -> String {
    let width = width.max(60);
    let p = &plan.platform;
    let mut out = wrap(
        "",
        "  ",
        &format!(
            "Platform {} in {} (deployment {}, Kubernetes {}, VPC {})",
            p.name, p.region, p.deployment_id, p.kubernetes_version, p.vpc_cidr
        ),
        width,
    );
    let c = &p.cluster;
    let ng = &c.core_node_group;
    out.push_str(&wrap(
        "",
        "  ",
        &format!(
            "Cluster: {} endpoint{}, {} control-plane log type(s), Secrets encryption {}, {}; core nodes {} x {}..{} ({} GiB)",
            if c.endpoint_public_access { "public and private" } else { "private" },
            if c.public_access_cidrs.is_empty() { String::new() } else { format!(" (from {})", c.public_access_cidrs.join(", ")) },
            c.control_plane_logs.len(),
            c.secrets_kms_key_arn.as_deref().map_or_else(|| "by EKS's own key".to_owned(), |k| format!("with {k}")),
            if c.single_nat_gateway { "one NAT gateway" } else { "a NAT gateway per zone" },
            ng.instance_types.join("/"),
            ng.min_size,
            ng.max_size,
            ng.disk_size_gib,
        ),
        width,
    ));
    let addons: Vec<&str> = plan
        .addons
        .iter()
        .filter(|a| !a.releases.is_empty() || !a.buckets.is_empty())
        .map(|a| a.name.as_str())
        .collect();
    out.push('\n');
    out.push_str(&wrap("", "  ", &format!("{} addon(s): {}", addons.len(), addons.join(", ")), width));
    for a in &plan.addons {
        out.push_str(&format!("\n{} {} ({})\n", a.name, a.version, source_label(&a.source)));
        let mut field = |name: &str, items: Vec<String>| {
            if items.is_empty() {
                return;
            }
            let first = format!("  {name:<10} ");
            let indent = " ".repeat(first.len());
            for (i, item) in items.iter().enumerate() {
                out.push_str(&wrap(if i == 0 { &first } else { &indent }, &format!("{indent}  "), item, width));
            }
        };
        field(
            "releases",
            a.releases
                .iter()
                .map(|r| {
                    let chart =
                        r.chart.as_ref().map(|c| format!(", chart {} {}", c.chart, c.version)).unwrap_or_default();
                    format!("{} in {}: {} object(s){chart}", r.id, r.namespace, r.objects.len())
                })
                .collect(),
        );
        let mut cloud = Vec::new();
        for b in &a.buckets {
            let rules: Vec<String> = b
                .lifecycle_rules
                .iter()
                .map(|r| format!("expire {}* after {}d", r.prefix, r.expiration_days))
                .collect();
            cloud.push(format!(
                "bucket {}: {}{}",
                b.name,
                b.purpose,
                if rules.is_empty() { String::new() } else { format!(" ({})", rules.join(", ")) }
            ));
        }
        for g in &a.grants {
            let actions: usize = g.statements.iter().map(|s| s.actions.len()).sum();
            cloud.push(format!(
                "iam role {}/{}: {} statement(s), {} action(s){}",
                a.name,
                g.id,
                g.statements.len(),
                actions,
                if g.managed_policies.is_empty() {
                    String::new()
                } else {
                    format!(", managed: {}", g.managed_policies.join(", "))
                }
            ));
        }
        for i in &a.pod_identities {
            cloud.push(format!("pod identity {}/{} -> role {}/{}", i.namespace, i.service_account, a.name, i.grant));
        }
        for secret in &a.secrets {
            let keys: Vec<&str> = secret
                .random_keys
                .iter()
                .map(String::as_str)
                .chain(secret.fixed.iter().map(|(k, _)| k.as_str()))
                .collect();
            cloud.push(format!("secret {}/{} generated once: {}", secret.namespace, secret.name, keys.join(", ")));
        }
        field("cloud", cloud);
        field(
            "capacity",
            a.node_pools
                .iter()
                .map(|n| {
                    let capacity: Vec<String> = n.capacity_types.iter().map(capacity_label).collect();
                    let families = if n.instance_families.is_empty() {
                        "any family".to_string()
                    } else {
                        n.instance_families.join("/")
                    };
                    format!(
                        "nodepool {}: {} {} {}{}",
                        n.name,
                        capacity.join("+"),
                        n.architectures.join("+"),
                        families,
                        if n.single_zone { ", one zone" } else { "" }
                    )
                })
                .collect(),
        );
        field("endpoints", a.endpoints.iter().map(|e| format!("{} {}", e.name, e.url)).collect());
        if !a.notes.is_empty() || !a.warnings.is_empty() {
            out.push_str("  notes\n");
            for n in &a.notes {
                out.push_str(&note_lines(&format!("[{}]", n.topic), &n.text, width));
            }
            for w in &a.warnings {
                out.push_str(&note_lines("[warning]", w, width));
            }
        }
    }
    if !plan.release_order.is_empty() {
        out.push_str("\nApply order (releases of one wave run concurrently):\n");
        for (i, wave) in plan.release_order.iter().enumerate() {
            let first = format!("  {}. ", i + 1);
            let indent = " ".repeat(first.len());
            out.push_str(&wrap(&first, &indent, &wave.join(", "), width));
        }
    }
    out
}

/// The human view of the releases' diff: a count table, then each change with its field diff.
pub fn diff_table(reports: &[ReleaseReport]) -> String {
    let mut table = Table::new(&["RELEASE", "CREATE", "UPDATE", "REPLACE", "DELETE", "KEEP", "UNCHANGED"]);
    for r in reports {
        table.row(vec![
            r.release.clone(),
            r.count(Action::Create).to_string(),
            r.count(Action::Update).to_string(),
            r.count(Action::Replace).to_string(),
            r.count(Action::Delete).to_string(),
            r.count(Action::Keep).to_string(),
            r.count(Action::Unchanged).to_string(),
        ]);
    }
    let mut out = table.render();
    for r in reports {
        for c in r.changes.iter().filter(|c| !matches!(c.action, Action::Unchanged)) {
            out.push_str(&format!("\n{} {}: {}\n", c.action.as_str(), r.release, c.object));
            for line in &c.diff {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

fn eks_line(change: &dataplat_aws::eks::Change) -> String {
    let sign = match change.action {
        EksAction::Created => "+ create",
        EksAction::Updated => "~ update",
        EksAction::Recreated => "± replace",
        EksAction::Deleted => "- delete",
    };
    let detail = change.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
    format!("  {sign} {} {}{detail}\n", change.kind, change.name)
}

pub fn plan_text(output: &PlanOutput) -> String {
    let mut out = String::new();
    if let Some(analysis) = &output.readiness {
        out.push_str(&readiness(analysis));
        out.push('\n');
    }
    if let Some(cloud) = &output.cloud {
        out.push_str(&format!("Cloud: account {} as {}\n\n", cloud.identity.account, cloud.identity.arn));
        let mut table = Table::new(&["STACK", "ACTION", "CHANGES"]);
        for stack in &cloud.stacks {
            let action = match (stack.replaces_failed_stack, stack.kind, stack.changes.is_empty()) {
                (true, _, _) => "replace (failed create)",
                (false, _, true) => "unchanged",
                (false, ChangeKind::Create, false) => "create",
                (false, ChangeKind::Update, false) => "update",
            };
            table.row(vec![stack.stack.clone(), action.into(), stack.changes.len().to_string()]);
        }
        out.push_str(&table.render());
        for stack in cloud.stacks.iter().filter(|s| s.kind == ChangeKind::Update && !s.replaces_failed_stack) {
            for change in &stack.changes {
                out.push_str(&format!("  {}: {change}\n", stack.stack));
            }
        }
        out.push('\n');
        match &cloud.eks.cluster {
            Some(c) => out.push_str(&format!("EKS: cluster {} {}, Kubernetes {}\n", c.name, c.status, c.version)),
            None => out.push_str("EKS: the cluster does not exist\n"),
        }
        if cloud.eks.changes.is_empty() {
            out.push_str("  nothing to change\n");
        }
        for change in &cloud.eks.changes {
            out.push_str(&eks_line(change));
        }
        for warning in &cloud.eks.warnings {
            out.push_str(&format!("  warning: {warning}\n"));
        }
        if cloud.unchanged() {
            out.push_str("\ncloud: nothing to change\n");
        }
    }
    if let Some(releases) = &output.releases {
        if !out.is_empty() {
            out.push_str("\nReleases:\n");
        }
        out.push_str(&diff_table(releases));
    }
    if let Some(note) = &output.note {
        out.push_str(&format!("\n{note}\n"));
    }
    out
}

pub fn status_text(output: &StatusOutput, plan: &dataplat_core::Plan) -> String {
    let mut out = String::new();
    if let Some(cloud) = &output.cloud {
        let mut table = Table::new(&["STACK", "STATUS"]);
        for s in &cloud.stacks {
            table.row(vec![s.stack.clone(), s.status.clone().unwrap_or_else(|| "absent".into())]);
        }
        out.push_str(&table.render());
        match &cloud.eks {
            None => out.push_str("\nEKS: the cluster does not exist\n"),
            Some(eks) => {
                let c = &eks.cluster;
                out.push_str(&format!(
                    "\nEKS: cluster {} {}, Kubernetes {}, {}\n",
                    c.name, c.status, c.version, c.endpoint
                ));
                let mut table = Table::new(&["NODE GROUP", "STATUS", "MIN/DESIRED/MAX", "TYPES"]);
                for n in &eks.nodegroups {
                    table.row(vec![
                        n.name.clone(),
                        n.status.clone(),
                        format!("{}/{}/{}", n.min_size, n.desired_size, n.max_size),
                        n.instance_types.join(","),
                    ]);
                }
                out.push_str(&table.render());
                out.push('\n');
                let mut table = Table::new(&["ADD-ON", "STATUS", "VERSION"]);
                for a in &eks.addons {
                    table.row(vec![a.name.clone(), a.status.clone(), a.version.clone()]);
                }
                out.push_str(&table.render());
                for issue in eks.nodegroups.iter().flat_map(|n| n.issues.iter().map(move |i| (&n.name, i))) {
                    out.push_str(&format!("  node group {}: {}\n", issue.0, issue.1));
                }
                for issue in eks.addons.iter().flat_map(|a| a.issues.iter().map(move |i| (&a.name, i))) {
                    out.push_str(&format!("  add-on {}: {}\n", issue.0, issue.1));
                }
            }
        }
    }
    if let Some(releases) = &output.releases {
        out.push('\n');
        let mut table = Table::new(&["RELEASE", "STATUS"]);
        let planned = |id: &str| plan.addons.iter().flat_map(|a| &a.releases).any(|r| r.id == id);
        for r in releases {
            let later = if planned(&r.release) { "" } else { " (no longer planned: the next apply prunes it)" };
            table.row(vec![r.release.clone(), format!("{}{later}", r.summary())]);
        }
        for release in plan.addons.iter().flat_map(|a| &a.releases) {
            if !releases.iter().any(|r| r.release == release.id) {
                table.row(vec![release.id.clone(), "not applied".into()]);
            }
        }
        out.push_str(&table.render());
        let scaling: Vec<String> = releases.iter().flat_map(|r| r.scaling_lines()).map(|l| format!("  {l}")).collect();
        section(&mut out, "Scaling", &scaling);
    }
    if let Some(note) = &output.note {
        out.push_str(&format!("\n{note}\n"));
    }
    let endpoints: Vec<String> =
        output.endpoints.iter().map(|e| format!("  {} ({}): {}", e.name, e.addon, e.url)).collect();
    section(&mut out, "Endpoints", &endpoints);
    out.push_str(if output.healthy { "\nhealthy\n" } else { "\nnot healthy\n" });
    out
}

/// A titled block of lines after a blank line; nothing when there are no lines.
fn section(out: &mut String, title: &str, lines: &[String]) {
    if !lines.is_empty() {
        out.push_str(&format!("\n{title}:\n{}\n", lines.join("\n")));
    }
}

/// The human view of `doctor`: each finding with its evidence, cause and fix, then a summary.
pub fn doctor_text(output: &crate::doctor::DoctorOutput) -> String {
    let mut out = String::new();
    for f in &output.findings {
        let severity = match f.severity {
            dataplat_doctor::Severity::Error => "error",
            dataplat_doctor::Severity::Warning => "warning",
        };
        out.push_str(&format!("{severity}: [{}] {}\n", f.id, f.object));
        for line in &f.evidence {
            out.push_str(&format!("    saw: {line}\n"));
        }
        out.push_str(&format!("    why: {}\n    fix: {}\n\n", f.cause, f.fix));
    }
    out.push_str(&format!(
        "{} finding(s) in {} objects read from {} in {:.2} s{}\n",
        output.findings.len(),
        output.objects,
        output.cluster,
        output.seconds,
        if output.kinds_absent.is_empty() {
            String::new()
        } else {
            format!(" (not served, skipped: {})", output.kinds_absent.join(", "))
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_the_width_and_long_words_whole() {
        let text = wrap("  a: ", "     ", "one two three four five six seven", 16);
        assert_eq!(text, "  a: one two\n     three four\n     five six\n     seven\n");
        assert!(text.lines().all(|l| l.chars().count() <= 16));
        assert_eq!(wrap("", "", "averyveryverylongword x", 8), "averyveryverylongword\nx\n");
        let note = note_lines("[x]", "Headline here. Then the detail, which goes on and on for a while.", 40);
        assert_eq!(
            note,
            "    [x] Headline here.\n        Then the detail, which goes on\n        and on for a while.\n"
        );
    }

    #[test]
    fn a_section_is_a_titled_block_or_nothing() {
        let mut out = String::from("head\n");
        section(&mut out, "Notes", &[]);
        assert_eq!(out, "head\n", "an empty section prints nothing, not a bare heading");
        section(&mut out, "Notes", &["  a".to_string(), "  b".to_string()]);
        assert_eq!(out, "head\n\nNotes:\n  a\n  b\n");
    }
}
