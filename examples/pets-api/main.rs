//! The pets API as one Lambda behind API Gateway (REST API v1 or HTTP API v2 proxy events).
//!
//! On Lambda (`AWS_LAMBDA_RUNTIME_API` set) it answers events; the table must exist, and is
//! not created on the cold-start path. Anywhere else it serves the same axum `Router` over
//! HTTP against DynamoDB Local (started by itself, or `DYNAMODB_ENDPOINT`), creating the
//! table there if needed:
//!
//! ```text
//! cargo run --example pets-api            # PORT=3000 by default
//! curl -s -XPOST localhost:3000/pets -d '{"name":"Beeba","owner":"rachel"}'
//! curl -s localhost:3000/pets?limit=10
//! curl -s localhost:3000/owners/rachel/pets
//! ```
//!
//! Routes (handler.rs): GET /pets (?limit, ?cursor), POST /pets, GET|PATCH|DELETE /pets/{id},
//! GET /owners/{owner}/pets (?limit, ?cursor). Any other path is 404.

mod handler;

use std::time::Duration;

use dynomodel::prelude::*;
use handler::{router, App, Pet};

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

async fn on_lambda() -> Result<(), lambda_http::Error> {
    let mut db = Db::from_env().await?;
    if let Ok(prefix) = std::env::var("TABLE_PREFIX") {
        db = db.with_table_prefix(prefix);
    }
    // lambda_http turns each API Gateway event into an HTTP request for the Router.
    lambda_http::run(router(App { db })).await
}

async fn local() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let local = dynomodel::local::DynamoDbLocal::start().await?;
    let db = local.db();
    // Only here, for local development: a Lambda never creates its table.
    dynomodel::table::ensure::<Pet>(&db).await?;
    let app = router(App { db });
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "pets-api listening on http://{} (DynamoDB at {})",
        listener.local_addr()?,
        local.endpoint()
    );
    loop {
        // Out of file descriptors (or another passing failure): log it, pause, go on.
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(io, service);
            // A connection that stalls or dawdles is closed; the Router's own timeout ends
            // a request that takes too long.
            match tokio::time::timeout(Duration::from_secs(60), connection).await {
                Ok(Err(e)) => eprintln!("connection: {e}"),
                Err(_) => eprintln!("connection: closed after 60 s"),
                Ok(Ok(())) => {}
            }
        });
    }
}
