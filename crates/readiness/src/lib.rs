//! Readiness analysis: decides from the rendered objects alone, before anything is created,
//! whether each object the platform would apply can become ready on a fresh EKS cluster.
//!
//! A test API server runs no pods, binds no volumes and provisions no load balancers, so a
//! green apply there proves little about day one on EKS. This crate asks, for every object,
//! what makes it ready and whether the platform provides that thing: a StorageClass and its
//! provisioner for a claim, a controller for a load balancer or an Ingress, a node a pod can
//! land on (labels, taints, size, CPU architecture), a pod identity for a workload that uses
//! AWS, and every Secret, ConfigMap, ServiceAccount, CRD, webhook Service, scale target and
//! monitored port an object names.
//!
//! Input is an [`Inventory`] (the crate's own types; the composer translates its plan into
//! them). [`analyze`] returns a [`Report`] of [`Finding`]s, each with a stable rule id (see
//! [`RULES`]), the object, the reason and a hint. Waivers in the inventory mark findings the
//! user accepts, with their reason; a waived error no longer blocks.
//!
//! The analysis is pure and deterministic: the same inventory gives the same report, in the
//! same order.

pub mod images;
pub mod instances;
mod model;
mod objects;
mod pods;
pub mod quantity;
mod rules;
mod schemas;

pub use model::*;
pub use objects::display as object_name;
pub use rules::RULES;

use serde::Serialize;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The object cannot become ready: `up` and `apply` stop before any change.
    Error,
    /// It may not become ready, or not as intended.
    Warning,
}

/// One reason an object may not become ready.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id (`storage.class-missing`), for waivers and scripts.
    pub rule: &'static str,
    pub severity: Severity,
    /// The release (`addon/release`) that applies the object.
    pub release: String,
    /// `Kind namespace/name` (or `Kind name` when cluster-scoped).
    pub object: String,
    pub message: String,
    pub hint: String,
    /// The reason the user gave for waiving it, when waived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
}

/// The analysis of one inventory.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Findings, errors first, then by release, object and rule.
    pub findings: Vec<Finding>,
    /// Objects analysed.
    pub objects: usize,
    /// Pod templates and operator pods analysed.
    pub pods: usize,
    /// Waivers that matched no finding (stale ones the user should remove).
    pub unused_waivers: Vec<Waiver>,
}

impl Report {
    /// Errors nobody waived: what stops `up` and `apply`.
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Error && f.waived.is_none())
    }

    /// Number of blocking errors.
    pub fn error_count(&self) -> usize {
        self.blocking().count()
    }

    /// Number of warnings nobody waived.
    pub fn warning_count(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Warning && f.waived.is_none()).count()
    }
}

/// Runs every rule over `inventory`.
pub fn analyze(inventory: &Inventory) -> Report {
    let index = objects::Index::new(inventory);
    let mut pods = Vec::new();
    for (i, object) in index.objects.iter().enumerate() {
        pods.extend(pods::pods_of(i, object));
    }
    let context = rules::Context::new(inventory, &index, &pods);
    let mut findings = Vec::new();
    rules::run(&context, &mut findings);
    schemas::check(&context, &mut findings);
    let mut used = vec![false; inventory.waivers.len()];
    for finding in &mut findings {
        if let Some((i, waiver)) = inventory
            .waivers
            .iter()
            .enumerate()
            .find(|(_, w)| w.rule == finding.rule && (w.object == finding.object || w.object == "*"))
        {
            finding.waived = Some(waiver.reason.clone());
            used[i] = true;
        }
    }
    findings.sort_by(|a, b| {
        (a.severity, &a.release, &a.object, a.rule, &a.message)
            .cmp(&(b.severity, &b.release, &b.object, b.rule, &b.message))
    });
    findings.dedup();
    let unused_waivers =
        inventory.waivers.iter().zip(&used).filter(|(_, used)| !**used).map(|(w, _)| w.clone()).collect();
    Report { findings, objects: index.objects.len(), pods: pods.len(), unused_waivers }
}
