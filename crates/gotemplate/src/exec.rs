//! Go's executor (`text/template/exec.go`), function for function.

use std::rc::Rc;

use crate::Error;
pub use crate::funcs::RV;
use crate::funcs::{Arity, Builtin, CallContext, Func, FuncError, TemplateSet, call_builtin, rv_type};
use crate::node::{Arg, Branch, Command, List, Node, Number, Pipe, Tree, Variable};
use crate::value::Value;

/// Go's maximum `{{template}}` nesting (`maxExecDepth`).
pub const MAX_EXEC_DEPTH: usize = 100000;

/// Go's `missingkey` option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: a missing key is "no value" (prints `<no value>`).
    #[default]
    Default,
    /// `missingkey=zero`: the zero value of the map's element type (nil for interface maps).
    Zero,
    /// `missingkey=error`: execution stops with an error.
    Error,
}

/// What the executor needs of the template it runs: its name, options, functions and the other
/// templates of its set. Implemented by [`Template`](crate::Template), the public API, which
/// sits above this module (it executes itself through [`execute`]); the executor knows it only
/// through this trait (and [`TemplateSet`], what the functions it calls see of it).
pub(crate) trait ExecTemplate: TemplateSet + Clone + 'static {
    /// The template's name (for error messages).
    fn name(&self) -> &str;
    /// The set's `missingkey` option.
    fn missing_key(&self) -> MissingKey;
    /// The template `name` of the set (a handle on it) and its tree.
    fn lookup_tree(&self, name: &str) -> Option<(Self, Rc<Tree>)>;
    /// The registered function `name` (builtins are not registered).
    fn func(&self, name: &str) -> Option<Func>;
}

/// The node an error is reported at (Go's `state.node`).
#[derive(Clone, Copy)]
enum At<'n> {
    None,
    Node(&'n Node),
    Pipe(&'n Pipe),
    Arg(&'n Arg),
    Cmd(&'n Command),
    Var(&'n Variable),
}

impl At<'_> {
    fn pos_and_text(&self) -> Option<(usize, String)> {
        Some(match self {
            At::None => return None,
            At::Node(n) => (n.pos(), n.to_string()),
            At::Pipe(p) => (p.pos, p.to_string()),
            At::Arg(a) => (a.pos(), a.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Var(v) => (v.pos, v.to_string()),
        })
    }
}

/// Control flow out of a walk: an error, or `{{break}}`/`{{continue}}`.
pub(crate) enum Ctl {
    Err(Box<Error>),
    Break,
    Continue,
}

impl From<Error> for Ctl {
    fn from(e: Error) -> Ctl {
        Ctl::Err(Box::new(e))
    }
}

type R<T> = Result<T, Ctl>;

pub(crate) struct State<'n, 'o, S: ExecTemplate> {
    pub tmpl: S,
    pub tree: &'n Tree,
    pub out: &'o mut String,
    pub vars: Vec<(String, RV)>,
    pub depth: usize,
    pub missing_key: MissingKey,
    at: At<'n>,
}

/// Executes `tree` as template `tmpl` with `data` (Go's `Template.execute`).
pub(crate) fn execute<S: ExecTemplate>(tmpl: &S, tree: &Tree, out: &mut String, data: &Value) -> Result<(), Error> {
    let dot = RV::direct(data.clone());
    let mut st = State {
        tmpl: tmpl.clone(),
        tree,
        out,
        vars: vec![("$".to_string(), dot.clone())],
        depth: 0,
        missing_key: tmpl.missing_key(),
        at: At::None,
    };
    match st.walk_list(&dot, &tree.root) {
        Ok(()) => Ok(()),
        Err(Ctl::Err(e)) => Err(*e),
        Err(_) => Ok(()),
    }
}

fn is_hex_int(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') && !s.contains(['p', 'P'])
}

impl<'n, S: ExecTemplate> State<'n, '_, S> {
    fn at(&mut self, at: At<'n>) {
        self.at = at;
    }

    fn errorf<T>(&self, msg: impl std::fmt::Display) -> R<T> {
        let name = self.tmpl.name().to_string();
        let message = match self.at.pos_and_text() {
            None => format!("template: {name}: {msg}"),
            Some((pos, context)) => {
                let (line, col) = self.tree.line_col(pos);
                format!(
                    "template: {}:{line}:{col}: executing {} at <{context}>: {msg}",
                    self.tree.parse_name,
                    crate::lex::go_quote(&name)
                )
            }
        };
        Err(Ctl::Err(Box::new(Error::Exec { name, message })))
    }

    fn push(&mut self, name: &str, v: RV) {
        self.vars.push((name.to_string(), v));
    }

    fn set_var(&mut self, name: &str, v: RV) -> R<()> {
        for slot in self.vars.iter_mut().rev() {
            if slot.0 == name {
                slot.1 = v;
                return Ok(());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn var_value(&self, name: &str) -> R<RV> {
        for slot in self.vars.iter().rev() {
            if slot.0 == name {
                return Ok(slot.1.clone());
            }
        }
        self.errorf(format!("undefined variable: {name}"))
    }

    fn walk_list(&mut self, dot: &RV, list: &'n List) -> R<()> {
        for node in &list.nodes {
            self.walk(dot, node)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &RV, node: &'n Node) -> R<()> {
        stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.walk_inner(dot, node))
    }

    fn walk_inner(&mut self, dot: &RV, node: &'n Node) -> R<()> {
        self.at(At::Node(node));
        match node {
            Node::Action { pipe, .. } => {
                let val = self.eval_pipeline(dot, Some(pipe))?;
                if pipe.decl.is_empty() {
                    self.at(At::Node(node));
                    if val.is_invalid() || matches!(val.v, Value::Nil) {
                        self.out.push_str("<no value>");
                    } else {
                        self.out.push_str(&crate::fmt::format_v(&val.v));
                    }
                }
                Ok(())
            }
            Node::Break { .. } => Err(Ctl::Break),
            Node::Continue { .. } => Err(Ctl::Continue),
            Node::Comment { .. } => Ok(()),
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template { name, pipe, .. } => self.walk_template(dot, node, name, pipe.as_ref()),
            Node::Text { text, .. } => {
                self.out.push_str(text);
                Ok(())
            }
        }
    }

    fn walk_if_or_with(&mut self, is_with: bool, dot: &RV, b: &'n Branch) -> R<()> {
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, Some(&b.pipe))?;
            if val.v.truthy() {
                if is_with { self.walk_list(&val, &b.list) } else { self.walk_list(dot, &b.list) }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &RV, node: &'n Node, r: &'n Branch) -> R<()> {
        self.at(At::Node(node));
        let outer = self.vars.len();
        let res = self.walk_range_inner(dot, r);
        self.vars.truncate(outer);
        match res {
            Err(Ctl::Break) => Ok(()),
            other => other,
        }
    }

    fn one_iteration(&mut self, r: &'n Branch, mark: usize, index: RV, elem: RV) -> R<()> {
        let n = self.vars.len();
        if !r.pipe.decl.is_empty() && n >= 1 {
            self.vars[n - 1].1 = elem.clone();
        }
        if r.pipe.decl.len() > 1 && n >= 2 {
            self.vars[n - 2].1 = index;
        }
        let res = self.walk_list(&elem, &r.list);
        self.vars.truncate(mark);
        match res {
            Err(Ctl::Continue) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(&mut self, dot: &RV, r: &'n Branch) -> R<()> {
        let val = self.eval_pipeline(dot, Some(&r.pipe))?;
        let mark = self.vars.len();
        match &val.v {
            Value::List(items) => {
                if !items.is_empty() {
                    for (i, item) in items.iter().enumerate() {
                        self.one_iteration(
                            r,
                            mark,
                            RV::direct(Value::Int(i as i64)),
                            RV { v: item.clone(), iface: true },
                        )?;
                    }
                    return Ok(());
                }
            }
            Value::Map(m) => {
                let entries: Vec<(String, Value)> = m.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                if !entries.is_empty() {
                    for (k, v) in entries {
                        self.one_iteration(r, mark, RV::direct(Value::string(k)), RV { v, iface: true })?;
                    }
                    return Ok(());
                }
            }
            Value::Object(o) if o.range_entries().is_some() => {
                let entries = o.range_entries().unwrap_or_default();
                if !entries.is_empty() {
                    for (k, v) in entries {
                        self.one_iteration(r, mark, RV::direct(k), RV { v, iface: true })?;
                    }
                    return Ok(());
                }
            }
            // Go 1.22: range over an integer.
            Value::Int(_) | Value::Uint(_) | Value::Uint8(_) => {
                if r.pipe.decl.len() > 1 {
                    return self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        crate::fmt::format_v(&val.v)
                    ));
                }
                let n: u64 = match val.v {
                    Value::Int(i) => i.max(0) as u64,
                    Value::Uint(u) => u,
                    Value::Uint8(u) => u64::from(u),
                    _ => 0,
                };
                if n > 0 {
                    for i in 0..n {
                        let v = match val.v {
                            Value::Uint(_) => Value::Uint(i),
                            Value::Uint8(_) => Value::Uint8(i as u8),
                            _ => Value::Int(i as i64),
                        };
                        self.one_iteration(r, mark, RV::direct(v.clone()), RV::direct(v))?;
                    }
                    return Ok(());
                }
            }
            Value::Nil => {}
            _ => return self.errorf(format!("range can't iterate over {}", crate::fmt::format_v(&val.v))),
        }
        if let Some(e) = &r.else_list {
            self.walk_list(dot, e)?;
        }
        Ok(())
    }

    fn walk_template(&mut self, dot: &RV, node: &'n Node, name: &str, pipe: Option<&'n Pipe>) -> R<()> {
        self.at(At::Node(node));
        let Some((tmpl, tree)) = self.tmpl.lookup_tree(name) else {
            return self.errorf(format!("template {} not defined", crate::lex::go_quote(name)));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return self.errorf(format!("exceeded maximum template depth ({MAX_EXEC_DEPTH})"));
        }
        let dot = self.eval_pipeline(dot, pipe)?;
        let mut st = State {
            tmpl,
            tree: &tree,
            out: &mut *self.out,
            vars: vec![("$".to_string(), dot.clone())],
            depth: self.depth + 1,
            missing_key: self.missing_key,
            at: At::None,
        };
        match st.walk_list(&dot, &tree.root) {
            Err(Ctl::Err(e)) => Err(Ctl::Err(e)),
            _ => Ok(()),
        }
    }

    fn eval_pipeline(&mut self, dot: &RV, pipe: Option<&'n Pipe>) -> R<RV> {
        let Some(pipe) = pipe else { return Ok(RV::invalid()) };
        self.at(At::Pipe(pipe));
        let mut value: Option<RV> = None;
        for cmd in &pipe.cmds {
            let mut v = stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.eval_command(dot, cmd, value.take()))?;
            v.iface = false;
            value = Some(v);
        }
        let value = value.unwrap_or_else(RV::invalid);
        for var in &pipe.decl {
            let name = var.ident.first().map(String::as_str).unwrap_or("$");
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.push(name, value.clone());
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &'n [Arg], fin: &Option<RV>) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            let first = args.first().map(|a| a.to_string()).unwrap_or_default();
            return self.errorf(format!("can't give argument to non-function {first}"));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &RV, cmd: &'n Command, fin: Option<RV>) -> R<RV> {
        let Some(first) = cmd.args.first() else { return self.errorf("empty command") };
        match first {
            Arg::Field { ident, .. } => {
                self.at(At::Arg(first));
                return self.eval_field_chain(dot, dot.clone(), first, ident, Some(&cmd.args), fin);
            }
            Arg::Chain { .. } => return self.eval_chain_node(dot, first, Some(&cmd.args), fin),
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), Some(&cmd.args), fin);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, Some(p));
            }
            Arg::Variable(v) => return self.eval_variable_node(dot, first, v, Some(&cmd.args), fin),
            _ => {}
        }
        self.at(At::Arg(first));
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { value, .. } => Ok(RV::direct(Value::Bool(*value))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => self.errorf("nil is not a command"),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String { text, .. } => Ok(RV::direct(Value::String(text.clone()))),
            _ => self.errorf(format!("can't evaluate command {}", crate::lex::go_quote(&first.to_string()))),
        }
    }

    fn ideal_constant(&mut self, node: &'n Arg, c: &Number) -> R<RV> {
        self.at(At::Arg(node));
        if c.is_complex {
            let z = crate::funcs::Complex { re: c.float, im: c.imag };
            return Ok(RV::direct(Value::Object(std::rc::Rc::new(z))));
        }
        if c.is_float && !is_hex_int(&c.text) && !c.text.starts_with('\'') && c.text.contains(['.', 'e', 'E', 'p', 'P'])
        {
            return Ok(RV::direct(Value::Float(c.float)));
        }
        if c.is_int {
            return Ok(RV::direct(Value::Int(c.int)));
        }
        if c.is_uint {
            return self.errorf(format!("{} overflows int", c.text));
        }
        Ok(RV::invalid())
    }

    fn eval_chain_node(&mut self, dot: &RV, node: &'n Arg, args: Option<&'n [Arg]>, fin: Option<RV>) -> R<RV> {
        self.at(At::Arg(node));
        let Arg::Chain { node: inner, field, .. } = node else { return self.errorf("internal error: not a chain") };
        if field.is_empty() {
            return self.errorf("internal error: no fields in evalChainNode");
        }
        if matches!(inner.as_ref(), Arg::Nil { .. }) {
            return self.errorf(format!("indirection through explicit nil in {node}"));
        }
        let pipe = self.eval_arg_any(dot, inner)?;
        self.eval_field_chain(dot, pipe, node, field, args, fin)
    }

    fn eval_variable_node(
        &mut self,
        dot: &RV,
        node: &'n Arg,
        var: &'n Variable,
        args: Option<&'n [Arg]>,
        fin: Option<RV>,
    ) -> R<RV> {
        self.at(At::Var(var));
        let name = var.ident.first().map(String::as_str).unwrap_or("$");
        let value = self.var_value(name)?;
        if var.ident.len() == 1 {
            if let Some(args) = args {
                self.not_a_function(args, &fin)?;
            } else if fin.is_some() {
                return self.errorf(format!("can't give argument to non-function {var}"));
            }
            return Ok(value);
        }
        self.eval_field_chain(dot, value, node, &var.ident[1..], args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &RV,
        mut receiver: RV,
        node: &'n Arg,
        ident: &'n [String],
        args: Option<&'n [Arg]>,
        fin: Option<RV>,
    ) -> R<RV> {
        let n = ident.len();
        for name in &ident[..n.saturating_sub(1)] {
            receiver = self.eval_field(dot, name, node, None, None, receiver)?;
        }
        match ident.last() {
            Some(last) => self.eval_field(dot, last, node, args, fin, receiver),
            None => Ok(receiver),
        }
    }

    fn eval_function(
        &mut self,
        dot: &RV,
        node: &'n Arg,
        name: &str,
        call_node: At<'n>,
        args: Option<&'n [Arg]>,
        fin: Option<RV>,
    ) -> R<RV> {
        self.at(At::Arg(node));
        if let Some(f) = self.tmpl.func(name) {
            return self.eval_call(dot, Callee::Func(f.arity, f.f), call_node, name, args, fin);
        }
        if let Some(b) = Builtin::lookup(name) {
            return self.eval_call(dot, Callee::Builtin(b), call_node, name, args, fin);
        }
        self.errorf(format!("{} is not a defined function", crate::lex::go_quote(name)))
    }

    fn eval_field(
        &mut self,
        dot: &RV,
        field_name: &str,
        node: &'n Arg,
        args: Option<&'n [Arg]>,
        fin: Option<RV>,
        receiver: RV,
    ) -> R<RV> {
        if receiver.is_invalid() {
            if self.missing_key == MissingKey::Error {
                return self.errorf(format!("nil data; no entry for key {}", crate::lex::go_quote(field_name)));
            }
            return Ok(RV::invalid());
        }
        let typ = rv_type(&receiver);
        if matches!(receiver.v, Value::Nil) {
            return self.errorf(format!("nil pointer evaluating {typ}.{field_name}"));
        }
        let has_args = args.is_some_and(|a| a.len() > 1) || fin.is_some();
        match &receiver.v {
            Value::Object(o) => {
                if o.has_method(field_name) {
                    let o = o.clone();
                    return self.eval_call(dot, Callee::Method(o), At::Arg(node), field_name, args, fin);
                }
                if let Some(v) = o.field(field_name) {
                    if has_args {
                        return self.errorf(format!("{field_name} has arguments but cannot be invoked as function"));
                    }
                    let iface = matches!(v, Value::Nil);
                    return Ok(RV { v, iface });
                }
            }
            Value::Map(m) => {
                if has_args {
                    return self.errorf(format!("{field_name} is not a method but has arguments"));
                }
                let found = m.borrow().get(field_name).cloned();
                return match found {
                    Some(v) => Ok(RV { v, iface: true }),
                    None => match self.missing_key {
                        MissingKey::Default => Ok(RV::invalid()),
                        MissingKey::Zero => Ok(RV { v: Value::Nil, iface: true }),
                        MissingKey::Error => {
                            self.errorf(format!("map has no entry for key {}", crate::lex::go_quote(field_name)))
                        }
                    },
                };
            }
            _ => {}
        }
        self.errorf(format!("can't evaluate field {field_name} in type {typ}"))
    }

    fn eval_call(
        &mut self,
        dot: &RV,
        callee: Callee,
        node: At<'n>,
        name: &str,
        args: Option<&'n [Arg]>,
        fin: Option<RV>,
    ) -> R<RV> {
        let args: &'n [Arg] = match args {
            Some(a) if !a.is_empty() => &a[1..],
            _ => &[],
        };
        let num_in = args.len() + usize::from(fin.is_some());
        let (num_params, variadic) = match &callee {
            Callee::Builtin(b) => b.signature(),
            Callee::Func(Arity::Any, _) | Callee::Method(_) => (1, true),
            Callee::Func(Arity::Exact(n), _) => (*n, false),
            Callee::Func(Arity::AtLeast(n), _) => (n + 1, true),
        };
        if variadic {
            if num_in < num_params - 1 {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    num_params - 1,
                    args.len()
                ));
            }
        } else if num_in != num_params {
            return self.errorf(format!("wrong number of args for {name}: want {num_params} got {num_in}"));
        }
        if let Callee::Builtin(b @ (Builtin::And | Builtin::Or)) = callee {
            let want = b == Builtin::Or;
            let mut v = RV::invalid();
            for arg in args {
                v = self.eval_arg_any(dot, arg)?;
                if v.v.truthy() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        let mut argv: Vec<RV> = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            if i == 0 && callee.is_printf() {
                argv.push(self.eval_arg_string(dot, arg)?);
            } else {
                argv.push(self.eval_arg_any(dot, arg)?);
            }
        }
        if let Some(f) = fin {
            if argv.is_empty() && callee.is_printf() {
                match &f.v {
                    Value::String(_) => {}
                    Value::Nil => return self.errorf("invalid value; expected string"),
                    other => {
                        return self
                            .errorf(format!("wrong type for value; expected string; got {}", other.type_name()));
                    }
                }
            }
            argv.push(f);
        }
        let result = match &callee {
            Callee::Builtin(b) => {
                let mut ctx = CallContext { template: &self.tmpl, depth: self.depth, invalid_args: 0 };
                call_builtin(*b, &argv, &mut ctx).map_err(FuncError::Call)
            }
            Callee::Func(_, f) => {
                let invalid_args = argv
                    .iter()
                    .take(64)
                    .enumerate()
                    .filter(|(_, a)| a.is_invalid())
                    .fold(0u64, |mask, (i, _)| mask | (1 << i));
                let vals: Vec<Value> = argv.into_iter().map(|a| a.v).collect();
                let mut ctx = CallContext { template: &self.tmpl, depth: self.depth, invalid_args };
                f(&mut ctx, &vals).map(RV::direct)
            }
            Callee::Method(o) => {
                let vals: Vec<Value> = argv.into_iter().map(|a| a.v).collect();
                o.call_method(name, &vals).map(RV::direct).map_err(FuncError::Call)
            }
        };
        match result {
            Ok(v) => Ok(v),
            Err(FuncError::Call(msg)) => {
                self.at(node);
                self.errorf(format!("error calling {name}: {msg}"))
            }
            Err(FuncError::Exec(msg)) => self.errorf(msg),
            Err(FuncError::Arg(i, msg)) => {
                if let Some(arg) = args.get(i) {
                    self.at(At::Arg(arg));
                }
                self.errorf(msg)
            }
        }
    }

    /// Go's `evalArg` for a `string` parameter (printf's format).
    fn eval_arg_string(&mut self, dot: &RV, n: &'n Arg) -> R<RV> {
        self.at(At::Arg(n));
        match n {
            Arg::String { text, .. } => Ok(RV::direct(Value::String(text.clone()))),
            Arg::Nil { .. } => self.errorf("cannot assign nil to string"),
            Arg::Bool { .. } | Arg::Number(_) => self.errorf(format!("expected string; found {n}")),
            _ => {
                let v = self.eval_arg_any(dot, n)?;
                match &v.v {
                    Value::String(_) => Ok(v),
                    Value::Nil => self.errorf("invalid value; expected string"),
                    other => self.errorf(format!("wrong type for value; expected string; got {}", other.type_name())),
                }
            }
        }
    }

    /// Go's `evalArg` for an `interface{}`/`reflect.Value` parameter.
    fn eval_arg_any(&mut self, dot: &RV, n: &'n Arg) -> R<RV> {
        self.at(At::Arg(n));
        match n {
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Ok(RV::invalid()),
            Arg::Field { ident, .. } => {
                self.at(At::Arg(n));
                self.eval_field_chain(dot, dot.clone(), n, ident, Some(std::slice::from_ref(n)), None)
            }
            Arg::Variable(v) => self.eval_variable_node(dot, n, v, None, None),
            Arg::Pipe(p) => self.eval_pipeline(dot, Some(p)),
            Arg::Identifier { name, .. } => self.eval_function(dot, n, name, At::Arg(n), None, None),
            Arg::Chain { .. } => self.eval_chain_node(dot, n, None, None),
            Arg::Bool { value, .. } => Ok(RV::direct(Value::Bool(*value))),
            Arg::Number(num) => self.ideal_constant(n, num),
            Arg::String { text, .. } => Ok(RV::direct(Value::String(text.clone()))),
        }
    }
}

enum Callee {
    Builtin(Builtin),
    Func(Arity, crate::funcs::FuncFn),
    Method(Rc<dyn crate::value::Object>),
}

impl Callee {
    fn is_printf(&self) -> bool {
        matches!(self, Callee::Builtin(Builtin::Printf))
    }
}
