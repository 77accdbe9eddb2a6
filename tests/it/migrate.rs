//! A table created from version 1 of a model gains version 2's index and TTL in place.

use dynomodel::prelude::*;
use dynomodel::schema::migrate::{plan, Change};
use serde::{Deserialize, Serialize};

use crate::common;

mod v1 {
    use super::*;
    #[derive(Model, Serialize, Deserialize, Debug, Clone)]
    #[dynomodel(table = "evolving")]
    pub struct Pet {
        #[dynomodel(hash_key)]
        pub id: String,
        pub owner: String,
        pub expires: Option<i64>,
    }
}

mod v2 {
    use super::*;
    #[derive(Model, Serialize, Deserialize, Debug, Clone)]
    #[dynomodel(table = "evolving", gsi(name = "by_owner", hash = "owner"))]
    pub struct Pet {
        #[dynomodel(hash_key)]
        pub id: String,
        pub owner: String,
        #[dynomodel(ttl)]
        pub expires: Option<i64>,
    }
}

mod v3 {
    use super::*;
    #[derive(Model, Serialize, Deserialize, Debug, Clone)]
    #[dynomodel(table = "evolving")]
    pub struct Pet {
        #[dynomodel(hash_key)]
        pub owner: String,
        #[dynomodel(range_key)]
        pub id: String,
    }
}

#[tokio::test]
async fn a_table_gains_the_next_versions_index_and_ttl() {
    let db = common::schema_db().await;
    let fresh = plan(&v1::Pet::create_table(), &db).await.unwrap();
    assert_eq!(fresh.changes, [Change::CreateTable]);
    v1::Pet::create_table().exec(&db).await.unwrap();
    for (id, owner) in [("1", "ann"), ("2", "bob"), ("3", "ann")] {
        let mut p = v1::Pet {
            id: id.into(),
            owner: owner.into(),
            expires: None,
        };
        p.create(&db).await.unwrap();
    }
    assert!(plan(&v1::Pet::create_table(), &db)
        .await
        .unwrap()
        .changes
        .is_empty());

    let next = plan(&v2::Pet::create_table(), &db).await.unwrap();
    let text = next.to_string();
    eprintln!("{text}");
    assert!(
        text.contains("+ add global secondary index `by_owner`"),
        "{text}"
    );
    assert!(text.contains("~ turn on TTL on `expires`"), "{text}");
    assert!(
        matches!(&next.changes[..], [Change::AddIndex(_), Change::Ttl(_)]),
        "{next:?}"
    );
    let done = next.apply(&db, false).await.unwrap();
    assert_eq!(done.len(), 2);

    let f = v2::Pet::fields();
    let anns = v2::Pet::query(f.owner.eq("ann")).all(&db).await.unwrap();
    assert_eq!(anns.len(), 2, "the new index answers, backfilled");
    assert!(plan(&v2::Pet::create_table(), &db)
        .await
        .unwrap()
        .changes
        .is_empty());

    // A stream, asked for later, is turned on.
    let streamed =
        v2::Pet::create_table().stream(aws_sdk_dynamodb::types::StreamViewType::NewImage);
    let with_stream = plan(&streamed, &db).await.unwrap();
    assert!(
        matches!(&with_stream.changes[..], [Change::Stream { .. }]),
        "{with_stream}"
    );
    with_stream.apply(&db, false).await.unwrap();
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name("evolving"))
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert!(table
        .stream_specification()
        .is_some_and(|s| s.stream_enabled()));
    assert!(plan(&streamed, &db).await.unwrap().changes.is_empty());

    // Back to version 1: the index is listed, and kept unless asked.
    let back = plan(&v1::Pet::create_table(), &db).await.unwrap();
    assert_eq!(back.changes, [Change::RemoveIndex("by_owner".into())]);
    assert!(back.apply(&db, false).await.unwrap().is_empty());

    // Other keys cannot be had in place.
    let blocked = plan(&v3::Pet::create_table(), &db).await.unwrap();
    assert!(
        matches!(blocked.changes.first(), Some(Change::Blocked(_))),
        "{blocked}"
    );
    assert!(blocked.apply(&db, false).await.is_err());
}

mod shared_v1 {
    use super::*;
    #[derive(Table)]
    #[dynomodel(
        name = "shared_evolving",
        pk = "pk",
        sk = "sk",
        gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk")
    )]
    pub struct Store;
}

mod shared_v2 {
    use super::*;
    #[derive(Table)]
    #[dynomodel(
        name = "shared_evolving",
        pk = "pk",
        sk = "sk",
        ttl = "expires",
        gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"),
        gsi(name = "gsi2", pk = "gsi2pk", sk = "gsi2sk")
    )]
    pub struct Store;
}

#[tokio::test]
async fn a_shared_table_gains_an_index_and_a_ttl_for_all_its_entities() {
    let db = common::schema_db().await;
    shared_v1::Store::create_table().exec(&db).await.unwrap();
    let p = plan(&shared_v2::Store::create_table(), &db).await.unwrap();
    assert_eq!(p.changes.len(), 2, "{p}");
    assert!(p.to_string().contains("gsi2"), "{p}");
    p.apply(&db, false).await.unwrap();
    let again = plan(&shared_v2::Store::create_table(), &db).await.unwrap();
    assert!(again.changes.is_empty(), "{again}");
}
