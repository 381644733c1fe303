//! The Kubernetes HorizontalPodAutoscaler's arithmetic (pkg/controller/podautoscaler), for the
//! external metrics KEDA serves: per-metric proposals with the tolerance band, stabilization
//! windows and rate-limit policies.

use crate::policy::{Behavior, MetricType, RateType, Rules, SelectPolicy};

/// Default `--horizontal-pod-autoscaler-tolerance`.
pub const TOLERANCE: f64 = 0.1;

/// `ceil` that ignores floating-point dust (3.0000000001 is 3).
fn ceil(x: f64) -> u32 {
    let c = (x - 1e-9).ceil();
    if c <= 0.0 { 0 } else { c.min(u32::MAX as f64) as u32 }
}

/// The replicas one metric asks for. `current` is the Deployment's replica count (> 0: the HPA
/// does not act on a target at 0), `ready` its ready pods (used by `Value` metrics, like
/// Kubernetes' GetExternalMetricReplicas).
///
/// - AverageValue: ratio = value / (threshold x current); within tolerance keep `current`, else
///   ceil(value / threshold).
/// - Value: ratio = value / threshold; within tolerance keep `current`, else ceil(ratio x ready).
pub fn proposal(metric_type: MetricType, value: f64, threshold: f64, current: u32, ready: u32, tolerance: f64) -> u32 {
    match metric_type {
        MetricType::AverageValue => {
            let ratio = value / (threshold * current.max(1) as f64);
            if (1.0 - ratio).abs() <= tolerance { current } else { ceil(value / threshold) }
        }
        MetricType::Value => {
            let ratio = value / threshold;
            if (1.0 - ratio).abs() <= tolerance { current } else { ceil(ratio * ready as f64) }
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Event {
    at: f64,
    change: u32,
}

/// The per-HPA state the controller keeps between syncs: past recommendations and past scale
/// events (for the rate limits).
#[derive(Debug, Clone, Default)]
pub struct Hpa {
    recommendations: Vec<(f64, u32)>,
    up: Vec<Event>,
    down: Vec<Event>,
}

impl Hpa {
    pub fn new() -> Hpa {
        Hpa::default()
    }

    /// normalizeDesiredReplicasWithBehaviors: stabilize `desired` (the max over metric proposals)
    /// against the recommendations in the windows, then apply the rate limits and min/max.
    /// Records `desired` as a recommendation at `now`.
    pub fn normalize(&mut self, now: f64, behavior: &Behavior, current: u32, desired: u32, min: u32, max: u32) -> u32 {
        let stabilized = self.stabilize(now, behavior, current, desired);
        self.rate_limit(now, behavior, current, stabilized, min, max)
    }

    fn stabilize(&mut self, now: f64, behavior: &Behavior, current: u32, desired: u32) -> u32 {
        let up_cutoff = now - behavior.scale_up.stabilization_window_s as f64;
        let down_cutoff = now - behavior.scale_down.stabilization_window_s as f64;
        let mut up = desired;
        let mut down = desired;
        for &(at, recommendation) in &self.recommendations {
            if at > up_cutoff {
                up = up.min(recommendation);
            }
            if at > down_cutoff {
                down = down.max(recommendation);
            }
        }
        let mut recommendation = current;
        if recommendation < up {
            recommendation = up;
        }
        if recommendation > down {
            recommendation = down;
        }
        // Keep only what a later window can still see, then record this one.
        let oldest = up_cutoff.min(down_cutoff);
        self.recommendations.retain(|&(at, _)| at >= oldest);
        self.recommendations.push((now, desired));
        recommendation
    }

    fn rate_limit(&self, now: f64, behavior: &Behavior, current: u32, desired: u32, min: u32, max: u32) -> u32 {
        let current_i = current as i64;
        if desired > current {
            let limit = self.limit(now, current_i, &behavior.scale_up, true).max(current_i);
            let allowed = (max as i64).min(limit);
            (desired as i64).min(allowed).max(0) as u32
        } else if desired < current {
            let limit = self.limit(now, current_i, &behavior.scale_down, false).min(current_i);
            let allowed = (min as i64).max(limit);
            (desired as i64).max(allowed).max(0) as u32
        } else {
            desired
        }
    }

    /// calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors.
    fn limit(&self, now: f64, current: i64, rules: &Rules, up: bool) -> i64 {
        let select_min_change = match rules.select {
            SelectPolicy::Disabled => return current,
            SelectPolicy::Min => true,
            SelectPolicy::Max => false,
        };
        // Scale up: Max picks the largest limit, Min the smallest; scale down the reverse.
        let pick_larger = up != select_min_change;
        let mut result: Option<i64> = None;
        for policy in &rules.policies {
            let cutoff = now - policy.period_s as f64;
            let added: i64 = self.up.iter().filter(|e| e.at > cutoff).map(|e| e.change as i64).sum();
            let deleted: i64 = self.down.iter().filter(|e| e.at > cutoff).map(|e| e.change as i64).sum();
            let start = current - added + deleted;
            let proposed = match (policy.kind, up) {
                (RateType::Pods, true) => start + policy.value as i64,
                (RateType::Percent, true) => (start as f64 * (1.0 + policy.value as f64 / 100.0) - 1e-9).ceil() as i64,
                (RateType::Pods, false) => start - policy.value as i64,
                (RateType::Percent, false) => {
                    (start as f64 * (1.0 - policy.value as f64 / 100.0) + 1e-9).floor() as i64
                }
            };
            result = Some(match result {
                None => proposed,
                Some(r) if pick_larger => r.max(proposed),
                Some(r) => r.min(proposed),
            });
        }
        result.unwrap_or(current)
    }

    /// Records a scale the HPA made (for the rate limits of later syncs).
    pub fn record(&mut self, now: f64, from: u32, to: u32) {
        let horizon = now - 1800.0;
        self.up.retain(|e| e.at > horizon);
        self.down.retain(|e| e.at > horizon);
        if to > from {
            self.up.push(Event { at: now, change: to - from });
        } else if from > to {
            self.down.push(Event { at: now, change: from - to });
        }
    }
}
