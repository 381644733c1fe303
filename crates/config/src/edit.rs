//! In-place edits of platform.yaml that keep comments, key order and formatting.
//!
//! Edits work on byte spans of the original text: only the edited value (or the inserted lines)
//! changes, everything else stays byte-identical. The result is parsed again before it is
//! returned, so an edit can never hand back a file that no longer parses.

use saphyr_parser::ScalarStyle;

use crate::diagnostic::{Diagnostic, render_diagnostics};
use crate::document::{self, Document};
use crate::yaml::yaml_scalar;
use crate::yaml::{Entry, Node, NodeKind};

/// Why an edit could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The input does not parse; fix these first.
    #[error("platform.yaml does not parse:\n{}", render_diagnostics(.0))]
    Parse(Vec<Diagnostic>),
    /// The flag name is not of the form `enable_<name>`.
    #[error("`{0}` is not a flag name; flags look like `enable_<addon>` (lowercase letters, digits, `_`)")]
    InvalidFlag(String),
    /// The plugin name is not a valid addon name.
    #[error("`{0}` is not a valid plugin name; use lowercase letters, digits and `_`, starting with a letter")]
    InvalidPluginName(String),
    /// The plugin source is empty.
    #[error("the plugin source is empty")]
    EmptySource,
    /// `plugins:` exists but is not a list.
    #[error("`plugins` on line {line} is not a list; fix it by hand before adding a plugin")]
    PluginsNotAList {
        /// Line of the `plugins` key.
        line: usize,
    },
    /// The file uses a layout the editor does not rewrite (e.g. a flow-style top level).
    #[error("cannot edit this file automatically: {0}")]
    Unsupported(String),
    /// The edit produced text that does not parse (a bug; the original is untouched).
    #[error("internal error: the edited platform.yaml would not parse:\n{}", render_diagnostics(.0))]
    Broken(Vec<Diagnostic>),
}

/// One replacement of a byte range.
struct Splice {
    start: usize,
    end: usize,
    with: String,
}

fn apply(text: &str, mut splices: Vec<Splice>) -> Result<String, EditError> {
    splices.sort_by_key(|s| std::cmp::Reverse(s.start));
    let crlf = text.contains("\r\n");
    let mut out = text.to_string();
    for mut s in splices {
        if crlf {
            // Keep the file's line endings.
            s.with = s.with.replace("\r\n", "\n").replace('\n', "\r\n");
        }
        if s.start > s.end || s.end > out.len() || !out.is_char_boundary(s.start) || !out.is_char_boundary(s.end) {
            return Err(EditError::Unsupported("an edit fell outside the text".to_string()));
        }
        out.replace_range(s.start..s.end, &s.with);
    }
    document::parse("platform.yaml", &out).map_err(EditError::Broken)?;
    Ok(out)
}

fn parse_for_edit(text: &str) -> Result<Document, EditError> {
    let doc = document::parse("platform.yaml", text).map_err(EditError::Parse)?;
    if matches!(doc.root().kind, NodeKind::Mapping { flow: true, .. }) {
        return Err(EditError::Unsupported("the top level is written in flow style (`{...}`)".to_string()));
    }
    Ok(doc)
}

/// Byte offset just past the end of the line containing `offset` (after its `\n`, or the end
/// of the text). Second value: whether a newline ended the line.
fn after_line(text: &str, offset: usize) -> (usize, bool) {
    match text.get(offset..).and_then(|rest| rest.find('\n')) {
        Some(i) => (offset + i + 1, true),
        None => (text.len(), false),
    }
}

/// Byte offset of the start of the line containing `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset).and_then(|s| s.rfind('\n')).map_or(0, |i| i + 1)
}

/// The last byte of real content of a node (block scalars and block collections end after a
/// line break; step back over it).
fn content_end(text: &str, node: &Node) -> usize {
    let mut end = node.end.offset.min(text.len());
    while end > node.start.offset {
        match text.as_bytes().get(end - 1) {
            Some(b'\n' | b'\r' | b' ' | b'\t') => end -= 1,
            _ => break,
        }
    }
    end
}

/// Byte offset just after the `:` that follows a key.
fn after_colon(text: &str, key: &Node) -> Option<usize> {
    let from = key.end.offset;
    let rest = text.get(from..)?;
    let i = rest.find(':')?;
    Some(from + i + 1)
}

/// Lines to insert at `at`: makes sure they start on a fresh line.
fn insertion(text: &str, at: usize, lines: &str) -> Splice {
    let needs_newline = at > 0 && at == text.len() && !text.ends_with('\n');
    Splice { start: at, end: at, with: if needs_newline { format!("\n{lines}") } else { lines.to_string() } }
}

fn is_flag_name(flag: &str) -> bool {
    flag.strip_prefix("enable_")
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_')))
}

/// Sets a top-level flag. An existing flag gets its value replaced in place (keeping any
/// comment on the line); a missing one is inserted as `flag: value` after the last top-level
/// `enable_*` line, or when there is none after `deployment_id`, or else after the last core
/// scalar key (`name`, `region`, `kubernetes_version`, `vpc_cidr`), or at the end.
pub fn set_flag(text: &str, flag: &str, value: bool) -> Result<String, EditError> {
    if !is_flag_name(flag) {
        return Err(EditError::InvalidFlag(flag.to_string()));
    }
    let doc = parse_for_edit(text)?;
    let root = doc.root();
    let entries = root.entries().unwrap_or(&[]);
    let new_value = if value { "true" } else { "false" };

    if let Some(e) = entries.iter().find(|e| e.key == flag) {
        let splice = replace_value(text, e, new_value)?;
        return apply(text, vec![splice]);
    }

    let anchor = entries
        .iter()
        .rev()
        .find(|e| e.key.starts_with("enable_"))
        .or_else(|| entries.iter().find(|e| e.key == "deployment_id"))
        .or_else(|| {
            entries.iter().rev().find(|e| {
                matches!(e.key.as_str(), "name" | "region" | "kubernetes_version" | "vpc_cidr")
                    && e.value.scalar().is_some()
            })
        });
    let (at, indent) = match anchor {
        Some(e) => {
            let (at, _) = after_line(text, content_end(text, &e.value).max(e.key_node.end.offset));
            (at, e.key_node.start.column.saturating_sub(1))
        }
        None => (text.len(), root.start.column.saturating_sub(1)),
    };
    let line = format!("{}{flag}: {new_value}\n", " ".repeat(indent));
    apply(text, vec![insertion(text, at, &line)])
}

/// The splice that replaces the value of `e` with the scalar `new_value`.
fn replace_value(text: &str, e: &Entry, new_value: &str) -> Result<Splice, EditError> {
    let v = &e.value;
    let simple = v
        .scalar()
        .is_some_and(|s| matches!(s.style, ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted));
    if simple && v.end.offset > v.start.offset {
        return Ok(Splice { start: v.start.offset, end: v.end.offset, with: new_value.to_string() });
    }
    let colon =
        after_colon(text, &e.key_node).ok_or_else(|| EditError::Unsupported(format!("no `:` after `{}`", e.key)))?;
    let end = if v.end.offset > v.start.offset { content_end(text, v).max(colon) } else { colon };
    Ok(Splice { start: colon, end, with: format!(" {new_value}") })
}

fn is_plugin_name(n: &str) -> bool {
    let mut chars = n.chars();
    matches!(chars.next(), Some('a'..='z')) && n.len() <= 63 && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// The name of a plugins list item, if it has one.
fn item_name(item: &Node) -> Option<&str> {
    item.get("name").and_then(|e| e.value.scalar()).map(|s| s.text.as_str())
}

/// Adds a plugin to `plugins:` or replaces the source of the entry with that name, creating the
/// list at the end of the file when absent. Replacing a source removes the entry's `digest:`
/// (it pinned the old source); setting the source an entry already has changes nothing.
pub fn set_plugin(text: &str, name: &str, source: &str) -> Result<String, EditError> {
    if !is_plugin_name(name) {
        return Err(EditError::InvalidPluginName(name.to_string()));
    }
    if source.trim().is_empty() {
        return Err(EditError::EmptySource);
    }
    let doc = parse_for_edit(text)?;
    let root = doc.root();
    let src = yaml_scalar(source);
    let name_s = yaml_scalar(name);

    let Some(entry) = root.get("plugins") else {
        let indent = " ".repeat(root.start.column.saturating_sub(1));
        let block = format!("{indent}plugins:\n{indent}  - name: {name_s}\n{indent}    source: {src}\n");
        return apply(text, vec![insertion(text, text.len(), &block)]);
    };
    let key_indent = entry.key_node.start.column.saturating_sub(1);
    let value = &entry.value;

    // `plugins:` with no value, `~`/`null`, or `[]`: write a fresh block list below the key.
    let empty_flow = matches!(&value.kind, NodeKind::Sequence { items, flow: true } if items.is_empty());
    if value.is_null() || empty_flow {
        let colon = after_colon(text, &entry.key_node)
            .ok_or_else(|| EditError::Unsupported("no `:` after `plugins`".to_string()))?;
        let value_end = if value.end.offset > value.start.offset { value.end.offset } else { colon };
        let (line_end, _) = after_line(text, value_end);
        let pad = " ".repeat(key_indent + 2);
        let tail = text.get(value_end..line_end).unwrap_or("").trim_end_matches('\n');
        let block = format!("{tail}\n{pad}- name: {name_s}\n{pad}  source: {src}\n");
        return apply(text, vec![Splice { start: colon, end: line_end, with: block }]);
    }

    let NodeKind::Sequence { items, flow } = &value.kind else {
        return Err(EditError::PluginsNotAList { line: entry.key_node.start.line });
    };

    if let Some(item) = items.iter().find(|i| item_name(i) == Some(name)) {
        if let NodeKind::Mapping { flow: true, .. } = item.kind {
            return apply(
                text,
                vec![Splice {
                    start: item.start.offset,
                    end: item.end.offset,
                    with: format!("{{name: {name_s}, source: {src}}}"),
                }],
            );
        }
        let mut splices = Vec::new();
        match item.get("source") {
            Some(se) => {
                if se.value.scalar().map(|s| s.text.as_str()) == Some(source) {
                    return Ok(text.to_string());
                }
                splices.push(replace_value(text, se, &src)?);
            }
            None => {
                let anchor = item
                    .get("name")
                    .map_or(item.start.offset, |e| content_end(text, &e.value).max(e.key_node.end.offset));
                let (at, _) = after_line(text, anchor);
                let pad = " ".repeat(item.start.column.saturating_sub(1));
                splices.push(insertion(text, at, &format!("{pad}source: {src}\n")));
            }
        }
        if let Some(de) = item.get("digest") {
            let start = line_start(text, de.key_node.start.offset);
            let only_key_on_line = text.get(start..de.key_node.start.offset).is_some_and(|s| s.trim().is_empty());
            if !only_key_on_line {
                return Err(EditError::Unsupported(
                    "the `digest:` of this plugin shares a line with other keys".to_string(),
                ));
            }
            let (end, _) = after_line(text, content_end(text, &de.value).max(de.key_node.end.offset));
            splices.push(Splice { start, end, with: String::new() });
        }
        return apply(text, splices);
    }

    if *flow {
        // `[a, b]` -> `[a, b, {name: …, source: …}]`, before the closing bracket.
        let close = value.end.offset.saturating_sub(1);
        if text.as_bytes().get(close) != Some(&b']') {
            return Err(EditError::Unsupported("cannot find the `]` closing `plugins`".to_string()));
        }
        return apply(
            text,
            vec![Splice { start: close, end: close, with: format!(", {{name: {name_s}, source: {src}}}") }],
        );
    }

    let Some(first) = items.first() else {
        return Err(EditError::Unsupported("`plugins` is an empty block list".to_string()));
    };
    // Indentation of the `-` and of the item's keys, copied from the first item.
    let first_line_start = line_start(text, first.start.offset);
    let before = text.get(first_line_start..first.start.offset).unwrap_or("");
    let dash_col = before.rfind('-').unwrap_or(key_indent + 2);
    let item_col = first.start.column.saturating_sub(1).max(dash_col + 2);
    let last = items.last().unwrap_or(first);
    let (at, _) = after_line(text, content_end(text, last));
    let lines = format!("{}- name: {name_s}\n{}source: {src}\n", " ".repeat(dash_col), " ".repeat(item_col));
    apply(text, vec![insertion(text, at, &lines)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_files_keep_their_line_endings() {
        let text = "name: a\r\nregion: us-west-2\r\ndeployment_id: Ab3dE9xZ\r\nenable_keda: false\r\n";
        let out = set_flag(text, "enable_kafka", true).unwrap();
        assert_eq!(out, format!("{text}enable_kafka: true\r\n"));
        let out = set_flag(text, "enable_keda", true).unwrap();
        assert_eq!(out, text.replace("enable_keda: false", "enable_keda: true"));
        let out = set_plugin(text, "hello", "./hello.wasm").unwrap();
        assert_eq!(out, format!("{text}plugins:\r\n  - name: hello\r\n    source: ./hello.wasm\r\n"));
    }

    #[test]
    fn byte_order_mark_and_multibyte_text_before_the_edit() {
        let text = "\u{feff}# plateforme données\nname: a\ntags: {équipe: données}\nenable_keda: false # é\n";
        let out = set_flag(text, "enable_keda", true).unwrap();
        assert_eq!(out, text.replace("enable_keda: false", "enable_keda: true"));
    }
}
