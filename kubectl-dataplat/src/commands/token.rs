//! `token`: the kubeconfig exec credential. Prints a client-go ExecCredential holding an EKS token
//! (a presigned STS GetCallerIdentity URL carrying the cluster name), from the standard AWS
//! credential chain; `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL` move the STS host.

use std::time::SystemTime;

use dataplat_aws::token::{self, TokenError};

use crate::CliError;
use crate::cli::TokenArgs;

pub fn run(args: TokenArgs) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}"), None))?;
    let credentials =
        runtime.block_on(token::load_credentials(&args.region, args.role_arn.as_deref())).map_err(token_error)?;
    let endpoint = token::sts_endpoint_from_env();
    let token =
        token::presigned_token(&args.cluster, &args.region, &credentials, SystemTime::now(), endpoint.as_deref())
            .map_err(token_error)?;
    let json = serde_json::to_string(&token.exec_credential())
        .map_err(|e| CliError::failed(format!("cannot write the ExecCredential: {e}"), None))?;
    println!("{json}");
    Ok(())
}

fn token_error(error: TokenError) -> CliError {
    let hint = error.hint();
    match error {
        TokenError::InvalidCluster(_) | TokenError::InvalidRegion(_) | TokenError::InvalidEndpoint { .. } => {
            CliError::usage(error.to_string(), hint)
        }
        _ => CliError::failed(error.to_string(), hint),
    }
}
