//! Helm's `--set` / `--set-string` parser (helm.sh/helm/pkg/strvals), step for step.
//!
//! A line is `name1=value1,name2=value2`; names are dotted paths with list indexes
//! (`a.b[0].c=v`, `a[1][2]=v`); a backslash escapes the next character (`a\.b=1`, `v=x\,y`);
//! `{a,b}` is a list. With `--set`, `true`/`false` (any case) are booleans, `null` is nil, `0` and
//! integers not starting with `0` are int64, everything else a string; `--set-string` keeps
//! strings. Errors carry Helm's messages (`key "a" has no value`, `key map "a" has no value`,
//! `list must terminate with '}'`, `negative -1 index not allowed`, …); where Go's parser panics
//! on a type assertion and recovers, the message is the same `unable to parse key: interface
//! conversion: …` text.

use std::collections::BTreeMap;

use gotemplate::Value;
use gotemplate::value::MapRef;

/// The largest list index accepted (Helm's `MaxIndex`).
pub const MAX_INDEX: i64 = 65536;
/// The deepest dotted name accepted (Helm's `MaxNestedNameLevel`).
pub const MAX_NESTED_NAME_LEVEL: usize = 30;
/// The deepest list-in-list index accepted (`a[0][0]…`). Helm has no limit (Go's stack grows);
/// ours keeps the recursion bounded.
pub const MAX_LIST_NESTING: usize = 64;

/// A parse error with Helm's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrvalsError(pub String);

impl std::fmt::Display for StrvalsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StrvalsError {}

/// Parses a `--set` line into a new map.
pub fn parse(s: &str) -> Result<Value, StrvalsError> {
    let map = Value::map(BTreeMap::new());
    if let Value::Map(m) = &map {
        parse_into(s, m)?;
    }
    Ok(map)
}

/// Parses a `--set-string` line into a new map.
pub fn parse_string(s: &str) -> Result<Value, StrvalsError> {
    let map = Value::map(BTreeMap::new());
    if let Value::Map(m) = &map {
        parse_into_string(s, m)?;
    }
    Ok(map)
}

/// Parses a `--set` line into `dest` (keys present in `dest` are overwritten).
pub fn parse_into(s: &str, dest: &MapRef) -> Result<(), StrvalsError> {
    Parser::new(s, false).parse(dest)
}

/// Parses a `--set-string` line into `dest`.
pub fn parse_into_string(s: &str, dest: &MapRef) -> Result<(), StrvalsError> {
    Parser::new(s, true).parse(dest)
}

/// Parses a `--set-json` line into `dest`: every value is a JSON document (numbers float64,
/// as Go decodes JSON into `interface{}`); an empty value is null.
pub fn parse_json(s: &str, dest: &MapRef) -> Result<(), StrvalsError> {
    Parser::with_mode(s, Mode::Json).parse(dest)
}

/// Parses a `--set-file` style line into `dest`, each value produced by `reader` from the raw
/// text (for `--set-file`, the file's contents as a string).
pub fn parse_into_file(
    s: &str,
    dest: &MapRef,
    reader: &dyn Fn(&str) -> Result<Value, String>,
) -> Result<(), StrvalsError> {
    Parser::with_mode(s, Mode::Reader(reader)).parse(dest)
}

/// Helm's `typedVal`: the value `--set` (`string_only == false`) or `--set-string` gives `v`.
pub fn typed_val(v: &str, string_only: bool) -> Value {
    if string_only {
        return Value::string(v);
    }
    if v.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if v.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if v == "0" {
        return Value::Int(0);
    }
    if !v.is_empty()
        && !v.starts_with('0')
        && let Ok(i) = v.parse::<i64>()
    {
        return Value::Int(i);
    }
    Value::string(v)
}

/// Why a step stopped: the input ended (Go's `io.EOF`) or an error.
enum Stop {
    Eof,
    Err(String),
}

impl From<String> for Stop {
    fn from(s: String) -> Stop {
        Stop::Err(s)
    }
}

type Step<T> = Result<T, Stop>;

/// How values are read.
enum Mode<'a> {
    /// `--set` (false) or `--set-string` (true).
    Typed(bool),
    /// `--set-json`: each value is one JSON document (an empty value is null).
    Json,
    /// `--set-file` and the like: the raw text goes through a reader.
    Reader(&'a dyn Fn(&str) -> Result<Value, String>),
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    mode: Mode<'a>,
    /// Nested list indexes being parsed (`a[0][0]…`), bounded by [`MAX_LIST_NESTING`].
    depth: usize,
}

fn conversion_panic(found: &Value, want: &str) -> Stop {
    let found = match found {
        Value::Nil => "nil".to_string(),
        Value::Int(_) => "int64".to_string(),
        other => other.type_name(),
    };
    Stop::Err(format!("unable to parse key: interface conversion: interface {{}} is {found}, not {want}"))
}

/// Go's `strconv.Atoi` with its error text.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {}: invalid syntax", gotemplate::lex::go_quote(s)));
    }
    s.parse::<i64>().map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", gotemplate::lex::go_quote(s)))
}

fn set(data: &MapRef, key: &str, val: Value) {
    if key.is_empty() {
        return;
    }
    data.borrow_mut().insert(key.to_string(), val);
}

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> (Vec<Value>, Result<(), String>) {
    if index < 0 {
        return (list, Err(format!("negative {index} index not allowed")));
    }
    if index > MAX_INDEX {
        return (list, Err(format!("index of {index} is greater than maximum supported index of {MAX_INDEX}")));
    }
    let index = index as usize;
    if list.len() <= index {
        list.resize(index + 1, Value::Nil);
    }
    list[index] = val;
    (list, Ok(()))
}

impl<'a> Parser<'a> {
    fn new(s: &str, string_only: bool) -> Parser<'a> {
        Parser { chars: s.chars().collect(), pos: 0, mode: Mode::Typed(string_only), depth: 0 }
    }

    fn with_mode(s: &str, mode: Mode<'a>) -> Parser<'a> {
        Parser { chars: s.chars().collect(), pos: 0, mode, depth: 0 }
    }

    /// Go's `emptyVal`: skips spaces; true at the end or after a comma.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => continue,
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// One JSON value from the current position (Go's `json.Decoder.Decode`), consumed, then
    /// the following spaces and comma.
    fn json_value(&mut self) -> Result<Value, String> {
        let rest: String = self.chars[self.pos..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<serde_json::Value>();
        let value = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("unexpected end of JSON input".into()),
        };
        let consumed = rest[..stream.byte_offset()].chars().count();
        self.pos += consumed;
        self.empty_val();
        Ok(Value::from_json(&value, false))
    }

    fn parse(&mut self, data: &MapRef) -> Result<(), StrvalsError> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(Stop::Eof) => return Ok(()),
                Err(Stop::Err(e)) => return Err(StrvalsError(e)),
            }
        }
    }

    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// Go's `runesUntil`: the text up to a stop character (backslash escapes the next one),
    /// and the stop character; `Eof` carries the text read so far.
    fn runes_until(&mut self, stop: &[char]) -> (String, Result<char, ()>) {
        let mut v = String::new();
        loop {
            match self.read() {
                None => return (v, Err(())),
                Some(c) if stop.contains(&c) => return (v, Ok(c)),
                Some('\\') => match self.read() {
                    None => return (v, Err(())),
                    Some(next) => v.push(next),
                },
                Some(c) => v.push(c),
            }
        }
    }

    fn reader(&self, rs: &str) -> Result<Value, String> {
        match &self.mode {
            Mode::Typed(string_only) => Ok(typed_val(rs, *string_only)),
            Mode::Json => Ok(Value::string(rs)),
            Mode::Reader(f) => f(rs),
        }
    }

    fn key(&mut self, data: &MapRef, nested: usize) -> Step<()> {
        let (k, last) = self.runes_until(&['=', '[', ',', '.']);
        let last = match last {
            Err(()) => {
                if k.is_empty() {
                    return Err(Stop::Eof);
                }
                return Err(Stop::Err(format!("key {} has no value", gotemplate::lex::go_quote(&k))));
            }
            Ok(c) => c,
        };
        match last {
            '[' => {
                let i = self.key_index().map_err(|e| Stop::Err(format!("error parsing index: {e}")))?;
                let existing = data.borrow().get(&k).cloned();
                let list = match existing {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.as_ref().clone(),
                    Some(other) => return Err(conversion_panic(&other, "[]interface {}")),
                };
                let (list, res) = self.list_item(list, i, nested);
                set(data, &k, Value::list(list));
                res
            }
            '=' if matches!(self.mode, Mode::Json) => {
                if self.empty_val() {
                    set(data, &k, Value::Nil);
                    return Ok(());
                }
                let v = self.json_value()?;
                set(data, &k, v);
                Ok(())
            }
            '=' => match self.val_list() {
                Ok(vl) => {
                    set(data, &k, Value::list(vl));
                    Ok(())
                }
                Err(ListStop::Eof) => {
                    set(data, &k, Value::string(""));
                    Err(Stop::Eof)
                }
                Err(ListStop::NotList) => {
                    let (rs, _) = self.runes_until(&[',']);
                    match self.reader(&rs) {
                        Ok(v) => {
                            set(data, &k, v);
                            Ok(())
                        }
                        Err(e) => {
                            set(data, &k, Value::Nil);
                            Err(Stop::Err(e))
                        }
                    }
                }
                Err(ListStop::Err(e)) => Err(Stop::Err(e)),
            },
            ',' => {
                set(data, &k, Value::string(""));
                Err(Stop::Err(format!("key {} has no value (cannot end with ,)", gotemplate::lex::go_quote(&k))))
            }
            _ => {
                // '.'
                let nested = nested + 1;
                if nested > MAX_NESTED_NAME_LEVEL {
                    return Err(Stop::Err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let existing = data.borrow().get(&k).cloned();
                let inner = match existing {
                    None => Value::map(BTreeMap::new()),
                    Some(v @ Value::Map(_)) => v,
                    Some(other) => return Err(conversion_panic(&other, "map[string]interface {}")),
                };
                let Value::Map(inner_map) = &inner else { return Err(Stop::Err("internal error".into())) };
                let e = self.key(inner_map, nested);
                let empty = inner_map.borrow().is_empty();
                if e.is_ok() && empty {
                    return Err(Stop::Err(format!("key map {} has no value", gotemplate::lex::go_quote(&k))));
                }
                if !empty {
                    set(data, &k, inner.clone());
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> Result<i64, String> {
        let (v, last) = self.runes_until(&[']']);
        if last.is_err() {
            return Err("EOF".into());
        }
        atoi(&v)
    }

    fn list_item(&mut self, list: Vec<Value>, i: i64, nested: usize) -> (Vec<Value>, Step<()>) {
        if i < 0 {
            return (list, Err(Stop::Err(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.runes_until(&['[', '.', '=']);
        if !k.is_empty() {
            return (
                list,
                Err(Stop::Err(format!("unexpected data at end of array index: {}", gotemplate::lex::go_quote(&k)))),
            );
        }
        let last = match last {
            Err(()) => return (list, Err(Stop::Eof)),
            Ok(c) => c,
        };
        match last {
            '=' if matches!(self.mode, Mode::Json) => {
                if self.empty_val() {
                    let (l, r) = set_index(list, i, Value::Nil);
                    return (l, r.map_err(Stop::Err));
                }
                match self.json_value() {
                    Ok(v) => {
                        let (l, r) = set_index(list, i, v);
                        (l, r.map_err(Stop::Err))
                    }
                    Err(e) => (list, Err(Stop::Err(e))),
                }
            }
            '=' => match self.val_list() {
                Ok(vl) => {
                    let (l, r) = set_index(list, i, Value::list(vl));
                    (l, r.map_err(Stop::Err))
                }
                Err(ListStop::Eof) => {
                    let (l, r) = set_index(list, i, Value::string(""));
                    (l, r.map_err(Stop::Err))
                }
                Err(ListStop::NotList) => {
                    let (rs, _) = self.runes_until(&[',']);
                    match self.reader(&rs) {
                        Ok(v) => {
                            let (l, r) = set_index(list, i, v);
                            (l, r.map_err(Stop::Err))
                        }
                        Err(e) => (list, Err(Stop::Err(e))),
                    }
                }
                Err(ListStop::Err(e)) => (list, Err(Stop::Err(e))),
            },
            '[' => {
                let next_i = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Err(Stop::Err(format!("error parsing index: {e}")))),
                };
                let mut crt = Vec::new();
                if (list.len() as i64) > i {
                    match &list[i as usize] {
                        Value::Nil => {}
                        Value::List(l) => crt = l.as_ref().clone(),
                        other => {
                            let other = other.clone();
                            return (list, Err(conversion_panic(&other, "[]interface {}")));
                        }
                    }
                }
                self.depth += 1;
                if self.depth > MAX_LIST_NESTING {
                    return (
                        list,
                        Err(Stop::Err(format!(
                            "list index nested level is greater than maximum supported nested level of {MAX_LIST_NESTING}"
                        ))),
                    );
                }
                let (list2, res) = self.list_item(crt, next_i, nested);
                self.depth -= 1;
                if let Err(e) = res {
                    return (list, Err(e));
                }
                let (l, r) = set_index(list, i, Value::list(list2));
                (l, r.map_err(Stop::Err))
            }
            _ => {
                // '.'
                let mut list = list;
                let inner = if (list.len() as i64) > i {
                    match &list[i as usize] {
                        v @ Value::Map(_) => v.clone(),
                        _ => {
                            // Indices out of order: start an empty map in place.
                            let m = Value::map(BTreeMap::new());
                            list[i as usize] = m.clone();
                            m
                        }
                    }
                } else {
                    Value::map(BTreeMap::new())
                };
                let Value::Map(inner_map) = &inner else { return (list, Err(Stop::Err("internal error".into()))) };
                if let Err(e) = self.key(inner_map, nested) {
                    return (list, Err(e));
                }
                let (l, r) = set_index(list, i, inner.clone());
                (l, r.map_err(Stop::Err))
            }
        }
    }

    fn val_list(&mut self) -> Result<Vec<Value>, ListStop> {
        match self.read() {
            None => return Err(ListStop::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(ListStop::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.runes_until(&[',', '}']);
            match last {
                Err(()) => return Err(ListStop::Err("list must terminate with '}'".into())),
                Ok('}') => {
                    match self.read() {
                        Some(',') | None => {}
                        Some(_) => self.unread(),
                    }
                    let v = self.reader(&rs).map_err(ListStop::Err)?;
                    list.push(v);
                    return Ok(list);
                }
                Ok(_) => list.push(self.reader(&rs).map_err(ListStop::Err)?),
            }
        }
    }
}

enum ListStop {
    Eof,
    NotList,
    Err(String),
}

/// Parses a `--set-literal` line into `dest`: `name=value` where the value is the rest of the
/// line, verbatim (no escapes, commas or lists), as Helm's literal parser.
pub fn parse_literal_into(s: &str, dest: &MapRef) -> Result<(), StrvalsError> {
    let mut p = Literal { chars: s.chars().collect(), pos: 0, depth: 0 };
    loop {
        match p.key(dest, 0) {
            Ok(()) => continue,
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::Err(e)) => return Err(StrvalsError(e)),
        }
    }
}

struct Literal {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Literal {
    fn runes_until(&mut self, stop: &[char]) -> (String, Result<char, ()>) {
        let mut v = String::new();
        while let Some(&c) = self.chars.get(self.pos) {
            self.pos += 1;
            if stop.contains(&c) {
                return (v, Ok(c));
            }
            v.push(c);
        }
        (v, Err(()))
    }

    fn key_index(&mut self) -> Result<i64, String> {
        let (v, last) = self.runes_until(&[']']);
        if last.is_err() {
            return Err("EOF".into());
        }
        atoi(&v)
    }

    fn key(&mut self, data: &MapRef, nested: usize) -> Step<()> {
        let (k, last) = self.runes_until(&['=', '[', '.']);
        match last {
            Err(()) if k.is_empty() => Err(Stop::Eof),
            Err(()) => Err(Stop::Err(format!("key {} has no value", gotemplate::lex::go_quote(&k)))),
            Ok('=') => {
                let (v, _) = self.runes_until(&[]);
                set(data, &k, Value::string(v));
                Ok(())
            }
            Ok('.') => {
                let nested = nested + 1;
                if nested > MAX_NESTED_NAME_LEVEL {
                    return Err(Stop::Err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let existing = data.borrow().get(&k).cloned();
                let inner = match existing {
                    None => Value::map(BTreeMap::new()),
                    Some(v @ Value::Map(_)) => v,
                    Some(other) => return Err(conversion_panic(&other, "map[string]interface {}")),
                };
                let Value::Map(inner_map) = &inner else { return Err(Stop::Err("internal error".into())) };
                let e = self.key(inner_map, nested);
                let empty = inner_map.borrow().is_empty();
                if e.is_ok() && empty {
                    return Err(Stop::Err(format!("key map {} has no value", gotemplate::lex::go_quote(&k))));
                }
                if !empty {
                    set(data, &k, inner.clone());
                }
                e
            }
            Ok(_) => {
                let i = self.key_index().map_err(|e| Stop::Err(format!("error parsing index: {e}")))?;
                let existing = data.borrow().get(&k).cloned();
                let list = match existing {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.as_ref().clone(),
                    Some(other) => return Err(conversion_panic(&other, "[]interface {}")),
                };
                let (list, res) = self.list_item(list, i, nested);
                set(data, &k, Value::list(list));
                res
            }
        }
    }

    fn list_item(&mut self, list: Vec<Value>, i: i64, nested: usize) -> (Vec<Value>, Step<()>) {
        if i < 0 {
            return (list, Err(Stop::Err(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.runes_until(&['[', '.', '=']);
        if !k.is_empty() {
            return (
                list,
                Err(Stop::Err(format!("unexpected data at end of array index: {}", gotemplate::lex::go_quote(&k)))),
            );
        }
        match last {
            Err(()) => (list, Err(Stop::Eof)),
            Ok('=') => {
                let (v, _) = self.runes_until(&[]);
                let (l, r) = set_index(list, i, Value::string(v));
                (l, r.map_err(Stop::Err))
            }
            Ok('.') => {
                let mut list = list;
                let inner = match list.get(i as usize) {
                    Some(v @ Value::Map(_)) => v.clone(),
                    Some(_) => {
                        let m = Value::map(BTreeMap::new());
                        list[i as usize] = m.clone();
                        m
                    }
                    None => Value::map(BTreeMap::new()),
                };
                let Value::Map(inner_map) = &inner else { return (list, Err(Stop::Err("internal error".into()))) };
                if let Err(e) = self.key(inner_map, nested) {
                    return (list, Err(e));
                }
                let (l, r) = set_index(list, i, inner.clone());
                (l, r.map_err(Stop::Err))
            }
            Ok(_) => {
                let next_i = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Err(Stop::Err(format!("error parsing index: {e}")))),
                };
                let crt = match list.get(i as usize) {
                    None | Some(Value::Nil) => Vec::new(),
                    Some(Value::List(l)) => l.as_ref().clone(),
                    Some(other) => {
                        let other = other.clone();
                        return (list, Err(conversion_panic(&other, "[]interface {}")));
                    }
                };
                self.depth += 1;
                if self.depth > MAX_LIST_NESTING {
                    return (
                        list,
                        Err(Stop::Err(format!(
                            "list index nested level is greater than maximum supported nested level of {MAX_LIST_NESTING}"
                        ))),
                    );
                }
                let (list2, res) = self.list_item(crt, next_i, nested);
                self.depth -= 1;
                if let Err(e) = res {
                    return (list, Err(e));
                }
                let (l, r) = set_index(list, i, Value::list(list2));
                (l, r.map_err(Stop::Err))
            }
        }
    }
}
