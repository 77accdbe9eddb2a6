//! examples/pets-api through its axum Router, as the local server serves it: every route,
//! and the paths and methods that are no route answer 404 or 405 and change nothing.

use axum::body::Body;
use axum::http::Request;
use dynomodel::prelude::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::common;
use crate::lambda::pets_api::{self, App, Pet};

struct Answer {
    status: u16,
    body: Value,
    location: Option<String>,
}

async fn send(app: &App, method: &str, uri: &str, body: Option<&str>) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
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
    Answer {
        status,
        body,
        location,
    }
}

async fn app() -> App {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    App { db }
}

async fn add(app: &App, id: &str, name: &str, owner: &str) {
    let body = json!({ "id": id, "name": name, "owner": owner }).to_string();
    let a = send(app, "POST", "/pets", Some(&body)).await;
    assert_eq!(a.status, 201, "{}", a.body);
}

/// Every stored pet as `(id, name, owner, age, version)`, sorted: what a request changed.
async fn stored(app: &App) -> Vec<(String, String, String, u32, u64)> {
    let mut pets: Vec<_> = Pet::scan()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.name, p.owner, p.age, p.version))
        .collect();
    pets.sort();
    pets
}

/// Follows `next` from `first` to the last page: the ids in order, and the number of pages.
async fn pages(app: &App, first: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut uri = first.to_owned();
    let mut pages = 0;
    loop {
        let a = send(app, "GET", &uri, None).await;
        assert_eq!(a.status, 200, "{}", a.body);
        pages += 1;
        for p in a.body["items"].as_array().unwrap() {
            ids.push(p["id"].as_str().unwrap().to_owned());
        }
        match a.body["next"].as_str() {
            // The cursor's text is URL-safe base64: it goes into a query as it is.
            Some(next) => uri = format!("{first}&cursor={next}"),
            None => return (ids, pages),
        }
    }
}

#[tokio::test]
async fn post_then_get_patch_and_delete_one_pet() {
    let app = app().await;
    let a = send(
        &app,
        "POST",
        "/pets",
        Some(r#"{"id":"p1","name":" Rex ","owner":"ann","age":3,"tags":["good"]}"#),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.location.as_deref(), Some("/pets/p1"));
    assert_eq!(
        (a.body["name"].as_str(), a.body["version"].as_u64()),
        (Some("Rex"), Some(1))
    );

    let a = send(&app, "GET", "/pets/p1", None).await;
    assert_eq!((a.status, a.body["owner"].as_str()), (200, Some("ann")));

    let a = send(&app, "PATCH", "/pets/p1", Some(r#"{"age":4,"version":1}"#)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        (a.body["age"].as_u64(), a.body["version"].as_u64()),
        (Some(4), Some(2))
    );
    let a = send(&app, "PATCH", "/pets/p1", Some(r#"{"age":5,"version":1}"#)).await;
    assert_eq!(a.status, 409, "a stale version");

    let a = send(&app, "DELETE", "/pets/p1", None).await;
    assert_eq!(a.status, 204);
    let a = send(&app, "GET", "/pets/p1", None).await;
    assert_eq!(a.status, 404);
    let a = send(&app, "DELETE", "/pets/p1", None).await;
    assert_eq!(a.status, 404);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn get_pets_pages_every_pet_with_a_cursor() {
    let app = app().await;
    for i in 0..7 {
        add(
            &app,
            &format!("l{i}"),
            &format!("Pet {i}"),
            ["ann", "bob"][i % 2],
        )
        .await;
    }
    let (mut ids, n) = pages(&app, "/pets?limit=3").await;
    assert!(n >= 3, "{n} pages");
    ids.sort();
    assert_eq!(ids, ["l0", "l1", "l2", "l3", "l4", "l5", "l6"]);
    for bad in ["/pets?limit=0", "/pets?limit=x", "/pets?cursor=bogus"] {
        let a = send(&app, "GET", bad, None).await;
        assert_eq!(a.status, 400, "{bad}: {}", a.body);
    }
}

#[tokio::test]
async fn get_owners_pets_is_one_owners_pets_by_name_with_a_cursor() {
    let app = app().await;
    add(&app, "a1", "Zed", "ann").await;
    add(&app, "a2", "Bo", "ann").await;
    add(&app, "a3", "Max", "ann").await;
    add(&app, "b1", "Ace", "bob").await;
    let (ids, n) = pages(&app, "/owners/ann/pets?limit=2").await;
    assert_eq!(ids, ["a2", "a3", "a1"], "ann's pets, by name");
    assert_eq!(n, 2);
    let a = send(&app, "GET", "/owners/bob/pets", None).await;
    assert_eq!(a.body["items"][0]["id"], "b1");
    assert_eq!(a.body["items"].as_array().unwrap().len(), 1);
    let a = send(&app, "GET", "/owners/nobody/pets", None).await;
    assert_eq!((a.status, a.body["items"].clone()), (200, json!([])));
    // An owner with a space and a slash: one path segment, decoded.
    add(&app, "c1", "Odd", "a b/c").await;
    let a = send(&app, "GET", "/owners/a%20b%2Fc/pets", None).await;
    assert_eq!(a.body["items"][0]["id"], "c1", "{}", a.body);
}

#[tokio::test]
async fn what_is_no_route_is_404_or_405_and_changes_nothing() {
    let app = app().await;
    add(&app, "k1", "Rex", "ann").await;
    add(&app, "k2", "Bo", "bob").await;
    let before = stored(&app).await;
    let body = r#"{"id":"new","name":"New","owner":"x"}"#;
    for (method, uri, status) in [
        // Once answered by whatever route ended in `pets`: no more.
        ("POST", "/owners/ann/pets", 405),
        ("DELETE", "/owners/ann/pets", 405),
        ("DELETE", "/a/b/pets/k1", 404),
        ("GET", "/a/b/pets/k1", 404),
        ("POST", "/x/pets", 404),
        ("PATCH", "/x/pets/k1", 404),
        ("GET", "/owners/ann", 404),
        ("GET", "/owners", 404),
        ("GET", "/pets/k1/extra", 404),
        ("DELETE", "/pets/k1/extra", 404),
        ("GET", "/pets/", 404),
        ("GET", "/", 404),
        ("GET", "/nothing", 404),
        ("DELETE", "/pets", 405),
        ("PUT", "/pets/k1", 405),
        ("POST", "/pets/k1", 405),
    ] {
        let a = send(&app, method, uri, Some(body)).await;
        assert_eq!(a.status, status, "{method} {uri}: {}", a.body);
        assert!(a.body["error"].is_string(), "{method} {uri}: {}", a.body);
    }
    assert_eq!(stored(&app).await, before, "nothing changed");
}

#[tokio::test]
async fn location_names_the_stored_pet() {
    let app = app().await;
    let a = send(
        &app,
        "POST",
        "/pets",
        Some(r#"{"id":"  loc-spaced  ","name":"Rex","owner":"ann"}"#),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["id"], "loc-spaced");
    assert_eq!(a.location.as_deref(), Some("/pets/loc-spaced"));
    let a = send(&app, "GET", a.location.as_deref().unwrap(), None).await;
    assert_eq!((a.status, a.body["id"].as_str()), (200, Some("loc-spaced")));

    for (id, location) in [
        ("a b/c", "/pets/a%20b%2Fc"),
        ("é?#%", "/pets/%C3%A9%3F%23%25"),
    ] {
        let body = json!({ "id": id, "name": "Rex", "owner": "ann" }).to_string();
        let a = send(&app, "POST", "/pets", Some(&body)).await;
        assert_eq!((a.status, a.location.as_deref()), (201, Some(location)));
        let a = send(&app, "GET", location, None).await;
        assert_eq!(
            (a.status, a.body["id"].as_str()),
            (200, Some(id)),
            "{location}"
        );
    }
    let a = send(
        &app,
        "POST",
        "/pets",
        Some(r#"{"id":"   ","name":"Rex","owner":"ann"}"#),
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.body);
    // No id: one is made, and the Location names it.
    let a = send(
        &app,
        "POST",
        "/pets",
        Some(r#"{"name":"Rex","owner":"ann"}"#),
    )
    .await;
    let id = a.body["id"].as_str().unwrap();
    assert_eq!(a.location, Some(format!("/pets/{id}")));
}

#[tokio::test]
async fn bad_requests_say_what_was_wrong_in_the_clients_words() {
    let app = app().await;
    add(&app, "b1", "Rex", "ann").await;
    let before = stored(&app).await;
    for (method, uri, body, expected) in [
        (
            "POST",
            "/pets",
            r#"{"name":"Rex","owner":"ann","age":"three"}"#,
            "`age` must be a whole number from 0 to 100",
        ),
        (
            "POST",
            "/pets",
            r#"{"name":"Rex","owner":"ann","age":-1}"#,
            "`age` must be a whole number from 0 to 100",
        ),
        (
            "POST",
            "/pets",
            r#"{"name":"Rex"}"#,
            "`owner` is missing: it is a string",
        ),
        (
            "POST",
            "/pets",
            r#"{"name":7,"owner":"ann"}"#,
            "`name` must be a string",
        ),
        (
            "POST",
            "/pets",
            r#"{"name":"Rex","owner":"ann","tags":"cute"}"#,
            "`tags` must be a list of strings",
        ),
        (
            "POST",
            "/pets",
            r#"{"name":"Rex","owner":"ann","colour":"red"}"#,
            "`colour` is not a field here; the fields are id, name, age, owner, tags",
        ),
        (
            "POST",
            "/pets",
            r#"{"name": "#,
            "the body is not valid JSON (line 1, column 9)",
        ),
        (
            "POST",
            "/pets",
            "[]",
            "the body must be a JSON object with the fields id, name, age, owner, tags",
        ),
        (
            "POST",
            "/pets",
            "",
            "the body is empty: send a JSON object with the fields id, name, age, owner, tags",
        ),
        (
            "PATCH",
            "/pets/b1",
            r#"{"version":"1"}"#,
            "`version` must be a whole number (the version that was read)",
        ),
        (
            "PATCH",
            "/pets/b1",
            r#"{"id":"b2"}"#,
            "`id` is not a field here; the fields are name, age, owner, tags, version",
        ),
    ] {
        let a = send(&app, method, uri, Some(body)).await;
        assert_eq!(
            (a.status, a.body["error"].as_str()),
            (400, Some(expected)),
            "{body}"
        );
    }
    // The model's own rules: each failure names its field.
    let a = send(
        &app,
        "POST",
        "/pets",
        Some(r#"{"name":"","owner":"ann","age":101}"#),
    )
    .await;
    assert_eq!(a.status, 400);
    let paths: Vec<&str> = a.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["name", "age"], "{}", a.body);
    for a in [
        send(&app, "GET", "/pets?limit=1000", None).await,
        send(&app, "GET", "/pets/%FF", None).await,
    ] {
        assert_eq!(a.status, 400, "{}", a.body);
        let text = a.body.to_string();
        assert!(
            !text.contains("expected") && !text.contains("u32"),
            "{text}"
        );
    }
    assert_eq!(stored(&app).await, before, "nothing changed");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = app().await;
    let big = format!(
        r#"{{"name":"{}","owner":"ann"}}"#,
        "x".repeat(pets_api::MAX_BODY)
    );
    // With a length the layer refuses it before reading; without one (a stream), the
    // reading stops at the limit.
    let a = send(&app, "POST", "/pets", Some(&big)).await;
    assert_eq!(a.status, 413, "{}", a.body);
    let chunks = futures::stream::iter(
        big.as_bytes()
            .chunks(1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let request = Request::post("/pets")
        .body(Body::from_stream(chunks))
        .unwrap();
    let response = pets_api::router(app.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert!(stored(&app).await.is_empty());
}

#[tokio::test]
async fn an_empty_owner_or_a_cursor_of_another_page_is_a_400_that_says_so() {
    let app = app().await;
    for (id, owner) in [("a1", "ann"), ("a2", "ann"), ("b1", "bob"), ("b2", "bob")] {
        add(&app, id, "Rex", owner).await;
    }
    for uri in ["/owners//pets", "/owners/%20%20/pets"] {
        let a = send(&app, "GET", uri, None).await;
        assert_eq!(
            (a.status, a.body["error"].as_str()),
            (400, Some("the owner must not be empty")),
            "{uri}"
        );
    }
    let next = |a: Answer| a.body["next"].as_str().unwrap().to_owned();
    let bobs = next(send(&app, "GET", "/owners/bob/pets?limit=1", None).await);
    let all = next(send(&app, "GET", "/pets?limit=1", None).await);
    // A cursor is good for the list that gave it: another owner's, or the other route's,
    // is refused here, not sent to DynamoDB to be refused there in its words.
    for uri in [
        format!("/owners/ann/pets?cursor={bobs}"),
        format!("/owners/ann/pets?cursor={all}"),
        format!("/pets?cursor={bobs}"),
    ] {
        let a = send(&app, "GET", &uri, None).await;
        assert_eq!(
            (a.status, a.body["error"].as_str()),
            (
                400,
                Some("cursor is not one that this API gave for this list")
            ),
            "{uri}"
        );
    }
    let a = send(
        &app,
        "GET",
        &format!("/owners/bob/pets?cursor={bobs}"),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
}
