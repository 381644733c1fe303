//! Stacks through change sets against moto's server on loopback (`DATAPLAT_MOTO_SERVER`; the
//! tests skip with a message when it is unset, unless `DATAPLAT_IT=1`).
//!
//! The tests share one moto (unique stack names) and each talks to it through its own recording
//! proxy ([`dataplat_testkit::aws::AwsProxy`]): it records every CloudFormation action, so a test
//! proves "no ExecuteChangeSet" by its absence, and it can make one stack look `ROLLBACK_COMPLETE`
//! until it is deleted, because moto 5.2 never produces that state (its change set execution has
//! no rollback; a resource that fails to create makes it answer HTTP 500 and leaves the stack
//! behind as it was).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dataplat_aws::stacks::{
    self, ChangeKind, DeployOutcome, Polling, SdkConfigBuilder, StackClient, StackError, StackEvent, StackSpec,
};
use dataplat_aws::templates::{Context, interruption};
use dataplat_testkit::Moto;
use dataplat_testkit::aws::AwsProxy;

const REGION: &str = "us-west-2";

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

struct Env {
    // Dropped last: the proxy thread only forwards to it.
    _moto: Arc<Moto>,
    proxy: AwsProxy,
    stacks: StackClient,
}

async fn env() -> Option<Env> {
    let moto = Moto::shared()?;
    let proxy = AwsProxy::start(&moto.endpoint);
    let config = SdkConfigBuilder::new()
        .region(REGION)
        .endpoint_url(&proxy.endpoint)
        .static_credentials("testing", "testing")
        .no_retries()
        .load()
        .await;
    let stacks = StackClient::new(&config)
        .with_polling(Polling { interval: Duration::from_millis(50), timeout: Duration::from_secs(60) });
    Some(Env { _moto: moto, proxy, stacks })
}

/// The interruption template of platform `platform` with user tags `tags` (a real template of ours).
fn template(platform: &str, tags: &[(&str, &str)]) -> String {
    let context = Context {
        platform: platform.into(),
        region: REGION.into(),
        deployment_id: "3zOqlHUe".into(),
        tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    };
    interruption::template(&interruption::InterruptionInput { context }).unwrap().to_json_compact()
}

fn spec(name: &str, template_json: String) -> StackSpec {
    let mut spec = StackSpec::new(name, template_json);
    spec.tags = BTreeMap::from([("dataplat.io/platform".to_owned(), name.to_owned())]);
    spec
}

/// Collects streamed events.
fn recorder() -> (Arc<Mutex<Vec<StackEvent>>>, impl FnMut(&StackEvent)) {
    let events: Arc<Mutex<Vec<StackEvent>>> = Arc::default();
    let sink = events.clone();
    (events, move |e: &StackEvent| sink.lock().unwrap().push(e.clone()))
}

async fn stack_status(env: &Env, name: &str) -> Option<String> {
    match env.stacks.client.describe_stacks().stack_name(name).send().await {
        Ok(out) => out.stacks().first().and_then(|s| s.stack_status()).map(|s| s.as_str().to_owned()),
        Err(_) => None,
    }
}

/// The outputs as DescribeStacks shows them.
async fn stack_outputs(env: &Env, name: &str) -> BTreeMap<String, String> {
    let out = env.stacks.client.describe_stacks().stack_name(name).send().await.unwrap();
    out.stacks()[0]
        .outputs()
        .iter()
        .map(|o| (o.output_key().unwrap().to_owned(), o.output_value().unwrap_or_default().to_owned()))
        .collect()
}

async fn change_set_count(env: &Env, name: &str) -> usize {
    match env.stacks.client.list_change_sets().stack_name(name).send().await {
        // moto lists every stack's change sets: count this stack's.
        Ok(out) => out.summaries().iter().filter(|s| s.stack_name() == Some(name)).count(),
        Err(_) => 0,
    }
}

async fn event_count(env: &Env, name: &str) -> usize {
    let out = env.stacks.client.describe_stack_events().stack_name(name).send().await.unwrap();
    out.stack_events().len()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_streams_events_and_returns_outputs() {
    let Some(env) = env().await else { return };
    let (events, mut on_event) = recorder();
    let outcome =
        stacks::deploy(&env.stacks, &spec("p1-interruption", template("p1", &[])), &mut on_event).await.unwrap();

    let DeployOutcome::Created { changes, outputs, recovered } = &outcome else { panic!("{outcome:?}") };
    assert!(!recovered);
    assert!(
        changes.iter().any(|c| c.action == "Add" && c.resource_type == "AWS::SQS::Queue"),
        "the change set lists the queue: {changes:?}"
    );
    assert_eq!(changes.iter().filter(|c| c.resource_type == "AWS::Events::Rule").count(), 5, "{changes:?}");
    // moto 5.2 builds a stack's outputs only in CreateStack/UpdateStack, never when a change set
    // executes: the outputs of a change-set stack are empty there (see `outputs_are_returned_as_a_map`).
    assert_eq!(outputs, &stack_outputs(&env, "p1-interruption").await);
    assert_eq!(stack_status(&env, "p1-interruption").await.as_deref(), Some("CREATE_COMPLETE"));
    assert_eq!(env.proxy.count("ExecuteChangeSet"), 1);

    // Streamed oldest first, new events only (not the REVIEW_IN_PROGRESS of the placeholder),
    // each once, ending with the stack's CREATE_COMPLETE.
    let events = events.lock().unwrap().clone();
    let statuses: Vec<&str> = events.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(statuses.first(), Some(&"CREATE_IN_PROGRESS"), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&"CREATE_COMPLETE"), "{statuses:?}");
    assert!(!statuses.contains(&"REVIEW_IN_PROGRESS"), "{statuses:?}");
    let last = events.last().unwrap();
    assert_eq!(last.logical_id, "p1-interruption");
    assert_eq!(last.resource_type, "AWS::CloudFormation::Stack");
    let mut ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "each event once");
    assert_eq!(change_set_count(&env, "p1-interruption").await, 1, "the executed change set stays, as in AWS");
}

/// moto computes outputs only for CreateStack: such a stack, deployed again unchanged, shows
/// that `deploy` returns them as a map.
#[tokio::test]
async fn outputs_are_returned_as_a_map() {
    let Some(env) = env().await else { return };
    let name = "p7-interruption";
    let spec = spec(name, template("p7", &[]));
    env.stacks
        .client
        .create_stack()
        .stack_name(name)
        .template_body(&spec.template_json)
        .capabilities(stacks::Capability::CapabilityNamedIam)
        .send()
        .await
        .unwrap();
    let outcome = stacks::deploy(&env.stacks, &spec, &mut |_| {}).await.unwrap();
    let DeployOutcome::Unchanged { outputs } = &outcome else { panic!("{outcome:?}") };
    assert_eq!(outputs.get(interruption::OUT_QUEUE_NAME), Some(&interruption::queue_name("p7")), "{outputs:?}");
    assert!(outputs.get(interruption::OUT_QUEUE_ARN).is_some_and(|arn| arn.starts_with("arn:aws:sqs:")), "{outputs:?}");
    assert_eq!(outputs.len(), 2, "{outputs:?}");
}

#[tokio::test]
async fn deploying_the_same_template_again_changes_nothing() {
    let Some(env) = env().await else { return };
    let spec = spec("p2-interruption", template("p2", &[("team", "data")]));
    let first = stacks::deploy(&env.stacks, &spec, &mut |_| {}).await.unwrap();
    assert!(matches!(first, DeployOutcome::Created { .. }), "{first:?}");
    let events_before = event_count(&env, "p2-interruption").await;
    let change_sets_before = change_set_count(&env, "p2-interruption").await;

    let (events, mut on_event) = recorder();
    let second = stacks::deploy(&env.stacks, &spec, &mut on_event).await.unwrap();
    let DeployOutcome::Unchanged { outputs } = &second else { panic!("{second:?}") };
    assert_eq!(outputs, first.outputs());
    assert!(second.changes().is_empty());
    assert_eq!(
        env.proxy.count("ExecuteChangeSet"),
        1,
        "only the first deploy executed: {:?}",
        env.proxy.operations("cloudformation")
    );
    assert_eq!(env.proxy.count("CreateChangeSet"), 2);
    assert_eq!(env.proxy.count("DeleteChangeSet"), 1, "the empty change set is deleted");
    assert!(events.lock().unwrap().is_empty(), "no events streamed");
    assert_eq!(event_count(&env, "p2-interruption").await, events_before, "the stack saw no operation");
    assert_eq!(change_set_count(&env, "p2-interruption").await, change_sets_before, "no change set left behind");
    assert_eq!(stack_status(&env, "p2-interruption").await.as_deref(), Some("CREATE_COMPLETE"));
}

#[tokio::test]
async fn a_changed_template_is_executed_as_an_update() {
    let Some(env) = env().await else { return };
    stacks::deploy(&env.stacks, &spec("p3-interruption", template("p3", &[])), &mut |_| {}).await.unwrap();

    let (events, mut on_event) = recorder();
    let changed = spec("p3-interruption", template("p3", &[("team", "analytics")]));
    let outcome = stacks::deploy(&env.stacks, &changed, &mut on_event).await.unwrap();
    let DeployOutcome::Updated { changes, outputs } = &outcome else { panic!("{outcome:?}") };
    assert!(
        changes.iter().any(|c| c.action == "Modify" && c.logical_id == "InterruptionQueue"),
        "the tagged queue is modified: {changes:?}"
    );
    assert!(changes.iter().all(|c| c.action == "Modify"), "nothing added or removed: {changes:?}");
    assert_eq!(outputs, &stack_outputs(&env, "p3-interruption").await);
    assert_eq!(env.proxy.count("ExecuteChangeSet"), 2);
    assert_eq!(stack_status(&env, "p3-interruption").await.as_deref(), Some("UPDATE_COMPLETE"));
    let statuses: Vec<String> = events.lock().unwrap().iter().map(|e| e.status.clone()).collect();
    assert_eq!(statuses.last().map(String::as_str), Some("UPDATE_COMPLETE"), "{statuses:?}");
    assert!(!statuses.iter().any(|s| s.starts_with("CREATE_")), "only the update's events: {statuses:?}");

    // The template moto now holds is the changed one.
    let held = env.stacks.client.get_template().stack_name("p3-interruption").send().await.unwrap();
    assert_eq!(held.template_body(), Some(changed.template_json.as_str()));
}

#[tokio::test]
async fn a_stack_in_rollback_complete_is_deleted_and_created_again() {
    let Some(env) = env().await else { return };
    let name = "p4-interruption";
    stacks::deploy(&env.stacks, &spec(name, template("p4", &[])), &mut |_| {}).await.unwrap();
    let old_id = env.stacks.client.describe_stacks().stack_name(name).send().await.unwrap().stacks()[0]
        .stack_id()
        .unwrap()
        .to_owned();
    // What an earlier failed create leaves (moto cannot produce it; the proxy pretends).
    env.proxy.fake_rollback(name);
    assert_eq!(stack_status(&env, name).await.as_deref(), Some("ROLLBACK_COMPLETE"));

    let planned = stacks::plan(&env.stacks, &spec(name, template("p4", &[]))).await.unwrap();
    assert!(planned.replaces_failed_stack, "{planned:?}");
    assert_eq!(planned.kind, ChangeKind::Create);
    assert_eq!(planned.changes.len(), 7, "queue, policy and five rules: {planned:?}");
    assert_eq!(env.proxy.count("DeleteStack"), 0, "plan deletes nothing");

    let (events, mut on_event) = recorder();
    let outcome = stacks::deploy(&env.stacks, &spec(name, template("p4", &[])), &mut on_event).await.unwrap();
    let DeployOutcome::Created { recovered, outputs, .. } = &outcome else { panic!("{outcome:?}") };
    assert!(recovered, "reported as recovered");
    assert_eq!(outputs, &stack_outputs(&env, name).await);
    let actions = env.proxy.operations("cloudformation");
    let deleted = actions.iter().position(|a| a == "DeleteStack").expect("DeleteStack called");
    let created = actions.iter().rposition(|a| a == "CreateChangeSet").unwrap();
    assert!(deleted < created, "deleted before the new change set: {actions:?}");
    let new = env.stacks.client.describe_stacks().stack_name(name).send().await.unwrap();
    assert_ne!(new.stacks()[0].stack_id(), Some(old_id.as_str()), "a new stack");
    assert_eq!(stack_status(&env, name).await.as_deref(), Some("CREATE_COMPLETE"));
    let statuses: Vec<String> = events.lock().unwrap().iter().map(|e| e.status.clone()).collect();
    assert!(statuses.iter().any(|s| s == "DELETE_COMPLETE"), "the deletion streamed: {statuses:?}");
    assert_eq!(statuses.last().map(String::as_str), Some("CREATE_COMPLETE"), "{statuses:?}");
}

#[tokio::test]
async fn plan_leaves_nothing_behind() {
    let Some(env) = env().await else { return };
    let name = "p5-interruption";

    // Absent stack: a CREATE change set, whose REVIEW_IN_PROGRESS placeholder is deleted too.
    let planned = stacks::plan(&env.stacks, &spec(name, template("p5", &[]))).await.unwrap();
    assert_eq!(planned.kind, ChangeKind::Create);
    assert!(!planned.replaces_failed_stack);
    assert_eq!(planned.changes.len(), 7, "{planned:?}");
    assert!(planned.changes.iter().all(|c| c.action == "Add"));
    assert_eq!(stack_status(&env, name).await, None, "no stack left: {:?}", env.proxy.operations("cloudformation"));
    assert_eq!(change_set_count(&env, name).await, 0, "no change set left");
    let listed = env.stacks.client.list_stacks().send().await.unwrap();
    assert!(
        listed
            .stack_summaries()
            .iter()
            .filter(|s| s.stack_name() == Some(name))
            .all(|s| s.stack_status().map(|s| s.as_str()) == Some("DELETE_COMPLETE")),
        "only deleted stacks listed"
    );

    // Existing stack: an UPDATE change set, read and deleted, never executed.
    stacks::deploy(&env.stacks, &spec(name, template("p5", &[])), &mut |_| {}).await.unwrap();
    let events_before = event_count(&env, name).await;
    let change_sets_before = change_set_count(&env, name).await;
    let changed = spec(name, template("p5", &[("team", "x")]));
    let planned = stacks::plan(&env.stacks, &changed).await.unwrap();
    assert_eq!(planned.kind, ChangeKind::Update);
    assert!(planned.changes.iter().any(|c| c.action == "Modify" && c.logical_id == "InterruptionQueue"));
    assert_eq!(env.proxy.count("ExecuteChangeSet"), 1, "only the deploy executed");
    assert_eq!(change_set_count(&env, name).await, change_sets_before);
    assert_eq!(event_count(&env, name).await, events_before);
    assert_eq!(stack_status(&env, name).await.as_deref(), Some("CREATE_COMPLETE"));

    // Nothing to change: an empty plan.
    let planned = stacks::plan(&env.stacks, &spec(name, template("p5", &[]))).await.unwrap();
    assert!(planned.changes.is_empty(), "{planned:?}");
    assert_eq!(change_set_count(&env, name).await, change_sets_before);
}

#[tokio::test]
async fn delete_waits_until_the_stack_is_gone() {
    let Some(env) = env().await else { return };
    let name = "p6-interruption";
    stacks::deploy(&env.stacks, &spec(name, template("p6", &[])), &mut |_| {}).await.unwrap();

    let (events, mut on_event) = recorder();
    stacks::delete(&env.stacks, name, &mut on_event).await.unwrap();
    assert_eq!(stack_status(&env, name).await, None);
    let statuses: Vec<String> = events.lock().unwrap().iter().map(|e| e.status.clone()).collect();
    assert_eq!(statuses.first().map(String::as_str), Some("DELETE_IN_PROGRESS"), "{statuses:?}");
    assert_eq!(statuses.last().map(String::as_str), Some("DELETE_COMPLETE"), "{statuses:?}");

    assert_eq!(env.proxy.count("DeleteStack"), 1);

    // Deleting an absent stack is fine and calls no DeleteStack.
    stacks::delete(&env.stacks, name, &mut |_| {}).await.unwrap();
    assert_eq!(env.proxy.count("DeleteStack"), 1);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_an_error_with_a_hint() {
    let config = SdkConfigBuilder::new()
        .region(REGION)
        .endpoint_url(format!("http://127.0.0.1:{}", dataplat_testkit::free_port()))
        .static_credentials("testing", "testing")
        .no_retries()
        .load()
        .await;
    let client = StackClient::new(&config);
    let err = stacks::deploy(&client, &spec("x", template("x", &[])), &mut |_| {}).await.unwrap_err();
    assert!(matches!(err, StackError::Api { operation: "DescribeStacks", .. }), "{err:?}");
    assert!(err.to_string().contains("hint: CloudFormation could not be reached"), "{err}");
}
