//! How commands reach AWS: the async runtime, polling, the clients, and the values the cluster
//! layer needs from the live stacks.
//!
//! AWS settings come from the standard chains (`AWS_PROFILE`, `AWS_ENDPOINT_URL`,
//! `AWS_MAX_ATTEMPTS`, ...); the region is platform.yaml's. `DATAPLAT_AWS_POLL_MS` sets how often
//! long waits poll (default 5000; tests use less).

use std::time::Duration;

use dataplat_aws::clients::Clients;
use dataplat_aws::cloud;
use dataplat_aws::stacks::{Polling, SdkConfigBuilder};
use dataplat_core::Plan;
use dataplat_core::cloud_values::CloudValues;

use crate::{Error, Result, cloud_spec};

/// A multi-threaded runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::failed(format!("cannot start the async runtime: {e}"), None))
}

/// How long waits poll (`DATAPLAT_AWS_POLL_MS`, default 5 s) and may take.
pub fn polling(timeout_minutes: u64) -> Result<Polling> {
    let interval = match std::env::var("DATAPLAT_AWS_POLL_MS") {
        Ok(ms) => Duration::from_millis(ms.trim().parse().map_err(|_| {
            Error::usage(
                format!("DATAPLAT_AWS_POLL_MS={ms:?} is not a number of milliseconds"),
                Some("unset it or give a whole number such as 5000".into()),
            )
        })?),
        Err(_) => Duration::from_secs(5),
    };
    Ok(Polling { interval, timeout: Duration::from_secs(timeout_minutes * 60) })
}

/// The AWS clients for `region` with the default credential chain.
pub async fn clients(region: &str, polling: Polling) -> Clients {
    let config = SdkConfigBuilder::new().region(region).load().await;
    Clients::new(&config, polling)
}

/// The values the cluster layer needs from the cloud (the AMP workspace's id), read from the live
/// stacks with the default credentials. Only called when the plan refers to one.
pub async fn live_values(plan: &Plan) -> Result<CloudValues> {
    let clients = clients(&plan.platform.region, polling(1)?).await;
    cloud::values(&clients, &cloud_spec(plan)).await.map_err(|e| {
        Error::failed(
            format!("cannot read what `up` created for {} (its AMP workspace): {e}", plan.platform.name),
            Some(
                "an addon uses the platform's AMP workspace, whose id is in stack <name>-storage: configure AWS \
                 credentials for the platform's account, or give the addon an existing workspace id"
                    .into(),
            ),
        )
    })
}
