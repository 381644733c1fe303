//! Sprig's path functions (Go's `path`: `base`, `dir`, `clean`, `ext`, `isAbs`) and their
//! `filepath` forms (`osBase`, `osDir`, ...), the same on Linux.

use gotemplate::{Arity, Funcs, Value};

use super::args;
use super::{alias, sv};

/// Registers the path functions.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("base", ex(1), |_, a| Ok(sv(path_base(args::string(a, 0)?))));
    f.insert_with_arity("dir", ex(1), |_, a| Ok(sv(path_dir(args::string(a, 0)?))));
    f.insert_with_arity("clean", ex(1), |_, a| Ok(sv(path_clean(args::string(a, 0)?))));
    f.insert_with_arity("ext", ex(1), |_, a| {
        let p = args::string(a, 0)?;
        let base_start = p.rfind('/').map_or(0, |i| i + 1);
        Ok(sv(p[base_start..].rfind('.').map_or("", |i| &p[base_start + i..])))
    });
    f.insert_with_arity("isAbs", ex(1), |_, a| Ok(Value::Bool(args::string(a, 0)?.starts_with('/'))));
    alias(f, &[("osBase", "base"), ("osDir", "dir"), ("osClean", "clean"), ("osExt", "ext"), ("osIsAbs", "isAbs")]);
}

/// Go's `path.Clean` (also how chart archives' file names are normalised).
pub(crate) fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    path_clean(dir)
}
