//! The pets API: one handler for every route, shared by the Lambda, the local server and the
//! tests. It creates no table: on Lambda the table exists before the function does.

use std::collections::BTreeSet;

use dynomodel::prelude::*;
use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
struct PetChanges {
    name: Option<String>,
    age: Option<u32>,
    owner: Option<String>,
    tags: Option<BTreeSet<String>>,
    version: Option<u64>,
}

/// What the handler needs: the table's `Db`, built once per Lambda instance.
#[derive(Clone)]
pub struct App {
    pub db: Db,
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a status and a header always build")
}

fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json_response(status, json!({ "error": message.into() }))
}

/// The response for an error from dynomodel: what the client can act on, and nothing of the
/// internals for the rest.
fn from_error(e: Error) -> Response<Body> {
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
type Reject = Box<Response<Body>>;

fn reject(response: Response<Body>) -> Reject {
    Box::new(response)
}

fn failed(e: Error) -> Reject {
    reject(from_error(e))
}

fn body_json<T: for<'de> Deserialize<'de>>(req: &Request) -> Result<T, Reject> {
    let bytes: &[u8] = req.body().as_ref();
    serde_json::from_slice(bytes).map_err(|e| {
        // serde names the Rust type it expected ("expected struct NewPet"): the client is
        // told what to send instead.
        let message = if e.to_string().contains("expected struct") {
            "the body must be a JSON object".to_owned()
        } else {
            format!("invalid JSON body: {e}")
        };
        reject(error(StatusCode::BAD_REQUEST, message))
    })
}

/// The largest request body taken: a pet is well under 1 KiB.
pub const MAX_BODY: usize = 64 * 1024;

/// DynamoDB's limit on a partition key value, in bytes.
const MAX_ID: usize = 2048;

/// `text` with its `%XX` escapes decoded; `None` where an escape is malformed or the result
/// is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Answers one request. It never fails: every error is a response.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let body_len = match req.body() {
        Body::Text(t) => t.len(),
        Body::Binary(b) => b.len(),
        _ => 0,
    };
    if body_len > MAX_BODY {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over {MAX_BODY} bytes"),
        );
    }
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let Some(decoded): Option<Vec<String>> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect()
    else {
        return error(StatusCode::BAD_REQUEST, "the path has a malformed escape");
    };
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    if segments.iter().any(|s| s.len() > MAX_ID) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("an id is at most {MAX_ID} bytes"),
        );
    }
    // An HTTP API stage other than $default comes first in the path: `/prod/pets/1`.
    let start = segments.iter().position(|s| *s == "pets").unwrap_or(0);
    let result = match (req.method().clone(), &segments[start..]) {
        (Method::GET, ["pets"]) => list(app, &req).await,
        (Method::POST, ["pets"]) => create(app, &req).await,
        (Method::GET, ["pets", id]) => get(app, id).await,
        (Method::PATCH, ["pets", id]) => patch(app, id, &req).await,
        (Method::DELETE, ["pets", id]) => delete(app, id).await,
        (_, ["pets"]) | (_, ["pets", _]) => {
            return error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => return error(StatusCode::NOT_FOUND, format!("no route for {path}")),
    };
    result.unwrap_or_else(|response| *response)
}

type Answer = Result<Response<Body>, Reject>;

async fn list(app: &App, req: &Request) -> Answer {
    let params = req.query_string_parameters();
    let limit = match params.first("limit") {
        None => 20,
        Some(l) => match l.parse::<i32>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(reject(error(
                    StatusCode::BAD_REQUEST,
                    "limit is a number from 1 to 100",
                )))
            }
        },
    };
    let cursor = match params.first("cursor") {
        None => None,
        Some(c) => Some(c.parse::<Cursor>().map_err(|_| {
            reject(error(
                StatusCode::BAD_REQUEST,
                "cursor is not one that this API gave",
            ))
        })?),
    };
    // One pet that does not fit the model must not hide the others: it is logged by its
    // key and left out, and the cursor moves past it.
    let page = Pet::scan()
        .limit(limit)
        .start_at(cursor)
        .lenient()
        .exec(&app.db)
        .await
        .map_err(failed)?;
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
    Ok(json_response(
        StatusCode::OK,
        json!({ "items": pets, "next": page.next.map(|c| c.to_string()) }),
    ))
}

async fn get(app: &App, id: &str) -> Answer {
    match Pet::get(Pet::key(id)).exec(&app.db).await {
        Ok(Some(pet)) => Ok(json_response(StatusCode::OK, json!(pet))),
        Ok(None) => Err(reject(error(StatusCode::NOT_FOUND, "no such pet"))),
        Err(e) => Err(failed(e)),
    }
}

async fn create(app: &App, req: &Request) -> Answer {
    let new: NewPet = body_json(req)?;
    let mut pet = Pet {
        id: new.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        name: new.name,
        age: new.age,
        owner: new.owner,
        tags: new.tags,
        version: 0,
        created_at: None,
        updated_at: None,
    };
    if pet.id.is_empty() {
        return Err(reject(error(
            StatusCode::BAD_REQUEST,
            "id must not be empty",
        )));
    }
    // Everything that can refuse the request is done before the pet is stored.
    let location: header::HeaderValue = format!("/pets/{}", path_segment(pet.id.trim()))
        .parse()
        .map_err(|_| reject(error(StatusCode::BAD_REQUEST, "id is not valid in a URL")))?;
    pet.create(&app.db).await.map_err(failed)?;
    let mut response = json_response(StatusCode::CREATED, json!(pet));
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

async fn patch(app: &App, id: &str, req: &Request) -> Answer {
    let changes: PetChanges = body_json(req)?;
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

async fn delete(app: &App, id: &str) -> Answer {
    match Pet::delete(Pet::key(id)).must_exist().exec(&app.db).await {
        // Deleted; only the old item could not be read, which the answer does not show.
        Ok(_) | Err(Error::Applied { .. }) => {}
        Err(e) => return Err(failed(e)),
    }
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("a status always builds"))
}
