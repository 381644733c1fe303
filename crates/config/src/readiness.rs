//! The `readiness:` block of platform.yaml: findings of the readiness analysis the user accepts.
//!
//! ```yaml
//! readiness:
//!   waivers:
//!   - rule: lb.legacy-provider
//!     object: Service ingress-nginx/ingress-nginx-controller
//!     reason: a Classic Load Balancer is what we want here
//! ```
//!
//! A waiver names the rule id, the object as findings name it (`Kind namespace/name`, `Kind name`
//! for cluster-scoped objects, or `*` for every object of the rule) and a reason of at least ten
//! characters, so the file says why. Rule ids are checked against the analysis's rules.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::diagnostic::Diagnostic;
use crate::schema::{BlockContext, check_block};
use crate::yaml::{self, Entry, Node, Seg};

/// The top-level key of the block.
pub const READINESS_KEY: &str = "readiness";

/// The `readiness:` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadinessSettings {
    /// Findings accepted, each with its reason.
    pub waivers: Vec<WaiverSetting>,
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverSetting {
    /// The rule id (`storage.class-missing`).
    pub rule: String,
    /// `Kind namespace/name`, `Kind name`, or `*`.
    pub object: String,
    /// Why the finding does not apply.
    pub reason: String,
}

/// The JSON Schema of the block.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let rules: Vec<&str> = dataplat_readiness::RULES.iter().map(|(id, _, _)| *id).collect();
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "waivers": {
                    "type": "array",
                    "description": "findings of the readiness analysis to accept, each with its reason",
                    "default": [],
                    "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["rule", "object", "reason"],
                        "properties": {
                            "rule": {"enum": rules, "description": "the finding's rule id"},
                            "object": {
                                "type": "string",
                                "pattern": "^(\\*|[A-Za-z][A-Za-z0-9]* ([a-z0-9][a-z0-9.-]*/)?[A-Za-z0-9][A-Za-z0-9._:-]*)$",
                                "description": "`Kind namespace/name`, `Kind name` (cluster-scoped) or `*`"
                            },
                            "reason": {"type": "string", "minLength": 10, "description": "why the finding does not apply"}
                        }
                    }
                }
            }
        })
    })
}

/// Checks the `readiness:` entry and reads it; `None` after an error (pushed to `out`).
pub(crate) fn check(file: &str, root: &Node, entry: &Entry, out: &mut Vec<Diagnostic>) -> Option<ReadinessSettings> {
    let pos = entry.key_node.start;
    let mut path = vec![Seg::Key(READINESS_KEY.into())];
    let before = out.len();
    let mut json = yaml::to_json(file, &entry.value, &mut path, pos, out);
    if json.is_null() {
        json = Value::Object(serde_json::Map::new());
    }
    let ctx = BlockContext {
        file,
        addon: READINESS_KEY,
        root,
        anchor: pos,
        anchor_key: READINESS_KEY.into(),
        schema: schema(),
    };
    check_block(&ctx, &json, out);
    if out[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    match serde_json::from_value(json) {
        Ok(settings) => Some(settings),
        Err(e) => {
            out.push(
                Diagnostic::error(
                    file,
                    pos.line,
                    pos.column,
                    READINESS_KEY,
                    format!("`readiness` cannot be read: {e}"),
                )
                .with_hint("see docs/platform-yaml.md, section `readiness`"),
            );
            None
        }
    }
}
