//! The interruption stack: how Karpenter learns that a node is about to go away.
//!
//! As Karpenter's own module creates it (reference section 3.2): an SQS queue
//! `Karpenter-<platform>` ([`queue_name`]; messages kept 300 s, SQS-managed server-side
//! encryption) whose policy lets EventBridge (`events.amazonaws.com`) and SQS
//! (`sqs.amazonaws.com`) send messages and denies any request not made over TLS; and five
//! EventBridge rules on the default bus, all targeting the queue: AWS Health events, spot
//! interruption warnings, rebalance recommendations, instance state changes and capacity
//! reservation interruptions. Karpenter's Helm value `settings.interruptionQueue` is the queue
//! name (output [`OUT_QUEUE_NAME`]).

use super::model::*;
use super::{Context, TemplateError, bounded_name, logical_id};

/// Output: the queue name (Karpenter's `settings.interruptionQueue`).
pub const OUT_QUEUE_NAME: &str = "QueueName";
/// Output: the queue ARN.
pub const OUT_QUEUE_ARN: &str = "QueueArn";

/// How long an interruption message is kept, in seconds: it is useless after a few minutes.
pub const MESSAGE_RETENTION_SECONDS: u32 = 300;

const QUEUE: &str = "InterruptionQueue";

/// The rules: (name suffix, source, detail-type).
pub const RULES: [(&str, &str, &str); 5] = [
    ("HealthEvent", "aws.health", "AWS Health Event"),
    ("SpotInterrupt", "aws.ec2", "EC2 Spot Instance Interruption Warning"),
    ("InstanceRebalance", "aws.ec2", "EC2 Instance Rebalance Recommendation"),
    ("InstanceStateChange", "aws.ec2", "EC2 Instance State-change Notification"),
    ("CRInterruption", "aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"),
];

/// The queue name: `Karpenter-<platform>`, the name the core gives Karpenter's controller.
pub fn queue_name(platform: &str) -> String {
    dataplat_vocabulary::interruption_queue_name(platform)
}

/// The inputs of the interruption template.
#[derive(Debug, Clone)]
pub struct InterruptionInput {
    pub context: Context,
}

/// The interruption template.
pub fn template(input: &InterruptionInput) -> Result<Template, TemplateError> {
    let ctx = &input.context;
    let p = ctx.platform.as_str();
    let mut t = Template::new(format!("dataplat {p}: Karpenter interruption queue and its EventBridge rules"));
    let queue_arn = || Expr::get_att(QUEUE, "Arn");

    t.add(
        QUEUE,
        Queue {
            queue_name: queue_name(p),
            message_retention_period: MESSAGE_RETENTION_SECONDS,
            sqs_managed_sse_enabled: true,
            tags: ctx.tags(),
        },
    );
    t.add(
        "InterruptionQueuePolicy",
        QueuePolicy {
            queues: vec![Expr::reference(QUEUE)],
            policy_document: PolicyDocument::new(vec![
                Statement::allow("SqsWrite", &["sqs:SendMessage"], vec![queue_arn()])
                    .principal(Principal::Service(vec!["events.amazonaws.com".into(), "sqs.amazonaws.com".into()])),
                Statement::deny("DenyHTTP", &["sqs:*"], vec![queue_arn()]).principal(Principal::Everyone).when(
                    "Bool",
                    "aws:SecureTransport",
                    vec![Expr::lit("false")],
                ),
            ]),
        },
    );
    for (suffix, source, detail_type) in RULES {
        t.add(
            logical_id(&[suffix, "Rule"]),
            EventRule {
                name: bounded_name(&["Karpenter", p, suffix], 64),
                description: format!("dataplat {p}: {detail_type} to Karpenter"),
                event_pattern: EventPattern { source: vec![source.into()], detail_type: vec![detail_type.into()] },
                state: "ENABLED".into(),
                targets: vec![EventTarget { id: "KarpenterInterruptionQueueTarget".into(), arn: queue_arn() }],
                tags: ctx.tags(),
            },
        );
    }
    t.output(OUT_QUEUE_NAME, "Karpenter's interruption queue", Expr::get_att(QUEUE, "QueueName"), None);
    t.output(OUT_QUEUE_ARN, "Karpenter's interruption queue ARN", queue_arn(), None);
    Ok(t)
}
