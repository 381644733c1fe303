//! The simulation: one-second steps of Trino's admission, Prometheus scrapes, KEDA polls, HPA
//! syncs, the ReplicaSet, Karpenter nodes and worker drains.

use serde::Serialize;

use crate::Error;
use crate::hpa::{Hpa, TOLERANCE};
use crate::policy::{Metric, MetricType, Policy, RetryPolicy};
use crate::rng::Rng;
use crate::trace::Trace;

/// Seconds between Prometheus scrapes of the coordinator (the ServiceMonitor's interval).
pub const SCRAPE_INTERVAL_S: u64 = 15;
/// `--horizontal-pod-autoscaler-sync-period`.
pub const HPA_SYNC_S: u64 = 15;
/// Phases inside the cycles, so scrape, HPA and KEDA do not run in the same second.
pub const HPA_PHASE_S: u64 = 5;
pub const KEDA_PHASE_S: u64 = 10;
/// Spot interruption notice.
pub const SPOT_NOTICE_S: u64 = 120;
/// Trino's default query-retry-attempts (QUERY) and task-retry-attempts-per-task (TASK: a
/// query may lose up to 4 x its worker count tasks).
pub const MAX_RETRIES: u32 = 4;
/// The longest trace (submit + duration, or its horizon) the simulator takes: 366 days.
pub const MAX_SPAN_S: f64 = 366.0 * 86400.0;
/// How long after the trace's last hour a run may go on to finish its queries.
pub const OVERRUN_CAP_S: u64 = 24 * 3600;

/// A window in which the coordinator's metrics are missing from Prometheus.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Outage {
    pub start_s: f64,
    pub duration_s: f64,
}

impl Outage {
    /// `START:SECONDS`.
    pub fn parse(text: &str) -> Result<Outage, Error> {
        let bad = || Error::Options {
            message: format!("--prometheus-outage `{text}` is not START:SECONDS"),
            hint: "e.g. --prometheus-outage 3600:600 (metrics missing from t=3600 s for 600 s)".into(),
        };
        let (start, duration) = text.split_once(':').ok_or_else(bad)?;
        let start: f64 = start.trim().parse().map_err(|_| bad())?;
        let duration: f64 = duration.trim().parse().map_err(|_| bad())?;
        if !(start.is_finite() && duration.is_finite() && start >= 0.0 && duration > 0.0) {
            return Err(bad());
        }
        Ok(Outage { start_s: start, duration_s: duration })
    }
    fn covers(&self, t: f64) -> bool {
        t >= self.start_s && t < self.start_s + self.duration_s
    }
}

/// Everything about the simulated cluster that is not the policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Options {
    /// Concurrent query slots per worker.
    pub slots_per_worker: u32,
    /// Karpenter node start delay, uniform in [min, max] seconds.
    pub node_start_min_s: f64,
    pub node_start_max_s: f64,
    /// Seconds from a worker pod binding to a ready node until the worker is ready.
    pub pod_start_s: f64,
    /// Karpenter `consolidateAfter` for empty nodes (WhenEmpty).
    pub consolidate_after_s: f64,
    /// Spot interruptions per node-hour (0 = none).
    pub spot_interruptions_per_node_hour: f64,
    pub prometheus_outages: Vec<Outage>,
    pub seed: u64,
    /// Every query sets the session property `required_workers_count` to its `workers`: Trino
    /// holds it (WAITING_FOR_RESOURCES, seen only by RequiredWorkers) until that many workers are
    /// active, and fails it after the max wait. Off (the default, Trino's default too), a query
    /// waits only for `query-manager.required-workers` and runs on the free workers it finds, up
    /// to `workers`, proportionally slower on fewer.
    pub session_required_workers: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            slots_per_worker: 10,
            node_start_min_s: 60.0,
            node_start_max_s: 90.0,
            pod_start_s: 20.0,
            consolidate_after_s: 30.0,
            spot_interruptions_per_node_hour: 0.0,
            prometheus_outages: Vec::new(),
            seed: 1,
            session_required_workers: false,
        }
    }
}

impl Options {
    pub fn check(&self) -> Result<(), Error> {
        let bad = |message: String, hint: &str| Err(Error::Options { message, hint: hint.into() });
        if !(1..=1000).contains(&self.slots_per_worker) {
            return bad(format!("slots per worker {} is not 1..1000", self.slots_per_worker), "default 10");
        }
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(self.node_start_min_s) || !ok(self.node_start_max_s) || self.node_start_min_s > self.node_start_max_s {
            return bad(
                format!("node start {}..{} s", self.node_start_min_s, self.node_start_max_s),
                "min <= max, both >= 0 (default 60..90)",
            );
        }
        if !ok(self.pod_start_s) || !ok(self.consolidate_after_s) {
            return bad("pod start and consolidate-after are seconds >= 0".into(), "defaults 20 and 30");
        }
        if !ok(self.spot_interruptions_per_node_hour) || self.spot_interruptions_per_node_hour > 60.0 {
            return bad(
                format!("{} spot interruptions per node-hour", self.spot_interruptions_per_node_hour),
                "0 to 60 (e.g. 0.05: one interruption per 20 node-hours)",
            );
        }
        Ok(())
    }
}

/// Wait percentiles, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Waits {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Waits {
    fn of(mut values: Vec<f64>) -> Option<Waits> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let rank = |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
        Some(Waits { p50: round1(rank(0.5)), p95: round1(rank(0.95)), max: round1(values[values.len() - 1]) })
    }
}

/// Why queries failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Failures {
    /// Waited for workers longer than required-workers-max-wait ("Insufficient active worker nodes").
    pub insufficient_workers: u32,
    /// A task lost its worker and no worker was left to retry it on (NO_NODES_AVAILABLE).
    pub no_nodes_available: u32,
    /// A worker died under it with retry-policy NONE.
    pub worker_lost: u32,
    /// More than MAX_RETRIES retries.
    pub retries_exhausted: u32,
    /// Still unfinished when the run stopped.
    pub unfinished: u32,
}

/// First-query latency from idle: queries submitted while no worker was active.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ColdStart {
    pub queries: u32,
    pub wait_p50_s: f64,
    pub wait_max_s: f64,
}

/// The outcome of one policy on one trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub policy: String,
    /// The policy's key settings, in a fixed order.
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub queries: u32,
    pub completed: u32,
    pub failed: u32,
    pub failures: Failures,
    /// Queries that had at least one task or attempt retried.
    pub retried: u32,
    /// Queue wait (first start - submit) of completed queries.
    pub queue_wait_s: Option<Waits>,
    pub cold_start: Option<ColdStart>,
    pub worker_node_hours: f64,
    pub peak_workers: u32,
    pub peak_nodes: u32,
    pub node_launches: u32,
    /// Changes of the worker Deployment's replica count.
    pub scale_events: u32,
    pub tasks_killed: u32,
    pub spot_interruptions: u32,
    /// Seconds simulated.
    pub simulated_s: u64,
    /// (time, new replica count) of every scale event; not serialized (tests and debugging).
    #[serde(skip)]
    pub timeline: Vec<(f64, u32)>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    NotArrived,
    /// WAITING_FOR_RESOURCES: fewer active workers than it needs.
    Waiting,
    /// Enough workers; waiting for free slots (FIFO).
    Queued,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone)]
struct QueryState {
    submit: f64,
    duration: f64,
    workers: u32,
    status: Status,
    first_start: Option<f64>,
    start: f64,
    end: f64,
    /// Pods holding one slot each for this query.
    tasks: Vec<usize>,
    /// Killed tasks waiting for a slot (TASK retry): the progress each lost.
    pending: Vec<f64>,
    retries: u32,
    cold: bool,
    /// Since when it has been waiting for workers (None while it has enough).
    wait_since: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PodState {
    Starting,
    Ready,
    /// Graceful shutdown since `since`; `idle_at`: when its last task ended after the first grace.
    Draining {
        since: f64,
        idle_at: Option<f64>,
    },
    Gone,
}

#[derive(Debug, Clone)]
struct Pod {
    node: usize,
    created: f64,
    ready_at: f64,
    state: PodState,
    used: u32,
}

#[derive(Debug, Clone)]
struct Node {
    launched: f64,
    ready_at: f64,
    pod: Option<usize>,
    empty_since: Option<f64>,
    notice_at: Option<f64>,
    gone_at: Option<f64>,
}

struct Sim<'a> {
    policy: &'a Policy,
    options: &'a Options,
    rng: Rng,
    queries: Vec<QueryState>,
    next_arrival: usize,
    /// Submitted, not started (Waiting or Queued), in submit order.
    pending: Vec<usize>,
    running: Vec<usize>,
    pods: Vec<Pod>,
    live_pods: Vec<usize>,
    nodes: Vec<Node>,
    live_nodes: Vec<usize>,
    replicas: u32,
    hpa: Hpa,
    failures_in_row: Vec<u32>,
    last_active: Option<f64>,
    /// The last scrape: (queued, running, required workers); None when the series is missing.
    sample: Option<[f64; 3]>,
    report: Report,
    resolved: usize,
}

/// Runs `trace` through `policy`.
pub fn simulate(trace: &Trace, policy: &Policy, options: &Options) -> Result<Report, Error> {
    options.check()?;
    if trace.span_s() > MAX_SPAN_S {
        return Err(Error::Options {
            message: format!("the trace spans {:.0} days", trace.span_s() / 86400.0),
            hint: "the simulator takes traces of up to 366 days (submit time + duration)".into(),
        });
    }
    let mut sim = Sim::new(trace, policy, options);
    sim.run(trace);
    Ok(sim.report)
}

impl<'a> Sim<'a> {
    fn new(trace: &Trace, policy: &'a Policy, options: &'a Options) -> Sim<'a> {
        let queries = trace
            .queries
            .iter()
            .map(|q| QueryState {
                submit: q.submit_s,
                duration: q.duration_s,
                workers: q.workers,
                status: Status::NotArrived,
                first_start: None,
                start: 0.0,
                end: 0.0,
                tasks: Vec::new(),
                pending: Vec::new(),
                retries: 0,
                cold: false,
                wait_since: None,
            })
            .collect();
        let report = Report {
            policy: policy.name.clone(),
            settings: policy.summary().into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect(),
            queries: trace.queries.len() as u32,
            completed: 0,
            failed: 0,
            failures: Failures::default(),
            retried: 0,
            queue_wait_s: None,
            cold_start: None,
            worker_node_hours: 0.0,
            peak_workers: 0,
            peak_nodes: 0,
            node_launches: 0,
            scale_events: 0,
            tasks_killed: 0,
            spot_interruptions: 0,
            simulated_s: 0,
            timeline: Vec::new(),
        };
        let mut sim = Sim {
            policy,
            options,
            rng: Rng::new(options.seed),
            queries,
            next_arrival: 0,
            pending: Vec::new(),
            running: Vec::new(),
            pods: Vec::new(),
            live_pods: Vec::new(),
            nodes: Vec::new(),
            live_nodes: Vec::new(),
            replicas: policy.idle_count(),
            hpa: Hpa::new(),
            failures_in_row: vec![0; policy.triggers.len()],
            last_active: None,
            sample: Some([0.0; 3]),
            report,
            resolved: 0,
        };
        // Start warm: the idle replica count is running, on nodes up since t=0.
        for _ in 0..sim.replicas {
            let node = sim.nodes.len();
            sim.nodes.push(Node {
                launched: 0.0,
                ready_at: 0.0,
                pod: None,
                empty_since: None,
                notice_at: None,
                gone_at: None,
            });
            sim.live_nodes.push(node);
            let pod = sim.pods.len();
            sim.pods.push(Pod { node, created: 0.0, ready_at: 0.0, state: PodState::Ready, used: 0 });
            sim.live_pods.push(pod);
            sim.nodes[node].pod = Some(pod);
        }
        sim
    }

    fn run(&mut self, trace: &Trace) {
        // The trace's stated length, else the whole hours its queries span.
        let horizon = match trace.horizon_s {
            Some(h) => h.ceil() as u64,
            None => ((trace.span_s() / 3600.0).ceil().max(1.0) * 3600.0) as u64,
        };
        let cap = horizon + OVERRUN_CAP_S;
        let mut t: u64 = 0;
        loop {
            self.step(t as f64, t);
            let peak_workers = self.active_workers();
            self.report.peak_workers = self.report.peak_workers.max(peak_workers);
            self.report.peak_nodes = self.report.peak_nodes.max(self.live_nodes.len() as u32);
            if (t >= horizon && self.resolved == self.queries.len()) || t >= cap {
                break;
            }
            t += 1;
        }
        let end = t as f64;
        for i in 0..self.queries.len() {
            if !matches!(self.queries[i].status, Status::Done | Status::Failed) {
                self.fail(i, |f| &mut f.unfinished);
            }
        }
        let node_seconds: f64 = self.nodes.iter().map(|n| n.gone_at.unwrap_or(end) - n.launched).sum();
        self.report.worker_node_hours = (node_seconds / 3600.0 * 100.0).round() / 100.0;
        self.report.simulated_s = t;
        let waits: Vec<f64> = self
            .queries
            .iter()
            .filter(|q| q.status == Status::Done)
            .filter_map(|q| q.first_start.map(|s| s - q.submit))
            .collect();
        self.report.queue_wait_s = Waits::of(waits);
        let cold: Vec<f64> = self
            .queries
            .iter()
            .filter(|q| q.status == Status::Done && q.cold)
            .filter_map(|q| q.first_start.map(|s| s - q.submit))
            .collect();
        self.report.cold_start = Waits::of(cold.clone()).map(|w| ColdStart {
            queries: cold.len() as u32,
            wait_p50_s: w.p50,
            wait_max_s: w.max,
        });
        self.report.retried = self.queries.iter().filter(|q| q.retries > 0).count() as u32;
    }

    fn step(&mut self, now: f64, t: u64) {
        self.pods_step(now);
        self.nodes_step(now);
        self.queries_step(now);
        if t.is_multiple_of(SCRAPE_INTERVAL_S) {
            self.scrape(now);
        }
        let polling = self.policy.polling_interval_s as u64;
        if t % polling == KEDA_PHASE_S % polling {
            self.keda_poll(now);
        }
        if t % HPA_SYNC_S == HPA_PHASE_S {
            self.hpa_sync(now);
        }
        self.reconcile(now);
    }

    // ---- workers and nodes ----

    fn active_workers(&self) -> u32 {
        self.live_pods.iter().filter(|&&p| self.pods[p].state == PodState::Ready).count() as u32
    }

    fn pods_step(&mut self, now: f64) {
        let grace = self.policy.shutdown_grace_s;
        let cap = self.policy.termination_grace_s as f64;
        for i in 0..self.live_pods.len() {
            let p = self.live_pods[i];
            match self.pods[p].state {
                PodState::Starting if now >= self.pods[p].ready_at => self.pods[p].state = PodState::Ready,
                PodState::Draining { since, idle_at } => {
                    if now >= since + cap {
                        self.kill_tasks(p, now);
                        self.pod_gone(p, now);
                    } else if now >= since + grace && self.pods[p].used == 0 {
                        let idle_at = idle_at.unwrap_or(now);
                        if now >= idle_at + grace {
                            self.pod_gone(p, now);
                        } else {
                            self.pods[p].state = PodState::Draining { since, idle_at: Some(idle_at) };
                        }
                    }
                }
                _ => {}
            }
        }
        self.live_pods.retain(|&p| self.pods[p].state != PodState::Gone);
    }

    fn pod_gone(&mut self, p: usize, now: f64) {
        self.pods[p].state = PodState::Gone;
        let n = self.pods[p].node;
        if self.nodes[n].pod == Some(p) {
            self.nodes[n].pod = None;
            self.nodes[n].empty_since = if now >= self.nodes[n].ready_at { Some(now) } else { None };
        }
    }

    fn nodes_step(&mut self, now: f64) {
        let spot = self.options.spot_interruptions_per_node_hour / 3600.0;
        for i in 0..self.live_nodes.len() {
            let n = self.live_nodes[i];
            let ready = now >= self.nodes[n].ready_at;
            if spot > 0.0 && ready && self.nodes[n].notice_at.is_none() && self.rng.next_f64() < spot {
                self.nodes[n].notice_at = Some(now);
                self.report.spot_interruptions += 1;
                if let Some(p) = self.nodes[n].pod {
                    self.delete_pod(p, now);
                }
            }
            if let Some(notice) = self.nodes[n].notice_at
                && now >= notice + SPOT_NOTICE_S as f64
            {
                if let Some(p) = self.nodes[n].pod {
                    self.kill_tasks(p, now);
                    self.pod_gone(p, now);
                }
                self.nodes[n].gone_at = Some(now);
                continue;
            }
            if self.nodes[n].pod.is_none() && ready {
                let since = *self.nodes[n].empty_since.get_or_insert(now);
                if now - since >= self.options.consolidate_after_s {
                    self.nodes[n].gone_at = Some(now);
                }
            }
        }
        self.live_nodes.retain(|&n| self.nodes[n].gone_at.is_none());
        self.live_pods.retain(|&p| self.pods[p].state != PodState::Gone);
    }

    /// The ReplicaSet deletes pod `p`: a starting pod goes at once; a ready one drains
    /// (graceful shutdown) or is killed with its tasks.
    fn delete_pod(&mut self, p: usize, now: f64) {
        match self.pods[p].state {
            PodState::Starting => self.pod_gone(p, now),
            PodState::Ready if self.policy.graceful_shutdown => {
                self.pods[p].state = PodState::Draining { since: now, idle_at: None };
            }
            PodState::Ready => {
                self.kill_tasks(p, now);
                self.pod_gone(p, now);
            }
            PodState::Draining { .. } | PodState::Gone => {}
        }
    }

    /// Kills the tasks running on pod `p` and applies the retry policy to their queries.
    fn kill_tasks(&mut self, p: usize, now: f64) {
        if self.pods[p].used == 0 {
            return;
        }
        let victims: Vec<usize> =
            self.running.iter().copied().filter(|&q| self.queries[q].tasks.contains(&p)).collect();
        self.pods[p].used = 0;
        for q in victims {
            let lost = self.queries[q].tasks.iter().filter(|&&x| x == p).count() as u32;
            self.report.tasks_killed += lost;
            self.queries[q].tasks.retain(|&x| x != p);
            match self.policy.retry_policy {
                RetryPolicy::None => {
                    self.release(q);
                    self.fail(q, |f| &mut f.worker_lost);
                }
                // Trino retries each task (TASK) or the query (QUERY) up to 4 times.
                RetryPolicy::Task if self.queries[q].retries >= MAX_RETRIES * self.queries[q].workers => {
                    self.release(q);
                    self.fail(q, |f| &mut f.retries_exhausted);
                }
                RetryPolicy::Query if self.queries[q].retries >= MAX_RETRIES => {
                    self.release(q);
                    self.fail(q, |f| &mut f.retries_exhausted);
                }
                RetryPolicy::Task => {
                    if self.live_pods.iter().any(|&x| x != p && self.pods[x].state == PodState::Ready) {
                        let elapsed = (now - self.queries[q].start).max(0.0);
                        for _ in 0..lost {
                            self.queries[q].pending.push(elapsed);
                        }
                        self.queries[q].retries += lost;
                    } else {
                        self.release(q);
                        self.fail(q, |f| &mut f.no_nodes_available);
                    }
                }
                RetryPolicy::Query => {
                    self.release(q);
                    self.queries[q].retries += 1;
                    self.queries[q].pending.clear();
                    self.queries[q].status = Status::Queued;
                    self.running.retain(|&x| x != q);
                    let at = self.pending.iter().position(|&x| x > q).unwrap_or(self.pending.len());
                    self.pending.insert(at, q);
                }
            }
        }
    }

    /// Frees the slots a query holds.
    fn release(&mut self, q: usize) {
        let tasks = std::mem::take(&mut self.queries[q].tasks);
        for p in tasks {
            self.pods[p].used = self.pods[p].used.saturating_sub(1);
        }
    }

    fn fail(&mut self, q: usize, reason: fn(&mut Failures) -> &mut u32) {
        if matches!(self.queries[q].status, Status::Done | Status::Failed) {
            return;
        }
        self.release(q);
        self.queries[q].status = Status::Failed;
        self.running.retain(|&x| x != q);
        *reason(&mut self.report.failures) += 1;
        self.report.failed += 1;
        self.resolved += 1;
    }

    /// Matches the live pods to the replica count: new pods bind to an empty node or get a new
    /// one from Karpenter; surplus pods go, not-ready first, then the newest ready.
    fn reconcile(&mut self, now: f64) {
        let live: Vec<usize> = self
            .live_pods
            .iter()
            .copied()
            .filter(|&p| matches!(self.pods[p].state, PodState::Starting | PodState::Ready))
            .collect();
        let want = self.replicas as usize;
        if live.len() < want {
            for _ in live.len()..want {
                self.create_pod(now);
            }
        } else if live.len() > want {
            let mut ranked = live;
            // Not ready before ready; among equals the newest first.
            ranked.sort_by(|&a, &b| {
                let (pa, pb) = (&self.pods[a], &self.pods[b]);
                let ready = |p: &Pod| p.state == PodState::Ready;
                ready(pa)
                    .cmp(&ready(pb))
                    .then_with(|| {
                        let stamp = |p: &Pod| if ready(p) { p.ready_at } else { p.created };
                        stamp(pb).total_cmp(&stamp(pa))
                    })
                    .then_with(|| b.cmp(&a))
            });
            for &p in ranked.iter().take(ranked.len() - want) {
                self.delete_pod(p, now);
            }
            self.live_pods.retain(|&p| self.pods[p].state != PodState::Gone);
        }
    }

    fn create_pod(&mut self, now: f64) {
        // An empty node of the pool (ready ones first, then the one that will be ready first).
        let free = self
            .live_nodes
            .iter()
            .copied()
            .filter(|&n| self.nodes[n].pod.is_none() && self.nodes[n].notice_at.is_none())
            .min_by(|&a, &b| self.nodes[a].ready_at.total_cmp(&self.nodes[b].ready_at).then(a.cmp(&b)));
        let node = match free {
            Some(n) => n,
            None => {
                let delay = self.rng.uniform(self.options.node_start_min_s, self.options.node_start_max_s).round();
                let n = self.nodes.len();
                self.nodes.push(Node {
                    launched: now,
                    ready_at: now + delay,
                    pod: None,
                    empty_since: None,
                    notice_at: None,
                    gone_at: None,
                });
                self.live_nodes.push(n);
                self.report.node_launches += 1;
                n
            }
        };
        let p = self.pods.len();
        let ready_at = self.nodes[node].ready_at.max(now) + self.options.pod_start_s;
        self.pods.push(Pod { node, created: now, ready_at, state: PodState::Starting, used: 0 });
        self.live_pods.push(p);
        self.nodes[node].pod = Some(p);
        self.nodes[node].empty_since = None;
    }

    // ---- Trino ----

    fn queries_step(&mut self, now: f64) {
        // Completions.
        let mut finished = Vec::new();
        for &q in &self.running {
            let query = &self.queries[q];
            if query.pending.is_empty() && query.end <= now {
                finished.push(q);
            }
        }
        for q in finished {
            self.release(q);
            self.queries[q].status = Status::Done;
            self.running.retain(|&x| x != q);
            self.report.completed += 1;
            self.resolved += 1;
        }
        // Arrivals.
        let active = self.active_workers();
        while self.next_arrival < self.queries.len() && self.queries[self.next_arrival].submit <= now {
            let q = self.next_arrival;
            self.queries[q].cold = active == 0;
            self.pending.push(q);
            self.next_arrival += 1;
        }
        // Killed tasks (TASK retry) take free slots first.
        let with_pending: Vec<usize> =
            self.running.iter().copied().filter(|&q| !self.queries[q].pending.is_empty()).collect();
        for q in with_pending {
            if active == 0 {
                self.fail(q, |f| &mut f.no_nodes_available);
                continue;
            }
            while let Some(&elapsed) = self.queries[q].pending.last() {
                // Another worker if one has a free slot, else one that already runs a task of
                // the query (Trino places a retried task on any active node).
                let other = self.free_pods(1, &self.queries[q].tasks).first().copied();
                let Some(p) = other.or_else(|| self.free_pods(1, &[]).first().copied()) else { break };
                self.queries[q].pending.pop();
                self.pods[p].used += 1;
                self.queries[q].tasks.push(p);
                self.queries[q].end = self.queries[q].end.max(now + elapsed);
            }
        }
        // In submit order: a query with fewer active workers than it needs waits for workers
        // (WAITING_FOR_RESOURCES; fails after the max wait, counted from when it began waiting);
        // the others start FIFO while workers have free slots, the rest are QUEUED.
        let max_wait = self.policy.required_workers_max_wait_s;
        let mut blocked = false;
        let mut still = Vec::with_capacity(self.pending.len());
        for q in std::mem::take(&mut self.pending) {
            let need = self.need(q);
            if active < need {
                let since = *self.queries[q].wait_since.get_or_insert(now);
                if now - since >= max_wait {
                    self.queries[q].status = Status::Failed;
                    self.report.failures.insufficient_workers += 1;
                    self.report.failed += 1;
                    self.resolved += 1;
                } else {
                    self.queries[q].status = Status::Waiting;
                    still.push(q);
                }
                continue;
            }
            self.queries[q].wait_since = None;
            self.queries[q].status = Status::Queued;
            let wanted = self.queries[q].workers as usize;
            let chosen = if blocked { Vec::new() } else { self.free_pods(wanted, &[]) };
            // With the session property the query needs all its workers at once; without, any
            // free worker will do (its tasks share the workers it gets).
            let least = if self.options.session_required_workers { wanted } else { 1 };
            if chosen.is_empty() || chosen.len() < least {
                blocked = true;
                still.push(q);
                continue;
            }
            for &p in &chosen {
                self.pods[p].used += 1;
            }
            let query = &mut self.queries[q];
            query.tasks = chosen;
            query.status = Status::Running;
            query.start = now;
            // `duration` is the run time on `workers` workers; on fewer the same work takes longer.
            query.end = now + query.duration * query.workers as f64 / query.tasks.len() as f64;
            query.first_start.get_or_insert(now);
            self.running.push(q);
        }
        self.pending = still;
    }

    /// The active workers query `q` waits for: `query-manager.required-workers`, or its own
    /// `workers` when queries set `required_workers_count`.
    fn need(&self, q: usize) -> u32 {
        let required = self.policy.required_workers;
        if self.options.session_required_workers { self.queries[q].workers.max(required) } else { required }
    }

    /// Up to `count` distinct ready workers with a free slot, least loaded first, excluding `not`.
    fn free_pods(&self, count: usize, not: &[usize]) -> Vec<usize> {
        let slots = self.options.slots_per_worker;
        let mut free: Vec<usize> = self
            .live_pods
            .iter()
            .copied()
            .filter(|&p| self.pods[p].state == PodState::Ready && self.pods[p].used < slots && !not.contains(&p))
            .collect();
        free.sort_by_key(|&p| (self.pods[p].used, p));
        free.truncate(count);
        free
    }

    // ---- metrics, KEDA, HPA ----

    fn scrape(&mut self, now: f64) {
        if self.in_outage(now) {
            self.sample = None;
            return;
        }
        let (mut queued, mut required) = (0u32, 0u32);
        for &q in &self.pending {
            match self.queries[q].status {
                Status::Waiting => required = required.max(self.need(q)),
                _ => queued += 1,
            }
        }
        self.sample = Some([queued as f64, self.running.len() as f64, required as f64]);
    }

    fn in_outage(&self, now: f64) -> bool {
        self.options.prometheus_outages.iter().any(|o| o.covers(now))
    }

    /// What the trigger's query returns: Some(value), or None (an error) for a missing series
    /// when ignoreNullValues is false.
    fn read(&self, now: f64, trigger: usize) -> Option<f64> {
        let t = &self.policy.triggers[trigger];
        let sample = if self.in_outage(now) { None } else { self.sample };
        match sample {
            Some(s) => Some(match t.metric {
                Metric::QueuedQueries => s[0],
                Metric::RunningQueries => s[1],
                Metric::QueuedAndRunningQueries => s[0] + s[1],
                Metric::RequiredWorkers => s[2],
            }),
            None if t.ignore_null_values => Some(0.0),
            None => None,
        }
    }

    fn set_replicas(&mut self, now: f64, replicas: u32) {
        if replicas != self.replicas {
            self.replicas = replicas;
            self.report.scale_events += 1;
            self.report.timeline.push((now, replicas));
        }
    }

    /// KEDA's scale loop (pkg/scaling/executor RequestScale).
    fn keda_poll(&mut self, now: f64) {
        let policy = self.policy;
        let mut active = false;
        let mut error = false;
        for (i, t) in policy.triggers.iter().enumerate() {
            match self.read(now, i) {
                Some(v) if v > t.activation_threshold => active = true,
                Some(_) => {}
                None => error = true,
            }
        }
        let current = self.replicas;
        if active {
            if (policy.idle_replicas.is_some() && current < policy.min_replicas) || current == 0 {
                self.set_replicas(now, policy.min_replicas.max(1));
            }
            self.last_active = Some(now);
            return;
        }
        if error {
            if let Some(f) = policy.fallback
                && f.replicas != 0
            {
                self.set_replicas(now, f.replicas.min(policy.max_replicas));
            }
            return;
        }
        let cooled = self.last_active.is_none_or(|at| at + policy.cooldown_period_s as f64 <= now);
        if let Some(idle) = policy.idle_replicas
            && current > idle
        {
            if cooled {
                self.set_replicas(now, idle);
            }
        } else if current > 0 && policy.min_replicas == 0 && cooled {
            self.set_replicas(now, 0);
        }
    }

    /// One sync of the keda-hpa HorizontalPodAutoscaler.
    fn hpa_sync(&mut self, now: f64) {
        let policy = self.policy;
        let current = self.replicas;
        if current == 0 {
            return; // scaling is disabled while the target is at 0
        }
        let (min, max) = (policy.hpa_min(), policy.max_replicas);
        let desired = if current > max {
            max
        } else if current < min {
            min
        } else {
            let ready = self.active_workers();
            let mut best: Option<u32> = None;
            let mut invalid = 0;
            for (i, t) in policy.triggers.iter().enumerate() {
                let value = match self.read(now, i) {
                    Some(v) => {
                        self.failures_in_row[i] = 0;
                        Some(v)
                    }
                    None => {
                        self.failures_in_row[i] += 1;
                        match policy.fallback {
                            // KEDA feeds target x replicas (AverageValue) or the Value that makes
                            // ready x value / target = replicas.
                            Some(f) if self.failures_in_row[i] > f.failure_threshold => Some(match t.metric_type {
                                MetricType::AverageValue => t.threshold * f.replicas as f64,
                                MetricType::Value => t.threshold * f.replicas as f64 / ready.max(1) as f64,
                            }),
                            _ => None,
                        }
                    }
                };
                match value {
                    Some(v) => {
                        let p = crate::hpa::proposal(t.metric_type, v, t.threshold, current, ready, TOLERANCE);
                        best = Some(best.map_or(p, |b| b.max(p)));
                    }
                    None => invalid += 1,
                }
            }
            let proposal = best.unwrap_or(0);
            // Kubernetes skips the sync if every metric failed, or some failed and the rest
            // would scale down.
            if invalid == policy.triggers.len() || (invalid > 0 && proposal < current) {
                return;
            }
            self.hpa.normalize(now, &policy.behavior, current, proposal, min, max)
        };
        if desired != current {
            self.hpa.record(now, current, desired);
            self.set_replicas(now, desired);
        }
    }
}
