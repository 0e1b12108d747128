//! The media function: fetches evidence from WhatsApp, strips its metadata and stores it
//! encrypted in S3.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use satark_lambda::{LambdaSettings, MediaApp, logging};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let aws = satark_aws::AwsConfig::from_env().await;
    let settings = LambdaSettings::from_env();
    let secrets = settings
        .secrets(&aws_sdk_secretsmanager::Client::new(aws.sdk()))
        .await?;
    let app = Arc::new(MediaApp::new(&aws, &settings, &secrets)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        async move { Ok::<SqsBatchResponse, lambda_runtime::Error>(app.handle(event.payload).await) }
    }))
    .await
}
