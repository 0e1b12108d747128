//! The dashboard function: the officers' API behind API Gateway's Cognito JWT
//! authorizer. It holds no key and no table that could identify an informant.

/// Names this binary. `scripts/sam-build-check` proves that each `bootstrap` `sam build`
/// makes holds its own function's marker and no other's.
const FUNCTION_MARKER: &str = "satark-function=dashboard";

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    std::hint::black_box(FUNCTION_MARKER);
    let aws = satark_lambda::start().await;
    lambda_http::run(satark_lambda::dashboard_router(&aws)?).await
}
