//! Releases applied as their dependency graph allows: each starts once every release it depends
//! on is applied and healthy, at most `concurrency` at a time; a failure skips the releases that
//! depend on it (directly or not) and lets the others finish.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::KubeError;
use crate::apply::{ApplyOptions, Event, Events, Release, ReleaseReport, apply_release};
use crate::cluster::Cluster;

/// The outcome of each release, in the order they finished.
pub type Outcomes = Vec<(String, Result<ReleaseReport, KubeError>)>;

/// Applies `releases` (dependencies outside the set are taken as satisfied).
pub async fn apply_all(
    cluster: &Cluster,
    releases: Vec<Release>,
    options: &ApplyOptions,
    concurrency: usize,
    events: &Events,
) -> Outcomes {
    let ids: BTreeSet<String> = releases.iter().map(|r| r.id.clone()).collect();
    let mut waiting: BTreeMap<String, Release> = releases.into_iter().map(|r| (r.id.clone(), r)).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut failed: BTreeSet<String> = BTreeSet::new();
    let mut outcomes: Outcomes = Vec::new();
    let mut running: JoinSet<(String, Result<ReleaseReport, KubeError>)> = JoinSet::new();
    let options = Arc::new(options.clone());
    loop {
        // Skip what depends on a failure.
        loop {
            let skipped: Vec<(String, String)> = waiting
                .values()
                .filter_map(|r| r.depends_on.iter().find(|d| failed.contains(*d)).map(|d| (r.id.clone(), d.clone())))
                .collect();
            if skipped.is_empty() {
                break;
            }
            for (id, dependency) in skipped {
                waiting.remove(&id);
                failed.insert(id.clone());
                events(Event::Failed { release: id.clone(), error: format!("skipped: {dependency} failed") });
                outcomes.push((id.clone(), Err(KubeError::Skipped { release: id, dependency })));
            }
        }
        let ready: Vec<String> = waiting
            .values()
            .filter(|r| r.depends_on.iter().all(|d| done.contains(d) || !ids.contains(d)))
            .map(|r| r.id.clone())
            .collect();
        for id in ready {
            if running.len() >= concurrency.max(1) {
                break;
            }
            let release = waiting.remove(&id).expect("ready comes from waiting");
            let (cluster, options, events) = (cluster.clone(), options.clone(), events.clone());
            running.spawn(async move {
                let result = apply_release(&cluster, &release, &options, &events).await;
                if let Err(e) = &result {
                    events(Event::Failed { release: release.id.clone(), error: e.to_string() });
                }
                (release.id, result)
            });
        }
        let Some(joined) = running.join_next().await else { break };
        let (id, result) = match joined {
            Ok(outcome) => outcome,
            Err(e) => (
                "?".to_string(),
                Err(KubeError::Api { context: "a release task".into(), code: 0, message: e.to_string() }),
            ),
        };
        if result.is_ok() {
            done.insert(id.clone());
        } else {
            failed.insert(id.clone());
        }
        outcomes.push((id, result));
    }
    // A cycle (or a dependency that failed to start) leaves releases waiting.
    for (id, release) in waiting {
        let dependency = release.depends_on.first().cloned().unwrap_or_default();
        outcomes.push((id.clone(), Err(KubeError::Skipped { release: id, dependency })));
    }
    outcomes
}
