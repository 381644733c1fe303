//! Differential tests against Go, through the Go oracle (`tools/gotemplate-oracle`: Go's own
//! text/template and fmt):
//!
//! - `corpus_matches_go_oracle`: every case of `tests/corpus` (format and layout in its README);
//! - `random_templates_match_go_oracle`: templates generated from a small grammar;
//! - `fmt_matches_go`: [`gotemplate::fmt`] against Go's fmt on generated calls.
//!
//! The oracle is `$DATAPLAT_GO_ORACLE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/dataplat-ci/gotemplate-oracle`
//! (what `tests/run` builds). Without it these tests skip with a message, or fail under
//! `DATAPLAT_IT=1`. Expected outputs always come from the oracle at test time (or, for the few
//! constructs Debian's Go 1.19 lacks, from the case file, written by hand from Go's
//! documentation); never from this crate.
//!
//! `GOTEMPLATE_CASE=substring` runs only the matching corpus cases; `GOTEMPLATE_SHOW=n` shows up
//! to `n` mismatches in full (default 15); `GOTEMPLATE_RANDOM_N` / `GOTEMPLATE_RANDOM_SEED` size
//! and seed the random templates (default 2000, seed 1).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gotemplate::Value;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// The engine shim: the only place that knows the crate's template API.

/// Parses `templates` into one set (the first as the set's own template, like Go's
/// `template.New(first).ParseFiles(...)`), executes `exec` (or the first) and returns the output
/// (partial on error) and the error string.
fn render_ours(
    templates: &[(String, String)],
    exec: Option<&str>,
    missingkey: &str,
    data: &Value,
) -> (String, Option<String>) {
    use gotemplate::{MissingKey, Template};
    let Some((first, _)) = templates.first() else {
        return (String::new(), Some("no templates".into()));
    };
    let mk = match missingkey {
        "zero" => MissingKey::Zero,
        "error" => MissingKey::Error,
        _ => MissingKey::Default,
    };
    let set = Template::new(first).option_missingkey(mk);
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

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");

#[derive(Clone, Debug)]
enum DataSource {
    Json(String),
    Yaml(String),
}

#[derive(Clone, Debug)]
enum Expected {
    Output(String),
    Error(String),
}

#[derive(Clone, Debug)]
struct Case {
    /// Path relative to the corpus without `.case`, e.g. `range/else`.
    name: String,
    /// The family, for the summary: the first directory (after `generated/`).
    family: String,
    data: Option<DataSource>,
    missingkey: String,
    exec: Option<String>,
    templates: Vec<(String, String)>,
    /// Written by hand (constructs newer than the oracle's Go); not sent to the oracle.
    expected: Option<Expected>,
    /// The comment lines before the first section.
    note: String,
}

/// Parses one case file (format in `tests/corpus/README.md`).
fn parse_case(name: &str, text: &str) -> Result<Case, String> {
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

fn load_corpus() -> Vec<Case> {
    let root = Path::new(CORPUS);
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

fn filtered(cases: Vec<Case>) -> Vec<Case> {
    match std::env::var("GOTEMPLATE_CASE") {
        Ok(f) if !f.is_empty() => cases.into_iter().filter(|c| c.name.contains(&f)).collect(),
        _ => cases,
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle.

/// The oracle binary, or `None` (after printing why) when the test should skip.
fn oracle() -> Option<PathBuf> {
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
fn run_oracle(bin: &Path, flag: &str, input: &serde_json::Value) -> serde_json::Value {
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
fn from_typed(t: &serde_json::Value) -> Result<Value, String> {
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
fn to_typed(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!({"i": i.to_string()}),
        Value::Uint(u) => json!({"u": u.to_string()}),
        // The fmt comparison never generates a uint8 (only `index` of a string makes one).
        Value::Uint8(u) => json!({"u": u.to_string()}),
        Value::Float(f) => json!({"f": gotemplate::fmt::format_float(*f, 'g', -1)}),
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
fn error_key(msg: &str) -> String {
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
fn first_difference(want: &str, got: &str) -> String {
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

#[derive(Debug)]
struct Outcome {
    output: String,
    error: Option<String>,
    /// Go's exact output when it is not valid UTF-8 (`output` then has U+FFFD in its place).
    raw: Option<Vec<u8>>,
}

/// Standard base64 (the oracle's `output_base64`).
fn base64_decode(text: &str) -> Option<Vec<u8>> {
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
fn run_ours(case: &Case, typed_data: serde_json::Value) -> Result<Outcome, String> {
    let (tx, rx) = mpsc::channel();
    let templates = case.templates.clone();
    let exec = case.exec.clone();
    let missingkey = case.missingkey.clone();
    let spawned = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
        let data = from_typed(&typed_data);
        let result = data.and_then(|data| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                render_ours(&templates, exec.as_deref(), &missingkey, &data)
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

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Mismatch {
    Output,
    ErrorPosition,
    OursFailed,
    GoFailed,
    Crashed,
}

impl Mismatch {
    fn label(self) -> &'static str {
        match self {
            Mismatch::Output => "output differs",
            Mismatch::ErrorPosition => "error names another template or position",
            Mismatch::OursFailed => "ours failed, Go succeeded",
            Mismatch::GoFailed => "Go failed, ours succeeded",
            Mismatch::Crashed => "ours panicked or hung",
        }
    }
}

fn compare(case: &Case, want: &Outcome, got: &Result<Outcome, String>) -> Option<(Mismatch, String)> {
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
// Tests.

#[test]
fn corpus_files_are_well_formed() {
    let cases = load_corpus();
    assert!(cases.len() >= 400, "the corpus has {} cases; at least 400 expected", cases.len());
    let mut names = HashSet::new();
    for case in &cases {
        assert!(names.insert(&case.name), "duplicate case {}", case.name);
        if let Some(exec) = &case.exec {
            // `--name` may name a template defined inside a file; nothing to check statically.
            assert!(!exec.is_empty(), "{}: empty name option", case.name);
        }
    }
    let by_hand = cases.iter().filter(|c| c.expected.is_some()).count();
    assert!(by_hand < 40, "hand-written expectations are only for constructs newer than Go 1.19 ({by_hand})");
}

#[test]
fn corpus_matches_go_oracle() {
    let cases = filtered(load_corpus());
    let Some(bin) = oracle() else {
        return;
    };
    let (report, mismatched) = differential(&bin, "gotemplate corpus", &cases, |_, _| false);
    eprintln!("{report}");
    assert!(mismatched == 0, "{mismatched} of {} corpus cases differ from Go (report above)", cases.len());
}

/// Runs `cases` through the oracle (in one batch) and through our engine, compares them and
/// returns the report and the number of mismatches. `skip(go, ours)` says a difference is
/// expected (counted apart, not as a mismatch).
fn differential(
    bin: &Path,
    title: &str,
    cases: &[Case],
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
        let got = run_ours(case, res["data"].clone());
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

// ---------------------------------------------------------------------------------------------
// Random templates from a small grammar, against the oracle.

/// The data of the random templates (YAML: integers stay `int`).
const RANDOM_DATA: &str = "s: hi\nu: \"héllo <&>\"\nempty: \"\"\nl: [a, b, c]\nints: [3, 1, 2]\nel: []\n\
    m: {b: 2, a: 1, c: 3}\nem: {}\nnum: 3\nzero: 0\nf: 2.5\nbig: 1000000.0\nt: true\nfl: false\nnil: null\n\
    users: [{name: ann, age: 31, tags: [x, y]}, {name: bob, age: 25, tags: []}]\nmm: {x: {p: 1}, y: {}}\n";

/// The same data as JSON (every number `float64`, as Helm's values).
const RANDOM_DATA_JSON: &str = r#"{"s": "hi", "u": "héllo <&>", "empty": "", "l": ["a", "b", "c"], "ints": [3, 1, 2],
    "el": [], "m": {"b": 2, "a": 1, "c": 3}, "em": {}, "num": 3, "zero": 0, "f": 2.5, "big": 1000000, "t": true,
    "fl": false, "nil": null, "users": [{"name": "ann", "age": 31, "tags": ["x", "y"]}, {"name": "bob", "age": 25,
    "tags": []}], "mm": {"x": {"p": 1}, "y": {}}}"#;

struct Gen {
    rng: Rng,
    depth: usize,
    in_range: usize,
    vars: Vec<&'static str>,
}

impl Gen {
    fn operand(&mut self) -> String {
        if self.depth < 3 && self.rng.chance(12) {
            self.depth += 1;
            let p = format!("({})", self.pipeline());
            self.depth -= 1;
            return if self.rng.chance(25) { format!("{p}.name") } else { p };
        }
        if !self.vars.is_empty() && self.rng.chance(15) {
            return self.rng.pick(&self.vars).to_string();
        }
        self.rng
            .pick(&[
                ".s",
                ".u",
                ".empty",
                ".l",
                ".ints",
                ".el",
                ".m",
                ".em",
                ".num",
                ".zero",
                ".f",
                ".big",
                ".t",
                ".fl",
                ".nil",
                ".nope",
                ".users",
                ".mm",
                ".mm.x",
                ".mm.x.p",
                ".m.a",
                ".nope.x",
                "$",
                ".",
                "$.s",
                "1",
                "0",
                "-2",
                "2.5",
                "1e6",
                "0x10",
                "'a'",
                "\"x\"",
                "\"\"",
                "\"%d\"",
                "`raw`",
                "true",
                "false",
                "nil",
                "1.0",
                "0b11",
                "0o7",
                "1_000",
                "3.",
                "'\\n'",
                "\"a\\tb\"",
                "(.users)",
                "$.m.c",
            ])
            .to_string()
    }

    fn command(&mut self) -> String {
        let funcs: &[(&str, usize)] = &[
            ("print", 3),
            ("println", 2),
            ("len", 1),
            ("index", 3),
            ("slice", 3),
            ("eq", 3),
            ("ne", 2),
            ("lt", 2),
            ("le", 2),
            ("gt", 2),
            ("ge", 2),
            ("and", 3),
            ("or", 3),
            ("not", 1),
            ("html", 2),
            ("js", 1),
            ("urlquery", 2),
        ];
        if self.rng.chance(35) {
            return self.operand();
        }
        if self.rng.chance(20) {
            let format = *self.rng.pick(&["%v", "%d", "%s", "%q", "%5.1f", "%x", "%v-%v", "%T", "%#v", "%t"]);
            let n = self.rng.below(3);
            let args: Vec<String> = (0..n).map(|_| self.operand()).collect();
            return format!("printf \"{format}\" {}", args.join(" "));
        }
        let (name, max) = *self.rng.pick(funcs);
        let n = self.rng.below(max + 1);
        let args: Vec<String> = (0..n).map(|_| self.operand()).collect();
        if args.is_empty() { name.to_string() } else { format!("{name} {}", args.join(" ")) }
    }

    fn pipeline(&mut self) -> String {
        let mut p = self.command();
        for _ in 0..self.rng.below(3).saturating_sub(1) {
            let (name, _) =
                *self.rng.pick(&[("print", 0), ("printf \"%v\"", 0), ("len", 0), ("html", 0), ("not", 0), ("eq 1", 0)]);
            p = format!("{p} | {name}");
        }
        p
    }

    fn action(&mut self, open: &str, close: &str, body: &str) -> String {
        format!("{open}{body}{close}")
    }

    fn item(&mut self, budget: &mut usize) -> String {
        *budget = budget.saturating_sub(1);
        let l = if self.rng.chance(15) { "{{- " } else { "{{" };
        let r = if self.rng.chance(15) { " -}}" } else { "}}" };
        match self.rng.below(16) {
            0..=2 => self.rng.pick(&["a", " ", "\n", "x y", "é", "\n  "]).to_string(),
            3..=6 => {
                let p = self.pipeline();
                format!("{l}{p}{r}")
            }
            7 | 8 if *budget > 0 => {
                let cond = self.pipeline();
                let then = self.items(budget);
                let els =
                    if self.rng.chance(50) { format!("{{{{else}}}}{}", self.items(budget)) } else { String::new() };
                let elif = if self.rng.chance(25) {
                    format!("{{{{else if {}}}}}{}", self.pipeline(), self.items(budget))
                } else {
                    String::new()
                };
                self.action(&format!("{l}if {cond}{r}"), "{{end}}", &format!("{then}{elif}{els}"))
            }
            9 if *budget > 0 => {
                let over = *self.rng.pick(&[
                    ".l",
                    ".m",
                    ".users",
                    ".el",
                    ".em",
                    ".nil",
                    ".nope",
                    ".ints",
                    ".mm",
                    "(slice .l 1)",
                    ".",
                ]);
                let decl = *self.rng.pick(&["", "$v := ", "$i, $v := ", "$k, $v := "]);
                self.in_range += 1;
                let pushed = !decl.is_empty();
                if pushed {
                    self.vars.push("$v");
                }
                let mut body = self.items(budget);
                if self.rng.chance(20) {
                    body =
                        format!("{{{{if eq 1 1}}}}{{{{{}}}}}{{{{end}}}}{body}", self.rng.pick(&["break", "continue"]));
                }
                if pushed {
                    self.vars.pop();
                }
                self.in_range -= 1;
                let els =
                    if self.rng.chance(40) { format!("{{{{else}}}}{}", self.items(budget)) } else { String::new() };
                self.action(&format!("{l}range {decl}{over}{r}"), "{{end}}", &format!("{body}{els}"))
            }
            10 if *budget > 0 => {
                let p = self.pipeline();
                let body = self.items(budget);
                let els =
                    if self.rng.chance(40) { format!("{{{{else}}}}{}", self.items(budget)) } else { String::new() };
                self.action(&format!("{l}with {p}{r}"), "{{end}}", &format!("{body}{els}"))
            }
            11 => {
                let p = self.pipeline();
                if self.vars.contains(&"$x") && self.rng.chance(50) {
                    format!("{l}$x = {p}{r}")
                } else {
                    self.vars.push("$x");
                    format!("{l}$x := {p}{r}")
                }
            }
            12 => {
                let p = self.pipeline();
                // "e" exists only when the template happens to define it.
                let name = if self.rng.chance(20) { "e" } else { "d" };
                format!("{l}template \"{name}\" {p}{r}")
            }
            13 => (*self.rng.pick(&["{{/* c */}}", "{{- /* c */ -}}", "{{define \"e\"}}E{{.}}{{end}}"])).to_string(),
            14 if self.in_range > 0 => format!("{l}{}{r}", self.rng.pick(&["break", "continue"])),
            _ => {
                let p = self.operand();
                format!("{l}{p}{r}")
            }
        }
    }

    fn items(&mut self, budget: &mut usize) -> String {
        let n = 1 + self.rng.below(3);
        (0..n).map(|_| self.item(budget)).collect()
    }
}

/// A random template (and the `d` it may call); sometimes one character is deleted or inserted
/// so that parse errors are compared too.
fn random_case(rng: &mut Rng, n: usize) -> Case {
    let mut g = Gen { rng: Rng(rng.next() | 1), depth: 0, in_range: 0, vars: Vec::new() };
    let mut budget = 6;
    let mut text = g.items(&mut budget);
    let mut family = "random";
    if g.rng.chance(12) && !text.is_empty() {
        let mut at = g.rng.below(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        if g.rng.chance(50) {
            if let Some(c) = text[at..].chars().next() {
                text.replace_range(at..at + c.len_utf8(), "");
            }
        } else {
            text.insert(at, *g.rng.pick(&['{', '}', '(', ')', '|', '$', '.', '"', '`', ' ', '-', '1', 'x', '\'']));
        }
        family = "random-mutated";
    }
    Case {
        name: format!("random/{n:05}"),
        family: family.into(),
        data: Some(if rng.chance(50) {
            DataSource::Yaml(RANDOM_DATA.into())
        } else {
            DataSource::Json(RANDOM_DATA_JSON.into())
        }),
        missingkey: (*rng.pick(&["default", "default", "zero", "error"])).into(),
        exec: None,
        templates: vec![("t".into(), text), ("d".into(), "[{{.}}]".into())],
        expected: None,
        note: String::new(),
    }
}

#[test]
fn random_templates_match_go_oracle() {
    let Some(bin) = oracle() else {
        return;
    };
    let n: usize = std::env::var("GOTEMPLATE_RANDOM_N").ok().and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let seed: u64 = std::env::var("GOTEMPLATE_RANDOM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let cases: Vec<Case> = (0..n).map(|i| random_case(&mut rng, i)).collect();
    // Go 1.19 cannot range over an integer; this crate follows Go 1.22+ there, so whatever
    // happens after such a range cannot be compared.
    let newer_go = |go: &Outcome, _: &Result<Outcome, String>| {
        go.error.as_deref().is_some_and(|e| {
            e.rsplit_once("range can't iterate over ")
                .is_some_and(|(_, v)| !v.is_empty() && v.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let (report, mismatched) = differential(&bin, &format!("random templates (seed {seed})"), &cases, newer_go);
    eprintln!("{report}");
    assert!(mismatched == 0, "{mismatched} of {n} random templates differ from Go (report above)");
}

// ---------------------------------------------------------------------------------------------
// fmt against Go's fmt, on generated calls.

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn value_pool() -> Vec<Value> {
    let m = |entries: &[(&str, Value)]| {
        Value::map(entries.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect::<BTreeMap<_, _>>())
    };
    let mut pool = Vec::new();
    for i in
        [0i64, 1, -1, 7, 42, -42, 255, 65, 0x263A, 0x1F600, 0x10FFFF, 0x110000, 0xD800, 1_000_000, i64::MIN, i64::MAX]
    {
        pool.push(Value::Int(i));
    }
    for u in [0u64, 7, 255, u64::MAX] {
        pool.push(Value::Uint(u));
    }
    for f in [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        1.5,
        2.5,
        -2.5,
        0.125,
        0.375,
        3.14158,
        1.0 / 3.0,
        2.0 / 3.0,
        0.1,
        0.3,
        1.005,
        2.675,
        1e6,
        999_999.0,
        999_999.5,
        100_000.0,
        123_456_789.0,
        1_234_567.0,
        1e20,
        1e21,
        1e23,
        1e-4,
        1e-5,
        0.000_123_45,
        1.5e-7,
        5e-324,
        2.2250738585072014e-308,
        f64::MAX,
        1e300,
        -1e-300,
        9.5,
        0.05,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        pool.push(Value::Float(f));
    }
    for s in [
        "",
        "a",
        "hello",
        "héllo, 世界",
        "a\tb\nc",
        "`raw`",
        "\u{0}\u{7f}\u{80}",
        "😀",
        "\u{feff}bom",
        "\u{2028}",
        "%d",
        "\"q\"",
        "\\",
        "日本語",
        "\u{ad}\u{a0}\u{3000}",
        "\u{e000}\u{10ffff}",
        "ab'c",
    ] {
        pool.push(Value::string(s));
    }
    pool.push(Value::Bool(true));
    pool.push(Value::Bool(false));
    pool.push(Value::Nil);
    pool.push(Value::list(vec![]));
    pool.push(Value::list(vec![Value::Int(1), Value::string("a"), Value::Nil, Value::Float(2.5), Value::Bool(true)]));
    pool.push(Value::list(vec![Value::list(vec![Value::Int(1)]), m(&[("k", Value::string("v"))])]));
    pool.push(m(&[]));
    pool.push(m(&[("b", Value::string("x")), ("a", Value::Float(1e6)), ("c", Value::Nil)]));
    pool.push(m(&[("z", Value::list(vec![Value::Float(1.5), Value::Uint(3)])), ("k", m(&[("n", Value::Int(-1))]))]));
    pool
}

/// A random format directive (flags, argument index, width, precision, verb).
fn directive(rng: &mut Rng) -> String {
    let mut d = String::from("%");
    for _ in 0..rng.below(4) {
        d.push(*rng.pick(&['+', '-', '#', ' ', '0']));
    }
    if rng.chance(5) {
        let _ = write!(d, "[{}]", rng.below(4));
    }
    match rng.below(8) {
        0..=2 => {}
        3 => d.push('*'),
        _ => {
            let _ = write!(d, "{}", rng.pick(&[0, 1, 2, 5, 8, 12, 25]));
        }
    }
    match rng.below(8) {
        0..=3 => {}
        4 => d.push_str(".*"),
        5 => d.push('.'),
        _ => {
            let _ = write!(d, ".{}", rng.pick(&[0, 1, 2, 3, 6, 12, 17, 20]));
        }
    }
    if rng.chance(3) {
        let _ = write!(d, "[{}]", rng.below(4));
    }
    d.push(*rng.pick(&[
        'v', 'v', 'v', 'T', 't', 'd', 'd', 'b', 'o', 'O', 'x', 'x', 'X', 'c', 'q', 'q', 'U', 'e', 'E', 'f', 'f', 'F',
        'g', 'g', 'G', 's', 's', '%', 'z', 'é',
    ]));
    d
}

#[test]
fn fmt_matches_go() {
    let Some(bin) = oracle() else {
        return;
    };
    let pool = value_pool();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut calls: Vec<(String, String, Vec<Value>)> = Vec::new();
    // Every value with every verb, plain and with a few flag sets.
    for v in &pool {
        for spec in [
            "%v", "%+v", "%#v", "%T", "%t", "%d", "%b", "%o", "%O", "%x", "%X", "%c", "%q", "%U", "%#U", "%e", "%E",
            "%f", "%F", "%g", "%G", "%s", "%+q", "%#q", "%#x", "% x", "%# X", "%.3v", "%8.3f", "%-8.2e", "%08.3g",
            "%+.1f", "% d", "%#o", "%#g", "%#.3x", "%5.1s", "%-6v|", "%06d", "%.0f", "%.0e", "%.1g", "%#.0f",
        ] {
            calls.push(("sprintf".into(), spec.into(), vec![v.clone()]));
        }
    }
    // Random formats with random arguments.
    for _ in 0..25_000 {
        let mut format = String::new();
        let directives = 1 + rng.below(3);
        let mut wanted = 0;
        for _ in 0..directives {
            if rng.chance(40) {
                format.push_str(rng.pick(&["x", " ", "|", "é", "--", "%%"]).to_owned());
            }
            let d = directive(&mut rng);
            wanted += 1 + d.matches('*').count();
            format.push_str(&d);
        }
        let n = if rng.chance(85) { wanted } else { rng.below(5) };
        let args: Vec<Value> = (0..n)
            .map(|_| {
                if rng.chance(20) {
                    Value::Int(rng.pick(&[-3i64, 0, 2, 5, 10, 2_000_000]).to_owned())
                } else {
                    rng.pick(&pool).clone()
                }
            })
            .collect();
        calls.push(("sprintf".into(), format, args));
    }
    // Malformed formats: random strings of format characters.
    for _ in 0..3_000 {
        let len = 1 + rng.below(8);
        let format: String = (0..len)
            .map(|_| *rng.pick(&['%', '[', ']', '*', '.', '1', '2', '0', '-', '+', '#', ' ', 'd', 'v', 's']))
            .collect();
        let args: Vec<Value> = (0..rng.below(4)).map(|_| rng.pick(&pool).clone()).collect();
        calls.push(("sprintf".into(), format, args));
    }
    // Sprint and Sprintln.
    for _ in 0..2_000 {
        let args: Vec<Value> = (0..rng.below(5)).map(|_| rng.pick(&pool).clone()).collect();
        let func = if rng.chance(50) { "sprint" } else { "sprintln" };
        calls.push((func.into(), String::new(), args));
    }

    let input = serde_json::Value::Array(
        calls
            .iter()
            .map(|(func, format, args)| {
                let args: Vec<_> = args.iter().map(to_typed).collect();
                json!({"func": func, "format": format, "args": args})
            })
            .collect(),
    );
    let results = run_oracle(&bin, "--fmt-batch", &input);
    let results = results.as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), calls.len());
    let mut failures = Vec::new();
    for ((func, format, args), want) in calls.iter().zip(&results) {
        let want = want.as_str().unwrap_or_default();
        let got = match func.as_str() {
            "sprint" => gotemplate::fmt::sprint(args),
            "sprintln" => gotemplate::fmt::sprintln(args),
            _ => gotemplate::fmt::sprintf(format, args),
        };
        if got != want {
            failures.push(format!("{func}({format:?}, {args:?})\n    go:   {want:?}\n    ours: {got:?}"));
        }
    }
    eprintln!("fmt against Go: {} calls, {} differ", calls.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} fmt calls differ from Go:\n{}",
        failures.len(),
        calls.len(),
        failures.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
}
