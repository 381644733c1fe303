//! CloudFormation stacks deployed and deleted through change sets (DESIGN.md section 8).
//!
//! - [`deploy`]: describe the stack; absent → a `CREATE` change set; a `REVIEW_IN_PROGRESS`
//!   placeholder (a run interrupted before it executed its change set) → deleted, then `CREATE`;
//!   `ROLLBACK_COMPLETE` (a failed create) → delete it, wait, then `CREATE` (reported as
//!   recovered); `*_IN_PROGRESS` → wait until it settles first; anything else → `UPDATE`. A change
//!   set that failed because it contained no changes is deleted and reported as
//!   [`DeployOutcome::Unchanged`] without executing anything. Otherwise the change set is executed
//!   and new stack events stream to the caller until the stack settles.
//! - [`plan`]: the same change set, read and deleted, never executed; an absent stack's
//!   `REVIEW_IN_PROGRESS` placeholder is deleted as well, so planning leaves nothing behind.
//! - [`delete`]: delete and wait for `DELETE_COMPLETE`; an absent stack is fine.
//! - [`SdkConfigBuilder`]: the SDK configuration for real use and tests (region, endpoint,
//!   retries, static credentials).
//!
//! Every wait polls at [`Polling::interval`] and gives up when [`Polling::timeout`] has passed
//! since the call began.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::types::{ChangeSetStatus, ChangeSetType, ExecutionStatus, Parameter, Tag};

pub use aws_sdk_cloudformation::types::Capability;

/// CloudFormation's limit on an inline template body, in bytes (larger ones need S3).
pub const MAX_TEMPLATE_BODY: usize = 51_200;

// ---------------------------------------------------------------------------------------------
// SDK configuration
// ---------------------------------------------------------------------------------------------

/// Builds the [`SdkConfig`] shared by every AWS client.
///
/// Unset fields come from the standard chains: region from `AWS_REGION`/profile, credentials from
/// the default provider chain, and the endpoint from `AWS_ENDPOINT_URL` (the SDK honours it by
/// itself). Tests set an explicit endpoint, static credentials and no retries (moto answers some
/// bad requests with HTTP 500, and a retry would see a half-applied state).
#[derive(Debug, Clone, Default)]
pub struct SdkConfigBuilder {
    region: Option<String>,
    endpoint_url: Option<String>,
    max_attempts: Option<u32>,
    static_credentials: Option<(String, String)>,
}

impl SdkConfigBuilder {
    pub fn new() -> SdkConfigBuilder {
        SdkConfigBuilder::default()
    }

    /// The region (otherwise the default region chain).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// An explicit endpoint for every service (otherwise `AWS_ENDPOINT_URL`, or the real one).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// At most `attempts` attempts per request (1 disables retries); otherwise the SDK's default
    /// (which reads `AWS_MAX_ATTEMPTS`).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// No retries at all (tests).
    pub fn no_retries(self) -> Self {
        self.max_attempts(1)
    }

    /// Static credentials instead of the default chain (tests: `testing`/`testing`).
    pub fn static_credentials(mut self, access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.static_credentials = Some((access_key_id.into(), secret.into()));
        self
    }

    /// Loads the configuration (resolving whatever was left to the default chains).
    pub async fn load(self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = self.region {
            loader = loader.region(Region::new(region));
        }
        if let Some(url) = self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        match self.max_attempts {
            Some(1) => loader = loader.retry_config(RetryConfig::disabled()),
            Some(n) => loader = loader.retry_config(RetryConfig::standard().with_max_attempts(n)),
            None => {}
        }
        if let Some((key, secret)) = self.static_credentials {
            loader = loader.credentials_provider(aws_credential_types::Credentials::new(
                key,
                secret,
                None,
                None,
                "dataplat-static",
            ));
        }
        loader.load().await
    }
}

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// How waits poll.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    /// Time between two polls.
    pub interval: Duration,
    /// The longest a whole [`deploy`], [`plan`] or [`delete`] call may wait.
    pub timeout: Duration,
}

impl Default for Polling {
    /// 5 s between polls, 60 minutes in all (a NAT gateway or an EKS-sized stack takes minutes).
    fn default() -> Self {
        Polling { interval: Duration::from_secs(5), timeout: Duration::from_secs(60 * 60) }
    }
}

/// A CloudFormation client and how it polls.
#[derive(Debug, Clone)]
pub struct StackClient {
    pub client: Client,
    pub polling: Polling,
}

impl StackClient {
    /// A client from a loaded SDK configuration, with the default polling.
    pub fn new(config: &SdkConfig) -> StackClient {
        StackClient { client: Client::new(config), polling: Polling::default() }
    }

    /// The same client with another polling.
    pub fn with_polling(mut self, polling: Polling) -> StackClient {
        self.polling = polling;
        self
    }
}

/// What to deploy.
#[derive(Debug, Clone)]
pub struct StackSpec {
    /// The stack name.
    pub name: String,
    /// The template body (JSON, e.g. `Template::to_json_compact()`).
    pub template_json: String,
    /// Stack tags (CloudFormation propagates them to the resources that take tags).
    pub tags: BTreeMap<String, String>,
    /// Template parameters.
    pub parameters: BTreeMap<String, String>,
    /// Acknowledged capabilities.
    pub capabilities: Vec<Capability>,
}

impl StackSpec {
    /// A spec with no tags or parameters and `CAPABILITY_NAMED_IAM` acknowledged.
    pub fn new(name: impl Into<String>, template_json: impl Into<String>) -> StackSpec {
        StackSpec {
            name: name.into(),
            template_json: template_json.into(),
            tags: BTreeMap::new(),
            parameters: BTreeMap::new(),
            capabilities: vec![Capability::CapabilityNamedIam],
        }
    }
}

/// One resource change of a change set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResourceChange {
    /// `Add`, `Modify`, `Remove`, `Import` or `Dynamic`.
    pub action: String,
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    /// For `Modify`: `True`, `False` or `Conditional`.
    pub replacement: Option<String>,
}

impl fmt::Display for ResourceChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.action, self.logical_id, self.resource_type)?;
        match self.replacement.as_deref() {
            Some("True") => write!(f, " [replacement]"),
            Some("Conditional") => write!(f, " [may need replacement]"),
            _ => Ok(()),
        }
    }
}

/// Whether a change set creates the stack or updates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Create,
    Update,
}

/// What [`plan`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedChanges {
    pub stack: String,
    pub kind: ChangeKind,
    /// True when the stack is in `ROLLBACK_COMPLETE` (a failed create): `deploy` deletes it and
    /// creates it again, and `changes` lists every resource of the template as `Add`.
    pub replaces_failed_stack: bool,
    /// Empty: nothing would change.
    pub changes: Vec<ResourceChange>,
}

/// What [`deploy`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployOutcome {
    /// The stack was created. `recovered` when a failed create (`ROLLBACK_COMPLETE`) was deleted first.
    Created { changes: Vec<ResourceChange>, outputs: BTreeMap<String, String>, recovered: bool },
    /// The stack was updated.
    Updated { changes: Vec<ResourceChange>, outputs: BTreeMap<String, String> },
    /// The change set contained no changes; nothing was executed.
    Unchanged { outputs: BTreeMap<String, String> },
}

impl DeployOutcome {
    /// The stack outputs.
    pub fn outputs(&self) -> &BTreeMap<String, String> {
        match self {
            DeployOutcome::Created { outputs, .. }
            | DeployOutcome::Updated { outputs, .. }
            | DeployOutcome::Unchanged { outputs } => outputs,
        }
    }

    /// The changes executed (empty when unchanged).
    pub fn changes(&self) -> &[ResourceChange] {
        match self {
            DeployOutcome::Created { changes, .. } | DeployOutcome::Updated { changes, .. } => changes,
            DeployOutcome::Unchanged { .. } => &[],
        }
    }
}

/// One stack event, as streamed to the caller (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    pub event_id: String,
    /// RFC 3339.
    pub timestamp: String,
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
}

impl fmt::Display for StackEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {}", self.timestamp, self.status, self.resource_type, self.logical_id)?;
        if let Some(reason) = self.reason.as_deref().filter(|r| !r.is_empty()) {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

/// A resource that failed, with CloudFormation's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedResource {
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: String,
}

impl fmt::Display for FailedResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}) {}: {}", self.logical_id, self.resource_type, self.status, self.reason)
    }
}

fn list_failed(failed: &[FailedResource]) -> String {
    if failed.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = failed.iter().map(|r| format!("\n  - {r}")).collect();
    format!("; failed resources:{}", lines.concat())
}

/// Errors of stack operations, each with a hint.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("CloudFormation {operation} for stack {stack} failed: {message}\n  hint: {hint}")]
    Api { operation: &'static str, stack: String, code: Option<String>, message: String, hint: String },
    #[error(
        "stack {stack}: the template is {bytes} bytes, over CloudFormation's {MAX_TEMPLATE_BODY}-byte limit for an inline body\n  hint: split the stack or shorten generated names and policies"
    )]
    TemplateTooLarge { stack: String, bytes: usize },
    #[error(
        "stack {stack}: change set {change_set} failed: {reason}\n  hint: the template or its parameters were rejected; `kubectl dataplat plan` shows the change set"
    )]
    ChangeSetFailed { stack: String, change_set: String, reason: String },
    #[error(
        "stack {stack} ended in {status}{}{}\n  hint: {hint}",
        reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
        list_failed(failed)
    )]
    StackFailed { stack: String, status: String, reason: Option<String>, failed: Vec<FailedResource>, hint: String },
    #[error(
        "stack {stack} could not be deleted (DELETE_FAILED){}\n  hint: remove what keeps these resources (non-empty buckets, ENIs in use, dependencies from other stacks), then run the deletion again",
        list_failed(failed)
    )]
    DeleteFailed { stack: String, failed: Vec<FailedResource> },
    #[error("stack {stack} is in {status} and cannot be deployed\n  hint: {hint}")]
    NotDeployable { stack: String, status: String, hint: String },
    #[error(
        "timed out after {}s waiting for stack {stack} ({waiting_for}; last status {status})\n  hint: the operation may still be running in CloudFormation; run the command again to resume waiting",
        after.as_secs()
    )]
    Timeout { stack: String, waiting_for: String, status: String, after: Duration },
}

/// The result of stack operations.
pub type Result<T, E = StackError> = std::result::Result<T, E>;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// Deploys `spec` through a change set; see the module documentation.
pub async fn deploy(
    client: &StackClient,
    spec: &StackSpec,
    on_event: &mut dyn FnMut(&StackEvent),
) -> Result<DeployOutcome> {
    let deadline = Deadline::new(client.polling);
    check_size(spec)?;
    let (kind, recovered) = prepare(client, &spec.name, deadline, on_event).await?;
    let prepared = match create_change_set(client, spec, kind, "dataplat", deadline).await {
        Ok(prepared) => prepared,
        Err(err) => {
            // A rejected CREATE change set leaves a REVIEW_IN_PROGRESS placeholder: remove it.
            if kind == ChangeKind::Create {
                let _ = delete_placeholder(client, &spec.name, deadline).await;
            }
            return Err(err);
        }
    };
    let Some(change_set) = prepared else {
        return Ok(DeployOutcome::Unchanged { outputs: outputs(client, &spec.name).await? });
    };

    let stack_id = change_set.stack_id.clone();
    let mut events = EventStream::new(client, &stack_id).await?;
    client
        .client
        .execute_change_set()
        .change_set_name(&change_set.id)
        .send()
        .await
        .map_err(|e| api("ExecuteChangeSet", &spec.name, e))?;

    let success = match kind {
        ChangeKind::Create => "CREATE_COMPLETE",
        ChangeKind::Update => "UPDATE_COMPLETE",
    };
    let mut saw_progress = false;
    let status = loop {
        events.poll(client, on_event).await?;
        let stack = describe(client, &stack_id).await?.map(|s| StackState::of(&s));
        let status = stack.as_ref().map(|s| s.status.clone()).unwrap_or_else(|| "DELETE_COMPLETE".into());
        if in_progress(&status) {
            saw_progress = true;
        } else if saw_progress || execution_finished(client, &change_set.id).await? {
            break status;
        }
        deadline.sleep(&spec.name, "the change set to execute", &status).await?;
    };
    events.poll(client, on_event).await?;

    if status != success {
        let reason = describe(client, &stack_id).await?.and_then(|s| s.stack_status_reason().map(str::to_owned));
        let hint = match status.as_str() {
            "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" => {
                "the create was rolled back; fix the cause above and deploy again (the failed stack is replaced automatically)"
            }
            "UPDATE_ROLLBACK_FAILED" => {
                "the update could not be rolled back; fix the cause, then `aws cloudformation continue-update-rollback` or delete the stack"
            }
            _ => "fix the cause above and deploy again",
        };
        return Err(StackError::StackFailed {
            stack: spec.name.clone(),
            status,
            reason,
            failed: events.failed(),
            hint: hint.into(),
        });
    }
    let outputs = outputs(client, &stack_id).await?;
    let changes = change_set.changes;
    Ok(match kind {
        ChangeKind::Create => DeployOutcome::Created { changes, outputs, recovered },
        ChangeKind::Update => DeployOutcome::Updated { changes, outputs },
    })
}

/// The changes [`deploy`] would make, from a change set that is read and deleted, never executed.
/// Leaves nothing behind: an absent stack's `REVIEW_IN_PROGRESS` placeholder is deleted too.
pub async fn plan(client: &StackClient, spec: &StackSpec) -> Result<PlannedChanges> {
    let deadline = Deadline::new(client.polling);
    check_size(spec)?;
    let stack = settled(client, &spec.name, deadline).await?;
    let status = stack.as_ref().map(|s| s.status.as_str());
    if matches!(status, Some("ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "CREATE_FAILED")) {
        return Ok(PlannedChanges {
            stack: spec.name.clone(),
            kind: ChangeKind::Create,
            replaces_failed_stack: true,
            changes: template_resources(&spec.template_json),
        });
    }
    let kind = kind_for(&spec.name, status)?;
    let placeholder = stack.is_none();
    let result = create_change_set(client, spec, kind, "dataplat-plan", deadline).await;
    let changes = match result {
        Ok(Some(change_set)) => {
            let deleted = delete_change_set(client, &spec.name, &change_set.id).await;
            if placeholder {
                delete_placeholder(client, &change_set.stack_id, deadline).await?;
            }
            deleted?;
            change_set.changes
        }
        Ok(None) => Vec::new(),
        Err(err) => {
            if placeholder {
                let _ = delete_placeholder(client, &spec.name, deadline).await;
            }
            return Err(err);
        }
    };
    Ok(PlannedChanges { stack: spec.name.clone(), kind, replaces_failed_stack: false, changes })
}

/// Deletes the stack `name` and waits for `DELETE_COMPLETE`, streaming its events. An absent
/// stack is fine.
pub async fn delete(client: &StackClient, name: &str, on_event: &mut dyn FnMut(&StackEvent)) -> Result<()> {
    let deadline = Deadline::new(client.polling);
    let Some(stack) = settled(client, name, deadline).await? else { return Ok(()) };
    delete_and_wait(client, name, &stack.id, deadline, on_event).await
}

/// The physical id of every resource of the stack `name`, by logical id (empty for an absent
/// stack). Used instead of outputs where a value is needed right after a deploy: it works for
/// every resource, exported or not.
pub async fn physical_ids(client: &StackClient, name: &str) -> Result<BTreeMap<String, String>> {
    match client.client.describe_stack_resources().stack_name(name).send().await {
        Ok(out) => Ok(out
            .stack_resources()
            .iter()
            .filter_map(|r| Some((r.logical_resource_id()?.to_owned(), r.physical_resource_id()?.to_owned())))
            .collect()),
        Err(err) if does_not_exist(&err) => Ok(BTreeMap::new()),
        Err(err) => Err(api("DescribeStackResources", name, err)),
    }
}

/// The status of the stack `name`, `None` when it does not exist.
pub async fn status(client: &StackClient, name: &str) -> Result<Option<String>> {
    Ok(describe(client, name).await?.and_then(|s| s.stack_status().map(|st| st.as_str().to_owned())))
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Deadline {
    polling: Polling,
    end: Instant,
}

impl Deadline {
    fn new(polling: Polling) -> Deadline {
        Deadline { polling, end: Instant::now() + polling.timeout }
    }

    /// Sleeps one interval, or fails when the deadline has passed.
    async fn sleep(&self, stack: &str, waiting_for: &str, status: &str) -> Result<()> {
        if Instant::now() >= self.end {
            return Err(StackError::Timeout {
                stack: stack.into(),
                waiting_for: waiting_for.into(),
                status: status.into(),
                after: self.polling.timeout,
            });
        }
        tokio::time::sleep(self.polling.interval).await;
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct StackState {
    id: String,
    status: String,
}

impl StackState {
    fn of(stack: &aws_sdk_cloudformation::types::Stack) -> StackState {
        StackState {
            id: stack.stack_id().or(stack.stack_name()).unwrap_or_default().to_owned(),
            status: stack.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        }
    }
}

struct PreparedChangeSet {
    id: String,
    stack_id: String,
    changes: Vec<ResourceChange>,
}

fn in_progress(status: &str) -> bool {
    status.ends_with("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
}

fn check_size(spec: &StackSpec) -> Result<()> {
    let bytes = spec.template_json.len();
    if bytes > MAX_TEMPLATE_BODY {
        return Err(StackError::TemplateTooLarge { stack: spec.name.clone(), bytes });
    }
    Ok(())
}

/// Turns an SDK error into [`StackError::Api`] with a hint from its code.
fn api<E, R>(operation: &'static str, stack: &str, err: SdkError<E, R>) -> StackError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let code = err.code().map(str::to_owned);
    let message = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (None, Some(message)) => message.to_owned(),
        _ => DisplayErrorContext(&err).to_string(),
    };
    let hint = match code.as_deref() {
        Some("ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId" | "UnrecognizedClientException") => {
            "the AWS credentials are missing, invalid or expired: check AWS_PROFILE (or run `aws sso login`)"
        }
        Some("AccessDenied" | "AccessDeniedException") => {
            "the AWS identity lacks a CloudFormation permission (or iam:PassRole); check its policies"
        }
        Some("InsufficientCapabilitiesException") => "the template needs a capability the deploy did not acknowledge",
        Some("LimitExceededException") => "an account quota was reached; delete unused stacks or ask for more",
        Some("Throttling" | "ThrottlingException") => "CloudFormation throttled the requests; try again shortly",
        Some("AlreadyExistsException") => "a stack of this name already exists; run the command again",
        Some(_) => "see CloudFormation's message above",
        None if matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)) => {
            "CloudFormation could not be reached: check the network, the region and AWS_ENDPOINT_URL"
        }
        None => "see the error above; check the region and AWS_ENDPOINT_URL",
    };
    StackError::Api { operation, stack: stack.into(), code, message, hint: hint.into() }
}

fn does_not_exist<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.code() == Some("ValidationError") && err.message().is_some_and(|m| m.contains("does not exist"))
}

/// The stack `name_or_id`, or `None` when it does not exist (or was deleted).
async fn describe(client: &StackClient, name_or_id: &str) -> Result<Option<aws_sdk_cloudformation::types::Stack>> {
    match client.client.describe_stacks().stack_name(name_or_id).send().await {
        Ok(out) => Ok(out
            .stacks()
            .first()
            .filter(|s| s.stack_status().is_none_or(|st| st.as_str() != "DELETE_COMPLETE"))
            .cloned()),
        Err(err) if does_not_exist(&err) => Ok(None),
        Err(err) => Err(api("DescribeStacks", name_or_id, err)),
    }
}

/// The outputs of the stack `name_or_id` (empty for an absent stack).
pub async fn outputs(client: &StackClient, name_or_id: &str) -> Result<BTreeMap<String, String>> {
    let stack = describe(client, name_or_id).await?;
    Ok(stack
        .iter()
        .flat_map(|s| s.outputs())
        .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value().unwrap_or_default().to_owned())))
        .collect())
}

/// The stack once it is not in an `*_IN_PROGRESS` state (other than `REVIEW_IN_PROGRESS`).
async fn settled(client: &StackClient, name: &str, deadline: Deadline) -> Result<Option<StackState>> {
    loop {
        let stack = describe(client, name).await?.map(|s| StackState::of(&s));
        match stack {
            Some(s) if in_progress(&s.status) => {
                deadline.sleep(name, "an operation already in progress to finish", &s.status).await?
            }
            other => return Ok(other),
        }
    }
}

fn kind_for(name: &str, status: Option<&str>) -> Result<ChangeKind> {
    match status {
        None | Some("REVIEW_IN_PROGRESS") => Ok(ChangeKind::Create),
        Some("UPDATE_ROLLBACK_FAILED") => Err(StackError::NotDeployable {
            stack: name.into(),
            status: "UPDATE_ROLLBACK_FAILED".into(),
            hint: "fix what blocked the rollback, then `aws cloudformation continue-update-rollback --stack-name NAME`, and deploy again".into(),
        }),
        Some("DELETE_FAILED") => Err(StackError::NotDeployable {
            stack: name.into(),
            status: "DELETE_FAILED".into(),
            hint: "an earlier deletion failed; run `kubectl dataplat down` again to finish it".into(),
        }),
        Some(_) => Ok(ChangeKind::Update),
    }
}

/// Settles the stack and decides the change set type, deleting a failed create first.
async fn prepare(
    client: &StackClient,
    name: &str,
    deadline: Deadline,
    on_event: &mut dyn FnMut(&StackEvent),
) -> Result<(ChangeKind, bool)> {
    let stack = settled(client, name, deadline).await?;
    match stack {
        Some(s) if matches!(s.status.as_str(), "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "CREATE_FAILED") => {
            delete_and_wait(client, name, &s.id, deadline, on_event).await?;
            Ok((ChangeKind::Create, true))
        }
        // A placeholder left by an interrupted run (its change set never executed): removed with
        // its change sets, so exactly one change set is executed for the stack.
        Some(s) if s.status == "REVIEW_IN_PROGRESS" => {
            delete_and_wait(client, name, &s.id, deadline, &mut |_| {}).await?;
            Ok((ChangeKind::Create, false))
        }
        other => Ok((kind_for(name, other.as_ref().map(|s| s.status.as_str()))?, false)),
    }
}

fn unique_change_set_name(prefix: &str) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{prefix}-{}{:03}", now.as_secs(), now.subsec_millis())
}

fn no_changes(reason: &str) -> bool {
    reason.contains("didn't contain changes")
        || reason.contains("No updates are to be performed")
        || reason.contains("does not contain changes")
}

/// Creates a change set and waits for it. `None`: it contained no changes (and was deleted).
async fn create_change_set(
    client: &StackClient,
    spec: &StackSpec,
    kind: ChangeKind,
    prefix: &str,
    deadline: Deadline,
) -> Result<Option<PreparedChangeSet>> {
    let name = &spec.name;
    let tags: Vec<Tag> = spec.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    let parameters: Vec<Parameter> =
        spec.parameters.iter().map(|(k, v)| Parameter::builder().parameter_key(k).parameter_value(v).build()).collect();
    let created = client
        .client
        .create_change_set()
        .stack_name(name)
        .change_set_name(unique_change_set_name(prefix))
        .change_set_type(match kind {
            ChangeKind::Create => ChangeSetType::Create,
            ChangeKind::Update => ChangeSetType::Update,
        })
        .template_body(&spec.template_json)
        .set_capabilities(Some(spec.capabilities.clone()))
        .set_tags(Some(tags))
        .set_parameters(Some(parameters))
        .send()
        .await
        .map_err(|e| api("CreateChangeSet", name, e))?;
    let id = created.id().unwrap_or_default().to_owned();
    let stack_id = created.stack_id().map(str::to_owned).unwrap_or_else(|| name.clone());

    // Wait until the change set is computed.
    let (status, reason) = loop {
        let out = client
            .client
            .describe_change_set()
            .change_set_name(&id)
            .stack_name(&stack_id)
            .send()
            .await
            .map_err(|e| api("DescribeChangeSet", name, e))?;
        let status = out.status().cloned();
        let reason = out.status_reason().unwrap_or_default().to_owned();
        match status {
            Some(ChangeSetStatus::CreateComplete | ChangeSetStatus::Failed) => break (status, reason),
            _ => {
                let shown = status.as_ref().map(|s| s.as_str()).unwrap_or("unknown");
                deadline.sleep(name, "the change set to be computed", shown).await?
            }
        }
    };
    if status == Some(ChangeSetStatus::Failed) {
        delete_change_set(client, name, &id).await?;
        if no_changes(&reason) {
            return Ok(None);
        }
        return Err(StackError::ChangeSetFailed { stack: name.clone(), change_set: id, reason });
    }
    let changes = change_set_changes(client, name, &id, &stack_id).await?;
    Ok(Some(PreparedChangeSet { id, stack_id, changes }))
}

async fn change_set_changes(client: &StackClient, name: &str, id: &str, stack_id: &str) -> Result<Vec<ResourceChange>> {
    let mut changes = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .client
            .describe_change_set()
            .change_set_name(id)
            .stack_name(stack_id)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| api("DescribeChangeSet", name, e))?;
        for change in out.changes() {
            let Some(rc) = change.resource_change() else { continue };
            changes.push(ResourceChange {
                action: rc.action().map(|a| a.as_str().to_owned()).unwrap_or_default(),
                logical_id: rc.logical_resource_id().unwrap_or_default().to_owned(),
                physical_id: rc.physical_resource_id().filter(|p| !p.is_empty()).map(str::to_owned),
                resource_type: rc.resource_type().unwrap_or_default().to_owned(),
                replacement: rc.replacement().map(|r| r.as_str().to_owned()),
            });
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(changes),
        }
    }
}

async fn delete_change_set(client: &StackClient, name: &str, id: &str) -> Result<()> {
    match client.client.delete_change_set().change_set_name(id).send().await {
        Ok(_) => Ok(()),
        Err(err) if does_not_exist(&err) => Ok(()),
        Err(err) => Err(api("DeleteChangeSet", name, err)),
    }
}

/// True when the change set's execution is over (or the change set is gone).
async fn execution_finished(client: &StackClient, id: &str) -> Result<bool> {
    match client.client.describe_change_set().change_set_name(id).send().await {
        Ok(out) => Ok(!matches!(
            out.execution_status(),
            Some(ExecutionStatus::Available | ExecutionStatus::ExecuteInProgress | ExecutionStatus::Unavailable) | None
        )),
        Err(_) => Ok(true),
    }
}

/// Deletes the `REVIEW_IN_PROGRESS` placeholder a `CREATE` change set made, if it is still one.
async fn delete_placeholder(client: &StackClient, stack_id: &str, deadline: Deadline) -> Result<()> {
    let stack = describe(client, stack_id).await?.map(|s| StackState::of(&s));
    match stack {
        Some(s) if s.status == "REVIEW_IN_PROGRESS" => {
            delete_and_wait(client, stack_id, &s.id, deadline, &mut |_| {}).await
        }
        _ => Ok(()),
    }
}

async fn delete_and_wait(
    client: &StackClient,
    name: &str,
    stack_id: &str,
    deadline: Deadline,
    on_event: &mut dyn FnMut(&StackEvent),
) -> Result<()> {
    let mut events = EventStream::new(client, stack_id).await?;
    match client.client.delete_stack().stack_name(stack_id).send().await {
        Ok(_) => {}
        Err(err) if does_not_exist(&err) => return Ok(()),
        Err(err) => return Err(api("DeleteStack", name, err)),
    }
    loop {
        events.poll(client, on_event).await?;
        let status = describe(client, stack_id).await?.map(|s| StackState::of(&s).status);
        match status.as_deref() {
            None | Some("DELETE_COMPLETE") => return Ok(()),
            Some("DELETE_FAILED") => {
                return Err(StackError::DeleteFailed { stack: name.into(), failed: events.failed() });
            }
            Some(status) => deadline.sleep(name, "the stack to be deleted", status).await?,
        }
    }
}

/// New events of one stack, oldest first, deduplicated by event id.
struct EventStream {
    stack_id: String,
    seen: HashSet<String>,
    failed: Vec<FailedResource>,
}

impl EventStream {
    /// Marks the events that already exist as seen.
    async fn new(client: &StackClient, stack_id: &str) -> Result<EventStream> {
        let mut stream = EventStream { stack_id: stack_id.into(), seen: HashSet::new(), failed: Vec::new() };
        let existing = stream.fetch(client, 1).await?;
        stream.seen.extend(existing.into_iter().map(|e| e.event_id));
        Ok(stream)
    }

    /// Newest first, page by page until a page holds an event already seen (at most `pages`).
    async fn fetch(&self, client: &StackClient, pages: usize) -> Result<Vec<StackEvent>> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..pages {
            let out = match client
                .client
                .describe_stack_events()
                .stack_name(&self.stack_id)
                .set_next_token(token.take())
                .send()
                .await
            {
                Ok(out) => out,
                Err(err) if does_not_exist(&err) => break,
                Err(err) => return Err(api("DescribeStackEvents", &self.stack_id, err)),
            };
            let mut reached_seen = false;
            for e in out.stack_events() {
                let event = StackEvent {
                    event_id: e.event_id().unwrap_or_default().to_owned(),
                    timestamp: e
                        .timestamp()
                        .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
                        .unwrap_or_default(),
                    logical_id: e.logical_resource_id().unwrap_or_default().to_owned(),
                    physical_id: e.physical_resource_id().filter(|p| !p.is_empty()).map(str::to_owned),
                    resource_type: e.resource_type().unwrap_or_default().to_owned(),
                    status: e.resource_status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    reason: e.resource_status_reason().filter(|r| !r.is_empty()).map(str::to_owned),
                };
                reached_seen |= self.seen.contains(&event.event_id);
                all.push(event);
            }
            match out.next_token() {
                Some(next) if !next.is_empty() && !reached_seen => token = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(all)
    }

    /// Streams the events not seen yet to `on_event`, oldest first.
    async fn poll(&mut self, client: &StackClient, on_event: &mut dyn FnMut(&StackEvent)) -> Result<()> {
        let fetched = self.fetch(client, 20).await?;
        for event in fetched.into_iter().rev() {
            if !self.seen.insert(event.event_id.clone()) {
                continue;
            }
            if event.status.ends_with("_FAILED") && event.resource_type != "AWS::CloudFormation::Stack" {
                self.failed.push(FailedResource {
                    logical_id: event.logical_id.clone(),
                    resource_type: event.resource_type.clone(),
                    status: event.status.clone(),
                    reason: event.reason.clone().unwrap_or_default(),
                });
            }
            on_event(&event);
        }
        Ok(())
    }

    /// The resources that failed in the events streamed so far (the first cause first).
    fn failed(&self) -> Vec<FailedResource> {
        self.failed.clone()
    }
}

/// Every resource of a template as an `Add` (for a stack that will be created from scratch).
fn template_resources(template_json: &str) -> Vec<ResourceChange> {
    let Ok(serde_json::Value::Object(template)) = serde_json::from_str::<serde_json::Value>(template_json) else {
        return Vec::new();
    };
    let Some(serde_json::Value::Object(resources)) = template.get("Resources") else { return Vec::new() };
    resources
        .iter()
        .map(|(id, r)| ResourceChange {
            action: "Add".into(),
            logical_id: id.clone(),
            physical_id: None,
            resource_type: r.get("Type").and_then(|t| t.as_str()).unwrap_or_default().to_owned(),
            replacement: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_change_reasons() {
        assert!(no_changes(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(no_changes("No updates are to be performed."));
        assert!(!no_changes("Template format error: unsupported structure."));
    }

    #[test]
    fn in_progress_states() {
        assert!(in_progress("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
        assert!(in_progress("CREATE_IN_PROGRESS"));
        assert!(!in_progress("REVIEW_IN_PROGRESS"));
        assert!(!in_progress("ROLLBACK_COMPLETE"));
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_for("s", None).unwrap(), ChangeKind::Create);
        assert_eq!(kind_for("s", Some("REVIEW_IN_PROGRESS")).unwrap(), ChangeKind::Create);
        assert_eq!(kind_for("s", Some("UPDATE_ROLLBACK_COMPLETE")).unwrap(), ChangeKind::Update);
        assert!(matches!(kind_for("s", Some("UPDATE_ROLLBACK_FAILED")), Err(StackError::NotDeployable { .. })));
    }

    #[test]
    fn change_set_names_are_valid() {
        let name = unique_change_set_name("dataplat-plan");
        assert!(name.len() <= 128);
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert!(name.starts_with(|c: char| c.is_ascii_alphabetic()));
    }

    #[test]
    fn failed_stack_message_lists_resources() {
        let err = StackError::StackFailed {
            stack: "p-network".into(),
            status: "ROLLBACK_COMPLETE".into(),
            reason: Some("The following resource(s) failed to create: [Vpc].".into()),
            failed: vec![FailedResource {
                logical_id: "Vpc".into(),
                resource_type: "AWS::EC2::VPC".into(),
                status: "CREATE_FAILED".into(),
                reason: "The CIDR '10.0.0.0/33' is invalid.".into(),
            }],
            hint: "fix it".into(),
        };
        let text = err.to_string();
        assert!(text.contains("ROLLBACK_COMPLETE"), "{text}");
        assert!(text.contains("Vpc (AWS::EC2::VPC) CREATE_FAILED: The CIDR '10.0.0.0/33' is invalid."), "{text}");
        assert!(text.contains("hint: fix it"), "{text}");
    }

    #[test]
    fn template_resources_are_adds() {
        let changes = template_resources(r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].action, "Add");
        assert_eq!(changes[0].resource_type, "AWS::SQS::Queue");
    }
}
