//! The parse tree, mirroring Go's `text/template/parse` node types, so the executor can follow
//! Go's `exec.go` case by case. Every node carries its [`Pos`]: the byte offset in the template
//! text, from which errors compute `line:col` the way Go's `ErrorContext` does.

/// Byte offset into the template source (Go's `parse.Pos`).
pub type Pos = usize;

/// A parsed template: Go's `parse.Tree`.
#[derive(Clone, Debug)]
pub struct Tree {
    /// The template's name (a file name, or the name of a `define`/`block`).
    pub name: String,
    /// The name of the top-level template this tree was parsed from (for error context: Go
    /// reports `template: PARSENAME:LINE:COL: ...`).
    pub parse_name: String,
    /// The whole source text the positions point into.
    pub text: std::rc::Rc<str>,
    pub root: List,
}

impl Tree {
    /// `(line, col)` of `pos` as Go's `ErrorContext` computes them: line is 1-based, col is the
    /// byte offset after the last newline before `pos` (0-based, as Go prints it).
    pub fn line_col(&self, pos: Pos) -> (usize, usize) {
        let pos = pos.min(self.text.len());
        let before = &self.text.as_bytes()[..pos];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let col = match before.iter().rposition(|&b| b == b'\n') {
            Some(nl) => pos - nl - 1,
            None => pos,
        };
        (line, col)
    }
}

/// A sequence of nodes (Go's `ListNode`).
#[derive(Clone, Debug, Default)]
pub struct List {
    pub pos: Pos,
    pub nodes: Vec<Node>,
}

/// A statement-level node.
#[derive(Clone, Debug)]
pub enum Node {
    /// Plain text (already trimmed by `{{-`/`-}}`).
    Text {
        pos: Pos,
        text: std::rc::Rc<str>,
    },
    /// `{{pipeline}}`: prints the pipeline's value unless it declares variables.
    Action {
        pos: Pos,
        line: usize,
        pipe: Pipe,
    },
    /// `{{/* ... */}}`: kept only when the parser is asked to (Go's `ParseComments`).
    Comment {
        pos: Pos,
        text: String,
    },
    If(Branch),
    Range(Branch),
    With(Branch),
    /// `{{template "name" pipeline}}` (and the expansion point of a `{{block}}`).
    Template {
        pos: Pos,
        line: usize,
        name: String,
        pipe: Option<Pipe>,
    },
    /// `{{break}}` inside a range.
    Break {
        pos: Pos,
        line: usize,
    },
    /// `{{continue}}` inside a range.
    Continue {
        pos: Pos,
        line: usize,
    },
}

/// The shared shape of `if`, `range` and `with` (Go's `BranchNode`). `else if` and `else with`
/// are parsed, as in Go, into an `else_list` holding a single nested `If`/`With`.
#[derive(Clone, Debug)]
pub struct Branch {
    pub pos: Pos,
    pub line: usize,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

/// A pipeline, with its optional variable declaration (Go's `PipeNode`): `$x := a | b`.
#[derive(Clone, Debug)]
pub struct Pipe {
    pub pos: Pos,
    pub line: usize,
    /// `=` (assignment to existing variables) rather than `:=` (declaration).
    pub is_assign: bool,
    /// The variables declared or assigned (at most two, for `range $i, $e := ...`).
    pub decl: Vec<Variable>,
    pub cmds: Vec<Command>,
}

/// A command: an operand followed by arguments (Go's `CommandNode`).
#[derive(Clone, Debug)]
pub struct Command {
    pub pos: Pos,
    pub args: Vec<Arg>,
}

/// A `$name.field...` reference (Go's `VariableNode`): `ident[0]` is the variable (`$` or
/// `$x`), the rest are field names.
#[derive(Clone, Debug)]
pub struct Variable {
    pub pos: Pos,
    pub ident: Vec<String>,
}

/// An operand (Go's argument node kinds).
#[derive(Clone, Debug)]
pub enum Arg {
    /// `.`
    Dot { pos: Pos },
    /// `nil`
    Nil { pos: Pos },
    /// `true`, `false`
    Bool { pos: Pos, value: bool },
    /// A number literal, with every interpretation Go's `NumberNode` records.
    Number(Number),
    /// A string literal (quoted or raw), unquoted.
    String { pos: Pos, quoted: String, text: std::rc::Rc<str> },
    /// `.a.b.c`: field chain on dot.
    Field { pos: Pos, ident: Vec<String> },
    /// `$x.a.b`
    Variable(Variable),
    /// A function name (`printf`, `len`, a registered function).
    Identifier { pos: Pos, name: String },
    /// `(pipeline).a.b` or `(pipeline)`: a parenthesised pipeline, optionally followed by a field
    /// chain (Go's `ChainNode` over a `PipeNode`).
    Pipe(Box<Pipe>),
    /// `X.a.b` where X is not a field/variable/dot (Go's `ChainNode`): e.g. `(pipe).a`.
    Chain { pos: Pos, node: Box<Arg>, field: Vec<String> },
}

/// A numeric constant (Go's `NumberNode`): the literal text and each type it fits.
#[derive(Clone, Debug)]
pub struct Number {
    pub pos: Pos,
    /// The literal as written (`0x1F`, `1_000`, `'a'`, `1e3`).
    pub text: String,
    pub is_int: bool,
    pub is_uint: bool,
    pub is_float: bool,
    pub is_complex: bool,
    pub int: i64,
    pub uint: u64,
    pub float: f64,
    /// The imaginary part when `is_complex` (the real part is `float`).
    pub imag: f64,
}

impl Arg {
    /// The node's position.
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::String { pos, .. }
            | Arg::Field { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Chain { pos, .. } => *pos,
            Arg::Number(n) => n.pos,
            Arg::Variable(v) => v.pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl std::fmt::Display for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for n in &self.nodes {
            write!(f, "{n}")?;
        }
        Ok(())
    }
}

impl Node {
    /// The node's position.
    pub fn pos(&self) -> Pos {
        match self {
            Node::Text { pos, .. }
            | Node::Action { pos, .. }
            | Node::Comment { pos, .. }
            | Node::Template { pos, .. }
            | Node::Break { pos, .. }
            | Node::Continue { pos, .. } => *pos,
            Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
        }
    }
}

/// Go's `String()` of nodes (used in execution errors: `executing "t" at <.a.b>`).
impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.fmt_node(f))
    }
}

impl Node {
    fn fmt_node(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let branch = |f: &mut std::fmt::Formatter<'_>, name: &str, b: &Branch| -> std::fmt::Result {
            write!(f, "{{{{{name} {}}}}}{}", b.pipe, b.list)?;
            if let Some(e) = &b.else_list {
                write!(f, "{{{{else}}}}{e}")?;
            }
            write!(f, "{{{{end}}}}")
        };
        match self {
            Node::Text { text, .. } => write!(f, "{text}"),
            Node::Action { pipe, .. } => write!(f, "{{{{{pipe}}}}}"),
            Node::Comment { text, .. } => write!(f, "{{{{{text}}}}}"),
            Node::If(b) => branch(f, "if", b),
            Node::Range(b) => branch(f, "range", b),
            Node::With(b) => branch(f, "with", b),
            Node::Template { name, pipe, .. } => match pipe {
                None => write!(f, "{{{{template {}}}}}", crate::lex::go_quote(name)),
                Some(p) => write!(f, "{{{{template {} {p}}}}}", crate::lex::go_quote(name)),
            },
            Node::Break { .. } => write!(f, "{{{{break}}}}"),
            Node::Continue { .. } => write!(f, "{{{{continue}}}}"),
        }
    }
}

impl std::fmt::Display for Pipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.fmt_pipe(f))
    }
}

impl Pipe {
    fn fmt_pipe(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{v}")?;
            }
            write!(f, " := ")?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            match a {
                Arg::Pipe(p) => write!(f, "({p})")?,
                a => write!(f, "{a}")?,
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.ident.join("."))
    }
}

impl std::fmt::Display for Arg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arg::Dot { .. } => write!(f, "."),
            Arg::Nil { .. } => write!(f, "nil"),
            Arg::Bool { value, .. } => write!(f, "{value}"),
            Arg::Number(n) => write!(f, "{}", n.text),
            Arg::String { quoted, .. } => write!(f, "{quoted}"),
            Arg::Field { ident, .. } => {
                for i in ident {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable(v) => write!(f, "{v}"),
            Arg::Identifier { name, .. } => write!(f, "{name}"),
            Arg::Pipe(p) => write!(f, "{p}"),
            Arg::Chain { node, field, .. } => {
                match node.as_ref() {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    n => write!(f, "{n}")?,
                }
                for i in field {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
        }
    }
}

/// Go's `parse.IsEmptyTree`: only whitespace text and comments.
pub fn is_empty_list(list: &List) -> bool {
    list.nodes.iter().all(|n| match n {
        Node::Text { text, .. } => text.trim_matches(|c: char| c.is_whitespace()).is_empty(),
        Node::Comment { .. } => true,
        _ => false,
    })
}

/// Moves the nested pipelines out of `args` onto `stack` (iterative drop).
fn take_nested(args: &mut [Arg], stack: &mut Vec<Pipe>) {
    for arg in args.iter_mut() {
        let mut cur = std::mem::replace(arg, Arg::Nil { pos: 0 });
        loop {
            match cur {
                Arg::Pipe(p) => {
                    stack.push(*p);
                    break;
                }
                Arg::Chain { node, .. } => cur = *node,
                _ => break,
            }
        }
    }
}

/// Deeply nested parenthesised pipelines would overflow the stack in a recursive drop: drop
/// them iteratively.
impl Drop for Pipe {
    fn drop(&mut self) {
        let mut stack = Vec::new();
        for cmd in self.cmds.iter_mut() {
            take_nested(&mut cmd.args, &mut stack);
        }
        while let Some(mut p) = stack.pop() {
            for cmd in p.cmds.iter_mut() {
                take_nested(&mut cmd.args, &mut stack);
            }
        }
    }
}

/// Deeply nested `if`/`range`/`with` would overflow the stack in a recursive drop: drop them
/// iteratively.
impl Drop for List {
    fn drop(&mut self) {
        let mut stack: Vec<List> = Vec::new();
        let take = |nodes: &mut Vec<Node>, stack: &mut Vec<List>| {
            for n in nodes.iter_mut() {
                if let Node::If(b) | Node::Range(b) | Node::With(b) = n {
                    stack.push(std::mem::take(&mut b.list));
                    if let Some(e) = b.else_list.take() {
                        stack.push(e);
                    }
                }
            }
        };
        take(&mut self.nodes, &mut stack);
        while let Some(mut l) = stack.pop() {
            let mut nodes = std::mem::take(&mut l.nodes);
            take(&mut nodes, &mut stack);
        }
    }
}
