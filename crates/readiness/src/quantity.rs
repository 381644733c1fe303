//! Kubernetes resource quantities (`500m`, `2`, `1.5`, `512Mi`, `4G`, `1e3`) as millicores and
//! bytes, the way the API server reads them.

/// CPU in millicores: `500m` → 500, `2` → 2000, `0.5` → 500. `None` when it is no quantity.
pub fn cpu_millis(text: &str) -> Option<u64> {
    let value = parse(text)?;
    Some((value * 1000.0).ceil() as u64)
}

/// Memory in bytes: `512Mi`, `4G`, `1e9`, `128974848`. `None` when it is no quantity.
pub fn bytes(text: &str) -> Option<u64> {
    Some(parse(text)?.ceil() as u64)
}

/// A quantity's value as a number of base units (`500m` → 0.5, `1Ki` → 1024).
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("Pi", 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("Ei", 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    for (suffix, factor) in SUFFIXES {
        if let Some(number) = text.strip_suffix(suffix) {
            return number_part(number).map(|n| n * factor);
        }
    }
    number_part(text)
}

fn number_part(text: &str) -> Option<f64> {
    if text.is_empty() || !text.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.' || c == '+' || c == '-') {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value)
}

/// A JSON quantity: a string or a number.
pub fn json_cpu_millis(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::String(s) => cpu_millis(s),
        serde_json::Value::Number(n) => n.as_f64().map(|f| (f * 1000.0).ceil() as u64),
        _ => None,
    }
}

/// A JSON memory quantity: a string or a number of bytes.
pub fn json_bytes(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::String(s) => bytes(s),
        serde_json::Value::Number(n) => n.as_f64().map(|f| f.ceil() as u64),
        _ => None,
    }
}

/// Bytes as the shortest exact binary quantity, or GiB with one decimal (`13.2Gi`).
pub fn show_bytes(bytes: u64) -> String {
    const GI: u64 = 1 << 30;
    const MI: u64 = 1 << 20;
    if bytes >= GI {
        if bytes.is_multiple_of(GI) {
            format!("{}Gi", bytes / GI)
        } else {
            format!("{:.1}Gi", bytes as f64 / GI as f64)
        }
    } else if bytes.is_multiple_of(MI) {
        format!("{}Mi", bytes / MI)
    } else {
        format!("{:.1}Mi", bytes as f64 / MI as f64)
    }
}

/// Millicores as `3920m` or `4` (whole cores).
pub fn show_cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) { format!("{}", millis / 1000) } else { format!("{millis}m") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_as_the_api_server_reads_them() {
        assert_eq!(cpu_millis("500m"), Some(500));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("0.5"), Some(500));
        assert_eq!(cpu_millis("1.5"), Some(1500));
        assert_eq!(bytes("512Mi"), Some(512 << 20));
        assert_eq!(bytes("4G"), Some(4_000_000_000));
        assert_eq!(bytes("1e3"), Some(1000));
        assert_eq!(bytes("128974848"), Some(128_974_848));
        assert_eq!(bytes("2Gi"), Some(2 << 30));
        assert_eq!(bytes("lots"), None);
        assert_eq!(bytes(""), None);
        assert_eq!(bytes("Mi"), None);
        assert_eq!(json_cpu_millis(&serde_json::json!(2)), Some(2000));
        assert_eq!(json_bytes(&serde_json::json!("1Gi")), Some(1 << 30));
    }

    #[test]
    fn quantities_print_short() {
        assert_eq!(show_bytes(16 << 30), "16Gi");
        assert_eq!(show_bytes(512 << 20), "512Mi");
        assert_eq!(show_cpu(4000), "4");
        assert_eq!(show_cpu(3920), "3920m");
    }
}
