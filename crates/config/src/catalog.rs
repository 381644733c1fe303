//! What the plugins answer to: addons, their flags, dependencies and config schemas.
//!
//! The host builds a [`Catalog`] from the `info()` of every plugin it loaded (built-in and
//! third-party) and validates platform.yaml against it; this crate never hard-codes an addon.

use serde::{Deserialize, Serialize};

/// Every addon the loaded plugins provide.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// One entry per plugin.
    pub addons: Vec<AddonSpec>,
}

/// One addon as its plugin describes itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddonSpec {
    /// Short lowercase name; also the key of its config block in platform.yaml.
    pub name: String,
    /// One line for humans.
    pub description: String,
    /// The `enable_*` flags it answers to.
    pub flags: Vec<FlagSpec>,
    /// Other addons it needs.
    pub dependencies: Vec<DependencySpec>,
    /// JSON Schema (draft 2020-12) of its config block.
    pub config_schema: serde_json::Value,
}

/// A top-level `enable_*` flag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagSpec {
    /// The exact key, `enable_<addon>` or `enable_<addon>_<feature>`.
    pub name: String,
    /// One line for humans; `init` writes it as a comment above the flag.
    pub description: String,
    /// True for the flag that switches the addon on; false for a feature flag, which only means
    /// something while the addon is on.
    pub enables_addon: bool,
}

/// A need for another addon, always or when a feature flag is on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DependencySpec {
    /// The addon needed.
    pub addon: String,
    /// The feature flag that brings the need; `None` means always.
    pub when_flag: Option<String>,
    /// Why, in words a user understands.
    pub reason: String,
}

impl Catalog {
    /// The addon with this name.
    pub fn addon(&self, name: &str) -> Option<&AddonSpec> {
        self.addons.iter().find(|a| a.name == name)
    }

    /// The flag with this name and the addon that owns it.
    pub fn flag(&self, name: &str) -> Option<(&AddonSpec, &FlagSpec)> {
        self.addons.iter().find_map(|a| a.flags.iter().find(|f| f.name == name).map(|f| (a, f)))
    }

    /// Every flag name, in catalog order.
    pub fn flag_names(&self) -> Vec<&str> {
        self.addons.iter().flat_map(|a| a.flags.iter().map(|f| f.name.as_str())).collect()
    }

    /// Every addon name, in catalog order.
    pub fn addon_names(&self) -> Vec<&str> {
        self.addons.iter().map(|a| a.name.as_str()).collect()
    }
}

impl AddonSpec {
    /// The flag that switches this addon on, if it declares one.
    pub fn enabling_flag(&self) -> Option<&FlagSpec> {
        self.flags.iter().find(|f| f.enables_addon)
    }

    /// The name of the enabling flag, or the conventional `enable_<name>` when none is declared.
    pub fn enabling_flag_name(&self) -> String {
        self.enabling_flag().map(|f| f.name.clone()).unwrap_or_else(|| format!("enable_{}", self.name))
    }
}
