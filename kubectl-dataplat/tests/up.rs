//! `up --cloud-only` and `down` end to end: the real binary against moto server on loopback,
//! through the shared recording proxy of `dataplat_testkit::aws`, which also answers the EKS calls
//! moto lacks (managed add-ons, pod identity associations, access entries; its limits are in its
//! module documentation).
//!
//! What runs for real: CloudFormation change sets creating VPCs, subnets, NAT, roles, queues, rules,
//! buckets and the AMP workspace (through tools/moto-ext) in moto; the EKS cluster and node group in moto; S3 objects; the sweep's tagging,
//! EC2, ELBv2 and CloudWatch Logs calls. What does not: moto's EKS cluster has a fake endpoint, so
//! the in-cluster half (`apply`, the in-cluster teardown) is covered by the kube tests instead.
//!
//! Skips with a message when `DATAPLAT_MOTO_SERVER` is unset, unless `DATAPLAT_IT=1`.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use dataplat_aws::clients::Clients;
use dataplat_aws::stacks::{Polling, SdkConfigBuilder};
use dataplat_testkit::Moto;
use dataplat_testkit::aws::{AwsProxy, EKS_WRITES};

const REGION: &str = "us-west-2";

struct Env {
    _moto: std::sync::Arc<Moto>,
    proxy: AwsProxy,
    dir: tempfile::TempDir,
    name: String,
    deployment_id: String,
}

fn env() -> Option<Env> {
    let moto = Moto::shared()?;
    let proxy = AwsProxy::start(&moto.endpoint);
    let dir = tempfile::tempdir().unwrap();
    let name = dataplat_testkit::unique_name("up");
    // Trino (buckets, grants) and Prometheus remote-writing to the platform's own AMP workspace.
    let args = ["init", "--name", &name, "--region", REGION, "--enable", "trino", "--enable", "prometheus"];
    common::ok(common::dataplat(dir.path(), &[&args[..], &["--enable", "enable_amazon_prometheus"]].concat()));
    let text = std::fs::read_to_string(dir.path().join("platform.yaml")).unwrap();
    let deployment_id = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("deployment_id:"))
        .map(|v| v.trim().trim_matches('"').to_owned())
        .expect("init writes a deployment_id");
    Some(Env { _moto: moto, proxy, dir, name, deployment_id })
}

/// `kubectl-dataplat ARGS` with AWS pointed at the proxy and nothing of the developer's setup.
fn command(env: &Env, args: &[&str]) -> Command {
    let dir = env.dir.path();
    let (config, credentials) = (dir.join("aws-config"), dir.join("aws-credentials"));
    std::fs::write(&config, "").unwrap();
    std::fs::write(&credentials, "").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_kubectl-dataplat"));
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            command.env_remove(&key);
        }
    }
    command
        .env("DATAPLAT_CACHE_DIR", common::cache_dir())
        .env_remove("DATAPLAT_FILE")
        .env_remove("DATAPLAT_LOG")
        .env("KUBECONFIG", dir.join("kubeconfig"))
        .env("HOME", dir)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", &env.proxy.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("DATAPLAT_AWS_POLL_MS", "50");
    command
}

fn run(env: &Env, args: &[&str]) -> Output {
    command(env, args).output().expect("run kubectl-dataplat")
}

async fn clients(env: &Env) -> Clients {
    // Straight to moto: what the tests check is not recorded as the command's calls.
    clients_at(&env._moto.endpoint).await
}

/// Clients of `endpoint` (moto, or the proxy) with the tests' credentials, no retries.
async fn clients_at(endpoint: &str) -> Clients {
    let config = SdkConfigBuilder::new()
        .region(REGION)
        .endpoint_url(endpoint)
        .static_credentials("testing", "testing")
        .no_retries()
        .load()
        .await;
    Clients::new(&config, Polling { interval: Duration::from_millis(50), timeout: Duration::from_secs(60) })
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

const STACKS: [&str; 4] = ["network", "iam", "interruption", "storage"];

/// Every stack CREATE_COMPLETE (or UPDATE_COMPLETE), the cluster ACTIVE with its node group.
fn assert_up(env: &Env) {
    block_on(async {
        let c = clients(env).await;
        for suffix in STACKS {
            let stack = format!("{}-{suffix}", env.name);
            let status = dataplat_aws::stacks::status(&c.cfn, &stack).await.unwrap();
            assert!(
                matches!(status.as_deref(), Some("CREATE_COMPLETE" | "UPDATE_COMPLETE")),
                "stack {stack}: {status:?}"
            );
        }
        let cluster = dataplat_aws::eks::cluster_info_of(&c.eks, &env.name).await.unwrap().expect("the cluster exists");
        assert_eq!(cluster.status, "ACTIVE");
        let ng = c.eks.describe_nodegroup().cluster_name(&env.name).nodegroup_name("core").send().await.unwrap();
        assert_eq!(ng.nodegroup.unwrap().status().unwrap().as_str(), "ACTIVE");
    });
}

/// Nothing tagged with the deployment id is left, and neither the cluster nor a stack.
fn assert_gone(env: &Env) {
    block_on(async {
        let c = clients(env).await;
        let scope = dataplat_aws::sweep::Scope::new(&env.name, &env.deployment_id);
        let found = dataplat_aws::sweep::find(&c, &scope).await.unwrap();
        assert!(found.is_empty(), "left behind: {found:?}");
        assert!(dataplat_aws::eks::cluster_info_of(&c.eks, &env.name).await.unwrap().is_none());
        for suffix in STACKS {
            let stack = format!("{}-{suffix}", env.name);
            assert_eq!(dataplat_aws::stacks::status(&c.cfn, &stack).await.unwrap(), None, "{stack}");
        }
    });
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    common::stdout(output).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

#[test]
fn up_then_a_second_up_changes_nothing_then_down_leaves_nothing() {
    let Some(env) = env() else { return };

    // `plan` before anything exists: every stack a create, the cluster new, and nothing made.
    let planned = run(&env, &["plan", "--cloud-only", "-o", "json"]);
    assert!(planned.status.success(), "plan failed:\n{}", common::stderr(&planned));
    let planned: serde_json::Value = serde_json::from_str(&common::stdout(&planned)).expect("plan json");
    let stacks = planned["cloud"]["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 4, "{planned}");
    for stack in stacks {
        assert_eq!(stack["kind"], "create", "{stack}");
        assert!(!stack["changes"].as_array().unwrap().is_empty(), "{stack}");
    }
    assert!(planned["cloud"]["eks"]["cluster"].is_null(), "{planned}");
    let eks_planned = planned["cloud"]["eks"]["changes"].as_array().unwrap().clone();
    assert_eq!(eks_planned[0]["kind"], "cluster", "{planned}");
    assert!(planned["releases"].is_null(), "--cloud-only plans no releases: {planned}");
    assert_eq!(env.proxy.count("ExecuteChangeSet"), 0);
    assert!(
        !env.proxy.operations("eks").iter().any(|o| EKS_WRITES.contains(&o.as_str())),
        "{:?}",
        env.proxy.operations("eks")
    );
    assert_gone(&env);
    let table = run(&env, &["plan"]);
    let text = common::stdout(&table);
    assert!(table.status.success(), "{}", common::stderr(&table));
    assert!(text.contains(&format!("{}-network", env.name)) && text.contains("create"), "{text}");
    assert!(text.contains(&format!("+ create cluster {}", env.name)), "{text}");
    assert!(text.contains("does not exist yet"), "{text}");
    env.proxy.clear();

    let first = run(&env, &["up", "--cloud-only", "-o", "json"]);
    assert!(first.status.success(), "up failed:\n{}", common::stderr(&first));
    assert_up(&env);
    let done = json_lines(&first).into_iter().find(|v| v["event"] == "done").expect("a done event");
    let stacks = done["report"]["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 4, "{stacks:?}");
    assert!(stacks.iter().all(|s| s["outcome"] == "created"), "{stacks:?}");
    // The AMP workspace: made in the storage stack, tagged, its id handed to the IAM stack (the
    // remote-write grant names it) and to the cluster layer.
    let workspace = done["report"]["values"]["amp_workspace_id"].as_str().expect("the workspace id").to_owned();
    block_on(async {
        let c = clients(&env).await;
        let described = c.amp.describe_workspace().workspace_id(&workspace).send().await.unwrap();
        let w = described.workspace().unwrap();
        assert_eq!(w.alias(), Some(env.name.as_str()));
        assert_eq!(w.tags().and_then(|t| t.get("dataplat.io/deployment-id")), Some(&env.deployment_id));
        let iam = c.cfn.client.describe_stacks().stack_name(format!("{}-iam", env.name)).send().await.unwrap();
        let parameters = iam.stacks()[0].parameters();
        assert!(
            parameters.iter().any(|p| p.parameter_key() == Some("AmpWorkspaceId")
                && p.parameter_value() == Some(workspace.as_str())),
            "{parameters:?}"
        );
    });
    let changes = done["report"]["eks"]["changes"].as_array().unwrap();
    for (kind, name) in [
        ("cluster", env.name.as_str()),
        ("nodegroup", "core"),
        ("addon", "vpc-cni"),
        ("addon", "aws-ebs-csi-driver"),
        ("pod-identity", "karpenter/karpenter"),
        ("pod-identity", "trino/trino"),
    ] {
        assert!(
            changes.iter().any(|c| c["kind"] == kind && c["name"] == name && c["action"] == "created"),
            "{kind} {name} not created: {changes:?}"
        );
    }
    // The order of the reference: vpc-cni before the node group, coredns after it.
    let position = |name: &str| changes.iter().position(|c| c["name"] == name).unwrap();
    assert!(position("vpc-cni") < position("core") && position("core") < position("coredns"));
    // What `plan` announced is what `up` did.
    let key = |c: &serde_json::Value| (c["kind"].to_string(), c["name"].to_string(), c["action"].to_string());
    assert_eq!(
        eks_planned.iter().map(key).collect::<Vec<_>>(),
        changes.iter().map(key).collect::<Vec<_>>(),
        "plan and up disagree"
    );
    // The kubeconfig context uses our own exec credential.
    let kubeconfig = std::fs::read_to_string(env.dir.path().join("kubeconfig")).unwrap();
    assert!(kubeconfig.contains("command: kubectl-dataplat"), "{kubeconfig}");
    assert!(kubeconfig.contains(&format!("current-context: {}.{REGION}", env.name)), "{kubeconfig}");

    // Converged: `plan` finds nothing to change.
    env.proxy.clear();
    let replanned = run(&env, &["plan", "--cloud-only"]);
    assert!(replanned.status.success(), "{}", common::stderr(&replanned));
    assert!(common::stdout(&replanned).contains("cloud: nothing to change"), "{}", common::stdout(&replanned));
    assert_eq!(env.proxy.count("ExecuteChangeSet"), 0);

    // Second run: empty change sets, no EKS writes at all.
    env.proxy.clear();
    let second = run(&env, &["up", "--cloud-only"]);
    assert!(second.status.success(), "second up failed:\n{}", common::stderr(&second));
    assert!(common::stderr(&second).contains("cloud: nothing to change"), "{}", common::stderr(&second));
    assert_eq!(env.proxy.count("ExecuteChangeSet"), 0, "{:?}", env.proxy.operations("cloudformation"));
    let eks_calls = env.proxy.operations("eks");
    assert!(eks_calls.iter().any(|o| o == "DescribeCluster"), "the second run reads: {eks_calls:?}");
    for write in EKS_WRITES {
        assert!(!eks_calls.iter().any(|o| o == write), "second up called {write}: {eks_calls:?}");
    }

    // A change to the `cluster:` block: `plan` names it and sends nothing, then `up` makes
    // exactly that change.
    let path = env.dir.path().join("platform.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{text}\ncluster:\n  control_plane_logs: [api, audit]\n  core_node_group:\n    max_size: 10\n"),
    )
    .unwrap();
    env.proxy.clear();
    let planned = run(&env, &["plan", "--cloud-only", "-o", "json"]);
    assert!(planned.status.success(), "{}", common::stderr(&planned));
    let planned: serde_json::Value = serde_json::from_str(&common::stdout(&planned)).expect("plan json");
    assert!(planned["cloud"]["stacks"].as_array().unwrap().iter().all(|s| s["changes"].as_array().unwrap().is_empty()));
    let eks_planned = planned["cloud"]["eks"]["changes"].as_array().unwrap().clone();
    let kinds: Vec<&str> = eks_planned.iter().filter_map(|c| c["kind"].as_str()).collect();
    assert_eq!(kinds, ["cluster", "nodegroup"], "{eks_planned:?}");
    assert!(eks_planned[1]["detail"].as_str().unwrap().contains("size 4..10"), "{eks_planned:?}");
    assert!(!env.proxy.operations("eks").iter().any(|o| EKS_WRITES.contains(&o.as_str())));
    let changed = run(&env, &["up", "--cloud-only", "-o", "json"]);
    assert!(changed.status.success(), "{}", common::stderr(&changed));
    let done = json_lines(&changed).into_iter().find(|v| v["event"] == "done").expect("a done event");
    let made = done["report"]["eks"]["changes"].as_array().unwrap();
    assert_eq!(made.iter().map(key).collect::<Vec<_>>(), eks_planned.iter().map(key).collect::<Vec<_>>());
    block_on(async {
        let c = clients(&env).await;
        let ng = c.eks.describe_nodegroup().cluster_name(&env.name).nodegroup_name("core").send().await.unwrap();
        assert_eq!(ng.nodegroup.unwrap().scaling_config().unwrap().max_size(), Some(10));
    });

    // Data in a bucket does not stop `down`: buckets are emptied, then deleted.
    block_on(async {
        let c = clients(&env).await;
        let buckets = c.s3.list_buckets().send().await.unwrap();
        let ours: Vec<String> = buckets
            .buckets()
            .iter()
            .filter_map(|b| b.name())
            .filter(|n| n.contains(&env.deployment_id.to_ascii_lowercase()))
            .map(str::to_owned)
            .collect();
        assert!(!ours.is_empty(), "trino's buckets exist");
        for bucket in &ours {
            for key in ["a.parquet", "b/c.parquet"] {
                c.s3.put_object().bucket(bucket).key(key).body(b"data".to_vec().into()).send().await.unwrap();
            }
        }
    });

    let down = run(&env, &["down", "--cloud-only", "--yes"]);
    let receipt = common::stdout(&down);
    assert!(down.status.success(), "down failed:\n{receipt}\n{}", common::stderr(&down));
    assert!(receipt.contains("0 billable resources remain"), "{receipt}");
    assert_gone(&env);
}

#[test]
fn down_keep_data_retains_the_data_buckets_and_lists_them() {
    let Some(env) = env() else { return };
    // Before `up`: nothing exists, and status says so (exit 1).
    let before = run(&env, &["status", "--cloud-only"]);
    assert_eq!(before.status.code(), Some(1), "{}", common::stderr(&before));
    let text = common::stdout(&before);
    assert!(
        text.contains("absent") && text.contains("the cluster does not exist") && text.contains("not healthy"),
        "{text}"
    );
    let missing = run(&env, &["kubeconfig", "--print"]);
    assert_eq!(missing.status.code(), Some(1), "{}", common::stderr(&missing));
    assert!(common::stderr(&missing).contains("does not exist"), "{}", common::stderr(&missing));
    // Add-ons stay CREATING for three polls: off a terminal, the wait is one line, not three.
    env.proxy.set_settle_polls(4);
    let up = run(&env, &["up", "--cloud-only"]);
    let log = common::stderr(&up);
    assert!(up.status.success(), "up failed:\n{log}");
    assert_eq!(log.matches("waiting for add-on vpc-cni: CREATING").count(), 1, "{log}");
    // After: every stack complete, the cluster, its node group and add-ons active (exit 0).
    let after = run(&env, &["status", "--cloud-only", "-o", "json"]);
    assert!(after.status.success(), "{}\n{}", common::stdout(&after), common::stderr(&after));
    let status: serde_json::Value = serde_json::from_str(&common::stdout(&after)).expect("status json");
    assert_eq!(status["healthy"], true, "{status}");
    let stacks = status["cloud"]["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), 4, "{status}");
    assert!(stacks.iter().all(|s| s["status"] == "CREATE_COMPLETE"), "{status}");
    assert_eq!(status["cloud"]["eks"]["cluster"]["status"], "ACTIVE");
    let core = &status["cloud"]["eks"]["nodegroups"][0];
    assert_eq!(
        (core["name"].as_str(), core["status"].as_str(), core["max_size"].as_i64()),
        (Some("core"), Some("ACTIVE"), Some(8))
    );
    let addons: Vec<&str> =
        status["cloud"]["eks"]["addons"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(addons.len(), 5, "{addons:?}");
    assert!(status["releases"].is_null(), "--cloud-only reads no releases");
    // `kubeconfig` describes the cluster: moto's endpoint and CA, our exec credential.
    let printed = common::ok(run(&env, &["kubeconfig", "--print"]));
    let server = block_on(async {
        let c = clients(&env).await;
        dataplat_aws::eks::cluster_info_of(&c.eks, &env.name).await.unwrap().unwrap().endpoint
    });
    assert!(printed.contains(&format!("server: {server}")), "{printed}");
    assert!(printed.contains("command: kubectl-dataplat"), "{printed}");
    assert!(printed.contains(&format!("current-context: {}.{REGION}", env.name)), "{printed}");
    let down = run(&env, &["down", "--cloud-only", "--yes", "--keep-data", "-o", "json"]);
    assert!(down.status.success(), "down failed:\n{}\n{}", common::stdout(&down), common::stderr(&down));
    let done = json_lines(&down).into_iter().find(|v| v["event"] == "done").expect("a done event");
    let retained = done["report"]["receipt"]["retained"].as_array().unwrap().clone();
    let of = |kind: &str| -> Vec<String> {
        retained.iter().filter(|f| f["kind"] == kind).map(|f| f["id"].as_str().unwrap().to_owned()).collect()
    };
    let (buckets, workspaces) = (of("bucket"), of("amp-workspace"));
    assert!(!buckets.is_empty() && workspaces.len() == 1, "{done}");
    assert!(
        done["report"]["receipt"]["summary"].as_str().unwrap().contains("retained resources listed above"),
        "{done}"
    );
    block_on(async {
        let c = clients(&env).await;
        for bucket in &buckets {
            c.s3.head_bucket().bucket(bucket).send().await.unwrap_or_else(|e| panic!("{bucket} kept: {e:?}"));
        }
        c.amp.describe_workspace().workspace_id(&workspaces[0]).send().await.expect("the workspace is kept");
        // Clean up what the test kept, then nothing is left.
        for bucket in &buckets {
            dataplat_aws::sweep::empty_bucket(&c.s3, bucket).await.unwrap();
            c.s3.delete_bucket().bucket(bucket).send().await.unwrap();
        }
        c.amp.delete_workspace().workspace_id(&workspaces[0]).send().await.unwrap();
    });
    assert_gone(&env);
}

#[test]
fn down_without_yes_off_a_terminal_refuses_and_deletes_nothing() {
    let Some(env) = env() else { return };
    let down = command(&env, &["down", "--cloud-only"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(down.status.code(), Some(2), "{}", common::stderr(&down));
    assert!(common::stderr(&down).contains("--yes"), "{}", common::stderr(&down));
    assert!(env.proxy.requests().is_empty(), "no AWS call before confirmation: {:?}", env.proxy.requests());
}

/// Kill -9 of `up` at six points, each run converging past the previous kill; then a clean run,
/// an unchanged run, and a `down` that leaves nothing.
#[test]
fn up_killed_at_six_points_converges_and_down_leaves_nothing() {
    let Some(env) = env() else { return };
    let points: [(&str, usize); 6] = [
        ("CreateChangeSet", 2),  // the IAM stack's change set exists, never executed
        ("ExecuteChangeSet", 2), // the interruption stack is executing
        ("CreateCluster", 1),    // the cluster is CREATING and nobody waits
        ("CreateAddon", 2),      // vpc-cni done, eks-pod-identity-agent created, unseen
        ("CreateNodegroup", 1),  // the node group exists, add-ons after it do not
        ("CreatePodIdentityAssociation", 1),
    ];
    for (operation, occurrence) in points {
        let trap = env.proxy.trap(operation, occurrence);
        let child =
            command(&env, &["up", "--cloud-only", "-q"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        trap.arm(child.id());
        let out = child.wait_with_output().unwrap();
        let status = out.status;
        // The proxy marks the trap fired after `kill` returns, which may be after the child is
        // reaped here: wait for it rather than race it.
        assert!(
            trap.wait_fired(Duration::from_secs(30)),
            "{operation} #{occurrence} never came:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!status.success(), "up survived the kill at {operation}");
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9), "killed by SIGKILL at {operation}");
        }
    }
    let last = run(&env, &["up", "--cloud-only"]);
    assert!(last.status.success(), "the run after the kills failed:\n{}", common::stderr(&last));
    assert_up(&env);
    env.proxy.clear();
    let again = run(&env, &["up", "--cloud-only"]);
    assert!(again.status.success(), "{}", common::stderr(&again));
    assert!(common::stderr(&again).contains("cloud: nothing to change"), "{}", common::stderr(&again));
    assert_eq!(env.proxy.count("ExecuteChangeSet"), 0);

    // A kill right after a create must not lead to a duplicate on the next run: exactly one
    // association per service account (read through the proxy, which answers this call).
    let listed = block_on(async {
        let config = SdkConfigBuilder::new()
            .region(REGION)
            .endpoint_url(&env.proxy.endpoint)
            .static_credentials("testing", "testing")
            .no_retries()
            .load()
            .await;
        let c = Clients::new(&config, Polling::default());
        c.eks.list_pod_identity_associations().cluster_name(&env.name).send().await.unwrap()
    });
    let mut pairs: Vec<(String, String)> = listed
        .associations()
        .iter()
        .map(|a| (a.namespace().unwrap_or_default().to_owned(), a.service_account().unwrap_or_default().to_owned()))
        .collect();
    let before = pairs.len();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), before, "duplicate associations: {pairs:?}");

    let down = run(&env, &["down", "--cloud-only", "--yes"]);
    assert!(down.status.success(), "{}\n{}", common::stdout(&down), common::stderr(&down));
    assert!(common::stdout(&down).contains("0 billable resources remain"), "{}", common::stdout(&down));
    assert_gone(&env);
}

#[test]
fn a_stack_left_in_rollback_complete_is_recovered_by_up() {
    let Some(env) = env() else { return };
    let first = run(&env, &["up", "--cloud-only"]);
    assert!(first.status.success(), "{}", common::stderr(&first));
    let stack = format!("{}-interruption", env.name);
    env.proxy.fake_rollback(&stack);
    let second = run(&env, &["up", "--cloud-only"]);
    let stderr = common::stderr(&second);
    assert!(second.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("stack {stack}: recovered")), "{stderr}");
    assert_up(&env);
    let down = run(&env, &["down", "--cloud-only", "--yes"]);
    assert!(down.status.success(), "{}", common::stderr(&down));
    assert_gone(&env);
}

#[test]
fn a_pool_pinned_outside_the_network_stops_plan_and_up_before_anything_is_created() {
    let Some(env) = env() else { return };
    let path = env.dir.path().join("platform.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    // Zone d: not among the region's first three, which the network spans.
    std::fs::write(&path, format!("{text}\ntrino:\n  zone: d\n")).unwrap();
    for args in [&["plan", "--cloud-only"][..], &["up", "--cloud-only"][..]] {
        let out = run(&env, args);
        let stderr = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("pins NodePool") && stderr.contains("to us-west-2d"), "{stderr}");
        assert!(stderr.contains("us-west-2a, us-west-2b, us-west-2c"), "{stderr}");
        assert!(stderr.contains("`trino: {zone: a}`"), "{stderr}");
    }
    assert_eq!(env.proxy.count("CreateChangeSet"), 0, "{:?}", env.proxy.operations("cloudformation"));
    assert_eq!(env.proxy.count("CreateCluster"), 0);
    assert_gone(&env);
}

/// `up` loads platform.yaml and its plugins once and calls each plugin once, for the cloud and
/// the cluster alike (moto's cluster endpoint is fake, so the cluster half stops at connecting).
#[test]
fn up_loads_the_platform_and_calls_each_plugin_once() {
    let Some(env) = env() else { return };
    let up = command(&env, &["up", "--offline"])
        .env("DATAPLAT_LOG", "dataplat_core=debug,dataplat_lifecycle=debug")
        .output()
        .expect("run up");
    let log = common::stderr(&up);
    assert!(log.contains("eks: cluster") && log.contains("kubeconfig: context"), "the cloud half ran:\n{log}");
    assert_eq!(up.status.code(), Some(1), "the cluster half cannot reach moto's fake endpoint:\n{log}");
    assert_eq!(log.matches("loading platform.yaml and its plugins").count(), 1, "{log}");
    let calls: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("plugin validate() and plan()"))
        .filter_map(|l| l.split("addon=").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap_or_default())
        .collect();
    let distinct: std::collections::BTreeSet<&str> = calls.iter().copied().collect();
    assert!(distinct.contains("trino") && distinct.contains("prometheus"), "{calls:?}");
    assert_eq!(calls.len(), distinct.len(), "a plugin was called twice: {calls:?}");
    let down = run(&env, &["down", "--cloud-only", "--yes"]);
    assert!(down.status.success(), "{}", common::stderr(&down));
    assert_gone(&env);
}

/// The findings of `doctor` that come from AWS (the cluster it reads is the shared test API
/// server, whose objects belong to other tests).
fn cloud_findings(env: &Env, kubeconfig: &std::path::Path, extra_env: &[(&str, &str)]) -> Vec<serde_json::Value> {
    let mut command = command(env, &["doctor", "--kubeconfig", kubeconfig.to_str().unwrap(), "-o", "json"]);
    for (k, v) in extra_env {
        command.env(k, v);
    }
    let out = command.output().expect("doctor");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}\n{}", common::stdout(&out), common::stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&common::stdout(&out)).expect("doctor json");
    let cloud = ["identity.association", "identity.role", "identity.bucket", "drift.eks-addon", "doctor.cloud"];
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| cloud.iter().any(|p| f["id"].as_str().unwrap_or_default().starts_with(p)))
        .cloned()
        .collect()
}

#[test]
fn doctor_checks_the_add_ons_pod_identities_roles_and_buckets_that_up_made() {
    let Some(env) = env() else { return };
    let Some(kubeconfig) = dataplat_testkit::test_kubeconfig() else { return };
    env.proxy.set_settle_polls(0);
    let up = run(&env, &["up", "--cloud-only"]);
    assert!(up.status.success(), "up failed:\n{}", common::stderr(&up));
    // As `up` left it: every planned association with its role, the roles' policies allowing
    // what the grants declare on the buckets, which exist; add-ons ACTIVE.
    assert_eq!(cloud_findings(&env, &kubeconfig, &[]), Vec::<serde_json::Value>::new());

    // Then: an add-on degraded, Karpenter's association deleted, Prometheus' pointed at Trino's
    // role, and Trino's policy cut to reads.
    assert!(env.proxy.degrade_addon(
        REGION,
        &env.name,
        "coredns",
        "InsufficientNumberOfReplicas",
        "0 of 2 replicas ready"
    ));
    let trino_role = block_on(async {
        // Through the proxy: the EKS calls moto lacks (associations, add-ons) live there.
        let c = clients_at(&env.proxy.endpoint).await;
        let listed = c.eks.list_pod_identity_associations().cluster_name(&env.name).send().await.unwrap();
        let id_of = |ns: &str| {
            listed
                .associations()
                .iter()
                .find(|a| a.namespace() == Some(ns) && a.owner_arn().is_none())
                .and_then(|a| a.association_id())
                .unwrap_or_else(|| panic!("an association in {ns}"))
                .to_owned()
        };
        let trino = c
            .eks
            .describe_pod_identity_association()
            .cluster_name(&env.name)
            .association_id(id_of("trino"))
            .send()
            .await
            .unwrap();
        let trino_role = trino.association().and_then(|a| a.role_arn()).unwrap().to_owned();
        c.eks
            .delete_pod_identity_association()
            .cluster_name(&env.name)
            .association_id(id_of("karpenter"))
            .send()
            .await
            .unwrap();
        c.eks
            .update_pod_identity_association()
            .cluster_name(&env.name)
            .association_id(id_of("monitoring"))
            .role_arn(&trino_role)
            .send()
            .await
            .unwrap();
        let role = trino_role.rsplit('/').next().unwrap().to_owned();
        let iam = clients(&env).await.iam;
        let names = iam.list_role_policies().role_name(&role).send().await.unwrap();
        assert!(!names.policy_names().is_empty(), "up gave role {role} its inline policy");
        for name in names.policy_names() {
            iam.put_role_policy()
                .role_name(&role)
                .policy_name(name)
                .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
                .send()
                .await
                .unwrap();
        }
        trino_role
    });
    let findings = cloud_findings(&env, &kubeconfig, &[]);
    let find = |id: &str, object: &str| {
        findings
            .iter()
            .find(|f| f["id"] == id && f["object"] == object)
            .unwrap_or_else(|| panic!("no {id} on {object}: {findings:#?}"))
            .clone()
    };
    let degraded = find("drift.eks-addon-degraded", &format!("EKS add-on {}/coredns", env.name));
    assert!(degraded["evidence"].to_string().contains("0 of 2 replicas ready"), "{degraded:#}");
    let missing = find("identity.association-missing", "ServiceAccount karpenter/karpenter");
    assert!(missing["fix"].as_str().unwrap().contains("kubectl dataplat up"), "{missing:#}");
    let monitoring: Vec<&serde_json::Value> =
        findings.iter().filter(|f| f["id"] == "identity.association-wrong-role").collect();
    assert_eq!(monitoring.len(), 1, "{findings:#?}");
    assert!(monitoring[0]["object"].as_str().unwrap().starts_with("ServiceAccount monitoring/"), "{findings:#?}");
    assert!(monitoring[0]["evidence"].to_string().contains(&trino_role), "{findings:#?}");
    let cut = findings
        .iter()
        .find(|f| {
            f["id"] == "identity.bucket-unreachable"
                && f["object"].as_str().unwrap().starts_with("ServiceAccount trino/")
        })
        .unwrap_or_else(|| panic!("trino's bucket: {findings:#?}"));
    assert!(cut["evidence"].to_string().contains("not allowed by the role's policies: s3:PutObject"), "{cut:#}");
    // Both of Trino's buckets (the data bucket and the exchange) lose PutObject.
    let buckets = findings.iter().filter(|f| f["id"] == "identity.bucket-unreachable").count();
    assert_eq!(buckets, 2, "{findings:#?}");
    assert_eq!(findings.len(), 5, "nothing else: {findings:#?}");

    // AWS that does not answer: one finding, the cluster's checks still run.
    let dead = format!("http://127.0.0.1:{}", dataplat_testkit::free_port());
    let unreadable = cloud_findings(&env, &kubeconfig, &[("AWS_ENDPOINT_URL", &dead)]);
    assert_eq!(unreadable.len(), 1, "{unreadable:#?}");
    assert_eq!(unreadable[0]["id"], "doctor.cloud-unreadable");

    let down = run(&env, &["down", "--cloud-only", "--yes"]);
    assert!(down.status.success(), "down failed:\n{}", common::stderr(&down));
    assert_gone(&env);
}
