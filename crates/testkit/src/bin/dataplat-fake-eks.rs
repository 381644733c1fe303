//! The test layer of `crates/aws` as a command, to try `up`, `plan` and `down` by hand against
//! moto's server: the recording proxy with the EKS calls moto lacks (see
//! `dataplat_testkit::aws`, limits included) in front of a moto you started.
//!
//! ```sh
//! ~/.cache/dataplat-ci/venv/bin/moto_server -p 5000 &        # installed by tests/run
//! cargo run -p dataplat-testkit --bin dataplat-fake-eks -- http://127.0.0.1:5000
//! # then, in another shell, the line it prints, and: kubectl dataplat up --cloud-only
//! ```
//!
//! Runs until interrupted. Nothing here reaches beyond loopback.

use dataplat_testkit::aws::AwsProxy;

fn main() {
    let Some(upstream) =
        std::env::args().nth(1).filter(|a| a.starts_with("http://127.") || a.starts_with("http://localhost"))
    else {
        eprintln!("usage: dataplat-fake-eks http://127.0.0.1:PORT   (the loopback endpoint of a running moto_server)");
        std::process::exit(2);
    };
    let proxy = AwsProxy::start(&upstream);
    println!(
        "export AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_MAX_ATTEMPTS=1 DATAPLAT_AWS_POLL_MS=200",
        proxy.endpoint
    );
    loop {
        std::thread::park();
    }
}
