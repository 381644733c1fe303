//! Helm's `--set` parser, checked with the cases of Helm's pkg/strvals/parser_test.go written
//! here as our own data (expected values as JSON; `None` means an error).

use gotemplate::Value;
use helm::strvals;
use helm::values::value_to_json;
use serde_json::{Value as Json, json};

fn set_cases() -> Vec<(&'static str, Option<Json>)> {
    vec![
        ("name1=null,f=false,t=true", Some(json!({"name1": null, "f": false, "t": true}))),
        ("name1=value1", Some(json!({"name1": "value1"}))),
        ("name1=value1,name2=value2", Some(json!({"name1": "value1", "name2": "value2"}))),
        ("name1=value1,name2=value2,", Some(json!({"name1": "value1", "name2": "value2"}))),
        ("name1=value1,,,,name2=value2,", None),
        ("name1=,name2=value2", Some(json!({"name1": "", "name2": "value2"}))),
        ("leading_zeros=00009", Some(json!({"leading_zeros": "00009"}))),
        ("zero_int=0", Some(json!({"zero_int": 0}))),
        ("long_int=1234567890", Some(json!({"long_int": 1234567890}))),
        ("boolean=true", Some(json!({"boolean": true}))),
        ("is_null=null", Some(json!({"is_null": null}))),
        ("name1,name2=", None),
        ("name1,name2=value2", None),
        ("name1,name2=value2\\", None),
        ("name1,name2", None),
        ("name1=one\\,two,name2=three\\,four", Some(json!({"name1": "one,two", "name2": "three,four"}))),
        ("name1=one\\=two,name2=three\\=four", Some(json!({"name1": "one=two", "name2": "three=four"}))),
        ("name1=one two three,name2=three two one", Some(json!({"name1": "one two three", "name2": "three two one"}))),
        ("outer.inner=value", Some(json!({"outer": {"inner": "value"}}))),
        ("outer.middle.inner=value", Some(json!({"outer": {"middle": {"inner": "value"}}}))),
        ("outer.inner1=value,outer.inner2=value2", Some(json!({"outer": {"inner1": "value", "inner2": "value2"}}))),
        (
            "outer.inner1=value,outer.middle.inner=value",
            Some(json!({"outer": {"inner1": "value", "middle": {"inner": "value"}}})),
        ),
        ("name1.name2", None),
        ("name1.name2,name1.name3", None),
        ("name1.name2=", Some(json!({"name1": {"name2": ""}}))),
        ("name1.=name2", None),
        ("name1.,name2", None),
        ("name1={value1,value2}", Some(json!({"name1": ["value1", "value2"]}))),
        (
            "name1={value1,value2},name2={value1,value2}",
            Some(json!({"name1": ["value1", "value2"], "name2": ["value1", "value2"]})),
        ),
        ("name1={1021,902}", Some(json!({"name1": [1021, 902]}))),
        ("name1.name2={value1,value2}", Some(json!({"name1": {"name2": ["value1", "value2"]}}))),
        ("name1={1021,902", None),
        // Lists
        ("list[0]=foo", Some(json!({"list": ["foo"]}))),
        ("list[0].foo=bar", Some(json!({"list": [{"foo": "bar"}]}))),
        ("list[0].foo=bar,list[0].hello=world", Some(json!({"list": [{"foo": "bar", "hello": "world"}]}))),
        ("list[0].foo=bar,list[-30].hello=world", None),
        ("list[0]=foo,list[1]=bar", Some(json!({"list": ["foo", "bar"]}))),
        ("list[0]=foo,list[1]=bar,", Some(json!({"list": ["foo", "bar"]}))),
        ("list[0]=foo,list[3]=bar", Some(json!({"list": ["foo", null, null, "bar"]}))),
        ("list[0]=foo,list[-20]=bar", None),
        ("illegal[0]name.foo=bar", None),
        ("noval[0]", Some(json!({"noval": []}))),
        ("noval[0]=", Some(json!({"noval": [""]}))),
        ("nested[0][0]=1", Some(json!({"nested": [[1]]}))),
        ("nested[1][1]=1", Some(json!({"nested": [null, [null, 1]]}))),
        (
            "name1.name2[0].foo=bar,name1.name2[1].foo=bar",
            Some(json!({"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}})),
        ),
        (
            "name1.name2[1].foo=bar,name1.name2[0].foo=bar",
            Some(json!({"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}})),
        ),
        ("name1.name2[1].foo=bar", Some(json!({"name1": {"name2": [null, {"foo": "bar"}]}}))),
        ("]={}].", None),
    ]
}

#[test]
fn parse_set() {
    for (input, want) in set_cases() {
        let got = strvals::parse(input);
        match (got, want) {
            (Ok(v), Some(want)) => assert_eq!(value_to_json(&v), want, "{input}"),
            (Err(_), None) => {}
            (Ok(v), None) => panic!("{input}: expected an error, got {:?}", value_to_json(&v)),
            (Err(e), Some(_)) => panic!("{input}: {e}"),
        }
    }
}

#[test]
fn parse_set_string() {
    let cases = [
        ("long_int_string=1234567890", json!({"long_int_string": "1234567890"})),
        ("boolean=true", json!({"boolean": "true"})),
        ("is_null=null", json!({"is_null": "null"})),
        ("zero=0", json!({"zero": "0"})),
    ];
    for (input, want) in cases {
        assert_eq!(value_to_json(&strvals::parse_string(input).unwrap()), want, "{input}");
    }
}

#[test]
fn set_types_are_go_types() {
    let v = strvals::parse("a=5,b=TRUE,c=Null,d=-3,e=+4,f=1.5,g=0x10,h=9223372036854775808").unwrap();
    let j = value_to_json(&v);
    assert_eq!(
        j,
        json!({"a": 5, "b": true, "c": null, "d": -3, "e": 4, "f": "1.5", "g": "0x10", "h": "9223372036854775808"})
    );
    let Value::Map(m) = &v else { panic!() };
    assert_eq!(m.borrow()["a"].type_name(), "int");
}

fn map_from(j: Json) -> gotemplate::value::MapRef {
    match Value::from_json(&j, true) {
        Value::Map(m) => m,
        _ => panic!(),
    }
}

#[test]
fn parse_into_existing_values() {
    // (existing, first, second, expected): Helm's TestParseInto cases.
    let cases = [
        (
            json!({"outer": {"inner1": "overwrite", "inner2": "value2"}}),
            "outer.inner1=value1,outer.inner3=value3,outer.inner4=4",
            "",
            json!({"outer": {"inner1": "value1", "inner2": "value2", "inner3": "value3", "inner4": 4}}),
        ),
        (
            json!({}),
            "listOuter[0][0].type=listValue",
            "listOuter[0][0].status=alive",
            json!({"listOuter": [[{"type": "listValue", "status": "alive"}]]}),
        ),
        (
            json!({}),
            "listOuter[0][0].type=listValue",
            "listOuter[1][0].status=alive",
            json!({"listOuter": [[{"type": "listValue"}], [{"status": "alive"}]]}),
        ),
        (
            json!({"listOuter": [[[{"exited": "old"}]]]}),
            "listOuter[0][1][0].type=listValue",
            "listOuter[0][0][1].status=alive",
            json!({"listOuter": [[[{"exited": "old"}, {"status": "alive"}], [{"type": "listValue"}]]]}),
        ),
    ];
    for (existing, first, second, want) in cases {
        let m = map_from(existing);
        strvals::parse_into(first, &m).unwrap();
        if !second.is_empty() {
            strvals::parse_into(second, &m).unwrap();
        }
        assert_eq!(value_to_json(&Value::Map(m)), want, "{first} / {second}");
    }
    let m = map_from(json!({"outer": {"inner1": "overwrite", "inner2": "value2"}}));
    strvals::parse_into_string("outer.inner1=1,outer.inner3=3", &m).unwrap();
    assert_eq!(value_to_json(&Value::Map(m)), json!({"outer": {"inner1": "1", "inner2": "value2", "inner3": "3"}}));
}

#[test]
fn error_messages_are_helms() {
    let cases = [
        ("name1,name2", "key \"name1\" has no value (cannot end with ,)"),
        ("name1.name2", "key \"name2\" has no value"),
        ("name1.=name2", "key map \"name1\" has no value"),
        ("name1={1021,902", "list must terminate with '}'"),
        ("list[0].foo=bar,list[-30].hello=world", "negative -30 index not allowed"),
        ("list[65537]=foo", "index of 65537 is greater than maximum supported index of 65536"),
        ("illegal[0]name.foo=bar", "unexpected data at end of array index: \"name\""),
        ("a[x]=1", "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax"),
        ("a[1", "error parsing index: EOF"),
        ("a=1,a.b=2", "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}"),
        ("a=1,a[0]=2", "unable to parse key: interface conversion: interface {} is int64, not []interface {}"),
    ];
    for (input, want) in cases {
        assert_eq!(strvals::parse(input).unwrap_err().to_string(), want, "{input}");
    }
    let deep: Vec<String> = (1..=32).map(|i| format!("name{i}")).collect();
    assert_eq!(
        strvals::parse(&format!("{}=value", deep.join("."))).unwrap_err().to_string(),
        "value name nested level is greater than maximum supported nested level of 30"
    );
    let ok: Vec<String> = (1..=31).map(|i| format!("n{i}")).collect();
    assert!(strvals::parse(&format!("{}=value", ok.join("."))).is_ok());
}

#[test]
fn no_panic_on_odd_input() {
    for input in [
        "",
        "=",
        ",",
        "[",
        "]",
        "[]",
        "a[]",
        "a[0",
        "\\",
        "a=\\",
        "{",
        "a={",
        "a={}",
        ".",
        "a..b=1",
        "a[0][",
        "a[0].",
        "a[99999999999999999999]=1",
        "€[0]=ü",
    ] {
        let _ = strvals::parse(input);
        let _ = strvals::parse_string(input);
    }
}

#[test]
fn parse_json_values() {
    // Helm's TestParseJSON cases.
    let m = map_from(json!({"outer": {"inner1": "overwrite", "inner2": "value2"}}));
    strvals::parse_json("outer.inner1=\"1\",outer.inner3=3,outer.inner4=true,outer.inner5=\"true\"", &m).unwrap();
    assert_eq!(
        value_to_json(&Value::Map(m)),
        json!({"outer": {"inner1": "1", "inner2": "value2", "inner3": 3.0, "inner4": true, "inner5": "true"}})
    );

    let m = map_from(json!({"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2", "inner3": ["overwrite"]}}));
    strvals::parse_json(
        "outer.inner1={\"a\":\"1\",\"b\":2,\"c\":[1,2,3]},outer.inner3=[\"new value 1\",\"new value 2\"],outer.inner4={\"aa\":\"1\",\"bb\":2,\"cc\":[1,2,3]},outer.inner5=[{\"A\":\"1\",\"B\":2,\"C\":[1,2,3]}]",
        &m,
    )
    .unwrap();
    assert_eq!(
        value_to_json(&Value::Map(m)),
        json!({"outer": {
            "inner1": {"a": "1", "b": 2.0, "c": [1.0, 2.0, 3.0]},
            "inner2": "value2",
            "inner3": ["new value 1", "new value 2"],
            "inner4": {"aa": "1", "bb": 2.0, "cc": [1.0, 2.0, 3.0]},
            "inner5": [{"A": "1", "B": 2.0, "C": [1.0, 2.0, 3.0]}]
        }})
    );

    let m = map_from(json!({"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2"}}));
    strvals::parse_json(
        "outer.inner1=,outer.inner3={\"aa\":\"1\",\"bb\":2,\"cc\":[1,2,3]},outer.inner3.cc[1]=null",
        &m,
    )
    .unwrap();
    assert_eq!(
        value_to_json(&Value::Map(m)),
        json!({"outer": {"inner1": null, "inner2": "value2", "inner3": {"aa": "1", "bb": 2.0, "cc": [1.0, null, 3.0]}}})
    );

    let m = map_from(json!({}));
    assert!(strvals::parse_json("outer.inner5={\"A\":\"1\",\"B\":2,\"C\":[1,2,3]}]", &m).is_err());
}

#[test]
fn parse_file_values() {
    let m = map_from(json!({}));
    let reader =
        |p: &str| if p == "path1" { Ok(Value::string("value1")) } else { Err(format!("open {p}: no such file")) };
    strvals::parse_into_file("name1=path1", &m, &reader).unwrap();
    assert_eq!(value_to_json(&Value::Map(m.clone())), json!({"name1": "value1"}));
    assert_eq!(strvals::parse_into_file("name2=nope", &m, &reader).unwrap_err().to_string(), "open nope: no such file");
}

#[test]
fn parse_literal_values() {
    // Helm's TestParseLiteral cases (a selection), as our data.
    let cases: Vec<(&str, Option<Json>)> = vec![
        ("name", None),
        ("name=", Some(json!({"name": ""}))),
        ("name=value", Some(json!({"name": "value"}))),
        ("long_int_string=1234567890", Some(json!({"long_int_string": "1234567890"}))),
        ("boolean=true", Some(json!({"boolean": "true"}))),
        ("is_null=null", Some(json!({"is_null": "null"}))),
        ("name1,name2=", Some(json!({"name1,name2": ""}))),
        ("name1,name2=value2", Some(json!({"name1,name2": "value2"}))),
        ("name1=one,two,three", Some(json!({"name1": "one,two,three"}))),
        ("name1=one\\,two", Some(json!({"name1": "one\\,two"}))),
        ("name1={value1,value2}", Some(json!({"name1": "{value1,value2}"}))),
        ("outer.inner=value", Some(json!({"outer": {"inner": "value"}}))),
        ("name1.name2", None),
        ("name1.=name2", None),
        ("list[0]=foo", Some(json!({"list": ["foo"]}))),
        ("list[0].foo=bar", Some(json!({"list": [{"foo": "bar"}]}))),
        ("list[-30].hello=world", None),
        ("list[3]=bar", Some(json!({"list": [null, null, null, "bar"]}))),
        ("illegal[0]name.foo=bar", None),
        ("noval[0]", Some(json!({"noval": []}))),
        ("nested[1][1]=1", Some(json!({"nested": [null, [null, "1"]]}))),
        ("name1.name2[1].foo=bar", Some(json!({"name1": {"name2": [null, {"foo": "bar"}]}}))),
    ];
    for (input, want) in cases {
        let m = map_from(json!({}));
        match (strvals::parse_literal_into(input, &m), want) {
            (Ok(()), Some(want)) => assert_eq!(value_to_json(&Value::Map(m)), want, "{input}"),
            (Err(_), None) => {}
            (Ok(()), None) => panic!("{input}: expected an error, got {:?}", value_to_json(&Value::Map(m))),
            (Err(e), Some(_)) => panic!("{input}: {e}"),
        }
    }
}

#[test]
fn deep_list_nesting_is_bounded() {
    let deep = format!("a{}=1", "[0]".repeat(5000));
    assert_eq!(
        strvals::parse(&deep).unwrap_err().to_string(),
        "list index nested level is greater than maximum supported nested level of 64"
    );
    let m = map_from(json!({}));
    assert!(strvals::parse_literal_into(&deep, &m).is_err());
    assert!(strvals::parse(&format!("a{}=1", "[0]".repeat(60))).is_ok());
}
