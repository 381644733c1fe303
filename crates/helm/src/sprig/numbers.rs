//! Sprig's integer math (`add1`, `add`, `sub`, `div`, `mod`, `mul`, `max`, `biggest`, `min`),
//! float math on float64 (`maxf`, `minf`, `ceil`, `floor`, `round`) and integer slices
//! (`until`, `untilStep`, `seq`). The decimal family (`addf`, ...) is in [`super::decimal`].

use gotemplate::{Arity, FuncError, Funcs, Value};

use super::args::{int, panic, strval, to_float64, to_int64};
use super::sv;

/// Registers the math and integer slice functions.
pub(super) fn register(f: &mut Funcs) {
    register_integer_slices(f);
    register_math(f);
}

/// `until`, `untilStep`, `seq`.
fn register_integer_slices(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("until", ex(1), |_, a| {
        let n = int(a, 0)?;
        Ok(Value::list(if n < 0 { until_step(0, n, -1) } else { until_step(0, n, 1) }))
    });
    f.insert_with_arity("untilStep", ex(3), |_, a| Ok(Value::list(until_step(int(a, 0)?, int(a, 1)?, int(a, 2)?))));
    f.insert("seq", |_, a| {
        let p = (0..a.len()).map(|i| int(a, i)).collect::<Result<Vec<_>, _>>()?;
        Ok(sv(seq(&p)))
    });
}

/// `add1`, `add`, `sub`, `div`, `mod`, `mul`, `max`, `biggest`, `min`, `maxf`, `minf`, `ceil`,
/// `floor`, `round`.
fn register_math(f: &mut Funcs) {
    let ex = Arity::Exact;
    let al = Arity::AtLeast;
    f.insert_with_arity("add1", ex(1), |_, a| Ok(Value::Int(to_int64(&a[0]).wrapping_add(1))));
    f.insert("add", |_, a| Ok(Value::Int(a.iter().fold(0i64, |s, v| s.wrapping_add(to_int64(v))))));
    f.insert_with_arity("sub", ex(2), |_, a| Ok(Value::Int(to_int64(&a[0]).wrapping_sub(to_int64(&a[1])))));
    f.insert_with_arity("div", ex(2), |_, a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(panic("runtime error: integer divide by zero"));
        }
        Ok(Value::Int(to_int64(&a[0]).wrapping_div(d)))
    });
    f.insert_with_arity("mod", ex(2), |_, a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(panic("runtime error: integer divide by zero"));
        }
        Ok(Value::Int(to_int64(&a[0]).wrapping_rem(d)))
    });
    f.insert_with_arity("mul", al(1), |_, a| {
        Ok(Value::Int(a[1..].iter().fold(to_int64(&a[0]), |s, v| s.wrapping_mul(to_int64(v)))))
    });
    f.insert_with_arity("max", al(1), |_, a| Ok(Value::Int(a.iter().map(to_int64).max().unwrap_or(0))));
    f.insert_with_arity("biggest", al(1), |_, a| Ok(Value::Int(a.iter().map(to_int64).max().unwrap_or(0))));
    f.insert_with_arity("min", al(1), |_, a| Ok(Value::Int(a.iter().map(to_int64).min().unwrap_or(0))));
    f.insert_with_arity("maxf", al(1), |_, a| Ok(Value::Float(a.iter().map(to_float64).fold(f64::NAN, go_max))));
    f.insert_with_arity("minf", al(1), |_, a| Ok(Value::Float(a.iter().map(to_float64).fold(f64::NAN, go_min))));
    f.insert_with_arity("ceil", ex(1), |_, a| Ok(Value::Float(to_float64(&a[0]).ceil())));
    f.insert_with_arity("floor", ex(1), |_, a| Ok(Value::Float(to_float64(&a[0]).floor())));
    f.insert_with_arity("round", al(2), |_, a| {
        let p = int(a, 1)?;
        let r = match a.get(2) {
            Some(Value::Float(r)) => *r,
            Some(Value::Int(r)) => *r as f64,
            Some(other) => {
                return Err(FuncError::Exec(format!(
                    "wrong type for value; expected float64; got {}",
                    other.type_name()
                )));
            }
            None => 0.5,
        };
        Ok(Value::Float(go_round(to_float64(&a[0]), p, r)))
    });
}

fn until_step(start: i64, stop: i64, step: i64) -> Vec<Value> {
    let mut v = Vec::new();
    if step == 0 {
        return v;
    }
    let mut i = start;
    if step > 0 {
        while i < stop {
            v.push(Value::Int(i));
            match i.checked_add(step) {
                Some(n) if v.len() < 10_000_000 => i = n,
                _ => break,
            }
        }
    } else {
        while i > stop {
            v.push(Value::Int(i));
            match i.checked_add(step) {
                Some(n) if v.len() < 10_000_000 => i = n,
                _ => break,
            }
        }
    }
    v
}

fn seq(params: &[i64]) -> String {
    let join = |v: Vec<Value>| v.iter().map(strval).collect::<Vec<_>>().join(" ");
    match params {
        [] => String::new(),
        [end] => {
            let start = 1;
            if *end < start {
                join(until_step(start, end.wrapping_sub(1), -1))
            } else {
                join(until_step(start, end.wrapping_add(1), 1))
            }
        }
        [start, end] => {
            if end < start {
                join(until_step(*start, end.wrapping_sub(1), -1))
            } else {
                join(until_step(*start, end.wrapping_add(1), 1))
            }
        }
        [start, step, end] => {
            if end < start {
                if *step >= 0 {
                    return String::new();
                }
                join(until_step(*start, end.wrapping_sub(1), *step))
            } else {
                if *step <= 0 {
                    return String::new();
                }
                join(until_step(*start, end.wrapping_add(1), *step))
            }
        }
        _ => String::new(),
    }
}

fn go_round(a: f64, p: i64, r_opt: f64) -> f64 {
    let round_on = r_opt;
    let pow = 10f64.powi(p as i32);
    let digit = pow * a;
    let (_, div) = (digit.trunc(), digit.fract());
    let round = if div >= round_on { digit.ceil() } else { digit.floor() };
    round / pow
}

fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b > a { b } else { a }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b < a { b } else { a }
}
