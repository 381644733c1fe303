//! `dataplat-kube-apply`: applies the YAML files of a directory as one release, or deletes a
//! release. The applier alone, without plugins or charts; used by the crash-recovery test and
//! handy for trying the applier on a cluster.
//!
//! ```text
//! dataplat-kube-apply --kubeconfig FILE --release ID --namespace NS [--no-wait] [--force-conflicts] DIR
//! dataplat-kube-apply --kubeconfig FILE --release ID --delete [--purge]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use dataplat_kube::apply::{ApplyOptions, Release, apply_release, delete_release};
use dataplat_kube::cluster::{Cluster, ConnectOptions};
use dataplat_kube::{Event, Object};

struct Args {
    kubeconfig: Option<PathBuf>,
    release: String,
    namespace: String,
    wait: bool,
    force: bool,
    delete: bool,
    purge: bool,
    dir: Option<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        kubeconfig: None,
        release: String::new(),
        namespace: "default".into(),
        wait: true,
        force: false,
        delete: false,
        purge: false,
        dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--kubeconfig" => args.kubeconfig = Some(PathBuf::from(value("--kubeconfig")?)),
            "--release" => args.release = value("--release")?,
            "--namespace" => args.namespace = value("--namespace")?,
            "--no-wait" => args.wait = false,
            "--force-conflicts" => args.force = true,
            "--delete" => args.delete = true,
            "--purge" => args.purge = true,
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => args.dir = Some(PathBuf::from(other)),
        }
    }
    if args.release.is_empty() {
        return Err("--release is required".into());
    }
    if !args.delete && args.dir.is_none() {
        return Err("a directory of YAML files is required".into());
    }
    Ok(args)
}

fn objects(dir: &PathBuf) -> Result<Vec<Object>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        for (i, doc) in helm::render::split_manifests(&text).iter().enumerate() {
            let source = format!("{} document {}", file.display(), i + 1);
            if let Some(object) = Object::from_yaml(doc, source).map_err(|e| e.to_string())? {
                out.push(object);
            }
        }
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cluster = match Cluster::connect(&ConnectOptions { kubeconfig: args.kubeconfig.clone(), context: None }).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let options =
        ApplyOptions { wait: args.wait, force_conflicts: args.force, purge: args.purge, ..ApplyOptions::default() };
    let events: dataplat_kube::Events = std::sync::Arc::new(|event| {
        if let Event::Changed { change, .. } = event {
            println!("{} {}", change.action.as_str(), change.object);
        }
    });
    let result = if args.delete {
        delete_release(&cluster, &args.release, &options, &events).await
    } else {
        let dir = args.dir.clone().expect("checked");
        let objects = match objects(&dir) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let release =
            Release { id: args.release.clone(), namespace: args.namespace.clone(), objects, ..Release::default() };
        apply_release(&cluster, &release, &options, &events).await
    };
    match result {
        Ok(report) => {
            println!(
                "{}: {} ({} writes, {} reads, {} dry runs)",
                report.release,
                report.summary(),
                report.requests.writes,
                report.requests.reads,
                report.requests.dry_runs
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("  hint: {hint}");
            }
            ExitCode::from(1)
        }
    }
}
