//! Every operation is a `dynomodel` tracing span that names the operation and the table, and
//! where a subscriber records spans, the span gets DynamoDB's consumed capacity.
//!
//! The recording runs in a process of its own (this test binary, started again for one
//! ignored test) with the recorder as the global subscriber: tracing caches per call site
//! whether anyone listens, and with other tests running beside a thread-local subscriber that
//! cache can say "no one" for a span that this test needs to see.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::process::Command;
use std::sync::{Arc, Mutex};

use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;

use crate::common;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "traced")]
struct Traced {
    #[dynomodel(hash_key)]
    id: String,
    n: u32,
}

struct SpanData {
    name: &'static str,
    metadata: &'static Metadata<'static>,
    fields: BTreeMap<String, String>,
}

thread_local! {
    /// The spans that this thread has entered, innermost last.
    static STACK: RefCell<Vec<Id>> = const { RefCell::new(Vec::new()) };
}

/// A subscriber that keeps every span with its fields, and which span is current.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push(SpanData {
            name: attrs.metadata().name(),
            metadata: attrs.metadata(),
            fields,
        });
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, id: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let span = &mut spans[id.into_u64() as usize - 1];
        values.record(&mut Fields(&mut span.fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, id: &Id) {
        STACK.with(|s| s.borrow_mut().push(id.clone()));
    }
    fn exit(&self, id: &Id) {
        STACK.with(|s| {
            let mut stack = s.borrow_mut();
            if let Some(i) = stack.iter().rposition(|s| s == id) {
                stack.remove(i);
            }
        });
    }
    fn current_span(&self) -> Current {
        match STACK.with(|s| s.borrow().last().cloned()) {
            Some(id) => {
                let metadata = self.spans.lock().unwrap()[id.into_u64() as usize - 1].metadata;
                Current::new(id, metadata)
            }
            None => Current::none(),
        }
    }
}

impl Recorder {
    /// The `dynomodel` spans: (operation, table, consumed capacity).
    fn operations(&self) -> Vec<(String, String, Option<String>)> {
        self.spans
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.name == "dynomodel")
            .map(|s| {
                (
                    s.fields["operation"].clone(),
                    s.fields["table"].clone(),
                    s.fields.get("consumed_capacity").cloned(),
                )
            })
            .collect()
    }
}

const CHILD: &str = "DYNOMODEL_SPANS_CHILD";

#[tokio::test]
async fn operations_are_spans_with_table_and_consumed_capacity() {
    let endpoint = common::local().await.endpoint().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "spans::record_spans_in_a_process_of_its_own",
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .env("DYNAMODB_ENDPOINT", endpoint)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the recording process failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The process of `operations_are_spans_with_table_and_consumed_capacity`.
#[tokio::test(flavor = "current_thread")]
#[ignore = "a helper process, started by operations_are_spans_with_table_and_consumed_capacity"]
async fn record_spans_in_a_process_of_its_own() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).unwrap();
    let db = common::db().await;
    let table = db.table_name(Traced::TABLE);
    Traced::create_table().exec(&db).await.unwrap();

    let mut t = Traced {
        id: "1".into(),
        n: 1,
    };
    t.create(&db).await.unwrap();
    Traced::get(Traced::key("1")).exec(&db).await.unwrap();
    Traced::update(Traced::key("1"))
        .add(Traced::fields().n, 1u32)
        .exec(&db)
        .await
        .unwrap();
    Traced::query(Traced::fields().id.eq("1"))
        .exec(&db)
        .await
        .unwrap();
    Traced::batch_put((2..5).map(|i| Traced {
        id: i.to_string(),
        n: i,
    }))
    .exec(&db)
    .await
    .unwrap();
    Traced::delete(Traced::key("1")).exec(&db).await.unwrap();

    let ops = recorder.operations();
    let item_ops: Vec<&str> = ops
        .iter()
        .filter(|(_, t, _)| *t == table)
        .map(|(op, _, _)| op.as_str())
        .collect();
    for expected in [
        "PutItem",
        "GetItem",
        "UpdateItem",
        "Query",
        "BatchWriteItem",
        "DeleteItem",
    ] {
        assert!(
            item_ops.contains(&expected),
            "no {expected} span on {table}: {ops:?}"
        );
    }
    for (op, _, capacity) in ops.iter().filter(|(_, t, _)| *t == table) {
        if ["PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query"].contains(&op.as_str()) {
            let units: f64 = capacity
                .as_deref()
                .unwrap_or_else(|| panic!("{op} recorded no consumed capacity: {ops:?}"))
                .parse()
                .unwrap();
            assert!(units > 0.0, "{op} consumed {units}");
        }
    }
}
