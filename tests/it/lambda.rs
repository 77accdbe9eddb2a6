//! The Lambda examples' handlers, fed API Gateway (REST v1, HTTP v2) and DynamoDB Stream
//! event JSON, against DynamoDB Local.

#[path = "../../examples/pets-api/handler.rs"]
pub mod pets_api;
#[path = "../../examples/stream-handler/handler.rs"]
pub mod stream_handler;

use dynomodel::prelude::*;
use http_body_util::BodyExt;
use lambda_http::request::LambdaRequest;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::common;

/// A REST API (v1) event on the stage `prod`: lambda_http puts the stage before the path
/// (`/prod/pets`), and the Router takes it off again.
fn v1(method: &str, path: &str, query: Option<Value>, body: Option<&str>) -> Value {
    json!({
        "resource": if path.matches('/').count() > 1 { "/pets/{id}" } else { "/pets" },
        "path": path,
        "httpMethod": method,
        "headers": {"Accept": "application/json", "Content-Type": "application/json", "Host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "multiValueHeaders": {"Accept": ["application/json"], "Content-Type": ["application/json"], "Host": ["abc123.execute-api.us-east-1.amazonaws.com"]},
        "queryStringParameters": query.clone(),
        "multiValueQueryStringParameters": query.map(|q| {
            let m: serde_json::Map<String, Value> = q.as_object().unwrap().iter()
                .map(|(k, v)| (k.clone(), json!([v]))).collect();
            Value::Object(m)
        }),
        "pathParameters": path.split('/').nth(2).map(|id| json!({"id": id})),
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "abcdef",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTimeEpoch": 1700000000000u64,
            "identity": {"sourceIp": "203.0.113.1", "userAgent": "curl/8.0"},
            "resourcePath": if path.matches('/').count() > 1 { "/pets/{id}" } else { "/pets" },
            "httpMethod": method,
            "apiId": "abc123",
            "path": format!("/prod{path}"),
            "protocol": "HTTP/1.1"
        },
        "body": body,
        "isBase64Encoded": false
    })
}

fn v2(method: &str, path: &str, query: Option<&str>, body: Option<&str>) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query.unwrap_or(""),
        "headers": {"accept": "application/json", "content-type": "application/json", "host": "abc123.execute-api.us-east-1.amazonaws.com"},
        "queryStringParameters": query.map(|q| {
            let m: serde_json::Map<String, Value> = q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), json!(v))).collect();
            Value::Object(m)
        }),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.1", "userAgent": "curl/8.0"},
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "14/Nov/2023:22:13:20 +0000",
            "timeEpoch": 1700000000000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// One API Gateway event through lambda_http's conversion and the pets API's Router, as on
/// Lambda: `(status, JSON body, Location)`.
async fn call(app: &pets_api::App, event: Value) -> (u16, Value, Option<String>) {
    let request: LambdaRequest = serde_json::from_value(event).expect("a valid API Gateway event");
    let request: lambda_http::Request = request.into();
    let response = pets_api::router(app.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, body, location)
}

async fn app() -> pets_api::App {
    let db = common::db().await;
    pets_api::Pet::create_table().exec(&db).await.unwrap();
    pets_api::App { db }
}

#[tokio::test]
async fn the_pets_api_over_rest_api_v1_events() {
    let app = app().await;
    let (status, body, location) = call(
        &app,
        v1(
            "POST",
            "/pets",
            None,
            Some(r#"{"id":"p1","name":"  Beeba ","owner":"rachel","age":3}"#),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(location.as_deref(), Some("/pets/p1"));
    assert_eq!(body["name"], "Beeba");
    assert_eq!(body["version"], 1);

    let (status, body, _) = call(&app, v1("GET", "/pets/p1", None, None)).await;
    assert_eq!((status, body["owner"].as_str()), (200, Some("rachel")));

    let (status, body, _) = call(
        &app,
        v1(
            "POST",
            "/pets",
            None,
            Some(r#"{"id":"p1","name":"Again","owner":"x"}"#),
        ),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    let (status, body, _) = call(
        &app,
        v1(
            "POST",
            "/pets",
            None,
            Some(r#"{"name":"","owner":"   ","age":500}"#),
        ),
    )
    .await;
    assert_eq!(status, 400);
    let paths: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["name", "age", "owner"], "{body}");

    let (status, body, _) = call(&app, v1("POST", "/pets", None, Some("{\"name\": "))).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("the body is not valid JSON"),
        "{body}"
    );

    let (status, body, _) = call(
        &app,
        v1(
            "PATCH",
            "/pets/p1",
            None,
            Some(r#"{"age":4,"tags":["old"],"version":1}"#),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["age"].as_u64(), body["version"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(body["tags"], json!(["old"]));

    let (status, _, _) = call(
        &app,
        v1("PATCH", "/pets/p1", None, Some(r#"{"age":5,"version":1}"#)),
    )
    .await;
    assert_eq!(status, 409, "a stale version");
    let (status, _, _) = call(&app, v1("PATCH", "/pets/nope", None, Some(r#"{"age":5}"#))).await;
    assert_eq!(status, 404);
    let (status, body, _) = call(&app, v1("PATCH", "/pets/p1", None, Some(r#"{"age":101}"#))).await;
    assert_eq!(
        (status, body["details"][0]["path"].as_str()),
        (400, Some("age"))
    );

    let (status, _, _) = call(&app, v1("DELETE", "/pets/p1", None, None)).await;
    assert_eq!(status, 204);
    let (status, _, _) = call(&app, v1("DELETE", "/pets/p1", None, None)).await;
    assert_eq!(status, 404);
    let (status, _, _) = call(&app, v1("GET", "/pets/p1", None, None)).await;
    assert_eq!(status, 404);
    let (status, _, _) = call(&app, v1("GET", "/owners", None, None)).await;
    assert_eq!(status, 404);
    let (status, _, _) = call(&app, v1("PUT", "/pets/p1", None, Some("{}"))).await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn the_pets_api_over_http_api_v2_events_pages_with_a_cursor() {
    let app = app().await;
    for i in 0..5 {
        let body = format!(r#"{{"id":"q{i}","name":"Pet {i}","owner":"sam"}}"#);
        let (status, _, _) = call(&app, v2("POST", "/pets", None, Some(&body))).await;
        assert_eq!(status, 201);
    }
    let (status, body, _) = call(
        &app,
        v2(
            "POST",
            "/pets",
            None,
            Some(r#"{"name":"No id","owner":"sam"}"#),
        ),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["id"].as_str().unwrap().len(), 36, "a generated UUID");

    let mut ids = Vec::new();
    let mut query = "limit=4".to_owned();
    let mut pages = 0;
    loop {
        let (status, body, _) = call(&app, v2("GET", "/pets", Some(&query), None)).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        ids.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned()),
        );
        match body["next"].as_str() {
            Some(cursor) => query = format!("limit=4&cursor={cursor}"),
            None => break,
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "every pet once over {pages} pages");
    assert!(pages >= 2);

    let (status, _, _) = call(&app, v2("GET", "/pets", Some("limit=0"), None)).await;
    assert_eq!(status, 400);
    let (status, body, _) = call(&app, v2("GET", "/pets", Some("cursor=bogus"), None)).await;
    assert_eq!(status, 400, "{body}");
    let (status, body, _) = call(&app, v2("GET", "/pets/q1", None, None)).await;
    assert_eq!((status, body["name"].as_str()), (200, Some("Pet 1")));
    // On the $default stage there is no stage in the path: `/prod/pets/q1` is no route.
    let (status, _, _) = call(&app, v2("GET", "/prod/pets/q1", None, None)).await;
    assert_eq!(status, 404);
    // On a named stage, the stage leads the path, and the routes are under it.
    let mut staged = v2("GET", "/prod/pets/q1", None, None);
    staged["requestContext"]["stage"] = json!("prod");
    let (status, body, _) = call(&app, staged).await;
    assert_eq!((status, body["id"].as_str()), (200, Some("q1")), "{body}");
}

/// A REST API (v1) stage may share its name with a route's first segment: lambda_http does not
/// put the stage before a path that already starts with it, and the Router must not take it
/// off then.
#[tokio::test]
async fn a_rest_api_stage_named_like_a_route() {
    let app = app().await;
    let post = |path: &str| {
        let mut e = v1(
            "POST",
            path,
            None,
            Some(r#"{"id":"s1","name":"Rex","owner":"ann"}"#),
        );
        e["requestContext"]["stage"] = json!("pets");
        e
    };
    let (status, body, _) = call(&app, post("/pets")).await;
    assert_eq!(status, 201, "{body}");
    for (stage, path) in [
        ("pets", "/pets/s1"),
        ("owners", "/pets/s1"),
        ("pets", "/owners/ann/pets"),
    ] {
        let mut e = v1("GET", path, None, None);
        e["requestContext"]["stage"] = json!(stage);
        let (status, body, _) = call(&app, e).await;
        assert_eq!(status, 200, "{stage} {path}: {body}");
    }
}

#[tokio::test]
async fn writes_that_were_applied_never_answer_an_error() {
    let app = app().await;
    // An id that is not valid in a URL as it is: the pet is stored once, and found where
    // Location says.
    let (status, _, location) = call(
        &app,
        v1(
            "POST",
            "/pets",
            None,
            Some(r#"{"id":"a b/c","name":"Rex","owner":"ann"}"#),
        ),
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (201, Some("/pets/a%20b%2Fc"))
    );

    // Another writer stored a pet that the model cannot read (no owner).
    app.db
        .client()
        .put_item()
        .table_name(app.db.table_name(pets_api::Pet::TABLE))
        .item(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S("odd".into()),
        )
        .item(
            "name",
            aws_sdk_dynamodb::types::AttributeValue::S("Odd".into()),
        )
        .send()
        .await
        .unwrap();
    let (status, body, _) = call(&app, v1("PATCH", "/pets/odd", None, Some(r#"{"age":4}"#))).await;
    assert_eq!(
        (status, body["applied"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    // The unreadable pet does not hide the others from the list.
    let (status, body, _) = call(&app, v1("GET", "/pets", None, None)).await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a b/c"]);
    let (status, _, _) = call(&app, v1("DELETE", "/pets/odd", None, None)).await;
    assert_eq!(status, 204);
    let gone = app
        .db
        .client()
        .get_item()
        .table_name(app.db.table_name(pets_api::Pet::TABLE))
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S("odd".into()),
        )
        .send()
        .await
        .unwrap();
    assert!(gone.item.is_none());
}

#[tokio::test]
async fn client_mistakes_are_4xx_and_paths_are_decoded() {
    let app = app().await;
    let (status, _, location) = call(
        &app,
        v1(
            "POST",
            "/pets",
            None,
            Some(r#"{"id":"a b","name":"Rex","owner":"ann"}"#),
        ),
    )
    .await;
    assert_eq!((status, location.as_deref()), (201, Some("/pets/a%20b")));
    let (status, body, _) = call(&app, v1("GET", "/pets/a%20b", None, None)).await;
    assert_eq!((status, body["id"].as_str()), (200, Some("a b")));

    let big = format!(r#"{{"name":"{}","owner":"ann"}}"#, "x".repeat(70 * 1024));
    let (status, _, _) = call(&app, v1("POST", "/pets", None, Some(&big))).await;
    assert_eq!(status, 413);

    let long = format!("/pets/{}", "i".repeat(3000));
    let (status, body, _) = call(&app, v1("GET", &long, None, None)).await;
    assert_eq!(status, 400, "{body}");

    // A cursor that parses but is not a key of this table: DynamoDB refuses it.
    let cursor = dynomodel::query::Cursor::from_key(
        [(
            "nope".to_owned(),
            aws_sdk_dynamodb::types::AttributeValue::S("x".into()),
        )]
        .into(),
    )
    .to_string();
    let (status, body, _) = call(
        &app,
        v1("GET", "/pets", Some(json!({ "cursor": cursor })), None),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    let (status, body, _) = call(&app, v1("POST", "/pets", None, Some("[]"))).await;
    assert_eq!(status, 400);
    assert!(!body.to_string().contains("NewPet"), "{body}");
}

#[tokio::test]
async fn internal_errors_say_nothing_of_the_internals() {
    // No table: DynamoDB answers ResourceNotFoundException, which the client must not see.
    let app = pets_api::App {
        db: common::db().await,
    };
    let (status, body, _) = call(&app, v1("GET", "/pets/x", None, None)).await;
    assert_eq!(status, 500);
    assert_eq!(body, json!({"error": "internal error"}));
}

#[tokio::test]
async fn the_stream_handler_follows_inserts_moves_and_removals() {
    let db = common::db().await;
    stream_handler::OwnerStats::create_table()
        .exec(&db)
        .await
        .unwrap();
    stream_handler::AppliedRecord::create_table()
        .exec(&db)
        .await
        .unwrap();
    let event: aws_lambda_events::dynamodb::Event = serde_json::from_str(include_str!(
        "../../examples/stream-handler/sample-event.json"
    ))
    .unwrap();
    let counts = || async {
        let mut stats = stream_handler::OwnerStats::scan().all(&db).await.unwrap();
        stats.sort_by(|a, b| a.owner.cmp(&b.owner));
        stats
            .iter()
            .map(|s| (s.owner.clone(), s.pets))
            .collect::<Vec<_>>()
    };
    let summary = stream_handler::handle(&db, &event).await;
    assert_eq!(
        (
            summary.inserted,
            summary.modified,
            summary.removed,
            summary.repeated
        ),
        (2, 1, 1, 0)
    );
    // The pet whose name is a number is the last record: it is reported, not dropped.
    let last = event.records[4].change.sequence_number.clone().unwrap();
    assert_eq!(
        serde_json::to_value(&summary.failures).unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": last}]})
    );
    assert!(summary.error.unwrap().contains("`name`"));
    let once = counts().await;
    assert_eq!(once, [("rachel".to_owned(), 1), ("sam".to_owned(), 0)]);

    // Delivered again whole (Lambda retries a batch), nothing is counted twice.
    let again = stream_handler::handle(&db, &event).await;
    assert_eq!((again.repeated, again.inserted), (4, 0));
    assert_eq!(counts().await, once);

    let record = &event.records[0];
    let pet =
        <stream_handler::Pet as dynomodel::Document>::from_stream_image(&record.change.new_image)
            .unwrap();
    assert_eq!((pet.name.as_str(), pet.age), ("Beeba", 3));
}
