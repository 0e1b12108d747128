//! The classifier function: what happens to a report after it is submitted (for now,
//! the analytics counters, exactly once per report).

use satark_lambda::{ClassifierApp, logging, serve_sqs};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let aws = satark_aws::AwsConfig::from_env().await;
    serve_sqs(ClassifierApp::new(&aws)?).await
}
