//! The trace format, its errors, the generator and the shipped example traces.

use dataplat_simulate::{Error, TraceKind, generate, parse_trace};

fn trace_error(text: &str) -> (usize, Option<String>, String, String) {
    match parse_trace("t.csv", text) {
        Err(Error::Trace { file, line, column, message, hint }) => {
            assert_eq!(file, "t.csv");
            assert!(!hint.is_empty(), "every trace error has a hint");
            (line, column, message, hint)
        }
        other => panic!("expected a trace error for {text:?}, got {other:?}"),
    }
}

#[test]
fn parses_sorts_and_skips_comments() {
    let trace =
        parse_trace("t.csv", "# a comment\nsubmit_s,duration_s,workers\n\n30,10,2\n 5.5 , 60 , 1 \n# x\n10,1.5,4\n")
            .expect("parses");
    let submits: Vec<f64> = trace.queries.iter().map(|q| q.submit_s).collect();
    assert_eq!(submits, vec![5.5, 10.0, 30.0]);
    assert_eq!(trace.queries[0].duration_s, 60.0);
    assert_eq!(trace.queries[2].workers, 2);
    assert_eq!(trace.horizon_s, None);
    // Columns in another order.
    let trace = parse_trace("t.csv", "workers,submit_s,duration_s\n3,1,2\n").expect("parses");
    assert_eq!((trace.queries[0].workers, trace.queries[0].submit_s, trace.queries[0].duration_s), (3, 1.0, 2.0));
}

#[test]
fn errors_name_line_and_column() {
    let (line, column, message, _) = trace_error("submit,duration,workers\n1,2,3\n");
    assert_eq!((line, column), (1, None));
    assert!(message.contains("header"), "{message}");

    let (line, column, message, _) = trace_error("submit_s,duration_s,workers\n1,60,1\n\n2,abc,1\n");
    assert_eq!((line, column.as_deref()), (4, Some("duration_s")));
    assert!(message.contains("abc"), "{message}");

    let (line, column, _, _) = trace_error("submit_s,duration_s,workers\n-1,60,1\n");
    assert_eq!((line, column.as_deref()), (2, Some("submit_s")));

    let (line, column, _, _) = trace_error("submit_s,duration_s,workers\n1,0,1\n");
    assert_eq!((line, column.as_deref()), (2, Some("duration_s")));

    let (line, column, _, _) = trace_error("submit_s,duration_s,workers\n1,5,0\n");
    assert_eq!((line, column.as_deref()), (2, Some("workers")));
    let (_, column, _, _) = trace_error("submit_s,duration_s,workers\n1,5,1.5\n");
    assert_eq!(column.as_deref(), Some("workers"));
    let (_, column, _, _) = trace_error("submit_s,duration_s,workers\nNaN,5,1\n");
    assert_eq!(column.as_deref(), Some("submit_s"));

    let (line, column, message, _) = trace_error("submit_s,duration_s,workers\n1,5\n");
    assert_eq!((line, column), (2, None));
    assert!(message.contains("columns"), "{message}");

    let (_, _, message, _) = trace_error("");
    assert!(message.contains("empty"), "{message}");
    let (line, _, _, _) = trace_error("# horizon_s: soon\nsubmit_s,duration_s,workers\n");
    assert_eq!(line, 1);

    // The Display form is FILE:LINE: column C: message.
    let error = parse_trace("x/y.csv", "submit_s,duration_s,workers\n1,2,zz\n").expect_err("bad");
    assert!(error.to_string().starts_with("x/y.csv:2: column workers: "), "{error}");
}

#[test]
fn generator_is_deterministic_and_seeded() {
    for kind in TraceKind::ALL {
        let a = generate(kind, 24.0, 7);
        assert_eq!(a, generate(kind, 24.0, 7), "{kind:?}: same seed, same trace");
        assert_ne!(a, generate(kind, 24.0, 8), "{kind:?}: another seed, another trace");
        assert_eq!(a.horizon_s, Some(86400.0));
        // What it writes, it reads back identically.
        assert_eq!(parse_trace("gen", &a.to_csv()).expect("round trip"), a, "{kind:?}");
        assert!(a.queries.windows(2).all(|w| w[0].submit_s <= w[1].submit_s));
        assert!(a.queries.iter().all(|q| q.submit_s >= 0.0 && q.submit_s < 86400.0 && q.duration_s > 0.0));
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn generated_shapes_match_their_descriptions() {
    // steady: ~40/h, median ~60 s within 10 s..20 min, workers 1, 2 or 4 (4 rare).
    let steady = generate(TraceKind::Steady, 240.0, 3);
    let per_hour = steady.queries.len() as f64 / 240.0;
    assert!((36.0..44.0).contains(&per_hour), "steady rate {per_hour}/h");
    let durations: Vec<f64> = steady.queries.iter().map(|q| q.duration_s).collect();
    assert!(durations.iter().all(|d| (10.0..=1200.0).contains(d)));
    let m = median(durations);
    assert!((45.0..80.0).contains(&m), "steady median duration {m}");
    assert!(steady.queries.iter().all(|q| [1, 2, 4].contains(&q.workers)));
    let fours = steady.queries.iter().filter(|q| q.workers == 4).count() as f64 / steady.queries.len() as f64;
    assert!(fours < 0.1, "4-worker queries are rare: {fours}");

    // bursty: ~6 bursts/day of 30-80 queries within 10 minutes; idle otherwise.
    let bursty = generate(TraceKind::Bursty, 24.0, 3);
    assert!((6 * 30..=6 * 80).contains(&bursty.queries.len()), "{} queries", bursty.queries.len());
    assert!(bursty.queries.iter().all(|q| (1..=8).contains(&q.workers) && (30.0..=600.0).contains(&q.duration_s)));
    let busy_minutes: std::collections::BTreeSet<u64> =
        bursty.queries.iter().map(|q| (q.submit_s / 60.0) as u64).collect();
    assert!(busy_minutes.len() <= 6 * 11, "submissions fall in few minutes of the day: {}", busy_minutes.len());

    // diurnal: quiet nights, busy business hours.
    let diurnal = generate(TraceKind::Diurnal, 24.0 * 10.0, 3);
    let in_hours = |from: f64, to: f64| {
        diurnal.queries.iter().filter(|q| (from..to).contains(&((q.submit_s / 3600.0) % 24.0))).count() as f64
            / (10.0 * (to - from))
    };
    let night = in_hours(0.0, 6.0);
    let peak = in_hours(10.0, 16.0);
    assert!(night < 4.0, "night {night}/h");
    assert!((105.0..135.0).contains(&peak), "peak {peak}/h");
}

/// The shipped traces are exactly what the generator makes with the seed their README documents.
#[test]
fn shipped_traces_equal_the_generator_output() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/trino-traces");
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("examples/trino-traces/README.md");
    for kind in TraceKind::ALL {
        let name = kind.name();
        let command = format!("kubectl dataplat trino trace {name} --hours 24 --seed 1 -o {name}.csv");
        assert!(readme.contains(&command), "README documents `{command}`");
        let file = std::fs::read_to_string(dir.join(format!("{name}.csv"))).expect("shipped trace");
        assert!(file == generate(kind, 24.0, 1).to_csv(), "{name}.csv differs from `{command}`: regenerate it");
    }
}
