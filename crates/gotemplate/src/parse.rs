//! Go's parser (`text/template/parse/parse.go`): the same trees, the same error messages, the
//! same line numbers in them.

use std::collections::HashMap;
use std::rc::Rc;

use crate::lex::{Item, ItemType, Lexer, go_quote};
use crate::node::{Arg, Branch, Command, List, Node, Number, Pipe, Pos, Tree, Variable, is_empty_list};

/// A parse error: Go's message, `template: NAME:LINE: MSG`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(pub String);

type PResult<T> = Result<T, ParseError>;

/// What the parser needs to know from outside: the delimiters and which functions exist.
pub struct ParseOptions<'f> {
    pub left_delim: &'f str,
    pub right_delim: &'f str,
    /// Whether a function name is defined (registry or builtin); Go checks at parse time.
    pub has_function: &'f dyn Fn(&str) -> bool,
    /// Keep comments as nodes (Go's `ParseComments`).
    pub parse_comments: bool,
}

struct Shared<'a, 'f> {
    lex: Lexer<'a>,
    text: Rc<str>,
    parse_name: String,
    opts: &'f ParseOptions<'f>,
    tree_set: HashMap<String, Tree>,
}

/// Results of `textOrAction`: a node, or the `{{end}}`/`{{else}}` markers.
enum Parsed {
    Node(Node),
    End,
    Else { pos: Pos },
}

struct TreeParser<'s, 'a, 'f> {
    sh: &'s mut Shared<'a, 'f>,
    name: String,
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
}

fn zero_item() -> Item {
    Item { typ: ItemType::Error, pos: 0, val: String::new(), line: 0 }
}

/// Go's `parse.Parse`: the trees defined by `text` (the top-level one under `name` plus every
/// `define`/`block`), keyed by name.
pub fn parse(name: &str, text: &str, opts: &ParseOptions<'_>) -> Result<HashMap<String, Tree>, ParseError> {
    let mut sh = Shared {
        lex: Lexer::new(text, opts.left_delim, opts.right_delim, opts.parse_comments),
        text: Rc::from(text),
        parse_name: name.to_string(),
        opts,
        tree_set: HashMap::new(),
    };
    let mut t = TreeParser::new(&mut sh, name.to_string());
    let root = t.parse()?;
    t.add(root)?;
    Ok(sh.tree_set)
}

impl<'s, 'a, 'f> TreeParser<'s, 'a, 'f> {
    fn new(sh: &'s mut Shared<'a, 'f>, name: String) -> Self {
        TreeParser {
            sh,
            name,
            token: [zero_item(), zero_item(), zero_item()],
            peek_count: 0,
            vars: vec!["$".to_string()],
            action_line: 0,
            range_depth: 0,
        }
    }

    fn next(&mut self) -> Item {
        if self.peek_count > 0 {
            self.peek_count -= 1;
        } else {
            self.token[0] = self.sh.lex.next_item();
        }
        self.token[self.peek_count].clone()
    }

    fn backup(&mut self) {
        self.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.token[1] = t1;
        self.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.token[1] = t1;
        self.token[2] = t2;
        self.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.peek_count > 0 {
            return self.token[self.peek_count - 1].clone();
        }
        self.peek_count = 1;
        self.token[0] = self.sh.lex.next_item();
        self.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let token = self.next();
            if token.typ != ItemType::Space {
                return token;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let token = self.next_non_space();
        self.backup();
        token
    }

    fn errorf<T>(&self, msg: impl std::fmt::Display) -> PResult<T> {
        Err(ParseError(format!("template: {}:{}: {}", self.sh.parse_name, self.token[0].line, msg)))
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> PResult<Item> {
        let token = self.next_non_space();
        if token.typ != expected {
            return self.unexpected(&token, context);
        }
        Ok(token)
    }

    fn expect_one_of(&mut self, e1: ItemType, e2: ItemType, context: &str) -> PResult<Item> {
        let token = self.next_non_space();
        if token.typ != e1 && token.typ != e2 {
            return self.unexpected(&token, context);
        }
        Ok(token)
    }

    fn unexpected<T>(&self, token: &Item, context: &str) -> PResult<T> {
        if token.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.sh.parse_name, self.action_line);
                if token.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{token}{extra}"));
        }
        self.errorf(format!("unexpected {token} in {context}"))
    }

    fn add(&mut self, root: List) -> PResult<()> {
        let replace = match self.sh.tree_set.get(&self.name) {
            None => true,
            Some(tree) => is_empty_list(&tree.root),
        };
        if replace {
            let tree = Tree {
                name: self.name.clone(),
                parse_name: self.sh.parse_name.clone(),
                text: self.sh.text.clone(),
                root,
            };
            self.sh.tree_set.insert(self.name.clone(), tree);
            return Ok(());
        }
        if !is_empty_list(&root) {
            return self.errorf(format!("template: multiple definition of template {}", go_quote(&self.name)));
        }
        Ok(())
    }

    fn parse(&mut self) -> PResult<List> {
        let mut root = List { pos: self.peek().pos, nodes: Vec::new() };
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let name = "definition".to_string();
                    let mut new_t = TreeParser::new(self.sh, name);
                    new_t.parse_definition()?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::End => return self.errorf("unexpected {{end}}"),
                Parsed::Else { .. } => return self.errorf("unexpected {{else}}"),
                Parsed::Node(n) => root.nodes.push(n),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> PResult<()> {
        let context = "define clause";
        let name = self.expect_one_of(ItemType::String, ItemType::RawString, context)?;
        match unquote(&name.val) {
            Some(n) => self.name = n,
            None => return self.errorf("invalid syntax"),
        }
        self.expect(ItemType::RightDelim, context)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return self.errorf(format!("unexpected {} in {context}", parsed_string(&end)));
        }
        self.add(root)
    }

    fn item_list(&mut self) -> PResult<(List, Parsed)> {
        let mut list = List { pos: self.peek_non_space().pos, nodes: Vec::new() };
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.nodes.push(n),
                other => return Ok((list, other)),
            }
        }
        self.errorf("unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text { pos: token.pos, text: Rc::from(token.val.as_str()) })),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let r = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.action());
                self.action_line = 0;
                r
            }
            ItemType::Comment => Ok(Parsed::Node(Node::Comment { pos: token.pos, text: token.val })),
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> PResult<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Block => return self.block_control(),
            ItemType::Break => return self.break_control(token.pos, token.line, true),
            ItemType::Continue => return self.break_control(token.pos, token.line, false),
            ItemType::Else => return self.else_control(),
            ItemType::End => return self.end_control(),
            ItemType::If => return self.if_control(),
            ItemType::Range => return self.range_control(),
            ItemType::Template => return self.template_control(),
            ItemType::With => return self.with_control(),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action { pos: token.pos, line: token.line, pipe }))
    }

    fn break_control(&mut self, pos: Pos, line: usize, is_break: bool) -> PResult<Parsed> {
        let name = if is_break { "{{break}}" } else { "{{continue}}" };
        let token = self.next_non_space();
        if token.typ != ItemType::RightDelim {
            return self.unexpected(&token, name);
        }
        if self.range_depth == 0 {
            return self.errorf(format!("{name} outside {{{{range}}}}"));
        }
        Ok(Parsed::Node(if is_break { Node::Break { pos, line } } else { Node::Continue { pos, line } }))
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> PResult<Pipe> {
        let token = self.peek_non_space();
        let mut pipe = Pipe { pos: token.pos, line: token.line, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        'decls: loop {
            let v = self.peek_non_space();
            if v.typ == ItemType::Variable {
                self.next();
                let token_after_variable = self.peek();
                let next = self.peek_non_space();
                if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(Variable { pos: v.pos, ident: vec![v.val.clone()] });
                    self.vars.push(v.val);
                } else if next.typ == ItemType::Char && next.val == "," {
                    self.next_non_space();
                    pipe.decl.push(Variable { pos: v.pos, ident: vec![v.val.clone()] });
                    self.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => continue 'decls,
                            _ => return self.errorf("range can only initialize variables"),
                        }
                    }
                    return self.errorf(format!("too many declarations in {context}"));
                } else if token_after_variable.typ == ItemType::Space {
                    self.backup3(v, token_after_variable);
                } else {
                    self.backup2(v);
                }
            }
            break;
        }
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Complex
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> PResult<()> {
        if pipe.cmds.is_empty() {
            return self.errorf(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(Arg::Bool { .. } | Arg::Dot { .. } | Arg::Nil { .. } | Arg::Number(_) | Arg::String { .. }) =
                c.args.first()
            {
                return self.errorf(format!("non executable command in pipeline stage {}", i + 1));
            }
        }
        Ok(())
    }

    /// Go's `parseControl`; `else_kind` is the keyword allowed after `else` (`if` for if, `with`
    /// for with as in Go 1.23).
    fn parse_control(&mut self, else_kind: Option<ItemType>, context: &str) -> PResult<Branch> {
        let mark = self.vars.len();
        let r = self.parse_control_inner(else_kind, context);
        self.vars.truncate(mark);
        r
    }

    fn parse_control_inner(&mut self, else_kind: Option<ItemType>, context: &str) -> PResult<Branch> {
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, next) = r?;
        let mut else_list = None;
        match next {
            Parsed::End => {}
            Parsed::Else { pos, .. } => {
                let mut handled = false;
                if let Some(kind) = else_kind
                    && self.peek().typ == kind
                {
                    self.next();
                    let nested = if kind == ItemType::If { self.if_control()? } else { self.with_control()? };
                    let Parsed::Node(n) = nested else {
                        return self.errorf("internal error: else chain");
                    };
                    else_list = Some(List { pos, nodes: vec![n] });
                    handled = true;
                }
                if !handled {
                    let (el, next) = self.item_list()?;
                    if !matches!(next, Parsed::End) {
                        return self.errorf(format!("expected end; found {}", parsed_string(&next)));
                    }
                    else_list = Some(el);
                }
            }
            Parsed::Node(_) => {}
        }
        Ok(Branch { pos: pipe.pos, line: pipe.line, pipe, list, else_list })
    }

    fn if_control(&mut self) -> PResult<Parsed> {
        Ok(Parsed::Node(Node::If(self.parse_control(Some(ItemType::If), "if")?)))
    }

    fn range_control(&mut self) -> PResult<Parsed> {
        Ok(Parsed::Node(Node::Range(self.parse_control(None, "range")?)))
    }

    fn with_control(&mut self) -> PResult<Parsed> {
        Ok(Parsed::Node(Node::With(self.parse_control(Some(ItemType::With), "with")?)))
    }

    fn end_control(&mut self) -> PResult<Parsed> {
        self.expect(ItemType::RightDelim, "end")?;
        Ok(Parsed::End)
    }

    fn else_control(&mut self) -> PResult<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else { pos: peek.pos });
        }
        let token = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else { pos: token.pos })
    }

    fn block_control(&mut self) -> PResult<Parsed> {
        let context = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let end = {
            let mut block = TreeParser::new(self.sh, name.clone());
            let (root, end) = block.item_list()?;
            if matches!(end, Parsed::End) {
                block.add(root)?;
                None
            } else {
                Some(end)
            }
        };
        if let Some(end) = end {
            return self.errorf(format!("unexpected {} in {context}", parsed_string(&end)));
        }
        Ok(Parsed::Node(Node::Template { pos: token.pos, line: token.line, name, pipe: Some(pipe) }))
    }

    fn template_control(&mut self) -> PResult<Parsed> {
        let context = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, context)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemType::RightDelim)?);
        }
        Ok(Parsed::Node(Node::Template { pos: token.pos, line: token.line, name, pipe }))
    }

    fn parse_template_name(&mut self, token: &Item, context: &str) -> PResult<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Some(s) => Ok(s),
                None => self.errorf("invalid syntax"),
            },
            _ => self.unexpected(token, context),
        }
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command { pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let token = self.next();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.errorf("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ == ItemType::Field {
            let chain_pos = self.peek().pos;
            let mut fields = Vec::new();
            while self.peek().typ == ItemType::Field {
                let v = self.next().val;
                // Go's ChainNode.Add: strip the leading '.'; a field with several dots cannot
                // come from the lexer.
                fields.push(v.trim_start_matches('.').to_string());
            }
            return Ok(Some(match node {
                Arg::Field { mut ident, .. } => {
                    ident.extend(fields);
                    Arg::Field { pos: chain_pos, ident }
                }
                Arg::Variable(mut v) => {
                    v.ident.extend(fields);
                    Arg::Variable(Variable { pos: chain_pos, ident: v.ident })
                }
                Arg::Bool { .. } | Arg::String { .. } | Arg::Number(_) | Arg::Nil { .. } | Arg::Dot { .. } => {
                    return self.errorf(format!("unexpected . after term {}", go_quote(&node.to_string())));
                }
                other => Arg::Chain { pos: chain_pos, node: Box::new(other), field: fields },
            }));
        }
        Ok(Some(node))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let token = self.next_non_space();
        Ok(Some(match token.typ {
            ItemType::Identifier => {
                if !(self.sh.opts.has_function)(&token.val) {
                    return self.errorf(format!("function {} not defined", go_quote(&token.val)));
                }
                Arg::Identifier { pos: token.pos, name: token.val }
            }
            ItemType::Dot => Arg::Dot { pos: token.pos },
            ItemType::Nil => Arg::Nil { pos: token.pos },
            ItemType::Variable => {
                let ident: Vec<String> = split_fields(&token.val);
                let first = ident.first().cloned().unwrap_or_default();
                if !self.vars.contains(&first) {
                    return self.errorf(format!("undefined variable {}", go_quote(&first)));
                }
                Arg::Variable(Variable { pos: token.pos, ident })
            }
            ItemType::Field => Arg::Field { pos: token.pos, ident: split_fields(token.val.trim_start_matches('.')) },
            ItemType::Bool => Arg::Bool { pos: token.pos, value: token.val == "true" },
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                match new_number(token.pos, &token.val, token.typ) {
                    Ok(n) => Arg::Number(n),
                    Err(e) => return self.errorf(e),
                }
            }
            ItemType::LeftParen => {
                let p = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || {
                    self.pipeline("parenthesized pipeline", ItemType::RightParen)
                })?;
                Arg::Pipe(Box::new(p))
            }
            ItemType::String | ItemType::RawString => match unquote(&token.val) {
                Some(s) => Arg::String { pos: token.pos, quoted: token.val, text: Rc::from(s.as_str()) },
                None => return self.errorf("invalid syntax"),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

/// Go's `strings.Split(ident, ".")` as `newField`/`newVariable` do (a field's leading dot is
/// stripped first).
fn split_fields(s: &str) -> Vec<String> {
    s.split('.').map(str::to_string).collect()
}

fn parsed_string(p: &Parsed) -> String {
    match p {
        Parsed::End => "{{end}}".into(),
        Parsed::Else { .. } => "{{else}}".into(),
        Parsed::Node(n) => n.to_string(),
    }
}

/// Go's `strconv.Unquote` for the literals the lexer produces (double-quoted or raw); `None` is
/// Go's `ErrSyntax`.
pub fn unquote(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 2 {
        return None;
    }
    let quote = b[0];
    if quote != b[b.len() - 1] {
        return None;
    }
    let inner = &s[1..s.len() - 1];
    match quote {
        b'`' => {
            if inner.contains('`') {
                return None;
            }
            Some(inner.replace('\r', ""))
        }
        b'"' | b'\'' => {
            let q = quote as char;
            if !inner.contains('\\') && !inner.contains(q) {
                if quote == b'\'' && inner.chars().count() != 1 {
                    return None;
                }
                return Some(inner.to_string());
            }
            let mut out = String::new();
            let mut rest = inner;
            while !rest.is_empty() {
                let (c, tail) = unquote_char(rest, q)?;
                out.push(c);
                rest = tail;
                if quote == b'\'' && !rest.is_empty() {
                    return None;
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Go's `strconv.UnquoteChar`: the first character of `s` (decoding an escape) and the rest.
/// Bytes escapes above 0x7f (`\xff`, `\377`) cannot be held in a Rust string: they decode to
/// U+FFFD.
pub fn unquote_char(s: &str, quote: char) -> Option<(char, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c == quote && (quote == '\'' || quote == '"') {
        return None;
    }
    if c != '\\' {
        return Some((c, chars.as_str()));
    }
    let c = chars.next()?;
    let rest = chars.as_str();
    let simple = match c {
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '\'' | '"' => {
            if c != quote {
                return None;
            }
            Some(c)
        }
        _ => None,
    };
    if let Some(v) = simple {
        return Some((v, rest));
    }
    match c {
        'x' | 'u' | 'U' => {
            let n = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..n)?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let v = u32::from_str_radix(digits, 16).ok()?;
            let tail = &rest[n..];
            if c == 'x' {
                return Some((if v < 0x80 { char::from_u32(v)? } else { '\u{fffd}' }, tail));
            }
            Some((char::from_u32(v)?, tail))
        }
        '0'..='7' => {
            let digits = s.get(1..4)?;
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return None;
            }
            let v = u32::from_str_radix(digits, 8).ok()?;
            if v > 255 {
                return None;
            }
            Some((if v < 0x80 { char::from_u32(v)? } else { '\u{fffd}' }, &s[4..]))
        }
        _ => None,
    }
}

/// Go's `underscoreOK` (strconv): underscores only between digits or after a base prefix; a
/// leading sign is skipped.
pub fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let b = if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') { &b[1..] } else { b };
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || hex && c.is_ascii_hexdigit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
pub fn parse_uint0(s0: &str) -> Option<u64> {
    if s0.is_empty() {
        return None;
    }
    let mut s = s0;
    let mut base = 10u64;
    if s.as_bytes()[0] == b'0' {
        let b = s.as_bytes();
        if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'b') {
            base = 2;
            s = &s[2..];
        } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'o') {
            base = 8;
            s = &s[2..];
        } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'x') {
            base = 16;
            s = &s[2..];
        } else {
            base = 8;
            s = &s[1..];
        }
    }
    let mut n: u64 = 0;
    let mut underscores = false;
    for c in s.bytes() {
        if c == b'_' {
            underscores = true;
            continue;
        }
        let d = match c {
            b'0'..=b'9' => (c - b'0') as u64,
            b'a'..=b'z' => (c - b'a' + 10) as u64,
            b'A'..=b'Z' => (c - b'A' + 10) as u64,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(d)?;
    }
    if underscores && !underscore_ok(s0) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub fn parse_int0(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint0(body)?;
    if neg {
        if u > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((u as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(u).ok()
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the texts the lexer produces (decimal and hex floats,
/// underscores); out-of-range values are errors as in Go.
pub fn parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'+') => (false, &clean[1..]),
        Some(b'-') => (true, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let lower = body.to_ascii_lowercase();
    let v = if let Some(hex) = lower.strip_prefix("0x") {
        let (mant, exp) = hex.split_once('p')?;
        let exp: i32 = exp.parse().ok()?;
        let (int_part, frac_part) = match mant.split_once('.') {
            Some((a, b)) => (a, b),
            None => (mant, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let mut m = 0f64;
        for c in int_part.chars().chain(frac_part.chars()) {
            m = m * 16.0 + c.to_digit(16)? as f64;
        }
        let e = exp.checked_sub(4 * frac_part.len() as i32)?;
        m * 2f64.powi(e)
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// Go's `newNumber`.
pub fn new_number(pos: Pos, text: &str, typ: ItemType) -> Result<Number, String> {
    let mut n = Number {
        pos,
        text: text.to_string(),
        is_int: false,
        is_uint: false,
        is_float: false,
        is_complex: false,
        int: 0,
        uint: 0,
        float: 0.0,
        imag: 0.0,
    };
    match typ {
        ItemType::CharConstant => {
            let inner = text.get(1..).unwrap_or("");
            let Some((r, tail)) = unquote_char(inner, '\'') else {
                return Err("invalid syntax".into());
            };
            if tail != "'" {
                return Err(format!("malformed character constant: {text}"));
            }
            n.int = r as i64;
            n.is_int = true;
            n.uint = r as u64;
            n.is_uint = true;
            n.float = r as u32 as f64;
            n.is_float = true;
            return Ok(n);
        }
        ItemType::Complex => {
            let t = text.trim_start_matches('(').trim_end_matches(')');
            let body = t.strip_suffix('i').ok_or_else(|| "expected imaginary part".to_string())?;
            let bytes = body.as_bytes();
            let split = (1..bytes.len())
                .rev()
                .find(|&i| matches!(bytes[i], b'+' | b'-') && !matches!(bytes[i - 1], b'e' | b'E' | b'p' | b'P'))
                .ok_or_else(|| "expected imaginary part".to_string())?;
            let re = parse_float(&body[..split]).ok_or_else(|| "strconv.ParseFloat: invalid syntax".to_string())?;
            let im = parse_float(&body[split..]).ok_or_else(|| "strconv.ParseFloat: invalid syntax".to_string())?;
            n.is_complex = true;
            n.float = re;
            n.imag = im;
            simplify_complex(&mut n);
            return Ok(n);
        }
        _ => {}
    }
    if let Some(body) = text.strip_suffix('i')
        && let Some(f) = parse_float(body)
    {
        n.is_complex = true;
        n.float = 0.0;
        n.imag = f;
        simplify_complex(&mut n);
        return Ok(n);
    }
    let u = parse_uint0(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint = u;
    }
    if let Some(i) = parse_int0(text) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
            n.uint = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float = n.uint as f64;
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", go_quote(text)));
        }
        n.is_float = true;
        n.float = f;
        if !n.is_int && f.fract() == 0.0 && (-9.223372036854776e18..9.223372036854776e18).contains(&f) {
            n.is_int = true;
            n.int = f as i64;
        }
        if !n.is_uint && f.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&f) {
            n.is_uint = true;
            n.uint = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!("illegal number syntax: {}", go_quote(text)));
    }
    Ok(n)
}

fn simplify_complex(n: &mut Number) {
    n.is_float = n.imag == 0.0;
    if n.is_float {
        let f = n.float;
        n.is_int = f.fract() == 0.0 && (-9.223372036854776e18..9.223372036854776e18).contains(&f);
        if n.is_int {
            n.int = f as i64;
        }
        n.is_uint = f.fract() == 0.0 && (0.0..1.8446744073709552e19).contains(&f);
        if n.is_uint {
            n.uint = f as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_strconv() {
        let n = new_number(0, "0x1F", ItemType::Number).unwrap();
        assert!(n.is_int && n.int == 31);
        let n = new_number(0, "0o17", ItemType::Number).unwrap();
        assert_eq!(n.int, 15);
        let n = new_number(0, "017", ItemType::Number).unwrap();
        assert_eq!(n.int, 15);
        let n = new_number(0, "1_000", ItemType::Number).unwrap();
        assert_eq!(n.int, 1000);
        let n = new_number(0, "1e3", ItemType::Number).unwrap();
        assert!(n.is_int && n.is_float && n.int == 1000);
        let n = new_number(0, "0x1p-2", ItemType::Number).unwrap();
        assert_eq!(n.float, 0.25);
        assert!(new_number(0, "1__0", ItemType::Number).is_err());
        assert_eq!(
            new_number(0, "99999999999999999999", ItemType::Number).unwrap_err(),
            "integer overflow: \"99999999999999999999\""
        );
        let n = new_number(0, "'a'", ItemType::CharConstant).unwrap();
        assert_eq!(n.int, 97);
    }

    #[test]
    fn unquote_is_strconv() {
        assert_eq!(unquote(r#""a\tb""#).as_deref(), Some("a\tb"));
        assert_eq!(unquote(r#""\u00e9""#).as_deref(), Some("é"));
        assert_eq!(unquote("`a\r\nb`").as_deref(), Some("a\nb"));
        assert_eq!(unquote(r#""\q""#), None);
        assert_eq!(unquote(r#""\'""#), None);
    }
}
