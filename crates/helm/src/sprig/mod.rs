//! Sprig 3.2.3's template functions (Debian's, the Go oracle's), with Sprig's semantics and Go's
//! formatting, as closures in a [`gotemplate::Funcs`] registry ([`sprig_funcs`]).
//!
//! Each family of functions (Sprig's documentation's grouping) is registered by its module,
//! [`sprig_funcs_with`] calls them in turn: `strings` (with the string lists and goutils'),
//! `xstrings` (case conversions), `conversion` (`int`, `toString`, ...), `numbers` (integer and
//! float math, integer slices), `decimal` (`addf`, ...), `defaults` (`default`, `empty`,
//! `ternary`, `fail`, ...), `reflection`, `paths`, `encoding`, `lists`, `dicts`, `regexp`,
//! [`semver`], `random`, [`date`], `url` and [`crypto`] (with the hashes).
//!
//! Arguments are checked as Go's text/template checks a typed parameter (`wrong type for value;
//! expected string; got int`); a Go panic inside a Sprig function is an `error calling NAME:
//! ...` as text/template reports it. Numbers follow spf13/cast 1.5.0 (`int "010"` is 8, base
//! prefixes, `"1.0"` trimmed), merges follow mergo 0.3.12, semver follows Masterminds/semver
//! 3.2.0 ([`semver`]).
//!
//! Randomness and time are injectable ([`SprigOptions`]): `randAlphaNum`, `randAlpha`,
//! `randNumeric`, `randAscii`, `randInt`, `randBytes`, `shuffle` and `uuidv4` draw from one
//! generator (splitmix64, not cryptographic) seeded by
//! `SprigOptions::seed` (a fixed seed makes two renders identical; without one, the seed comes
//! from the clock and the process id); `now` returns `SprigOptions::now` when set, and `ago` and
//! `durationRound` of a time measure from it.
//!
//! Known differences from Go (by design or by the value model):
//! - `keys` and `values` return keys in sorted order; Go's order is random (charts sort with
//!   `sortAlpha`).
//! - Results typed `int64`/`[]string`/`[]int` in Go are `int`/`[]interface {}` here, which only
//!   `typeOf`/`%T` can tell apart.
//! - Regular expressions use the `regex` crate: RE2 syntax, but `\s`, `\w`, `\d` and `\b` are
//!   Unicode-aware there and ASCII in Go; `(?U)` and a few Perl classes differ.
//! - Time zones: `date`/`dateInZone` know UTC (and `Local`, taken as UTC, the oracle's zone) only;
//!   any other zone name falls back to UTC, as Go does for a zone it cannot load. `toDate` parses
//!   in `Local` as UTC: an offset other than zero, or an abbreviation other than `UTC`, gives a
//!   fixed zone as Go's does when `Local` is UTC ([`date`]).
//! - `duration` and `durationRound` take an integer as Go's `int64` (seconds, nanoseconds): Go
//!   gives `0s` for an `int` (a literal `duration 95`, `len`, `int`) and the value for an `int64`
//!   (`int64`, `add`, `mul`, ...); this value model has one integer type.
//! - `now` has no monotonic clock reading, so `{{ now }}` prints without Go's `m=+0.000...`.
//! - `urlParse`/`urlJoin` keep Go's bytes until a value is made: a `%`-escape that decodes to
//!   invalid UTF-8 becomes U+FFFD.
//! - A map that contains itself (`set $d "k" $d`) is cut at 256 levels by `deepCopy`,
//!   `deepEqual`, `merge` (Go recurses until the stack overflows).
//! - The crypto functions (`genCA`, `genSignedCert`, `genPrivateKey`, `bcrypt`, `derivePassword`,
//!   `encryptAES`, ...) are in [`crypto`]; their differences from Go are listed there.
//! - Not implemented:
//!   `getHostByName` (it needs DNS), `env`/`expandenv` (Helm removes them). A template calling
//!   one fails to parse (`function "getHostByName" not defined`), so a chart that needs one says
//!   so instead of rendering something else.
//!
//! Every other function of Sprig 3.2.3's `TxtFuncMap` is here, and
//! `tests/functions-corpus` compares each against Go (with typical, edge and nil arguments).

pub mod args;
mod conversion;
pub mod crypto;
pub mod date;
mod decimal;
mod defaults;
mod dicts;
mod encoding;
mod lists;
mod numbers;
mod paths;
pub(crate) use paths::path_clean;
mod random;
mod reflection;
mod regexp;
pub mod semver;
mod strings;
mod url;
mod xstrings;

use gotemplate::{Funcs, Value};

pub use defaults::empty;
pub(crate) use defaults::json_error;
pub use dicts::deep_copy;

/// Injected randomness and clock.
#[derive(Clone, Debug, Default)]
pub struct SprigOptions {
    /// Seed of `rand*`, `shuffle` and `uuidv4`; `None`: from the clock.
    pub seed: Option<u64>,
    /// `now`, as Unix seconds and nanoseconds (UTC); `None`: the system clock.
    pub now: Option<(i64, u32)>,
}

/// Sprig's functions with a clock-seeded generator and the system clock.
pub fn sprig_funcs() -> Funcs {
    sprig_funcs_with(SprigOptions::default())
}

/// Every Sprig function this crate implements, with the given randomness and clock: each
/// family's functions, registered by its module (the families of Sprig's documentation).
pub fn sprig_funcs_with(opts: SprigOptions) -> Funcs {
    let mut f = Funcs::new();
    crypto::register(&mut f, &opts);
    strings::register(&mut f);
    xstrings::register(&mut f);
    conversion::register(&mut f);
    numbers::register(&mut f);
    decimal::register(&mut f);
    defaults::register(&mut f);
    reflection::register(&mut f);
    paths::register(&mut f);
    encoding::register(&mut f);
    lists::register(&mut f);
    dicts::register(&mut f);
    regexp::register(&mut f);
    semver::register(&mut f);
    random::register(&mut f, &opts);
    date::register(&mut f, opts.now);
    url::register(&mut f);
    f
}

/// Registers each `(name, target)` as a second name of the already registered function
/// `target`: the `must*` variants that return the error their plain forms panic with (the same
/// message), the `filepath` forms (`osBase`) of the `path` functions.
fn alias(f: &mut Funcs, pairs: &[(&str, &str)]) {
    for (name, target) in pairs {
        if let Some(func) = f.get(target).cloned() {
            let g = func.f.clone();
            f.insert_with_arity(name, func.arity, move |c, a| g(c, a));
        }
    }
}

/// Nesting past this is a map that contains itself (`set $d "k" $d`): Go's recursion would not
/// end either; here the comparison, copy or merge stops.
const MAX_DEPTH: usize = 256;

fn sv(s: impl Into<String>) -> Value {
    Value::string(s.into())
}

fn list_of_strings(v: Vec<String>) -> Value {
    Value::list(v.into_iter().map(Value::from).collect())
}

fn bytes_to_string(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotemplate::Template;

    fn render(funcs: &Funcs, text: &str, data: &Value) -> Result<String, String> {
        let t = Template::new("t").funcs(funcs);
        t.parse(text).map_err(|e| e.to_string())?;
        t.execute_to_string(data).map_err(|e| e.to_string())
    }

    #[test]
    fn a_seed_makes_random_functions_repeatable() {
        let text = "{{ randAlphaNum 16 }}\n{{ randAlpha 4 }}\n{{ randNumeric 4 }}\n{{ randAscii 8 }}\n{{ uuidv4 }}\n{{ shuffle \"abcdef\" }}";
        let a = render(&sprig_funcs_with(SprigOptions { seed: Some(7), now: None }), text, &Value::Nil).unwrap();
        let b = render(&sprig_funcs_with(SprigOptions { seed: Some(7), now: None }), text, &Value::Nil).unwrap();
        let c = render(&sprig_funcs_with(SprigOptions { seed: Some(8), now: None }), text, &Value::Nil).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let uuid = a.split('\n').nth(4).unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
    }

    #[test]
    fn a_fixed_clock_makes_now_repeatable() {
        let f = sprig_funcs_with(SprigOptions { seed: Some(1), now: Some((1_700_000_000, 123_000_000)) });
        assert_eq!(
            render(&f, "{{ now | date \"2006-01-02T15:04:05Z07:00\" }}|{{ now }}|{{ now | unixEpoch }}", &Value::Nil)
                .unwrap(),
            "2023-11-14T22:13:20Z|2023-11-14 22:13:20.123 +0000 UTC|1700000000"
        );
    }

    #[test]
    fn no_panic_on_extreme_numbers() {
        let f = sprig_funcs_with(SprigOptions { seed: Some(1), now: None });
        for t in [
            "{{ seq 9223372036854775807 }}",
            "{{ untilStep 9223372036854775800 9223372036854775807 5 }}",
            "{{ randInt -9223372036854775808 9223372036854775807 }}",
            "{{ div -9223372036854775808 -1 }}",
            "{{ mod -9223372036854775808 -1 }}",
            "{{ add 9223372036854775807 1 }}",
            "{{ int \"99999999999999999999\" }}",
            "{{ int 1e300 }}",
            "{{ substr 5 2 \"abc\" }}",
            "{{ trunc -9223372036854775808 \"abc\" }}",
            "{{ abbrevboth -5 10 \"hello wonderful world\" }}",
            "{{ round 1.5 400 }}",
            "{{ chunk -1 (list 1) }}",
        ] {
            let _ = render(&f, t, &Value::Nil);
        }
    }
}
