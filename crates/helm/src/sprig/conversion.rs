//! Sprig's type conversions (spf13/cast 1.5.0's rules, [`super::args`]): `toString`,
//! `toStrings`, `atoi`, `int`, `int64`, `float64`, `toDecimal`.

use gotemplate::{Arity, Funcs, Value};

use super::args::{self, strslice, strval, to_float64, to_int64};
use super::{list_of_strings, sv};

/// Registers the type conversions.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("toString", ex(1), |_, a| Ok(sv(strval(&a[0]))));
    f.insert_with_arity("toStrings", ex(1), |_, a| Ok(list_of_strings(strslice(&a[0]))));
    f.insert_with_arity("atoi", ex(1), |_, a| {
        let s = args::string(a, 0)?;
        let body = s.strip_prefix(['+', '-']).unwrap_or(s);
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Value::Int(0));
        }
        Ok(Value::Int(s.parse::<i64>().unwrap_or(0)))
    });
    f.insert_with_arity("int", ex(1), |_, a| Ok(Value::Int(to_int64(&a[0]))));
    f.insert_with_arity("int64", ex(1), |_, a| Ok(Value::Int(to_int64(&a[0]))));
    f.insert_with_arity("float64", ex(1), |_, a| Ok(Value::Float(to_float64(&a[0]))));
    f.insert_with_arity("toDecimal", ex(1), |_, a| {
        let s = gotemplate::fmt::sprint(&a[..1]);
        let body = s.strip_prefix(['+', '-']).unwrap_or(&s);
        let v = if !body.is_empty() && body.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            i64::from_str_radix(&s, 8).unwrap_or(0)
        } else {
            0
        };
        Ok(Value::Int(v))
    });
}
