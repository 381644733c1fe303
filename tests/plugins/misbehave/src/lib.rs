//! Test fixture for the sandbox: `plan()` misbehaves as its config's `mode` asks.

use dataplat_sdk::schemars::JsonSchema;
use dataplat_sdk::*;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// "ok", "loop", "alloc", "output" or "panic".
    pub mode: String,
}

pub struct Misbehave;

impl Addon for Misbehave {
    type Config = Config;
    const NAME: &'static str = "misbehave";
    const VERSION: &'static str = "0.1.0";
    const DESCRIPTION: &'static str = "sandbox test fixture";

    fn plan(config: &Config, _facts: &PlatformFacts) -> Result<AddonPlan, Vec<Diagnostic>> {
        match config.mode.as_str() {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "alloc" => {
                let block = vec![7u8; 1 << 30];
                Ok(AddonPlan::new().note("alloc", format!("{}", std::hint::black_box(&block).len())))
            }
            "output" => Ok(AddonPlan::new().note("output", "x".repeat(100_000_000))),
            "panic" => panic!("misbehave was asked to panic"),
            _ => Ok(AddonPlan::new().note("mode", "ok")),
        }
    }
}

export_addon!(Misbehave);
