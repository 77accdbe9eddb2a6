//! The pets API: one axum `Router`, shared by the Lambda (`lambda_http::run`), the local
//! server and the tests. It creates no table: on Lambda the table exists before the function
//! does.
//!
//! The routes, and nothing else (any other path is 404 and changes nothing):
//!
//! | route | does |
//! |---|---|
//! | `GET /pets?limit&cursor` | a page of every pet (a scan) |
//! | `POST /pets` | creates a pet: 201 with `Location: /pets/{id}` |
//! | `GET /pets/{id}` | one pet |
//! | `PATCH /pets/{id}` | changes a pet (optionally only at the `version` that was read) |
//! | `DELETE /pets/{id}` | deletes a pet: 204 |
//! | `GET /owners/{owner}/pets?limit&cursor` | a page of one owner's pets, by name (the `by_owner` index) |

use std::collections::BTreeSet;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use dynomodel::prelude::*;
use dynomodel::query::Page;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "pets", gsi(name = "by_owner", hash = "owner", range = "name"))]
pub struct Pet {
    #[dynomodel(hash_key)]
    pub id: String,
    #[dynomodel(set = "trim", validate(length(min = 1, max = 64)))]
    pub name: String,
    #[dynomodel(default = 0, validate(range(min = 0, max = 100)))]
    pub age: u32,
    #[dynomodel(set = "trim", validate(length(min = 1, max = 64)))]
    pub owner: String,
    #[dynomodel(string_set)]
    #[serde(default)]
    pub tags: BTreeSet<String>,
    #[dynomodel(version)]
    #[serde(default)]
    pub version: u64,
    #[dynomodel(created_at)]
    #[serde(default)]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[dynomodel(updated_at)]
    #[serde(default)]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The body of `POST /pets`: the id is made here where the client gives none.
#[derive(Deserialize)]
struct NewPet {
    id: Option<String>,
    name: String,
    #[serde(default)]
    age: u32,
    owner: String,
    #[serde(default)]
    tags: BTreeSet<String>,
}

/// The body of `PATCH /pets/{id}`: what changes, and optionally the version that was read.
#[derive(Deserialize)]
struct PetChanges {
    name: Option<String>,
    age: Option<u32>,
    owner: Option<String>,
    tags: Option<BTreeSet<String>>,
    version: Option<u64>,
}

/// What the handlers need: the table's `Db`, built once per Lambda instance.
#[derive(Clone)]
pub struct App {
    pub db: Db,
}

/// The largest request body taken: a pet is well under 1 KiB.
pub const MAX_BODY: usize = 64 * 1024;

/// How long a request may take. dynomodel's Lambda timeouts end an operation after 12 s; the
/// function itself has 15 s (template.yaml).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(13);

/// How many requests one process answers at once; the others wait their turn. A Lambda
/// instance gets one at a time anyway; this bounds the local server.
pub const MAX_CONCURRENT: usize = 64;

/// DynamoDB's limit on a partition key value, in bytes.
const MAX_ID: usize = 2048;

/// The pets API. Routing is by route: a path that is not one of the module's routes is
/// 404, and a method that a route does not have is 405.
pub fn router(app: App) -> Router {
    let routes = Router::new()
        .route("/pets", get(list).post(create))
        .route("/pets/{id}", get(get_pet).patch(patch).delete(delete))
        .route("/owners/{owner}/pets", get(by_owner))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app);
    let service = ServiceBuilder::new()
        .layer(GlobalConcurrencyLimitLayer::new(MAX_CONCURRENT))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .map_request(without_stage)
        .service(routes);
    // The layers and the stage are outside the routes, so that the path is rewritten before
    // it is routed; the outer Router is what both lambda_http and a local server take.
    Router::new().fallback_service(service)
}

/// The request without the API Gateway stage that lambda_http puts before the path of a
/// REST API (`/prod/pets/1` for `/pets/1`), so that one set of routes serves any stage.
fn without_stage<B>(mut req: Request<B>) -> Request<B> {
    if std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_some() {
        return req;
    }
    // A REST API's event path has no stage, and lambda_http puts it before the path unless
    // the path already starts with it (a stage named `pets`): then there is none to take
    // off. An HTTP API's event path starts with its stage.
    let (stage, rest_api) = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(c)) => (c.stage.clone(), true),
        Some(RequestContext::ApiGatewayV2(c)) => (c.stage.clone(), false),
        _ => (None, false),
    };
    let Some(stage) = stage.filter(|s| s != "$default") else {
        return req;
    };
    if rest_api && req.raw_http_path().starts_with(&format!("/{stage}/")) {
        return req;
    }
    let prefix = format!("/{stage}");
    let Some(rest) = req.uri().path().strip_prefix(prefix.as_str()) else {
        return req;
    };
    if !rest.is_empty() && !rest.starts_with('/') {
        return req;
    }
    let path = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match req.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(status, json!({ "error": message.into() }))
}

async fn not_found(uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("no route for {}", uri.path()),
    )
}

async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "this route does not take that method",
    )
}

/// The response for an error from dynomodel: what the client can act on, and nothing of the
/// internals for the rest.
fn from_error(e: Error) -> Response {
    match e {
        Error::Validation(errors) => {
            let details: Vec<_> = errors
                .iter()
                .map(|e| json!({ "path": e.path, "rule": e.rule, "message": e.message }))
                .collect();
            json_response(
                StatusCode::BAD_REQUEST,
                json!({ "error": "validation failed", "details": details }),
            )
        }
        Error::AlreadyExists { .. } => error(StatusCode::CONFLICT, "a pet with this id exists"),
        Error::VersionConflict { .. } => error(
            StatusCode::CONFLICT,
            "the pet was changed by someone else: read it again",
        ),
        Error::NotFound { .. } => error(StatusCode::NOT_FOUND, "no such pet"),
        Error::InvalidRequest(m) => error(StatusCode::BAD_REQUEST, m),
        Error::ItemTooLarge { .. } => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the pet is over DynamoDB's 400 KB item limit",
        ),
        // DynamoDB refused what the client sent (a cursor of another table, say).
        Error::Dynamo(e) if e.code() == Some("ValidationException") => error(
            StatusCode::BAD_REQUEST,
            "the request is not one DynamoDB takes",
        ),
        // The change is stored; only reading it back failed. A 500 would invite a retry
        // that applies it twice.
        Error::Applied { operation, .. } => {
            tracing::error!(
                operation,
                "the write was applied, but its answer cannot be read"
            );
            json_response(
                StatusCode::OK,
                json!({ "applied": true, "error": "the change is saved, but the stored pet cannot be read" }),
            )
        }
        other => {
            tracing::error!(error = %other, "request failed");
            eprintln!("request failed: {other}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// `id` as one path segment of a URL: every byte but the unreserved ones percent-encoded.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A response that ends a route early.
type Reject = Box<Response>;

fn reject(response: Response) -> Reject {
    Box::new(response)
}

fn failed(e: Error) -> Reject {
    reject(from_error(e))
}

type Answer = Result<Response, Reject>;

fn answer(a: Answer) -> Response {
    a.unwrap_or_else(|r| *r)
}

/// What a field of a request body holds, in the words a client reads.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Age,
    Version,
    Tags,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Age => "a whole number from 0 to 100",
            Kind::Version => "a whole number (the version that was read)",
            Kind::Tags => "a list of strings",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            Kind::Text => v.is_string(),
            // The range is the model's rule, which names it; here only the type.
            Kind::Age => v.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
            Kind::Version => v.as_u64().is_some(),
            Kind::Tags => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        }
    }
}

/// A field of a body: its name, what it holds, and whether it must be there.
type Field = (&'static str, Kind, bool);

const NEW_PET: &[Field] = &[
    ("id", Kind::Text, false),
    ("name", Kind::Text, true),
    ("age", Kind::Age, false),
    ("owner", Kind::Text, true),
    ("tags", Kind::Tags, false),
];

const PET_CHANGES: &[Field] = &[
    ("name", Kind::Text, false),
    ("age", Kind::Age, false),
    ("owner", Kind::Text, false),
    ("tags", Kind::Tags, false),
    ("version", Kind::Version, false),
];

fn bad_request(message: impl Into<String>) -> Reject {
    reject(error(StatusCode::BAD_REQUEST, message))
}

/// The body as `T`, or a 400 that says what is wrong with it in the client's terms (the
/// field and what it must hold), never in the Rust types' ("expected u32").
fn read_body<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    fields: &[Field],
) -> Result<T, Reject> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            reject(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over {MAX_BODY} bytes"),
            ))
        } else {
            bad_request("the body cannot be read")
        }
    })?;
    let names = fields.iter().map(|f| f.0).collect::<Vec<_>>().join(", ");
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(bad_request(format!(
            "the body is empty: send a JSON object with the fields {names}"
        )));
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        bad_request(format!(
            "the body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(map) = &value else {
        return Err(bad_request(format!(
            "the body must be a JSON object with the fields {names}"
        )));
    };
    for (key, v) in map {
        let Some((_, kind, required)) = fields.iter().find(|f| f.0 == key) else {
            return Err(bad_request(format!(
                "`{key}` is not a field here; the fields are {names}"
            )));
        };
        let absent = v.is_null() && !required;
        if !absent && !kind.accepts(v) {
            return Err(bad_request(format!("`{key}` must be {}", kind.describe())));
        }
    }
    if let Some((name, kind, _)) = fields
        .iter()
        .find(|(name, _, required)| *required && !map.contains_key(*name))
    {
        return Err(bad_request(format!(
            "`{name}` is missing: it is {}",
            kind.describe()
        )));
    }
    // Every field was checked above: what is left is a case the checks did not foresee.
    serde_json::from_value(value).map_err(|e| bad_request(format!("the body does not fit: {e}")))
}

/// The `{id}` (or `{owner}`) of the path, decoded.
fn path_param(param: Result<Path<String>, PathRejection>) -> Result<String, Reject> {
    let Path(value) =
        param.map_err(|_| bad_request("the path has a malformed escape (%XX) or is not UTF-8"))?;
    if value.len() > MAX_ID {
        return Err(bad_request(format!("an id is at most {MAX_ID} bytes")));
    }
    Ok(value)
}

/// `?limit` (1 to 100, 20 when absent) and `?cursor` (a `next` this API gave for the same
/// list: its key has the attributes `key` names, and the owner's, where `owner` is given).
/// Another list's cursor would start the page at a key that the list does not hold.
fn paging(
    query: Option<String>,
    key: &[&str],
    owner: Option<&str>,
) -> Result<(i32, Option<Cursor>), Reject> {
    let params: QueryMap = query.unwrap_or_default().parse().unwrap_or_default();
    let limit = match params.first("limit") {
        None => 20,
        Some(l) => match l.parse::<i32>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return Err(bad_request("limit is a number from 1 to 100")),
        },
    };
    let cursor = match params.first("cursor") {
        None => None,
        Some(c) => Some(
            c.parse::<Cursor>()
                .map_err(|_| bad_request("cursor is not one that this API gave"))?,
        ),
    };
    if let Some(c) = &cursor {
        let item = c.key();
        let same_list = item.len() == key.len()
            && key.iter().all(|k| item.contains_key(*k))
            && owner.is_none_or(|o| {
                item.get("owner").and_then(|v| v.as_s().ok()) == Some(&o.to_owned())
            });
        if !same_list {
            return Err(bad_request(
                "cursor is not one that this API gave for this list",
            ));
        }
    }
    Ok((limit, cursor))
}

/// A page as JSON: `items`, and `next`, the cursor of the page after it (null on the last).
/// One pet that does not fit the model must not hide the others: it is logged by its key
/// and left out, and the cursor moves past it.
fn page_json(page: Page<std::result::Result<Pet, dynomodel::query::Unreadable>>) -> Response {
    let mut pets = Vec::with_capacity(page.items.len());
    for item in page.items {
        match item {
            Ok(pet) => pets.push(pet),
            Err(bad) => {
                tracing::error!(key = ?bad.key, error = %bad.error, "a stored pet cannot be read");
                eprintln!("{bad}");
            }
        }
    }
    json_response(
        StatusCode::OK,
        json!({ "items": pets, "next": page.next.map(|c| c.to_string()) }),
    )
}

async fn list(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    answer(
        async {
            let (limit, cursor) = paging(query, &[Pet::HASH_KEY], None)?;
            let page = Pet::scan()
                .limit(limit)
                .start_at(cursor)
                .lenient()
                .exec(&app.db)
                .await
                .map_err(failed)?;
            Ok(page_json(page))
        }
        .await,
    )
}

async fn by_owner(
    State(app): State<App>,
    owner: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    answer(
        async {
            let owner = path_param(owner)?;
            // Owners are stored trimmed, and none is empty.
            let owner = owner.trim();
            if owner.is_empty() {
                return Err(bad_request("the owner must not be empty"));
            }
            // A page of the index starts at the index's key and the table's.
            let (limit, cursor) = paging(query, &[Pet::HASH_KEY, "owner", "name"], Some(owner))?;
            let f = Pet::fields();
            // An equality on `owner` alone: the `by_owner` index is chosen, sorted by name.
            let page = Pet::query(f.owner.eq(owner))
                .limit(limit)
                .start_at(cursor)
                .lenient()
                .exec(&app.db)
                .await
                .map_err(failed)?;
            Ok(page_json(page))
        }
        .await,
    )
}

async fn get_pet(State(app): State<App>, id: Result<Path<String>, PathRejection>) -> Response {
    answer(
        async {
            let id = path_param(id)?;
            match Pet::get(Pet::key(id)).exec(&app.db).await {
                Ok(Some(pet)) => Ok(json_response(StatusCode::OK, json!(pet))),
                Ok(None) => Err(reject(error(StatusCode::NOT_FOUND, "no such pet"))),
                Err(e) => Err(failed(e)),
            }
        }
        .await,
    )
}

async fn create(State(app): State<App>, body: Result<Bytes, BytesRejection>) -> Response {
    answer(
        async {
            let new: NewPet = read_body(body, NEW_PET)?;
            // The id is stored as the client wrote it less surrounding spaces, as names are.
            let id = match new.id {
                Some(id) => id.trim().to_owned(),
                None => uuid::Uuid::new_v4().to_string(),
            };
            if id.is_empty() {
                return Err(bad_request(
                    "`id` must not be empty (leave it out to get one)",
                ));
            }
            if id.len() > MAX_ID {
                return Err(bad_request(format!("an id is at most {MAX_ID} bytes")));
            }
            let mut pet = Pet {
                id,
                name: new.name,
                age: new.age,
                owner: new.owner,
                tags: new.tags,
                version: 0,
                created_at: None,
                updated_at: None,
            };
            pet.create(&app.db).await.map_err(failed)?;
            // The Location is the id as stored, one percent-encoded path segment: always a
            // valid header value.
            let location = HeaderValue::from_str(&format!("/pets/{}", path_segment(&pet.id)))
                .expect("a percent-encoded path is ASCII");
            let mut response = json_response(StatusCode::CREATED, json!(pet));
            response.headers_mut().insert(header::LOCATION, location);
            Ok(response)
        }
        .await,
    )
}

async fn patch(
    State(app): State<App>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    answer(
        async {
            let id = path_param(id)?;
            let changes: PetChanges = read_body(body, PET_CHANGES)?;
            let f = Pet::fields();
            let mut update = Pet::update(Pet::key(id));
            if let Some(name) = changes.name {
                update = update.set(f.name, name);
            }
            if let Some(age) = changes.age {
                update = update.set(f.age, age);
            }
            if let Some(owner) = changes.owner {
                update = update.set(f.owner, owner);
            }
            if let Some(tags) = changes.tags {
                update = update.set(f.tags, tags);
            }
            if let Some(v) = changes.version {
                update = update.expect_version(v);
            }
            let pet = update.exec(&app.db).await.map_err(failed)?;
            Ok(json_response(StatusCode::OK, json!(pet)))
        }
        .await,
    )
}

async fn delete(State(app): State<App>, id: Result<Path<String>, PathRejection>) -> Response {
    answer(
        async {
            let id = path_param(id)?;
            match Pet::delete(Pet::key(id)).must_exist().exec(&app.db).await {
                // Deleted; only the old item could not be read, which the answer does not show.
                Ok(_) | Err(Error::Applied { .. }) => {}
                Err(e) => return Err(failed(e)),
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        .await,
    )
}
