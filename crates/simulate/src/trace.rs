//! Query traces: the CSV format, its parser and the deterministic generator.

use serde::Serialize;

use crate::Error;
use crate::rng::Rng;

/// The CSV header of a trace file.
pub const HEADER: &str = "submit_s,duration_s,workers";

/// One query of a trace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Query {
    /// Submit time, seconds from the start of the trace.
    pub submit_s: f64,
    /// Run time once started, seconds.
    pub duration_s: f64,
    /// Workers the query needs (`required_workers_count`), at least 1.
    pub workers: u32,
}

/// Queries sorted by submit time (stable: equal times keep file order).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Trace {
    pub queries: Vec<Query>,
    /// The period the trace covers, in seconds (a `# horizon_s: N` line), if it says.
    pub horizon_s: Option<f64>,
}

/// The comment line that states a trace's length.
const HORIZON: &str = "# horizon_s:";

impl Trace {
    pub fn new(mut queries: Vec<Query>) -> Trace {
        queries.sort_by(|a, b| a.submit_s.total_cmp(&b.submit_s));
        Trace { queries, horizon_s: None }
    }

    /// The trace as CSV text (`# horizon_s: N` if known, header, one line per query, values
    /// with one decimal).
    pub fn to_csv(&self) -> String {
        let mut out = String::with_capacity(self.queries.len() * 20 + HEADER.len() + 1);
        if let Some(h) = self.horizon_s {
            out.push_str(&format!("{HORIZON} {h}\n"));
        }
        out.push_str(HEADER);
        out.push('\n');
        for q in &self.queries {
            out.push_str(&format!("{:.1},{:.1},{}\n", q.submit_s, q.duration_s, q.workers));
        }
        out
    }

    /// Seconds until the last query would end if it started at once, or the stated horizon if
    /// that is later.
    pub fn span_s(&self) -> f64 {
        self.queries.iter().map(|q| q.submit_s + q.duration_s).fold(self.horizon_s.unwrap_or(0.0), f64::max)
    }
}

/// Parses a trace. `file` names the text in errors (`FILE:LINE`). Blank lines and lines starting
/// with `#` are skipped; the first other line must be the header (columns in any order).
pub fn parse(file: &str, text: &str) -> Result<Trace, Error> {
    let err = |line: usize, column: Option<&str>, message: String, hint: &str| Error::Trace {
        file: file.to_string(),
        line,
        column: column.map(str::to_string),
        message,
        hint: hint.to_string(),
    };
    let mut columns: Option<[usize; 3]> = None;
    let mut width = 0;
    let mut queries = Vec::new();
    let mut horizon_s = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if let Some(value) = trimmed.strip_prefix(HORIZON) {
            match value.trim().parse::<f64>() {
                Ok(h) if h.is_finite() && h > 0.0 => horizon_s = Some(h),
                _ => {
                    return Err(err(
                        line,
                        None,
                        format!("`{trimmed}`: the horizon is not a positive number of seconds"),
                        "e.g. `# horizon_s: 86400` for a 24 h trace",
                    ));
                }
            }
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = trimmed.split(',').map(str::trim).collect();
        let Some(order) = columns else {
            let find = |name: &str| cells.iter().position(|c| *c == name);
            match (find("submit_s"), find("duration_s"), find("workers")) {
                (Some(s), Some(d), Some(w)) if cells.len() == 3 => {
                    columns = Some([s, d, w]);
                    width = cells.len();
                }
                _ => {
                    return Err(err(
                        line,
                        None,
                        format!("expected the header `{HEADER}`, found `{trimmed}`"),
                        "the first line names the columns: submit time (s), duration (s), required workers",
                    ));
                }
            }
            continue;
        };
        if cells.len() != width {
            return Err(err(
                line,
                None,
                format!("expected {width} columns, found {}", cells.len()),
                "each line is `submit_s,duration_s,workers`, e.g. `120.5,60,2`",
            ));
        }
        let number = |i: usize, name: &str| -> Result<f64, Error> {
            let cell = cells[order[i]];
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => {
                    Err(err(line, Some(name), format!("`{cell}` is not a number"), "use seconds, e.g. `90` or `12.5`"))
                }
            }
        };
        let submit_s = number(0, "submit_s")?;
        if submit_s < 0.0 {
            return Err(err(
                line,
                Some("submit_s"),
                format!("{submit_s} is negative"),
                "submit times count seconds from the start of the trace (0 or more)",
            ));
        }
        let duration_s = number(1, "duration_s")?;
        if duration_s <= 0.0 {
            return Err(err(
                line,
                Some("duration_s"),
                format!("{duration_s} is not positive"),
                "a query runs for more than 0 seconds",
            ));
        }
        let cell = cells[order[2]];
        let workers = match cell.parse::<u32>() {
            Ok(w) if (1..=1000).contains(&w) => w,
            _ => {
                return Err(err(
                    line,
                    Some("workers"),
                    format!("`{cell}` is not a worker count"),
                    "a whole number from 1 to 1000: the workers the query needs",
                ));
            }
        };
        queries.push(Query { submit_s, duration_s, workers });
    }
    if columns.is_none() {
        return Err(err(
            text.lines().count().max(1),
            None,
            "the trace is empty".into(),
            "the first line is the header",
        ));
    }
    Ok(Trace { horizon_s, ..Trace::new(queries) })
}

/// The shapes of generated traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TraceKind {
    /// Poisson arrivals, ~40 queries/h, short queries on 1-2 workers (rarely 4).
    Steady,
    /// Mostly idle; ~6 bursts a day of 30-80 queries within 5-10 minutes on 1-8 workers.
    Bursty,
    /// A business day: ~2 queries/h at night, ~120/h from 10:00 to 16:00, ramps in between.
    Diurnal,
}

impl TraceKind {
    pub const ALL: [TraceKind; 3] = [TraceKind::Steady, TraceKind::Bursty, TraceKind::Diurnal];

    pub fn name(self) -> &'static str {
        match self {
            TraceKind::Steady => "steady",
            TraceKind::Bursty => "bursty",
            TraceKind::Diurnal => "diurnal",
        }
    }

    pub fn from_name(name: &str) -> Option<TraceKind> {
        TraceKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Rounds to one decimal, as the CSV stores it (so a generated trace equals its file).
fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Log-normal duration with the given median, clamped.
fn lognormal(rng: &mut Rng, median: f64, sigma: f64, lo: f64, hi: f64) -> f64 {
    (median * (sigma * rng.normal()).exp()).clamp(lo, hi)
}

/// Workers of a steady/diurnal query: 1 (60 %), 2 (35 %), 4 (5 %).
fn small_workers(rng: &mut Rng) -> u32 {
    let u = rng.next_f64();
    if u < 0.60 {
        1
    } else if u < 0.95 {
        2
    } else {
        4
    }
}

/// Queries per hour of the diurnal profile at `hour` (0..24, fractional).
pub fn diurnal_rate(hour: f64) -> f64 {
    let (night, peak) = (2.0, 120.0);
    match hour {
        h if h < 6.0 => night,
        h if h < 10.0 => night + (peak - night) * (h - 6.0) / 4.0,
        h if h < 16.0 => peak,
        h if h < 20.0 => peak - (peak - night) * (h - 16.0) / 4.0,
        _ => night,
    }
}

/// A deterministic trace: the same `kind`, `hours` and `seed` always give the same queries.
pub fn generate(kind: TraceKind, hours: f64, seed: u64) -> Trace {
    let mut rng = Rng::new(seed ^ (kind as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let end = hours.max(0.0) * 3600.0;
    let mut queries = Vec::new();
    match kind {
        TraceKind::Steady => {
            let rate = 40.0 / 3600.0;
            let mut t = rng.exponential(rate);
            while t < end {
                let duration = lognormal(&mut rng, 60.0, 0.9, 10.0, 1200.0);
                queries.push(Query {
                    submit_s: tenth(t),
                    duration_s: tenth(duration),
                    workers: small_workers(&mut rng),
                });
                t += rng.exponential(rate);
            }
        }
        TraceKind::Bursty => {
            let bursts = ((6.0 * hours / 24.0).round() as usize).max(1);
            for _ in 0..bursts {
                let window = rng.uniform(300.0, 600.0);
                let start = rng.uniform(0.0, (end - window).max(0.0));
                let count = 30 + (rng.next_f64() * 51.0) as usize;
                for _ in 0..count {
                    let submit = start + rng.uniform(0.0, window);
                    // Log-uniform 30..600 s.
                    let duration = 30.0 * (20f64.ln() * rng.next_f64()).exp();
                    const WORKERS: [u32; 10] = [1, 1, 2, 2, 2, 3, 4, 4, 6, 8];
                    let workers = WORKERS[(rng.next_f64() * WORKERS.len() as f64) as usize % WORKERS.len()];
                    queries.push(Query { submit_s: tenth(submit), duration_s: tenth(duration), workers });
                }
            }
        }
        TraceKind::Diurnal => {
            // Non-homogeneous Poisson process by thinning against the peak rate.
            let max_rate = 120.0 / 3600.0;
            let mut t = rng.exponential(max_rate);
            while t < end {
                let hour = (t / 3600.0) % 24.0;
                let keep = rng.next_f64() < diurnal_rate(hour) / 120.0;
                if keep {
                    let duration = lognormal(&mut rng, 60.0, 0.9, 10.0, 1200.0);
                    queries.push(Query {
                        submit_s: tenth(t),
                        duration_s: tenth(duration),
                        workers: small_workers(&mut rng),
                    });
                }
                t += rng.exponential(max_rate);
            }
        }
    }
    Trace { horizon_s: Some(end), ..Trace::new(queries) }
}
