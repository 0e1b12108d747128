//! The sweeper function: the retention sweep of `satark_core::retention` over DynamoDB
//! and S3, run by an EventBridge schedule every ten minutes.

/// Names this binary. `scripts/sam-build-check` proves that each `bootstrap` `sam build`
/// makes holds its own function's marker and no other's.
const FUNCTION_MARKER: &str = "satark-function=sweeper";

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    std::hint::black_box(FUNCTION_MARKER);
    let aws = satark_lambda::start().await;
    satark_lambda::serve_sweeper(satark_lambda::SweeperApp::new(&aws)?).await
}
