//! The model codec against hand-written `AttributeValue` code and `serde_dynamo`, on one
//! model of ten attributes (strings, numbers, a string set, a nested document, an option);
//! a page of a single table's items decoded as one model and as a collection of two; and an
//! item of an older schema version read (upgraded) beside one of the current version.
//!
//! ```text
//! cargo bench --bench codec
//! ```

use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;

use aws_sdk_dynamodb::types::AttributeValue;
use criterion::{criterion_group, Criterion};
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    name: String,
    owner: String,
    age: u32,
    weight: f64,
    visits: u64,
    active: bool,
    #[dynomodel(string_set)]
    // serde_dynamo writes a set as a list unless told; this makes it write SS, so that
    // the three codecs write the same item.
    #[serde(with = "serde_dynamo::string_set")]
    tags: BTreeSet<String>,
    address: Address,
    nickname: Option<String>,
}

/// Version 2 of `Pet`: `nickname` is called `alias`; an item of version 1 is upgraded on read.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "pets", schema_version = 2, upgrade = "upgrade_pet")]
struct PetV2 {
    #[dynomodel(hash_key)]
    id: String,
    name: String,
    owner: String,
    age: u32,
    weight: f64,
    visits: u64,
    active: bool,
    #[dynomodel(string_set)]
    #[serde(with = "serde_dynamo::string_set")]
    tags: BTreeSet<String>,
    address: Address,
    alias: Option<String>,
}

fn upgrade_pet(item: &mut dynomodel::model::Upgrading<'_>) -> Result<()> {
    item.rename("nickname", "alias");
    Ok(())
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Address {
    street: String,
    city: String,
}

type Item = HashMap<String, AttributeValue>;

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", sk = "sk")]
struct Shop;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shop, entity = "customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
struct Customer {
    id: String,
    name: String,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shop, entity = "order", pk = "CUSTOMER#{customer_id}",
            sk = "ORDER#{placed_at}#{number}")]
struct Order {
    customer_id: String,
    number: u32,
    placed_at: String,
    total_cents: u64,
    status: Option<String>,
    #[dynomodel(string_set)]
    #[serde(with = "serde_dynamo::string_set")]
    tags: BTreeSet<String>,
    address: Address,
}

#[derive(Collection, Debug, Clone, PartialEq)]
enum CustomerView {
    Customer(Customer),
    Order(Order),
}

/// A page of one customer's orders, as DynamoDB returns it.
fn orders_page() -> Vec<Item> {
    (0..25u32)
        .map(|n| {
            Order {
                customer_id: "c1".into(),
                number: n,
                placed_at: format!("2026-11-{:02}", n % 28 + 1),
                total_cents: u64::from(n) * 1250,
                status: (n % 2 == 0).then(|| "PLACED".into()),
                tags: ["gift".to_owned(), "express".to_owned()].into(),
                address: Address {
                    street: "1 Main St".into(),
                    city: "Oslo".into(),
                },
            }
            .to_item()
            .unwrap()
        })
        .collect()
}

fn hand_encode(p: &Pet) -> Item {
    let mut item = HashMap::with_capacity(10);
    item.insert("id".to_owned(), AttributeValue::S(p.id.clone()));
    item.insert("name".to_owned(), AttributeValue::S(p.name.clone()));
    item.insert("owner".to_owned(), AttributeValue::S(p.owner.clone()));
    item.insert("age".to_owned(), AttributeValue::N(p.age.to_string()));
    item.insert("weight".to_owned(), AttributeValue::N(p.weight.to_string()));
    item.insert("visits".to_owned(), AttributeValue::N(p.visits.to_string()));
    item.insert("active".to_owned(), AttributeValue::Bool(p.active));
    item.insert(
        "tags".to_owned(),
        AttributeValue::Ss(p.tags.iter().cloned().collect()),
    );
    let mut address = HashMap::with_capacity(2);
    address.insert(
        "street".to_owned(),
        AttributeValue::S(p.address.street.clone()),
    );
    address.insert("city".to_owned(), AttributeValue::S(p.address.city.clone()));
    item.insert("address".to_owned(), AttributeValue::M(address));
    if let Some(n) = &p.nickname {
        item.insert("nickname".to_owned(), AttributeValue::S(n.clone()));
    }
    item
}

fn s(item: &Item, k: &str) -> Option<String> {
    item.get(k)?.as_s().ok().cloned()
}

fn n<T: std::str::FromStr>(item: &Item, k: &str) -> Option<T> {
    item.get(k)?.as_n().ok()?.parse().ok()
}

fn hand_decode(item: &Item) -> Option<Pet> {
    let address = item.get("address")?.as_m().ok()?;
    Some(Pet {
        id: s(item, "id")?,
        name: s(item, "name")?,
        owner: s(item, "owner")?,
        age: n(item, "age")?,
        weight: n(item, "weight")?,
        visits: n(item, "visits")?,
        active: *item.get("active")?.as_bool().ok()?,
        tags: item.get("tags")?.as_ss().ok()?.iter().cloned().collect(),
        address: Address {
            street: s(address, "street")?,
            city: s(address, "city")?,
        },
        nickname: s(item, "nickname"),
    })
}

fn pet() -> Pet {
    Pet {
        id: "a4c1e2a0-7f7e-4a51-9b7c-2f5a6c9d1e33".into(),
        name: "Beeba".into(),
        owner: "rachel".into(),
        age: 7,
        weight: 4.25,
        visits: 1_234_567,
        active: true,
        tags: ["cute", "fluffy", "shy"].map(String::from).into(),
        address: Address {
            street: "742 Evergreen Terrace".into(),
            city: "Springfield".into(),
        },
        nickname: Some("Bee".into()),
    }
}

fn bench(c: &mut Criterion) {
    let p = pet();
    let item = hand_encode(&p);
    assert_eq!(
        p.to_item().unwrap(),
        item,
        "dynomodel writes the hand-written item"
    );
    let serde_item: Item = serde_dynamo::to_item(&p).unwrap();
    assert_eq!(
        serde_item, item,
        "serde_dynamo writes the hand-written item"
    );
    assert_eq!(hand_decode(&item).as_ref(), Some(&p));

    let mut g = c.benchmark_group("encode");
    g.bench_function("hand-written", |b| b.iter(|| hand_encode(black_box(&p))));
    g.bench_function("dynomodel", |b| b.iter(|| black_box(&p).to_item().unwrap()));
    g.bench_function("serde_dynamo", |b| {
        b.iter(|| serde_dynamo::to_item::<_, Item>(black_box(&p)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("decode");
    g.bench_function("hand-written", |b| {
        b.iter(|| hand_decode(black_box(&item)).unwrap())
    });
    g.bench_function("dynomodel", |b| {
        b.iter(|| Pet::from_item(black_box(&item)).unwrap())
    });
    g.bench_function("serde_dynamo", |b| {
        b.iter(|| serde_dynamo::from_item::<_, Pet>(black_box(item.clone())).unwrap())
    });
    g.bench_function("serde_dynamo (clone only)", |b| {
        b.iter(|| black_box(black_box(&item).clone()))
    });
    g.finish();

    // Lazy migration: an item of version 1 read by version 2 (a copy, the upgrade, the
    // decode) beside an item of version 2 read by version 2 (the decode alone).
    let v2 = PetV2::from_item(&item).unwrap();
    assert_eq!(v2.alias.as_deref(), Some("Bee"));
    let v2_item = v2.to_item().unwrap();
    let mut g = c.benchmark_group("upgrade");
    g.bench_function("current item", |b| {
        b.iter(|| PetV2::from_item(black_box(&v2_item)).unwrap())
    });
    g.bench_function("upgraded item", |b| {
        b.iter(|| PetV2::from_item(black_box(&item)).unwrap())
    });
    g.finish();

    // The same 25 items of a single table, decoded as the model and as a collection (which
    // reads the entity attribute, then decodes the member).
    let page = orders_page();
    let as_view: Vec<CustomerView> = page
        .iter()
        .map(|i| CustomerView::from_item(i).unwrap())
        .collect();
    assert!(as_view.iter().all(|v| matches!(v, CustomerView::Order(_))));
    let mut g = c.benchmark_group("collection");
    g.bench_function("as one model", |b| {
        b.iter(|| {
            black_box(&page)
                .iter()
                .map(|i| Order::from_item(i).unwrap())
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("as the collection", |b| {
        b.iter(|| {
            black_box(&page)
                .iter()
                .map(|i| CustomerView::from_item(i).unwrap())
                .collect::<Vec<_>>()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
/// The median of one benchmark, from the estimates that criterion wrote.
fn median_ns(group: &str, name: &str) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = format!("{target}/criterion/{group}/{name}/new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    println!("\nratios of medians (lower is faster):");
    for group in ["encode", "decode"] {
        let (Some(hand), Some(ours), Some(serde)) = (
            median_ns(group, "hand-written"),
            median_ns(group, "dynomodel"),
            median_ns(group, "serde_dynamo"),
        ) else {
            println!("{group}: no estimates (was the group filtered out?)");
            continue;
        };
        println!(
            "{group}: dynomodel {ours:.0} ns, hand-written {hand:.0} ns, serde_dynamo {serde:.0} ns; \
             dynomodel / hand-written = {:.2}, serde_dynamo / dynomodel = {:.2}",
            ours / hand,
            serde / ours
        );
    }
    if let (Some(current), Some(upgraded), Some(serde)) = (
        median_ns("upgrade", "current item"),
        median_ns("upgrade", "upgraded item"),
        median_ns("decode", "serde_dynamo"),
    ) {
        println!(
            "upgrade: an item of version 1 read by version 2 {upgraded:.0} ns, an item of version 2 {current:.0} ns; \
             upgraded / current = {:.2}, serde_dynamo (no upgrade) / upgraded = {:.2}",
            upgraded / current,
            serde / upgraded
        );
    }
    if let (Some(model), Some(view)) = (
        median_ns("collection", "as one model"),
        median_ns("collection", "as the collection"),
    ) {
        println!(
            "collection: 25 items as the collection {view:.0} ns, as one model {model:.0} ns; \
             collection / model = {:.2}",
            view / model
        );
    }
}
