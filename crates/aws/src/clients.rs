//! Every AWS client the cloud layer uses, built from one [`SdkConfig`].
//!
//! With an explicit endpoint (`AWS_ENDPOINT_URL`, tests on moto) S3 is addressed path-style, since
//! a loopback endpoint has no virtual-host names for buckets.

use aws_config::SdkConfig;

use crate::stacks::{Polling, StackClient};

/// The clients of one region and account.
#[derive(Debug, Clone)]
pub struct Clients {
    pub config: SdkConfig,
    pub polling: Polling,
    pub cfn: StackClient,
    pub eks: aws_sdk_eks::Client,
    pub sts: aws_sdk_sts::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub amp: aws_sdk_amp::Client,
}

impl Clients {
    /// Every client from `config`, polling as `polling` says.
    pub fn new(config: &SdkConfig, polling: Polling) -> Clients {
        let s3 = aws_sdk_s3::config::Builder::from(config).force_path_style(config.endpoint_url().is_some()).build();
        Clients {
            config: config.clone(),
            polling,
            cfn: StackClient::new(config).with_polling(polling),
            eks: aws_sdk_eks::Client::new(config),
            sts: aws_sdk_sts::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            ec2: aws_sdk_ec2::Client::new(config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            tagging: aws_sdk_resourcegroupstagging::Client::new(config),
            amp: aws_sdk_amp::Client::new(config),
        }
    }

    /// The region the clients talk to.
    pub fn region(&self) -> String {
        self.config.region().map(|r| r.to_string()).unwrap_or_default()
    }
}
