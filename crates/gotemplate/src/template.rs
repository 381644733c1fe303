//! The public API (Go's `text/template.Template`): a named template in a shared set.
//!
//! The top of the crate's modules: a [`Template`] executes itself through [`crate::exec`], which
//! knows it through the trait `ExecTemplate`, and the functions it calls see it through the
//! trait `TemplateSet` of [`crate::funcs`]; both are implemented here.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::Error;
use crate::exec::ExecTemplate;
pub use crate::exec::MissingKey;
use crate::funcs::{Builtin, CallContext, Func, Funcs, TemplateSet};
use crate::node::{Tree, is_empty_list};
use crate::parse::{ParseOptions, parse};
use crate::value::Value;

struct Set {
    trees: HashMap<String, Rc<Tree>>,
    funcs: Funcs,
    missing_key: MissingKey,
}

/// A template: a name in a set of templates that share definitions, functions and options
/// (Go's `*template.Template` with its `common`). Cloning the handle shares the set; use
/// [`Template::clone_set`] for Go's `Clone`.
#[derive(Clone)]
pub struct Template {
    name: Rc<str>,
    left_delim: Rc<str>,
    right_delim: Rc<str>,
    set: Rc<RefCell<Set>>,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Template({:?})", self.name)
    }
}

impl Template {
    /// Go's `template.New(name)`.
    pub fn new(name: &str) -> Template {
        Template {
            name: Rc::from(name),
            left_delim: Rc::from(""),
            right_delim: Rc::from(""),
            set: Rc::new(RefCell::new(Set {
                trees: HashMap::new(),
                funcs: Funcs::new(),
                missing_key: MissingKey::Default,
            })),
        }
    }

    /// Go's `t.New(name)`: a new template in the same set, with the same delimiters.
    pub fn new_in_set(&self, name: &str) -> Template {
        Template { name: Rc::from(name), ..self.clone() }
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Go's `Funcs`: adds the functions to the set (overriding builtins and earlier ones).
    pub fn funcs(self, funcs: &Funcs) -> Template {
        self.set.borrow_mut().funcs.extend(funcs);
        self
    }

    /// Go's `Delims` (empty strings mean the defaults).
    pub fn delims(mut self, left: &str, right: &str) -> Template {
        self.left_delim = Rc::from(left);
        self.right_delim = Rc::from(right);
        self
    }

    /// Go's `Option("missingkey=...")`.
    pub fn option_missingkey(self, mk: MissingKey) -> Template {
        self.set.borrow_mut().missing_key = mk;
        self
    }

    /// Go's `Option(opt)`; the error is Go's panic message.
    pub fn option(self, opt: &str) -> Result<Template, Error> {
        let mk = match opt {
            "missingkey=invalid" | "missingkey=default" => MissingKey::Default,
            "missingkey=zero" => MissingKey::Zero,
            "missingkey=error" => MissingKey::Error,
            _ if opt.starts_with("missingkey=") => {
                return Err(Error::Other(format!("unrecognized option: {opt}")));
            }
            _ => return Err(Error::Other(format!("unrecognized option: {opt}"))),
        };
        Ok(self.option_missingkey(mk))
    }

    pub fn missing_key(&self) -> MissingKey {
        self.set.borrow().missing_key
    }

    /// Go's `Parse`: parses `text` as this template's body; its `define`s and `block`s join the
    /// set. A non-empty redefinition replaces the earlier one (Go >= 1.12).
    pub fn parse(&self, text: &str) -> Result<&Template, Error> {
        let trees = {
            let set = self.set.borrow();
            let has_function = |name: &str| set.funcs.contains(name) || Builtin::lookup(name).is_some();
            let opts = ParseOptions {
                left_delim: &self.left_delim,
                right_delim: &self.right_delim,
                has_function: &has_function,
                parse_comments: false,
            };
            parse(&self.name, text, &opts).map_err(|e| Error::Parse(e.0))?
        };
        let mut set = self.set.borrow_mut();
        for (name, tree) in trees {
            if set.trees.contains_key(&name) && is_empty_list(&tree.root) {
                continue;
            }
            set.trees.insert(name, Rc::new(tree));
        }
        Ok(self)
    }

    /// `t.New(name).Parse(text)`: parses `text` as template `name` of this set.
    pub fn parse_named(&self, name: &str, text: &str) -> Result<Template, Error> {
        let t = self.new_in_set(name);
        t.parse(text)?;
        Ok(t)
    }

    /// Go's `Lookup`.
    pub fn lookup(&self, name: &str) -> Option<Template> {
        if self.set.borrow().trees.contains_key(name) { Some(self.new_in_set(name)) } else { None }
    }

    /// Go's `Clone`: a copy of the set (trees shared, the map of names copied), so templates
    /// parsed into the copy do not affect the original.
    pub fn clone_set(&self) -> Template {
        let set = self.set.borrow();
        Template {
            name: self.name.clone(),
            left_delim: self.left_delim.clone(),
            right_delim: self.right_delim.clone(),
            set: Rc::new(RefCell::new(Set {
                trees: set.trees.clone(),
                funcs: set.funcs.clone(),
                missing_key: set.missing_key,
            })),
        }
    }

    /// Go's `DefinedTemplates` (names sorted; Go's order is its map's, i.e. random).
    pub fn defined_templates(&self) -> String {
        let set = self.set.borrow();
        let mut names: Vec<&String> = set.trees.keys().collect();
        names.sort();
        let mut out = String::new();
        for name in names {
            out.push_str(if out.is_empty() { "; defined templates are: " } else { ", " });
            out.push_str(&crate::lex::go_quote(name));
        }
        out
    }

    /// Go's `Execute`: runs this template with `data`, appending to `out` (partial output stays
    /// there on error, as with a Go writer).
    pub fn execute(&self, out: &mut String, data: &Value) -> Result<(), Error> {
        let tree = self.set.borrow().trees.get(&*self.name).cloned();
        match tree {
            None => Err(Error::Exec {
                name: self.name.to_string(),
                message: format!(
                    "template: {}: {} is an incomplete or empty template",
                    self.name,
                    crate::lex::go_quote(&self.name)
                ),
            }),
            Some(tree) => crate::exec::execute(self, &tree, out, data),
        }
    }

    /// Go's `ExecuteTemplate`.
    pub fn execute_template(&self, out: &mut String, name: &str, data: &Value) -> Result<(), Error> {
        match self.lookup(name) {
            Some(t) => t.execute(out, data),
            None => Err(Error::Other(format!(
                "template: no template {} associated with template {}",
                crate::lex::go_quote(name),
                crate::lex::go_quote(&self.name)
            ))),
        }
    }

    /// `execute` into a new string.
    pub fn execute_to_string(&self, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        self.execute(&mut out, data)?;
        Ok(out)
    }

    /// `execute` into an `io::Write`.
    pub fn execute_io(&self, w: &mut dyn std::io::Write, data: &Value) -> Result<(), Error> {
        let mut out = String::new();
        let r = self.execute(&mut out, data);
        w.write_all(out.as_bytes()).map_err(|e| Error::Other(e.to_string()))?;
        r
    }
}

impl TemplateSet for Template {
    fn execute_template(&self, out: &mut String, name: &str, data: &Value) -> Result<(), Error> {
        Template::execute_template(self, out, name, data)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl ExecTemplate for Template {
    fn name(&self) -> &str {
        Template::name(self)
    }

    fn missing_key(&self) -> MissingKey {
        Template::missing_key(self)
    }

    fn lookup_tree(&self, name: &str) -> Option<(Template, Rc<Tree>)> {
        let tree = self.set.borrow().trees.get(name).cloned()?;
        Some((self.new_in_set(name), tree))
    }

    fn func(&self, name: &str) -> Option<Func> {
        self.set.borrow().funcs.get(name).cloned()
    }
}

impl CallContext<'_> {
    /// The executing template (its set holds every template of the render).
    pub fn template(&self) -> &Template {
        // The executor runs `Template`s only: the one implementation of `TemplateSet`.
        self.template.as_any().downcast_ref::<Template>().expect("a CallContext's template set is a Template")
    }
}
