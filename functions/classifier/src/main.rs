//! The classifier function: what happens to a report after it is submitted (for now,
//! the analytics counters, exactly once per report).

/// Names this binary. `scripts/sam-build-check` proves that each `bootstrap` `sam build`
/// makes holds its own function's marker and no other's.
const FUNCTION_MARKER: &str = "satark-function=classifier";

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    std::hint::black_box(FUNCTION_MARKER);
    let aws = satark_lambda::start().await;
    satark_lambda::serve_sqs(satark_lambda::ClassifierApp::new(&aws)?).await
}
