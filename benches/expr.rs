//! Building expressions and cursors: a condition of 10 clauses, an update of 10 actions, and
//! a cursor to text and back.
//!
//! ```text
//! cargo bench --bench expr
//! ```

use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;

use aws_sdk_dynamodb::types::AttributeValue;
use criterion::{criterion_group, criterion_main, Criterion};
use dynomodel::prelude::*;
use dynomodel::query::Cursor;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, Clone)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(set = "trim", validate(length(min = 1, max = 64)))]
    name: String,
    #[dynomodel(validate(range(max = 100)))]
    age: u32,
    owner: String,
    status: String,
    weight: f64,
    #[dynomodel(string_set)]
    tags: BTreeSet<String>,
    scores: Vec<u32>,
    address: Option<Address>,
    visits: u64,
    meta: HashMap<String, String>,
    #[dynomodel(version)]
    version: u64,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone)]
struct Address {
    street: String,
    city: String,
}

fn condition() -> Condition<Pet> {
    let f = Pet::fields();
    f.age.gt(2u32)
        & f.age.le(90u32)
        & f.name.begins_with("B")
        & f.owner.is_in(["rachel", "sam", "kim"])
        & !f.tags.contains("shy")
        & f.status.ne("archived")
        & f.weight.between(1.0, 40.0)
        & f.address.city.eq("Springfield")
        & f.scores.size().gt(0)
        & (f.visits.ge(10u64) | f.meta.key("vip").exists())
}

fn bench(c: &mut Criterion) {
    c.bench_function("condition of 10 clauses: build and render", |b| {
        b.iter(|| black_box(condition()).to_expression().unwrap())
    });
    c.bench_function("update of 10 actions: build and render", |b| {
        b.iter(|| {
            let f = Pet::fields();
            Pet::update(Pet::key(black_box("1")))
                .set(f.name, " Rex ")
                .add(&f.age, 1u32)
                .set(f.owner, "sam")
                .set(f.status, "active")
                .subtract(f.weight, 0.5)
                .add(f.tags, BTreeSet::from(["new".to_owned()]))
                .append(f.scores, [7])
                .set(f.address.city.clone(), "Shelbyville")
                .add(f.visits, 1u64)
                .remove(f.meta)
                .condition(f.age.lt(100u32))
                .to_request()
                .unwrap()
        })
    });
    let key: HashMap<String, AttributeValue> = HashMap::from([
        ("owner".into(), AttributeValue::S("rachel".into())),
        (
            "id".into(),
            AttributeValue::S("a4c1e2a0-7f7e-4a51-9b7c-2f5a6c9d1e33".into()),
        ),
    ]);
    c.bench_function("cursor: to text and back", |b| {
        b.iter(|| {
            let text = Cursor::from_key(black_box(key.clone())).to_string();
            text.parse::<Cursor>().unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
