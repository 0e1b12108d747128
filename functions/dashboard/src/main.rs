//! The dashboard function: the officers' API behind API Gateway's Cognito JWT
//! authorizer. It holds no key and no table that could identify an informant.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let aws = satark_lambda::start().await;
    lambda_http::run(satark_lambda::dashboard_router(&aws)?).await
}
