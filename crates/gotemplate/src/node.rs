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
    String { pos: Pos, quoted: String, text: String },
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
