//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "kubectl-dataplat",
    bin_name = "kubectl dataplat",
    version,
    about = "Stand up and run a data platform on Amazon EKS from one platform.yaml",
    long_about = None,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The platform file.
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        value_name = "FILE",
        default_value = "platform.yaml",
        env = "DATAPLAT_FILE",
        action = clap::ArgAction::Append
    )]
    pub files: Vec<PathBuf>,
    /// The platform file: the one `-f` (set by [`Global::resolve`]).
    #[arg(skip)]
    pub file: PathBuf,
    /// Whether `-f` was given on the command line (not the default or DATAPLAT_FILE).
    #[arg(skip)]
    pub files_from_command_line: bool,
    /// More log output (-v info, -vv debug, -vvv trace); DATAPLAT_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Load native (shared library) plugins. They run unsandboxed in this process.
    #[arg(long, global = true)]
    pub allow_native_plugins: bool,
    /// Cache for compiled and pulled plugins [default: $DATAPLAT_CACHE_DIR, else
    /// ~/.cache/kubectl-dataplat].
    #[arg(long, global = true)]
    pub cache_dir: Option<PathBuf>,
}

/// The command line with each subcommand's own words: `-f` is a values file for `chart
/// template` (repeatable, as in Helm) and the platform file everywhere else. The template's own
/// `files` argument keeps the global one from being propagated there; its values still reach
/// [`Global::files`].
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command().mut_subcommand("chart", |chart| {
        chart.mut_subcommand("template", |template| {
            template.arg(
                clap::Arg::new("files")
                    .short('f')
                    .long("file")
                    .value_name("FILE")
                    .value_parser(clap::value_parser!(PathBuf))
                    .action(clap::ArgAction::Append)
                    .help("A values file for the chart (repeatable, as in Helm)"),
            )
        })
    })
}

impl Global {
    /// Settles the platform file: `-f` once (or its default). `chart template` takes every `-f`
    /// as a values file, as Helm does; every other command refuses a second `-f`.
    pub fn resolve(&mut self, from_command_line: bool, values_files_allowed: bool) -> Result<(), String> {
        self.files_from_command_line = from_command_line;
        if self.files.len() > 1 && !values_files_allowed {
            let given: Vec<String> = self.files.iter().map(|f| f.display().to_string()).collect();
            return Err(format!("-f given {} times ({}); there is one platform file", given.len(), given.join(", ")));
        }
        self.file = self.files.last().cloned().unwrap_or_else(|| PathBuf::from("platform.yaml"));
        Ok(())
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a commented platform.yaml with a new deployment id.
    Init(InitArgs),
    /// Check platform.yaml and the plugins it uses; no cloud calls.
    Validate(OutputArgs),
    /// Show what `up` would do: the cloud (stack change sets, EKS changes) and the releases'
    /// diff against the cluster; `--offline` from the config alone.
    Plan(PlanArgs),
    /// Write every manifest and declaration to a directory, for GitOps or review.
    Render(RenderArgs),
    /// Apply the platform's releases to a cluster (the cluster half of `up`): charts rendered,
    /// objects server-side applied in order, health awaited, disabled addons pruned.
    Apply(ApplyArgs),
    /// Create or converge everything: the cloud (stacks, EKS), the kubeconfig context, then the
    /// releases (`apply`).
    Up(UpArgs),
    /// Delete everything in order: in-cluster (scalers, workloads, load balancers, NodePools,
    /// addons), EKS, buckets (unless --keep-data), stacks; then sweep by tag and print a receipt.
    Down(DownArgs),
    /// Write (or print) the kubeconfig context of the platform's EKS cluster.
    Kubeconfig(KubeconfigArgs),
    /// Health now: the stacks, the EKS cluster, its node groups and add-ons, each release's
    /// objects, the addons' endpoints. Exit 0 only when everything is healthy.
    Status(StatusArgs),
    /// What is wrong with the live platform, why, and what to do (read-only). Exit 0 when nothing
    /// is wrong, 1 when something is, 2 when it cannot run.
    Doctor(DoctorArgs),
    /// Switch an addon or feature on in platform.yaml (comments and order kept).
    Enable(FlagArgs),
    /// Switch an addon or feature off in platform.yaml.
    Disable(FlagArgs),
    /// Ready-to-run examples (Spark, Flink, Kafka, Trino) filled in with this platform's names.
    #[command(subcommand)]
    Examples(ExamplesCommand),
    /// Work with addon plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Trino tools: the autoscaling policy simulator and its trace generator.
    #[command(subcommand)]
    Trino(TrinoCommand),
    /// Render and fetch Helm charts in-process (no helm binary).
    #[command(subcommand)]
    Chart(ChartCommand),
    /// Print an EKS token as a client-go ExecCredential (the kubeconfig exec credential; no aws
    /// CLI needed).
    Token(TokenArgs),
    /// The binary, the plugin contract it loads, the built-in plugins and the chart versions they
    /// pin.
    Version(OutputArgs),
    /// Print a shell completion script.
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExamplesCommand {
    /// The examples and whether this platform enables the addon each runs on.
    List(OutputArgs),
    /// Print an example's objects as YAML (`kubectl apply -f -` ready), or as JSON with -o json.
    Render(ExampleRenderArgs),
}

#[derive(Args, Debug)]
pub struct ExampleRenderArgs {
    /// The example (`kubectl dataplat examples list`).
    pub name: String,
    /// Output format of the objects: YAML documents, or a JSON list.
    #[arg(short, long, value_enum, default_value = "yaml")]
    pub output: Format,
    /// Also check that every name the example uses exists in the plan and that the readiness
    /// analysis of the platform with the example finds no error; exit 1 when either fails.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub fetch: ChartFetchArgs,
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    /// EKS cluster name (signed into the token: it is valid for this cluster only).
    #[arg(long, value_name = "NAME")]
    pub cluster: String,
    /// AWS region of the cluster.
    #[arg(long, env = "AWS_REGION", value_name = "REGION")]
    pub region: String,
    /// Assume this IAM role first (with the credentials of the standard AWS chain).
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
}

#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Platform name (cluster and resource prefix).
    #[arg(long, default_value = "dataplat")]
    pub name: String,
    /// AWS region.
    #[arg(long, default_value = "us-west-2", env = "AWS_REGION")]
    pub region: String,
    /// Addons or flags to switch on (repeatable): --enable keda --enable enable_spark_operator.
    #[arg(long = "enable", value_name = "ADDON|FLAG")]
    pub enable: Vec<String>,
    /// Convert a data-on-eks data-stack.tfvars instead (name, region and flags come from it).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "enable"])]
    pub from_tfvars: Option<PathBuf>,
    /// Overwrite an existing file (its deployment_id is kept).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// Plan from the config and plugins only, without asking AWS or the cluster.
    #[arg(long, conflicts_with_all = ["kubeconfig", "context", "cloud_only", "cluster_only"])]
    pub offline: bool,
    /// Plan the cloud only: each stack's change set (created, read, deleted; never executed) and
    /// the EKS changes; no cluster needed.
    #[arg(long, conflicts_with_all = ["cluster_only", "kubeconfig", "context", "mirror"])]
    pub cloud_only: bool,
    /// Plan the releases on a cluster only (one dataplat did not create, as with `apply`); no AWS
    /// calls.
    #[arg(long)]
    pub cluster_only: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Fetch charts of `FROM` (a repository URL prefix or an OCI registry) from `TO` instead
    /// (repeatable). With --offline, charts come from the chart cache unless mirrored.
    #[arg(long, value_name = "FROM=TO")]
    pub mirror: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The cloud only: stacks, cluster, node groups, add-ons.
    #[arg(long, conflicts_with_all = ["cluster_only", "kubeconfig", "context"])]
    pub cloud_only: bool,
    /// The releases on a cluster only (one dataplat did not create); no AWS calls.
    #[arg(long)]
    pub cluster_only: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// Directory to write to (created; must be empty or absent unless --force).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the directory's previous render.
    #[arg(long)]
    pub force: bool,
    /// Write chart references and values only; do not fetch and render the charts.
    #[arg(long, conflicts_with_all = ["offline", "mirror"])]
    pub skip_charts: bool,
    #[command(flatten)]
    pub fetch: ChartFetchArgs,
}

/// Which cluster.
#[derive(Args, Debug, Clone)]
pub struct ClusterArgs {
    /// kubeconfig file [default: KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context [default: its current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Only what concerns this addon: objects in its namespaces, its NodePools.
    #[arg(long, value_name = "NAME")]
    pub addon: Option<String>,
    /// Seconds a pod may stay Pending, a node NotReady, a load balancer without address or a
    /// Certificate unready before it is reported.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub grace: i64,
    /// Read the cluster only: no AWS calls (EKS add-ons, pod identity associations, roles and
    /// buckets are not checked). For a cluster dataplat did not create, or without AWS
    /// credentials.
    #[arg(long)]
    pub cluster_only: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub fetch: ChartFetchArgs,
    /// Take over fields other field managers own (otherwise a conflict stops the release).
    #[arg(long)]
    pub force_conflicts: bool,
    /// Do not wait for the releases to become healthy.
    #[arg(long)]
    pub no_wait: bool,
    /// When removing releases (objects no longer rendered, addons switched off), delete their
    /// PersistentVolumeClaims and objects marked to keep too.
    #[arg(long)]
    pub purge: bool,
    /// How long each release may take to become healthy.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub timeout: u64,
    /// Releases applied at once (dependencies permitting).
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,
    /// Output: progress lines (table) or one JSON event per line (json).
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args, Debug)]
pub struct UpArgs {
    /// Stop after the cloud: stacks, EKS and the kubeconfig context; apply nothing in the cluster.
    #[arg(long)]
    pub cloud_only: bool,
    /// Write the context to this kubeconfig [default: first of KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Longest wait for one cloud step (a stack, the cluster, a node group), in minutes.
    #[arg(long = "cloud-timeout", default_value_t = 60, value_name = "MINUTES")]
    pub timeout_minutes: u64,
    #[command(flatten)]
    pub fetch: ChartFetchArgs,
    /// Output: progress lines (table) or one JSON event per line (json).
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args, Debug)]
pub struct DownArgs {
    /// Keep the buckets that hold data (they are listed on the receipt as retained).
    #[arg(long)]
    pub keep_data: bool,
    /// Skip the in-cluster teardown (load balancers and Karpenter nodes are then left to the sweep).
    #[arg(long)]
    pub cloud_only: bool,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Longest wait for one step, in minutes.
    #[arg(long = "cloud-timeout", default_value_t = 60, value_name = "MINUTES")]
    pub timeout_minutes: u64,
    /// Output: progress lines and the receipt (table) or JSON lines (json).
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(Args, Debug)]
pub struct KubeconfigArgs {
    /// The kubeconfig to merge the context into [default: first of KUBECONFIG, else ~/.kube/config].
    #[arg(long, value_name = "FILE", conflicts_with = "print")]
    pub kubeconfig: Option<PathBuf>,
    /// Print a kubeconfig with only this context instead of writing one.
    #[arg(long)]
    pub print: bool,
}

#[derive(Args, Debug)]
pub struct FlagArgs {
    /// Addon name (`trino`), flag (`enable_trino_keda`) or flag without prefix (`trino_keda`).
    pub target: String,
}

#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// List the available addons: built-in and from platform.yaml's `plugins:`.
    List(OutputArgs),
    /// Show a plugin's info, flags and config schema: an addon name, a .wasm file or oci://ref@sha256:…
    Inspect {
        target: String,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Format,
    },
    /// Print an addon's reference page (Markdown): flags, dependencies and every config field.
    Docs {
        /// Addon name, .wasm file or oci://ref@sha256:…
        target: String,
        /// Write the page to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Scaffold a new addon crate.
    New {
        /// Addon name: lowercase letters, digits and _.
        name: String,
        /// Directory to create [default: ./<name>].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Depend on the SDK at this path instead of the released crate.
        #[arg(long)]
        sdk_path: Option<PathBuf>,
    },
    /// Build an addon crate to a wasm component and check it loads.
    Build {
        /// The crate directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Run the conformance checks on a plugin (.wasm file or addon crate directory).
    Test {
        #[arg(default_value = ".")]
        target: PathBuf,
        /// Config block (JSON) to plan with, in addition to the defaults.
        #[arg(long)]
        config: Vec<String>,
    },
    /// Push a component to an OCI registry; prints the pinned reference.
    Push {
        file: PathBuf,
        /// registry/repository:tag (oci:// optional).
        reference: String,
    },
    /// Pull (or load) a plugin, verify it, and add it to platform.yaml's `plugins:`.
    Install {
        /// oci://registry/repo:tag@sha256:… or a .wasm path.
        source: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ChartCommand {
    /// Render a chart the way `helm template` does and print the YAML.
    Template(ChartTemplateArgs),
    /// Fetch a chart into the chart cache (and optionally write its .tgz).
    Pull(ChartPullArgs),
}

/// Where a chart comes from.
#[derive(Args, Debug)]
pub struct ChartSource {
    /// A chart directory, a .tgz, `oci://registry/path/chart[:version][@sha256:…]`, or a chart
    /// name with --repo.
    pub chart: String,
    /// HTTP chart repository (its index.yaml) to take CHART from.
    #[arg(long, value_name = "URL")]
    pub repo: Option<String>,
    /// Chart version or Masterminds constraint (default: the latest stable).
    #[arg(long, default_value = "")]
    pub version: String,
    #[command(flatten)]
    pub fetch: ChartFetchArgs,
}

/// How charts are fetched.
#[derive(Args, Debug)]
pub struct ChartFetchArgs {
    /// Use only the chart cache; fail naming the chart when it is not there.
    #[arg(long)]
    pub offline: bool,
    /// Fetch `FROM` (a repository URL prefix or an OCI registry) from `TO` instead (repeatable).
    #[arg(long, value_name = "FROM=TO")]
    pub mirror: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ChartTemplateArgs {
    #[command(flatten)]
    pub source: ChartSource,
    /// Values files (repeatable), applied in order after the `-f` ones.
    #[arg(long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// `key=value` overrides with Helm's path syntax and type inference (repeatable).
    #[arg(long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// `key=value` overrides kept as strings (repeatable).
    #[arg(long = "set-string", value_name = "K=V")]
    pub set_string: Vec<String>,
    /// Release name.
    #[arg(long, default_value = "release-name")]
    pub release: String,
    /// Release namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Kubernetes version for .Capabilities.KubeVersion.
    #[arg(long, value_name = "V")]
    pub kube_version: Option<String>,
    /// Extra API versions for .Capabilities.APIVersions (repeatable).
    #[arg(long = "api-versions", value_name = "GROUP/VERSION")]
    pub api_versions: Vec<String>,
    /// Print the CRDs of crds/ first.
    #[arg(long)]
    pub include_crds: bool,
}

#[derive(Args, Debug)]
pub struct ChartPullArgs {
    #[command(flatten)]
    pub source: ChartSource,
    /// Also write the .tgz into this directory.
    #[arg(short = 'd', long, value_name = "DIR")]
    pub destination: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum TrinoCommand {
    /// Replay a query trace through worker scaling policies (KEDA + HPA + Karpenter) and compare
    /// queue waits, node-hours, scale events and failed queries.
    Simulate(SimulateArgs),
    /// Generate a query trace (CSV) for `trino simulate`.
    Trace(TraceArgs),
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Query trace: CSV `submit_s,duration_s,workers` (see examples/trino-traces).
    #[arg(long, value_name = "FILE")]
    pub trace: PathBuf,
    /// Policy to run (repeatable): `reference` (data-on-eks, bugs fixed), `dataplat` (what the
    /// Trino plugin renders for -f) or a YAML file with a ScaledObject, the worker Deployment and
    /// the Trino ConfigMaps [default: reference and dataplat].
    #[arg(long = "policy", value_name = "reference|dataplat|FILE")]
    pub policies: Vec<String>,
    /// Concurrent query slots per worker.
    #[arg(long, default_value_t = 10)]
    pub slots_per_worker: u32,
    /// Fastest Karpenter node start, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub node_start_min: f64,
    /// Slowest Karpenter node start, seconds.
    #[arg(long, default_value_t = 90.0)]
    pub node_start_max: f64,
    /// Seconds from a pod landing on a ready node to a ready worker.
    #[arg(long, default_value_t = 20.0)]
    pub pod_start: f64,
    /// Seconds before Karpenter removes an empty node.
    #[arg(long, default_value_t = 30.0)]
    pub consolidate_after: f64,
    /// Spot interruptions per node-hour (2-minute notice each).
    #[arg(long, default_value_t = 0.0)]
    pub spot_interruptions_per_node_hour: f64,
    /// Coordinator metrics missing from Prometheus from START for SECONDS (repeatable).
    #[arg(long, value_name = "START:SECONDS")]
    pub prometheus_outage: Vec<String>,
    /// Seed of node start delays and spot interruptions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Every query sets the session property `required_workers_count` to its `workers` column:
    /// Trino holds it until that many workers are active (and fails it after
    /// query-manager.required-workers-max-wait). By default a query runs on the free workers it
    /// finds, up to `workers`, proportionally slower on fewer.
    #[arg(long)]
    pub session_required_workers: bool,
    /// Print how long each simulation took (stderr).
    #[arg(long)]
    pub timing: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceKindArg {
    /// ~40 queries/h around the clock, 1-2 workers.
    Steady,
    /// Mostly idle; ~6 bursts a day of 30-80 queries on 1-8 workers.
    Bursty,
    /// A business day: ~2 queries/h at night, ~120/h 10:00-16:00.
    Diurnal,
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Shape of the trace.
    #[arg(value_enum)]
    pub kind: TraceKindArg,
    /// Length in hours.
    #[arg(long, default_value_t = 24.0)]
    pub hours: f64,
    /// Seed: the same kind, hours and seed give the same trace.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// File to write [default: stdout].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    /// clap's own consistency checks (unique short options across global and local arguments...).
    #[test]
    fn the_command_line_is_well_formed() {
        super::command().debug_assert();
    }
}
