//! The wasmtime side: one engine per process, a compiled component and `InstancePre` per plugin,
//! and a fresh sandboxed store per call.

use std::time::{Duration, Instant};

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits, StoreLimitsBuilder, Trap,
};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::cache::CompileCache;
use crate::error::{ErrorKind, PluginError};
use crate::{HostOptions, Limits, PLUGIN_INTERFACE, SUPPORTED_CONTRACTS};

/// Types and bindings generated from `wit/addon.wit`; serde-compatible with the guest SDK's.
pub mod contract {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "addon",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
    pub use dataplat::addon::types::*;
}

use contract::{AddonPlan, Diagnostic, PlatformFacts, PluginInfo};

/// How often the epoch ticks; deadlines are counted in ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Plugin calls that can run at once in one process (each holds a pooled slot while it runs).
const POOL_SLOTS: u32 = 32;
/// Guest stderr kept per call (panic messages).
const STDERR_CAPACITY: usize = 64 << 10;

pub(crate) struct WasmHost {
    engine: Engine,
    linker: Linker<StoreData>,
    cache: Option<CompileCache>,
    limits: Limits,
}

struct StoreData {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for StoreData {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasmHost {
    pub(crate) fn new(options: &HostOptions) -> Result<WasmHost, PluginError> {
        let mut config = Config::new();
        config.consume_fuel(true);
        config.epoch_interruption(true);
        // A fresh store per call makes instantiation the fixed cost of every call; the pooling
        // allocator keeps memory slots mapped and reuses them instead of mapping new ones.
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(POOL_SLOTS)
            .total_core_instances(POOL_SLOTS * 16)
            .total_memories(POOL_SLOTS * 2)
            .total_tables(POOL_SLOTS * 16)
            .max_memories_per_component(4)
            .max_core_instances_per_component(32)
            .max_tables_per_component(32)
            // One page above the store limit, so the limiter (with its clear error) decides.
            .max_memory_size(options.limits.memory_bytes + (64 << 10))
            // Reset the first MiBs of a returned slot with memset rather than madvise, which is
            // cheaper for the small heaps plugin calls use.
            .linear_memory_keep_resident(4 << 20)
            .table_keep_resident(64 << 10);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).map_err(|e| PluginError::new("host", ErrorKind::Compile(e.to_string())))?;
        spawn_epoch_ticker(&engine);
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| PluginError::new("host", ErrorKind::Compile(e.to_string())))?;
        let cache = options.cache_dir.as_ref().map(|dir| CompileCache::new(dir, &engine));
        Ok(WasmHost { engine, linker, cache, limits: options.limits.clone() })
    }

    /// Compiles (or loads from the compile cache) and prepares a component for instantiation.
    pub(crate) fn load(&self, label: &str, bytes: &[u8], digest: &str) -> Result<WasmPlugin, PluginError> {
        check_header(label, bytes)?;
        let component = match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, bytes, digest),
            None => Component::new(&self.engine, bytes).map_err(|e| e.to_string()),
        }
        .map_err(|e| PluginError::new(label, ErrorKind::Compile(e)))?;
        check_contract(label, &self.engine, &component)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| PluginError::new(label, ErrorKind::NotAnAddon(e.to_string())))?;
        let pre =
            contract::AddonPre::new(pre).map_err(|e| PluginError::new(label, ErrorKind::NotAnAddon(e.to_string())))?;
        Ok(WasmPlugin {
            name: std::sync::RwLock::new(label.to_string()),
            engine: self.engine.clone(),
            pre,
            limits: self.limits.clone(),
        })
    }
}

/// Bytes that are not a component get a clearer message than the compiler's.
fn check_header(label: &str, bytes: &[u8]) -> Result<(), PluginError> {
    let refuse = |why: &str| Err(PluginError::new(label, ErrorKind::NotAnAddon(why.into())));
    if !bytes.starts_with(b"\0asm") || bytes.len() < 8 {
        return refuse("not a WebAssembly file");
    }
    // Bytes 4..8: version 1 + layer 0 is a core module; a component has layer 1.
    if bytes[6..8] != [1, 0] {
        return refuse("a core WebAssembly module, not a component; build it with --target wasm32-wasip2");
    }
    Ok(())
}

/// Finds the versioned `dataplat:addon/plugin@X` export and refuses unknown versions before
/// anything runs.
fn check_contract(label: &str, engine: &Engine, component: &Component) -> Result<(), PluginError> {
    let ty = component.component_type();
    let exports: Vec<String> = ty.exports(engine).map(|(name, _)| name.to_string()).collect();
    let prefix = format!("{PLUGIN_INTERFACE}@");
    match exports.iter().find_map(|name| name.strip_prefix(&prefix)) {
        Some(version) if SUPPORTED_CONTRACTS.contains(&version) => Ok(()),
        Some(version) => Err(PluginError::new(label, ErrorKind::ContractVersion { found: version.into() })),
        None => Err(PluginError::new(
            label,
            ErrorKind::NotAnAddon(format!(
                "it exports {} but not {PLUGIN_INTERFACE}",
                if exports.is_empty() { "nothing".to_string() } else { exports.join(", ") }
            )),
        )),
    }
}

/// Ticks the engine's epoch for as long as the process lives.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("dataplat-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .ok();
}

pub(crate) struct WasmPlugin {
    name: std::sync::RwLock<String>,
    engine: Engine,
    pre: contract::AddonPre<StoreData>,
    limits: Limits,
}

/// A wall clock stuck at the Unix epoch and a monotonic clock stuck at zero: plugins are pure.
struct FrozenClock;
impl wasmtime_wasi::HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}
impl wasmtime_wasi::HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// Deterministic "randomness" (splitmix64 from a fixed seed): the same input gives the same plan.
struct FixedRandom(u64);
impl rand_core::TryRng for FixedRandom {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Ok(z ^ (z >> 31))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl WasmPlugin {
    fn label(&self) -> String {
        self.name.read().map(|n| n.clone()).unwrap_or_default()
    }

    /// Runs one call in a fresh store with every limit armed, and turns failures into errors
    /// that name the plugin and the call.
    fn call<T>(
        &self,
        call: &'static str,
        f: impl FnOnce(&mut Store<StoreData>, &contract::Addon) -> wasmtime::Result<T>,
    ) -> Result<T, PluginError> {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .secure_random(FixedRandom(0))
            .insecure_random(FixedRandom(1))
            .insecure_random_seed(0)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.memory_bytes)
            .trap_on_grow_failure(true)
            .instances(4)
            .build();
        let mut store = Store::new(&self.engine, StoreData { wasi, table: ResourceTable::new(), limits });
        store.limiter(|data| &mut data.limits);
        let started = Instant::now();
        let result = store.set_fuel(self.limits.fuel).and_then(|()| {
            let ticks = (self.limits.timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
            store.set_epoch_deadline(ticks);
            let instance = self.pre.instantiate(&mut store)?;
            f(&mut store, &instance)
        });
        result.map_err(|error| {
            let kind = self.classify(call, &error, &stderr, started.elapsed());
            PluginError::new(&self.label(), kind)
        })
    }

    fn classify(
        &self,
        call: &'static str,
        error: &wasmtime::Error,
        stderr: &MemoryOutputPipe,
        elapsed: Duration,
    ) -> ErrorKind {
        let text = format!("{error:?}");
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => return ErrorKind::OutOfFuel { call, fuel: self.limits.fuel },
            Some(Trap::Interrupt) => {
                return ErrorKind::Timeout { call, millis: elapsed.as_millis().max(self.limits.timeout.as_millis()) };
            }
            _ => {}
        }
        if text.contains("forcing trap when growing memory") {
            return ErrorKind::Memory { call, limit_mib: self.limits.memory_bytes >> 20 };
        }
        let guest_stderr = String::from_utf8_lossy(&stderr.contents()).to_string();
        if let Some(message) = panic_message(&guest_stderr) {
            return ErrorKind::Panic { call, message };
        }
        if guest_stderr.contains("memory allocation of") {
            return ErrorKind::Memory { call, limit_mib: self.limits.memory_bytes >> 20 };
        }
        let message = match error.downcast_ref::<Trap>() {
            Some(trap) => trap.to_string(),
            None => error.to_string(),
        };
        ErrorKind::Trap { call, message }
    }

    fn check_size<T: serde::Serialize>(&self, call: &'static str, value: &T) -> Result<(), PluginError> {
        let bytes = json_size(value);
        if bytes > self.limits.max_output_bytes {
            return Err(PluginError::new(
                &self.label(),
                ErrorKind::OutputTooLarge { call, bytes, limit: self.limits.max_output_bytes },
            ));
        }
        Ok(())
    }

    pub(crate) fn info(&self) -> Result<PluginInfo, PluginError> {
        let info = self.call("info", |store, addon| addon.dataplat_addon_plugin().call_info(store))?;
        self.check_size("info", &info)?;
        if let Ok(mut name) = self.name.write() {
            *name = info.name.clone();
        }
        Ok(info)
    }

    pub(crate) fn validate(&self, config: &str, facts: &PlatformFacts) -> Result<Vec<Diagnostic>, PluginError> {
        let out =
            self.call("validate", |store, addon| addon.dataplat_addon_plugin().call_validate(store, config, facts))?;
        self.check_size("validate", &out)?;
        Ok(out)
    }

    pub(crate) fn plan(
        &self,
        config: &str,
        facts: &PlatformFacts,
    ) -> Result<Result<AddonPlan, Vec<Diagnostic>>, PluginError> {
        let out = self.call("plan", |store, addon| addon.dataplat_addon_plugin().call_plan(store, config, facts))?;
        self.check_size("plan", &out)?;
        Ok(out)
    }
}

/// Size of a value's JSON form, counted without building it.
pub(crate) fn json_size<T: serde::Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

/// Extracts "message" from a Rust guest's "panicked at src/lib.rs:1:2:\nmessage" stderr.
fn panic_message(stderr: &str) -> Option<String> {
    let at = stderr.find("panicked at ")?;
    let rest = &stderr[at + "panicked at ".len()..];
    let (location, message) = rest.split_once('\n').unwrap_or((rest, ""));
    let message = message.lines().next().unwrap_or("").trim();
    let location = location.trim_end_matches(':');
    Some(if message.is_empty() { location.to_string() } else { format!("{message} (at {location})") })
}

#[cfg(test)]
mod tests {
    use super::panic_message;

    #[test]
    fn json_size_counts_the_serialized_bytes() {
        let value = serde_json::json!({"a": [1, 2, "three"], "b": "x\"y"});
        assert_eq!(super::json_size(&value), serde_json::to_vec(&value).expect("json").len());
    }

    #[test]
    fn panic_messages_are_extracted() {
        let err =
            "\nthread '<unnamed>' panicked at src/lib.rs:10:5:\nboom: bad config\nnote: run with RUST_BACKTRACE=1\n";
        assert_eq!(panic_message(err).as_deref(), Some("boom: bad config (at src/lib.rs:10:5)"));
        assert_eq!(panic_message("nothing here"), None);
    }
}
