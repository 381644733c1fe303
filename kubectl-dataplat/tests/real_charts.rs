//! The bundled platform with every addon on, rendered with the real upstream charts it pins and
//! analysed for readiness. Upstream charts are not in the repository and CI cannot fetch them, so
//! this test takes a directory of chart sources, `DATAPLAT_REAL_CHARTS=DIR` (one directory per
//! chart, named as the chart, its subcharts unpacked under `charts/`), and passes with a message
//! without it. `tests/real-charts/run DIR` runs it.
//!
//! Each chart is packaged, served as the plugin's repository would serve it (an HTTP index on
//! loopback, or the loopback OCI registry for `oci://` charts) and reached through `--mirror`.
//! A chart missing from DIR switches its addon off for the run (said on stderr). The findings of
//! `plan --offline` are printed; the test fails on any error finding.

mod common;

use std::path::Path;

#[test]
fn the_bundled_platform_with_every_addon_on_is_ready_with_the_real_charts() {
    let Ok(charts) = std::env::var("DATAPLAT_REAL_CHARTS") else {
        eprintln!("skipped: set DATAPLAT_REAL_CHARTS to a directory of upstream chart sources (tests/real-charts/run)");
        return;
    };
    let (report, switched_off) = common::bundled_readiness(Path::new(&charts), "the real charts")
        .expect("docker-registry (tests/run installs it)");
    let errors = common::errors(&report);
    eprintln!("switched off for want of a chart: {switched_off:?}");
    assert!(errors.is_empty(), "{} error finding(s) with the real charts", errors.len());
}
