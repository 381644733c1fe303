//! Engine tests: one test per construct family. The cases are Go's own test tables
//! (text/template exec_test.go `execTests`/`cmpTests`, parse/parse_test.go `errorTests`),
//! transcribed as data with JSON data instead of Go structs, plus edge cases of our own. Each
//! expected output and error string was produced by Go 1.19's text/template (the oracle program
//! tools/gotemplate-oracle, batch mode) and is frozen here; the Go 1.22/1.23 additions (range
//! over an integer, `else with`) are written by hand from the Go documentation and say so.

use std::collections::BTreeMap;
use std::rc::Rc;

use gotemplate::{Arity, FuncError, Funcs, MissingKey, Object, Template, Value};

struct Case {
    name: &'static str,
    template: &'static str,
    data: &'static str,
    missingkey: &'static str,
    ok: bool,
    output: &'static str,
    error: &'static str,
}

fn render(template: &str, data: &Value, mk: MissingKey) -> (String, Result<(), String>) {
    let t = Template::new("t").option_missingkey(mk);
    if let Err(e) = t.parse(template) {
        return (String::new(), Err(e.to_string()));
    }
    let mut out = String::new();
    let r = t.execute_template(&mut out, "t", data).map_err(|e| e.to_string());
    (out, r)
}

fn run(family: &str, cases: &[Case]) {
    let mut failures = Vec::new();
    for c in cases {
        let json: serde_json::Value = serde_json::from_str(c.data).expect("test data is JSON");
        let data = Value::from_json(&json, false);
        let mk = match c.missingkey {
            "zero" => MissingKey::Zero,
            "error" => MissingKey::Error,
            _ => MissingKey::Default,
        };
        let (out, r) = render(c.template, &data, mk);
        let (ok, err) = match &r {
            Ok(()) => (true, String::new()),
            Err(e) => (false, e.clone()),
        };
        if ok != c.ok || out != c.output || err != c.error {
            failures.push(format!(
                "{family}: {}: template {:?}\n  want ok={} out={:?} err={:?}\n  got  ok={ok} out={out:?} err={err:?}",
                c.name, c.template, c.ok, c.output, c.error
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn family_text() {
    run("text", TEXT);
}

#[test]
fn family_literal() {
    run("literal", LITERAL);
}

#[test]
fn family_field() {
    run("field", FIELD);
}

#[test]
fn family_missingkey() {
    run("missingkey", MISSINGKEY);
}

#[test]
fn family_variable() {
    run("variable", VARIABLE);
}

#[test]
fn family_if() {
    run("if", IF);
}

#[test]
fn family_with() {
    run("with", WITH);
}

#[test]
fn family_range() {
    run("range", RANGE);
}

#[test]
fn family_template() {
    run("template", TEMPLATE);
}

#[test]
fn family_builtin() {
    run("builtin", BUILTIN);
}

#[test]
fn family_compare() {
    run("compare", COMPARE);
}

#[test]
fn family_parse_error() {
    run("parse_error", PARSE_ERROR);
}

/// Family `text`.
const TEXT: &[Case] = &[
    Case {
        name: "empty",
        template: "",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "",
        error: "",
    },
    Case {
        name: "text",
        template: "some text",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "some text",
        error: "",
    },
    Case {
        name: "trim left",
        template: "hello-  {{- 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "hello-3",
        error: "",
    },
    Case {
        name: "trim right",
        template: "{{3 -}}  -world",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "3-world",
        error: "",
    },
    Case {
        name: "trim both",
        template: "hello-  {{- 3 -}}  -world",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "hello-3-world",
        error: "",
    },
    Case {
        name: "trim newlines",
        template: "x\n\n  {{- 3 -}}\n\n  y",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "x3y",
        error: "",
    },
    Case {
        name: "trim comment",
        template: "x \n{{- /* hello */ -}}\n y",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "xy",
        error: "",
    },
    Case {
        name: "comment",
        template: "{{/* a comment */}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "",
        error: "",
    },
    Case {
        name: "comment multiline",
        template: "a{{/*\nline\n*/}}b",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "ab",
        error: "",
    },
    Case {
        name: "minus without space is a number",
        template: "{{-3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "-3",
        error: "",
    },
    Case {
        name: "newline in action",
        template: "{{\n.s\n}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "hello",
        error: "",
    },
];

/// Family `literal`.
const LITERAL: &[Case] = &[
    Case {
        name: "ideal int",
        template: "{{printf `%T` 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "int",
        error: "",
    },
    Case {
        name: "ideal float",
        template: "{{printf `%T` 1.0}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "float64",
        error: "",
    },
    Case {
        name: "ideal exp float",
        template: "{{printf `%T` 1e1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "float64",
        error: "",
    },
    Case {
        name: "hex int",
        template: "{{0x1F}} {{0X1f}} {{printf `%T` 0xef}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "31 31 int",
        error: "",
    },
    Case {
        name: "octal binary",
        template: "{{0o17}} {{017}} {{0b101}} {{0B11}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "15 15 5 3",
        error: "",
    },
    Case {
        name: "underscores",
        template: "{{1_000_000}} {{0x_ff}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1000000 255",
        error: "",
    },
    Case {
        name: "hex float",
        template: "{{0x1p-2}} {{0x1.8p1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "0.25 3",
        error: "",
    },
    Case {
        name: "float forms",
        template: "{{1.5}} {{.5}} {{5.}} {{1e3}} {{1E-3}} {{-2.5}} {{+7}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1.5 0.5 5 1000 0.001 -2.5 7",
        error: "",
    },
    Case {
        name: "char constants",
        template: "{{'a'}} {{'\\n'}} {{'\\x41'}} {{'\\u00e9'}} {{printf `%T` 'a'}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "97 10 65 233 int",
        error: "",
    },
    Case {
        name: "strings",
        template: "{{\"a\\tb\"}} {{`raw\\n`}} {{\"\\u00e9\"}} {{\"\\101\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "a\tb raw\\n é A",
        error: "",
    },
    Case {
        name: "bools nil",
        template: "{{true}} {{false}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true false",
        error: "",
    },
    Case {
        name: "nil action",
        template: "{{nil}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <nil>: nil is not a command",
    },
    Case {
        name: "too big",
        template: "{{18446744073709551615}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <18446744073709551615>: 18446744073709551615 overflows int",
    },
    Case {
        name: "integer overflow",
        template: "{{99999999999999999999}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: integer overflow: \"99999999999999999999\"",
    },
    Case {
        name: "bad number",
        template: "{{0xi}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: illegal number syntax: \"0xi\"",
    },
    Case {
        name: "bad number 2",
        template: "{{3k}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: bad number syntax: \"3k\"",
    },
    Case {
        name: "double underscore",
        template: "{{1__0}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: illegal number syntax: \"1__0\"",
    },
    Case {
        name: "malformed char",
        template: "{{'ab'}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: malformed character constant: 'ab'",
    },
    Case {
        name: "bad escape",
        template: "{{\"\\q\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: invalid syntax",
    },
    Case {
        name: "big float",
        template: "{{1e400}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: illegal number syntax: \"1e400\"",
    },
];

/// Family `field`.
const FIELD: &[Case] = &[
    Case {
        name: "map field",
        template: "{{.a.b}} {{.a.c}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1 x",
        error: "",
    },
    Case {
        name: "dot map",
        template: "<{{.}}>",
        data: "{\"two\":22}",
        missingkey: "",
        ok: true,
        output: "<map[two:22]>",
        error: "",
    },
    Case { name: "dot int", template: "<{{.}}>", data: "13", missingkey: "", ok: true, output: "<13>", error: "" },
    Case {
        name: "dot float",
        template: "<{{.}}>",
        data: "15.1",
        missingkey: "",
        ok: true,
        output: "<15.1>",
        error: "",
    },
    Case {
        name: "dot string",
        template: "<{{.}}>",
        data: "\"hello\"",
        missingkey: "",
        ok: true,
        output: "<hello>",
        error: "",
    },
    Case {
        name: "dot slice",
        template: "<{{.}}>",
        data: "[-1,-2,-3]",
        missingkey: "",
        ok: true,
        output: "<[-1 -2 -3]>",
        error: "",
    },
    Case {
        name: "field on nil data",
        template: "{{.foo}}",
        data: "null",
        missingkey: "",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "field on parenthesized nil",
        template: "{{(.).foo}}",
        data: "null",
        missingkey: "",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "missing key",
        template: "{{.missing}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "missing chain",
        template: "{{.missing.x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "null chain",
        template: "{{.n.x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:4: executing \"t\" at <.n.x>: nil pointer evaluating interface {}.x",
    },
    Case {
        name: "field of string",
        template: "{{.s.x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:4: executing \"t\" at <.s.x>: can't evaluate field x in type interface {}",
    },
    Case {
        name: "field of number",
        template: "{{.i.x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:4: executing \"t\" at <.i.x>: can't evaluate field x in type interface {}",
    },
    Case {
        name: "chain on parens",
        template: "{{(.a).b}} {{(.missing).x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1 <no value>",
        error: "",
    },
    Case {
        name: "chain on function",
        template: "{{(index .list 0)}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1",
        error: "",
    },
    Case {
        name: "field with args",
        template: "{{.a.b 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:4: executing \"t\" at <.a.b>: b is not a method but has arguments",
    },
    Case {
        name: "float output",
        template: "{{.f}} {{.list}} {{.m}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1e+06 [1 two 3.5] map[a:2 z:1]",
        error: "",
    },
    Case {
        name: "float forms data",
        template: "{{.}}",
        data: "[100000, 1234567, 0.0001, 0.00001, 1e21, 3.0, -0.5]",
        missingkey: "",
        ok: true,
        output: "[100000 1.234567e+06 0.0001 1e-05 1e+21 3 -0.5]",
        error: "",
    },
    Case {
        name: "nil chain explicit",
        template: "{{(nil).x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:3: executing \"t\" at <nil>: nil is not a command",
    },
    Case {
        name: "unexpected dot after term",
        template: "{{true.any}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected . after term \"true\"",
    },
    Case {
        name: "non-function with args",
        template: "{{1 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <1>: can't give argument to non-function 1",
    },
    Case {
        name: "parenthesized non-function",
        template: "{{(1) 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <(1) 2>: can't give argument to non-function 1",
    },
    Case {
        name: "parenthesized non-function no args",
        template: "{{(1)}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1",
        error: "",
    },
];

/// Family `missingkey`.
const MISSINGKEY: &[Case] = &[
    Case {
        name: "default missing",
        template: "{{.missing}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "default",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "default missing chain",
        template: "{{.missing.x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "default",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "default nested missing",
        template: "{{.a.q}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "default",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "default paren chain",
        template: "{{(.missing).x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "default",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "default index miss",
        template: "{{index .a \"q\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "default",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "default nil data",
        template: "{{.x}}",
        data: "null",
        missingkey: "default",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "default if missing",
        template: "{{if .missing}}y{{else}}n{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "default",
        ok: true,
        output: "n",
        error: "",
    },
    Case {
        name: "zero missing",
        template: "{{.missing}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "zero",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "zero missing chain",
        template: "{{.missing.x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "zero",
        ok: false,
        output: "",
        error: "template: t:1:10: executing \"t\" at <.missing.x>: nil pointer evaluating interface {}.x",
    },
    Case {
        name: "zero nested missing",
        template: "{{.a.q}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "zero",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "zero paren chain",
        template: "{{(.missing).x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "zero",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "zero index miss",
        template: "{{index .a \"q\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "zero",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "zero nil data",
        template: "{{.x}}",
        data: "null",
        missingkey: "zero",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "zero if missing",
        template: "{{if .missing}}y{{else}}n{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "zero",
        ok: true,
        output: "n",
        error: "",
    },
    Case {
        name: "error missing",
        template: "{{.missing}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "error",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <.missing>: map has no entry for key \"missing\"",
    },
    Case {
        name: "error missing chain",
        template: "{{.missing.x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "error",
        ok: false,
        output: "",
        error: "template: t:1:10: executing \"t\" at <.missing.x>: map has no entry for key \"missing\"",
    },
    Case {
        name: "error nested missing",
        template: "{{.a.q}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "error",
        ok: false,
        output: "",
        error: "template: t:1:4: executing \"t\" at <.a.q>: map has no entry for key \"q\"",
    },
    Case {
        name: "error paren chain",
        template: "{{(.missing).x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "error",
        ok: false,
        output: "",
        error: "template: t:1:3: executing \"t\" at <.missing>: map has no entry for key \"missing\"",
    },
    Case {
        name: "error index miss",
        template: "{{index .a \"q\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "error",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "error nil data",
        template: "{{.x}}",
        data: "null",
        missingkey: "error",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <.x>: nil data; no entry for key \"x\"",
    },
    Case {
        name: "error if missing",
        template: "{{if .missing}}y{{else}}n{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "error",
        ok: false,
        output: "",
        error: "template: t:1:5: executing \"t\" at <.missing>: map has no entry for key \"missing\"",
    },
];

/// Family `variable`.
const VARIABLE: &[Case] = &[
    Case { name: "$ int", template: "{{$}}", data: "123", missingkey: "", ok: true, output: "123", error: "" },
    Case {
        name: "declare",
        template: "{{$x := .s}}{{$x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "hello",
        error: "",
    },
    Case {
        name: "assign",
        template: "{{$x := 1}}{{$x = 2}}{{$x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "2",
        error: "",
    },
    Case {
        name: "nested assignment",
        template: "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "3",
        error: "",
    },
    Case {
        name: "nested assignment changes the last declaration",
        template: "{{$x := 1}}{{if true}}{{$x := 3}}{{end}}{{$x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1",
        error: "",
    },
    Case {
        name: "scope ends",
        template: "{{with $y := 2}}{{$y}}{{end}}{{$y}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: undefined variable \"$y\"",
    },
    Case {
        name: "undefined",
        template: "{{$a}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: undefined variable \"$a\"",
    },
    Case {
        name: "field of variable",
        template: "{{$x := .a}}{{$x.b}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1",
        error: "",
    },
    Case {
        name: "variable with args",
        template: "{{$x := 1}}{{$x 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:13: executing \"t\" at <$x>: can't give argument to non-function $x",
    },
    Case {
        name: "dollar in template",
        template: "{{define \"t\"}}{{$}}{{end}}{{template \"t\" 7}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: template: multiple definition of template \"t\"",
    },
    Case {
        name: "assign undefined",
        template: "{{$x = 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:7: executing \"t\" at <1>: undefined variable: $x",
    },
    Case {
        name: "too many decls",
        template: "{{$a,$b,$c := 23}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: too many declarations in command",
    },
    Case {
        name: "decl in with",
        template: "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \":=\" in operand",
    },
];

/// Family `if`.
const IF: &[Case] = &[
    Case {
        name: "if true",
        template: "{{if true}}TRUE{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "TRUE",
        error: "",
    },
    Case {
        name: "if false",
        template: "{{if false}}TRUE{{else}}FALSE{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "FALSE",
        error: "",
    },
    Case {
        name: "if 1",
        template: "{{if 1}}NON-ZERO{{else}}ZERO{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "NON-ZERO",
        error: "",
    },
    Case {
        name: "if 0",
        template: "{{if 0}}NON-ZERO{{else}}ZERO{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "ZERO",
        error: "",
    },
    Case {
        name: "if 1.5",
        template: "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "NON-ZERO",
        error: "",
    },
    Case {
        name: "if 0.0",
        template: "{{if .0}}NON-ZERO{{else}}ZERO{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "ZERO",
        error: "",
    },
    Case {
        name: "if emptystring",
        template: "{{if .e}}NON-EMPTY{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "EMPTY",
        error: "",
    },
    Case {
        name: "if string",
        template: "{{if .s}}NON-EMPTY{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "NON-EMPTY",
        error: "",
    },
    Case {
        name: "if emptyslice",
        template: "{{if .el}}NON-EMPTY{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "EMPTY",
        error: "",
    },
    Case {
        name: "if slice",
        template: "{{if .list}}NON-EMPTY{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "NON-EMPTY",
        error: "",
    },
    Case {
        name: "if emptymap",
        template: "{{if .em}}NON-EMPTY{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "EMPTY",
        error: "",
    },
    Case {
        name: "if map",
        template: "{{if .m}}NON-EMPTY{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "NON-EMPTY",
        error: "",
    },
    Case {
        name: "if null",
        template: "{{if .n}}NON-NIL{{else}}NIL{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "NIL",
        error: "",
    },
    Case {
        name: "else if",
        template: "{{if false}}a{{else if true}}b{{else}}c{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "b",
        error: "",
    },
    Case {
        name: "else if chain",
        template: "{{if eq .i 1}}1{{else if eq .i 2}}2{{else if eq .i 3}}3{{else}}x{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:5: executing \"t\" at <eq .i 1>: error calling eq: incompatible types for comparison",
    },
    Case {
        name: "if and",
        template: "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "FALSE",
        error: "",
    },
    Case {
        name: "if pipe",
        template: "{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "FALSE",
        error: "",
    },
    Case {
        name: "missing value for if",
        template: "{{if}}x{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: missing value for if",
    },
    Case {
        name: "unexpected end",
        template: "{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected {{end}}",
    },
    Case {
        name: "unexpected else",
        template: "{{else}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected {{else}}",
    },
    Case {
        name: "eof in if",
        template: "{{if true}}x",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected EOF",
    },
    Case {
        name: "double else",
        template: "{{if 1}}a{{else}}b{{else}}c{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: expected end; found {{else}}",
    },
];

/// Family `with`.
const WITH: &[Case] = &[
    Case {
        name: "with true",
        template: "{{with true}}{{.}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "with false",
        template: "{{with false}}{{.}}{{else}}FALSE{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "FALSE",
        error: "",
    },
    Case {
        name: "with map",
        template: "{{with .a}}{{.b}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1",
        error: "",
    },
    Case {
        name: "with missing",
        template: "{{with .missing}}{{.}}{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "EMPTY",
        error: "",
    },
    Case {
        name: "with $x int",
        template: "{{with $x := .i}}{{$x}}{{.}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "33",
        error: "",
    },
    Case {
        name: "with field of string",
        template: "{{with .s}}{{.x}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:13: executing \"t\" at <.x>: can't evaluate field x in type string",
    },
    Case {
        name: "with variable and action",
        template: "{{with $x := $}}{{$y := $.a}}{{$y.b}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1",
        error: "",
    },
];

/// Family `range`.
const RANGE: &[Case] = &[
    Case {
        name: "range []int",
        template: "{{range .}}-{{.}}-{{end}}",
        data: "[1,2,3]",
        missingkey: "",
        ok: true,
        output: "-1--2--3-",
        error: "",
    },
    Case {
        name: "range empty no else",
        template: "{{range .el}}-{{.}}-{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "",
        error: "",
    },
    Case {
        name: "range []int else",
        template: "{{range .}}-{{.}}-{{else}}EMPTY{{end}}",
        data: "[1,2,3]",
        missingkey: "",
        ok: true,
        output: "-1--2--3-",
        error: "",
    },
    Case {
        name: "range empty else",
        template: "{{range .el}}-{{.}}-{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "EMPTY",
        error: "",
    },
    Case {
        name: "range map",
        template: "{{range .m}}-{{.}}-{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "-2--1-",
        error: "",
    },
    Case {
        name: "range empty map else",
        template: "{{range .em}}-{{.}}-{{else}}EMPTY{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "EMPTY",
        error: "",
    },
    Case {
        name: "range $x",
        template: "{{range $x := .list}}<{{$x}}>{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "<1><two><3.5>",
        error: "",
    },
    Case {
        name: "range $x $y",
        template: "{{range $x, $y := .list}}<{{$x}}={{$y}}>{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "<0=1><1=two><2=3.5>",
        error: "",
    },
    Case {
        name: "range $x map",
        template: "{{range $k, $v := .m}}<{{$k}}={{$v}}>{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "<a=2><z=1>",
        error: "",
    },
    Case {
        name: "range nil",
        template: "{{range .missing}}x{{else}}none{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "none",
        error: "",
    },
    Case {
        name: "range string",
        template: "{{range .s}}x{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:8: executing \"t\" at <.s>: range can't iterate over hello",
    },
    Case {
        name: "range bool",
        template: "{{range true}}x{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:8: executing \"t\" at <true>: range can't iterate over true",
    },
    Case {
        name: "declare in range",
        template: "{{range $x := .list}}{{$foo := $x}}{{$foo}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1two3.5",
        error: "",
    },
    Case {
        name: "range count",
        template: "{{range $i, $x := .list}}{{$i}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "012",
        error: "",
    },
    Case {
        name: "range var after",
        template: "{{range $i, $e := .list}}{{end}}{{$i}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: undefined variable \"$i\"",
    },
    Case {
        name: "range quick break",
        template: "{{range .list}}{{break}}{{.}}{{end}}after",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "after",
        error: "",
    },
    Case {
        name: "range break",
        template: "{{range .}}{{if ge . 3}}{{break}}{{end}}{{.}}{{end}}",
        data: "[1,2,3,4]",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:16: executing \"t\" at <ge . 3>: error calling ge: incompatible types for comparison",
    },
    Case {
        name: "range continue",
        template: "{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}",
        data: "[1,2,3]",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:16: executing \"t\" at <eq . 2>: error calling eq: incompatible types for comparison",
    },
    Case {
        name: "break in nested if",
        template: "{{range .}}{{if true}}{{if true}}{{break}}{{end}}{{end}}x{{end}}",
        data: "[1,2]",
        missingkey: "",
        ok: true,
        output: "",
        error: "",
    },
    Case {
        name: "break outside range",
        template: "{{break}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: {{break}} outside {{range}}",
    },
    Case {
        name: "continue outside range",
        template: "{{if true}}{{continue}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: {{continue}} outside {{range}}",
    },
    Case {
        name: "break with arg",
        template: "{{range .}}{{break 1}}{{end}}",
        data: "[1]",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \"1\" in {{break}}",
    },
    Case {
        name: "range undefined var",
        template: "{{range $k}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: undefined variable \"$k\"",
    },
    Case {
        name: "range missing value",
        template: "{{range $k,}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: missing value for range",
    },
    Case {
        name: "range missing value 2",
        template: "{{range $k, $v := }}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: missing value for range",
    },
    Case {
        name: "range not variable",
        template: "{{range $k, .}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: range can only initialize variables",
    },
    Case {
        name: "range not variable 2",
        template: "{{range $k, 123 := .}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: range can only initialize variables",
    },
    Case {
        name: "range three vars",
        template: "{{range $a, $b, $c := .}}{{end}}",
        data: "[1]",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: too many declarations in range",
    },
    Case {
        name: "range else with var",
        template: "{{range $x := .el}}{{else}}{{$x}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "[]",
        error: "",
    },
    Case {
        name: "nested range",
        template: "{{range .}}{{range .}}{{.}}{{end}};{{end}}",
        data: "[[1,2],[3]]",
        missingkey: "",
        ok: true,
        output: "12;3;",
        error: "",
    },
    Case {
        name: "range map sorted",
        template: "{{range $k, $v := .}}{{$k}}{{end}}",
        data: "{\"b\":1,\"a\":2,\"C\":3,\"_\":4,\"10\":5,\"9\":6}",
        missingkey: "",
        ok: true,
        output: "109C_ab",
        error: "",
    },
];

/// Family `template`.
const TEMPLATE: &[Case] = &[
    Case {
        name: "template",
        template: "{{define \"x\"}}X{{.}}{{end}}{{template \"x\" .s}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "Xhello",
        error: "",
    },
    Case {
        name: "template no pipe",
        template: "{{define \"x\"}}[{{.}}]{{end}}{{template \"x\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "[<no value>]",
        error: "",
    },
    Case {
        name: "template raw name",
        template: "{{define `x`}}X{{end}}{{template `x`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "X",
        error: "",
    },
    Case {
        name: "template not defined",
        template: "{{template \"nope\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:11: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined",
    },
    Case {
        name: "block",
        template: "a{{block \"inner\" .}}bar{{.}}baz{{end}}b",
        data: "\"hello\"",
        missingkey: "",
        ok: true,
        output: "abarhellobazb",
        error: "",
    },
    Case {
        name: "block twice",
        template: "{{block \"x\" .}}1{{end}}{{template \"x\" 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "11",
        error: "",
    },
    Case {
        name: "multiple definition",
        template: "{{define `a`}}a{{end}}{{define `a`}}b{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: template: multiple definition of template \"a\"",
    },
    Case {
        name: "empty redefinition ok",
        template: "{{define `a`}}a{{end}}{{define `a`}} {{end}}{{template `a`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "a",
        error: "",
    },
    Case {
        name: "recursion",
        template: "{{define \"r\"}}{{if .}}{{len .}}{{template \"r\" (slice . 1)}}{{end}}{{end}}{{template \"r\" .list}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "321",
        error: "",
    },
    Case {
        name: "infinite recursion",
        template: "{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:25: executing \"a\" at <{{template \"a\"}}>: exceeded maximum template depth (100000)",
    },
    Case {
        name: "error inside define",
        template: "{{define \"x\"}}\n  {{.a.b.c}}{{end}}{{template \"x\" .}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "\n  ",
        error: "template: t:2:6: executing \"x\" at <.a.b.c>: can't evaluate field c in type interface {}",
    },
    Case {
        name: "define clause error",
        template: "{{define 3}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \"3\" in define clause",
    },
    Case {
        name: "define eof",
        template: "{{define \"x\"}}abc",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected EOF",
    },
    Case {
        name: "template clause error",
        template: "{{template .x}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \".x\" in template clause",
    },
    Case {
        name: "nested define",
        template: "{{define \"a\"}}{{define \"b\"}}{{end}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected <define> in command",
    },
    Case {
        name: "dollar resets",
        template: "{{define \"t\"}}{{$}}{{end}}{{$x := 1}}{{template \"t\" 5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: template: multiple definition of template \"t\"",
    },
];

/// Family `builtin`.
const BUILTIN: &[Case] = &[
    Case {
        name: "and",
        template: "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false 0 0 1",
        error: "",
    },
    Case {
        name: "or",
        template: "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "0 1 true 1",
        error: "",
    },
    Case {
        name: "and pipe",
        template: "{{1 | and 1}} {{0 | and 1}} {{1 | or 0}} {{0 | or 0}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1 0 1 0",
        error: "",
    },
    Case {
        name: "and short-circuit",
        template: "{{and 0 .a.b.c.d}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "0",
        error: "",
    },
    Case {
        name: "or short-circuit",
        template: "{{or 1 .a.b.c.d}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1",
        error: "",
    },
    Case {
        name: "or evaluates",
        template: "{{or 0 .a.b.c.d}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:9: executing \"t\" at <.a.b.c.d>: can't evaluate field c in type interface {}",
    },
    Case {
        name: "and no args",
        template: "{{and}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <and>: wrong number of args for and: want at least 1 got 0",
    },
    Case {
        name: "and returns operand",
        template: "{{and 1 .s}} {{or .e .list}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "hello [1 two 3.5]",
        error: "",
    },
    Case {
        name: "not",
        template: "{{not true}} {{not false}} {{not .missing}} {{not .list}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false true true false",
        error: "",
    },
    Case {
        name: "not args",
        template: "{{not 1 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <not>: wrong number of args for not: want 1 got 2",
    },
    Case {
        name: "len",
        template: "{{len .list}} {{len .s}} {{len .m}} {{len \"héllo\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "3 5 2 6",
        error: "",
    },
    Case {
        name: "len int",
        template: "{{len 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <len 3>: error calling len: len of type int",
    },
    Case {
        name: "len missing",
        template: "{{len .missing}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <len .missing>: error calling len: reflect: call of reflect.Value.Type on zero Value",
    },
    Case {
        name: "len null",
        template: "{{len .n}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <len .n>: error calling len: len of nil pointer",
    },
    Case {
        name: "index slice",
        template: "{{index .list 1}} {{index . 0 1}}",
        data: "[[1,2],[3]]",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:8: executing \"t\" at <.list>: can't evaluate field list in type []interface {}",
    },
    Case {
        name: "index map",
        template: "{{index .m \"z\"}} {{index . \"a\" \"b\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1 1",
        error: "",
    },
    Case {
        name: "index map miss",
        template: "{{index .m \"nope\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "index out of range",
        template: "{{index .list 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index .list 3>: error calling index: reflect: slice index out of range",
    },
    Case {
        name: "index negative",
        template: "{{index .list -1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index .list -1>: error calling index: index out of range: -1",
    },
    Case {
        name: "index far out",
        template: "{{index .list 10}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index .list 10>: error calling index: index out of range: 10",
    },
    Case {
        name: "index nil",
        template: "{{index nil 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index nil 1>: error calling index: index of untyped nil",
    },
    Case {
        name: "index of nil pointer",
        template: "{{index .m \"q\" \"r\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index .m \"q\" \"r\">: error calling index: index of nil pointer",
    },
    Case {
        name: "index bad key",
        template: "{{index .m 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index .m 1>: error calling index: value has type int; should be string",
    },
    Case {
        name: "index bad idx",
        template: "{{index .list \"a\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index .list \"a\">: error calling index: cannot index slice/array with type string",
    },
    Case {
        name: "index nil idx",
        template: "{{index .list nil}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index .list nil>: error calling index: cannot index slice/array with nil",
    },
    Case {
        name: "index int",
        template: "{{index 3 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <index 3 1>: error calling index: can't index item of type int",
    },
    Case {
        name: "index string",
        template: "{{index \"abc\" 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "98",
        error: "",
    },
    Case {
        name: "index no indexes",
        template: "{{index .list}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "[1 two 3.5]",
        error: "",
    },
    Case {
        name: "slice",
        template: "{{slice .list 1}} {{slice .list 1 2}} {{slice .list}} {{slice .s 1 3}} {{slice .list 0 1 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "[two 3.5] [two] [1 two 3.5] el [1]",
        error: "",
    },
    Case {
        name: "slice string 3",
        template: "{{slice .s 1 2 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <slice .s 1 2 3>: error calling slice: cannot 3-index slice a string",
    },
    Case {
        name: "slice out of range",
        template: "{{slice .list 1 5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <slice .list 1 5>: error calling slice: index out of range: 5",
    },
    Case {
        name: "slice inverted",
        template: "{{slice .list 2 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <slice .list 2 1>: error calling slice: invalid slice index: 2 > 1",
    },
    Case {
        name: "slice too many",
        template: "{{slice .list 1 2 3 4}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <slice .list 1 2 3 4>: error calling slice: too many slice indexes: 4",
    },
    Case {
        name: "slice nil",
        template: "{{slice nil}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <slice nil>: error calling slice: slice of untyped nil",
    },
    Case {
        name: "slice int",
        template: "{{slice 3 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <slice 3 1>: error calling slice: can't slice item of type int",
    },
    Case {
        name: "html",
        template: "{{html \"<script>alert(\\\"XSS\\\");</script>\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
        error: "",
    },
    Case {
        name: "html pipeline",
        template: "{{printf \"<script>alert(\\\"XSS\\\");</script>\" | html}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
        error: "",
    },
    Case {
        name: "html nil",
        template: "{{html .missing}} {{html 1 2}} {{html \"a\" \"b\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "&lt;no value&gt; 1 2 ab",
        error: "",
    },
    Case {
        name: "js",
        template: "{{js .}}",
        data: "\"It'd be nice.\"",
        missingkey: "",
        ok: true,
        output: "It\\'d be nice.",
        error: "",
    },
    Case {
        name: "js special",
        template: "{{js \"<a href='x'>&=\\\\\\n\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "\\u003Ca href\\u003D\\'x\\'\\u003E\\u0026\\u003D\\\\\\u000A",
        error: "",
    },
    Case {
        name: "urlquery",
        template: "{{\"http://www.example.org/\"|urlquery}} {{urlquery \"a b\" 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "http%3A%2F%2Fwww.example.org%2F a+b1",
        error: "",
    },
    Case {
        name: "print",
        template: "{{print 1 2 \"a\" \"b\" 3 .missing}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1 2ab3 <nil>",
        error: "",
    },
    Case {
        name: "println",
        template: "{{println 1 \"a\" 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "1 a 2\n",
        error: "",
    },
    Case {
        name: "printf",
        template: "{{printf \"%d-%s-%v\" 3 \"x\" .list}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "3-x-[1 two 3.5]",
        error: "",
    },
    Case {
        name: "printf format type",
        template: "{{printf 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:9: executing \"t\" at <3>: expected string; found 3",
    },
    Case {
        name: "printf format var",
        template: "{{printf .i}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:9: executing \"t\" at <.i>: wrong type for value; expected string; got float64",
    },
    Case {
        name: "printf format missing",
        template: "{{printf .missing}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:9: executing \"t\" at <.missing>: invalid value; expected string",
    },
    Case {
        name: "printf pipe format",
        template: "{{\"%s!\" | printf}} {{\"x\" | printf \"%s-%s\" \"y\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "%!s(MISSING)! y-x",
        error: "",
    },
    Case {
        name: "printf nil",
        template: "{{printf nil}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:9: executing \"t\" at <nil>: cannot assign nil to string",
    },
    Case {
        name: "call nil",
        template: "{{call .missing}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <call .missing>: error calling call: call of nil",
    },
    Case {
        name: "call non-function",
        template: "{{call .s}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <call .s>: error calling call: non-function of type string",
    },
    Case {
        name: "function not defined",
        template: "{{foo}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: function \"foo\" not defined",
    },
    Case {
        name: "function not defined line",
        template: "line1\n{{\nx\n}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:3: function \"x\" not defined",
    },
];

/// Family `compare`.
const COMPARE: &[Case] = &[
    Case {
        name: "eq true true",
        template: "{{eq true true}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq true false",
        template: "{{eq true false}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "eq 1.5 1.5",
        template: "{{eq 1.5 1.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq 1.5 2.5",
        template: "{{eq 1.5 2.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "eq 1 1",
        template: "{{eq 1 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq 1 2",
        template: "{{eq 1 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "eq `xy` `xy`",
        template: "{{eq `xy` `xy`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq `xy` `xyz`",
        template: "{{eq `xy` `xyz`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "eq 3 4 5 6 3",
        template: "{{eq 3 4 5 6 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq 3 4 5 6 7",
        template: "{{eq 3 4 5 6 7}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "ne true true",
        template: "{{ne true true}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "ne true false",
        template: "{{ne true false}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "ne 1.5 1.5",
        template: "{{ne 1.5 1.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "ne 1 2",
        template: "{{ne 1 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "ne `xy` `xyz`",
        template: "{{ne `xy` `xyz`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "lt 1.5 1.5",
        template: "{{lt 1.5 1.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "lt 1.5 2.5",
        template: "{{lt 1.5 2.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "lt 1 1",
        template: "{{lt 1 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "lt 1 2",
        template: "{{lt 1 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "lt `xy` `xy`",
        template: "{{lt `xy` `xy`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "lt `xy` `xyz`",
        template: "{{lt `xy` `xyz`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "le 1.5 1.5",
        template: "{{le 1.5 1.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "le 2.5 1.5",
        template: "{{le 2.5 1.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "le 1 2",
        template: "{{le 1 2}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "le `xyz` `xy`",
        template: "{{le `xyz` `xy`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "gt 1.5 1.5",
        template: "{{gt 1.5 1.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "gt 2 1",
        template: "{{gt 2 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "gt `xy` `xyz`",
        template: "{{gt `xy` `xyz`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "ge 1.5 2.5",
        template: "{{ge 1.5 2.5}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "ge 2 1",
        template: "{{ge 2 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "ge `xyz` `xy`",
        template: "{{ge `xyz` `xy`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq (index `x` 0) 'x'",
        template: "{{eq (index `x` 0) 'x'}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq (index `x` 0) 'y'",
        template: "{{eq (index `x` 0) 'y'}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "lt (index `x` 0) 200",
        template: "{{lt (index `x` 0) 200}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq .missing nil",
        template: "{{eq .missing nil}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq nil nil",
        template: "{{eq nil nil}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq .missing 0",
        template: "{{eq .missing 0}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "eq .m .m",
        template: "{{eq .m .m}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq .m .m>: error calling eq: non-comparable type map[a:%!s(float64=2) z:%!s(float64=1)]: map[string]interface {}",
    },
    Case {
        name: "eq .list .list",
        template: "{{eq .list .list}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq .list .list>: error calling eq: non-comparable type [%!s(float64=1) two %!s(float64=3.5)]: []interface {}",
    },
    Case {
        name: "eq .m .list",
        template: "{{eq .m .list}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq .m .list>: error calling eq: non-comparable types map[a:%!s(float64=2) z:%!s(float64=1)]: map[string]interface {}, []interface {}: [1 two 3.5]",
    },
    Case {
        name: "eq .m nil",
        template: "{{eq .m nil}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "false",
        error: "",
    },
    Case {
        name: "eq `xy` 1",
        template: "{{eq `xy` 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq `xy` 1>: error calling eq: incompatible types for comparison",
    },
    Case {
        name: "eq 2 2.0",
        template: "{{eq 2 2.0}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq 2 2.0>: error calling eq: incompatible types for comparison",
    },
    Case {
        name: "lt true true",
        template: "{{lt true true}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <lt true true>: error calling lt: invalid type for comparison",
    },
    Case {
        name: "lt 1 2.0",
        template: "{{lt 1 2.0}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <lt 1 2.0>: error calling lt: incompatible types for comparison",
    },
    Case {
        name: "lt .missing 1",
        template: "{{lt .missing 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <lt .missing 1>: error calling lt: invalid type for comparison",
    },
    Case {
        name: "ne 1",
        template: "{{ne 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <ne>: wrong number of args for ne: want 2 got 1",
    },
    Case {
        name: "eq 1",
        template: "{{eq 1}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq 1>: error calling eq: missing argument for comparison",
    },
    Case {
        name: "eq",
        template: "{{eq}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq>: wrong number of args for eq: want at least 1 got 0",
    },
    Case {
        name: "eq .i 3",
        template: "{{eq .i 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq .i 3>: error calling eq: incompatible types for comparison",
    },
    Case {
        name: "eq .f 1000000",
        template: "{{eq .f 1000000}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <eq .f 1000000>: error calling eq: incompatible types for comparison",
    },
    Case {
        name: "lt -1 (index `x` 0)",
        template: "{{lt -1 (index `x` 0)}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "eq .n nil",
        template: "{{eq .n nil}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
    Case {
        name: "lt .list .list",
        template: "{{lt .list .list}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <lt .list .list>: error calling lt: invalid type for comparison",
    },
    Case {
        name: "ge .s `a`",
        template: "{{ge .s `a`}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "true",
        error: "",
    },
];

/// Family `parse-error`.
const PARSE_ERROR: &[Case] = &[
    Case {
        name: "unclosed1",
        template: "line1\n{{",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:2: unclosed action",
    },
    Case {
        name: "unclosed2",
        template: "line1\n{{define `x`}}line2\n{{",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:3: unclosed action",
    },
    Case {
        name: "unclosed3",
        template: "line1\n{{\"x\"\n\"y\"\n",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:4: unclosed action started at t:2",
    },
    Case {
        name: "unclosed4",
        template: "{{\n\n\n\n\n",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:6: unclosed action started at t:1",
    },
    Case {
        name: "comment1",
        template: "{{/*}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unclosed comment",
    },
    Case {
        name: "comment2",
        template: "{{/*\nhello\n}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unclosed comment",
    },
    Case {
        name: "comment3",
        template: "{{/* c */ 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: comment ends before closing delimiter",
    },
    Case {
        name: "lparen",
        template: "{{.X (1 2 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unclosed left paren",
    },
    Case {
        name: "rparen",
        template: "{{.X 1 2 3 ) }}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \")\" in command",
    },
    Case {
        name: "rparen2",
        template: "{{(.X 1 2 3",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unclosed action",
    },
    Case {
        name: "space",
        template: "{{`x`3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \"3\" in operand",
    },
    Case {
        name: "idchar",
        template: "{{a#}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: bad character U+0023 '#'",
    },
    Case {
        name: "charconst",
        template: "{{'a}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unterminated character constant",
    },
    Case {
        name: "stringconst",
        template: "{{\"a}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unterminated quoted string",
    },
    Case {
        name: "rawstringconst",
        template: "{{`a}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unterminated raw quoted string",
    },
    Case {
        name: "eof",
        template: "{{range .X}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected EOF",
    },
    Case {
        name: "wrongpipeline",
        template: "{{12|false}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: non executable command in pipeline stage 2",
    },
    Case {
        name: "emptypipeline",
        template: "{{ ( ) }}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: missing value for parenthesized pipeline",
    },
    Case {
        name: "multilinerawstring",
        template: "{{ $v := `\n` }} {{",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:2: unclosed action",
    },
    Case {
        name: "badchar",
        template: "{{\u{1}}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unrecognized character in action: U+0001",
    },
    Case {
        name: "badchar2",
        template: "{{.aé#}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: bad character U+0023 '#'",
    },
    Case {
        name: "colon",
        template: "{{$x : 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: undefined variable \"$x\"",
    },
    Case {
        name: "pipe start",
        template: "{{| 3}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \"|\" in command",
    },
    Case {
        name: "empty action",
        template: "{{}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: missing value for command",
    },
    Case {
        name: "stray comma",
        template: "{{3,4}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \",\" in operand",
    },
    Case {
        name: "unicode ident",
        template: "{{.héllo}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: true,
        output: "<no value>",
        error: "",
    },
    Case {
        name: "else if in range",
        template: "{{range .}}{{else if 1}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected <if> in input",
    },
    Case {
        name: "long token",
        template: "{{3 \"abcdefghijklmnop\"}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1:2: executing \"t\" at <3>: can't give argument to non-function 3",
    },
    Case {
        name: "keyword token",
        template: "{{3 if}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected <if> in operand",
    },
    Case {
        name: "unmatched rparen",
        template: "{{)}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected \")\" in command",
    },
    Case {
        name: "extra end",
        template: "{{if 1}}{{end}}{{end}}",
        data: "{\"a\":{\"b\":1,\"c\":\"x\"},\"n\":null,\"list\":[1,\"two\",3.5],\"m\":{\"z\":1,\"a\":2},\"s\":\"hello\",\"f\":1000000,\"i\":3,\"t\":true,\"e\":\"\",\"el\":[],\"em\":{}}",
        missingkey: "",
        ok: false,
        output: "",
        error: "template: t:1: unexpected {{end}}",
    },
];

// ---------------------------------------------------------------------------------------------
// Hand-written cases: Go 1.22/1.23 additions (from the Go documentation: "range over an
// integer" in Go 1.22, "{{else with}}" in Go 1.23; Debian's Go 1.19 rejects both), the function
// registry, objects, the template-set API and limits.

fn exec(t: &Template, data: &Value) -> Result<String, String> {
    let mut out = String::new();
    t.execute(&mut out, data).map(|()| out).map_err(|e| e.to_string())
}

fn parse(text: &str) -> Template {
    let t = Template::new("t");
    t.parse(text).expect("parses");
    t
}

#[test]
fn go_1_22_range_over_int() {
    // Go 1.22 doc: "{{range pipeline}} ... The value of the pipeline must be an array, slice,
    // map, iter.Seq, iter.Seq2, integer or channel"; an integer n iterates 0..n-1.
    assert_eq!(exec(&parse("{{range 3}}{{.}}{{end}}"), &Value::Nil).unwrap(), "012");
    assert_eq!(exec(&parse("{{range $i := 3}}<{{$i}}>{{end}}"), &Value::Nil).unwrap(), "<0><1><2>");
    assert_eq!(exec(&parse("{{range 0}}x{{else}}none{{end}}"), &Value::Nil).unwrap(), "none");
    assert_eq!(exec(&parse("{{range -2}}x{{else}}none{{end}}"), &Value::Nil).unwrap(), "none");
    assert_eq!(exec(&parse("{{range 5}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}"), &Value::Nil).unwrap(), "01");
    assert_eq!(
        exec(&parse("{{range $i, $e := 3}}{{end}}"), &Value::Nil).unwrap_err(),
        "template: t:1:18: executing \"t\" at <3>: can't use 3 to iterate over more than one variable"
    );
    // A float is not an integer: still an error.
    assert_eq!(
        exec(&parse("{{range 1.5}}{{end}}"), &Value::Nil).unwrap_err(),
        "template: t:1:8: executing \"t\" at <1.5>: range can't iterate over 1.5"
    );
}

#[test]
fn go_1_23_else_with() {
    // Go 1.23 doc: "{{with pipeline}} T1 {{else with pipeline}} T0 {{end}}".
    let t = parse("{{with .a}}A{{.}}{{else with .b}}B{{.}}{{else}}none{{end}}");
    let data = |a: i64, b: i64| {
        Value::map(BTreeMap::from([("a".to_string(), Value::Int(a)), ("b".to_string(), Value::Int(b))]))
    };
    assert_eq!(exec(&t, &data(1, 2)).unwrap(), "A1");
    assert_eq!(exec(&t, &data(0, 2)).unwrap(), "B2");
    assert_eq!(exec(&t, &data(0, 0)).unwrap(), "none");
    // `else if` stays an error inside with, `else with` inside if.
    assert!(Template::new("t").parse("{{if 1}}{{else with 2}}{{end}}").is_err());
}

fn num(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Float(f) => *f as i64,
        _ => 0,
    }
}

#[test]
fn registry_takes_closures_and_overrides_builtins() {
    let mut funcs = Funcs::new();
    let counter = Rc::new(std::cell::Cell::new(0));
    let c = counter.clone();
    funcs.insert_with_arity("add", Arity::Exact(2), |_, args| Ok(Value::Int(num(&args[0]) + num(&args[1]))));
    funcs.insert("count", move |_, _| {
        c.set(c.get() + 1);
        Ok(Value::Int(c.get()))
    });
    funcs.insert("fail", |_, args| Err(FuncError::Call(gotemplate::fmt::sprint(args))));
    funcs.insert("raw", |_, _| Err(FuncError::Exec("wrong type for value; expected string; got int".into())));
    // Overriding a builtin, as Go's Funcs allows.
    funcs.insert("len", |_, _| Ok(Value::Int(42)));
    let t = Template::new("t").funcs(&funcs);
    t.parse("{{add 1 2}} {{3 | add 4}} {{count}}{{count}} {{len .}}").unwrap();
    assert_eq!(exec(&t, &Value::Nil).unwrap(), "3 7 12 42");
    assert_eq!(counter.get(), 2);

    let t2 = Template::new("t").funcs(&funcs);
    t2.parse("{{add 1}}").unwrap();
    assert_eq!(
        exec(&t2, &Value::Nil).unwrap_err(),
        "template: t:1:2: executing \"t\" at <add>: wrong number of args for add: want 2 got 1"
    );
    let t3 = Template::new("t").funcs(&funcs);
    t3.parse("x{{fail \"boom\"}}").unwrap();
    assert_eq!(
        exec(&t3, &Value::Nil).unwrap_err(),
        "template: t:1:3: executing \"t\" at <fail \"boom\">: error calling fail: boom"
    );
    let t4 = Template::new("t").funcs(&funcs);
    t4.parse("{{raw}}").unwrap();
    assert_eq!(
        exec(&t4, &Value::Nil).unwrap_err(),
        "template: t:1:2: executing \"t\" at <raw>: wrong type for value; expected string; got int"
    );
    // Unregistered functions are parse errors.
    assert_eq!(
        Template::new("t").parse("{{nope 1}}").unwrap_err().to_string(),
        "template: t:1: function \"nope\" not defined"
    );
}

#[test]
fn argument_errors_point_at_the_argument_and_invalid_values_are_told_apart() {
    let mut funcs = Funcs::new();
    // A typed parameter's conversion error, reported at the argument as Go does.
    funcs.insert("second_bad", |_, _| Err(FuncError::Arg(1, "wrong type for value; expected int; got string".into())));
    // Which arguments are Go's invalid value (piped nil, missingkey=default) vs a nil interface.
    funcs.insert("invalid", |ctx, args| {
        Ok(Value::string((0..args.len()).map(|i| if ctx.arg_is_invalid(i) { 'I' } else { '-' }).collect::<String>()))
    });
    let t = Template::new("t").funcs(&funcs);
    t.parse("{{second_bad 1 \"x\" 3}}").unwrap();
    assert_eq!(
        exec(&t, &Value::Nil).unwrap_err(),
        "template: t:1:15: executing \"t\" at <\"x\">: wrong type for value; expected int; got string"
    );
    let data = Value::from_json(&serde_json::json!({"n": null, "s": "x"}), false);
    let t = Template::new("t").funcs(&funcs).option_missingkey(MissingKey::Zero);
    t.parse("{{invalid .n .s .missing}} {{.n | invalid .s}}").unwrap();
    assert_eq!(exec(&t, &data).unwrap(), "--- -I");
    let t = Template::new("t").funcs(&funcs);
    t.parse("{{invalid .missing .s}}").unwrap();
    assert_eq!(exec(&t, &data).unwrap(), "I-");
}

#[test]
fn include_and_tpl_through_the_call_context() {
    let mut funcs = Funcs::new();
    // Helm's include: execute a named template of the set into a string.
    funcs.insert_with_arity("include", Arity::Exact(2), |ctx, args| {
        let name = args[0].as_str().unwrap_or_default().to_string();
        ctx.execute_template(&name, &args[1]).map(Value::from).map_err(|e| FuncError::Call(e.to_string()))
    });
    // Helm's tpl: clone the set, parse the text under a new name, execute it.
    funcs.insert_with_arity("tpl", Arity::Exact(2), |ctx, args| {
        let text = args[0].as_str().unwrap_or_default().to_string();
        let clone = ctx.template().clone_set();
        let t = clone.parse_named("tpl", &text).map_err(|e| FuncError::Call(e.to_string()))?;
        let mut out = String::new();
        t.execute(&mut out, &args[1]).map_err(|e| FuncError::Call(e.to_string()))?;
        Ok(Value::from(out))
    });
    let t = Template::new("main").funcs(&funcs);
    t.parse(r#"{{define "x"}}[{{.}}]{{end}}{{include "x" 5 | printf "%s!"}} {{tpl "{{include \"x\" .}}" 7}}"#).unwrap();
    assert_eq!(exec(&t, &Value::Nil).unwrap(), "[5]! [7]");
    // tpl's template did not leak into the original set.
    assert!(t.lookup("tpl").is_none());
    assert!(t.lookup("x").is_some());
}

#[derive(Debug)]
struct Versions(Vec<&'static str>);

impl Object for Versions {
    fn type_name(&self) -> String {
        "chartutil.VersionSet".into()
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match (name, args) {
            ("Has", [Value::String(s)]) => Ok(Value::Bool(self.0.contains(&&**s))),
            ("Has", _) => Err("wrong arguments".into()),
            _ => Err(format!("no method {name}")),
        }
    }
}

#[derive(Debug)]
struct Caps;

impl Object for Caps {
    fn type_name(&self) -> String {
        "*chartutil.Capabilities".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "APIVersions" => Some(Value::Object(Rc::new(Versions(vec!["v1", "apps/v1"])))),
            "Missing" => Some(Value::Nil),
            _ => None,
        }
    }
}

#[test]
fn objects_have_fields_and_methods() {
    let data = Value::map(BTreeMap::from([("Capabilities".to_string(), Value::Object(Rc::new(Caps)))]));
    let t = parse(
        r#"{{.Capabilities.APIVersions.Has "apps/v1"}} {{.Capabilities.APIVersions.Has "x"}} {{$v := .Capabilities.APIVersions}}{{$v.Has "v1"}}"#,
    );
    assert_eq!(exec(&t, &data).unwrap(), "true false true");
    assert_eq!(
        exec(&parse("{{.Capabilities.Nope}}"), &data).unwrap_err(),
        "template: t:1:15: executing \"t\" at <.Capabilities.Nope>: can't evaluate field Nope in type interface {}"
    );
    // `.Capabilities` is a map element (interface {}); `$c` holds the object itself.
    assert_eq!(
        exec(&parse("{{$c := .Capabilities}}{{$c.Nope}}"), &data).unwrap_err(),
        "template: t:1:27: executing \"t\" at <$c.Nope>: can't evaluate field Nope in type *chartutil.Capabilities"
    );
    assert_eq!(
        exec(&parse("{{.Capabilities.Missing.x}}"), &data).unwrap_err(),
        "template: t:1:15: executing \"t\" at <.Capabilities.Missing.x>: nil pointer evaluating interface {}.x"
    );
    assert_eq!(
        exec(&parse("{{.Capabilities.APIVersions.Has 1}}"), &data).unwrap_err(),
        "template: t:1:15: executing \"t\" at <.Capabilities.APIVersions.Has>: error calling Has: wrong arguments"
    );
}

#[test]
fn maps_mutated_by_functions_are_seen_by_every_holder() {
    let mut funcs = Funcs::new();
    funcs.insert_with_arity("set", Arity::Exact(3), |_, args| {
        if let (Value::Map(m), Some(k)) = (&args[0], args[1].as_str()) {
            m.borrow_mut().insert(k.to_string(), args[2].clone());
        }
        Ok(args[0].clone())
    });
    let t = Template::new("t").funcs(&funcs);
    t.parse(r#"{{define "d"}}{{$_ := set .a "k" "v"}}{{end}}{{template "d" .}}{{$x := .a}}{{.a.k}} {{$x.k}}"#).unwrap();
    let data = Value::map(BTreeMap::from([("a".to_string(), Value::map(BTreeMap::new()))]));
    assert_eq!(exec(&t, &data).unwrap(), "v v");
}

#[test]
fn template_set_api() {
    let t = Template::new("root").delims("<<", ">>");
    t.parse("<<define \"a\">>A<<.>><<end>><<template \"a\" 1>>{{.}}").unwrap();
    assert_eq!(exec(&t, &Value::Nil).unwrap(), "A1{{.}}");
    assert_eq!(t.defined_templates(), "; defined templates are: \"a\", \"root\"");
    // A non-empty redefinition replaces, an empty one does not.
    t.parse_named("a", "B").unwrap();
    t.parse_named("a", "  ").unwrap();
    assert_eq!(exec(&t, &Value::Nil).unwrap(), "B{{.}}");
    let mut out = String::new();
    assert_eq!(
        t.execute_template(&mut out, "nope", &Value::Nil).unwrap_err().to_string(),
        "template: no template \"nope\" associated with template \"root\""
    );
    assert_eq!(
        Template::new("empty").execute_to_string(&Value::Nil).unwrap_err().to_string(),
        "template: empty: \"empty\" is an incomplete or empty template"
    );
    // missingkey via Option strings.
    let t = Template::new("t").option("missingkey=error").unwrap();
    t.parse("{{.x}}").unwrap();
    assert!(exec(&t, &Value::map(BTreeMap::new())).unwrap_err().ends_with("map has no entry for key \"x\""));
    assert!(Template::new("t").option("bogus").is_err());
}

#[test]
fn exec_depth_limit_is_gos() {
    let t = parse("{{define \"a\"}}{{template \"a\" .}}{{end}}{{template \"a\" .}}");
    assert_eq!(
        exec(&t, &Value::Nil).unwrap_err(),
        "template: t:1:25: executing \"a\" at <{{template \"a\" .}}>: exceeded maximum template depth (100000)"
    );
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let deep = format!("{{{{{}1{}}}}}", "(".repeat(20000), ")".repeat(20000));
    assert_eq!(exec(&parse(&deep), &Value::Nil).unwrap(), "1");
    let nested_ifs = format!("{}x{}", "{{if 1}}".repeat(5000), "{{end}}".repeat(5000));
    assert_eq!(exec(&parse(&nested_ifs), &Value::Nil).unwrap(), "x");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn data() -> Value {
        let json: serde_json::Value = serde_json::from_str(
            r#"{"a":{"b":1,"c":"x"},"n":null,"list":[1,"two",3.5,[1],{"k":"v"}],"m":{"z":1,"a":2},"s":"hello","i":3,"t":true}"#,
        )
        .unwrap_or_default();
        Value::from_json(&json, false)
    }

    /// Fragments that make likely-valid templates, so the executor is reached often.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("{{".to_string()),
            Just("}}".to_string()),
            Just("{{- ".to_string()),
            Just(" -}}".to_string()),
            Just("{{end}}".to_string()),
            Just("{{else}}".to_string()),
            Just("{{range .list}}".to_string()),
            Just("{{if .".to_string()),
            Just("{{with .a}}".to_string()),
            Just("{{break}}".to_string()),
            Just("{{continue}}".to_string()),
            Just("{{define \"x\"}}".to_string()),
            Just("{{template \"x\" .}}".to_string()),
            Just("{{block \"b\" .}}".to_string()),
            Just("$x := ".to_string()),
            Just("$x".to_string()),
            Just(" | ".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just(".a.b".to_string()),
            Just(".list".to_string()),
            Just(".m".to_string()),
            Just(".n.x".to_string()),
            Just(" index ".to_string()),
            Just(" slice ".to_string()),
            Just(" len ".to_string()),
            Just(" eq ".to_string()),
            Just(" lt ".to_string()),
            Just(" and ".to_string()),
            Just(" or ".to_string()),
            Just(" not ".to_string()),
            Just(" printf \"%v %d %s\" ".to_string()),
            Just(" print ".to_string()),
            Just(" html ".to_string()),
            Just(" js ".to_string()),
            Just(" urlquery ".to_string()),
            Just(" call ".to_string()),
            Just(" 1 ".to_string()),
            Just(" -1 ".to_string()),
            Just(" 0x1p3 ".to_string()),
            Just(" 'a' ".to_string()),
            Just(" 1i ".to_string()),
            Just(" \"s\" ".to_string()),
            Just(" nil ".to_string()),
            Just("/*".to_string()),
            Just("*/".to_string()),
            "[ -~\\n]{0,6}",
            any::<char>().prop_map(|c| c.to_string()),
        ]
    }

    proptest! {
        // A short run by default; PROPTEST_CASES=N for a long one.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(500),
            ..ProptestConfig::default()
        })]

        #[test]
        fn parse_and_execute_never_panic(parts in proptest::collection::vec(fragment(), 0..40)) {
            let text: String = parts.concat();
            for mk in [MissingKey::Default, MissingKey::Zero, MissingKey::Error] {
                let t = Template::new("t").option_missingkey(mk);
                if t.parse(&text).is_ok() {
                    let mut out = String::new();
                    let _ = t.execute(&mut out, &data());
                }
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let t = Template::new("t");
            if t.parse(&text).is_ok() {
                let mut out = String::new();
                let _ = t.execute(&mut out, &data());
            }
        }
    }
}
