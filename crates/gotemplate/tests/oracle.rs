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
//!
//! The harness (corpus files, oracle runner, typed values, comparison) is
//! [`gotemplate::oracle`] (feature `oracle`), shared with `crates/helm/tests/functions.rs`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use gotemplate::Value;
use gotemplate::oracle::{
    Case, DataSource, Engine, Outcome, differential, filtered, load_corpus, oracle, run_oracle, to_typed,
};
use serde_json::json;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");

/// Plain text/template: the builtins only.
const ENGINE: Engine = Engine { sprig: false, funcs: None };

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn corpus_files_are_well_formed() {
    let cases = load_corpus(Path::new(CORPUS));
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
    let cases = filtered(load_corpus(Path::new(CORPUS)));
    let Some(bin) = oracle() else {
        return;
    };
    let (report, mismatched) = differential(&bin, "gotemplate corpus", &cases, ENGINE, |_, _| false);
    eprintln!("{report}");
    assert!(mismatched == 0, "{mismatched} of {} corpus cases differ from Go (report above)", cases.len());
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
    let (report, mismatched) = differential(&bin, &format!("random templates (seed {seed})"), &cases, ENGINE, newer_go);
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
