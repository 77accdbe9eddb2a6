//! A Lambda on the pets table's DynamoDB Stream (see `handler.rs`).
//!
//! On Lambda it answers stream events. Anywhere else it feeds a sample event to the same
//! handler against DynamoDB Local and prints what it did:
//!
//! ```text
//! cargo run --example stream-handler
//! ```

mod handler;

use dynomodel::prelude::*;
use handler::{handle, AppliedRecord, OwnerStats};
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};

const SAMPLE: &str = include_str!("sample-event.json");

#[tokio::main]
async fn main() {
    let result = if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        on_lambda().await
    } else {
        local().await
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn on_lambda() -> Result<(), lambda_runtime::Error> {
    let db = Db::from_env().await?;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::dynamodb::Event>| {
            let db = db.clone();
            async move {
                // The failures answer ReportBatchItemFailures; the error is logged.
                let summary = handle(&db, &event.payload).await;
                if let Some(e) = &summary.error {
                    eprintln!("a record failed and comes again: {e}");
                }
                Ok::<_, lambda_runtime::Error>(summary.failures)
            }
        },
    ))
    .await
}

async fn local() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let local = dynomodel::local::DynamoDbLocal::start().await?;
    let db = local
        .db()
        .with_table_prefix(format!("stream_{}_", std::process::id()));
    OwnerStats::create_table().exec(&db).await?;
    AppliedRecord::create_table().exec(&db).await?;
    let event: aws_lambda_events::dynamodb::Event = serde_json::from_str(SAMPLE)?;
    let summary = handle(&db, &event).await;
    println!("handled the sample event: {summary:?}");
    let mut stats = OwnerStats::scan().all(&db).await?;
    stats.sort_by(|a, b| a.owner.cmp(&b.owner));
    for s in stats {
        println!("{} has {} pets", s.owner, s.pets);
    }
    Ok(())
}
