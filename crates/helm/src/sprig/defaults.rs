//! Sprig's defaults (`default`, `empty`, `coalesce`, `all`, `any`, `ternary`, `mustFromJson`)
//! and flow control (`fail`). Helm registers its own `fromJson`, `toJson`, ... (and `fail`) on
//! top ([`crate::functions`]).

use gotemplate::{Arity, FuncError, Funcs, Value};

use super::args::{self, boolean};

/// Registers the defaults and flow control functions.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    let al = Arity::AtLeast;
    f.insert_with_arity("default", al(1), |_, a| {
        Ok(match a.get(1) {
            Some(g) if !empty(g) && a.len() >= 2 => g.clone(),
            _ => a[0].clone(),
        })
    });
    f.insert_with_arity("empty", ex(1), |_, a| Ok(Value::Bool(empty(&a[0]))));
    f.insert("coalesce", |_, a| Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil)));
    f.insert("all", |_, a| Ok(Value::Bool(a.iter().all(|v| !empty(v)))));
    f.insert("any", |_, a| Ok(Value::Bool(a.iter().any(|v| !empty(v)))));
    f.insert_with_arity("ternary", ex(3), |_, a| Ok(if boolean(a, 2)? { a[0].clone() } else { a[1].clone() }));
    f.insert_with_arity("fail", ex(1), |_, a| Err(FuncError::Call(args::string(a, 0)?.to_string())));
    f.insert_with_arity("mustFromJson", ex(1), |_, a| {
        let text = args::string(a, 0)?;
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(j) => Ok(Value::from_json(&j, false)),
            Err(e) => Err(FuncError::Call(json_error(text, &e))),
        }
    });
}

/// Sprig's `empty`.
pub fn empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Object(_) => false,
        other => !other.truthy(),
    }
}

/// encoding/json's syntax error messages, as far as serde_json's error tells.
pub(crate) fn json_error(text: &str, e: &serde_json::Error) -> String {
    if text.trim().is_empty() || e.is_eof() {
        return "unexpected end of JSON input".into();
    }
    // The offending character: serde reports a line and column (1-based, in characters).
    let line = e.line();
    let col = e.column();
    let c = text.lines().nth(line.saturating_sub(1)).and_then(|l| l.chars().nth(col.saturating_sub(1)));
    let before = text
        .lines()
        .take(line.saturating_sub(1))
        .map(|l| format!("{l}\n"))
        .chain(
            text.lines().nth(line.saturating_sub(1)).map(|l| l.chars().take(col.saturating_sub(1)).collect::<String>()),
        )
        .collect::<String>();
    let what = match before.trim_end().chars().last() {
        Some('{') => "looking for beginning of object key string",
        _ => "looking for beginning of value",
    };
    match c {
        Some(c) => format!("invalid character {} {what}", go_quote_rune(c)),
        None => "unexpected end of JSON input".into(),
    }
}

fn go_quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        c => format!("'{c}'"),
    }
}
