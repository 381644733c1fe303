//! huandu/xstrings 1.3.3's `ToSnakeCase` / `ToKebabCase` (Sprig's `snakecase`, `kebabcase`),
//! ported word splitter for word splitter, and `ToCamelCase` (`camelcase`).

use gotemplate::{Arity, Funcs};

use super::args;
use super::sv;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

fn is_connector(r: char) -> bool {
    r == '-' || r == '_' || r.is_whitespace()
}

/// Go's `unicode.IsPunct` for ASCII (the P categories); other scripts' punctuation is rare in
/// names and counts as "other" here.
fn is_punct(r: char) -> bool {
    r.is_ascii_punctuation() && !matches!(r, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
        || matches!(r, '\u{a1}' | '\u{a7}' | '\u{ab}' | '\u{b6}' | '\u{b7}' | '\u{bb}' | '\u{bf}')
        || ('\u{2010}'..='\u{2027}').contains(&r)
        || ('\u{3001}'..='\u{3003}').contains(&r)
}

fn is_alphabet(r: char) -> bool {
    if !r.is_alphabetic() {
        return false;
    }
    let u = r as u32;
    !((0x4E00..=0x9FCC).contains(&u) || (0x3400..=0x4D85).contains(&u) || (0x20000..=0x2B81D).contains(&u))
}

/// `nextWord`: the kind of the next word, the word, and the rest.
fn next_word(s: &str) -> (Word, &str, &str) {
    let mut chars = s.char_indices().peekable();
    let Some((_, r)) = chars.next() else { return (Word::Invalid, "", "") };
    let end_of = |i: Option<(usize, char)>| i.map_or(s.len(), |(i, _)| i);
    let take_while = |pred: &dyn Fn(char) -> bool, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while let Some(&(_, c)) = chars.peek() {
            if !pred(c) {
                break;
            }
            chars.next();
        }
        end_of(chars.peek().copied())
    };
    let (wt, end) = if is_connector(r) {
        (Word::Connector, take_while(&is_connector, &mut chars))
    } else if is_punct(r) {
        (Word::Punct, take_while(&is_punct, &mut chars))
    } else if r.is_uppercase() {
        match chars.peek().copied() {
            None => (Word::Upper, s.len()),
            Some((_, n)) if n.is_uppercase() => {
                // A run of capitals; the last one starts the next word if letters follow.
                let mut last_start = 0;
                let mut end = s.len();
                let mut followed_by_letter = false;
                for (i, c) in s.char_indices().skip(1) {
                    if !c.is_uppercase() {
                        end = i;
                        followed_by_letter = is_alphabet(c);
                        break;
                    }
                    last_start = i;
                }
                if end != s.len() && followed_by_letter {
                    end = last_start;
                }
                (Word::Upper, end)
            }
            Some((_, n)) if is_alphabet(n) => {
                chars.next();
                (Word::Upper, take_while(&|c: char| is_alphabet(c) && !c.is_uppercase(), &mut chars))
            }
            Some((i, _)) => (Word::Upper, i),
        }
    } else if is_alphabet(r) {
        (Word::Alphabet, take_while(&|c: char| is_alphabet(c) && !c.is_uppercase(), &mut chars))
    } else if r.is_numeric() {
        (Word::Number, take_while(&|c: char| c.is_numeric(), &mut chars))
    } else {
        let pred = |c: char| !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c));
        (Word::Other, take_while(&pred, &mut chars))
    };
    (wt, &s[..end], &s[end..])
}

fn to_lower(buf: &mut String, wt: Word, s: &str, connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        buf.push_str(s);
        return;
    }
    for r in s.chars() {
        if is_connector(r) {
            buf.push(connector);
        } else if r.is_uppercase() {
            buf.push(r.to_lowercase().next().unwrap_or(r));
        } else {
            buf.push(r);
        }
    }
}

/// `camelCaseToLowerCase`.
pub fn camel_to_lower(s: &str, connector: char) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut buf = String::new();
    let (mut wt, mut word, mut remaining) = next_word(s);
    while !remaining.is_empty() {
        if wt != Word::Connector {
            to_lower(&mut buf, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    to_lower(&mut buf, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    buf.push(connector);
                }
            }
            Word::Connector => to_lower(&mut buf, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, remaining) = next_word(remaining);
                if wt != Word::Alphabet {
                    to_lower(&mut buf, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                buf.push(connector);
                to_lower(&mut buf, Word::Number, last, connector);
                while wt == Word::Alphabet || wt == Word::Number {
                    to_lower(&mut buf, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    buf.push(connector);
                }
            }
        }
    }
    to_lower(&mut buf, wt, word, connector);
    buf
}

// ---------------------------------------------------------------------------------------------
// Registration.

/// Registers xstrings' case conversions: `camelcase`, `snakecase`, `kebabcase`.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("camelcase", ex(1), |_, a| Ok(sv(camelcase(args::string(a, 0)?))));
    f.insert_with_arity("snakecase", ex(1), |_, a| Ok(sv(camel_to_lower(args::string(a, 0)?, '_'))));
    f.insert_with_arity("kebabcase", ex(1), |_, a| Ok(sv(camel_to_lower(args::string(a, 0)?, '-'))));
}

/// xstrings 1.3.3 `ToCamelCase` (UpperCamel: `foo_bar baz` → `FooBarBaz`).
fn camelcase(s: &str) -> String {
    let is_connector = |c: char| c == '-' || c == '_' || c.is_whitespace();
    let upper = |c: char| {
        let mut u = c.to_uppercase();
        match (u.next(), u.next()) {
            (Some(x), None) => x,
            _ => c,
        }
    };
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    let mut chars = s.chars();
    let mut out = String::new();
    let mut r0 = None;
    for c in chars.by_ref() {
        if !is_connector(c) {
            r0 = Some(upper(c));
            break;
        }
        out.push(c);
    }
    let Some(mut r0) = r0 else {
        // All connectors: Go writes the last one a second time.
        if let Some(last) = s.chars().last() {
            out.push(last);
        }
        return out;
    };
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = upper(r0);
        } else {
            r0 = lower(r0);
            out.push(r1);
        }
    }
    out.push(r0);
    out
}
