//! The webhook function: WhatsApp's `GET`/`POST /webhook` through API Gateway, served
//! by the same axum router as `satark serve`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (aws, _, secrets) = satark_lambda::start_with_whatsapp().await?;
    lambda_http::run(satark_lambda::webhook_router(&aws, &secrets).await?).await
}
