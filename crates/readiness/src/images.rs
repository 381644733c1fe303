//! Which CPU architectures a container image is published for, from a table of the images the
//! platform's charts and plugins run by default (checked against each upstream project's release
//! build: buildx platforms, manifest lists, official-images `Architectures`), plus the
//! `-amd64`/`-arm64` naming convention of single-architecture repositories. An image the table
//! does not know is reported as unknown (a warning), never guessed.

/// What is known about an image's architectures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archs {
    /// Published for amd64 and arm64 (at least).
    Multi,
    /// Published for one architecture only.
    Only(&'static str),
    /// Not in the table.
    Unknown,
}

impl Archs {
    /// Whether a node of `arch` can run the image (unknown: assumed yes; reported separately).
    pub fn runs_on(self, arch: &str) -> bool {
        match self {
            Archs::Only(only) => only == arch,
            Archs::Multi | Archs::Unknown => true,
        }
    }
}

/// Repositories (registry host and path, no tag) published for amd64 and arm64.
const MULTI_ARCH: &[&str] = &[
    // KEDA 2.20 (Makefile BUILD_PLATFORMS linux/amd64,linux/arm64,linux/s390x)
    "ghcr.io/kedacore/keda",
    "ghcr.io/kedacore/keda-metrics-apiserver",
    "ghcr.io/kedacore/keda-admission-webhooks",
    // kube-prometheus-stack 88 and its subcharts
    "quay.io/prometheus-operator/prometheus-operator",
    "quay.io/prometheus-operator/prometheus-config-reloader",
    "quay.io/prometheus-operator/admission-webhook",
    "ghcr.io/jkroepke/kube-webhook-certgen",
    "quay.io/prometheus/prometheus",
    "quay.io/prometheus/alertmanager",
    "quay.io/prometheus/node-exporter",
    "registry.k8s.io/kube-state-metrics/kube-state-metrics",
    "quay.io/brancz/kube-rbac-proxy",
    "grafana/grafana",
    "quay.io/kiwigrid/k8s-sidecar",
    "busybox",
    "curlimages/curl",
    "bats/bats",
    // Spark
    "ghcr.io/kubeflow/spark-operator/controller",
    "ghcr.io/kubeflow/spark-operator/kubectl",
    "spark",
    "apache/spark",
    "ghcr.io/kubedai/spark-history-server",
    // YuniKorn 1.7 (tools/build-image.py: amd64 and arm64 manifests)
    "apache/yunikorn",
    "registry.k8s.io/pause",
    // Flink
    "ghcr.io/apache/flink-kubernetes-operator",
    "flink",
    "apache/flink",
    // Strimzi 0.47 (release pipeline: amd64, arm64, s390x, ppc64le)
    "quay.io/strimzi/operator",
    "quay.io/strimzi/kafka",
    "quay.io/strimzi/kafka-bridge",
    // Superset (release tags since 3.1.0) and its bundled databases
    "apache/superset",
    "bitnami/postgresql",
    "bitnami/redis",
    "bitnamilegacy/postgresql",
    "bitnamilegacy/redis",
    "postgres",
    "redis",
    // JupyterHub 3.3 (chartpress --platform linux/amd64 --platform linux/arm64)
    "quay.io/jupyterhub/k8s-hub",
    "quay.io/jupyterhub/k8s-network-tools",
    "quay.io/jupyterhub/k8s-image-awaiter",
    "quay.io/jupyterhub/k8s-singleuser-sample",
    "quay.io/jupyterhub/k8s-secret-sync",
    "quay.io/jupyterhub/configurable-http-proxy",
    "quay.io/jupyter/pyspark-notebook",
    "quay.io/jupyter/base-notebook",
    "quay.io/jupyter/scipy-notebook",
    "traefik",
    "registry.k8s.io/kube-scheduler",
    // ingress-nginx (BUILDX_PLATFORMS linux/amd64,linux/arm,linux/arm64)
    "registry.k8s.io/ingress-nginx/controller",
    "registry.k8s.io/ingress-nginx/controller-chroot",
    "registry.k8s.io/ingress-nginx/kube-webhook-certgen",
    // cert-manager (ARCHS amd64 arm64 s390x ppc64le arm)
    "quay.io/jetstack/cert-manager-controller",
    "quay.io/jetstack/cert-manager-webhook",
    "quay.io/jetstack/cert-manager-cainjector",
    "quay.io/jetstack/cert-manager-startupapicheck",
    "quay.io/jetstack/cert-manager-acmesolver",
    // Karpenter (.ko.yaml defaultPlatforms linux/arm64, linux/amd64) and the AWS Load Balancer
    // Controller
    "public.ecr.aws/karpenter/controller",
    "public.ecr.aws/eks/aws-load-balancer-controller",
    // Trino and the plugin's init container
    "trinodb/trino",
    "httpd",
];

/// Repositories published for one architecture only.
const SINGLE_ARCH: &[(&str, &str)] = &[("registry.k8s.io/defaultbackend-amd64", "amd64")];

/// The repository of an image reference, normalised: no tag or digest, Docker Hub's
/// `docker.io/` and `library/` dropped, Superset's `apachesuperset.docker.scarf.sh` mirror as
/// Docker Hub.
pub fn repository(image: &str) -> String {
    let without_digest = image.split('@').next().unwrap_or(image);
    // A tag is after the last `:` that follows the last `/` (a registry port comes before it).
    let last_slash = without_digest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let repo = match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    };
    let mut repo = repo.trim().to_ascii_lowercase();
    for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/", "apachesuperset.docker.scarf.sh/"] {
        if let Some(rest) = repo.strip_prefix(prefix) {
            repo = rest.to_string();
        }
    }
    if let Some(rest) = repo.strip_prefix("library/") {
        repo = rest.to_string();
    }
    repo
}

/// The architectures of `image`.
pub fn archs(image: &str) -> Archs {
    let repo = repository(image);
    if let Some((_, arch)) = SINGLE_ARCH.iter().find(|(r, _)| *r == repo) {
        return Archs::Only(arch);
    }
    if MULTI_ARCH.contains(&repo.as_str()) {
        return Archs::Multi;
    }
    if repo.ends_with("-amd64") {
        return Archs::Only("amd64");
    }
    if repo.ends_with("-arm64") {
        return Archs::Only("arm64");
    }
    Archs::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise_to_their_repository() {
        assert_eq!(repository("docker.io/library/busybox:1.36"), "busybox");
        assert_eq!(repository("trinodb/trino:477"), "trinodb/trino");
        assert_eq!(repository("localhost:5000/team/app:1@sha256:abc"), "localhost:5000/team/app");
        assert_eq!(repository("localhost:5000/team/app"), "localhost:5000/team/app");
        assert_eq!(repository("apachesuperset.docker.scarf.sh/apache/superset:5.0.0"), "apache/superset");
        assert_eq!(
            repository("registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:0123"),
            "registry.k8s.io/ingress-nginx/controller"
        );
    }

    #[test]
    fn the_table_and_the_naming_convention_decide() {
        assert_eq!(archs("quay.io/strimzi/kafka:0.47.0-kafka-4.0.0"), Archs::Multi);
        assert_eq!(archs("registry.k8s.io/defaultbackend-amd64:1.5"), Archs::Only("amd64"));
        assert_eq!(archs("example.com/tools/thing-arm64:1"), Archs::Only("arm64"));
        assert_eq!(archs("example.com/unknown/thing:1"), Archs::Unknown);
        assert!(!Archs::Only("amd64").runs_on("arm64"));
        assert!(Archs::Unknown.runs_on("arm64"));
    }
}
