//! The whole `kubectl-dataplat plan --offline` of the bundled platform.yaml, as a user runs it:
//! process start, loading every built-in plugin (warm compile cache), validation, every
//! plugin's validate() and plan(), composition and JSON output. Prints min/median/p95/max.
//!
//! `cargo bench -p kubectl-dataplat --bench plan_offline`

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn run(cache: &Path) -> Duration {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_kubectl-dataplat"))
        .current_dir(&root)
        .args(["plan", "--offline", "-o", "json"])
        .env("DATAPLAT_CACHE_DIR", cache)
        .output()
        .expect("run");
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    elapsed
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run once as a smoke test.
    let benching = std::env::args().any(|a| a == "--bench");
    let cache = tempfile::tempdir().expect("tmp");
    let cold = run(cache.path());
    if !benching {
        return;
    }
    let mut times: Vec<Duration> = (0..30).map(|_| run(cache.path())).collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("plan --offline, bundled platform.yaml: cold cache {:.1} ms", ms(cold));
    println!(
        "plan --offline, bundled platform.yaml, warm cache, 30 runs: min {:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(times[0]),
        ms(times[15]),
        ms(times[28]),
        ms(times[29])
    );
}
