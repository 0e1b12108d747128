//! The classifier function: what happens to a report after it is submitted (for now,
//! the analytics counters, exactly once per report).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = satark_lambda::start().await;
    satark_lambda::serve_sqs(satark_lambda::ClassifierApp::new(&aws)?).await
}
