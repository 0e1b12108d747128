//! The webhook function: WhatsApp's `GET`/`POST /webhook` through API Gateway, served
//! by the same axum router as `satark serve`.

use satark_lambda::{LambdaSettings, logging, webhook_router};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let aws = satark_aws::AwsConfig::from_env().await;
    let settings = LambdaSettings::from_env();
    let secrets = settings
        .secrets(&aws_sdk_secretsmanager::Client::new(aws.sdk()))
        .await?;
    let router = webhook_router(&aws, &secrets).await?;
    lambda_http::run(router).await
}
