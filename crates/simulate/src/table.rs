//! The human view of reports: one column per policy.

use crate::sim::Report;

fn secs(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.1}") }
}

/// Rows of metrics, then the policies' settings, then one line per policy after the first
/// comparing node-hours and p95 wait with the first.
pub fn render_table(reports: &[Report]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec![String::new()];
    header.extend(reports.iter().map(|r| r.policy.clone()));
    rows.push(header);
    let mut row = |label: &str, cell: &dyn Fn(&Report) -> String| {
        let mut r = vec![label.to_string()];
        r.extend(reports.iter().map(cell));
        rows.push(r);
    };
    row("queries", &|r| r.queries.to_string());
    row("completed", &|r| r.completed.to_string());
    row("failed", &|r| {
        let f = &r.failures;
        let mut why = Vec::new();
        for (n, label) in [
            (f.insufficient_workers, "insufficient workers"),
            (f.no_nodes_available, "no nodes"),
            (f.worker_lost, "worker lost"),
            (f.retries_exhausted, "retries exhausted"),
            (f.unfinished, "unfinished"),
        ] {
            if n > 0 {
                why.push(format!("{n} {label}"));
            }
        }
        if why.is_empty() { r.failed.to_string() } else { format!("{} ({})", r.failed, why.join(", ")) }
    });
    row("retried", &|r| r.retried.to_string());
    row("queue wait p50 (s)", &|r| r.queue_wait_s.map(|w| secs(w.p50)).unwrap_or_else(|| "-".into()));
    row("queue wait p95 (s)", &|r| r.queue_wait_s.map(|w| secs(w.p95)).unwrap_or_else(|| "-".into()));
    row("queue wait max (s)", &|r| r.queue_wait_s.map(|w| secs(w.max)).unwrap_or_else(|| "-".into()));
    if reports.iter().any(|r| r.cold_start.is_some()) {
        row("wait from idle p50/max (s)", &|r| {
            r.cold_start
                .map(|c| format!("{}/{} ({} queries)", secs(c.wait_p50_s), secs(c.wait_max_s), c.queries))
                .unwrap_or_else(|| "-".into())
        });
    }
    row("worker node-hours", &|r| format!("{:.2}", r.worker_node_hours));
    row("peak workers", &|r| r.peak_workers.to_string());
    row("scale events", &|r| r.scale_events.to_string());
    row("node launches", &|r| r.node_launches.to_string());
    row("tasks killed", &|r| r.tasks_killed.to_string());
    if reports.iter().any(|r| r.spot_interruptions > 0) {
        row("spot interruptions", &|r| r.spot_interruptions.to_string());
    }
    let mut keys: Vec<String> = Vec::new();
    for r in reports {
        for k in r.settings.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    for key in &keys {
        row(key, &|r| r.settings.get(key).and_then(|v| v.as_str()).unwrap_or("-").to_string());
    }

    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(&format!("{cell:<width$}   ", width = widths[c]));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if let Some((first, rest)) = reports.split_first() {
        for r in rest {
            let hours = if first.worker_node_hours > 0.0 {
                format!("{:+.0} %", (r.worker_node_hours / first.worker_node_hours - 1.0) * 100.0)
            } else {
                "n/a".into()
            };
            let p95 = match (first.queue_wait_s, r.queue_wait_s) {
                (Some(a), Some(b)) => format!("{:+.1} s", b.p95 - a.p95),
                _ => "n/a".into(),
            };
            out.push_str(&format!(
                "\n{} vs {}: worker node-hours {} ({:.2} vs {:.2}), p95 queue wait {}, failed {} vs {}",
                r.policy,
                first.policy,
                hours,
                r.worker_node_hours,
                first.worker_node_hours,
                p95,
                r.failed,
                first.failed
            ));
        }
        if !rest.is_empty() {
            out.push('\n');
        }
    }
    out
}
