//! The pets API as one Lambda behind API Gateway (REST API v1 or HTTP API v2 proxy events).
//!
//! On Lambda (`AWS_LAMBDA_RUNTIME_API` set) it answers events; the table must exist, and is
//! not created on the cold-start path. Anywhere else it serves the same handler over HTTP
//! against DynamoDB Local (started by itself, or `DYNAMODB_ENDPOINT`), creating the table
//! there if needed:
//!
//! ```text
//! cargo run --example pets-api            # PORT=3000 by default
//! curl -s -XPOST localhost:3000/pets -d '{"name":"Beeba","owner":"rachel"}'
//! curl -s localhost:3000/pets?limit=10
//! ```
//!
//! Routes: GET /pets (?limit, ?cursor), POST /pets, GET|PATCH|DELETE /pets/{id}.

mod handler;

use std::convert::Infallible;
use std::time::Duration;

use dynomodel::prelude::*;
use handler::{handle, App, Pet};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{service_fn, Body, RequestExt};

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
    let app = App { db };
    lambda_http::run(service_fn(move |req| {
        let app = app.clone();
        async move { Ok::<_, Infallible>(handle(&app, req).await) }
    }))
    .await
}

async fn local() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let local = dynomodel::local::DynamoDbLocal::start().await?;
    let db = local.db();
    // Only here, for local development: a Lambda never creates its table.
    dynomodel::table::ensure::<Pet>(&db).await?;
    let app = App { db };
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
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(serve(&app, req).await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(io, service);
            // A connection that stalls or dawdles is closed.
            match tokio::time::timeout(Duration::from_secs(60), connection).await {
                Ok(Err(e)) => eprintln!("connection: {e}"),
                Err(_) => eprintln!("connection: closed after 60 s"),
                Ok(Ok(())) => {}
            }
        });
    }
}

/// One HTTP request through the same handler as on Lambda.
async fn serve(app: &App, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    // Read no more than the handler takes: a larger body is refused without holding it.
    let bytes = match http_body_util::Limited::new(body, handler::MAX_BODY)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let message = format!(
                "{{\"error\":\"the body is over {} bytes\"}}",
                handler::MAX_BODY
            );
            return hyper::Response::builder()
                .status(413)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(message)))
                .unwrap_or_default();
        }
    };
    let query: QueryMap = parts
        .uri
        .query()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    let request = lambda_http::Request::from_parts(parts, Body::from(bytes.to_vec()))
        .with_query_string_parameters(query);
    let (parts, body) = handle(app, request).await.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(t) => Bytes::from(t),
        Body::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}
