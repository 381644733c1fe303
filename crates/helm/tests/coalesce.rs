//! Helm's coalescing, checked with the cases of Helm's own coalesce tests
//! (pkg/chart/common/util/coalesce_test.go), written here as our own data.

use gotemplate::{Template, Value};
use helm::chart::Chart;
use helm::values::{self, value_to_json};
use serde_json::{Value as Json, json};

fn chart(name: &str, values: Json, deps: Vec<Chart>) -> Chart {
    let mut c = Chart::default();
    c.metadata.name = name.into();
    c.metadata.api_version = "v2".into();
    c.metadata.version = "0.1.0".into();
    c.values = match values {
        Json::Object(m) => m,
        _ => Default::default(),
    };
    c.dependencies = deps;
    c
}

fn user(yaml: &str) -> Value {
    values::parse_values_file("values.yaml", yaml).unwrap()
}

fn tpl(text: &str, data: &Value) -> String {
    let t = Template::new("t");
    t.parse(text).unwrap();
    t.execute_to_string(data).unwrap()
}

fn has(v: &Value, path: &str) -> bool {
    let mut cur = v.clone();
    for part in path.split('.') {
        let next = match &cur {
            Value::Map(m) => match m.borrow().get(part) {
                Some(x) => x.clone(),
                None => return false,
            },
            _ => return false,
        };
        cur = next;
    }
    true
}

const MOBY_VALUES: &str = "
top: yup
bottom: null
right: Null
left: NULL
front: ~
back: \"\"
nested:
  boat: null

global:
  name: Ishmael
  subject: Queequeg
  nested:
    boat: true

pequod:
  boat: null
  global:
    name: Stinky
    harpooner: Tashtego
    nested:
      boat: false
      sail: true
      foo2: null
  ahab:
    scope: whale
    boat: null
    nested:
      foo: true
      boat: null
    object: null
";

fn moby(with_pequod_defaults: bool) -> Chart {
    let mut moby_values = json!({
        "back": "exists", "bottom": "exists", "front": "exists", "left": "exists", "name": "moby",
        "nested": {"boat": true}, "override": "bad", "right": "exists", "scope": "moby", "top": "nope",
        "global": {"nested2": {"l0": "moby"}}
    });
    let mut pequod_values = json!({"name": "pequod", "scope": "pequod", "global": {"nested2": {"l1": "pequod"}}});
    let mut ahab_values = json!({
        "global": {"nested": {"foo": "bar"}, "nested2": {"l2": "ahab"}},
        "scope": "ahab", "name": "ahab", "boat": true, "nested": {"foo": false, "bar": true}
    });
    if with_pequod_defaults {
        moby_values["pequod"] = json!({"boat": "maybe", "ahab": {"boat": "maybe", "nested": {"boat": "maybe"}}});
        pequod_values["boat"] = json!(false);
        pequod_values["ahab"] = json!({"boat": false, "nested": {"boat": false}});
        ahab_values = json!({
            "global": {"nested": {"foo": "bar", "foo2": "bar2"}, "nested2": {"l2": "ahab"}},
            "scope": "ahab", "name": "ahab", "boat": true, "nested": {"foo": false, "boat": true},
            "object": {"foo": "bar"}
        });
    }
    chart(
        "moby",
        moby_values,
        vec![
            chart("pequod", pequod_values, vec![chart("ahab", ahab_values, vec![])]),
            chart("spouter", json!({"scope": "spouter", "global": {"nested2": {"l1": "spouter"}}}), vec![]),
        ],
    )
}

const COMMON_EXPECTATIONS: &[(&str, &str)] = &[
    ("{{.top}}", "yup"),
    ("{{.back}}", ""),
    ("{{.name}}", "moby"),
    ("{{.global.name}}", "Ishmael"),
    ("{{.global.subject}}", "Queequeg"),
    ("{{.global.harpooner}}", "<no value>"),
    ("{{.pequod.name}}", "pequod"),
    ("{{.pequod.ahab.name}}", "ahab"),
    ("{{.pequod.ahab.scope}}", "whale"),
    ("{{.pequod.ahab.nested.foo}}", "true"),
    ("{{.pequod.ahab.global.name}}", "Ishmael"),
    ("{{.pequod.ahab.global.nested.foo}}", "bar"),
    ("{{.pequod.ahab.global.subject}}", "Queequeg"),
    ("{{.pequod.ahab.global.harpooner}}", "Tashtego"),
    ("{{.pequod.global.name}}", "Ishmael"),
    ("{{.pequod.global.nested.foo}}", "<no value>"),
    ("{{.pequod.global.subject}}", "Queequeg"),
    ("{{.spouter.global.name}}", "Ishmael"),
    ("{{.spouter.global.harpooner}}", "<no value>"),
    ("{{.global.nested.boat}}", "true"),
    ("{{.pequod.global.nested.boat}}", "true"),
    ("{{.spouter.global.nested.boat}}", "true"),
    ("{{.pequod.global.nested.sail}}", "true"),
    ("{{.spouter.global.nested.sail}}", "<no value>"),
    ("{{.global.nested2.l0}}", "moby"),
    ("{{.global.nested2.l1}}", "<no value>"),
    ("{{.global.nested2.l2}}", "<no value>"),
    ("{{.pequod.global.nested2.l0}}", "moby"),
    ("{{.pequod.global.nested2.l1}}", "pequod"),
    ("{{.pequod.global.nested2.l2}}", "<no value>"),
    ("{{.pequod.ahab.global.nested2.l0}}", "moby"),
    ("{{.pequod.ahab.global.nested2.l1}}", "pequod"),
    ("{{.pequod.ahab.global.nested2.l2}}", "ahab"),
    ("{{.spouter.global.nested2.l0}}", "moby"),
    ("{{.spouter.global.nested2.l1}}", "spouter"),
    ("{{.spouter.global.nested2.l2}}", "<no value>"),
];

#[test]
fn coalesce_values_moby_dick() {
    let c = moby(true);
    let vals = user(MOBY_VALUES);
    let before = value_to_json(&vals);
    let v = values::coalesce_values(&c, &vals).unwrap();
    for (t, want) in COMMON_EXPECTATIONS {
        assert_eq!(tpl(t, &v), *want, "{t}");
    }
    assert_eq!(tpl("{{.pequod.ahab.global.nested.foo2}}", &v), "<no value>");
    for key in ["bottom", "right", "left", "front", "nested.boat", "pequod.boat", "pequod.ahab.boat"] {
        assert!(!has(&v, key), "{key} should have been removed");
    }
    assert!(!has(&v, "pequod.ahab.nested.boat"));
    assert!(!has(&v, "pequod.ahab.object"));
    // CoalesceValues does not change its argument.
    assert_eq!(value_to_json(&vals), before);
}

#[test]
fn merge_values_keeps_nulls() {
    let c = moby(false);
    let vals = user(MOBY_VALUES);
    let before = value_to_json(&vals);
    let v = values::merge_values(&c, &vals).unwrap();
    for (t, want) in COMMON_EXPECTATIONS {
        assert_eq!(tpl(t, &v), *want, "{t}");
    }
    for key in ["bottom", "right", "left", "front"] {
        assert_eq!(value_to_json(&v)[key], Json::Null, "{key}");
        assert!(has(&v, key), "{key} should be kept");
    }
    assert!(has(&v, "nested.boat"));
    assert!(has(&v, "pequod.ahab.boat"));
    assert!(has(&v, "pequod.ahab.nested.bar"));
    assert_eq!(value_to_json(&vals), before);
}

fn main_data() -> Value {
    Value::from_json(
        &json!({
            "name": "Ishmael",
            "address": {"street": "123 Spouter Inn Ct.", "city": "Nantucket", "country": null},
            "details": {"friends": ["Tashtego"]},
            "boat": "pequod",
            "hole": null
        }),
        false,
    )
}

fn secondary_data() -> Value {
    Value::from_json(
        &json!({
            "occupation": "whaler",
            "address": {"state": "MA", "street": "234 Spouter Inn Ct.", "country": "US"},
            "details": "empty",
            "boat": {"mast": true},
            "hole": "black"
        }),
        false,
    )
}

fn map_of(v: &Value) -> gotemplate::value::MapRef {
    match v {
        Value::Map(m) => m.clone(),
        other => panic!("not a map: {other:?}"),
    }
}

#[test]
fn coalesce_tables() {
    let dst = main_data();
    values::coalesce_tables(&map_of(&dst), &map_of(&secondary_data()));
    assert_eq!(
        value_to_json(&dst),
        json!({
            "name": "Ishmael",
            "occupation": "whaler",
            "address": {"street": "123 Spouter Inn Ct.", "city": "Nantucket", "state": "MA"},
            "details": {"friends": ["Tashtego"]},
            "boat": "pequod"
        })
    );
}

#[test]
fn merge_tables_keep_nulls() {
    let dst = main_data();
    values::merge_tables(&map_of(&dst), &map_of(&secondary_data()));
    assert_eq!(
        value_to_json(&dst),
        json!({
            "name": "Ishmael",
            "occupation": "whaler",
            "address": {"street": "123 Spouter Inn Ct.", "city": "Nantucket", "state": "MA", "country": null},
            "details": {"friends": ["Tashtego"]},
            "boat": "pequod",
            "hole": null
        })
    );
}

#[test]
fn coalesce_tables_with_empty_source_keeps_everything() {
    let dst = Value::from_json(
        &json!({"name": "Ishmael", "address": {"country": "US"}, "hole": "black", "nilval": null}),
        false,
    );
    let empty = Value::map(Default::default());
    values::merge_tables(&map_of(&dst), &map_of(&empty));
    assert_eq!(
        value_to_json(&dst),
        json!({"name": "Ishmael", "address": {"country": "US"}, "hole": "black", "nilval": null})
    );
}

#[test]
fn user_null_for_a_key_the_chart_lacks_is_kept() {
    // Helm issue 31643: chart `data: {}`, user `data: {foo: bar, baz: ~}`.
    let c = chart("test", json!({"data": {}}), vec![]);
    let v = values::coalesce_values(&c, &user("data:\n  foo: bar\n  baz: ~\n")).unwrap();
    assert_eq!(value_to_json(&v), json!({"data": {"foo": "bar", "baz": null}}));
}

#[test]
fn type_clashes_keep_the_user_value() {
    // Helm only warns for these; the higher-priority value stays.
    let c = chart(
        "level1",
        json!({"name": "moby"}),
        vec![chart(
            "level2",
            json!({"name": "pequod"}),
            vec![chart(
                "level3",
                json!({"name": "ahab", "boat": true, "spear": {"tip": true, "sail": {"cotton": true}}}),
                vec![],
            )],
        )],
    );
    let vals =
        user("level2:\n  level3:\n    boat: {mast: true}\n    spear:\n      tip: {sharp: true}\n      sail: true\n");
    let v = values::coalesce_values(&c, &vals).unwrap();
    let l3 = &value_to_json(&v)["level2"]["level3"];
    assert_eq!(l3["boat"], json!({"mast": true}));
    assert_eq!(l3["spear"]["tip"], json!({"sharp": true}));
    assert_eq!(l3["spear"]["sail"], json!(true));
    assert_eq!(l3["name"], json!("ahab"));
}

#[test]
fn a_non_map_subchart_section_is_an_error() {
    let c = chart("parent", json!({}), vec![chart("sub", json!({"a": 1}), vec![])]);
    let err = values::coalesce_values(&c, &user("sub: 3\n")).unwrap_err();
    assert!(err.to_string().starts_with("type mismatch on sub: "), "{err}");
}

#[test]
fn globals_from_the_parent_win_and_reach_every_level() {
    // Helm's TestCoalesceDep, as data: the subchart's own globals are kept unless the parent
    // sets the same key.
    let sub = chart("subchart", json!({"global": {"port": 80, "service": "users"}, "occupation": "whaler"}), vec![]);
    let c = chart("parent", json!({}), vec![sub]);
    let vals = user("global:\n  IP: 192.168.0.1\n  port: 8080\nsubchart:\n  name: Ishmael\nother:\n  type: car\n");
    let v = values::coalesce_values(&c, &vals).unwrap();
    let j = value_to_json(&v);
    assert_eq!(j["subchart"]["global"], json!({"IP": "192.168.0.1", "port": 8080.0, "service": "users"}));
    assert_eq!(j["subchart"]["name"], json!("Ishmael"));
    assert_eq!(j["subchart"]["occupation"], json!("whaler"));
    assert!(j["subchart"].get("other").is_none());
}
