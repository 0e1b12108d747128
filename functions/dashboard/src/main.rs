//! The dashboard function: the officers' API behind API Gateway's Cognito JWT
//! authorizer. It holds no key and no table that could identify an informant.

use satark_lambda::{dashboard_router, logging};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let aws = satark_aws::AwsConfig::from_env().await;
    lambda_http::run(dashboard_router(&aws)?).await
}
