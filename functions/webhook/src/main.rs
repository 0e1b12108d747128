//! The webhook function: WhatsApp's `GET`/`POST /webhook` through API Gateway, served
//! by the same axum router as `satark serve`.

/// Names this binary. `scripts/sam-build-check` proves that each `bootstrap` `sam build`
/// makes holds its own function's marker and no other's.
const FUNCTION_MARKER: &str = "satark-function=webhook";

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    std::hint::black_box(FUNCTION_MARKER);
    let (aws, _, secrets) = satark_lambda::start_with_whatsapp().await?;
    lambda_http::run(satark_lambda::webhook_router(&aws, &secrets).await?).await
}
