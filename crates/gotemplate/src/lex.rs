//! Go's lexer (`text/template/parse/lex.go`), state for state: the same items, positions, line
//! numbers and error messages. Go runs the lexer in a goroutine feeding a channel; here the
//! parser pulls items and the lexer runs its state functions until one is emitted.

use std::collections::VecDeque;

/// Go's `itemType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Comment,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords (Go: above itemKeyword).
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemType::Block
                | ItemType::Break
                | ItemType::Continue
                | ItemType::Dot
                | ItemType::Define
                | ItemType::Else
                | ItemType::End
                | ItemType::If
                | ItemType::Nil
                | ItemType::Range
                | ItemType::Template
                | ItemType::With
        )
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

/// A token (Go's `item`).
#[derive(Clone, Debug)]
pub struct Item {
    pub typ: ItemType,
    pub pos: usize,
    pub val: String,
    pub line: usize,
}

impl std::fmt::Display for Item {
    /// Go's `item.String()`, used in parse errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.typ {
            ItemType::Eof => write!(f, "EOF"),
            ItemType::Error => write!(f, "{}", self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ => {
                if self.val.chars().count() > 10 {
                    let short: String = self.val.chars().take(10).collect();
                    write!(f, "{}...", go_quote(&short))
                } else {
                    write!(f, "{}", go_quote(&self.val))
                }
            }
        }
    }
}

/// Go's `strconv.Quote` (`%q` of a string).
pub fn go_quote(s: &str) -> String {
    crate::fmt::quote(s)
}

/// Go's `unicode.IsPrint`.
pub fn is_print(c: char) -> bool {
    crate::fmt::is_print(c as u32)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
}

const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
const TRIM_MARKER_LEN: usize = 2;
const EOF: Option<char> = None;

/// Go's `lexer`.
pub struct Lexer<'a> {
    input: &'a str,
    left_delim: String,
    right_delim: String,
    emit_comment: bool,
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: i64,
    line: usize,
    start_line: usize,
    state: Option<State>,
    items: VecDeque<Item>,
    /// The position after the last emitted item and whether the lexer finished.
    done: bool,
}

fn is_space(r: Option<char>) -> bool {
    matches!(r, Some(' ' | '\t' | '\r' | '\n'))
}

fn is_alpha_numeric(r: Option<char>) -> bool {
    match r {
        Some(c) => c == '_' || c.is_alphabetic() || c.is_numeric() && is_go_digit(c),
        None => false,
    }
}

/// Go's `unicode.IsDigit` is category Nd; Rust's `is_numeric` also includes Nl/No. Approximate
/// Nd by excluding the common No/Nl characters.
fn is_go_digit(c: char) -> bool {
    if c.is_ascii_digit() {
        return true;
    }
    if c.is_ascii() {
        return false;
    }
    let u = c as u32;
    !matches!(u, 0xb2 | 0xb3 | 0xb9 | 0xbc..=0xbe | 0x2070..=0x2079 | 0x2080..=0x2089 | 0x2150..=0x218b
        | 0x2460..=0x249b | 0x24ea..=0x24ff | 0x2776..=0x2793 | 0x3007 | 0x3021..=0x3029 | 0x3038..=0x303a
        | 0x3192..=0x3195 | 0x3220..=0x3229 | 0x3248..=0x324f | 0x3251..=0x325f | 0x3280..=0x3289
        | 0x32b1..=0x32bf | 0x16ee..=0x16f0 | 0x2cfd | 0x9f3..=0x9f9 | 0xbf0..=0xbf2 | 0xf2a..=0xf33
        | 0x1369..=0x137c | 0x10107..=0x10133 | 0x1f100..=0x1f10c)
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && matches!(b[1], b' ' | b'\t' | b'\r' | b'\n')
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && matches!(b[0], b' ' | b'\t' | b'\r' | b'\n') && b[1] == b'-'
}

fn right_trim_length(s: &str) -> usize {
    s.len() - s.trim_end_matches([' ', '\t', '\r', '\n']).len()
}

fn left_trim_length(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t', '\r', '\n']).len()
}

/// `%#U` of a rune, as Go's lexer errors print it: `U+0023 '#'`.
pub fn sharp_u(r: Option<char>) -> String {
    match r {
        None => "U+FFFFFFFFFFFFFFFF".to_string(),
        Some(c) => {
            if is_print(c) {
                format!("U+{:04X} '{}'", c as u32, c)
            } else {
                format!("U+{:04X}", c as u32)
            }
        }
    }
}

impl<'a> Lexer<'a> {
    /// Go's `lex`: empty delimiters mean the defaults.
    pub fn new(input: &'a str, left: &str, right: &str, emit_comment: bool) -> Lexer<'a> {
        Lexer {
            input,
            left_delim: if left.is_empty() { "{{".into() } else { left.into() },
            right_delim: if right.is_empty() { "}}".into() } else { right.into() },
            emit_comment,
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            state: Some(State::Text),
            items: VecDeque::new(),
            done: false,
        }
    }

    /// The next item; after the lexer stopped, an EOF item forever (Go returns the zero item of a
    /// closed channel, which the parser never reads).
    pub fn next_item(&mut self) -> Item {
        loop {
            if let Some(item) = self.items.pop_front() {
                return item;
            }
            match self.state {
                Some(state) => self.state = self.step(state),
                None => {
                    self.done = true;
                    return Item { typ: ItemType::Eof, pos: self.input.len(), val: String::new(), line: self.line };
                }
            }
        }
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn next(&mut self) -> Option<char> {
        match self.rest().chars().next() {
            None => {
                self.at_eof = true;
                EOF
            }
            Some(c) => {
                self.pos += c.len_utf8();
                if c == '\n' {
                    self.line += 1;
                }
                Some(c)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        let r = self.next();
        self.backup();
        r
    }

    fn backup(&mut self) {
        if !self.at_eof
            && self.pos > 0
            && let Some(c) = self.input.get(..self.pos).and_then(|s| s.chars().next_back())
        {
            self.pos -= c.len_utf8();
            if c == '\n' {
                self.line -= 1;
            }
        }
    }

    fn emit(&mut self, typ: ItemType) {
        let val = self.input.get(self.start..self.pos).unwrap_or("").to_string();
        self.items.push_back(Item { typ, pos: self.start, val, line: self.start_line });
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn ignore(&mut self) {
        self.line += count_newlines(self.input.get(self.start..self.pos).unwrap_or(""));
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &str) -> bool {
        if let Some(c) = self.next()
            && valid.contains(c)
        {
            return true;
        }
        self.backup();
        false
    }

    fn accept_run(&mut self, valid: &str) {
        while let Some(c) = self.next() {
            if !valid.contains(c) {
                break;
            }
        }
        self.backup();
    }

    fn errorf(&mut self, msg: String) -> Option<State> {
        self.items.push_back(Item { typ: ItemType::Error, pos: self.start, val: msg, line: self.start_line });
        None
    }

    fn step(&mut self, state: State) -> Option<State> {
        match state {
            State::Text => self.lex_text(),
            State::LeftDelim => self.lex_left_delim(),
            State::Comment => self.lex_comment(),
            State::RightDelim => self.lex_right_delim(),
            State::InsideAction => self.lex_inside_action(),
            State::Space => self.lex_space(),
            State::Identifier => self.lex_identifier(),
            State::Field => self.lex_field_or_variable(ItemType::Field),
            State::Variable => {
                if self.at_terminator() {
                    self.emit(ItemType::Variable);
                    return Some(State::InsideAction);
                }
                self.lex_field_or_variable(ItemType::Variable)
            }
            State::Char => self.lex_char(),
            State::Number => self.lex_number(),
            State::Quote => self.lex_quote(),
            State::RawQuote => self.lex_raw_quote(),
        }
    }

    fn lex_text(&mut self) -> Option<State> {
        if let Some(x) = self.rest().find(self.left_delim.as_str()) {
            let ldn = self.left_delim.len();
            self.pos += x;
            let mut trim_length = 0;
            if has_left_trim_marker(self.input.get(self.pos + ldn..).unwrap_or("")) {
                trim_length = right_trim_length(self.input.get(self.start..self.pos).unwrap_or(""));
            }
            self.pos -= trim_length;
            if self.pos > self.start {
                self.line += count_newlines(self.input.get(self.start..self.pos).unwrap_or(""));
                self.emit(ItemType::Text);
            }
            self.pos += trim_length;
            self.ignore();
            return Some(State::LeftDelim);
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += count_newlines(self.input.get(self.start..self.pos).unwrap_or(""));
            self.emit(ItemType::Text);
        }
        self.emit(ItemType::Eof);
        None
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest) && rest.get(TRIM_MARKER_LEN..).is_some_and(|r| r.starts_with(&self.right_delim))
        {
            return (true, true);
        }
        if rest.starts_with(&self.right_delim) {
            return (true, false);
        }
        (false, false)
    }

    fn lex_left_delim(&mut self) -> Option<State> {
        self.pos += self.left_delim.len();
        let trim_space = has_left_trim_marker(self.rest());
        let after_marker = if trim_space { TRIM_MARKER_LEN } else { 0 };
        if self.rest().get(after_marker..).is_some_and(|r| r.starts_with(LEFT_COMMENT)) {
            self.pos += after_marker;
            self.ignore();
            return Some(State::Comment);
        }
        self.emit(ItemType::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        Some(State::InsideAction)
    }

    fn lex_comment(&mut self) -> Option<State> {
        self.pos += LEFT_COMMENT.len();
        let Some(i) = self.rest().find(RIGHT_COMMENT) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += i + RIGHT_COMMENT.len();
        let (delim, trim_space) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        if self.emit_comment {
            self.emit(ItemType::Comment);
        }
        if trim_space {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += self.right_delim.len();
        if trim_space {
            self.pos += left_trim_length(self.rest());
        }
        self.ignore();
        Some(State::Text)
    }

    fn lex_right_delim(&mut self) -> Option<State> {
        let trim_space = has_right_trim_marker(self.rest());
        if trim_space {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += self.right_delim.len();
        self.emit(ItemType::RightDelim);
        if trim_space {
            self.pos += left_trim_length(self.rest());
            self.ignore();
        }
        Some(State::Text)
    }

    fn lex_inside_action(&mut self) -> Option<State> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return Some(State::RightDelim);
            }
            return self.errorf("unclosed left paren".into());
        }
        let r = self.next();
        match r {
            None => return self.errorf("unclosed action".into()),
            Some(' ' | '\t' | '\r' | '\n') => {
                self.backup();
                return Some(State::Space);
            }
            Some('=') => self.emit(ItemType::Assign),
            Some(':') => {
                if self.next() != Some('=') {
                    return self.errorf("expected :=".into());
                }
                self.emit(ItemType::Declare);
            }
            Some('|') => self.emit(ItemType::Pipe),
            Some('"') => return Some(State::Quote),
            Some('`') => return Some(State::RawQuote),
            Some('$') => return Some(State::Variable),
            Some('\'') => return Some(State::Char),
            Some('.') => {
                if let Some(&b) = self.input.as_bytes().get(self.pos)
                    && !b.is_ascii_digit()
                {
                    return Some(State::Field);
                }
                self.backup();
                return Some(State::Number);
            }
            Some(c) if c == '+' || c == '-' || c.is_ascii_digit() => {
                self.backup();
                return Some(State::Number);
            }
            Some(c) if is_alpha_numeric(Some(c)) => {
                self.backup();
                return Some(State::Identifier);
            }
            Some('(') => {
                self.emit(ItemType::LeftParen);
                self.paren_depth += 1;
            }
            Some(')') => {
                self.emit(ItemType::RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf(format!("unexpected right paren {}", sharp_u(r)));
                }
            }
            Some(c) if c.is_ascii() && is_print(c) => self.emit(ItemType::Char),
            Some(_) => return self.errorf(format!("unrecognized character in action: {}", sharp_u(r))),
        }
        Some(State::InsideAction)
    }

    fn lex_space(&mut self) -> Option<State> {
        let mut num_spaces = 0;
        loop {
            let r = self.peek();
            if !is_space(r) {
                break;
            }
            self.next();
            num_spaces += 1;
        }
        let before = self.input.get(self.pos.saturating_sub(1)..).unwrap_or("");
        if has_right_trim_marker(before)
            && self
                .input
                .get(self.pos.saturating_sub(1) + TRIM_MARKER_LEN..)
                .is_some_and(|r| r.starts_with(&self.right_delim))
        {
            self.backup();
            if num_spaces == 1 {
                return Some(State::RightDelim);
            }
        }
        self.emit(ItemType::Space);
        Some(State::InsideAction)
    }

    fn lex_identifier(&mut self) -> Option<State> {
        loop {
            let r = self.next();
            if is_alpha_numeric(r) {
                continue;
            }
            self.backup();
            let word = self.input.get(self.start..self.pos).unwrap_or("");
            if !self.at_terminator() {
                return self.errorf(format!("bad character {}", sharp_u(r)));
            }
            let typ = match keyword(word) {
                Some(k) => k,
                None if word.starts_with('.') => ItemType::Field,
                None if word == "true" || word == "false" => ItemType::Bool,
                None => ItemType::Identifier,
            };
            self.emit(typ);
            return Some(State::InsideAction);
        }
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Option<State> {
        if self.at_terminator() {
            self.emit(if typ == ItemType::Variable { ItemType::Variable } else { ItemType::Dot });
            return Some(State::InsideAction);
        }
        let mut r;
        loop {
            r = self.next();
            if !is_alpha_numeric(r) {
                self.backup();
                break;
            }
        }
        if !self.at_terminator() {
            return self.errorf(format!("bad character {}", sharp_u(r)));
        }
        self.emit(typ);
        Some(State::InsideAction)
    }

    fn at_terminator(&mut self) -> bool {
        let r = self.peek();
        if is_space(r) {
            return true;
        }
        match r {
            None | Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(&self.right_delim),
        }
    }

    fn lex_char(&mut self) -> Option<State> {
        loop {
            match self.next() {
                Some('\\') => {
                    let r = self.next();
                    if r.is_some() && r != Some('\n') {
                        continue;
                    }
                    return self.errorf("unterminated character constant".into());
                }
                None | Some('\n') => return self.errorf("unterminated character constant".into()),
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(ItemType::CharConstant);
        Some(State::InsideAction)
    }

    fn lex_number(&mut self) -> Option<State> {
        if !self.scan_number() {
            let text = self.input.get(self.start..self.pos).unwrap_or("").to_string();
            return self.errorf(format!("bad number syntax: {}", go_quote(&text)));
        }
        let sign = self.peek();
        if sign == Some('+') || sign == Some('-') {
            if !self.scan_number() || self.input.as_bytes().get(self.pos.wrapping_sub(1)) != Some(&b'i') {
                let text = self.input.get(self.start..self.pos).unwrap_or("").to_string();
                return self.errorf(format!("bad number syntax: {}", go_quote(&text)));
            }
            self.emit(ItemType::Complex);
        } else {
            self.emit(ItemType::Number);
        }
        Some(State::InsideAction)
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 10 + 1 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 16 + 6 + 1 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        let p = self.peek();
        if is_alpha_numeric(p) {
            self.next();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> Option<State> {
        loop {
            match self.next() {
                Some('\\') => {
                    let r = self.next();
                    if r.is_some() && r != Some('\n') {
                        continue;
                    }
                    return self.errorf("unterminated quoted string".into());
                }
                None | Some('\n') => return self.errorf("unterminated quoted string".into()),
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(ItemType::String);
        Some(State::InsideAction)
    }

    fn lex_raw_quote(&mut self) -> Option<State> {
        loop {
            match self.next() {
                None => return self.errorf("unterminated raw quoted string".into()),
                Some('`') => break,
                _ => {}
            }
        }
        self.emit(ItemType::RawString);
        Some(State::InsideAction)
    }
}

fn count_newlines(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &str) -> Vec<(ItemType, String)> {
        let mut l = Lexer::new(input, "", "", false);
        let mut out = Vec::new();
        loop {
            let item = l.next_item();
            let typ = item.typ;
            out.push((typ, item.val));
            if matches!(typ, ItemType::Eof | ItemType::Error) {
                return out;
            }
        }
    }

    #[test]
    fn lexes_go_lex_test_cases() {
        use ItemType::*;
        let got = items("{{.x | printf \"%d\" 0x1F}}");
        let types: Vec<ItemType> = got.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            types,
            vec![LeftDelim, Field, Space, Pipe, Space, Identifier, Space, String, Space, Number, RightDelim, Eof]
        );
        assert_eq!(items("{{ -3 }}")[2], (Number, "-3".into()));
        assert_eq!(items("{{'a'}}")[1], (CharConstant, "'a'".into()));
        assert_eq!(items("{{3k}}")[1], (Error, "bad number syntax: \"3k\"".into()));
        assert_eq!(items("{{\"x}}")[1], (Error, "unterminated quoted string".into()));
        assert_eq!(items("hello-{{- 3 -}}-world")[0], (Text, "hello-".into()));
        assert_eq!(items("{{/* c */}}x")[0], (Text, "x".into()));
        assert_eq!(items("{{/* c */ x}}")[0], (Error, "comment ends before closing delimiter".into()));
        assert_eq!(items("{{#}}")[1], (Char, "#".into()));
        assert_eq!(items("{{\u{1}}}")[1], (Error, "unrecognized character in action: U+0001".into()));
        assert_eq!(items("{{ ( }}")[4], (Error, "unclosed left paren".into()));
        assert_eq!(items("{{ ) }}")[3], (Error, "unexpected right paren U+0029 ')'".into()));
    }
}
