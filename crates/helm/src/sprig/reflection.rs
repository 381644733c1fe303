//! Sprig's reflection functions: `typeOf`, `typeIs`, `typeIsLike`, `kindOf`, `kindIs`,
//! `deepEqual` (reflect.DeepEqual, [`go_eq`]).

use std::rc::Rc;

use gotemplate::{Arity, Funcs, Value};

use super::args::{self, kind};
use super::{MAX_DEPTH, sv};

/// Registers the reflection functions.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("typeOf", ex(1), |_, a| Ok(sv(a[0].type_name())));
    f.insert_with_arity("typeIs", ex(2), |_, a| Ok(Value::Bool(args::string(a, 0)? == a[1].type_name())));
    f.insert_with_arity("typeIsLike", ex(2), |_, a| {
        let t = args::string(a, 0)?;
        let n = a[1].type_name();
        Ok(Value::Bool(t == n || format!("*{n}") == t))
    });
    f.insert_with_arity("kindOf", ex(1), |_, a| Ok(sv(kind(&a[0]))));
    f.insert_with_arity("kindIs", ex(2), |_, a| Ok(Value::Bool(args::string(a, 0)? == kind(&a[1]))));
    f.insert_with_arity("deepEqual", ex(2), |_, a| Ok(Value::Bool(go_eq(&a[0], &a[1]))));
}

pub(super) fn go_eq(a: &Value, b: &Value) -> bool {
    go_eq_at(a, b, 0)
}

fn go_eq_at(a: &Value, b: &Value, level: usize) -> bool {
    if level > MAX_DEPTH {
        return false;
    }
    // reflect.DeepEqual on interface{} values.
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Uint(x), Value::Uint(y)) => x == y,
        (Value::Uint8(x), Value::Uint8(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| go_eq_at(a, b, level + 1))
        }
        (Value::Map(x), Value::Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| go_eq_at(v, w, level + 1)))
        }
        (Value::Object(x), Value::Object(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}
