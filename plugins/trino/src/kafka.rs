//! The optional `kafka` catalog (`enable_trino_kafka`): Trino's Kafka connector on the cluster of
//! the kafka addon, whose bootstrap servers come from the endpoint that addon publishes (never a
//! Service name written here), its checks and its note.
//!
//! Properties are those of Trino's Kafka connector (docs/src/main/sphinx/connector/kafka.md;
//! `io.trino.plugin.kafka.KafkaConfig` and
//! `io.trino.plugin.kafka.schema.file.FileTableDescriptionSupplierConfig`).

use crate::config::{Config, KAFKA_FLAG};
use crate::objects::endpoint_namespace;
use dataplat_sdk::*;

/// The addon and endpoint `kafka.nodes` is read from: the plaintext bootstrap servers, `host:port`.
pub const KAFKA_ADDON: &str = "kafka";
pub const BOOTSTRAP_ENDPOINT: &str = "bootstrap";
/// The catalog file in ConfigMap `trino-catalog`: the catalog is called `kafka`.
pub(crate) const CATALOG_FILE: &str = "kafka.properties";
/// Schema of the listed topics (`kafka.default-schema`, Trino's default too).
const SCHEMA: &str = "default";
/// Kafka's longest topic name.
const TOPIC_MAX_LEN: usize = 249;

/// The diagnostic for [`KAFKA_FLAG`] without the kafka addon's bootstrap endpoint.
fn missing_endpoint(facts: &PlatformFacts) -> Diagnostic {
    let message =
        format!("{KAFKA_FLAG} needs the {KAFKA_ADDON} addon's endpoint {BOOTSTRAP_ENDPOINT} for the kafka catalog");
    Diagnostic::error("", message).hint(if facts.addon_enabled(KAFKA_ADDON) {
        "kafka is enabled but did not plan: fix its errors first"
    } else {
        "enable_kafka: true"
    })
}

/// `kafka.nodes`: the kafka addon's `bootstrap` endpoint as `host:port` (a `scheme://` prefix or
/// a trailing `/` dropped).
fn host_port(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest).trim_end_matches('/')
}

/// With [`KAFKA_FLAG`], the value of `kafka.nodes`; a missing endpoint refuses the plan. Without
/// the flag, `None`.
pub(crate) fn bootstrap(facts: &PlatformFacts) -> Result<Option<String>, Vec<Diagnostic>> {
    if !facts.flag(KAFKA_FLAG) {
        return Ok(None);
    }
    match facts.endpoint(KAFKA_ADDON, BOOTSTRAP_ENDPOINT) {
        Some(endpoint) if !host_port(&endpoint.url).is_empty() => Ok(Some(host_port(&endpoint.url).to_string())),
        _ => Err(vec![missing_endpoint(facts)]),
    }
}

/// Whether `name` is a legal Kafka topic name: 1 to 249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
fn is_topic_name(name: &str) -> bool {
    (1..=TOPIC_MAX_LEN).contains(&name.len())
        && name != "."
        && name != ".."
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The `(schema, table)` Trino makes of a listed topic: a name with exactly one dot and text on
/// both sides is `schema.table`, any other is a table of schema `default`; Trino lowercases both.
fn table_of(topic: &str) -> (String, String) {
    match topic.split_once('.') {
        Some((schema, table)) if !schema.is_empty() && !table.is_empty() && !table.contains('.') => {
            (schema.to_lowercase(), table.to_lowercase())
        }
        _ => (SCHEMA.to_string(), topic.to_lowercase()),
    }
}

/// `kafka.<schema>.<table>` as SQL, quoting the names that are not plain identifiers.
fn qualified((schema, table): &(String, String)) -> String {
    let ident = |name: &str| {
        let plain = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if plain { name.to_string() } else { format!("\"{name}\"") }
    };
    format!("kafka.{}.{}", ident(schema), ident(table))
}

/// The checks of the catalog, only with [`KAFKA_FLAG`]: the bootstrap endpoint is known (the
/// kafka addon is planned before trino), the topic names are legal, and a catalog without
/// topics is a warning (it shows no tables).
pub(crate) fn validate(config: &Config, facts: &PlatformFacts) -> Vec<Diagnostic> {
    if !facts.flag(KAFKA_FLAG) {
        return Vec::new();
    }
    let mut problems = bootstrap(facts).err().unwrap_or_default();
    let mut tables: Vec<(String, String)> = Vec::new();
    for (i, topic) in config.kafka_topics.iter().enumerate() {
        let path = format!("kafka_topics[{i}]");
        if !is_topic_name(topic) {
            problems.push(
                Diagnostic::error(&path, format!("{topic:?} is not a Kafka topic name"))
                    .hint(format!("1 to {TOPIC_MAX_LEN} letters, digits, '.', '_' or '-'")),
            );
            continue;
        }
        // Two topics on one table would stop the catalog from loading (Trino refuses the
        // duplicate table), and so the coordinator from starting.
        let table = table_of(topic);
        if let Some(j) = tables.iter().position(|t| *t == table) {
            problems.push(
                Diagnostic::error(
                    &path,
                    format!(
                        "{topic:?} names the same Trino table, {}, as kafka_topics[{j}] (Trino lowercases names \
                         and reads x.y as table y of schema x)",
                        qualified(&table)
                    ),
                )
                .hint("list each topic once"),
            );
        }
        tables.push(table);
    }
    if config.kafka_topics.is_empty() {
        problems.push(
            Diagnostic::warning(
                "kafka_topics",
                "the kafka catalog shows no tables: Trino's Kafka connector sees only the topics it is given",
            )
            .hint("kafka_topics: [orders, clicks]"),
        );
    }
    problems
}

/// `kafka.properties`: the Kafka connector on `nodes`, the listed topics as tables of schema
/// `default` with the connector's columns visible.
pub(crate) fn catalog_file(nodes: &str, topics: &[String]) -> String {
    let mut p: Vec<(&str, String)> = vec![
        ("connector.name", "kafka".into()),
        ("kafka.nodes", nodes.into()),
        ("kafka.default-schema", SCHEMA.into()),
        // The file supplier without description files: each listed topic is a table with the
        // connector's columns only (no decoded data columns); nothing else is visible.
        ("kafka.table-description-supplier", "FILE".into()),
    ];
    if !topics.is_empty() {
        p.push(("kafka.table-names", topics.join(",")));
    }
    // Without description files the connector's columns are a table's only columns: shown, so
    // DESCRIBE lists them and SELECT * has columns to return.
    p.push(("kafka.hide-internal-columns", "false".into()));
    p.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

/// Note `kafka`: what the catalog reads and how its topics appear.
pub(crate) fn note(config: &Config, nodes: &str) -> String {
    let namespace = endpoint_namespace(nodes).map(|ns| format!(" (namespace {ns})")).unwrap_or_default();
    let tables = if config.kafka_topics.is_empty() {
        "kafka_topics is empty, so the catalog has no tables yet: the connector's FILE table-description \
         supplier (no description files) shows only the topics it is given"
            .to_string()
    } else {
        let tables: Vec<String> = config.kafka_topics.iter().map(|t| qualified(&table_of(t))).collect();
        format!(
            "tables {} (kafka_topics; topics not listed are not visible: the connector's FILE \
             table-description supplier, without description files, shows only the topics it is given)",
            tables.join(", ")
        )
    };
    format!(
        "catalog kafka: Trino's Kafka connector on the kafka addon's cluster{namespace}, kafka.nodes={nodes} (the \
         addon's {BOOTSTRAP_ENDPOINT} endpoint, plaintext); {tables}. Each table has no decoded data columns, only \
         the connector's own (kafka.hide-internal-columns=false shows them): _key, _message (the bytes as UTF-8, \
         e.g. json_extract_scalar(_message, '$.id')), _timestamp, _headers, _partition_id, _partition_offset; a \
         query reads every retained message unless it filters on _timestamp or _partition_offset. A topic name \
         with one dot, x.y, is table y of schema x; any other is a table of schema default. Read-only in \
         practice: INSERT needs a table description file. Trino's NetworkPolicy restricts ingress only, so the \
         coordinator and the workers reach the brokers; Trino reads catalogs at start, so a running cluster \
         shows the catalog after its pods restart"
    )
}
