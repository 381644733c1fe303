//! Sizing: the instance table, the container, JVM heap and Trino memory arithmetic derived from
//! an instance type, the worker-count rules, and the plan notes explaining each derived value.
//! Takes instance types and counts, not the `trino:` block.

use dataplat_sdk::Diagnostic;

/// Instance families the sizing table knows.
pub const FAMILIES: [&str; 15] =
    ["r6g", "r7g", "r8g", "r6i", "r7i", "m6g", "m7g", "m8g", "m6i", "m7i", "c6g", "c7g", "c8g", "c6i", "c7i"];
/// Sizes and their vCPU count (identical across these families).
pub const SIZES: [(&str, u32); 7] =
    [("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16), ("8xlarge", 32), ("12xlarge", 48), ("16xlarge", 64)];

/// An EC2 instance type of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    pub family: &'static str,
    pub vcpu: u32,
    pub memory_gib: u32,
    pub arm64: bool,
}

/// vCPU and memory of `instance_type`: r has 8 GiB per vCPU, m 4 and c 2.
pub fn instance(instance_type: &str) -> Option<Instance> {
    let (family, size) = instance_type.split_once('.')?;
    let family = *FAMILIES.iter().find(|f| **f == family)?;
    let vcpu = SIZES.iter().find(|(s, _)| *s == size)?.1;
    let per_vcpu = match &family[..1] {
        "r" => 8,
        "m" => 4,
        _ => 2,
    };
    Some(Instance { family, vcpu, memory_gib: vcpu * per_vcpu, arm64: family.ends_with('g') })
}

/// Largest container memory the plugin gives one Trino pod: 80 % of it is 240 GiB of heap,
/// below the 256 GB a single G1 heap should stay under.
pub const MAX_CONTAINER_GIB: u32 = 300;

/// Everything derived from one instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    pub instance: Instance,
    /// What the node can give pods, by the rule in [`sizing`].
    pub allocatable_gib: u32,
    pub allocatable_millicpu: u32,
    /// Container request = limit (Guaranteed QoS).
    pub container_gib: u32,
    pub container_millicpu: u32,
    pub heap_gib: u32,
    pub headroom_gib: u32,
    pub per_node_gib: u32,
}

/// Sizing rule. Node allocatable to Trino: memory minus 10 % (kubelet, system reserve,
/// eviction threshold) minus 2 GiB (DaemonSets: CNI, kube-proxy, pod identity agent, logging);
/// CPU minus 10 % minus 300 m. The container takes all of it, capped at [`MAX_CONTAINER_GIB`];
/// the JVM heap is 80 % of the container (the rest is code cache, metaspace, thread stacks and
/// direct buffers); the headroom for untracked allocations is 15 % of the heap (rounded up)
/// and `query.max-memory-per-node` is 80 % of the heap minus that headroom, so
/// per-node + headroom = 80 % of the heap < heap. `None` when the node is too small (container
/// under 4 GiB).
pub fn sizing(instance: Instance) -> Option<Sizing> {
    let allocatable_gib = (instance.memory_gib * 9 / 10).checked_sub(2)?;
    let allocatable_millicpu = (instance.vcpu * 900).checked_sub(300)? / 100 * 100;
    let container_gib = allocatable_gib.min(MAX_CONTAINER_GIB);
    if container_gib < 4 {
        return None;
    }
    let heap_gib = container_gib * 8 / 10;
    let headroom_gib = (heap_gib * 15).div_ceil(100);
    let per_node_gib = (heap_gib * 8 / 10).checked_sub(headroom_gib)?;
    Some(Sizing {
        instance,
        allocatable_gib,
        allocatable_millicpu,
        container_gib,
        container_millicpu: allocatable_millicpu,
        heap_gib,
        headroom_gib,
        per_node_gib,
    })
}

/// Trino's default `query.max-memory`; the cluster limit never goes below it.
pub const QUERY_MAX_MEMORY_FLOOR_GB: u32 = 20;

/// `query.max-memory`: per-node × workers, at least [`QUERY_MAX_MEMORY_FLOOR_GB`].
pub fn query_max_memory_gb(per_node_gib: u32, workers: u32) -> u32 {
    (per_node_gib * workers).max(QUERY_MAX_MEMORY_FLOOR_GB)
}

/// Coordinator vCPU recommended for an expected worker count: under 50 workers 16 vCPU,
/// 50 to 100 workers 32 vCPU, over 100 workers 64 vCPU.
pub fn coordinator_vcpu_for(workers: u32) -> u32 {
    match workers {
        0..50 => 16,
        50..=100 => 32,
        _ => 64,
    }
}

fn instance_error(path: &str, value: &str) -> Diagnostic {
    let sizes: Vec<&str> = SIZES.iter().map(|(s, _)| *s).collect();
    Diagnostic::error(path, format!("{value:?} is not an instance type the sizing table knows")).hint(format!(
        "use <family>.<size> with family one of {} and size one of {}",
        FAMILIES.join(", "),
        sizes.join(", ")
    ))
}

pub(crate) fn sized(path: &str, value: &str) -> Result<Sizing, Diagnostic> {
    let found = instance(value).ok_or_else(|| instance_error(path, value))?;
    sizing(found).ok_or_else(|| {
        Diagnostic::error(path, format!("{value} leaves less than 4 GiB for Trino after system reserves"))
            .hint("use an xlarge or larger size")
    })
}

/// The derived values of one plan.
pub(crate) struct Derived {
    pub coordinator: Sizing,
    pub worker: Sizing,
    pub query_max_memory_gb: u32,
}

/// Sizes the coordinator and the workers for `workers` expected workers; the errors point at
/// `coordinator_instance_type` and `worker_instance_type`.
pub(crate) fn derive(coordinator_type: &str, worker_type: &str, workers: u32) -> Result<Derived, Vec<Diagnostic>> {
    let coordinator = sized("coordinator_instance_type", coordinator_type);
    let worker = sized("worker_instance_type", worker_type);
    match (coordinator, worker) {
        (Ok(coordinator), Ok(worker)) => {
            Ok(Derived { coordinator, worker, query_max_memory_gb: query_max_memory_gb(worker.per_node_gib, workers) })
        }
        (c, w) => Err(c.err().into_iter().chain(w.err()).collect()),
    }
}

/// The plan notes of the sizing, by topic: `sizing-coordinator`, `sizing-worker`,
/// `query-max-memory` and `coordinator-size`. `workers` is the expected worker count and
/// `workers_phrase` how the notes name it.
pub(crate) fn notes(
    derived: &Derived,
    coordinator_type: &str,
    worker_type: &str,
    workers: u32,
    workers_phrase: &str,
) -> Vec<(String, String)> {
    let mut notes = Vec::new();
    for (role, s, ty) in
        [("coordinator", derived.coordinator, coordinator_type), ("worker", derived.worker, worker_type)]
    {
        notes.push((format!("sizing-{role}"), sizing_note(ty, &s)));
    }
    notes.push((
        "query-max-memory".to_string(),
        format!(
            "query.max-memory {}GB = query.max-memory-per-node {}GB x {}, at least Trino's default \
             {QUERY_MAX_MEMORY_FLOOR_GB}GB",
            derived.query_max_memory_gb, derived.worker.per_node_gib, workers_phrase
        ),
    ));
    let wanted = coordinator_vcpu_for(workers);
    notes.push((
        "coordinator-size".to_string(),
        format!(
            "coordinator rule: under 50 workers 16 vCPU, 50-100 workers 32 vCPU, over 100 workers 64 vCPU; \
             {} want {wanted} vCPU, {} has {}{}",
            workers_phrase,
            coordinator_type,
            derived.coordinator.instance.vcpu,
            if derived.coordinator.instance.vcpu < wanted { " (too small: see the warning)" } else { "" }
        ),
    ));
    notes
}

/// Note `sizing-<role>`: how each value of `s` follows from instance type `ty`.
fn sizing_note(ty: &str, s: &Sizing) -> String {
    format!(
        "{ty} has {} vCPU and {} GiB; allocatable to Trino {} GiB (90 % minus 2 GiB for kubelet, system \
         reserve, eviction threshold and DaemonSets) and {}m CPU (90 % minus 300m); container \
         requests = limits {}m CPU / {} GiB (Guaranteed QoS, at most {MAX_CONTAINER_GIB} GiB); JVM heap \
         -Xmx{}G = 80 % of the container (below 256 GB); memory.heap-headroom-per-node {}GB = 15 % of \
         heap; query.max-memory-per-node {}GB = 80 % of heap minus headroom; per-node + headroom = {} GB \
         < heap {} GB",
        s.instance.vcpu,
        s.instance.memory_gib,
        s.allocatable_gib,
        s.allocatable_millicpu,
        s.container_millicpu,
        s.container_gib,
        s.heap_gib,
        s.headroom_gib,
        s.per_node_gib,
        s.per_node_gib + s.headroom_gib,
        s.heap_gib
    )
}
