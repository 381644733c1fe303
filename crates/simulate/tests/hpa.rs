//! The HPA arithmetic against hand-computed Kubernetes behaviour.

use dataplat_simulate::hpa::{Hpa, TOLERANCE, proposal};
use dataplat_simulate::policy::{Behavior, MetricType, RatePolicy, RateType, Rules, SelectPolicy};

#[test]
fn average_value_divides_by_the_threshold() {
    // desired = ceil(value / threshold), whatever the current count.
    assert_eq!(proposal(MetricType::AverageValue, 12.0, 5.0, 1, 1, TOLERANCE), 3);
    assert_eq!(proposal(MetricType::AverageValue, 12.0, 5.0, 7, 7, TOLERANCE), 3);
    assert_eq!(proposal(MetricType::AverageValue, 0.0, 5.0, 4, 4, TOLERANCE), 0);
    assert_eq!(proposal(MetricType::AverageValue, 10.0, 10.0, 1, 1, TOLERANCE), 1);
    assert_eq!(proposal(MetricType::AverageValue, 10.9, 10.0, 1, 1, TOLERANCE), 1, "ratio 1.09 is inside the band");
    // Like Kubernetes (|1 - 1.1| > 0.1 in floating point), exactly 1.1 is outside.
    assert_eq!(proposal(MetricType::AverageValue, 11.0, 10.0, 1, 1, TOLERANCE), 2);
    assert_eq!(proposal(MetricType::AverageValue, 12.0, 10.0, 1, 1, TOLERANCE), 2, "ratio 1.2 is outside");
    // Tolerance keeps the current count, even where ceil() would differ.
    assert_eq!(proposal(MetricType::AverageValue, 10.5, 5.0, 2, 2, TOLERANCE), 2, "ratio 1.05");
    assert_eq!(proposal(MetricType::AverageValue, 9.2, 5.0, 2, 2, TOLERANCE), 2, "ratio 0.92");
    assert_eq!(proposal(MetricType::AverageValue, 11.5, 5.0, 2, 2, TOLERANCE), 3, "ratio 1.15");
    assert_eq!(proposal(MetricType::AverageValue, 8.5, 5.0, 2, 2, TOLERANCE), 2, "ratio 0.85: ceil(1.7) = 2");
    assert_eq!(proposal(MetricType::AverageValue, 4.0, 5.0, 2, 2, TOLERANCE), 1, "ratio 0.4");
}

#[test]
fn value_scales_the_ready_pods_by_the_ratio() {
    // desired = ceil(ready x value / threshold); tolerance on value / threshold.
    assert_eq!(proposal(MetricType::Value, 4.0, 1.0, 1, 1, TOLERANCE), 4);
    assert_eq!(proposal(MetricType::Value, 4.0, 1.0, 3, 3, TOLERANCE), 12);
    assert_eq!(proposal(MetricType::Value, 4.0, 1.0, 3, 2, TOLERANCE), 8, "ready pods, not replicas");
    assert_eq!(proposal(MetricType::Value, 1.05, 1.0, 3, 2, TOLERANCE), 3, "within tolerance: current");
    assert_eq!(proposal(MetricType::Value, 0.0, 1.0, 3, 3, TOLERANCE), 0);
    assert_eq!(proposal(MetricType::Value, 3.0, 2.0, 2, 2, TOLERANCE), 3);
}

fn rules(window: u32, select: SelectPolicy, policies: &[(RateType, u32, u32)]) -> Rules {
    Rules {
        stabilization_window_s: window,
        select,
        policies: policies.iter().map(|&(kind, value, period_s)| RatePolicy { kind, value, period_s }).collect(),
    }
}

/// Runs syncs every 15 s from t=0 with the given desired counts; returns the replicas after each.
fn run(behavior: &Behavior, start: u32, desired: &[u32], min: u32, max: u32) -> Vec<u32> {
    let mut hpa = Hpa::new();
    let mut current = start;
    let mut out = Vec::new();
    for (i, &d) in desired.iter().enumerate() {
        let now = 15.0 * i as f64;
        let next = hpa.normalize(now, behavior, current, d, min, max);
        if next != current {
            hpa.record(now, current, next);
            current = next;
        }
        out.push(current);
    }
    out
}

#[test]
fn default_scale_up_is_the_max_of_double_and_plus_four_per_15s() {
    let b = Behavior::default();
    // 1 -> max(2, 5) = 5 -> max(10, 9) = 10 -> 20 ... capped at max 30.
    assert_eq!(run(&b, 1, &[40, 40, 40, 40], 1, 30), vec![5, 10, 20, 30]);
    // Scale-up needs no window: the first sync follows.
    assert_eq!(run(&b, 2, &[3], 1, 30), vec![3]);
}

#[test]
fn scale_down_waits_for_the_stabilization_window() {
    let b = Behavior::default(); // scaleDown window 300 s, 100 %/15 s
    let mut desired = vec![6];
    desired.extend(std::iter::repeat_n(1, 25));
    let out = run(&b, 6, &desired, 1, 10);
    // The recommendation 6 at t=0 holds while it is inside the window (t < 300), then it drops
    // to min at once (100 % per 15 s).
    let first_down = out.iter().position(|&r| r < 6).expect("scales down");
    assert_eq!(first_down as f64 * 15.0, 300.0);
    assert_eq!(out[first_down], 1);

    // A shorter window: 60 s.
    let short = Behavior { scale_down: rules(60, SelectPolicy::Max, &[(RateType::Percent, 100, 15)]), ..b };
    let out = run(&short, 6, &desired, 1, 10);
    assert_eq!(out.iter().position(|&r| r < 6), Some(4));
    // The window takes the max: t=45's 5 holds the count at 5 until t=105.
    let out = run(&short, 6, &[6, 1, 1, 5, 1, 1, 1, 1, 1], 1, 10);
    assert_eq!(out, vec![6, 6, 6, 6, 5, 5, 5, 1, 1]);
}

#[test]
fn scale_up_window_takes_the_min() {
    let b = Behavior { scale_up: rules(30, SelectPolicy::Max, &[(RateType::Pods, 100, 15)]), ..Behavior::default() };
    // 8 asked from t=15: the window's min is t=0's 2 until t=0 leaves it at t=30 (a sample
    // counts while it is newer than now - window).
    assert_eq!(run(&b, 2, &[2, 8, 8, 8], 1, 10), vec![2, 2, 8, 8]);
    assert_eq!(run(&b, 2, &[2, 8, 3, 8, 8, 8], 1, 10), vec![2, 2, 3, 3, 8, 8]);
}

#[test]
fn rate_policies_count_changes_within_their_period() {
    // Scale down one pod per 60 s: 5 -> 4 at t=0, then again once that event is out of the period (t=60).
    let b = Behavior { scale_down: rules(0, SelectPolicy::Max, &[(RateType::Pods, 1, 60)]), ..Behavior::default() };
    assert_eq!(run(&b, 5, &[1; 10], 1, 10), vec![4, 4, 4, 4, 3, 3, 3, 3, 2, 2]);

    // Percent down 50 %/30s: floor(8 x 0.5) = 4.
    let b = Behavior { scale_down: rules(0, SelectPolicy::Max, &[(RateType::Percent, 50, 30)]), ..Behavior::default() };
    assert_eq!(run(&b, 8, &[1, 1, 1, 1], 1, 10), vec![4, 4, 2, 2]);

    // selectPolicy Min on scale up: the smaller of +1 pod and +100 %.
    let b = Behavior {
        scale_up: rules(0, SelectPolicy::Min, &[(RateType::Pods, 1, 30), (RateType::Percent, 100, 30)]),
        ..Behavior::default()
    };
    assert_eq!(run(&b, 2, &[10, 10, 10, 10, 10], 1, 10), vec![3, 3, 4, 4, 5]);
    // selectPolicy Max with the same policies: the larger.
    let b = Behavior {
        scale_up: rules(0, SelectPolicy::Max, &[(RateType::Pods, 1, 30), (RateType::Percent, 100, 30)]),
        ..Behavior::default()
    };
    assert_eq!(run(&b, 2, &[10, 10, 10, 10, 10], 1, 10), vec![4, 4, 8, 8, 10]);

    // Disabled: no change in that direction.
    let b = Behavior { scale_down: rules(0, SelectPolicy::Disabled, &[]), ..Behavior::default() };
    assert_eq!(run(&b, 5, &[1, 1, 1], 1, 10), vec![5, 5, 5]);
}

#[test]
fn min_and_max_bound_the_result() {
    let b =
        Behavior { scale_down: rules(0, SelectPolicy::Max, &[(RateType::Percent, 100, 15)]), ..Behavior::default() };
    assert_eq!(run(&b, 4, &[0], 2, 10), vec![2]);
    assert_eq!(run(&b, 4, &[100], 2, 6), vec![6]);
}
