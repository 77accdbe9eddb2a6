//! What must never happen: a write decides about an item past its TTL (which DynamoDB has
//! not deleted yet) otherwise than about no item. Every read answers no item for it; so every
//! write, single or in a transaction, answers as on no item and leaves what a write on no
//! item leaves: no attribute of the expired item survives an upsert, an update does not bring
//! it back, a conditional delete does not report it.
//!
//! The property test runs each generated write twice: on a table where the key holds an
//! item past its TTL, and on one where it holds nothing; the answers and what every read
//! gives afterwards must be the same. The tables have no TTL turned on, so that DynamoDB
//! Local keeps the expired items for as long as the test needs them.

use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

/// A model of a table of its own with a TTL and a version.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "tickets")]
pub struct Ticket {
    #[dynomodel(hash_key)]
    pub id: String,
    pub owner: String,
    #[dynomodel(default = 0)]
    pub n: u32,
    #[dynomodel(ttl)]
    pub until: Option<i64>,
    #[dynomodel(version)]
    pub version: u64,
}

#[derive(Table)]
#[dynomodel(name = "counters", pk = "pk", sk = "sk")]
pub struct Counters;

/// The same fields in a shared table (the entity attribute, key templates).
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Counters, entity = "stub", pk = "STUB#{id}", sk = "S")]
pub struct Stub {
    pub id: String,
    pub owner: String,
    #[dynomodel(default = 0)]
    pub n: u32,
    #[dynomodel(ttl)]
    pub until: Option<i64>,
    #[dynomodel(version)]
    pub version: u64,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const OWNERS: [&str; 2] = ["ann", "bob"];

/// The item past its TTL under the key (in one of the two worlds).
#[derive(Debug, Clone)]
struct Stale {
    owner: usize,
    n: u32,
    /// Its version attribute (none: written without one).
    version: Option<u64>,
    /// An attribute that no field of the model has.
    legacy: bool,
}

/// One write, as a user makes it.
#[derive(Debug, Clone)]
enum Write {
    Create {
        owner: usize,
    },
    /// A save of a model whose version says what was read (0: a new item).
    Save {
        owner: usize,
        version: u64,
    },
    SaveIf {
        owner: usize,
        if_owner: usize,
    },
    Update {
        n: u32,
        version: Option<u64>,
        if_owner: Option<usize>,
        old: bool,
    },
    Upsert {
        owner: usize,
        n: u32,
        old: bool,
    },
    Delete {
        must_exist: bool,
        version: Option<u64>,
        if_owner: Option<usize>,
    },
    TxCreate {
        owner: usize,
    },
    TxUpdate {
        n: u32,
        upsert: bool,
    },
    TxDelete {
        must_exist: bool,
    },
    TxCheck {
        owner: usize,
    },
}

fn stale() -> impl Strategy<Value = Stale> {
    (0..2usize, 0..3u32, prop::option::of(1..3u64), any::<bool>()).prop_map(
        |(owner, n, version, legacy)| Stale {
            owner,
            n,
            version,
            legacy,
        },
    )
}

fn write() -> impl Strategy<Value = Write> {
    let owner = 0..2usize;
    prop_oneof![
        owner.clone().prop_map(|owner| Write::Create { owner }),
        (owner.clone(), 0..3u64).prop_map(|(owner, version)| Write::Save { owner, version }),
        (owner.clone(), owner.clone())
            .prop_map(|(owner, if_owner)| Write::SaveIf { owner, if_owner }),
        (
            0..5u32,
            prop::option::of(0..3u64),
            prop::option::of(owner.clone()),
            any::<bool>()
        )
            .prop_map(|(n, version, if_owner, old)| Write::Update {
                n,
                version,
                if_owner,
                old
            }),
        (owner.clone(), 0..5u32, any::<bool>()).prop_map(|(owner, n, old)| Write::Upsert {
            owner,
            n,
            old
        }),
        (
            any::<bool>(),
            prop::option::of(0..3u64),
            prop::option::of(owner.clone())
        )
            .prop_map(|(must_exist, version, if_owner)| Write::Delete {
                must_exist,
                version,
                if_owner
            }),
        owner.clone().prop_map(|owner| Write::TxCreate { owner }),
        (0..5u32, any::<bool>()).prop_map(|(n, upsert)| Write::TxUpdate { n, upsert }),
        any::<bool>().prop_map(|must_exist| Write::TxDelete { must_exist }),
        owner.prop_map(|owner| Write::TxCheck { owner }),
    ]
}

/// What a write answered, without the table's name (the two worlds' prefixes differ).
fn answer<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(Error::TransactionCanceled { reasons }) => {
            let codes: Vec<_> = reasons.iter().map(|r| (r.index, r.code.clone())).collect();
            format!("TransactionCanceled({codes:?})")
        }
        Err(e) => {
            let text = format!("{e:?}");
            let variant = text.split([' ', '{', '(']).next().unwrap_or_default();
            format!("Err({variant})")
        }
    }
}

/// The writes and reads of the test, for one model `T` (every model here has the same fields).
macro_rules! writes_of {
    ($module:ident, $model:ty) => {
        mod $module {
            use super::*;
            type T = $model;

            pub fn ticket(id: &str, owner: usize, version: u64) -> T {
                T {
                    id: id.into(),
                    owner: OWNERS[owner].into(),
                    n: 7,
                    until: Some(now() + 3600),
                    version,
                }
            }

            /// Makes the write on the key `id` of `db` and answers what it answered.
            pub async fn make(db: &Db, id: &str, w: &Write) -> String {
                let f = T::fields();
                let key = || T::key(id);
                match w.clone() {
                    Write::Create { owner } => answer(ticket(id, owner, 0).create(db).await),
                    Write::Save { owner, version } => {
                        answer(ticket(id, owner, version).save(db).await)
                    }
                    Write::SaveIf { owner, if_owner } => answer(
                        ticket(id, owner, 0)
                            .save_if(db, f.owner.eq(OWNERS[if_owner]))
                            .await,
                    ),
                    Write::Update {
                        n,
                        version,
                        if_owner,
                        old,
                    } => {
                        let mut u = T::update(key()).set(&f.n, n);
                        if let Some(v) = version {
                            u = u.expect_version(v);
                        }
                        if let Some(o) = if_owner {
                            u = u.condition(f.owner.eq(OWNERS[o]));
                        }
                        match old {
                            true => answer(u.exec_old(db).await),
                            false => answer(u.exec(db).await),
                        }
                    }
                    Write::Upsert { owner, n, old } => {
                        let u = T::update(key())
                            .set(&f.owner, OWNERS[owner])
                            .set(&f.n, n)
                            .upsert();
                        match old {
                            true => answer(u.exec_old(db).await),
                            false => answer(u.exec(db).await),
                        }
                    }
                    Write::Delete {
                        must_exist,
                        version,
                        if_owner,
                    } => {
                        let mut d = T::delete(key());
                        if must_exist {
                            d = d.must_exist();
                        }
                        if let Some(v) = version {
                            d = d.expect_version(v);
                        }
                        if let Some(o) = if_owner {
                            d = d.condition(f.owner.eq(OWNERS[o]));
                        }
                        answer(d.exec(db).await)
                    }
                    Write::TxCreate { owner } => {
                        let mut t = ticket(id, owner, 0);
                        answer(Transaction::new().create(&mut t).exec(db).await)
                    }
                    Write::TxUpdate { n, upsert } => {
                        let mut u = T::update(key()).set(&f.n, n);
                        if upsert {
                            u = u.set(&f.owner, "ann").upsert();
                        }
                        answer(Transaction::new().update(u).exec(db).await)
                    }
                    Write::TxDelete { must_exist } => {
                        let mut d = T::delete(key());
                        if must_exist {
                            d = d.must_exist();
                        }
                        answer(Transaction::new().delete(d).exec(db).await)
                    }
                    Write::TxCheck { owner } => answer(
                        Transaction::new()
                            .condition_check(key(), f.owner.eq(OWNERS[owner]))
                            .exec(db)
                            .await,
                    ),
                }
            }

            /// What reads give of the key afterwards: `get`, and the stored item where `get` gives one
            /// (every attribute: nothing of an expired item may survive in it).
            pub async fn seen(
                db: &Db,
                id: &str,
            ) -> (Option<T>, Option<Vec<(String, AttributeValue)>>) {
                let got = T::get(T::key(id)).exec(db).await.unwrap();
                let raw = match got {
                    None => None,
                    Some(_) => {
                        let out = db
                            .client()
                            .get_item()
                            .table_name(db.table_name(T::TABLE))
                            .set_key(Some(T::key(id).into_item()))
                            .consistent_read(true)
                            .send()
                            .await
                            .unwrap();
                        let mut item: Vec<_> = out.item.unwrap_or_default().into_iter().collect();
                        // The TTL of a new item is taken when it is written: seconds apart in the two worlds.
                        item.retain(|(k, _)| k != "until");
                        item.sort_by(|a, b| a.0.cmp(&b.0));
                        Some(item)
                    }
                };
                let got = got.map(|t| T { until: None, ..t });
                (got, raw)
            }
        }
    };
}

writes_of!(plain, Ticket);
writes_of!(shared, Stub);

/// The property, for the model and module of `writes_of!` and the table to create.
macro_rules! decides_as_on_no_item {
    ($module:ident, $model:ty, $table:ty) => {{
        let props = common::Props::new(96, 32);
        let (expired_db, empty_db) = props.block_on(async {
            let (a, b) = (common::db().await, common::db().await);
            for db in [&a, &b] {
                // No TTL turned on: DynamoDB Local keeps the expired items.
                <$table>::create_table().without_ttl().exec(db).await.unwrap();
            }
            (a, b)
        });
        let (next, made) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let ran = props.run(&(stale(), write()), |(stale, w)| {
            let (expired_db, empty_db, made) = (&expired_db, &empty_db, &made);
            let id = format!("k{}", next.fetch_add(1, Ordering::Relaxed));
            async move {
                let mut item = $module::ticket(&id, stale.owner, 1).to_item().unwrap();
                item.insert("n".into(), AttributeValue::N(stale.n.to_string()));
                item.insert("until".into(), AttributeValue::N((now() - 100).to_string()));
                match stale.version {
                    Some(v) => item.insert("version".into(), AttributeValue::N(v.to_string())),
                    None => item.remove("version"),
                };
                if stale.legacy {
                    item.insert("legacy".into(), AttributeValue::S("old".into()));
                }
                common::raw_put(expired_db, <$model>::TABLE, item).await;
                let on_expired = $module::make(expired_db, &id, &w).await;
                let on_nothing = $module::make(empty_db, &id, &w).await;
                if on_nothing.starts_with("Ok") {
                    made.fetch_add(1, Ordering::Relaxed);
                }
                if on_expired != on_nothing {
                    return Err(format!(
                        "answered {on_expired} over the expired item, {on_nothing} over no item"
                    ));
                }
                let (after_expired, after_nothing) = (
                    $module::seen(expired_db, &id).await,
                    $module::seen(empty_db, &id).await,
                );
                if after_expired != after_nothing {
                    return Err(format!(
                        "after it, reads give {after_expired:?} over the expired item, {after_nothing:?} over no item"
                    ));
                }
                Ok(())
            }
        });
        assert_eq!(ran, 96);
        // A good share of the writes succeed over no item: a table that is not there would
        // answer every write with the same error in both worlds.
        let made = made.load(Ordering::Relaxed);
        assert!(made >= 20, "{made} of {ran} writes succeeded over no item");
    }};
}

#[test]
fn a_write_decides_about_an_item_past_its_ttl_as_about_no_item() {
    decides_as_on_no_item!(plain, Ticket, Ticket);
}

/// The same in a shared table: an expired item of the model's own entity is no item either.
#[test]
fn a_write_of_a_shared_table_model_decides_about_its_expired_item_as_about_no_item() {
    decides_as_on_no_item!(shared, Stub, Counters);
}

/// The named cases that users meet: an upsert over an expired session starts a new one, a
/// refresh of an expired session is `NotFound` (however soon DynamoDB deletes it), a delete
/// returns no old item, and in a transaction an upsert creates.
#[tokio::test]
async fn an_expired_item_is_no_item_to_updates_upserts_deletes_and_transactions() {
    let db = common::db().await;
    Ticket::create_table()
        .without_ttl()
        .exec(&db)
        .await
        .unwrap();
    let f = Ticket::fields();
    let expire = |id: &'static str| {
        let db = db.clone();
        async move {
            let mut item = plain::ticket(id, 1, 1).to_item().unwrap();
            item.insert("until".into(), AttributeValue::N((now() - 5).to_string()));
            item.insert("legacy".into(), AttributeValue::S("old".into()));
            common::raw_put(&db, "tickets", item).await;
        }
    };

    expire("refresh").await;
    let refreshed = Ticket::update(Ticket::key("refresh"))
        .set(&f.until, now() + 3600)
        .exec(&db)
        .await;
    assert!(
        matches!(refreshed, Err(Error::NotFound { .. })),
        "{refreshed:?}"
    );
    assert_eq!(
        Ticket::get(Ticket::key("refresh")).exec(&db).await.unwrap(),
        None
    );

    expire("upsert").await;
    let made = Ticket::update(Ticket::key("upsert"))
        .set(&f.owner, "ann")
        .upsert()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(
        (made.owner.as_str(), made.n, made.until, made.version),
        ("ann", 0, None, 1)
    );
    let raw = db
        .client()
        .get_item()
        .table_name(db.table_name("tickets"))
        .key("id", AttributeValue::S("upsert".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!raw.contains_key("legacy"), "{raw:?}");

    expire("gone").await;
    let old = Ticket::delete(Ticket::key("gone")).exec(&db).await.unwrap();
    assert_eq!(old, None);
    let must = Ticket::delete(Ticket::key("gone"))
        .must_exist()
        .exec(&db)
        .await;
    assert!(matches!(must, Err(Error::NotFound { .. })), "{must:?}");

    expire("tx").await;
    Transaction::new()
        .update(
            Ticket::update(Ticket::key("tx"))
                .set(&f.owner, "ann")
                .set(&f.n, 3u32)
                .upsert(),
        )
        .exec(&db)
        .await
        .unwrap();
    let got = Ticket::get(Ticket::key("tx"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((got.owner.as_str(), got.n, got.until), ("ann", 3, None));
}

/// What must never happen: a transaction with a token, sent again by its caller after its
/// answer was lost, is refused (`IdempotentParameterMismatch`) or applied twice. Its requests
/// carry no time of sending, so that the retry sends what the first call sent.
#[tokio::test]
async fn a_transaction_with_a_token_of_a_model_with_a_ttl_can_be_sent_again() {
    let db = common::db().await;
    Ticket::create_table()
        .without_ttl()
        .exec(&db)
        .await
        .unwrap();
    let f = Ticket::fields();
    for id in ["t", "u"] {
        plain::ticket(id, 0, 0).save(&db).await.unwrap();
    }
    let token = format!("retry-{}", db.table_prefix());
    let tx = || {
        Transaction::new()
            .update(Ticket::update(Ticket::key("t")).add(&f.n, 1u32))
            .condition_check(Ticket::key("u"), f.owner.eq("ann"))
            .token(token.clone())
    };
    tx().exec(&db).await.unwrap();
    // A second later: a time of sending in the requests would differ now.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again = tx().exec(&db).await;
    assert!(
        again.is_ok(),
        "the same transaction with its token: {again:?}"
    );
    let got = Ticket::get(Ticket::key("t"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.n, 8, "applied once (7 + 1)");
}
