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

/// Refuses the next `left` UpdateTable requests as DynamoDB does when too many indexes are
/// being built: the request is made invalid before it is sent (so that DynamoDB Local changes
/// nothing), and its answer is replaced by a `LimitExceededException`. Counts the
/// UpdateTable requests that reached the table unchanged.
#[derive(Debug)]
struct Busy {
    left: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
    passed: Arc<AtomicUsize>,
}

#[derive(Debug, Clone)]
struct Refused;

impl aws_smithy_types::config_bag::Storable for Refused {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl Intercept for Busy {
    fn name(&self) -> &'static str {
        "Busy"
    }
    fn modify_before_transmit(
        &self,
        ctx: &mut aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = ctx.request().headers().get("x-amz-target").unwrap_or("");
        if !target.ends_with(".UpdateTable") {
            return Ok(());
        }
        let refuse = self
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if refuse {
            self.refused.fetch_add(1, Ordering::SeqCst);
            let request = ctx.request_mut();
            *request.body_mut() = aws_smithy_types::body::SdkBody::from("{}");
            request.headers_mut().insert("content-length", "2");
            cfg.interceptor_state().store_put(Refused);
        } else {
            self.passed.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
    fn modify_before_deserialization(
        &self,
        ctx: &mut aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Refused>().is_some() {
            cfg.interceptor_state().unset::<Refused>();
            let response = ctx.response_mut();
            *response.status_mut() = 400u16.try_into().expect("a status");
            *response.body_mut() = aws_smithy_types::body::SdkBody::from(
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#LimitExceededException","message":"Subscriber limit exceeded: only 5 tables can be created or have indexes built at once"}"#,
            );
        }
        Ok(())
    }
}

fn busy(db: &Db, refusals: usize) -> (Db, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (refused, passed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let conf = db
        .client()
        .config()
        .to_builder()
        .interceptor(Busy {
            left: Arc::new(AtomicUsize::new(refusals)),
            refused: refused.clone(),
            passed: passed.clone(),
        })
        // The SDK's own retries (it takes LimitExceeded for throttling) off: every refusal
        // reaches apply.
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let db =
        Db::new(aws_sdk_dynamodb::Client::from_conf(conf)).with_table_prefix(db.table_prefix());
    (db, refused, passed)
}

/// What must never happen: an index add that DynamoDB refused for now (too many index builds)
/// fails the apply, or is sent again once it was taken (two requests for one change), or the
/// retries go on past the bound. Seven refusals then one that passes: the apply waits and
/// makes the change once; refused past the bound, it says so and makes nothing.
#[tokio::test]
async fn an_update_refused_for_now_is_sent_again_until_taken_and_never_twice() {
    use dynomodel::schema::migrate::Waits;
    let db = common::schema_db().await;
    v1::Pet::create_table().exec(&db).await.unwrap();
    let model = v2::Pet::create_table().without_ttl();
    let waits = Waits {
        table: std::time::Duration::from_secs(30),
        index: std::time::Duration::from_secs(60),
        poll: std::time::Duration::from_millis(50),
    };

    // Refused past the bound: the error says how long and why; nothing is made.
    let short = Waits {
        table: std::time::Duration::from_millis(300),
        ..waits
    };
    let (always, _, passed) = busy(&db, usize::MAX);
    let p = plan(&model, &db).await.unwrap().waits(short);
    let err = p.apply(&always, false).await.unwrap_err();
    assert!(err.done.is_empty(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("was refused") && text.contains("LimitExceeded"),
        "{text}"
    );
    assert_eq!(passed.load(Ordering::SeqCst), 0);
    assert!(
        matches!(
            &plan(&model, &db).await.unwrap().changes[..],
            [Change::AddIndex(_)]
        ),
        "nothing was made"
    );

    // Refused seven times, then taken: made once.
    let (busy_db, refused, passed) = busy(&db, 7);
    let p = plan(&model, &db).await.unwrap().waits(waits);
    let done = p.apply(&busy_db, false).await.unwrap();
    assert!(matches!(&done[..], [Change::AddIndex(_)]), "{done:?}");
    assert_eq!(refused.load(Ordering::SeqCst), 7);
    assert_eq!(
        passed.load(Ordering::SeqCst),
        1,
        "one request for one change"
    );
    assert!(plan(&model, &db).await.unwrap().changes.is_empty());
}
