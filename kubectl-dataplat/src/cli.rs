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
    #[arg(short = 'f', long = "file", global = true, default_value = "platform.yaml", env = "DATAPLAT_FILE")]
    pub file: PathBuf,
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
    /// Show what `up` would do.
    Plan(PlanArgs),
    /// Write every manifest and declaration to a directory, for GitOps or review.
    Render(RenderArgs),
    /// Switch an addon or feature on in platform.yaml (comments and order kept).
    Enable(FlagArgs),
    /// Switch an addon or feature off in platform.yaml.
    Disable(FlagArgs),
    /// Work with addon plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Print a shell completion script.
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
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
    #[arg(long)]
    pub offline: bool,
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
