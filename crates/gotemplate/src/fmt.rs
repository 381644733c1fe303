//! Go's `fmt` for template values: `Sprint`, `Sprintln`, `Sprintf`.
//!
//! Placeholder implementation (owned by the fmt work item): `%v`-style printing only. The full
//! version reproduces Go byte for byte: every verb (`%v %+v %#v %T %t %d %b %o %O %x %X %c %q %U
//! %e %E %f %F %g %G %s`), flags (`+ - # 0 space`), width and precision (including `*`),
//! argument indexes (`%[2]d`), and the error forms (`%!d(string=x)`, `%!(EXTRA ...)`,
//! `%!v(MISSING)`, `%!(NOVERB)`).

use crate::value::Value;

/// `fmt.Sprint`: operands printed with `%v`, a space between two operands when neither is a
/// string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 && !matches!(arg, Value::String(_)) && !matches!(args[i - 1], Value::String(_)) {
            out.push(' ');
        }
        out.push_str(&format_v(arg));
    }
    out
}

/// `fmt.Sprintln`: operands printed with `%v`, always space-separated, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(format_v).collect();
    format!("{}\n", parts.join(" "))
}

/// `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let _ = args;
    format.to_string()
}

/// `%v` of one value, as the executor prints an action's result.
pub fn format_v(value: &Value) -> String {
    match value {
        Value::Nil => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => s.to_string(),
        Value::List(items) => format!("[{}]", items.iter().map(format_v).collect::<Vec<_>>().join(" ")),
        Value::Map(map) => format!(
            "map[{}]",
            map.borrow().iter().map(|(k, v)| format!("{k}:{}", format_v(v))).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(o) => o.format_v(),
    }
}
