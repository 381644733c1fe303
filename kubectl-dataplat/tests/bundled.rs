//! The bundled platform.yaml with every addon on, rendered with fixture charts of ours (the
//! names, versions and repositories the plugins pin; templates that render what the plugins' values
//! select, the workloads, service accounts, CRDs and webhooks each chart has) and analysed for
//! readiness: zero error findings, and the core's base platform in it (the default StorageClass,
//! the AWS Load Balancer Controller that ingress-nginx's NLB needs). `tests/real-charts/run`
//! does the same with the real upstream charts, outside CI.

mod common;

use std::path::Path;

#[test]
fn the_bundled_platform_with_every_addon_on_is_ready_with_the_fixture_charts() {
    let charts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts");
    let Some((report, switched_off)) = common::bundled_readiness(&charts, "the fixture charts") else { return };
    assert!(switched_off.is_empty(), "every chart of the bundled platform has a fixture: {switched_off:?}");
    let errors = common::errors(&report);
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(report["objects"].as_u64().unwrap_or(0) >= 90, "{}", report["objects"]);
    assert!(report["pods"].as_u64().unwrap_or(0) > 20, "{}", report["pods"]);
}
