//! YAML read the way Helm reads it: sigs.k8s.io/yaml, i.e. go-yaml v2 (YAML 1.1 scalars) decoded
//! into `interface{}` and then converted to JSON.
//!
//! - Plain scalars resolve with yaml.v2's rules: `yes`/`no`/`on`/`off`/`y`/`n` are booleans,
//!   `0777` is octal, `0x1F` hex, `1_000` an integer, `~`/`null`/empty are null; timestamps stay
//!   strings (yaml.v2 keeps them strings when decoding into `interface{}`).
//! - Aliases (`*a`) and merge keys (`<<`) work as in yaml.v2 (merged keys are applied in place,
//!   so keys written after `<<` win).
//! - Mapping keys become JSON strings: integers in decimal, floats with Go's `%g` of a float32
//!   (sigs.k8s.io/yaml's conversion), booleans `true`/`false`; a null or collection key is an
//!   error.
//! - Duplicate keys: the last one wins (yaml.v2 into a map).
//!
//! Numbers come out as JSON integers or floats; Helm then decodes JSON into float64, which
//! [`gotemplate::Value::from_json`] with `int_numbers = false` does.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value as Json};

/// A YAML parse or conversion error with a 1-based line where known.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "yaml: line {}: {}", self.line, self.message)
        } else {
            write!(f, "yaml: {}", self.message)
        }
    }
}

impl std::error::Error for YamlError {}

/// A decoded YAML node, before conversion to JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Yaml>),
    /// Entries in document order; keys are decoded nodes.
    Map(Vec<(Yaml, Yaml)>),
}

/// Maximum nesting depth accepted (deeper documents are refused instead of overflowing).
const MAX_DEPTH: usize = 512;
/// Upper bound on nodes produced by alias expansion (a "billion laughs" guard).
const MAX_NODES: usize = 5_000_000;

struct Builder {
    anchors: std::collections::HashMap<usize, Yaml>,
    nodes: usize,
}

fn err_at(span: &Span, message: impl Into<String>) -> YamlError {
    YamlError { line: span.start.line(), column: span.start.col() + 1, message: message.into() }
}

fn count_nodes(y: &Yaml) -> usize {
    match y {
        Yaml::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Yaml::Map(entries) => 1 + entries.iter().map(|(k, v)| count_nodes(k) + count_nodes(v)).sum::<usize>(),
        _ => 1,
    }
}

/// Parses every document of `text`.
pub fn parse_documents(text: &str) -> Result<Vec<Yaml>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder { anchors: Default::default(), nodes: 0 };
    let mut docs = Vec::new();
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| YamlError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        match ev {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::DocumentStart(_) => {
                b.anchors.clear();
                let doc = match next(&mut parser)? {
                    (Event::DocumentEnd, _) => Yaml::Null,
                    (ev, span) => {
                        let node = b.node(&mut parser, ev, span, 0)?;
                        match next(&mut parser)? {
                            (Event::DocumentEnd, _) => {}
                            (_, span) => return Err(err_at(&span, "expected the end of the document")),
                        }
                        node
                    }
                };
                docs.push(doc);
            }
            _ => return Err(err_at(&span, "unexpected YAML event")),
        }
    }
    Ok(docs)
}

/// Parses the first document (what `yaml.Unmarshal` reads); an empty text is null.
pub fn parse_first(text: &str) -> Result<Yaml, YamlError> {
    Ok(parse_documents(text)?.into_iter().next().unwrap_or(Yaml::Null))
}

fn next<'a>(parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>) -> Result<(Event<'a>, Span), YamlError> {
    match parser.next_event() {
        Some(Ok(ev)) => Ok(ev),
        Some(Err(e)) => {
            Err(YamlError { line: e.marker().line(), column: e.marker().col() + 1, message: e.info().to_string() })
        }
        None => Err(YamlError { line: 0, column: 0, message: "unexpected end of input".into() }),
    }
}

impl Builder {
    fn node<'a>(
        &mut self,
        parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
        ev: Event<'a>,
        span: Span,
        depth: usize,
    ) -> Result<Yaml, YamlError> {
        if depth > MAX_DEPTH {
            return Err(err_at(&span, "document nested too deeply"));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(err_at(&span, "document is too large (alias expansion)"));
        }
        match ev {
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(y) => {
                    let y = y.clone();
                    self.nodes += count_nodes(&y);
                    if self.nodes > MAX_NODES {
                        return Err(err_at(&span, "document is too large (alias expansion)"));
                    }
                    Ok(y)
                }
                None => Err(err_at(&span, "unknown anchor")),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| (t.handle.clone(), t.suffix.clone()));
                let y = resolve_scalar(&text, style, tag.as_ref()).map_err(|m| err_at(&span, m))?;
                if anchor > 0 {
                    self.anchors.insert(anchor, y.clone());
                }
                Ok(y)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (ev, span) = next(parser)?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(parser, ev, span, depth + 1)?);
                }
                let y = Yaml::Seq(items);
                if anchor > 0 {
                    self.anchors.insert(anchor, y.clone());
                }
                Ok(y)
            }
            Event::MappingStart(anchor, _) => {
                let mut entries: Vec<(Yaml, Yaml)> = Vec::new();
                loop {
                    let (ev, kspan) = next(parser)?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let is_merge = matches!(&ev, Event::Scalar(t, ScalarStyle::Plain, _, None) if t == "<<");
                    let key = self.node(parser, ev, kspan, depth + 1)?;
                    let (ev, vspan) = next(parser)?;
                    let value = self.node(parser, ev, vspan, depth + 1)?;
                    if is_merge {
                        match value {
                            Yaml::Map(merged) => {
                                for (k, v) in merged {
                                    set_entry(&mut entries, k, v);
                                }
                            }
                            Yaml::Seq(list) => {
                                // Earlier maps take precedence: apply from the last one.
                                for item in list.into_iter().rev() {
                                    match item {
                                        Yaml::Map(merged) => {
                                            for (k, v) in merged {
                                                set_entry(&mut entries, k, v);
                                            }
                                        }
                                        _ => {
                                            return Err(err_at(
                                                &vspan,
                                                "map merge requires map or sequence of maps as the value",
                                            ));
                                        }
                                    }
                                }
                            }
                            _ => {
                                return Err(err_at(&vspan, "map merge requires map or sequence of maps as the value"));
                            }
                        }
                        continue;
                    }
                    set_entry(&mut entries, key, value);
                }
                let y = Yaml::Map(entries);
                if anchor > 0 {
                    self.anchors.insert(anchor, y.clone());
                }
                Ok(y)
            }
            _ => Err(err_at(&span, "unexpected YAML event")),
        }
    }
}

fn set_entry(entries: &mut Vec<(Yaml, Yaml)>, key: Yaml, value: Yaml) {
    if let Some(slot) = entries.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
    } else {
        entries.push((key, value));
    }
}

/// yaml.v2's float syntax (after `_` removal).
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - start;
    if int_digits == 0 {
        // `\.[0-9]+`
        if i >= b.len() || b[i] != b'.' {
            return false;
        }
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f {
            return false;
        }
    } else if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseInt(s, 0, 64)` (sign, then `0x`/`0o`/`0b`/leading-`0` octal, no `_`).
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mag = go_parse_uint(body)?;
    if neg {
        if mag <= i64::MAX as u64 + 1 { Some((mag as i128).wrapping_neg() as i64) } else { None }
    } else {
        i64::try_from(mag).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
pub(crate) fn go_parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Resolves a plain scalar as yaml.v2 does.
pub fn resolve_plain(text: &str) -> Yaml {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Yaml::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => return Yaml::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Yaml::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Yaml::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Yaml::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Yaml::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || first == b'+' || first == b'-' || first == b'.' {
        let plain = text.replace('_', "");
        if let Some(i) = go_parse_int(&plain) {
            return Yaml::Int(i);
        }
        if let Some(u) = go_parse_uint(&plain) {
            return Yaml::Uint(u);
        }
        if is_yaml_float(&plain)
            && let Ok(f) = plain.parse::<f64>()
        {
            return Yaml::Float(f);
        }
        if let Some(rest) = plain.strip_prefix("0b")
            && let Ok(i) = i64::from_str_radix(rest, 2)
        {
            return Yaml::Int(i);
        }
        if let Some(rest) = plain.strip_prefix("-0b")
            && let Ok(i) = i64::from_str_radix(rest, 2)
        {
            return Yaml::Int(-i);
        }
    }
    Yaml::Str(text.to_string())
}

fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&(String, String)>) -> Result<Yaml, String> {
    let plain = matches!(style, ScalarStyle::Plain);
    let core = tag.and_then(|(h, s)| if h == "!!" || h == "tag:yaml.org,2002:" { Some(s.as_str()) } else { None });
    match core {
        Some("str") => Ok(Yaml::Str(text.to_string())),
        Some("null") => match resolve_plain(text) {
            Yaml::Null => Ok(Yaml::Null),
            _ => Err(format!("cannot decode !!str `{text}` as a !!null")),
        },
        Some("bool") => match resolve_plain(text) {
            y @ Yaml::Bool(_) => Ok(y),
            _ => Err(format!("cannot decode !!str `{text}` as a !!bool")),
        },
        Some("int") => match resolve_plain(text) {
            y @ (Yaml::Int(_) | Yaml::Uint(_)) => Ok(y),
            _ => Err(format!("cannot decode !!str `{text}` as a !!int")),
        },
        Some("float") => match resolve_plain(text) {
            Yaml::Int(i) => Ok(Yaml::Float(i as f64)),
            Yaml::Uint(u) => Ok(Yaml::Float(u as f64)),
            y @ Yaml::Float(_) => Ok(y),
            _ => Err(format!("cannot decode !!str `{text}` as a !!float")),
        },
        Some("binary") => {
            use base64::Engine;
            let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(cleaned) {
                Ok(bytes) => Ok(Yaml::Str(String::from_utf8_lossy(&bytes).into_owned())),
                Err(_) => Err("!!binary value contains invalid base64 data".into()),
            }
        }
        _ if plain => Ok(resolve_plain(text)),
        _ => Ok(Yaml::Str(text.to_string())),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, bits)` for bits 32 or 64.
pub fn go_format_g(f: f64, bits32: bool) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    // Shortest round-trip digits in scientific form, e.g. "1.2345e6".
    let sci = if bits32 { format!("{:e}", f as f32) } else { format!("{f:e}") };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = if digits.chars().all(|c| c == '0') { "0".to_string() } else { digits };
    let sign = if neg { "-" } else { "" };
    // Go uses %e when exp < -4 || exp >= eprec, and eprec is 6 for the shortest form.
    let eprec = 6;
    if exp < -4 || exp >= eprec {
        let mut out = String::from(sign);
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
        return out;
    }
    let mut out = String::from(sign);
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let point = exp as usize + 1;
        if digits.len() <= point {
            out.push_str(&digits);
            for _ in digits.len()..point {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

fn key_string(key: &Yaml) -> Result<String, String> {
    match key {
        Yaml::Str(s) => Ok(s.clone()),
        Yaml::Int(i) => Ok(i.to_string()),
        Yaml::Uint(u) => Ok(u.to_string()),
        Yaml::Float(f) => Ok(match go_format_g(*f, true).as_str() {
            "+Inf" => ".inf".to_string(),
            "-Inf" => "-.inf".to_string(),
            "NaN" => ".nan".to_string(),
            s => s.to_string(),
        }),
        Yaml::Bool(b) => Ok(b.to_string()),
        Yaml::Null => Err("unsupported map key of type: <nil>".into()),
        Yaml::Seq(_) | Yaml::Map(_) => Err("unsupported map key (a collection)".into()),
    }
}

impl Yaml {
    /// Converts to JSON as sigs.k8s.io/yaml does (keys to strings; NaN and infinities refused).
    pub fn to_json(&self) -> Result<Json, YamlError> {
        let plain = |m: String| YamlError { line: 0, column: 0, message: m };
        Ok(match self {
            Yaml::Null => Json::Null,
            Yaml::Bool(b) => Json::Bool(*b),
            Yaml::Int(i) => Json::Number(Number::from(*i)),
            Yaml::Uint(u) => Json::Number(Number::from(*u)),
            Yaml::Float(f) => match Number::from_f64(*f) {
                Some(n) => Json::Number(n),
                None => {
                    return Err(plain(format!(
                        "error converting YAML to JSON: json: unsupported value: {}",
                        go_format_g(*f, false)
                    )));
                }
            },
            Yaml::Str(s) => Json::String(s.clone()),
            Yaml::Seq(items) => Json::Array(items.iter().map(Yaml::to_json).collect::<Result<_, _>>()?),
            Yaml::Map(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    let key = key_string(k).map_err(|m| plain(format!("error converting YAML to JSON: {m}")))?;
                    map.insert(key, v.to_json()?);
                }
                Json::Object(map)
            }
        })
    }

    /// The scalar as a Go string field decoded by sigs.k8s.io/yaml sees it (`1.10` → `1.1`).
    pub fn as_go_string(&self) -> Option<String> {
        match self {
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::Uint(u) => Some(u.to_string()),
            Yaml::Float(f) => Some(go_format_g(*f, true)),
            Yaml::Bool(b) => Some(b.to_string()),
            Yaml::Null => Some(String::new()),
            _ => None,
        }
    }

    /// The value of `key` if this is a mapping (exact key first, then case-insensitively, as
    /// encoding/json matches struct fields).
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        let Yaml::Map(entries) = self else { return None };
        entries
            .iter()
            .rev()
            .find(|(k, _)| matches!(k, Yaml::Str(s) if s == key))
            .or_else(|| entries.iter().rev().find(|(k, _)| matches!(k, Yaml::Str(s) if s.eq_ignore_ascii_case(key))))
            .map(|(_, v)| v)
    }
}

/// Parses YAML into JSON as `yaml.Unmarshal` into `map[string]interface{}` does (first document;
/// empty or null documents give an empty map; anything but a mapping is an error).
pub fn yaml_to_json_map(text: &str) -> Result<Map<String, Json>, YamlError> {
    json_map(parse_first(text)?)
}

fn json_map(doc: Yaml) -> Result<Map<String, Json>, YamlError> {
    match doc {
        Yaml::Null => Ok(Map::new()),
        Yaml::Map(_) => match doc.to_json()? {
            Json::Object(m) => Ok(m),
            _ => Ok(Map::new()),
        },
        other => Err(YamlError {
            line: 0,
            column: 0,
            message: format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind(&other)
            ),
        }),
    }
}

fn json_kind(y: &Yaml) -> &'static str {
    match y {
        Yaml::Null => "null",
        Yaml::Bool(_) => "bool",
        Yaml::Int(_) | Yaml::Uint(_) | Yaml::Float(_) => "number",
        Yaml::Str(_) => "string",
        Yaml::Seq(_) => "array",
        Yaml::Map(_) => "object",
    }
}

/// Helm's `LoadValues`: every document of the text, each a mapping, deep-merged in order (later
/// documents win; nested maps merge).
pub fn load_values_documents(text: &str) -> Result<Map<String, Json>, YamlError> {
    let mut out = Map::new();
    for doc in parse_documents(text)? {
        let m = json_map(doc)?;
        out = merge_maps(out, m);
    }
    Ok(out)
}

/// Helm's `MergeMaps`: `b` over `a`, nested maps merged.
pub fn merge_maps(a: Map<String, Json>, b: Map<String, Json>) -> Map<String, Json> {
    let mut out = a;
    for (k, v) in b {
        if let Json::Object(vm) = v {
            if let Some(Json::Object(existing)) = out.remove(&k) {
                out.insert(k, Json::Object(merge_maps(existing, vm)));
            } else {
                out.insert(k, Json::Object(vm));
            }
            continue;
        }
        out.insert(k, v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> Json {
        Json::Object(yaml_to_json_map(text).unwrap())
    }

    #[test]
    fn yaml11_scalars() {
        let v =
            j("a: yes\nb: off\nc: 0777\nd: 0x1F\ne: 1_000\nf: ~\ng: 2001-12-14\nh: '1'\ni: 1e3\nj: .5\nk: 08\nl: y\n");
        assert_eq!(v["a"], Json::Bool(true));
        assert_eq!(v["b"], Json::Bool(false));
        assert_eq!(v["c"], serde_json::json!(511));
        assert_eq!(v["d"], serde_json::json!(31));
        assert_eq!(v["e"], serde_json::json!(1000));
        assert_eq!(v["f"], Json::Null);
        assert_eq!(v["g"], serde_json::json!("2001-12-14"));
        assert_eq!(v["h"], serde_json::json!("1"));
        assert_eq!(v["i"], serde_json::json!(1000.0));
        assert_eq!(v["j"], serde_json::json!(0.5));
        assert_eq!(v["k"], serde_json::json!(8.0));
        assert_eq!(v["l"], Json::Bool(true));
    }

    #[test]
    fn keys_become_strings() {
        let v = j("1: a\ntrue: b\n1.5: c\n");
        assert_eq!(v["1"], serde_json::json!("a"));
        assert_eq!(v["true"], serde_json::json!("b"));
        assert_eq!(v["1.5"], serde_json::json!("c"));
        // yaml.v2 reads `y` as a boolean, so the key becomes "true" (as in Helm).
        assert_eq!(j("y: 1\n")["true"], serde_json::json!(1));
        assert!(yaml_to_json_map("~: a\n").is_err());
    }

    #[test]
    fn anchors_and_merge_keys() {
        let v = j("base: &b {x: 1, z: 2}\nother:\n  <<: *b\n  z: 3\nlist: [*b]\n");
        assert_eq!(v["other"], serde_json::json!({"x": 1, "z": 3}));
        assert_eq!(v["list"][0]["x"], serde_json::json!(1));
    }

    #[test]
    fn go_float_strings() {
        assert_eq!(go_format_g(1.10, true), "1.1");
        assert_eq!(go_format_g(1.0, true), "1");
        assert_eq!(go_format_g(2.5, false), "2.5");
        assert_eq!(go_format_g(1e21, false), "1e+21");
        assert_eq!(go_format_g(0.00001, false), "1e-05");
        assert_eq!(go_format_g(123456789.0, false), "1.23456789e+08");
        assert_eq!(go_format_g(1234567.0, false), "1.234567e+06");
        assert_eq!(go_format_g(100000.0, false), "100000");
        assert_eq!(go_format_g(-0.5, false), "-0.5");
    }

    #[test]
    fn multi_document_values_merge() {
        let m = load_values_documents("a: {x: 1}\n---\na: {z: 2}\nb: 3\n").unwrap();
        assert_eq!(Json::Object(m), serde_json::json!({"a": {"x": 1, "z": 2}, "b": 3}));
    }

    #[test]
    fn non_map_documents_are_errors() {
        assert!(yaml_to_json_map("- a\n").is_err());
        assert!(yaml_to_json_map("just a string").is_err());
        assert!(yaml_to_json_map("").unwrap().is_empty());
        assert!(yaml_to_json_map("a: [").is_err());
    }

    #[test]
    fn hostile_documents_fail_cleanly() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_documents(&deep).is_err());
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                      g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert!(parse_documents(laughs).is_err());
        for text in [
            "*nope",
            "a: *nope",
            "<<: 1",
            "? [a]\n: b",
            "!!int x",
            "!!binary '%%%'",
            "a: !!float abc",
            "\t",
            "- &a\n- *a",
        ] {
            let _ = parse_documents(text).map(|d| d.iter().map(Yaml::to_json).count());
        }
    }
}
