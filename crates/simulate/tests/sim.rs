//! The simulation on small traces whose outcome can be worked out by hand.

mod common;

use common::{Build, reference, trace, trigger};
use dataplat_simulate::{Options, Outage, Report, simulate};
use serde_json::json;

fn fixed_start(seconds: f64) -> Options {
    Options { node_start_min_s: seconds, node_start_max_s: seconds, ..Options::default() }
}

/// Queries set `required_workers_count` to their `workers` column.
fn session(options: Options) -> Options {
    Options { session_required_workers: true, ..options }
}

fn wait(report: &Report) -> f64 {
    report.queue_wait_s.expect("a completed query").max
}

/// Scale to zero on RequiredWorkers, like the dataplat policy (idle 0, min 1).
fn scale_to_zero() -> Build {
    Build::new(vec![trigger("QueuedQueries", 5.0), trigger("RunningQueries", 10.0), {
        let mut t = trigger("RequiredWorkers", 1.0);
        t["metricType"] = json!("Value");
        t
    }])
    .set("idleReplicaCount", json!(0))
    .set("pollingInterval", json!(30))
    .set("cooldownPeriod", json!(300))
}

#[test]
fn one_query_from_zero_waits_for_poll_node_and_pod() {
    // Submitted at t=100 with no worker: the scrape at 105 sees RequiredWorkers=1, KEDA's poll
    // at 130 (polls at 10, 40, ..., 130) activates, the pod's node starts in 75 s and the pod in
    // 20 s more: the query starts at 225.
    let policy = scale_to_zero().policy("zero");
    let report = simulate(&trace(&[(100.0, 60.0, 1)]), &policy, &fixed_start(75.0)).expect("runs");
    assert_eq!(report.completed, 1);
    assert_eq!(wait(&report), 125.0);
    let cold = report.cold_start.expect("the query came from idle");
    assert_eq!((cold.queries, cold.wait_max_s), (1, 125.0));
    assert_eq!(report.node_launches, 1);
    assert_eq!(report.timeline.first(), Some(&(130.0, 1)), "KEDA activates at its poll");
    // Back to zero after the cooldown, measured from the last active poll. RunningQueries stays
    // 1 in scrapes 225..285 (the query ends at 285), so the last active poll is at 280 and the
    // scale-in at the first poll at or after 580.
    assert_eq!(report.timeline.last(), Some(&(580.0, 0)));
    assert_eq!(report.scale_events, 2);
    // The node lived from 130 to 580 + 30 s consolidation.
    let hours = (610.0 - 130.0) / 3600.0;
    assert!((report.worker_node_hours - hours).abs() < 0.006, "{} vs {hours}", report.worker_node_hours);

    // With random node starts the wait stays within poll + scrape + start bounds.
    for seed in 1..20 {
        let options = Options { seed, ..Options::default() };
        let report = simulate(&trace(&[(100.0, 60.0, 1)]), &policy, &options).expect("runs");
        let w = wait(&report);
        assert!((30.0 + 60.0 + 20.0..=30.0 + 90.0 + 20.0).contains(&w), "seed {seed}: wait {w}");
    }
}

#[test]
fn keda_activation_needs_a_value_above_the_activation_threshold() {
    // A queue-only scaler never sees a query waiting for workers (QueuedQueries stays 0): the
    // query fails after required-workers-max-wait (the scale-to-zero trap).
    let queued_only = Build::new(vec![trigger("QueuedQueries", 5.0)]).set("idleReplicaCount", json!(0));
    let report = simulate(&trace(&[(100.0, 60.0, 1)]), &queued_only.policy("q"), &Options::default()).expect("runs");
    assert_eq!((report.completed, report.failures.insufficient_workers), (0, 1));
    assert_eq!(report.scale_events, 0);

    // activationThreshold 1 on RequiredWorkers: a 1-worker query (value 1) does not activate,
    // a 2-worker one (value 2, with required_workers_count) does; without the session property
    // every waiting query reports query-manager.required-workers (1) and none activates.
    let mut t = trigger("RequiredWorkers", 1.0);
    t["metadata"]["activationThreshold"] = json!("1");
    let policy = Build::new(vec![t]).set("idleReplicaCount", json!(0)).policy("act");
    let report = simulate(&trace(&[(100.0, 60.0, 1)]), &policy, &Options::default()).expect("runs");
    assert_eq!(report.failures.insufficient_workers, 1);
    let report = simulate(&trace(&[(100.0, 60.0, 2)]), &policy, &session(Options::default())).expect("runs");
    assert_eq!(report.completed, 1, "{report:?}");
    let report = simulate(&trace(&[(100.0, 60.0, 2)]), &policy, &Options::default()).expect("runs");
    assert_eq!(report.failures.insufficient_workers, 1, "{report:?}");
}

#[test]
fn a_cooldown_shorter_than_the_work_scales_in_and_kills_without_graceful_shutdown() {
    // RequiredWorkers only: once the query runs nothing is active, and after a 60 s cooldown KEDA
    // takes the Deployment to 0 under the running query. Without a preStop the worker dies at
    // once: TASK retry finds no worker (NO_NODES_AVAILABLE); NONE fails the query too.
    let build = || {
        Build::new(vec![trigger("RequiredWorkers", 1.0)])
            .set("idleReplicaCount", json!(0))
            .set("cooldownPeriod", json!(60))
    };
    let q = trace(&[(100.0, 600.0, 1)]);
    let report = simulate(&q, &build().policy("kill"), &fixed_start(75.0)).expect("runs");
    assert_eq!(report.failures.no_nodes_available, 1, "{report:?}");
    assert_eq!(report.tasks_killed, 1);

    let none = build().coordinator("retry-policy=NONE\n").policy("none");
    let report = simulate(&q, &none, &fixed_start(75.0)).expect("runs");
    assert_eq!(report.failures.worker_lost, 1);

    // Graceful shutdown with a long enough terminationGracePeriodSeconds: the worker finishes the
    // query, then exits.
    let graceful = build().graceful(3600).worker("shutdown.grace-period=30s\n").policy("graceful");
    let report = simulate(&q, &graceful, &fixed_start(75.0)).expect("runs");
    assert_eq!((report.completed, report.tasks_killed), (1, 0), "{report:?}");
    // Its node is kept until the drain ends: start 225 + 600 s run + 30 s grace, + 30 s empty.
    let drained = simulate(&q, &graceful, &fixed_start(75.0)).expect("runs").worker_node_hours;
    assert!((drained - (225.0 + 600.0 + 30.0 + 30.0 - 130.0) / 3600.0).abs() < 0.006, "{drained}");

    // terminationGracePeriodSeconds shorter than grace + work + grace: killed at the cap.
    let capped = build().graceful(120).worker("shutdown.grace-period=30s\n").policy("capped");
    let report = simulate(&q, &capped, &fixed_start(75.0)).expect("runs");
    assert_eq!((report.completed, report.tasks_killed), (0, 1), "{report:?}");
}

#[test]
fn scale_in_kills_the_newest_worker_and_task_retry_moves_its_work() {
    // One slot per worker. A (t=0, 2000 s) runs on the initial worker. B (t=10) queues, so
    // QueuedQueries=1 > 0.5 per worker scales to 2; B runs on the new worker. Once nothing is
    // queued the HPA wants 1 and, after the 300 s window, removes the newest worker: B's.
    let policy = Build::new(vec![trigger("QueuedQueries", 0.5)]).policy("newest");
    let options = Options { slots_per_worker: 1, ..fixed_start(60.0) };
    let q = trace(&[(0.0, 2000.0, 1), (10.0, 1000.0, 1)]);
    let report = simulate(&q, &policy, &options).expect("runs");
    assert_eq!(report.tasks_killed, 1, "{report:?}");
    assert_eq!(report.retried, 1);
    assert_eq!(report.completed, 2, "the killed task waits for A's slot and reruns");
    // QUERY retry: B goes back to the queue and starts over.
    let query = Build::new(vec![trigger("QueuedQueries", 0.5)]).coordinator("retry-policy=QUERY\n").policy("query");
    // B restarts from the queue, which scales up again; the new worker is again the newest at
    // the next scale-in: B is killed on every attempt and fails after 4 retries.
    let report = simulate(&q, &query, &options).expect("runs");
    assert_eq!((report.retried, report.completed, report.failures.retries_exhausted), (1, 1, 1), "{report:?}");
    assert_eq!(report.tasks_killed, 5);
    // Graceful drain with room to finish: nothing killed.
    let graceful = Build::new(vec![trigger("QueuedQueries", 0.5)]).graceful(3600).policy("graceful");
    let report = simulate(&q, &graceful, &options).expect("runs");
    assert_eq!((report.tasks_killed, report.retried, report.completed), (0, 0, 2));
}

#[test]
fn queries_wait_for_their_required_workers_at_most_the_max_wait() {
    // The reference never scales for a query that waits for workers: 3 workers never come.
    let report = simulate(&trace(&[(10.0, 60.0, 3)]), &reference(), &session(Options::default())).expect("runs");
    assert_eq!(report.failures.insufficient_workers, 1);
    assert_eq!(report.completed, 0);
    // Without required_workers_count it runs on the one worker there is, 3 times as long.
    let report = simulate(&trace(&[(10.0, 60.0, 3)]), &reference(), &Options::default()).expect("runs");
    assert_eq!(report.completed, 1);
    assert_eq!(report.peak_workers, 1);

    // From zero, a 30 s max wait is shorter than any node start; 5 minutes is enough.
    let short = scale_to_zero().coordinator("query-manager.required-workers-max-wait=30s\n").policy("short");
    let report = simulate(&trace(&[(100.0, 60.0, 1)]), &short, &Options::default()).expect("runs");
    assert_eq!(report.failures.insufficient_workers, 1);
    let long = scale_to_zero().coordinator("query-manager.required-workers-max-wait=5m\n").policy("long");
    let report = simulate(&trace(&[(100.0, 60.0, 1)]), &long, &Options::default()).expect("runs");
    assert_eq!(report.completed, 1);

    // query-manager.required-workers=2 holds a 1-worker query until 2 workers are active.
    let two = scale_to_zero().coordinator("query-manager.required-workers=2\n").policy("two");
    let report = simulate(&trace(&[(100.0, 60.0, 1)]), &two, &fixed_start(75.0)).expect("runs");
    assert_eq!(report.completed, 1);
    assert!(report.peak_workers >= 2);
}

/// Six long queries on six one-slot workers (max 6), then a Prometheus outage from t=1000.
fn outage_case(ignore_null: bool, fallback: Option<(u32, u32)>) -> Report {
    let triggers = [trigger("QueuedQueries", 1.0), trigger("RunningQueries", 0.5)]
        .into_iter()
        .map(|mut t| {
            t["metadata"]["ignoreNullValues"] = json!(if ignore_null { "true" } else { "false" });
            t
        })
        .collect();
    let mut build = Build::new(triggers).set("maxReplicaCount", json!(6));
    if let Some((threshold, replicas)) = fallback {
        build = build.set("fallback", json!({"failureThreshold": threshold, "replicas": replicas}));
    }
    let queries: Vec<(f64, f64, u32)> = (0..6).map(|i| (i as f64, 3000.0, 1)).collect();
    let options = Options {
        slots_per_worker: 1,
        prometheus_outages: vec![Outage { start_s: 1000.0, duration_s: 900.0 }],
        ..Options::default()
    };
    simulate(&trace(&queries), &build.policy("outage"), &options).expect("runs")
}

#[test]
fn an_outage_reads_as_zero_with_ignore_null_values_and_falls_back_without() {
    // ignoreNullValues "true" (KEDA's default): the missing series is 0, the HPA scales in after
    // its 300 s window and kills busy workers (kedacore/keda#965).
    let zero = outage_case(true, None);
    assert!(zero.tasks_killed >= 4, "{zero:?}");
    assert!(zero.timeline.iter().any(|&(at, r)| (1000.0..1900.0).contains(&at) && r == 1), "{:?}", zero.timeline);
    // "false" without fallback: the HPA's metric errors, it keeps the count; nothing is killed.
    let hold = outage_case(false, None);
    assert_eq!(hold.tasks_killed, 0, "{hold:?}");
    assert!(!hold.timeline.iter().any(|&(at, _)| (1000.0..1900.0).contains(&at)), "{:?}", hold.timeline);
    // "false" with a fallback of 6: KEDA and the HPA hold 6 replicas.
    let fallback = outage_case(false, Some((3, 6)));
    assert_eq!(fallback.tasks_killed, 0, "{fallback:?}");
    // A fallback of 2: KEDA scales to it at its next poll (not active, error).
    let low = outage_case(false, Some((3, 2)));
    assert!(low.timeline.iter().any(|&(at, r)| (1000.0..1100.0).contains(&at) && r == 2), "{:?}", low.timeline);
    assert!(low.tasks_killed >= 4);
}

#[test]
fn node_start_delay_is_seeded_and_within_bounds() {
    let policy = scale_to_zero().policy("zero");
    let q = trace(&[(100.0, 60.0, 1), (5000.0, 60.0, 1), (9000.0, 60.0, 1)]);
    let waits: Vec<f64> = (1..30)
        .map(|seed| wait(&simulate(&q, &policy, &Options { seed, ..Options::default() }).expect("runs")))
        .collect();
    assert!(waits.iter().any(|w| *w != waits[0]), "start delays vary with the seed: {waits:?}");
    // Fixed 60 and fixed 90 bracket every random run.
    let fast = wait(&simulate(&q, &policy, &fixed_start(60.0)).expect("runs"));
    let slow = wait(&simulate(&q, &policy, &fixed_start(90.0)).expect("runs"));
    assert_eq!(slow - fast, 30.0);
    assert!(waits.iter().all(|w| (fast..=slow).contains(w)), "{waits:?} in {fast}..{slow}");
}

#[test]
fn same_seed_same_report() {
    let q = dataplat_simulate::generate(dataplat_simulate::TraceKind::Bursty, 24.0, 5);
    let policy = scale_to_zero().graceful(300).policy("zero");
    let options = Options { spot_interruptions_per_node_hour: 0.5, seed: 9, ..Options::default() };
    let a = simulate(&q, &policy, &options).expect("runs");
    let b = simulate(&q, &policy, &options).expect("runs");
    assert_eq!(a, b);
    assert!(a.spot_interruptions > 0);
    let c = simulate(&q, &policy, &Options { seed: 10, ..options }).expect("runs");
    assert_ne!(a, c, "another seed draws other start delays and interruptions");
}

#[test]
fn spot_interruptions_drain_and_replace_workers() {
    // min 3 workers for 10 h with a 1 h query per worker, 1 interruption per node-hour.
    let build = || Build::new(vec![trigger("RunningQueries", 100.0)]).set("minReplicaCount", json!(3));
    let queries: Vec<(f64, f64, u32)> = (0..30).map(|i| (i as f64 * 1200.0, 1100.0, 1)).collect();
    let options = Options { spot_interruptions_per_node_hour: 1.0, ..Options::default() };
    let kill = simulate(&trace(&queries), &build().policy("kill"), &options).expect("runs");
    assert!(kill.spot_interruptions >= 5, "{kill:?}");
    assert!(kill.node_launches >= kill.spot_interruptions - 1, "interrupted nodes are replaced: {kill:?}");
    assert!(kill.tasks_killed > 0);
    // A graceful drain within the 2-minute notice cannot save an 1100 s query either, but the
    // count of workers recovers: peak stays at the minimum.
    assert!(kill.peak_workers <= 3);
}

#[test]
fn bad_options_are_errors_not_panics() {
    let policy = reference();
    let q = trace(&[(0.0, 1.0, 1)]);
    for options in [
        Options { slots_per_worker: 0, ..Options::default() },
        Options { node_start_min_s: 90.0, node_start_max_s: 60.0, ..Options::default() },
        Options { pod_start_s: f64::NAN, ..Options::default() },
        Options { spot_interruptions_per_node_hour: -1.0, ..Options::default() },
    ] {
        let error = simulate(&q, &policy, &options).expect_err("rejected");
        assert!(error.hint().is_some(), "{error}");
    }
    let endless = trace(&[(1e12, 1.0, 1)]);
    let error = simulate(&endless, &policy, &Options::default()).expect_err("too long");
    assert!(error.to_string().contains("days"), "{error}");
    assert!(Outage::parse("3600:600").is_ok());
    for bad in ["3600", "x:1", "1:0", "-5:10", "1:inf"] {
        assert!(Outage::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_reference_handles_a_queue_with_its_queued_trigger() {
    // 30 one-worker queries at once on 1 worker with 10 slots: 20 queue, QueuedQueries 20 / 5
    // asks for 4 workers, the HPA adds them (max(+100 %, +4) per 15 s), and the queue drains.
    let queries: Vec<(f64, f64, u32)> = (0..30).map(|i| (10.0 + i as f64 * 0.1, 600.0, 1)).collect();
    let report = simulate(&trace(&queries), &reference(), &fixed_start(75.0)).expect("runs");
    assert_eq!(report.completed, 30);
    assert!(report.peak_workers >= 3, "{report:?}");
    let w = report.queue_wait_s.expect("waits");
    // The first 10 start at once; the rest wait at least scrape + sync + node + pod start.
    assert!(w.max >= 95.0 && w.max < 200.0, "{w:?}");
    // Scale-in kills workers without a preStop, and TASK retries the tasks.
    assert!(report.scale_events >= 2);
}

#[test]
fn a_retried_task_may_share_a_worker_with_its_query() {
    // A 2-worker query makes RequiredWorkers=2 and the HPA adds a worker; once the query runs
    // nothing asks for 2 and a 0 s window scales in at once, killing the newest worker. Its
    // task is retried on the one worker left, which already runs the query's other task.
    let policy = Build::new(vec![trigger("RequiredWorkers", 1.0)])
        .set("maxReplicaCount", json!(2))
        .set(
            "advanced",
            json!({"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}}}}),
        )
        .policy("share");
    let report = simulate(&trace(&[(10.0, 600.0, 2)]), &policy, &session(fixed_start(60.0))).expect("runs");
    assert_eq!((report.completed, report.retried, report.tasks_killed), (1, 1, 1), "{report:?}");
    // NONE fails it instead.
    let none = Build::new(vec![trigger("RequiredWorkers", 1.0)])
        .set("maxReplicaCount", json!(2))
        .set(
            "advanced",
            json!({"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}}}}),
        )
        .coordinator("retry-policy=NONE\n")
        .policy("none");
    let report = simulate(&trace(&[(10.0, 600.0, 2)]), &none, &session(fixed_start(60.0))).expect("runs");
    assert_eq!((report.completed, report.failures.worker_lost), (0, 1));
}

#[test]
fn a_queued_query_that_loses_its_workers_waits_for_them_again() {
    // One slot per worker. A (2 workers, 900 s) scales the pool to 2 through RequiredWorkers.
    // B (2 workers) arrives while A runs: enough workers, no free slot, so it is QUEUED (no
    // trigger reads the queue). With only RunningQueries=1 left, the HPA scales in after its
    // 300 s window and kills the newest worker (A's task waits to be retried). B now has too few
    // workers: it waits for them again, and RequiredWorkers=2 scales the pool back up at the next
    // sync. The retried task lands on the new worker, which is again the newest at the next
    // scale-in: A is killed every 330 s until its retries run out; then B runs.
    let policy = Build::new(vec![trigger("RunningQueries", 1.0), trigger("RequiredWorkers", 1.0)])
        .set("maxReplicaCount", json!(3))
        .policy("again");
    let options = session(Options { slots_per_worker: 1, ..fixed_start(60.0) });
    let report = simulate(&trace(&[(10.0, 900.0, 2), (200.0, 60.0, 2)]), &policy, &options).expect("runs");
    assert_eq!((report.completed, report.failures.retries_exhausted), (1, 1), "{report:?}");
    assert_eq!(report.tasks_killed, 9, "4 x 2 retries, then the fatal kill");
    let t = &report.timeline;
    assert_eq!(t.iter().take(3).map(|&(_, r)| r).collect::<Vec<_>>(), vec![2, 1, 2], "{t:?}");
    assert!(t[2].0 - t[1].0 <= 15.0, "B's wait for workers scales up at the next sync: {t:?}");
}

#[test]
fn a_load_trigger_sees_the_queue_behind_full_workers() {
    // One slot per worker, three 10-minute queries at once. RunningQueries/1 sees 1 (the queue
    // is invisible to it) and never scales; running + queued sees 3 and gets 3 workers.
    let q = trace(&[(10.0, 600.0, 1), (10.0, 600.0, 1), (10.0, 600.0, 1)]);
    let options = Options { slots_per_worker: 1, ..fixed_start(60.0) };
    let running = Build::new(vec![trigger("RunningQueries", 1.0)]).set("maxReplicaCount", json!(3)).policy("running");
    let report = simulate(&q, &running, &options).expect("runs");
    assert_eq!((report.completed, report.peak_workers), (3, 1), "{report:?}");
    let mut load = trigger("RunningQueries", 1.0);
    load["metadata"]["query"] = json!(
        "sum(trino_execution_name_QueryManager_RunningQueries{job=\"trino\"}) + \
         sum(trino_execution_name_QueryManager_QueuedQueries{job=\"trino\"})"
    );
    let load = Build::new(vec![load]).set("maxReplicaCount", json!(3)).policy("load");
    assert_eq!(load.triggers[0].metric, dataplat_simulate::Metric::QueuedAndRunningQueries);
    let report = simulate(&q, &load, &options).expect("runs");
    assert_eq!((report.completed, report.peak_workers), (3, 3), "{report:?}");
    // The two queued ones waited for a node and a pod start (60 + 20 s) plus the metric's path.
    let waits = report.queue_wait_s.expect("waits");
    assert!((80.0..=140.0).contains(&waits.max), "{waits:?}");
}

#[test]
fn a_query_runs_on_fewer_workers_than_it_could_use_and_takes_longer() {
    // A 4-worker, 100 s query on a fixed pool of 2: it starts at once and runs 200 s. With
    // required_workers_count it would wait for 4 workers that never come.
    let fixed = Build::new(vec![trigger("RunningQueries", 100.0)])
        .set("minReplicaCount", json!(2))
        .set("maxReplicaCount", json!(2))
        .policy("two");
    let q = trace(&[(100.0, 100.0, 4)]);
    let report = simulate(&q, &fixed, &fixed_start(60.0)).expect("runs");
    assert_eq!(report.completed, 1);
    assert_eq!(report.queue_wait_s.expect("waits").max, 0.0);
    // One slot per worker: a second query at 250 s waits until the first ends at 100 + 200.
    let q2 = trace(&[(100.0, 100.0, 4), (250.0, 10.0, 1)]);
    let options = Options { slots_per_worker: 1, ..fixed_start(60.0) };
    let report = simulate(&q2, &fixed, &options).expect("runs");
    assert_eq!(report.completed, 2);
    assert_eq!(report.queue_wait_s.expect("waits").max, 50.0, "{report:?}");
    let report = simulate(&q, &fixed, &session(fixed_start(60.0))).expect("runs");
    assert_eq!(report.failures.insufficient_workers, 1);
}
