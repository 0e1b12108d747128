//! The media function: fetches evidence from WhatsApp, strips its metadata and stores it
//! encrypted in S3.

use satark_lambda::{LambdaSettings, MediaApp, logging, serve_sqs};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let aws = satark_aws::AwsConfig::from_env().await;
    let settings = LambdaSettings::from_env();
    let secrets = settings
        .secrets(&aws_sdk_secretsmanager::Client::new(aws.sdk()))
        .await?;
    serve_sqs(MediaApp::new(&aws, &settings, &secrets)?).await
}
