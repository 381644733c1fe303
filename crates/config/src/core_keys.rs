//! Checks of the core keys (`name`, `region`, `deployment_id`, `kubernetes_version`,
//! `vpc_cidr`, tag keys and values), shared by validation and the tfvars import.
//!
//! Each check takes the value as a string and returns `Err(Problem)` with a message that names
//! the key and a hint that says what to write instead.

use crate::yaml::quote_for_message;

/// Kubernetes versions dataplat can create.
pub const SUPPORTED_KUBERNETES_VERSIONS: &[&str] = &["1.32", "1.33", "1.34", "1.35"];
/// Used when `kubernetes_version` is absent.
pub const DEFAULT_KUBERNETES_VERSION: &str = "1.34";
/// Used when `vpc_cidr` is absent.
pub const DEFAULT_VPC_CIDR: &str = "10.0.0.0/16";
/// The placeholder data-on-eks tfvars ship in `deployment_id`.
pub const TERRAFORM_DEPLOYMENT_ID_PLACEHOLDER: &str = "DO-NOT-EDIT-AUTO-GENERATED";
/// Tag key prefixes reserved for AWS and for dataplat's own tags.
pub const RESERVED_TAG_PREFIXES: &[&str] = &["aws:", "dataplat.io/"];

/// What is wrong with a value, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    pub hint: String,
}

fn problem(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem { message: message.into(), hint: hint.into() }
}

/// True for a valid platform name: 1-63 chars, lowercase letters, digits, hyphens, starting
/// with a letter.
pub(crate) fn is_valid_name(v: &str) -> bool {
    let mut chars = v.chars();
    matches!(chars.next(), Some('a'..='z')) && v.len() <= 63 && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
}

/// Checks `name`.
pub(crate) fn check_name(key: &str, v: &str) -> Result<(), Problem> {
    if is_valid_name(v) {
        return Ok(());
    }
    let why = "it becomes the EKS cluster name and the prefix of every AWS resource";
    if v.is_empty() {
        return Err(problem(format!("`{key}` is empty"), format!("write a name such as `{key}: trino-v2`; {why}")));
    }
    let len = v.chars().count();
    if len > 63 {
        return Err(problem(
            format!("`{key}` is {len} characters long; the limit is 63"),
            format!("shorten it to 63 characters or fewer; {why}"),
        ));
    }
    let fixed: String = v.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let suggestion = if is_valid_name(&fixed) && fixed != v {
        format!("write `{key}: {fixed}`")
    } else {
        format!("write a name such as `{key}: trino-v2`")
    };
    if v.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(problem(format!("`{key}` must be lowercase, found `{v}`"), format!("{suggestion}; {why}")));
    }
    if !v.starts_with(|c: char| c.is_ascii_lowercase()) {
        let first = v.chars().next().unwrap_or(' ');
        return Err(problem(
            format!("`{key}` must start with a lowercase letter, found `{first}` in `{v}`"),
            format!("names start with a letter a-z; {why}"),
        ));
    }
    let bad: String = v.chars().filter(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-')).take(1).collect();
    Err(problem(
        format!("`{key}` may only contain lowercase letters, digits and hyphens; found `{bad}` in `{v}`"),
        format!("{suggestion}; {why}"),
    ))
}

/// True for a region code shaped like `us-west-2`, `eu-central-1`, `us-gov-west-1`.
pub(crate) fn is_valid_region(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    if parts.len() < 3 {
        return false;
    }
    let Some((last, init)) = parts.split_last() else {
        return false;
    };
    let Some((first, middle)) = init.split_first() else {
        return false;
    };
    first.len() == 2
        && first.chars().all(|c| c.is_ascii_lowercase())
        && middle.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && (1..=2).contains(&last.len())
        && last.chars().all(|c| c.is_ascii_digit())
}

/// Checks `region`.
pub(crate) fn check_region(key: &str, v: &str) -> Result<(), Problem> {
    if is_valid_region(v) {
        return Ok(());
    }
    let shape = "region codes look like `us-west-2`, `eu-central-1` or `ap-southeast-1`";
    let lower = v.to_lowercase();
    if is_valid_region(&lower) {
        return Err(problem(format!("`{key}` must be lowercase, found `{v}`"), format!("write `{key}: {lower}`")));
    }
    // An availability zone such as us-west-2a.
    let trimmed = lower.trim_end_matches(|c: char| c.is_ascii_lowercase());
    if trimmed != lower && is_valid_region(trimmed) {
        return Err(problem(
            format!("`{key}` is `{v}`, an availability zone, not a region"),
            format!("write `{key}: {trimmed}`; dataplat picks the zones itself"),
        ));
    }
    Err(problem(format!("`{key}` is `{v}`, which is not an AWS region code"), shape.to_string()))
}

/// True for exactly 8 ASCII letters or digits.
pub(crate) fn is_valid_deployment_id(v: &str) -> bool {
    v.len() == 8 && v.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Checks `deployment_id`.
pub(crate) fn check_deployment_id(key: &str, v: &str) -> Result<(), Problem> {
    if is_valid_deployment_id(v) {
        return Ok(());
    }
    let keep = "it tags every AWS resource of the platform: keep the id a live platform was \
                created with; `kubectl dataplat init` generates one for a new platform";
    if v == TERRAFORM_DEPLOYMENT_ID_PLACEHOLDER {
        return Err(problem(
            format!("`{key}` is still the Terraform placeholder `{v}`"),
            "replace it with 8 random letters and digits (`kubectl dataplat init` generates one); \
             it is set once and tags every AWS resource of the platform"
                .to_string(),
        ));
    }
    if let Some(bad) = v.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(problem(
            format!(
                "`{key}` may only contain letters and digits; found {} in `{v}`",
                quote_for_message(&bad.to_string())
            ),
            keep.to_string(),
        ));
    }
    let n = v.chars().count();
    Err(problem(format!("`{key}` must be exactly 8 letters or digits; `{v}` has {n}"), keep.to_string()))
}

/// `"1.32", "1.33", "1.34" (default) and "1.35"`
pub(crate) fn supported_versions_text() -> String {
    let items: Vec<String> = SUPPORTED_KUBERNETES_VERSIONS
        .iter()
        .map(|v| if *v == DEFAULT_KUBERNETES_VERSION { format!("\"{v}\" (the default)") } else { format!("\"{v}\"") })
        .collect();
    crate::suggest::join_and(&items)
}

/// Checks `kubernetes_version` given as a string.
pub(crate) fn check_kubernetes_version(key: &str, v: &str) -> Result<(), Problem> {
    if SUPPORTED_KUBERNETES_VERSIONS.contains(&v) {
        return Ok(());
    }
    Err(problem(
        format!("`{key}` \"{v}\" is not a supported Kubernetes version"),
        format!("supported versions: {}", supported_versions_text()),
    ))
}

/// A parsed IPv4 CIDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub addr: u32,
    pub prefix: u8,
}

impl Cidr {
    fn render(addr: u32, prefix: u8) -> String {
        let [a, b, c, d] = addr.to_be_bytes();
        format!("{a}.{b}.{c}.{d}/{prefix}")
    }

    fn mask(prefix: u8) -> u32 {
        if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) }
    }
}

/// Parses `a.b.c.d/n` strictly (no leading zeros, each octet 0-255, prefix 0-32).
pub(crate) fn parse_cidr(v: &str) -> Option<Cidr> {
    let (ip, prefix) = v.split_once('/')?;
    let prefix: u8 = parse_decimal(prefix)?.try_into().ok()?;
    if prefix > 32 {
        return None;
    }
    let octets: Vec<&str> = ip.split('.').collect();
    if octets.len() != 4 {
        return None;
    }
    let mut addr = 0u32;
    for o in octets {
        let n = parse_decimal(o)?;
        if n > 255 {
            return None;
        }
        addr = (addr << 8) | n;
    }
    Some(Cidr { addr, prefix })
}

fn parse_decimal(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

const PRIVATE_RANGES: &[(u32, u8)] = &[
    (0x0A00_0000, 8),  // 10.0.0.0/8
    (0xAC10_0000, 12), // 172.16.0.0/12
    (0xC0A8_0000, 16), // 192.168.0.0/16
];

/// Checks `vpc_cidr`.
pub(crate) fn check_vpc_cidr(key: &str, v: &str) -> Result<(), Problem> {
    let Some(cidr) = parse_cidr(v) else {
        return Err(problem(
            format!("`{key}` is `{v}`, which is not an IPv4 CIDR block"),
            format!("write an address and a prefix length, e.g. `{key}: {DEFAULT_VPC_CIDR}`"),
        ));
    };
    if !(16..=24).contains(&cidr.prefix) {
        let example = Cidr::render(cidr.addr & Cidr::mask(16), 16);
        return Err(problem(
            format!("`{key}` {v} has prefix /{}; dataplat needs /16 to /24", cidr.prefix),
            format!("use a prefix between /16 (65536 addresses) and /24 (256), e.g. `{key}: {example}`"),
        ));
    }
    let in_private = PRIVATE_RANGES.iter().any(|(net, p)| cidr.prefix >= *p && (cidr.addr & Cidr::mask(*p)) == *net);
    if !in_private {
        return Err(problem(
            format!("`{key}` {v} is not a private address range"),
            format!("use space from 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, e.g. `{key}: {DEFAULT_VPC_CIDR}`"),
        ));
    }
    let network = cidr.addr & Cidr::mask(cidr.prefix);
    if network != cidr.addr {
        let fixed = Cidr::render(network, cidr.prefix);
        return Err(problem(
            format!("`{key}` {v} has host bits set"),
            format!("the network address of that block is {fixed}: write `{key}: {fixed}`"),
        ));
    }
    Ok(())
}

/// Checks one tag key.
pub(crate) fn check_tag_key(path: &str, k: &str) -> Result<(), Problem> {
    if let Some(prefix) = RESERVED_TAG_PREFIXES.iter().find(|p| k.starts_with(**p)) {
        return Err(problem(
            format!("tag key `{path}` uses the reserved prefix `{prefix}`"),
            "`aws:` belongs to AWS and `dataplat.io/` to dataplat, which sets \
             `dataplat.io/platform` and `dataplat.io/deployment-id` itself; choose another key"
                .to_string(),
        ));
    }
    if k.is_empty() || k.chars().count() > 128 {
        return Err(problem(
            format!("tag key `{path}` must be 1 to 128 characters long"),
            "AWS limits tag keys to 128 characters".to_string(),
        ));
    }
    Ok(())
}

/// Checks one tag value.
pub(crate) fn check_tag_value(path: &str, v: &str) -> Result<(), Problem> {
    if v.chars().count() > 256 {
        return Err(problem(
            format!("tag `{path}` has a value longer than 256 characters"),
            "AWS limits tag values to 256 characters".to_string(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("name", "trino-v2").is_ok());
        assert!(check_name("name", "a").is_ok());
        assert!(check_name("name", &"a".repeat(63)).is_ok());
        assert!(check_name("name", &"a".repeat(64)).is_err());
        assert!(check_name("name", "Trino").unwrap_err().message.contains("lowercase"));
        assert!(check_name("name", "1trino").unwrap_err().message.contains("start"));
        assert!(check_name("name", "trino_v2").unwrap_err().hint.contains("trino-v2"));
    }

    #[test]
    fn regions() {
        for ok in ["us-west-2", "eu-central-1", "ap-southeast-1", "us-gov-west-1"] {
            assert!(is_valid_region(ok), "{ok}");
        }
        for bad in ["us-west", "uswest2", "US-WEST-2", "us-west-2a", "u-west-2", "us--2"] {
            assert!(!is_valid_region(bad), "{bad}");
        }
        assert!(check_region("region", "us-west-2a").unwrap_err().hint.contains("us-west-2"));
    }

    #[test]
    fn cidrs() {
        assert!(check_vpc_cidr("vpc_cidr", "10.0.0.0/16").is_ok());
        assert!(check_vpc_cidr("vpc_cidr", "172.20.0.0/20").is_ok());
        assert!(check_vpc_cidr("vpc_cidr", "192.168.10.0/24").is_ok());
        assert!(check_vpc_cidr("vpc_cidr", "10.0.0/16").is_err());
        assert!(check_vpc_cidr("vpc_cidr", "10.0.0.0/8").is_err());
        assert!(check_vpc_cidr("vpc_cidr", "10.0.0.0/28").is_err());
        assert!(check_vpc_cidr("vpc_cidr", "52.10.0.0/16").is_err());
        assert!(check_vpc_cidr("vpc_cidr", "172.32.0.0/16").is_err());
        assert!(check_vpc_cidr("vpc_cidr", "10.0.0.1/16").unwrap_err().hint.contains("10.0.0.0/16"));
        assert!(parse_cidr("10.0.0.256/16").is_none());
        assert!(parse_cidr("010.0.0.0/16").is_none());
    }

    #[test]
    fn deployment_ids() {
        assert!(check_deployment_id("deployment_id", "Ab3dE9xZ").is_ok());
        assert!(check_deployment_id("deployment_id", "Ab3dE9x").is_err());
        assert!(check_deployment_id("deployment_id", "Ab3dE9x!").is_err());
        assert!(
            check_deployment_id("deployment_id", TERRAFORM_DEPLOYMENT_ID_PLACEHOLDER)
                .unwrap_err()
                .message
                .contains("placeholder")
        );
    }
}
