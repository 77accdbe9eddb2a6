//! `apply` failing part-way answers the changes already made, and a plan made afterwards
//! holds exactly what is left; applying that reaches the model. The failure is a request
//! that never reaches DynamoDB Local (as a lost connection would be), chosen by operation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use dynomodel::prelude::*;
use dynomodel::schema::migrate::{plan, Change};
use serde::{Deserialize, Serialize};

use crate::common;

mod v1 {
    use super::*;
    #[derive(Model, Serialize, Deserialize, Debug, Clone)]
    #[dynomodel(table = "partial")]
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
    #[dynomodel(table = "partial", gsi(name = "by_owner", hash = "owner"))]
    pub struct Pet {
        #[dynomodel(hash_key)]
        pub id: String,
        pub owner: String,
        #[dynomodel(ttl)]
        pub expires: Option<i64>,
    }
}

/// Fails every request of one operation before it is sent, counting them.
#[derive(Debug)]
struct Refuse {
    operation: &'static str,
    refused: Arc<AtomicUsize>,
}

impl Intercept for Refuse {
    fn name(&self) -> &'static str {
        "Refuse"
    }
    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = ctx.request().headers().get("x-amz-target").unwrap_or("");
        if target.ends_with(&format!(".{}", self.operation)) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(format!("{} did not reach the table", self.operation).into());
        }
        Ok(())
    }
}

fn refusing(db: &Db, operation: &'static str) -> (Db, Arc<AtomicUsize>) {
    let refused = Arc::new(AtomicUsize::new(0));
    let conf = db
        .client()
        .config()
        .to_builder()
        .interceptor(Refuse {
            operation,
            refused: refused.clone(),
        })
        .build();
    let db =
        Db::new(aws_sdk_dynamodb::Client::from_conf(conf)).with_table_prefix(db.table_prefix());
    (db, refused)
}

#[tokio::test]
async fn apply_failing_part_way_answers_what_it_made_and_the_next_plan_holds_the_rest() {
    let db = common::schema_db().await;
    v1::Pet::create_table().exec(&db).await.unwrap();
    let model = v2::Pet::create_table();
    let full = plan(&model, &db).await.unwrap();
    assert!(
        matches!(&full.changes[..], [Change::AddIndex(_), Change::Ttl(_)]),
        "{full}"
    );

    // The first change fails: nothing is made, and the plan is as it was.
    let (first_fails, refused) = refusing(&db, "UpdateTable");
    let p = full.apply(&first_fails, false).await.unwrap_err();
    assert!(refused.load(Ordering::SeqCst) >= 1);
    assert!(p.done.is_empty(), "{p}");
    assert!(p.to_string().contains("no change was made"), "{p}");
    assert_eq!(plan(&model, &db).await.unwrap().changes, full.changes);

    // The second fails: the index is made (and answered as made), the TTL is left.
    let (second_fails, _) = refusing(&db, "UpdateTimeToLive");
    let p = full.apply(&second_fails, false).await.unwrap_err();
    assert!(matches!(&p.done[..], [Change::AddIndex(_)]), "{p}");
    let text = p.to_string();
    assert!(
        text.contains("made before it") && text.contains("by_owner"),
        "{text}"
    );
    let rest = plan(&model, &db).await.unwrap();
    assert!(matches!(&rest.changes[..], [Change::Ttl(_)]), "{rest}");

    // What is left, applied: the table matches the model.
    let done = rest.apply(&db, false).await.unwrap();
    assert_eq!(done.len(), 1);
    assert!(plan(&model, &db).await.unwrap().changes.is_empty());
}
