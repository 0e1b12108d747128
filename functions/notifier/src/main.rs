//! The notifier function: sends queued replies; the only holder of the contact key's
//! `Decrypt`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (aws, settings, secrets) = satark_lambda::start_with_whatsapp().await?;
    satark_lambda::serve_sqs(satark_lambda::NotifierApp::new(&aws, &settings, &secrets)?).await
}
