//! The notifier function: sends queued replies; the only holder of the contact key's
//! `Decrypt`.

/// Names this binary. `scripts/sam-build-check` proves that each `bootstrap` `sam build`
/// makes holds its own function's marker and no other's.
const FUNCTION_MARKER: &str = "satark-function=notifier";

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    std::hint::black_box(FUNCTION_MARKER);
    let (aws, settings, secrets) = satark_lambda::start_with_whatsapp().await?;
    satark_lambda::serve_sqs(satark_lambda::NotifierApp::new(&aws, &settings, &secrets).await?).await
}
