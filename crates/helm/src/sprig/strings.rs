//! Sprig's string functions (`strings.go` and the string part of `functions.go`): trimming and
//! case (`trim`, `upper`, `title`, ...), slicing (`trunc`, `substr`, `repeat`), tests
//! (`contains`, `hasPrefix`), quoting and indentation (`quote`, `cat`, `nindent`, `replace`,
//! `plural`), the string lists (`split`, `splitList`, `splitn`, `join`, `sortAlpha`) and
//! Masterminds/goutils' (`wrap`, `wrapWith`, `swapcase`, `initials`, `abbrev`, `abbrevboth`).
//! xstrings' case conversions are in [`super::xstrings`], `shuffle` and `rand*` in
//! [`super::random`].

use gotemplate::{Arity, Funcs, Value};

use super::args::{self, int, panic, strslice, strval};
use super::{bytes_to_string, list_of_strings, sv};

/// Registers the string functions.
pub(super) fn register(f: &mut Funcs) {
    register_trim_and_case(f);
    register_substrings(f);
    register_quoting(f);
    register_string_lists(f);
    register_goutils(f);
    // Sprig's own test function.
    f.insert_with_arity("hello", Arity::Exact(0), |_, _| Ok(sv("Hello!")));
}

/// `trim`, `upper`, `lower`, `title`, `untitle`, `trimAll`, `trimSuffix`, `trimPrefix`, `nospace`.
fn register_trim_and_case(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("trim", ex(1), |_, a| Ok(sv(go_trim_space(args::string(a, 0)?))));
    f.insert_with_arity("upper", ex(1), |_, a| Ok(sv(go_upper(args::string(a, 0)?))));
    f.insert_with_arity("lower", ex(1), |_, a| Ok(sv(go_lower(args::string(a, 0)?))));
    f.insert_with_arity("title", ex(1), |_, a| Ok(sv(go_title(args::string(a, 0)?))));
    f.insert_with_arity("untitle", ex(1), |_, a| {
        let s = args::string(a, 0)?;
        let mut out = String::new();
        let mut prev_space = true;
        for c in s.chars() {
            if prev_space && c.is_uppercase() {
                out.extend(c.to_lowercase())
            } else {
                out.push(c)
            }
            prev_space = c.is_whitespace();
        }
        Ok(sv(out))
    });
    f.insert_with_arity("trimAll", ex(2), |_, a| {
        let cut = args::string(a, 0)?;
        Ok(sv(args::string(a, 1)?.trim_matches(|c| cut.contains(c))))
    });
    f.insert_with_arity("trimall", ex(2), |_, a| {
        let cut = args::string(a, 0)?;
        Ok(sv(args::string(a, 1)?.trim_matches(|c| cut.contains(c))))
    });
    f.insert_with_arity("trimSuffix", ex(2), |_, a| {
        let suf = args::string(a, 0)?;
        let s = args::string(a, 1)?;
        Ok(sv(s.strip_suffix(suf).unwrap_or(s)))
    });
    f.insert_with_arity("trimPrefix", ex(2), |_, a| {
        let p = args::string(a, 0)?;
        let s = args::string(a, 1)?;
        Ok(sv(s.strip_prefix(p).unwrap_or(s)))
    });
    f.insert_with_arity("nospace", ex(1), |_, a| {
        Ok(sv(args::string(a, 0)?.chars().filter(|c| !c.is_whitespace()).collect::<String>()))
    });
}

/// `trunc`, `substr`, `repeat`, `contains`, `hasPrefix`, `hasSuffix`.
fn register_substrings(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("trunc", ex(2), |_, a| {
        let c = int(a, 0)?;
        let s = args::string(a, 1)?;
        let b = s.as_bytes();
        let len = b.len() as i64;
        Ok(sv(if c < 0 && len + c > 0 {
            bytes_to_string(&b[(len + c) as usize..])
        } else if c >= 0 && len > c {
            bytes_to_string(&b[..c as usize])
        } else {
            s.to_string()
        }))
    });
    f.insert_with_arity("substr", ex(3), |_, a| {
        let start = int(a, 0)?;
        let end = int(a, 1)?;
        let s = args::string(a, 2)?;
        let b = s.as_bytes();
        let len = b.len() as i64;
        let oob = |i: i64| panic(format!("runtime error: slice bounds out of range [:{i}] with length {len}"));
        if start < 0 {
            if end < 0 || end > len {
                return Err(oob(end));
            }
            return Ok(sv(bytes_to_string(&b[..end as usize])));
        }
        if end < 0 || end > len {
            if start > len {
                return Err(panic(format!("runtime error: slice bounds out of range [{start}:{len}]")));
            }
            return Ok(sv(bytes_to_string(&b[start as usize..])));
        }
        if start > end {
            return Err(panic(format!("runtime error: slice bounds out of range [{start}:{end}]")));
        }
        Ok(sv(bytes_to_string(&b[start as usize..end as usize])))
    });
    f.insert_with_arity("repeat", ex(2), |_, a| {
        let n = int(a, 0)?;
        let s = args::string(a, 1)?;
        if n < 0 {
            return Err(panic("strings: negative Repeat count"));
        }
        if (s.len() as u128) * (n as u128) > 64 << 20 {
            return Err(panic("strings: Repeat output length overflow"));
        }
        Ok(sv(s.repeat(n as usize)))
    });
    f.insert_with_arity("contains", ex(2), |_, a| {
        let sub = args::string(a, 0)?;
        Ok(Value::Bool(args::string(a, 1)?.contains(sub)))
    });
    f.insert_with_arity("hasPrefix", ex(2), |_, a| {
        let sub = args::string(a, 0)?;
        Ok(Value::Bool(args::string(a, 1)?.starts_with(sub)))
    });
    f.insert_with_arity("hasSuffix", ex(2), |_, a| {
        let sub = args::string(a, 0)?;
        Ok(Value::Bool(args::string(a, 1)?.ends_with(sub)))
    });
}

/// `quote`, `squote`, `cat`, `indent`, `nindent`, `replace`, `plural`.
fn register_quoting(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert("quote", |_, a| {
        let parts: Vec<String> =
            a.iter().filter(|v| !matches!(v, Value::Nil)).map(|v| gotemplate::fmt::quote(&strval(v))).collect();
        Ok(sv(parts.join(" ")))
    });
    f.insert("squote", |_, a| {
        let parts: Vec<String> =
            a.iter().filter(|v| !matches!(v, Value::Nil)).map(|v| format!("'{}'", strval(v))).collect();
        Ok(sv(parts.join(" ")))
    });
    f.insert("cat", |_, a| {
        let parts: Vec<String> = a.iter().filter(|v| !matches!(v, Value::Nil)).map(gotemplate::fmt::format_v).collect();
        Ok(sv(parts.join(" ")))
    });
    f.insert_with_arity("indent", ex(2), |_, a| {
        let n = int(a, 0)?;
        let s = args::string(a, 1)?;
        let pad = " ".repeat(n.clamp(0, 1 << 20) as usize);
        if n < 0 {
            return Err(panic("strings: negative Repeat count"));
        }
        Ok(sv(format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))))
    });
    f.insert_with_arity("nindent", ex(2), |_, a| {
        let n = int(a, 0)?;
        let s = args::string(a, 1)?;
        if n < 0 {
            return Err(panic("strings: negative Repeat count"));
        }
        let pad = " ".repeat(n.clamp(0, 1 << 20) as usize);
        Ok(sv(format!("\n{pad}{}", s.replace('\n', &format!("\n{pad}")))))
    });
    f.insert_with_arity("replace", ex(3), |_, a| {
        let old = args::string(a, 0)?;
        let new = args::string(a, 1)?;
        let s = args::string(a, 2)?;
        if old.is_empty() {
            // Go inserts `new` before every rune and at the end.
            let mut out = String::new();
            for c in s.chars() {
                out.push_str(new);
                out.push(c);
            }
            out.push_str(new);
            return Ok(sv(out));
        }
        Ok(sv(s.replace(old, new)))
    });
    f.insert_with_arity("plural", ex(3), |_, a| {
        let one = args::string(a, 0)?;
        let many = args::string(a, 1)?;
        let n = int(a, 2)?;
        Ok(sv(if n == 1 { one } else { many }))
    });
}

/// Sprig's string list functions: `split`, `splitList`, `splitn`, `join`, `sortAlpha`.
fn register_string_lists(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("split", ex(2), |_, a| {
        let sep = args::string(a, 0)?;
        let s = args::string(a, 1)?;
        let parts = go_split(s, sep);
        Ok(Value::map(parts.into_iter().enumerate().map(|(i, p)| (format!("_{i}"), sv(p))).collect()))
    });
    f.insert_with_arity("splitList", ex(2), |_, a| {
        let sep = args::string(a, 0)?;
        let s = args::string(a, 1)?;
        Ok(list_of_strings(go_split(s, sep)))
    });
    f.insert_with_arity("splitn", ex(3), |_, a| {
        let sep = args::string(a, 0)?;
        let n = int(a, 1)?;
        let s = args::string(a, 2)?;
        let mut parts = go_split(s, sep);
        if n == 0 {
            parts.clear();
        } else if n > 0 && parts.len() > n as usize {
            let rest = parts[n as usize - 1..].join(sep);
            parts.truncate(n as usize - 1);
            parts.push(rest);
        }
        Ok(Value::map(parts.into_iter().enumerate().map(|(i, p)| (format!("_{i}"), sv(p))).collect()))
    });
    f.insert_with_arity("join", ex(2), |_, a| {
        let sep = args::string(a, 0)?;
        Ok(sv(strslice(&a[1]).join(sep)))
    });
    f.insert_with_arity("sortAlpha", ex(1), |_, a| {
        let mut v = match &a[0] {
            Value::List(_) => strslice(&a[0]),
            other => vec![strval(other)],
        };
        v.sort();
        Ok(list_of_strings(v))
    });
}

/// goutils' functions: `wrap`, `wrapWith`, `swapcase`, `initials`, `abbrev`, `abbrevboth`.
fn register_goutils(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("wrap", ex(2), |_, a| Ok(sv(wrap_custom(args::string(a, 1)?, int(a, 0)?, "", false))));
    f.insert_with_arity("wrapWith", ex(3), |_, a| {
        Ok(sv(wrap_custom(args::string(a, 2)?, int(a, 0)?, args::string(a, 1)?, true)))
    });
    f.insert_with_arity("swapcase", ex(1), |_, a| {
        Ok(sv(args::string(a, 0)?
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().next().unwrap_or(c)
                } else if c.is_lowercase() {
                    let mut u = c.to_uppercase();
                    match (u.next(), u.next()) {
                        (Some(x), None) => x,
                        _ => c,
                    }
                } else {
                    c
                }
            })
            .collect::<String>()))
    });
    f.insert_with_arity("initials", ex(1), |_, a| {
        let mut out = String::new();
        let mut gap = true;
        for b in args::string(a, 0)?.bytes() {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x85 | 0xa0) {
                gap = true;
            } else if gap {
                out.push(char::from(b));
                gap = false;
            }
        }
        Ok(sv(out))
    });
    f.insert_with_arity("abbrev", ex(2), |_, a| {
        let w = int(a, 0)?;
        let s = args::string(a, 1)?;
        if w < 4 || (s.len() as i64) <= w {
            return Ok(sv(s));
        }
        Ok(sv(abbreviate(s, 0, w)))
    });
    f.insert_with_arity("abbrevboth", ex(3), |_, a| {
        let left = int(a, 0)?;
        let right = int(a, 1)?;
        let s = args::string(a, 2)?;
        if right < 4 || (left > 0 && right < 7) {
            return Ok(sv(s));
        }
        Ok(sv(abbreviate(s, left, right)))
    });
}

fn is_separator(r: char) -> bool {
    if r.is_ascii() {
        return !(r.is_ascii_alphanumeric() || r == '_');
    }
    if r.is_alphanumeric() {
        return false;
    }
    r.is_whitespace()
}

/// Go's `strings.Title`.
fn go_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if is_separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn go_trim_space(s: &str) -> &str {
    s.trim_matches(|c: char| {
        matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
            || (c.is_whitespace() && c != '\u{200b}')
    })
}

/// goutils `WrapCustom`, on bytes as Go's.
fn wrap_custom(s: &str, wrap_length: i64, newline: &str, wrap_long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    let wl = wrap_length.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > wl {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = wl + offset + 1;
        let last_space = b[offset..end].iter().rposition(|c| *c == b' ');
        if let Some(sp) = last_space.map(|i| i + offset) {
            out.extend_from_slice(&b[offset..sp]);
            out.extend_from_slice(newline.as_bytes());
            offset = sp + 1;
        } else if wrap_long_words {
            let end = wl + offset;
            out.extend_from_slice(&b[offset..end]);
            out.extend_from_slice(newline.as_bytes());
            offset += wl;
        } else {
            let end = wl + offset;
            match b[end..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(i) => {
                    let sp = i + end;
                    out.extend_from_slice(&b[offset..sp]);
                    out.extend_from_slice(newline.as_bytes());
                    offset = sp + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    bytes_to_string(&out)
}

/// goutils `AbbreviateFull` (errors give "").
fn abbreviate(s: &str, offset: i64, max_width: i64) -> String {
    let b = s.as_bytes();
    let len = b.len() as i64;
    if s.is_empty() || max_width < 4 {
        return String::new();
    }
    if len <= max_width {
        return s.to_string();
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return format!("{}...", bytes_to_string(&b[..(max_width - 3) as usize]));
    }
    if max_width < 7 {
        return String::new();
    }
    if offset + max_width - 3 < len {
        let rest = bytes_to_string(&b[offset as usize..]);
        return format!("...{}", abbreviate(&rest, 0, max_width - 3));
    }
    format!("...{}", bytes_to_string(&b[(len - (max_width - 3)) as usize..]))
}

/// Go's `strings.ToUpper`: rune by rune, simple case mappings only (`ß` stays).
fn go_upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut u = c.to_uppercase();
            match (u.next(), u.next()) {
                (Some(x), None) => x,
                _ => c,
            }
        })
        .collect()
}

/// Go's `strings.ToLower`.
fn go_lower(s: &str) -> String {
    s.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect()
}

/// Go's `strings.Split`.
fn go_split(s: &str, sep: &str) -> Vec<String> {
    if sep.is_empty() {
        return s.chars().map(String::from).collect();
    }
    s.split(sep).map(str::to_string).collect()
}
