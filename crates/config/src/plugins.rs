//! The `plugins:` list: where third-party addon plugins come from.
//!
//! Read before the catalog exists (the host must load these plugins to learn their flags), so
//! nothing here depends on a [`crate::Catalog`]. OCI sources must be pinned by digest
//! (`oci://registry/repo:tag@sha256:<64 hex>`); file sources are paths relative to
//! platform.yaml's directory with an optional `digest: sha256:<64 hex>`.

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::suggest::did_you_mean_text;
use crate::yaml::{Entry, Node, NodeKind, Pos, Resolved};

/// A third-party plugin listed in platform.yaml.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginSource {
    /// The addon name the plugin provides (also its config block key).
    pub name: String,
    /// Where to get it.
    pub source: SourceRef,
    /// Position of the list item in platform.yaml (1-based), for later diagnostics.
    pub line: usize,
    /// Column of the list item (1-based).
    pub column: usize,
}

/// Where a plugin's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SourceRef {
    /// An OCI artifact, always pinned.
    Oci {
        /// `registry/repository:tag` (or `registry/repository`), without the `oci://` scheme.
        reference: String,
        /// `sha256:<64 lowercase hex>`.
        digest: String,
    },
    /// A `.wasm` file on disk.
    File {
        /// The path as written, relative to platform.yaml's directory unless absolute.
        path: String,
        /// `sha256:<64 lowercase hex>` when pinned.
        digest: Option<String>,
    },
}

const ENTRY_KEYS: &[&str] = &["name", "source", "digest"];
const PIN_EXAMPLE: &str = "oci://registry.example.com/addons/hello:0.1.0@sha256:<64 hex digits>";

/// True for `sha256:` followed by 64 lowercase hex digits.
pub(crate) fn is_valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Why a digest is malformed, for the message.
fn digest_problem(d: &str) -> String {
    match d.strip_prefix("sha256:") {
        None => match d.split_once(':') {
            Some((algo, _)) => format!("uses the algorithm `{algo}`; only sha256 is supported"),
            None => "has no `sha256:` prefix".to_string(),
        },
        Some(hex) if hex.len() != 64 => {
            format!("has {} hex digits after `sha256:`; a sha256 digest has 64", hex.len())
        }
        Some(_) => "must use lowercase hex digits 0-9 and a-f only".to_string(),
    }
}

/// True for a plugin/addon name: lowercase letter first, then lowercase letters, digits or `_`.
fn is_valid_plugin_name(n: &str) -> bool {
    let mut chars = n.chars();
    matches!(chars.next(), Some('a'..='z')) && n.len() <= 63 && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

fn err(file: &str, pos: Pos, key: &str, message: String) -> Diagnostic {
    Diagnostic::error(file, pos.line, pos.column, key, message)
}

/// A string scalar's value, or a diagnostic naming `key`.
fn string_value(file: &str, entry: &Entry, key: &str) -> Result<String, Diagnostic> {
    match entry.value.scalar().map(|s| s.resolve()) {
        Some(Ok(Resolved::Str(s))) => Ok(s),
        Some(Ok(Resolved::Null)) => Err(err(file, entry.key_node.start, key, format!("`{key}` has no value"))),
        _ => Err(err(
            file,
            entry.key_node.start,
            key,
            format!("`{key}` must be a string, found {}", entry.value.describe()),
        )
        .with_hint("quote the value")),
    }
}

/// Checks the `plugins:` value and returns the valid sources and the problems.
pub(crate) fn check_plugins(file: &str, entry: &Entry) -> (Vec<PluginSource>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let items: &[Node] = match &entry.value.kind {
        NodeKind::Sequence { items, .. } => items,
        _ if entry.value.is_null() => &[],
        _ => {
            diags.push(
                err(
                    file,
                    entry.key_node.start,
                    "plugins",
                    format!("`plugins` must be a list, found {}", entry.value.describe()),
                )
                .with_hint(
                    "write one `- name: <addon>` item per plugin below `plugins:`, each with a \
                     `source:` (an oci://…@sha256:… reference or a path to a .wasm file)",
                ),
            );
            return (out, diags);
        }
    };
    // name -> (index, line)
    let mut seen: Vec<(String, usize, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_key = format!("plugins[{i}]");
        let Some(entries) = item.entries() else {
            diags.push(
                err(
                    file,
                    item.start,
                    &item_key,
                    format!("`{item_key}` must be a mapping with `name` and `source`, found {}", item.describe()),
                )
                .with_hint(format!("write `- name: hello` and, below it, `  source: {PIN_EXAMPLE}`")),
            );
            continue;
        };
        let mut name: Option<String> = None;
        let mut source: Option<(String, &Entry)> = None;
        let mut digest: Option<(String, &Entry)> = None;
        let mut entry_ok = true;
        for e in entries {
            let key = format!("{item_key}.{}", e.key);
            match e.key.as_str() {
                "name" => match string_value(file, e, &key) {
                    Ok(n) if is_valid_plugin_name(&n) => {
                        if let Some((_, first_i, first_line)) = seen.iter().find(|(s, _, _)| *s == n) {
                            diags.push(
                                err(
                                    file,
                                    e.key_node.start,
                                    &key,
                                    format!(
                                        "`{key}`: the plugin name `{n}` is already used by plugins[{first_i}] on line {first_line}"
                                    ),
                                )
                                .with_hint("each plugin provides one addon and needs a unique name; remove one of the entries"),
                            );
                            entry_ok = false;
                        } else {
                            seen.push((n.clone(), i, e.key_node.start.line));
                        }
                        name = Some(n);
                    }
                    Ok(n) => {
                        diags.push(
                            err(file, e.key_node.start, &key, format!("`{key}` `{n}` is not a valid addon name"))
                                .with_hint(
                                    "use lowercase letters, digits and `_`, starting with a letter; \
                                 it must match the name the plugin reports and is the key of its \
                                 config block",
                                ),
                        );
                        entry_ok = false;
                    }
                    Err(d) => {
                        diags.push(d);
                        entry_ok = false;
                    }
                },
                "source" => match string_value(file, e, &key) {
                    Ok(s) => source = Some((s, e)),
                    Err(d) => {
                        diags.push(d);
                        entry_ok = false;
                    }
                },
                "digest" => match string_value(file, e, &key) {
                    Ok(s) => digest = Some((s, e)),
                    Err(d) => {
                        diags.push(d);
                        entry_ok = false;
                    }
                },
                other => {
                    let hint = did_you_mean_text(other, ENTRY_KEYS, |c| format!("`{c}`"))
                        .unwrap_or_else(|| "a plugin entry has `name`, `source` and, for files, `digest`".to_string());
                    diags.push(
                        err(file, e.key_node.start, &key, format!("unknown key `{key}` in a plugin entry"))
                            .with_hint(hint),
                    );
                    entry_ok = false;
                }
            }
        }
        let label = match &name {
            Some(n) => format!("`{item_key}` (`{n}`)"),
            None => format!("`{item_key}`"),
        };
        if name.is_none() && entries.iter().all(|e| e.key != "name") {
            diags.push(
                err(file, item.start, &item_key, format!("{label} has no `name`")).with_hint(
                    "add `name: <addon name>`: the name the plugin reports, also the key of its config block",
                ),
            );
            entry_ok = false;
        }
        let Some((src, src_entry)) = source else {
            if entries.iter().all(|e| e.key != "source") {
                diags.push(err(file, item.start, &item_key, format!("{label} has no `source`")).with_hint(format!(
                    "add `source: {PIN_EXAMPLE}` or a path to a .wasm file relative to platform.yaml"
                )));
            }
            continue;
        };
        let src_key = format!("{item_key}.source");
        let src_pos = src_entry.key_node.start;
        let parsed = if let Some(rest) = src.strip_prefix("oci://") {
            parse_oci(file, &src_key, src_pos, &src, rest, &mut diags).and_then(|(reference, d)| {
                if let Some((_, de)) = &digest {
                    let dkey = format!("{item_key}.digest");
                    diags.push(
                        err(
                            file,
                            de.key_node.start,
                            &dkey,
                            format!("`{dkey}` is only for file sources; an OCI source is pinned inside its reference"),
                        )
                        .with_hint("remove `digest:` and keep the `@sha256:…` at the end of `source`"),
                    );
                    return None;
                }
                Some(SourceRef::Oci { reference, digest: d })
            })
        } else if let Some((scheme, _)) = src.split_once("://") {
            diags.push(
                err(
                    file,
                    src_pos,
                    &src_key,
                    format!("`{src_key}` uses the unsupported scheme `{scheme}://`"),
                )
                .with_hint(format!(
                    "write `{PIN_EXAMPLE}` for a registry, or a plain path such as `./plugins/hello.wasm` for a file"
                )),
            );
            None
        } else if src.trim().is_empty() {
            diags.push(
                err(file, src_pos, &src_key, format!("`{src_key}` is empty"))
                    .with_hint("write a path to a .wasm file relative to platform.yaml, or an oci:// reference"),
            );
            None
        } else {
            let d = match &digest {
                None => Some(None),
                Some((d, de)) if is_valid_digest(d) => {
                    let _ = de;
                    Some(Some(d.clone()))
                }
                Some((d, de)) => {
                    let dkey = format!("{item_key}.digest");
                    diags.push(
                        err(
                            file,
                            de.key_node.start,
                            &dkey,
                            format!("`{dkey}` `{d}` {}", digest_problem(d)),
                        )
                        .with_hint(format!(
                            "write `digest: sha256:<64 hex digits>`; `sha256sum {src}` prints it, or remove `digest:` to skip the check"
                        )),
                    );
                    None
                }
            };
            d.map(|digest| SourceRef::File { path: src.clone(), digest })
        };
        if let (Some(source), Some(name), true) = (parsed, name, entry_ok) {
            out.push(PluginSource { name, source, line: item.start.line, column: item.start.column });
        }
    }
    (out, diags)
}

/// Parses the part after `oci://`: `registry/repo[:tag]@sha256:hex`.
fn parse_oci(
    file: &str,
    key: &str,
    pos: Pos,
    full: &str,
    rest: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, String)> {
    let Some((reference, digest)) = rest.rsplit_once('@') else {
        diags.push(
            err(file, pos, key, format!("`{key}` `{full}` is not pinned by digest"))
                .with_hint(format!(
                    "an OCI source must end in `@sha256:<digest>` so every run gets the same bytes, e.g. `{full}@sha256:<64 hex digits>`; `kubectl dataplat plugin install {full}` resolves the digest and writes the pin for you"
                )),
        );
        return None;
    };
    let (registry, repo) = reference.split_once('/').unwrap_or((reference, ""));
    if registry.is_empty() || repo.is_empty() || reference.chars().any(char::is_whitespace) {
        diags.push(
            err(file, pos, key, format!("`{key}` `{full}` has no registry and repository"))
                .with_hint(format!("write `{PIN_EXAMPLE}`")),
        );
        return None;
    }
    if !is_valid_digest(digest) {
        diags.push(
            err(file, pos, key, format!("`{key}` has a malformed digest `{digest}`: it {}", digest_problem(digest)))
                .with_hint(format!(
                    "`kubectl dataplat plugin install oci://{reference}` resolves the digest and writes the pin for you"
                )),
        );
        return None;
    }
    Some((reference.to_string(), digest.to_string()))
}
