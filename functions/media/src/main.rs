//! The media function: fetches evidence from WhatsApp, strips its metadata and stores it
//! encrypted in S3.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (aws, settings, secrets) = satark_lambda::start_with_whatsapp().await?;
    satark_lambda::serve_sqs(satark_lambda::MediaApp::new(&aws, &settings, &secrets)?).await
}
