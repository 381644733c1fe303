//! Masterminds/semver v3.2.0 (Debian's, the oracle's): `NewVersion`, `NewConstraint` and
//! `Check`, ported rule for rule (the same RE2 patterns, the same dirty/`x` handling, so
//! `>=1.20-0` admits prereleases and `>=1.20` does not); and Sprig's `semver` and
//! `semverCompare` on it.

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::OnceLock;

use gotemplate::{Arity, FuncError, Funcs, Value};
use regex::Regex;

use super::args;
use super::sv;

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
/// RE2's `\s`.
const S: &str = r"[\t\n\f\r ]";

struct Res {
    version: Regex,
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let re = |p: String| Regex::new(&p).unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()));
        Res {
            version: re(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$".to_string()),
            constraint: re(format!(r"^{S}*({OPS}){S}*({CV}){S}*$")),
            range: re(format!(r"{S}*({CV}){S}+-{S}+({CV}){S}*")),
            find: re(format!(r"({OPS}){S}*({CV})")),
            valid: re(format!(r"^({S}*({OPS}){S}*({CV}){S}*)((?:{S}+|,{S}*)({OPS}){S}*({CV}){S}*)*$")),
        }
    })
}

/// A parsed version (`*semver.Version`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    pub original: String,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

fn parse_u64(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "Error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            gotemplate::fmt::quote(s)
        )
    })
}

impl Version {
    /// `semver.NewVersion`.
    pub fn parse(v: &str) -> Result<Version, String> {
        let Some(m) = res().version.captures(v) else { return Err("Invalid Semantic Version".into()) };
        let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
        let major = parse_u64(g(1))?;
        let minor = if g(2).is_empty() { 0 } else { parse_u64(&g(2)[1..])? };
        let patch = if g(3).is_empty() { 0 } else { parse_u64(&g(3)[1..])? };
        let pre = g(5).to_string();
        for part in pre.split('.').filter(|_| !pre.is_empty()) {
            if part.len() > 1 && part.bytes().all(|b| b.is_ascii_digit()) && part.starts_with('0') {
                return Err("Version segment starts with 0".into());
            }
        }
        Ok(Version { major, minor, patch, pre, metadata: g(8).to_string(), original: v.to_string() })
    }

    pub fn compare(&self, o: &Version) -> Ordering {
        self.major.cmp(&o.major).then(self.minor.cmp(&o.minor)).then(self.patch.cmp(&o.patch)).then_with(|| {
            match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            }
        })
    }
}

fn compare_prerelease(v: &str, o: &str) -> Ordering {
    let s: Vec<&str> = v.split('.').collect();
    let t: Vec<&str> = o.split('.').collect();
    for i in 0..s.len().max(t.len()) {
        let d = compare_pre_part(s.get(i).copied().unwrap_or(""), t.get(i).copied().unwrap_or(""));
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Constraint {
    con: Version,
    op: String,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

/// `semver.Constraints`: OR groups of AND constraints.
#[derive(Clone, Debug)]
pub struct Constraints(Vec<Vec<Constraint>>);

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

fn rewrite_range(i: &str) -> String {
    let mut o = i.to_string();
    for m in res().range.captures_iter(i) {
        let t = format!(">= {}, <= {}", &m[1], &m[11]);
        o = o.replacen(&m[0], &t, 1);
    }
    o
}

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    if c.is_empty() {
        return Ok(Constraint {
            con: Version::parse("0.0.0")?,
            op: String::new(),
            minor_dirty: false,
            patch_dirty: false,
            dirty: true,
        });
    }
    let Some(m) = res().constraint.captures(c) else { return Err(format!("improper constraint: {c}")) };
    let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let mut ver = g(2).to_string();
    if is_x(g(3)) || g(3).is_empty() {
        ver = format!("0.0.0{}", g(6));
        dirty = true;
    } else if is_x(g(4).strip_prefix('.').unwrap_or(g(4))) || g(4).is_empty() {
        minor_dirty = true;
        dirty = true;
        ver = format!("{}.0.0{}", g(3), g(6));
    } else if is_x(g(5).strip_prefix('.').unwrap_or(g(5))) || g(5).is_empty() {
        dirty = true;
        patch_dirty = true;
        ver = format!("{}{}.0{}", g(3), g(4), g(6));
    }
    let con = Version::parse(&ver).map_err(|_| "constraint Parser Error".to_string())?;
    Ok(Constraint { con, op: g(1).to_string(), minor_dirty, patch_dirty, dirty })
}

impl Constraints {
    /// `semver.NewConstraint`.
    pub fn parse(c: &str) -> Result<Constraints, String> {
        let c = rewrite_range(c);
        let mut out = Vec::new();
        for v in c.split("||") {
            if !res().valid.is_match(v) {
                return Err(format!("improper constraint: {v}"));
            }
            let mut cs: Vec<&str> = res().find.find_iter(v).map(|m| m.as_str()).collect();
            if cs.is_empty() {
                cs.push(v);
            }
            out.push(cs.into_iter().map(parse_constraint).collect::<Result<Vec<_>, _>>()?);
        }
        Ok(Constraints(out))
    }

    /// `Constraints.Check`.
    pub fn check(&self, v: &Version) -> bool {
        self.0.iter().any(|and| and.iter().all(|c| c.check(v)))
    }
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = self;
        let pre_blocked = !v.pre.is_empty() && c.con.pre.is_empty();
        let cmp = v.compare(&c.con);
        match c.op.as_str() {
            "" | "=" => {
                if pre_blocked {
                    false
                } else if c.dirty {
                    c.tilde(v)
                } else {
                    cmp == Ordering::Equal
                }
            }
            "!=" => {
                if c.dirty {
                    if pre_blocked {
                        return false;
                    }
                    if c.con.major != v.major {
                        return true;
                    }
                    if c.con.minor != v.minor && !c.minor_dirty {
                        return true;
                    } else if c.minor_dirty {
                        return false;
                    } else if c.con.patch != v.patch && !c.patch_dirty {
                        return true;
                    } else if c.patch_dirty {
                        if !v.pre.is_empty() || !c.con.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.con.pre) != Ordering::Equal;
                        }
                        return false;
                    }
                }
                cmp != Ordering::Equal
            }
            ">" => {
                if pre_blocked {
                    return false;
                }
                if !c.dirty {
                    return cmp == Ordering::Greater;
                }
                if v.major > c.con.major {
                    true
                } else if v.major < c.con.major || c.minor_dirty {
                    false
                } else if c.patch_dirty {
                    v.minor > c.con.minor
                } else {
                    cmp == Ordering::Greater
                }
            }
            "<" => !pre_blocked && cmp == Ordering::Less,
            ">=" | "=>" => !pre_blocked && cmp != Ordering::Less,
            "<=" | "=<" => {
                if pre_blocked {
                    return false;
                }
                if !c.dirty {
                    return cmp != Ordering::Greater;
                }
                !(v.major > c.con.major || (v.major == c.con.major && v.minor > c.con.minor && !c.minor_dirty))
            }
            "~" | "~>" => !pre_blocked && c.tilde(v),
            "^" => {
                if pre_blocked || cmp == Ordering::Less {
                    return false;
                }
                if c.con.major > 0 || c.minor_dirty {
                    return v.major == c.con.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.con.minor > 0 || c.patch_dirty {
                    return v.minor == c.con.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                c.con.patch == v.patch
            }
            _ => false,
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = self;
        if !v.pre.is_empty() && c.con.pre.is_empty() {
            return false;
        }
        if v.compare(&c.con) == Ordering::Less {
            return false;
        }
        if c.con.major == 0 && c.con.minor == 0 && c.con.patch == 0 && !c.minor_dirty && !c.patch_dirty {
            return true;
        }
        if v.major != c.con.major {
            return false;
        }
        v.minor == c.con.minor || c.minor_dirty
    }
}

// ---------------------------------------------------------------------------------------------
// Registration.

/// Registers Sprig's `semver` and `semverCompare`.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("semver", ex(1), |_, a| {
        let v = Version::parse(args::string(a, 0)?).map_err(FuncError::Call)?;
        Ok(Value::Object(Rc::new(SemverObject(v))))
    });
    f.insert_with_arity("semverCompare", ex(2), |_, a| {
        let c = Constraints::parse(args::string(a, 0)?).map_err(FuncError::Call)?;
        let v = Version::parse(args::string(a, 1)?).map_err(FuncError::Call)?;
        Ok(Value::Bool(c.check(&v)))
    });
}

/// `*semver.Version` as a template sees it: prints as `String()`, methods `Major` etc.
#[derive(Debug)]
struct SemverObject(Version);

impl gotemplate::Object for SemverObject {
    fn type_name(&self) -> String {
        "*semver.Version".into()
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Major" | "Minor" | "Patch" | "Prerelease" | "Metadata" | "Original" | "String")
    }
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, String> {
        let v = &self.0;
        Ok(match name {
            "Major" => Value::Uint(v.major),
            "Minor" => Value::Uint(v.minor),
            "Patch" => Value::Uint(v.patch),
            "Prerelease" => sv(v.pre.clone()),
            "Metadata" => sv(v.metadata.clone()),
            "Original" => sv(v.original.clone()),
            "String" => sv(v.to_string()),
            _ => return Err(format!("can't evaluate field {name} in type *semver.Version")),
        })
    }
    fn format_v(&self) -> String {
        self.0.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(c: &str, v: &str) -> bool {
        Constraints::parse(c).unwrap().check(&Version::parse(v).unwrap())
    }

    #[test]
    fn prerelease_ranges() {
        assert!(check(">=1.20-0", "v1.21.3-eks-123"));
        assert!(!check(">=1.20", "v1.21.3-eks-123"));
        assert!(check(">=1.16-0 <1.25-0", "1.22.0"));
        assert!(check("^1.2.3", "1.9.0"));
        assert!(!check("~1.2.3", "1.3.0"));
        assert!(check("1.2 - 1.4.5", "1.4.0"));
        assert!(check("<1.0 || >=2", "2.1.0"));
    }
}
