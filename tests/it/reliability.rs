//! Concurrency and bad input: nothing lost, nothing half-written, clear errors before any
//! request.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;
use crate::ops::{pet, Pet};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "counters")]
struct Counter {
    #[dynomodel(hash_key)]
    id: String,
    value: u64,
    #[dynomodel(version)]
    version: u64,
}

#[tokio::test]
async fn sixteen_tasks_incrementing_one_versioned_counter_fifty_times_end_at_800() {
    let db = common::db().await;
    Counter::create_table().exec(&db).await.unwrap();
    Counter {
        id: "c".into(),
        value: 0,
        version: 0,
    }
    .create(&db)
    .await
    .unwrap();
    let tasks = (0..16).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            let mut conflicts = 0u32;
            for _ in 0..50 {
                loop {
                    let mut c = Counter::get(Counter::key("c"))
                        .consistent()
                        .exec(&db)
                        .await
                        .unwrap()
                        .unwrap();
                    c.value += 1;
                    match c.save(&db).await {
                        Ok(()) => break,
                        Err(Error::VersionConflict { .. }) => conflicts += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            conflicts
        })
    });
    let conflicts: u32 = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .sum();
    let c = Counter::get(Counter::key("c"))
        .consistent()
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        c.value, 800,
        "after {conflicts} version conflicts, all retried"
    );
    assert_eq!(c.version, 801);
    assert!(conflicts > 0, "16 writers on one item must have collided");
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "accounts")]
struct Account {
    #[dynomodel(hash_key)]
    id: u32,
    #[dynomodel(validate(range(min = 0)))]
    balance: i64,
}

#[tokio::test]
async fn eight_tasks_moving_money_between_ten_accounts_keep_the_total() {
    let db = common::db().await;
    Account::create_table().exec(&db).await.unwrap();
    Account::batch_put((0..10).map(|id| Account { id, balance: 1000 }))
        .exec(&db)
        .await
        .unwrap();
    let tasks = (0..8u32).map(|t| {
        let db = db.clone();
        tokio::spawn(async move {
            let f = Account::fields();
            let (mut done, mut cancelled) = (0, 0);
            for i in 0..25u32 {
                let from = (t * 7 + i * 3) % 10;
                let to = (from + 1 + i % 9) % 10;
                let amount = i64::from(1 + (t + i) % 50);
                loop {
                    let result = Transaction::new()
                        .update(
                            Account::update(Account::key(from))
                                .subtract(f.balance.clone(), amount)
                                .condition(f.balance.ge(amount)),
                        )
                        .update(Account::update(Account::key(to)).add(f.balance.clone(), amount))
                        .exec(&db)
                        .await;
                    match result {
                        Ok(()) => {
                            done += 1;
                            break;
                        }
                        Err(Error::TransactionCanceled { reasons }) => {
                            cancelled += 1;
                            assert!(!reasons.is_empty(), "a cancellation names its reasons");
                            if reasons.iter().any(|r| r.is_condition_failed()) {
                                break; // not enough money: a correct refusal, not a retry
                            }
                        }
                        Err(e) if e.is_retryable() => cancelled += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            (done, cancelled)
        })
    });
    let results: Vec<(u32, u32)> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let done: u32 = results.iter().map(|r| r.0).sum();
    let accounts = Account::scan().consistent().all(&db).await.unwrap();
    assert_eq!(accounts.len(), 10);
    let total: i64 = accounts.iter().map(|a| a.balance).sum();
    assert_eq!(total, 10_000, "after {done} transfers: {results:?}");
    assert!(accounts.iter().all(|a| a.balance >= 0));
    assert!(done > 150, "{results:?}");
}

#[tokio::test]
async fn values_that_look_like_expression_syntax_are_data() {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    let nasty = [
        ":v0",
        "#n0",
        ") OR attribute_exists(id",
        "#n0 = :v0",
        "size(#n1)",
    ];
    for (i, text) in nasty.iter().enumerate() {
        let mut p = pet(&format!("{text}-{i}"));
        p.name = (*text).to_owned();
        p.owner = (*text).to_owned();
        p.tags = BTreeSet::from([(*text).to_owned()]);
        p.create(&db).await.unwrap();
        let f = Pet::fields();
        let back = Pet::get(Pet::key(format!("{text}-{i}")))
            .consistent()
            .exec(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((back.name.as_str(), back.owner.as_str()), (*text, *text));
        let found = Pet::query(f.owner.eq(*text))
            .range(f.name.eq(*text))
            .filter(f.tags.contains(*text))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{text}");
        let updated = Pet::update(Pet::key(format!("{text}-{i}")))
            .set(f.status.clone(), (*text).to_owned())
            .condition(f.owner.eq(*text))
            .exec(&db)
            .await
            .unwrap();
        assert_eq!(updated.status.as_deref(), Some(*text));
    }
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "big_numbers")]
struct Big {
    #[dynomodel(hash_key)]
    id: String,
    n: u128,
    x: f64,
}

#[tokio::test]
async fn bad_values_are_clear_errors_before_any_request() {
    // Nothing listens on this endpoint: an error that reached the network would say so.
    let db = Db::local("http://127.0.0.1:1").await.unwrap();
    let f = Pet::fields();

    let err = pet("").create(&db).await.unwrap_err();
    assert!(err.to_string().contains("`id` is an empty string"), "{err}");
    let err = Pet::get(Pet::key("")).exec(&db).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
    let err = Pet::batch_get([Pet::key("a"), Pet::key("")])
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err}");

    let mut p = pet("huge");
    p.meta.insert("blob".into(), "x".repeat(500 * 1024));
    let err = p.create(&db).await.unwrap_err();
    assert!(matches!(err, Error::ItemTooLarge { .. }), "{err}");

    let mut big = Big {
        id: "b".into(),
        n: u128::MAX,
        x: 1.0,
    };
    let err = big.save(&db).await.unwrap_err();
    assert!(
        err.to_string().contains("`n`") && err.to_string().contains("38"),
        "{err}"
    );
    let mut tiny = Big {
        id: "b".into(),
        n: 1,
        x: 1e-200,
    };
    let err = tiny.save(&db).await.unwrap_err();
    assert!(err.to_string().contains("`x`"), "{err}");
    let mut nan = Big {
        id: "b".into(),
        n: 1,
        x: f64::NAN,
    };
    let err = nan.save(&db).await.unwrap_err();
    assert!(
        err.to_string().contains("`x`") && err.to_string().contains("NaN"),
        "{err}"
    );

    let err = Pet::update(Pet::key("a"))
        .add(f.tags.clone(), BTreeSet::new())
        .exec(&db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("writes nothing"), "{err}");
    let err = Pet::scan()
        .filter(f.tags.eq(BTreeSet::new()))
        .count(&db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("writes nothing"), "{err}");
    let err = Pet::update(Pet::key("a"))
        .set(f.id.clone(), "b")
        .exec(&db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("key attribute `id`"), "{err}");
    let _ = AttributeValue::Null(true);
}
