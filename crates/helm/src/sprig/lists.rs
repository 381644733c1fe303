//! Sprig's list functions (`list.go`): `list`, `tuple`, `append`/`push`, `prepend`, `first`,
//! `last`, `rest`, `initial`, `reverse`, `compact`, `uniq`, `without`, `has`, `concat`, `chunk`,
//! `slice`, and their `must*` forms.

use gotemplate::{Arity, FuncError, Funcs, Value};

use super::alias;
use super::args::{self, int, kind, panic, to_int64};
use super::defaults::empty;
use super::reflection::go_eq;

/// Registers the list functions.
pub(super) fn register(f: &mut Funcs) {
    register_access(f);
    register_transforms(f);
    // The must* variants return the error their plain forms panic with: the same message.
    alias(
        f,
        &[
            ("mustAppend", "append"),
            ("mustPush", "push"),
            ("mustPrepend", "prepend"),
            ("mustFirst", "first"),
            ("mustLast", "last"),
            ("mustRest", "rest"),
            ("mustInitial", "initial"),
            ("mustReverse", "reverse"),
            ("mustUniq", "uniq"),
            ("mustWithout", "without"),
            ("mustHas", "has"),
            ("mustCompact", "compact"),
            ("mustSlice", "slice"),
            ("mustChunk", "chunk"),
        ],
    );
}

/// `list`, `tuple`, `append`/`push`, `prepend`, `first`, `last`, `rest`, `initial`.
fn register_access(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert("list", |_, a| Ok(Value::list(a.to_vec())));
    f.insert("tuple", |_, a| Ok(Value::list(a.to_vec())));
    for name in ["append", "push"] {
        f.insert_with_arity(name, ex(2), |_, a| {
            let mut l = list_arg(&a[0], "push")?.to_vec();
            l.push(a[1].clone());
            Ok(Value::list(l))
        });
    }
    f.insert_with_arity("prepend", ex(2), |_, a| {
        let mut l = vec![a[1].clone()];
        l.extend(list_arg(&a[0], "prepend")?.iter().cloned());
        Ok(Value::list(l))
    });
    f.insert_with_arity("first", ex(1), |_, a| {
        Ok(list_arg(&a[0], "find first")?.first().cloned().unwrap_or(Value::Nil))
    });
    f.insert_with_arity("last", ex(1), |_, a| Ok(list_arg(&a[0], "find last")?.last().cloned().unwrap_or(Value::Nil)));
    f.insert_with_arity("rest", ex(1), |_, a| {
        let l = list_arg(&a[0], "find rest")?;
        Ok(Value::list(l.get(1..).unwrap_or_default().to_vec()))
    });
    f.insert_with_arity("initial", ex(1), |_, a| {
        let l = list_arg(&a[0], "find initial")?;
        Ok(Value::list(l.get(..l.len().saturating_sub(1)).unwrap_or_default().to_vec()))
    });
}

/// `reverse`, `compact`, `uniq`, `without`, `has`, `concat`, `chunk`, `slice`.
fn register_transforms(f: &mut Funcs) {
    let ex = Arity::Exact;
    let al = Arity::AtLeast;
    f.insert_with_arity("reverse", ex(1), |_, a| {
        let mut l = list_arg(&a[0], "find reverse")?.to_vec();
        l.reverse();
        Ok(Value::list(l))
    });
    f.insert_with_arity("compact", ex(1), |_, a| {
        let l = list_arg(&a[0], "compact")?;
        Ok(Value::list(l.iter().filter(|v| !empty(v)).cloned().collect()))
    });
    f.insert_with_arity("uniq", ex(1), |_, a| {
        let l = list_arg(&a[0], "find uniq")?;
        let mut out: Vec<Value> = Vec::new();
        for v in l {
            if !out.iter().any(|o| go_eq(o, v)) {
                out.push(v.clone());
            }
        }
        Ok(Value::list(out))
    });
    f.insert_with_arity("without", al(1), |_, a| {
        let l = list_arg(&a[0], "find without")?;
        Ok(Value::list(l.iter().filter(|v| !a[1..].iter().any(|o| go_eq(o, v))).cloned().collect()))
    });
    f.insert_with_arity("has", ex(2), |_, a| match &a[1] {
        Value::Nil => Ok(Value::Bool(false)),
        Value::List(l) => Ok(Value::Bool(l.iter().any(|v| go_eq(v, &a[0])))),
        other => Err(panic(format!("Cannot find has on type {}", kind(other)))),
    });
    f.insert("concat", |_, a| {
        let mut out = Vec::new();
        for l in a {
            match l {
                Value::List(l) => out.extend(l.iter().cloned()),
                Value::Nil => return Err(args::nil_deref()),
                other => return Err(panic(format!("Cannot concat type {} as list", kind(other)))),
            }
        }
        Ok(Value::list(out))
    });
    f.insert_with_arity("chunk", ex(2), |_, a| {
        let size = int(a, 0)?;
        let l = list_arg(&a[1], "chunk")?;
        if size <= 0 {
            return Err(panic("runtime error: integer divide by zero"));
        }
        Ok(Value::list(l.chunks(size as usize).map(|c| Value::list(c.to_vec())).collect()))
    });
    f.insert("slice", |_, a| {
        let Some(l) = a.first() else { return Err(args::nil_deref()) };
        let l = list_arg(l, "slice")?;
        let idx = a[1..].iter().map(to_int64).collect::<Vec<_>>();
        let (s, e) = match idx.as_slice() {
            [] => (0, l.len() as i64),
            [s] => (*s, l.len() as i64),
            [s, e, ..] => (*s, *e),
        };
        if s < 0 || e < s || e > l.len() as i64 {
            return Err(panic(format!("runtime error: slice bounds out of range [{s}:{e}]")));
        }
        Ok(Value::list(l[s as usize..e as usize].to_vec()))
    });
}

fn list_arg<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], FuncError> {
    match v {
        Value::List(l) => Ok(l),
        Value::Nil => Err(args::nil_deref()),
        other => Err(panic(format!("Cannot {what} on type {}", kind(other)))),
    }
}
