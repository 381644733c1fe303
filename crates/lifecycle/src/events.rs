//! The typed progress every command reports while it works; the binary prints it.

use std::path::PathBuf;
use std::sync::Arc;

use dataplat_aws::cloud::{CloudEvent, UpReport};
use dataplat_core::charts::{ChartEvent, RenderedChart};
use dataplat_core::readiness::Analysis;
use dataplat_kube::RequestCounts;

/// Progress of a command, in the order it happens.
#[derive(Debug)]
pub enum Event {
    /// A chart is being fetched and rendered, or is done.
    Chart(ChartProgress),
    /// The readiness analysis of the objects about to be applied (the gate follows).
    Readiness(Analysis),
    /// A step of the cloud lifecycle (stacks, EKS, buckets, the sweep).
    Cloud(CloudEvent),
    /// `up`'s cloud half is done and the kubeconfig context written; the releases follow.
    CloudDone { report: Box<UpReport>, kubeconfig: PathBuf, context: String },
    /// A release being applied (or removed).
    Release(dataplat_kube::apply::Event),
    /// Every release applied: how many, and the requests it took.
    Applied { releases: usize, requests: RequestCounts },
    /// A step of the in-cluster teardown.
    Teardown(dataplat_kube::TeardownEvent),
    /// `down`: the EKS cluster does not exist, so nothing inside it is torn down.
    NoClusterToTearDown { cluster: String },
}

/// A chart's progress (the fields of [`ChartEvent`], owned).
#[derive(Debug, Clone)]
pub enum ChartProgress {
    Start {
        release: String,
        chart: String,
        version: String,
    },
    Rendered {
        release: String,
        chart: String,
        version: String,
        manifests: usize,
        crds: usize,
        hooks: usize,
        cached: bool,
    },
}

impl ChartProgress {
    pub fn of(event: &ChartEvent) -> ChartProgress {
        match event {
            ChartEvent::Start { release, chart, version } => ChartProgress::Start {
                release: release.to_string(),
                chart: chart.to_string(),
                version: version.to_string(),
            },
            ChartEvent::Rendered(c) => rendered(c),
        }
    }
}

fn rendered(c: &RenderedChart) -> ChartProgress {
    ChartProgress::Rendered {
        release: c.release.clone(),
        chart: c.chart.clone(),
        version: c.version.clone(),
        manifests: c.manifests.len(),
        crds: c.crds.len(),
        hooks: c.hooks.len(),
        cached: c.cached,
    }
}

/// Where progress goes.
pub type Events = Arc<dyn Fn(&Event) + Send + Sync>;

/// Progress nobody reads.
pub fn no_events() -> Events {
    Arc::new(|_| {})
}
