//! Renders Go templates like the oracle program (tools/gotemplate-oracle), same command line:
//!
//! `render [--data FILE.json|FILE.yaml] [--missingkey zero|error|default] [--name T] TEMPLATE_FILE...`
//!
//! or `render --batch MANIFEST.json` (the oracle's batch mode: a JSON array of cases
//! `{"name", "templates": [{"name", "text"}], "exec", "missingkey", "data_json", "data_yaml"}`,
//! answered with a JSON array of `{"name", "ok", "output", "error"}` on stdout).
//!
//! Every file is parsed into one set under its base name (Go's `ParseFiles`); the first file (or
//! `--name`) is executed. Output goes to stdout (partial output too, on error); the error, as
//! Go prints it, to stderr with exit status 1.

use std::io::Write;
use std::process::ExitCode;

use gotemplate::{MissingKey, Template, Value};

fn fail(msg: &str) -> ExitCode {
    eprintln!("{msg}");
    ExitCode::from(1)
}

/// YAML data decoded like gopkg.in/yaml.v2 into `interface{}` (the first document; YAML 1.1
/// plain scalars: `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `0755` is octal, `1_000` an
/// int; integers stay `int`, or `uint64` when too large; map keys become strings as the
/// oracle's `fmt.Sprint(k)` makes them; quoted and block scalars are strings; anchors,
/// aliases and `<<` merge keys).
mod yaml {
    use std::borrow::Cow;
    use std::collections::{BTreeMap, HashMap};

    use gotemplate::Value;
    use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

    pub fn load(text: &str) -> Result<Value, String> {
        let mut events = Vec::new();
        let mut parser = Parser::new_from_str(text);
        while let Some(ev) = parser.next_event() {
            let (ev, span) = ev.map_err(|e| e.to_string())?;
            let _ = span;
            events.push(ev);
        }
        let mut d = Decoder { events, pos: 0, anchors: HashMap::new() };
        // StreamStart, DocumentStart, node.
        while let Some(ev) = d.events.get(d.pos) {
            match ev {
                Event::StreamStart | Event::Nothing => d.pos += 1,
                Event::DocumentStart(_) => {
                    d.pos += 1;
                    return d.node();
                }
                _ => return Ok(Value::Nil),
            }
        }
        Ok(Value::Nil)
    }

    struct Decoder<'a> {
        events: Vec<Event<'a>>,
        pos: usize,
        anchors: HashMap<usize, Value>,
    }

    fn is_tag(tag: &Option<Cow<'_, Tag>>, suffix: &str) -> bool {
        tag.as_ref().is_some_and(|t| t.handle == "!!" && t.suffix == suffix)
            || tag.as_ref().is_some_and(|t| t.suffix == format!("tag:yaml.org,2002:{suffix}"))
    }

    /// yaml.v2's `resolve` for a plain scalar.
    pub fn resolve(s: &str) -> Value {
        match s {
            "" | "~" | "null" | "Null" | "NULL" => return Value::Nil,
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
                return Value::Bool(true);
            }
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
                return Value::Bool(false);
            }
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
            "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
            _ => {}
        }
        let first = s.as_bytes()[0];
        if first == b'.' {
            if let Ok(f) = s.parse::<f64>() {
                return Value::Float(f);
            }
            return Value::string(s);
        }
        if !(first.is_ascii_digit() || first == b'-' || first == b'+') {
            return Value::string(s);
        }
        let plain: String = s.chars().filter(|&c| c != '_').collect();
        if let Some(i) = gotemplate::parse::parse_int0(&plain) {
            return Value::Int(i);
        }
        if let Some(u) = gotemplate::parse::parse_uint0(&plain) {
            return Value::Uint(u);
        }
        if is_yaml_float(&plain)
            && let Ok(f) = plain.parse::<f64>()
        {
            return Value::Float(f);
        }
        if let Some(b) = plain.strip_prefix("0b") {
            return i64::from_str_radix(b, 2).map(Value::Int).unwrap_or_else(|_| Value::string(s));
        }
        if let Some(b) = plain.strip_prefix("-0b")
            && let Ok(i) = i64::from_str_radix(b, 2)
        {
            return Value::Int(-i);
        }
        Value::string(s)
    }

    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    fn is_yaml_float(s: &str) -> bool {
        let b = s.as_bytes();
        let mut i = 0;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let start = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - start
        };
        if i < b.len() && b[i] == b'.' {
            i += 1;
            if digits(&mut i) == 0 {
                return false;
            }
        } else {
            if digits(&mut i) == 0 {
                return false;
            }
            if i < b.len() && b[i] == b'.' {
                i += 1;
                digits(&mut i);
            }
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return false;
            }
        }
        i == b.len()
    }

    impl Decoder<'_> {
        fn node(&mut self) -> Result<Value, String> {
            let Some(ev) = self.events.get(self.pos).cloned() else { return Ok(Value::Nil) };
            self.pos += 1;
            match ev {
                Event::Scalar(text, style, anchor, tag) => {
                    let v = if is_tag(&tag, "str") || (style != ScalarStyle::Plain && tag.is_none()) {
                        Value::string(text.as_ref())
                    } else {
                        resolve(&text)
                    };
                    if anchor > 0 {
                        self.anchors.insert(anchor, v.clone());
                    }
                    Ok(v)
                }
                Event::Alias(id) => Ok(self.anchors.get(&id).map(deep_copy).unwrap_or(Value::Nil)),
                Event::SequenceStart(anchor, _) => {
                    let mut items = Vec::new();
                    while !matches!(self.events.get(self.pos), Some(Event::SequenceEnd) | None) {
                        items.push(self.node()?);
                    }
                    self.pos += 1;
                    let v = Value::list(items);
                    if anchor > 0 {
                        self.anchors.insert(anchor, v.clone());
                    }
                    Ok(v)
                }
                Event::MappingStart(anchor, _) => {
                    let mut map = BTreeMap::new();
                    while !matches!(self.events.get(self.pos), Some(Event::MappingEnd) | None) {
                        let is_merge = matches!(self.events.get(self.pos), Some(Event::Scalar(k, ScalarStyle::Plain, _, None)) if k == "<<");
                        let key = self.node()?;
                        let value = self.node()?;
                        if is_merge {
                            let sources = match &value {
                                Value::List(l) => l.to_vec(),
                                other => vec![other.clone()],
                            };
                            for src in sources {
                                if let Value::Map(m) = src {
                                    for (k, v) in m.borrow().iter() {
                                        map.insert(k.clone(), v.clone());
                                    }
                                }
                            }
                            continue;
                        }
                        let key = match &key {
                            Value::String(s) => s.to_string(),
                            other => gotemplate::fmt::sprint(std::slice::from_ref(other)),
                        };
                        map.insert(key, value);
                    }
                    self.pos += 1;
                    let v = Value::map(map);
                    if anchor > 0 {
                        self.anchors.insert(anchor, v.clone());
                    }
                    Ok(v)
                }
                _ => Ok(Value::Nil),
            }
        }
    }

    /// A fresh copy (each alias of a map decodes into its own map in Go).
    fn deep_copy(v: &Value) -> Value {
        match v {
            Value::Map(m) => Value::map(m.borrow().iter().map(|(k, v)| (k.clone(), deep_copy(v))).collect()),
            Value::List(l) => Value::list(l.iter().map(deep_copy).collect()),
            other => other.clone(),
        }
    }
}

fn missing_key(s: &str) -> Option<MissingKey> {
    match s {
        "zero" => Some(MissingKey::Zero),
        "error" => Some(MissingKey::Error),
        "" | "default" | "invalid" => Some(MissingKey::Default),
        _ => None,
    }
}

/// One batch case, as the oracle renders it: the first template names the set; a parse error
/// stops the case.
fn render_case(case: &serde_json::Value) -> serde_json::Value {
    let name = case["name"].as_str().unwrap_or_default();
    let result = |ok: bool, output: &str, error: &str| serde_json::json!({"name": name, "ok": ok, "output": output, "error": error});
    let data = if let Some(text) = case["data_json"].as_str() {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(j) => Value::from_json(&j, false),
            Err(e) => return result(false, "", &format!("oracle: {e}")),
        }
    } else if let Some(text) = case["data_yaml"].as_str() {
        match yaml::load(text) {
            Ok(v) => v,
            Err(e) => return result(false, "", &format!("oracle: {e}")),
        }
    } else {
        Value::Nil
    };
    let Some(mk) = missing_key(case["missingkey"].as_str().unwrap_or_default()) else {
        return result(false, "", "oracle: bad missingkey");
    };
    let empty = Vec::new();
    let sources = case["templates"].as_array().unwrap_or(&empty);
    let Some(first) = sources.first().and_then(|s| s["name"].as_str()) else {
        return result(false, "", "oracle: no templates");
    };
    let set = Template::new(first).option_missingkey(mk);
    for src in sources {
        let t = set.new_in_set(src["name"].as_str().unwrap_or_default());
        if let Err(e) = t.parse(src["text"].as_str().unwrap_or_default()) {
            return result(false, "", &e.to_string());
        }
    }
    let exec = match case["exec"].as_str() {
        Some(e) if !e.is_empty() => e,
        _ => first,
    };
    let mut out = String::new();
    match set.execute_template(&mut out, exec, &data) {
        Ok(()) => result(true, &out, ""),
        Err(e) => result(false, &out, &e.to_string()),
    }
}

fn batch(path: &str) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return fail(&format!("{path}: {e}")),
    };
    let cases: Vec<serde_json::Value> = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => return fail(&format!("{path}: {e}")),
    };
    let results: Vec<serde_json::Value> = cases.iter().map(render_case).collect();
    println!("{}", serde_json::Value::Array(results));
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut data_file: Option<String> = None;
    let mut missing = MissingKey::Default;
    let mut name: Option<String> = None;
    let mut files: Vec<String> = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data_file = args.next(),
            "--missingkey" => {
                let v = args.next().unwrap_or_default();
                missing = match missing_key(&v) {
                    Some(mk) => mk,
                    None => return fail(&format!("unknown --missingkey {v:?}")),
                }
            }
            "--name" => name = args.next(),
            "--batch" => return batch(&args.next().unwrap_or_default()),
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        return fail("usage: render [--data FILE] [--missingkey zero|error|default] [--name T] TEMPLATE_FILE...");
    }
    let data = match &data_file {
        None => Value::Nil,
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return fail(&format!("{path}: {e}")),
            };
            if path.ends_with(".yaml") || path.ends_with(".yml") {
                match yaml::load(&text) {
                    Ok(v) => v,
                    Err(e) => return fail(&format!("{path}: {e}")),
                }
            } else {
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(j) => Value::from_json(&j, false),
                    Err(e) => return fail(&format!("{path}: {e}")),
                }
            }
        }
    };
    let base =
        |p: &str| std::path::Path::new(p).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let first = base(&files[0]);
    let set = Template::new(&first).option_missingkey(missing);
    for f in &files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => return fail(&format!("{f}: {e}")),
        };
        let t = set.new_in_set(&base(f));
        if let Err(e) = t.parse(&text) {
            return fail(&e.to_string());
        }
    }
    let exec = name.unwrap_or(first);
    let mut out = String::new();
    let r = set.execute_template(&mut out, &exec, &data);
    let mut stdout = std::io::stdout();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}
