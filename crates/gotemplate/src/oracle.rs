//! The differential harness against the Go oracle (`tools/gotemplate-oracle`), shared by this
//! crate's `tests/oracle.rs` and `crates/helm`'s `tests/functions.rs` (feature `oracle`, off by
//! default; test code only):
//!
//! - corpus files ([`load_corpus`]: the format of `tests/corpus/README.md`);
//! - the oracle binary ([`oracle`]: `$DATAPLAT_GO_ORACLE`, else
//!   `${XDG_CACHE_HOME:-$HOME/.cache}/dataplat-ci/gotemplate-oracle`, what `tests/run` builds;
//!   missing: `None` after a `SKIP` message, or a panic under `DATAPLAT_IT=1`) and its runner
//!   ([`run_oracle`]);
//! - the oracle's typed values ([`from_typed`], [`to_typed`]);
//! - our side ([`run_ours`]: one thread per case, panics and hangs reported) and the comparison
//!   and report ([`differential`]).
//!
//! `GOTEMPLATE_CASE=substring` ([`filtered`]) runs only the matching cases; `GOTEMPLATE_SHOW=n`
//! shows up to `n` mismatches in full (default 15).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::{Funcs, Value};

// ---------------------------------------------------------------------------------------------
// The engine shim: the only place that knows the crate's template API.

/// What our side renders with.
#[derive(Clone, Copy, Debug, Default)]
pub struct Engine {
    /// Whether the oracle adds Sprig's and Helm's functions (`"sprig": true`).
    pub sprig: bool,
    /// The functions our side registers, made in the case's thread (`None`: the builtins only).
    pub funcs: Option<fn() -> Funcs>,
}

/// Parses `templates` into one set (the first as the set's own template, like Go's
/// `template.New(first).ParseFiles(...)`), executes `exec` (or the first) and returns the output
/// (partial on error) and the error string.
pub fn render(
    templates: &[(String, String)],
    exec: Option<&str>,
    missingkey: &str,
    data: &Value,
    funcs: Option<&Funcs>,
) -> (String, Option<String>) {
    use crate::{MissingKey, Template};
    let Some((first, _)) = templates.first() else {
        return (String::new(), Some("no templates".into()));
    };
    let mk = match missingkey {
        "zero" => MissingKey::Zero,
        "error" => MissingKey::Error,
        _ => MissingKey::Default,
    };
    let mut set = Template::new(first).option_missingkey(mk);
    if let Some(funcs) = funcs {
        set = set.funcs(funcs);
    }
    for (name, text) in templates {
        let parsed = if name == first { set.parse(text).map(|_| ()) } else { set.parse_named(name, text).map(|_| ()) };
        if let Err(e) = parsed {
            return (String::new(), Some(e.to_string()));
        }
    }
    let mut out = String::new();
    let result = set.execute_template(&mut out, exec.unwrap_or(first), data);
    (out, result.err().map(|e| e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Corpus files.

/// A case's data.
#[derive(Clone, Debug)]
pub enum DataSource {
    Json(String),
    Yaml(String),
}

/// A hand-written expectation.
#[derive(Clone, Debug)]
pub enum Expected {
    Output(String),
    Error(String),
}

/// One case of a corpus (or generated).
#[derive(Clone, Debug)]
pub struct Case {
    /// Path relative to the corpus without `.case`, e.g. `range/else`.
    pub name: String,
    /// The family, for the summary: the first directory (after `generated/`).
    pub family: String,
    pub data: Option<DataSource>,
    pub missingkey: String,
    pub exec: Option<String>,
    pub templates: Vec<(String, String)>,
    /// Written by hand (constructs newer than the oracle's Go); not sent to the oracle.
    pub expected: Option<Expected>,
    /// The comment lines before the first section.
    pub note: String,
}

/// Parses one case file (format in `tests/corpus/README.md`).
pub fn parse_case(name: &str, text: &str) -> Result<Case, String> {
    let family = {
        let mut parts = name.split('/');
        let first = parts.next().unwrap_or("");
        if first == "generated" { parts.next().unwrap_or(first).to_string() } else { first.to_string() }
    };
    let mut case = Case {
        name: name.to_string(),
        family,
        data: None,
        missingkey: "default".into(),
        exec: None,
        templates: Vec::new(),
        expected: None,
        note: String::new(),
    };
    // Split into (header, body) sections; a header is a line `-- WORDS --`.
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches('\n');
        if let Some(header) = trimmed.strip_prefix("-- ").and_then(|h| h.strip_suffix(" --")) {
            sections.push((header.trim().to_string(), String::new()));
            continue;
        }
        match sections.last_mut() {
            Some((_, body)) => body.push_str(line),
            None => {
                if !trimmed.trim().is_empty() && !trimmed.starts_with('#') {
                    return Err(format!("text before the first section must be # comments: {trimmed:?}"));
                }
                case.note.push_str(line);
            }
        }
    }
    for (header, mut body) in sections {
        // The newline that ends a section's last line belongs to the format, not the content.
        if body.ends_with('\n') {
            body.pop();
        }
        let mut words = header.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("data.json"), None, _) => case.data = Some(DataSource::Json(body)),
            (Some("data.yaml"), None, _) => case.data = Some(DataSource::Yaml(body)),
            (Some("options"), None, _) => {
                for line in body.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                    match line.split_once('=') {
                        Some(("missingkey", v)) if ["default", "zero", "error", "invalid"].contains(&v) => {
                            case.missingkey = v.into();
                        }
                        Some(("name", v)) => case.exec = Some(v.into()),
                        _ => return Err(format!("unknown option {line:?}")),
                    }
                }
            }
            (Some("tmpl"), Some(tname), None) => {
                if case.templates.iter().any(|(n, _)| n == tname) {
                    return Err(format!("template {tname} given twice"));
                }
                case.templates.push((tname.to_string(), body));
            }
            (Some("expected"), None, _) => case.expected = Some(Expected::Output(body)),
            (Some("expected-error"), None, _) => case.expected = Some(Expected::Error(body)),
            _ => return Err(format!("unknown section header {header:?}")),
        }
    }
    if case.templates.is_empty() {
        return Err("no -- tmpl NAME -- section".into());
    }
    if case.expected.is_some() && !case.note.to_lowercase().contains("by hand") {
        return Err("a case with an expected section needs a # note saying it was written by hand, and why".into());
    }
    Ok(case)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "case") {
            out.push(path);
        }
    }
}

/// Every `*.case` file below `root`, sorted by path (a malformed file fails the test).
pub fn load_corpus(root: &Path) -> Vec<Case> {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
        let name = rel.to_string_lossy().replace('\\', "/");
        match std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|t| parse_case(&name, &t)) {
            Ok(case) => cases.push(case),
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(errors.is_empty(), "malformed corpus files:\n{}", errors.join("\n"));
    cases
}

/// The cases whose name contains `$GOTEMPLATE_CASE` (all when unset).
pub fn filtered(cases: Vec<Case>) -> Vec<Case> {
    match std::env::var("GOTEMPLATE_CASE") {
        Ok(f) if !f.is_empty() => cases.into_iter().filter(|c| c.name.contains(&f)).collect(),
        _ => cases,
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle.

/// The oracle binary, or `None` (after printing why) when the test should skip.
pub fn oracle() -> Option<PathBuf> {
    let path = match std::env::var_os("DATAPLAT_GO_ORACLE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .filter(|c| !c.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
            match cache {
                Some(c) => c.join("dataplat-ci/gotemplate-oracle"),
                None => PathBuf::from("gotemplate-oracle-not-found"),
            }
        }
    };
    if path.is_file() {
        return Some(path);
    }
    let msg = format!(
        "Go oracle not found at {} (set DATAPLAT_GO_ORACLE, or run tests/run, which builds tools/gotemplate-oracle)",
        path.display()
    );
    if std::env::var("DATAPLAT_IT").is_ok_and(|v| v == "1") {
        panic!("{msg}");
    }
    eprintln!("SKIP: {msg}");
    None
}

/// Runs the oracle with `flag FILE` where FILE holds `input`; returns its parsed JSON output.
pub fn run_oracle(bin: &Path, flag: &str, input: &serde_json::Value) -> serde_json::Value {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = std::env::temp_dir().join(format!("gotemplate-oracle-{}-{n}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(input).expect("manifest serializes")).expect("write the manifest");
    let out = Command::new(bin).arg(flag).arg(&file).output();
    let _ = std::fs::remove_file(&file);
    let out = out.unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    assert!(out.status.success(), "{} {flag} failed: {}", bin.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("oracle output is not JSON: {e}"))
}

/// A value as the oracle describes it (`{"i": "3"}`, `{"f": "1e+06"}`, ...) into ours.
pub fn from_typed(t: &serde_json::Value) -> Result<Value, String> {
    use serde_json::Value as J;
    match t {
        J::Null => Ok(Value::Nil),
        J::Bool(b) => Ok(Value::Bool(*b)),
        J::Object(o) => {
            let Some((tag, v)) = o.iter().next() else { return Err("empty typed object".into()) };
            let text = || v.as_str().ok_or_else(|| format!("typed {tag} is not a string"));
            match tag.as_str() {
                "s" => Ok(Value::string(text()?)),
                "i" => text()?.parse().map(Value::Int).map_err(|e| e.to_string()),
                "u" => text()?.parse().map(Value::Uint).map_err(|e| e.to_string()),
                "f" => Ok(Value::Float(match text()? {
                    "NaN" => f64::NAN,
                    "+Inf" => f64::INFINITY,
                    "-Inf" => f64::NEG_INFINITY,
                    s => s.parse().map_err(|e| format!("{s}: {e}"))?,
                })),
                "l" => {
                    let items = v.as_array().ok_or("typed l is not an array")?;
                    Ok(Value::list(items.iter().map(from_typed).collect::<Result<_, _>>()?))
                }
                "m" => {
                    let entries = v.as_object().ok_or("typed m is not an object")?;
                    let mut map = BTreeMap::new();
                    for (k, v) in entries {
                        map.insert(k.clone(), from_typed(v)?);
                    }
                    Ok(Value::map(map))
                }
                other => Err(format!("the oracle decoded a value this crate has no type for: {other} {v}")),
            }
        }
        other => Err(format!("bad typed value {other}")),
    }
}

/// Ours into the oracle's typed form (for fmt calls).
pub fn to_typed(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!({"i": i.to_string()}),
        Value::Uint(u) => json!({"u": u.to_string()}),
        // The fmt comparison never generates a uint8 (only `index` of a string makes one).
        Value::Uint8(u) => json!({"u": u.to_string()}),
        Value::Float(f) => json!({"f": crate::fmt::format_float(*f, 'g', -1)}),
        Value::String(s) => json!({"s": &**s}),
        Value::List(items) => json!({"l": items.iter().map(to_typed).collect::<Vec<_>>()}),
        Value::Map(m) => {
            json!({"m": m.borrow().iter().map(|(k, v)| (k.clone(), to_typed(v))).collect::<serde_json::Map<_, _>>()})
        }
        Value::Object(_) => serde_json::Value::Null,
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/// Go's error location prefix: `template: NAME:LINE:COL:` (execution) or `template: NAME:LINE:`
/// (parsing); the whole message when there is none.
pub fn error_key(msg: &str) -> String {
    let Some(rest) = msg.strip_prefix("template: ") else { return msg.to_string() };
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let mut search = 0;
    while let Some(off) = rest[search..].find(':') {
        let p = search + off;
        let after = &rest[p + 1..];
        let d1 = digits(after);
        if d1 > 0 && after[d1..].starts_with(':') {
            let after2 = &after[d1 + 1..];
            let d2 = digits(after2);
            let end = if d2 > 0 && after2[d2..].starts_with(':') { p + 1 + d1 + 1 + d2 + 1 } else { p + 1 + d1 + 1 };
            return format!("template: {}", &rest[..end]);
        }
        search = p + 1;
    }
    msg.to_string()
}

/// Where two strings first differ, with some context, for the report.
pub fn first_difference(want: &str, got: &str) -> String {
    let at = want.bytes().zip(got.bytes()).take_while(|(a, b)| a == b).count();
    let line = want[..at.min(want.len())].matches('\n').count() + 1;
    let from = at.saturating_sub(30);
    let clip = |s: &str| -> String {
        let start = (from..=from.min(s.len())).find(|&i| s.is_char_boundary(i)).unwrap_or(0).min(s.len());
        let mut end = (start + 70).min(s.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{:?}", &s[start..end])
    };
    format!("first difference at byte {at} (line {line}):\n      want: {}\n      ours: {}", clip(want), clip(got))
}

/// One side's result of a case.
#[derive(Debug)]
pub struct Outcome {
    pub output: String,
    pub error: Option<String>,
    /// Go's exact output when it is not valid UTF-8 (`output` then has U+FFFD in its place).
    pub raw: Option<Vec<u8>>,
}

/// Standard base64 (the oracle's `output_base64`).
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let n = chunk.len().saturating_sub(1);
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// Runs our engine on a case in a thread of its own (deep recursion has room; a hang is
/// reported instead of hanging the test; a panic is caught).
pub fn run_ours(case: &Case, typed_data: serde_json::Value, engine: Engine) -> Result<Outcome, String> {
    let (tx, rx) = mpsc::channel();
    let templates = case.templates.clone();
    let exec = case.exec.clone();
    let missingkey = case.missingkey.clone();
    let spawned = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
        let data = from_typed(&typed_data);
        let result = data.and_then(|data| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let funcs = engine.funcs.map(|make| make());
                render(&templates, exec.as_deref(), &missingkey, &data, funcs.as_ref())
            }))
            .map_err(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                format!("PANIC: {msg}")
            })
        });
        let _ = tx.send(result);
    });
    if let Err(e) = spawned {
        return Err(format!("spawn: {e}"));
    }
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(Ok((output, error))) => Ok(Outcome { output, error, raw: None }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("TIMEOUT: no result within 20 s".into()),
    }
}

/// How a case differs from Go.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Mismatch {
    Output,
    ErrorPosition,
    OursFailed,
    GoFailed,
    Crashed,
}

impl Mismatch {
    pub fn label(self) -> &'static str {
        match self {
            Mismatch::Output => "output differs",
            Mismatch::ErrorPosition => "error names another template or position",
            Mismatch::OursFailed => "ours failed, Go succeeded",
            Mismatch::GoFailed => "Go failed, ours succeeded",
            Mismatch::Crashed => "ours panicked or hung",
        }
    }
}

/// `None` when ours matches Go: the same output, or both failing at the same template and
/// position.
pub fn compare(case: &Case, want: &Outcome, got: &Result<Outcome, String>) -> Option<(Mismatch, String)> {
    let show_tmpl = || case.templates.iter().map(|(n, t)| format!("    [{n}] {t:?}")).collect::<Vec<_>>().join("\n");
    let got = match got {
        Ok(g) => g,
        Err(e) => return Some((Mismatch::Crashed, format!("{}\n    ours: {e}", show_tmpl()))),
    };
    match (&want.error, &got.error) {
        (None, None) if want.raw.is_some() => Some((
            Mismatch::Output,
            format!(
                "{}\n    go output is not valid UTF-8: {:?}\n    ours: {:?}",
                show_tmpl(),
                want.raw.as_deref().map(|b| b.escape_ascii().to_string()).unwrap_or_default(),
                got.output
            ),
        )),
        (None, None) if want.output == got.output => None,
        (None, None) => {
            Some((Mismatch::Output, format!("{}\n    {}", show_tmpl(), first_difference(&want.output, &got.output))))
        }
        (None, Some(e)) => Some((
            Mismatch::OursFailed,
            format!("{}\n    go output: {:?}\n    ours error: {e}", show_tmpl(), want.output),
        )),
        (Some(e), None) => {
            Some((Mismatch::GoFailed, format!("{}\n    go error: {e}\n    ours output: {:?}", show_tmpl(), got.output)))
        }
        (Some(we), Some(ge)) if error_key(we) == error_key(ge) => None,
        (Some(we), Some(ge)) => {
            Some((Mismatch::ErrorPosition, format!("{}\n    go error:   {we}\n    ours error: {ge}", show_tmpl())))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The differential run.

/// Runs `cases` through the oracle (in one batch) and through our engine, compares them and
/// returns the report and the number of mismatches. `skip(go, ours)` says a difference is
/// expected (counted apart, not as a mismatch).
pub fn differential(
    bin: &Path,
    title: &str,
    cases: &[Case],
    engine: Engine,
    skip: impl Fn(&Outcome, &Result<Outcome, String>) -> bool,
) -> (String, usize) {
    // Every case goes to the oracle (it also decodes the data, so both sides get the same
    // values); the hand-written expectations replace its answer for their cases.
    let manifest: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| {
            let mut m = json!({
                "name": c.name,
                "templates": c.templates.iter().map(|(n, t)| json!({"name": n, "text": t})).collect::<Vec<_>>(),
                "missingkey": c.missingkey,
            });
            if engine.sprig {
                m["sprig"] = json!(true);
            }
            if let Some(exec) = &c.exec {
                m["exec"] = json!(exec);
            }
            match &c.data {
                Some(DataSource::Json(t)) => m["data_json"] = json!(t),
                Some(DataSource::Yaml(t)) => m["data_yaml"] = json!(t),
                None => {}
            }
            m
        })
        .collect();
    let started = Instant::now();
    let results = run_oracle(bin, "--batch", &serde_json::Value::Array(manifest));
    let oracle_time = started.elapsed();
    let results = results.as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), cases.len(), "one oracle result per case");

    let started = Instant::now();
    let mut mismatches: Vec<(Mismatch, &Case, String)> = Vec::new();
    let mut skipped = 0;
    let mut full_message_matches = 0;
    let mut error_cases = 0;
    let mut message_diffs: Vec<String> = Vec::new();
    let mut by_family: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (case, res) in cases.iter().zip(&results) {
        assert_eq!(res["name"].as_str(), Some(case.name.as_str()));
        let go_error = res["error"].as_str().unwrap_or("");
        assert!(!go_error.starts_with("oracle: "), "{}: {go_error}", case.name);
        let want = match &case.expected {
            Some(Expected::Output(o)) => Outcome { output: o.clone(), error: None, raw: None },
            Some(Expected::Error(e)) => Outcome { output: String::new(), error: Some(e.clone()), raw: None },
            None => Outcome {
                output: res["output"].as_str().unwrap_or("").to_string(),
                error: if res["ok"].as_bool() == Some(true) { None } else { Some(go_error.to_string()) },
                raw: res["output_base64"].as_str().and_then(base64_decode),
            },
        };
        let got = run_ours(case, res["data"].clone(), engine);
        let entry = by_family.entry(&case.family).or_default();
        entry.0 += 1;
        if let (Some(we), Ok(Outcome { error: Some(ge), .. })) = (&want.error, &got) {
            error_cases += 1;
            if we == ge {
                full_message_matches += 1;
            } else if message_diffs.len() < 5 {
                message_diffs.push(format!("    {}:\n      go:   {we}\n      ours: {ge}", case.name));
            }
        }
        match compare(case, &want, &got) {
            None => {}
            Some(_) if skip(&want, &got) => skipped += 1,
            Some((kind, detail)) => {
                entry.1 += 1;
                mismatches.push((kind, case, detail));
            }
        }
    }
    let ours_time = started.elapsed();

    let mut report = String::new();
    let _ = writeln!(
        report,
        "{title}: {} cases ({} checked against the Go oracle, {} hand-written): {} matched, {} mismatched{}",
        cases.len(),
        cases.iter().filter(|c| c.expected.is_none()).count(),
        cases.iter().filter(|c| c.expected.is_some()).count(),
        cases.len() - mismatches.len() - skipped,
        mismatches.len(),
        if skipped > 0 {
            format!(", {skipped} skipped (constructs newer than the oracle's Go 1.19)")
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        report,
        "  error messages identical to Go's in full: {full_message_matches} of {error_cases} error cases \
         (only template and position are required)"
    );
    let _ = writeln!(
        report,
        "  oracle batch {:.0} ms; ours (one thread per case) {:.0} ms",
        oracle_time.as_secs_f64() * 1e3,
        ours_time.as_secs_f64() * 1e3
    );
    for diff in &message_diffs {
        let _ = writeln!(report, "{diff}");
    }
    let mut kinds: BTreeMap<Mismatch, usize> = BTreeMap::new();
    for (k, _, _) in &mismatches {
        *kinds.entry(*k).or_default() += 1;
    }
    for (k, n) in &kinds {
        let _ = writeln!(report, "  {n:4}  {}", k.label());
    }
    let _ = writeln!(report, "  by family (cases / mismatched):");
    for (family, (n, bad)) in &by_family {
        let _ = writeln!(report, "    {family:14} {n:4} / {bad}");
    }
    let show: usize = std::env::var("GOTEMPLATE_SHOW").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
    for (kind, case, detail) in mismatches.iter().take(show) {
        let _ = writeln!(report, "\n--- {} ({})\n{detail}", case.name, kind.label());
    }
    if mismatches.len() > show {
        let _ = writeln!(
            report,
            "\n... and {} more mismatches: {}",
            mismatches.len() - show,
            mismatches[show..].iter().map(|(_, c, _)| c.name.as_str()).collect::<Vec<_>>().join(" ")
        );
    }
    (report, mismatches.len())
}
