//! The classifier function: what happens to a report after it is submitted (for now,
//! the analytics counters, exactly once per report).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use satark_lambda::{ClassifierApp, logging};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let aws = satark_aws::AwsConfig::from_env().await;
    let app = Arc::new(ClassifierApp::new(&aws)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        async move { Ok::<SqsBatchResponse, lambda_runtime::Error>(app.handle(event.payload).await) }
    }))
    .await
}
