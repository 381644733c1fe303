//! Differential test of Sprig's and Helm's template functions against Go, through the Go oracle
//! (`tools/gotemplate-oracle --batch` with `"sprig": true`: Go's text/template with Debian's Sprig
//! 3.2.3 and Helm's engine functions):
//!
//! - `functions_corpus_matches_go_oracle`: every case of `tests/functions-corpus` (the format of
//!   `crates/gotemplate/tests/corpus`, see its README), rendered with [`helm::functions::helm_funcs_with`]
//!   (seed 1, a fixed clock) and by the oracle, compared byte for byte (errors: both fail, same
//!   template and position).
//!
//! The oracle is `$DATAPLAT_GO_ORACLE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/dataplat-ci/gotemplate-oracle`
//! (what `tests/run` builds). Without it the test skips with a message, or fails under
//! `DATAPLAT_IT=1`. Expected outputs always come from the oracle at test time, never from this
//! crate.
//!
//! `GOTEMPLATE_CASE=substring` runs only the matching cases; `GOTEMPLATE_SHOW=n` shows up to `n`
//! mismatches in full (default 15).
//!
//! The harness (corpus files, oracle runner, typed values, comparison) is
//! [`gotemplate::oracle`] (feature `oracle`), shared with `crates/gotemplate/tests/oracle.rs`;
//! this file adds the registry of this crate.

use std::collections::HashSet;
use std::path::Path;

use gotemplate::Funcs;
use gotemplate::oracle::{Engine, differential, filtered, load_corpus, oracle};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/functions-corpus");

/// Helm's functions with seed 1 and a fixed clock; the oracle adds Sprig's and Helm's.
fn helm_funcs() -> Funcs {
    helm::functions::helm_funcs_with(helm::SprigOptions { seed: Some(1), now: Some((1_700_000_000, 0)) })
}

const ENGINE: Engine = Engine { sprig: true, funcs: Some(helm_funcs) };

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn functions_corpus_is_well_formed() {
    let cases = load_corpus(Path::new(CORPUS));
    assert!(cases.len() >= 300, "the corpus has {} cases; at least 300 expected", cases.len());
    let mut names = HashSet::new();
    for case in &cases {
        assert!(names.insert(&case.name), "duplicate case {}", case.name);
    }
}

#[test]
fn functions_corpus_matches_go_oracle() {
    let cases = filtered(load_corpus(Path::new(CORPUS)));
    let Some(bin) = oracle() else {
        return;
    };
    let (report, mismatched) = differential(&bin, "Sprig/Helm functions corpus", &cases, ENGINE, |_, _| false);
    eprintln!("{report}");
    assert!(mismatched == 0, "{mismatched} of {} corpus cases differ from Go (report above)", cases.len());
}
