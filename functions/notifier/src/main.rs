//! The notifier function: sends queued replies; the only holder of the contact key's
//! `Decrypt`.

use satark_lambda::{LambdaSettings, NotifierApp, logging, serve_sqs};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let aws = satark_aws::AwsConfig::from_env().await;
    let settings = LambdaSettings::from_env();
    let secrets = settings
        .secrets(&aws_sdk_secretsmanager::Client::new(aws.sdk()))
        .await?;
    serve_sqs(NotifierApp::new(&aws, &settings, &secrets)?).await
}
