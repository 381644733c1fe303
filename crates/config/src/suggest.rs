//! "Did you mean …?" suggestions for misspelt keys, flags and values.

/// The candidates close to `input`, best first (at most three, ties kept together).
///
/// Close means a small edit distance relative to the length, or one being a prefix of the other
/// (`spark` → `spark_operator`). A shared `enable_` prefix is ignored when comparing flags, so
/// `enable_raydata` is not "close" to `enable_yunikorn` just because both start with `enable_`.
pub fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let strip = |s: &'a str| -> &'a str { s.strip_prefix("enable_").unwrap_or(s) };
    let needle = input.strip_prefix("enable_").unwrap_or(input).to_lowercase();
    let mut scored: Vec<(usize, &'a str)> = Vec::new();
    for &cand in candidates {
        if cand == input {
            continue;
        }
        // Compare flags with flags and keys with keys.
        if input.starts_with("enable_") != cand.starts_with("enable_") {
            let plain_needle = input.to_lowercase();
            let d = strsim::damerau_levenshtein(&plain_needle, cand);
            if d <= 2 && d < cand.len() / 2 {
                scored.push((d, cand));
            }
            continue;
        }
        let hay = strip(cand).to_lowercase();
        let d = strsim::damerau_levenshtein(&needle, &hay);
        let longest = needle.chars().count().max(hay.chars().count());
        let budget = (longest / 3).max(1);
        if d <= budget {
            scored.push((d, cand));
        } else if needle.len() >= 4 {
            // Beyond the edit budget: what the input begins (`enable_spark` for
            // `enable_spark_operator`) before what it is cut from, before what it ends.
            let rank = if hay.starts_with(&needle) {
                Some(1000)
            } else if needle.starts_with(&hay) {
                Some(1001)
            } else if hay.ends_with(&needle) {
                Some(1002)
            } else {
                None
            };
            if let Some(rank) = rank {
                scored.push((rank, cand));
            }
        }
    }
    scored.sort_by_key(|(d, c)| (*d, *c));
    let Some(best) = scored.first().map(|(d, _)| *d) else {
        return Vec::new();
    };
    scored.into_iter().filter(|(d, _)| *d == best).take(3).map(|(_, c)| c).collect()
}

/// "did you mean `x`?" / "did you mean `x` or `y`?", or `None` without suggestions.
pub fn did_you_mean_text(input: &str, candidates: &[&str], render: impl Fn(&str) -> String) -> Option<String> {
    let found = did_you_mean(input, candidates);
    match found.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {}?", render(one))),
        many => {
            let rendered: Vec<String> = many.iter().map(|c| render(c)).collect();
            Some(format!("did you mean {}?", join_or(&rendered)))
        }
    }
}

/// `a`, `a or b`, `a, b or c`.
pub fn join_or(items: &[String]) -> String {
    join_with(items, "or")
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_and(items: &[String]) -> String {
    join_with(items, "and")
}

fn join_with(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[&str] = &[
        "enable_keda",
        "enable_prometheus",
        "enable_amazon_prometheus",
        "enable_spark_operator",
        "enable_spark_history_server",
        "enable_yunikorn",
        "enable_kafka",
    ];

    #[test]
    fn close_flags() {
        assert_eq!(did_you_mean("enable_kedaa", FLAGS), vec!["enable_keda"]);
        assert_eq!(did_you_mean("enable_promethus", FLAGS), vec!["enable_prometheus"]);
        assert_eq!(did_you_mean("enable_spark", FLAGS), vec!["enable_spark_history_server", "enable_spark_operator"]);
        assert!(did_you_mean("enable_raydata", FLAGS).is_empty());
        assert!(did_you_mean("enable_trino", FLAGS).is_empty());
        // What the input begins ranks before what it ends.
        let with_features = ["enable_jupyterhub_spark", "enable_spark_connect", "enable_spark_operator"];
        assert_eq!(did_you_mean("enable_spark", &with_features), vec!["enable_spark_connect", "enable_spark_operator"]);
        assert_eq!(did_you_mean("enable_spark", &["enable_jupyterhub_spark"]), vec!["enable_jupyterhub_spark"]);
    }

    #[test]
    fn close_keys() {
        let keys = ["name", "region", "deployment_id", "vpc_cidr", "tags", "keda"];
        assert_eq!(did_you_mean("regin", &keys), vec!["region"]);
        assert_eq!(did_you_mean("deploymentid", &keys), vec!["deployment_id"]);
        assert!(did_you_mean("colour", &keys).is_empty());
    }

    #[test]
    fn joins() {
        assert_eq!(join_or(&["a".into()]), "a");
        assert_eq!(join_or(&["a".into(), "b".into(), "c".into()]), "a, b or c");
    }
}
