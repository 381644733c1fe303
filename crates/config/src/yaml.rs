//! A small YAML tree that remembers where everything is.
//!
//! Built from saphyr-parser's event stream (YAML 1.2). Every node carries its start and end as
//! line, column and byte offset into the original text, which is what positioned diagnostics and
//! in-place edits need. Scalars keep their source text and style; typing happens later with the
//! YAML 1.2 core-schema rules in [`resolve_plain`], so `yes`, `on` and `0755` stay strings.
//!
//! Anchors are accepted but aliases (`*name`) are rejected with a clear error: platform.yaml
//! is small enough to be written out, and an alias would make every position ambiguous.

use std::fmt;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span};
use serde_json::{Map, Number, Value};

use crate::diagnostic::Diagnostic;

/// A position in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// Byte offset into the text.
    pub offset: usize,
}

/// A YAML node with its extent in the source.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    /// Where the node's text starts (for block sequences: the first item's content).
    pub start: Pos,
    /// Where the node's text ends (exclusive).
    pub end: Pos,
}

/// What a node is.
#[derive(Clone, Debug)]
pub(crate) enum NodeKind {
    Scalar(Scalar),
    Mapping { entries: Vec<Entry>, flow: bool },
    Sequence { items: Vec<Node>, flow: bool },
}

/// A scalar as written.
#[derive(Clone, Debug)]
pub(crate) struct Scalar {
    /// The scalar's value after YAML unescaping/folding (not yet typed).
    pub text: String,
    pub style: ScalarStyle,
    /// Core-schema tag suffix (`str`, `int`, …) when the scalar was explicitly tagged.
    pub tag: Option<String>,
    /// A placeholder for a rejected alias (`*name`); reported once the key is known.
    pub alias: bool,
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The key as text.
    pub key: String,
    /// The key node (always a scalar).
    pub key_node: Node,
    pub value: Node,
}

/// A segment of a path into the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Renders a path the way diagnostics name keys: `keda.values.a`, `plugins[1].source`.
pub(crate) fn render_path(segs: &[Seg]) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Parses a dotted path as plugins write it (`workers.max`, `catalogs.0.name`,
/// `catalogs[0].name`). Numeric segments are indices.
pub(crate) fn parse_dotted(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        // `name[1][2]`
        let head_end = rest.find('[').unwrap_or(rest.len());
        let head = &rest[..head_end];
        if !head.is_empty() {
            match head.parse::<usize>() {
                Ok(i) => segs.push(Seg::Index(i)),
                Err(_) => segs.push(Seg::Key(head.to_string())),
            }
        }
        rest = &rest[head_end..];
        while let Some(stripped) = rest.strip_prefix('[') {
            let Some(close) = stripped.find(']') else {
                segs.push(Seg::Key(rest.to_string()));
                break;
            };
            let inner = &stripped[..close];
            match inner.parse::<usize>() {
                Ok(i) => segs.push(Seg::Index(i)),
                Err(_) => segs.push(Seg::Key(inner.to_string())),
            }
            rest = &stripped[close + 1..];
        }
    }
    segs
}

impl Node {
    /// The entries, if this is a mapping.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Mapping { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// The scalar, if this is one.
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The first entry with this key, if this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().find(|e| e.key == key)
    }

    /// True for an empty plain scalar, `~` or `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.scalar().map(Scalar::resolve), Some(Ok(Resolved::Null)))
    }

    /// A short description of what the node is, for "found …" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            NodeKind::Mapping { .. } => "a mapping".to_string(),
            NodeKind::Sequence { .. } => "a list".to_string(),
            NodeKind::Scalar(s) => s.describe(),
        }
    }

    /// Walks `segs` from this node. Returns the position to report for the deepest segment that
    /// exists (a mapping key's position, or a list item's start) and how many segments matched.
    pub fn locate(&self, segs: &[Seg]) -> (Option<Pos>, usize) {
        let mut node = self;
        let mut found = None;
        for (depth, seg) in segs.iter().enumerate() {
            let next = match (seg, &node.kind) {
                (Seg::Key(k), NodeKind::Mapping { entries, .. }) => {
                    entries.iter().find(|e| &e.key == k).map(|e| (e.key_node.start, &e.value))
                }
                (Seg::Index(i), NodeKind::Sequence { items, .. }) => items.get(*i).map(|n| (n.start, n)),
                // A numeric key in a mapping written as an index by the plugin.
                (Seg::Index(i), NodeKind::Mapping { entries, .. }) => {
                    entries.iter().find(|e| e.key == i.to_string()).map(|e| (e.key_node.start, &e.value))
                }
                _ => None,
            };
            match next {
                Some((pos, child)) => {
                    found = Some(pos);
                    node = child;
                }
                None => return (found, depth),
            }
        }
        (found, segs.len())
    }
}

/// A scalar typed by the YAML 1.2 core schema.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Number(Number),
    /// A float JSON cannot represent (`.inf`, `.nan`).
    NonFinite(String),
    Str(String),
}

impl Scalar {
    /// Types the scalar: quoted and block scalars are strings, plain scalars follow the core
    /// schema, explicit core tags force their type.
    pub fn resolve(&self) -> Result<Resolved, String> {
        match self.tag.as_deref() {
            Some("str") => return Ok(Resolved::Str(self.text.clone())),
            Some(tag @ ("int" | "float" | "bool" | "null")) => {
                let r = resolve_plain(&self.text);
                let ok = matches!(
                    (tag, &r),
                    ("bool", Resolved::Bool(_))
                        | ("null", Resolved::Null)
                        | ("int", Resolved::Number(_))
                        | ("float", Resolved::Number(_) | Resolved::NonFinite(_))
                );
                return if ok { Ok(r) } else { Err(format!("`{}` is not a valid !!{tag}", self.text)) };
            }
            _ => {}
        }
        if self.style == ScalarStyle::Plain {
            Ok(resolve_plain(&self.text))
        } else {
            Ok(Resolved::Str(self.text.clone()))
        }
    }

    /// True when the scalar was written in quotes or as a block.
    pub fn is_quoted(&self) -> bool {
        self.style != ScalarStyle::Plain
    }

    /// "the string `yes`", "the number 1.34", "true", "nothing".
    pub fn describe(&self) -> String {
        match self.resolve() {
            Ok(Resolved::Null) => "nothing (null)".to_string(),
            Ok(Resolved::Bool(b)) => format!("the boolean {b}"),
            Ok(Resolved::Number(_) | Resolved::NonFinite(_)) => {
                format!("the number {}", self.text)
            }
            Ok(Resolved::Str(s)) => {
                if self.is_quoted() {
                    format!("the string {}", quote_for_message(&s))
                } else {
                    format!("the string `{s}`")
                }
            }
            Err(_) => format!("`{}`", self.text),
        }
    }
}

/// Quotes a string for a message: `"abc"` with JSON escaping.
pub(crate) fn quote_for_message(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Types a plain scalar by the YAML 1.2 core schema, with one deliberate difference: decimal
/// integers with a leading zero (`0755`) stay strings, because YAML 1.1 read them as octal and
/// a silent reinterpretation is worse than a type error.
pub(crate) fn resolve_plain(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN"
        | ".NAN" => return Resolved::NonFinite(text.to_string()),
        _ => {}
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return match u64::from_str_radix(hex, 16) {
                Ok(v) => Resolved::Number(Number::from(v)),
                Err(_) => Resolved::Str(text.to_string()),
            };
        }
        return Resolved::Str(text.to_string());
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if !oct.is_empty() && oct.chars().all(|c| matches!(c, '0'..='7')) {
            return match u64::from_str_radix(oct, 8) {
                Ok(v) => Resolved::Number(Number::from(v)),
                Err(_) => Resolved::Str(text.to_string()),
            };
        }
        return Resolved::Str(text.to_string());
    }
    if is_core_int(text) {
        let digits = text.trim_start_matches(['+', '-']);
        if digits.len() > 1 && digits.starts_with('0') {
            return Resolved::Str(text.to_string());
        }
        let unsigned = text.strip_prefix('+').unwrap_or(text);
        if let Ok(v) = unsigned.parse::<i64>() {
            return Resolved::Number(Number::from(v));
        }
        if let Ok(v) = unsigned.parse::<u64>() {
            return Resolved::Number(Number::from(v));
        }
        return float_or_string(text);
    }
    if is_core_float(text) {
        return float_or_string(text);
    }
    Resolved::Str(text.to_string())
}

fn float_or_string(text: &str) -> Resolved {
    match text.parse::<f64>() {
        Ok(v) => match Number::from_f64(v) {
            Some(n) => Resolved::Number(n),
            None => Resolved::NonFinite(text.to_string()),
        },
        Err(_) => Resolved::Str(text.to_string()),
    }
}

/// `[-+]? [0-9]+`
fn is_core_int(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(text: &str) -> bool {
    let s = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
        }
    };
    mantissa_ok && exponent_ok
}

/// Converts a node to JSON. Problems (non-finite floats, bad tags) are reported at `anchor`,
/// the position of the key that holds the node; `path` names it.
pub(crate) fn to_json(file: &str, node: &Node, path: &mut Vec<Seg>, anchor: Pos, out: &mut Vec<Diagnostic>) -> Value {
    match &node.kind {
        NodeKind::Scalar(s) => match s.resolve() {
            Ok(Resolved::Null) => Value::Null,
            Ok(Resolved::Bool(b)) => Value::Bool(b),
            Ok(Resolved::Number(n)) => Value::Number(n),
            Ok(Resolved::Str(t)) => Value::String(t),
            Ok(Resolved::NonFinite(t)) => {
                let key = render_path(path);
                out.push(
                    Diagnostic::error(
                        file,
                        anchor.line,
                        anchor.column,
                        key.clone(),
                        format!("`{key}` is `{t}`, which a JSON config cannot hold"),
                    )
                    .with_hint("write a finite number, or quote it to make it a string"),
                );
                Value::Null
            }
            Err(msg) => {
                let key = render_path(path);
                out.push(Diagnostic::error(file, anchor.line, anchor.column, key.clone(), format!("`{key}`: {msg}")));
                Value::Null
            }
        },
        NodeKind::Mapping { entries, .. } => {
            let mut map = Map::new();
            for e in entries {
                path.push(Seg::Key(e.key.clone()));
                let v = to_json(file, &e.value, path, e.key_node.start, out);
                path.pop();
                map.insert(e.key.clone(), v);
            }
            Value::Object(map)
        }
        NodeKind::Sequence { items, .. } => {
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                list.push(to_json(file, item, path, item.start, out));
                path.pop();
            }
            Value::Array(list)
        }
    }
}

/// Maps the parser's character indices to byte offsets.
struct Offsets {
    bytes: Vec<usize>,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        Offsets { bytes }
    }

    fn pos(&self, m: &Marker) -> Pos {
        let last = self.bytes.len().saturating_sub(1);
        Pos {
            line: m.line().max(1),
            column: m.col() + 1,
            offset: self.bytes.get(m.index()).copied().unwrap_or(self.bytes[last]),
        }
    }
}

/// Deeper nesting is refused: no real platform.yaml needs it, and the tree is walked
/// recursively.
const MAX_DEPTH: usize = 64;

/// A parse failure: one fatal syntax error, or a list of structural errors.
pub(crate) type ParseErrors = Vec<Diagnostic>;

enum Frame {
    Mapping { start: Pos, flow: bool, entries: Vec<Entry>, key: Option<Node> },
    Sequence { start: Pos, flow: bool, items: Vec<Node> },
}

/// Parses YAML text into a tree. `Ok(None)` means the stream holds no document (empty file or
/// only comments). Aliases, unsupported tags, non-scalar keys and a second document are errors.
pub(crate) fn parse_tree(file: &str, text: &str) -> Result<Option<Node>, ParseErrors> {
    let offsets = Offsets::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    let mut errors: Vec<Diagnostic> = Vec::new();

    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => return Err(vec![syntax_error(file, text, &offsets, &e)]),
        };
        let start = offsets.pos(&span.start);
        let end = offsets.pos(&span.end);
        // The end event of a flow collection spans its bracket and any comment after it:
        // keep just the one-byte `]`/`}`.
        let bracket_end = Pos { line: start.line, column: start.column + 1, offset: start.offset + 1 };
        let completed: Option<Node> = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => None,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    errors.push(
                        Diagnostic::error(
                            file,
                            start.line,
                            start.column,
                            "",
                            "a second YAML document starts here; platform.yaml holds exactly one",
                        )
                        .with_hint("remove the `---` separator and merge the documents"),
                    );
                    return Err(errors);
                }
                None
            }
            Event::Alias(_) => Some(Node {
                kind: NodeKind::Scalar(Scalar {
                    text: String::new(),
                    style: ScalarStyle::Plain,
                    tag: None,
                    alias: true,
                }),
                start,
                end,
            }),
            Event::Scalar(value, style, _anchor, tag) => {
                let tag = match tag {
                    None => None,
                    Some(t) => {
                        let supported = t.is_yaml_core_schema()
                            && matches!(t.suffix.as_str(), "str" | "int" | "float" | "bool" | "null");
                        if !supported {
                            errors.push(
                                Diagnostic::error(
                                    file,
                                    start.line,
                                    start.column,
                                    "",
                                    format!("the YAML tag `{t}` is not supported in platform.yaml"),
                                )
                                .with_hint("remove the tag; quote the value if it must be a string"),
                            );
                            None
                        } else {
                            Some(t.suffix.clone())
                        }
                    }
                };
                Some(Node {
                    kind: NodeKind::Scalar(Scalar { text: value.into_owned(), style, tag, alias: false }),
                    start,
                    end,
                })
            }
            Event::MappingStart(_, _) | Event::SequenceStart(_, _) if stack.len() >= MAX_DEPTH => {
                return Err(vec![
                    Diagnostic::error(
                        file,
                        start.line,
                        start.column,
                        "",
                        format!("the YAML is nested more than {MAX_DEPTH} levels deep here"),
                    )
                    .with_hint("platform.yaml settings are only a few levels deep; check the indentation and brackets"),
                ]);
            }
            Event::MappingStart(_, _) => {
                stack.push(Frame::Mapping { start, flow: !span.is_empty(), entries: Vec::new(), key: None });
                None
            }
            Event::SequenceStart(_, _) => {
                stack.push(Frame::Sequence {
                    start,
                    flow: !span.is_empty() && is_flow_open(text, &offsets, &span),
                    items: Vec::new(),
                });
                None
            }
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Mapping { start: s, flow, entries, .. }) => {
                    let e = collection_end(flow, bracket_end, entries.last().map(|e| e.value.end), s);
                    Some(Node { kind: NodeKind::Mapping { entries, flow }, start: s, end: e })
                }
                _ => None,
            },
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Sequence { start: s, flow, items }) => {
                    let e = collection_end(flow, bracket_end, items.last().map(|n| n.end), s);
                    Some(Node { kind: NodeKind::Sequence { items, flow }, start: s, end: e })
                }
                _ => None,
            },
        };
        if let Some(node) = completed {
            match stack.last_mut() {
                None => root = Some(node),
                Some(Frame::Sequence { items, .. }) => items.push(node),
                Some(Frame::Mapping { entries, key, .. }) => match key.take() {
                    None => {
                        if node.scalar().is_none() {
                            errors.push(
                                Diagnostic::error(
                                    file,
                                    node.start.line,
                                    node.start.column,
                                    "",
                                    "a mapping key must be plain text, not a list or mapping",
                                )
                                .with_hint("write `key: value` with a simple key"),
                            );
                        }
                        *key = Some(node);
                    }
                    Some(k) => {
                        let key_text = k.scalar().map(|s| s.text.clone()).unwrap_or_default();
                        entries.push(Entry { key: key_text, key_node: k, value: node });
                    }
                },
            }
        }
    }

    if let Some(root) = &root {
        check_duplicates(file, root, &mut Vec::new(), &mut errors);
    }
    if errors.is_empty() {
        Ok(root)
    } else {
        crate::diagnostic::sort_diagnostics(&mut errors);
        Err(errors)
    }
}

/// A flow collection ends at its closing bracket; a block one at its last child.
fn collection_end(flow: bool, end_event: Pos, last_child: Option<Pos>, start: Pos) -> Pos {
    if flow { end_event } else { last_child.unwrap_or(start) }
}

/// Block sequences report a one-character span on the `-` in some positions; flow sequences
/// start with `[`.
fn is_flow_open(text: &str, offsets: &Offsets, span: &Span) -> bool {
    let at = offsets.pos(&span.start).offset;
    text.get(at..).is_some_and(|rest| rest.starts_with('['))
}

/// Reports duplicate keys (at the second, naming the first's line) and aliases (at their key).
fn check_duplicates(file: &str, node: &Node, path: &mut Vec<Seg>, out: &mut Vec<Diagnostic>) {
    check_duplicates_at(file, node, node.start, path, out);
}

fn check_duplicates_at(file: &str, node: &Node, anchor: Pos, path: &mut Vec<Seg>, out: &mut Vec<Diagnostic>) {
    match &node.kind {
        NodeKind::Scalar(s) if s.alias => {
            let key = render_path(path);
            let message = if key.is_empty() {
                "YAML aliases (`*name`) are not supported in platform.yaml".to_string()
            } else {
                format!("`{key}` uses a YAML alias (`*name`); aliases are not supported in platform.yaml")
            };
            out.push(
                Diagnostic::error(file, anchor.line, anchor.column, key, message)
                    .with_hint("write the value out instead of referring to an anchor"),
            );
        }
        NodeKind::Scalar(_) => {}
        NodeKind::Sequence { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                check_duplicates_at(file, item, item.start, path, out);
                path.pop();
            }
        }
        NodeKind::Mapping { entries, .. } => {
            for (i, e) in entries.iter().enumerate() {
                if e.key_node.scalar().is_some_and(|s| s.alias) {
                    out.push(
                        Diagnostic::error(
                            file,
                            e.key_node.start.line,
                            e.key_node.start.column,
                            render_path(path),
                            "a key uses a YAML alias (`*name`); aliases are not supported in platform.yaml",
                        )
                        .with_hint("write the key out"),
                    );
                    continue;
                }
                path.push(Seg::Key(e.key.clone()));
                if let Some(first) = entries[..i].iter().find(|f| f.key == e.key) {
                    let key = render_path(path);
                    out.push(
                        Diagnostic::error(
                            file,
                            e.key_node.start.line,
                            e.key_node.start.column,
                            key.clone(),
                            format!("duplicate key `{key}` (first defined on line {})", first.key_node.start.line),
                        )
                        .with_hint("YAML keeps only one of them; delete one or merge them"),
                    );
                } else {
                    check_duplicates_at(file, &e.value, e.key_node.start, path, out);
                }
                path.pop();
            }
        }
    }
}

/// The key written at the start of a line (`  region: x` → `region`, `- name: y` → `name`).
fn key_on_line(line: &str) -> Option<String> {
    let mut s = line.trim_start();
    while let Some(rest) = s.strip_prefix('-') {
        s = rest.trim_start();
    }
    let colon = s.find(':')?;
    let key = s[..colon].trim();
    let key = key.trim_matches(['"', '\'']);
    let ok = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    ok.then(|| key.to_string())
}

/// A key indented deeper than the `key: value` line above it, which YAML reads as a
/// continuation of that value: `(line, column, message, hint)` pointing at the key.
fn over_indented(lines: &[&str], line: usize) -> Option<(usize, usize, String, String)> {
    let indent = |l: &str| l.chars().take_while(|c| *c == ' ').count();
    let significant = |l: &&&str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    };
    // The error may be reported on the line of the stray key or just after it.
    for candidate in [line, line.saturating_sub(1)] {
        let this = *lines.get(candidate.checked_sub(1)?)?;
        let key = key_on_line(this)?;
        let above = lines[..candidate - 1].iter().rev().find(significant)?;
        let above_key = key_on_line(above)?;
        let value_above = above
            .split_once(':')
            .map(|(_, v)| v.split(" #").next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        if indent(this) > indent(above) && !value_above.is_empty() {
            return Some((
                candidate,
                indent(this) + 1,
                format!(
                    "`{key}` is indented deeper than `{above_key}` above it, so YAML reads it as part of the value of `{above_key}`"
                ),
                format!("align `{key}` with `{above_key}`, using the same number of spaces"),
            ));
        }
    }
    None
}

/// Turns a scanner error into a diagnostic a person can act on.
fn syntax_error(file: &str, text: &str, offsets: &Offsets, e: &ScanError) -> Diagnostic {
    let pos = offsets.pos(e.marker());
    let info = e.info();
    let lines: Vec<&str> = text.lines().collect();
    let line_text = |n: usize| lines.get(n.saturating_sub(1)).copied().unwrap_or("");

    let (line, column, message, hint) = if info.contains("tab") {
        // Point at the first tab used as indentation, at or after the reported line.
        let found = lines.iter().enumerate().skip(pos.line.saturating_sub(1)).find_map(|(i, l)| {
            let indent: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            indent.chars().position(|c| c == '\t').filter(|_| indent.len() < l.len()).map(|c| (i + 1, c + 1))
        });
        let (line, column) = found.unwrap_or((pos.line, pos.column));
        (
            line,
            column,
            "a tab is used for indentation".to_string(),
            "indent with spaces only; YAML does not allow tabs in indentation".to_string(),
        )
    } else if info.contains("quoted scalar") {
        let quote =
            text.get(pos.offset..).and_then(|s| s.chars().next()).filter(|c| *c == '"' || *c == '\'').unwrap_or('"');
        (
            pos.line,
            pos.column,
            format!("the quoted string starting here has no closing {quote}"),
            format!("add the closing {quote} at the end of the value, on the same line"),
        )
    } else if let Some(found) =
        info.contains("mapping values are not allowed").then(|| over_indented(&lines, pos.line)).flatten()
    {
        found
    } else if info.contains("mapping values are not allowed") {
        (
            pos.line,
            pos.column,
            "unexpected `:` (a key where none can start)".to_string(),
            "check the indentation: keys of the same mapping start in the same column; a value \
             that contains `: ` must be quoted"
                .to_string(),
        )
    } else if info.contains("did not find expected key") {
        (
            pos.line,
            pos.column,
            "this line is not indented like any key above it".to_string(),
            "align the key with its siblings, using the same number of spaces".to_string(),
        )
    } else if info.contains("did not find expected ','") || info.contains("flow") {
        (
            pos.line,
            pos.column,
            format!("unclosed or malformed `[...]`/`{{...}}`: {info}"),
            "close the bracket and separate entries with `, `".to_string(),
        )
    } else if info.contains("block sequence entries are not allowed") {
        (
            pos.line,
            pos.column,
            "a list item (`- `) cannot start here".to_string(),
            "start the list on the next line, indented below its key, or write it as `[a, b]`".to_string(),
        )
    } else if info.contains("did not find expected '-'") {
        (
            pos.line,
            pos.column,
            "a list item is expected here".to_string(),
            "start every item of a list with `- ` at the same indentation".to_string(),
        )
    } else {
        (pos.line, pos.column, info.to_string(), "check the indentation and quoting of this line".to_string())
    };
    let key = key_on_line(line_text(line)).unwrap_or_default();
    let message = if key.is_empty() || message.contains(&format!("`{key}`")) {
        format!("YAML syntax error: {message}")
    } else {
        format!("YAML syntax error at `{key}`: {message}")
    };
    Diagnostic::error(file, line, column, key, message).with_hint(hint)
}

impl fmt::Display for Seg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seg::Key(k) => f.write_str(k),
            Seg::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Renders a string as a YAML scalar that reads back as the same string: plain when that is
/// safe, otherwise double-quoted with JSON escapes (which YAML accepts).
pub fn yaml_scalar(s: &str) -> String {
    let plain_safe = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_' | '-' | '@' | ':' | '+'))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '_'))
        && !s.ends_with(':')
        && matches!(resolve_plain(s), Resolved::Str(_))
        && !looks_like_yaml_1_1(s);
    if plain_safe { s.to_string() } else { serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\"")) }
}

/// Words and numbers YAML 1.1 tools would read as booleans or octal: quoted for their sake.
fn looks_like_yaml_1_1(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    matches!(lower.as_str(), "y" | "n" | "yes" | "no" | "on" | "off")
        || (s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: i64) -> Resolved {
        Resolved::Number(Number::from(v))
    }

    #[test]
    fn core_schema_scalars() {
        assert_eq!(resolve_plain("true"), Resolved::Bool(true));
        assert_eq!(resolve_plain("FALSE"), Resolved::Bool(false));
        assert_eq!(resolve_plain("~"), Resolved::Null);
        assert_eq!(resolve_plain(""), Resolved::Null);
        assert_eq!(resolve_plain("null"), Resolved::Null);
        assert_eq!(resolve_plain("42"), n(42));
        assert_eq!(resolve_plain("-7"), n(-7));
        assert_eq!(resolve_plain("+7"), n(7));
        assert_eq!(resolve_plain("0"), n(0));
        assert_eq!(resolve_plain("0x1F"), n(31));
        assert_eq!(resolve_plain("0o17"), n(15));
        assert_eq!(resolve_plain("1.34"), Resolved::Number(Number::from_f64(1.34).unwrap()));
        assert_eq!(resolve_plain("1e3"), Resolved::Number(Number::from_f64(1000.0).unwrap()));
        assert_eq!(resolve_plain(".5"), Resolved::Number(Number::from_f64(0.5).unwrap()));
        assert_eq!(resolve_plain(".inf"), Resolved::NonFinite(".inf".into()));
        assert_eq!(resolve_plain("18446744073709551615"), Resolved::Number(Number::from(u64::MAX)));
    }

    #[test]
    fn yaml_1_1_lookalikes_stay_strings() {
        for s in [
            "yes", "no", "on", "off", "y", "n", "Yes", "0755", "-0755", "0x", "0xZZ", "0o8", "1.2.3", "1_000", "12:30",
            ".", "e5", "1e", "+", "-",
        ] {
            assert_eq!(resolve_plain(s), Resolved::Str(s.to_string()), "{s}");
        }
    }

    #[test]
    fn quoted_and_tagged() {
        let tree = parse_tree("t", "a: \"true\"\nb: !!str 5\nc: '1'\nd: |\n  x\n").unwrap().unwrap();
        let json = to_json("t", &tree, &mut Vec::new(), Pos::default(), &mut Vec::new());
        assert_eq!(json, serde_json::json!({"a": "true", "b": "5", "c": "1", "d": "x\n"}));
    }

    #[test]
    fn positions_and_locate() {
        let text = "# c\nkeda:\n  values:\n    a: [1, 2]\nlist:\n  - x\n  - y: 1\n";
        let tree = parse_tree("t", text).unwrap().unwrap();
        let (pos, depth) = tree.locate(&parse_dotted("keda.values.a"));
        assert_eq!(depth, 3);
        let pos = pos.unwrap();
        assert_eq!((pos.line, pos.column), (4, 5));
        assert_eq!(&text[pos.offset..pos.offset + 1], "a");
        let (pos, depth) = tree.locate(&parse_dotted("keda.values.missing.deeper"));
        assert_eq!(depth, 2);
        assert_eq!(pos.map(|p| (p.line, p.column)), Some((3, 3)));
        let (pos, _) = tree.locate(&parse_dotted("list[1].y"));
        assert_eq!(pos.map(|p| (p.line, p.column)), Some((7, 5)));
        let (pos, _) = tree.locate(&parse_dotted("list.1"));
        assert_eq!(pos.map(|p| (p.line, p.column)), Some((7, 5)));
    }

    #[test]
    fn dotted_paths() {
        assert_eq!(
            parse_dotted("a.b[2].c.3"),
            vec![Seg::Key("a".into()), Seg::Key("b".into()), Seg::Index(2), Seg::Key("c".into()), Seg::Index(3)]
        );
        assert_eq!(render_path(&parse_dotted("a.b[2].c")), "a.b[2].c");
        assert!(parse_dotted("").is_empty());
    }

    #[test]
    fn multibyte_offsets() {
        let text = "tags:\n  équipe: données\nname: x\n";
        let tree = parse_tree("t", text).unwrap().unwrap();
        let e = tree.get("name").unwrap();
        assert_eq!(&text[e.key_node.start.offset..e.key_node.end.offset], "name");
        let v = &tree.get("tags").unwrap().value.entries().unwrap()[0].value;
        assert_eq!(&text[v.start.offset..v.end.offset], "données");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}x\n", "- ".repeat(10_000));
        let err = parse_tree("t", &deep).unwrap_err();
        assert!(err[0].message.contains("nested more than"), "{}", err[0]);
    }

    #[test]
    fn aliases_and_duplicates_are_errors() {
        let err = parse_tree("t", "a: &x 1\nb: *x\n").unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].message.contains("aliases"));
        let err = parse_tree("t", "a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        assert_eq!(err[0].key, "b.c");
        assert_eq!(err[0].line, 4);
    }
}
