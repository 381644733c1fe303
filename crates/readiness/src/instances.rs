//! EC2 instance shapes from their names, and what a node of that shape can give pods.
//!
//! A type name is `<family>.<size>`; a family is a class (`m`, `r`, `c`, `t`, `x`, `i`, …), a
//! generation and attribute letters (`g` Graviton, `a` AMD, `i` Intel, `d` local disk, `n`
//! network). vCPUs follow the size (`large` 2, `xlarge` 4, `Nxlarge` 4·N); memory follows the
//! class (`c` 2 GiB per vCPU, `m` and `t` 4, `r`, `i` and `z` 8, `x` 16); the CPU architecture
//! is arm64 for Graviton families (a `g` among the attribute letters, and `a1`), amd64 otherwise.
//! This is EC2's naming, not its catalogue: an unusual type may be off by a little, never by a
//! class.
//!
//! Allocatable follows Karpenter's and the EKS AMI's reservations: 7.5 % of memory for the VM,
//! `11·maxPods + 255` MiB and 100 MiB eviction threshold for the kubelet, where maxPods is 110
//! below 30 vCPUs and 250 from there (the values EKS recommends with prefix delegation, which
//! the platform's vpc-cni has on), and 6 % of the first core, 1 % of the second, 0.5 % of the
//! third and fourth and 0.25 % of every further core. DaemonSet pods are not subtracted.

/// An instance type's vCPUs, memory and CPU architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceShape {
    pub name: String,
    pub vcpus: u32,
    pub memory_mib: u64,
    /// `amd64` or `arm64`.
    pub arch: &'static str,
}

impl InstanceShape {
    /// Millicores a node of this shape can give pods.
    pub fn allocatable_cpu_millis(&self) -> u64 {
        let cores = u64::from(self.vcpus);
        // Reserved in hundredths of a millicore per core: 6 %, 1 %, 0.5 %, 0.5 %, then 0.25 %.
        let reserved: u64 = (0..cores)
            .map(|core| match core {
                0 => 60_00,
                1 => 10_00,
                2 | 3 => 5_00,
                _ => 2_50,
            })
            .sum::<u64>()
            / 100;
        (cores * 1000).saturating_sub(reserved)
    }

    /// Bytes of memory a node of this shape can give pods.
    pub fn allocatable_memory_bytes(&self) -> u64 {
        let max_pods: u64 = if self.vcpus < 30 { 110 } else { 250 };
        let total = self.memory_mib * 1024 * 1024;
        let vm = total * 75 / 1000;
        let kubelet = (11 * max_pods + 255) << 20;
        let eviction = 100 << 20;
        total.saturating_sub(vm + kubelet + eviction)
    }
}

/// The shape of `instance_type` (`m6a.xlarge`), or `None` for a name that is not `family.size`.
pub fn shape(instance_type: &str) -> Option<InstanceShape> {
    let (family, size) = instance_type.split_once('.')?;
    let parts = family_parts(family)?;
    let vcpus = match size {
        "nano" | "micro" | "small" => 2,
        "medium" if parts.class == "t" => 2,
        "medium" => 1,
        "large" => 2,
        "xlarge" => 4,
        "metal" => largest_vcpus(family),
        s if s.starts_with("metal-") => {
            let n: u32 = s.trim_start_matches("metal-").trim_end_matches("xl").parse().ok()?;
            n * 4
        }
        s => s.strip_suffix("xlarge")?.parse::<u32>().ok()? * 4,
    };
    let memory_mib = match size {
        "nano" => 512,
        "micro" => 1024,
        "small" => 2048,
        "medium" if parts.class == "t" => 4096,
        _ => u64::from(vcpus) * parts.gib_per_vcpu * 1024,
    };
    Some(InstanceShape { name: instance_type.to_string(), vcpus, memory_mib, arch: parts.arch })
}

/// The largest shape of a family (`r8g` → `r8g.48xlarge`).
pub fn largest_in_family(family: &str) -> Option<InstanceShape> {
    let parts = family_parts(family)?;
    let vcpus = largest_vcpus(family);
    Some(InstanceShape {
        name: format!("{family}.{}xlarge", vcpus / 4),
        vcpus,
        memory_mib: u64::from(vcpus) * parts.gib_per_vcpu * 1024,
        arch: parts.arch,
    })
}

/// The CPU architecture of a family's instances.
pub fn family_arch(family: &str) -> Option<&'static str> {
    family_parts(family).map(|p| p.arch)
}

struct FamilyParts {
    class: String,
    gib_per_vcpu: u64,
    arch: &'static str,
}

fn family_parts(family: &str) -> Option<FamilyParts> {
    let family = family.split('-').next()?;
    let digit = family.find(|c: char| c.is_ascii_digit())?;
    let class = &family[..digit];
    if class.is_empty() || !class.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let after = &family[digit..];
    let attributes = after.trim_start_matches(|c: char| c.is_ascii_digit());
    let graviton = class == "a" || attributes.contains('g');
    let gib_per_vcpu = match class {
        "c" => 2,
        "r" | "i" | "z" | "im" | "is" | "d" => 8,
        "x" => 16,
        _ => 4,
    };
    Some(FamilyParts { class: class.to_string(), gib_per_vcpu, arch: if graviton { "arm64" } else { "amd64" } })
}

/// vCPUs of the largest size of a family: EC2's figures for common families, else a generous
/// 192 (a pod that does not fit that fits no node of the family).
fn largest_vcpus(family: &str) -> u32 {
    const LARGEST: &[(&str, u32)] = &[
        ("t3", 8),
        ("t3a", 8),
        ("t4g", 8),
        ("m5", 96),
        ("m5a", 96),
        ("c5", 96),
        ("r5", 96),
        ("m6g", 64),
        ("c6g", 64),
        ("r6g", 64),
        ("m7g", 64),
        ("c7g", 64),
        ("r7g", 64),
        ("m6i", 128),
        ("c6i", 128),
        ("r6i", 128),
        ("i4i", 128),
        ("x2idn", 128),
        ("i3", 64),
    ];
    LARGEST.iter().find(|(f, _)| *f == family).map(|(_, v)| *v).unwrap_or(192)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_ec2_naming() {
        let m = shape("m6a.xlarge").expect("shape");
        assert_eq!((m.vcpus, m.memory_mib, m.arch), (4, 16 * 1024, "amd64"));
        let r = shape("r8g.4xlarge").expect("shape");
        assert_eq!((r.vcpus, r.memory_mib, r.arch), (16, 128 * 1024, "arm64"));
        let c = shape("c7gn.2xlarge").expect("shape");
        assert_eq!((c.vcpus, c.memory_mib, c.arch), (8, 16 * 1024, "arm64"));
        assert_eq!(shape("t3.medium").map(|s| (s.vcpus, s.memory_mib)), Some((2, 4096)));
        assert_eq!(shape("m7i-flex.large").map(|s| s.arch), Some("amd64"));
        assert_eq!(shape("g5.xlarge").map(|s| s.arch), Some("amd64"), "g5 is a GPU class, not Graviton");
        assert_eq!(shape("m6g.metal").map(|s| s.vcpus), Some(64));
        assert!(shape("nonsense").is_none());
        assert!(shape("m6a.huge").is_none());
        assert_eq!(largest_in_family("r8g").map(|s| (s.vcpus, s.memory_mib)), Some((192, 1536 * 1024)));
    }

    #[test]
    fn allocatable_leaves_room_for_the_kubelet_and_the_vm() {
        let m = shape("m6a.xlarge").expect("shape");
        assert_eq!(m.allocatable_cpu_millis(), 3920);
        // 16 GiB − 7.5 % − (11·110 + 255) MiB − 100 MiB
        assert_eq!(
            m.allocatable_memory_bytes(),
            (16u64 << 30) - (16u64 << 30) * 75 / 1000 - (1465 << 20) - (100 << 20)
        );
        // Trino's sizing (90 % − 2 GiB, 90 % − 300 m) fits in what Karpenter gives.
        for ty in ["r8g.large", "r8g.4xlarge", "m7g.16xlarge", "c7i.xlarge"] {
            let s = shape(ty).expect("shape");
            let trino_gib = (s.memory_mib / 1024) * 9 / 10 - 2;
            assert!(s.allocatable_memory_bytes() >= trino_gib << 30, "{ty}");
            assert!(s.allocatable_cpu_millis() >= u64::from(s.vcpus) * 900 - 300, "{ty}");
        }
    }
}
