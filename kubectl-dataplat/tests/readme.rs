//! README.md cannot drift from what works: its two set-up commands are the ones run here and by
//! CI, and every command of its command list parses.
//!
//! Limit: the Test command (`bash tests/run`) is not run from a test (it runs every test); this
//! checks that `.ci/run` runs it literally. The Run command's `cargo run -p kubectl-dataplat --
//! ARGS` is run as the binary cargo builds for it, with those ARGS, in the repository root.

mod common;

use common::{dataplat, ok, repo, stderr};

/// The commands of the README's `## Set up` code block (comments and blank lines left out).
fn setup_commands(readme: &str) -> Vec<String> {
    let section = readme.split("## Set up").nth(1).expect("a Set up section");
    let block = section.split("```sh").nth(1).and_then(|b| b.split("```").next()).expect("a sh block");
    block.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

#[test]
fn the_readme_has_two_set_up_commands_and_they_are_what_runs() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let commands = setup_commands(&readme);
    assert_eq!(commands.len(), 2, "exactly two set-up commands: {commands:?}");
    // Test: what CI runs, literally.
    assert_eq!(commands[1], "bash tests/run");
    let ci = std::fs::read_to_string(repo().join(".ci/run")).expect(".ci/run");
    assert!(ci.lines().any(|l| l.trim() == commands[1]), ".ci/run runs `{}`", commands[1]);
    // Run: the target it adds is the one the build needs, and the binary's arguments work from a
    // fresh checkout's root (the bundled platform.yaml).
    let run = &commands[0];
    assert!(run.starts_with("rustup target add wasm32-wasip2 && cargo run -p kubectl-dataplat -- "), "{run}");
    let args: Vec<&str> = run.split(" -- ").nth(1).expect("arguments").split_whitespace().collect();
    let out = dataplat(&repo(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(common::stdout(&out).contains("Apply order"), "the plan: {}", common::stdout(&out));
}

/// The subcommand words of each `kubectl dataplat ...` command in the README's Use table.
fn listed_commands(readme: &str) -> Vec<Vec<String>> {
    let section = readme.split("## Use").nth(1).expect("a Use section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut out = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("| `kubectl dataplat ")) {
        let command = line.trim_start_matches("| `kubectl dataplat ").split('`').next().unwrap_or_default();
        let words: Vec<String> = command
            .split_whitespace()
            .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .map(str::to_string)
            .collect();
        out.push(words);
    }
    out
}

#[test]
fn every_command_the_readme_lists_parses_with_help() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let commands = listed_commands(&readme);
    assert!(commands.len() >= 20, "{commands:?}");
    let dir = tempfile::tempdir().expect("tmp");
    for words in commands {
        // `enable keda` names an addon, not a subcommand: the first word decides, except for the
        // groups whose second word is a subcommand.
        let groups = ["plugin", "chart", "examples", "trino"];
        let take = if groups.contains(&words[0].as_str()) { 2.min(words.len()) } else { 1 };
        let mut args: Vec<&str> = words[..take].iter().map(String::as_str).collect();
        args.push("--help");
        let help = ok(dataplat(dir.path(), &args));
        assert!(help.contains("Usage: kubectl dataplat"), "{args:?}: {help}");
    }
}
