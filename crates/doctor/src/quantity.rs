//! Kubernetes quantities as numbers: CPU in millicores, memory in bytes.

/// `500m` → 500, `2` → 2000.
pub fn millicores(q: &str) -> Option<f64> {
    match q.strip_suffix('m') {
        Some(m) => m.parse::<f64>().ok(),
        None => q.parse::<f64>().ok().map(|c| c * 1000.0),
    }
}

/// `1Gi` → 1073741824, `500M` → 500000000, `128974848` → itself.
pub fn bytes(q: &str) -> Option<f64> {
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    for (suffix, factor) in SUFFIXES {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<f64>().ok().map(|n| n * factor);
        }
    }
    q.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(millicores("500m"), Some(500.0));
        assert_eq!(millicores("2"), Some(2000.0));
        assert_eq!(bytes("1Gi"), Some(1073741824.0));
        assert_eq!(bytes("500M"), Some(5e8));
        assert_eq!(bytes("12"), Some(12.0));
        assert_eq!(bytes("x"), None);
    }
}
