//! What users reach for once the basics work: conditional saves and lists that may be
//! missing.

use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "routes")]
struct Route {
    #[dynomodel(hash_key)]
    id: String,
    owner: Option<String>,
    #[dynomodel(validate(length(max = 3)))]
    stops: Option<Vec<String>>,
    #[dynomodel(version)]
    version: u64,
}

fn route(id: &str) -> Route {
    Route {
        id: id.into(),
        owner: None,
        stops: None,
        version: 0,
    }
}

#[tokio::test]
async fn a_save_can_carry_a_condition() {
    let db = common::db().await;
    Route::create_table().exec(&db).await.unwrap();
    let mut r = route("r");
    r.create(&db).await.unwrap();
    let f = Route::fields();

    let mut mine = r.clone();
    mine.owner = Some("ann".into());
    mine.save_if(&db, f.owner.not_exists()).await.unwrap();
    assert_eq!(mine.version, 2);

    // Someone else tries the same on a fresh read: the condition no longer holds.
    let mut theirs = Route::get(Route::key("r"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    theirs.owner = Some("bob".into());
    let err = theirs.save_if(&db, f.owner.not_exists()).await.unwrap_err();
    let Error::ConditionFailed {
        item: Some(stored), ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(Route::from_item(stored).unwrap(), mine);
    assert_eq!(theirs.version, 2, "a failed save changes nothing");

    // A stale struct is a version conflict, whatever the condition.
    let mut stale = r.clone();
    let err = stale.save_if(&db, f.owner.exists()).await.unwrap_err();
    assert!(matches!(err, Error::VersionConflict { .. }), "{err:?}");
}

#[tokio::test]
async fn append_and_prepend_work_on_an_optional_list() {
    let db = common::db().await;
    Route::create_table().exec(&db).await.unwrap();
    route("o").create(&db).await.unwrap();
    let f = Route::fields();
    let r = Route::update(Route::key("o"))
        .append(&f.stops, ["b".to_owned()])
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(r.stops, Some(vec!["b".to_owned()]));
    let r = Route::update(Route::key("o"))
        .prepend(&f.stops, ["a".to_owned()])
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(r.stops, Some(vec!["a".to_owned(), "b".to_owned()]));
    // length(max = 3) holds on the stored list.
    let err = Route::update(Route::key("o"))
        .append(&f.stops, ["c".to_owned(), "d".to_owned()])
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}
