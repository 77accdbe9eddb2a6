//! Native multi-attribute indexes in a shared table (`#[derive(Table)]`): the table declares
//! the index with each key attribute's type, and each model that fills it with fields of its
//! own says so (`native(by_status)`). What must never happen: a query of one entity through
//! a native index that answers another entity's item, misses one of its own, or repeats one
//! across pages; an index that a move from a template index leaves without its items.

use std::collections::BTreeSet;

use dynomodel::prelude::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

/// Version 1: orders waiting in `gsi1` by a composed key, as single-table designs do today.
pub mod v1 {
    use super::*;

    #[derive(Table)]
    #[dynomodel(
        name = "shop",
        pk = "pk",
        sk = "sk",
        gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk")
    )]
    pub struct Shop;

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Shop, entity = "order",
                pk = "TENANT#{tenant}", sk = "ORDER#{number}",
                gsi1(pk = "STATUS#{tenant}#{status}", sk = "{placed_at}#{number}"))]
    pub struct Order {
        pub tenant: String,
        pub number: u32,
        pub status: Option<String>,
        pub placed_at: i64,
    }
}

/// Version 2: the native index `by_status` beside `gsi1`, filled by orders and invoices.
pub mod v2 {
    use super::*;

    #[derive(Table)]
    #[dynomodel(name = "shop", pk = "pk", sk = "sk",
                gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"),
                gsi(name = "by_status", pk = [tenant: S, status: S], sk = [placed_at: N, number: N]))]
    pub struct Shop;

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Shop, entity = "order",
                pk = "TENANT#{tenant}", sk = "ORDER#{number}",
                gsi1(pk = "STATUS#{tenant}#{status}", sk = "{placed_at}#{number}"),
                native(by_status))]
    pub struct Order {
        pub tenant: String,
        pub number: u32,
        pub status: Option<String>,
        pub placed_at: i64,
    }

    /// Another entity that fills the same native index.
    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Shop, entity = "invoice",
                pk = "TENANT#{tenant}", sk = "INVOICE#{number}", native(by_status))]
    pub struct Invoice {
        pub tenant: String,
        pub number: u32,
        pub status: Option<String>,
        pub placed_at: i64,
    }
}

/// Version 3: the template index and its composed attributes gone.
pub mod v3 {
    use super::*;

    #[derive(Table)]
    #[dynomodel(name = "shop", pk = "pk", sk = "sk",
                gsi(name = "by_status", pk = [tenant: S, status: S], sk = [placed_at: N, number: N]))]
    pub struct Shop;

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Shop, entity = "order",
                pk = "TENANT#{tenant}", sk = "ORDER#{number}", native(by_status))]
    pub struct Order {
        pub tenant: String,
        pub number: u32,
        pub status: Option<String>,
        pub placed_at: i64,
    }

    /// Another entity that fills the same native index.
    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Shop, entity = "invoice",
                pk = "TENANT#{tenant}", sk = "INVOICE#{number}", native(by_status))]
    pub struct Invoice {
        pub tenant: String,
        pub number: u32,
        pub status: Option<String>,
        pub placed_at: i64,
    }
}

#[test]
fn a_query_of_a_shared_model_reads_its_native_index() {
    let f = v2::Order::fields();
    let r = v2::Order::query(f.tenant.eq("t") & f.status.eq("open"))
        .range(f.placed_at.gt(3i64))
        .to_request()
        .unwrap();
    assert_eq!(r.index, Some("by_status"));
    let mut text = r.key_condition.unwrap();
    for (k, v) in &r.names {
        text = text.replace(k.as_str(), v);
    }
    assert_eq!(text, "tenant = :v0 AND status = :v1 AND placed_at > :v2");
    // The template index is still read through its template.
    let r = v2::Order::query(f.tenant.eq("t") & f.status.eq("open"))
        .index(v2::Order::index("gsi1").unwrap())
        .to_request()
        .unwrap();
    assert_eq!(r.index, Some("gsi1"));
    // A query that leaves out a partition attribute of the native index names it.
    let err = v2::Order::query(f.status.eq("open"))
        .index(v2::Order::index("by_status").unwrap())
        .to_request()
        .unwrap_err();
    assert!(err.to_string().contains("tenant"), "{err}");
    // CreateTable of the table: the native key attributes with their types.
    let ct = v2::Shop::create_table().to_request().unwrap();
    let defs: BTreeSet<(String, String)> = ct
        .attribute_definitions()
        .iter()
        .map(|d| {
            (
                d.attribute_name().to_owned(),
                d.attribute_type().as_str().to_owned(),
            )
        })
        .collect();
    for want in [
        ("tenant", "S"),
        ("status", "S"),
        ("placed_at", "N"),
        ("number", "N"),
    ] {
        assert!(
            defs.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{defs:?}"
        );
    }
    // The CloudFormation resource of the same table keys the index the same way.
    let cfn = v2::Shop::create_table().cloudformation().unwrap();
    let index = cfn["Properties"]["GlobalSecondaryIndexes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["IndexName"] == "by_status")
        .unwrap()
        .clone();
    let keys: Vec<(String, String)> = index["KeySchema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap().to_owned(),
                k["KeyType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("tenant", "HASH"),
        ("status", "HASH"),
        ("placed_at", "RANGE"),
        ("number", "RANGE"),
    ]
    .map(|(a, k)| (a.to_owned(), k.to_owned()));
    assert_eq!(keys, want);
}

fn v1_order(tenant: &str, number: u32, status: Option<&str>, placed_at: i64) -> v1::Order {
    v1::Order {
        tenant: tenant.into(),
        number,
        status: status.map(Into::into),
        placed_at,
    }
}

/// The move from `gsi1` (composed) to `by_status` (native) through plans: add the native
/// index (DynamoDB fills it from the attributes that orders hold already), read through it,
/// then drop `gsi1` and, by a backfill of version 3, its composed attributes.
#[tokio::test]
async fn a_template_index_moves_to_a_native_index_through_plans() {
    use dynomodel::schema::backfill::{Backfill, Change as Rewrite};
    use dynomodel::schema::migrate::{plan, Change};
    let db = common::schema_db().await;
    v1::Shop::create_table().exec(&db).await.unwrap();
    for (n, status, at) in [
        (1, Some("open"), 10),
        (2, Some("open"), 5),
        (3, Some("shut"), 4),
        (4, Some("open"), 3),
        (5, None, 1),
    ] {
        v1_order("t1", n, status, at).create(&db).await.unwrap();
    }
    // A composed key cannot keep the order of a negative number: version 1 refuses it.
    let err = v1_order("t1", 6, Some("open"), -5)
        .create(&db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("negative number"), "{err}");
    let add = plan(&v2::Shop::create_table(), &db).await.unwrap();
    eprintln!("{add}");
    assert!(matches!(&add.changes[..], [Change::AddIndex(_)]), "{add}");
    assert!(
        add.to_string().contains(
            "+ add global secondary index `by_status` on tenant (HASH), status (HASH), placed_at (RANGE), number (RANGE)"
        ),
        "{add}"
    );
    add.apply(&db, false).await.unwrap();
    // An invoice fills the same index; an order's query never answers it.
    v2::Invoice {
        tenant: "t1".into(),
        number: 9,
        status: Some("open".into()),
        placed_at: 0,
    }
    .create(&db)
    .await
    .unwrap();
    let f = v2::Order::fields();
    let open = v2::Order::query(f.tenant.eq("t1") & f.status.eq("open"))
        .all(&db)
        .await
        .unwrap();
    // Number order, no padding: -5 < 3 < 10.
    let at: Vec<i64> = open.iter().map(|o| o.placed_at).collect();
    assert_eq!(at, [3, 5, 10]);
    assert!(plan(&v2::Shop::create_table(), &db)
        .await
        .unwrap()
        .changes
        .is_empty());

    let drop = plan(&v3::Shop::create_table(), &db).await.unwrap();
    eprintln!("{drop}");
    assert!(
        matches!(&drop.changes[..], [Change::RemoveIndex(name)] if name == "gsi1"),
        "{drop}"
    );
    drop.apply(&db, true).await.unwrap();
    let progress = Backfill::<v3::Order>::new()
        .run(&db, |o| async move { Ok(Rewrite::Save(o)) })
        .await
        .unwrap();
    eprintln!("{progress}");
    assert_eq!(progress.written, 5, "{progress}: {:?}", progress.failures);
    let raw = db
        .client()
        .scan()
        .table_name(db.table_name("shop"))
        .send()
        .await
        .unwrap();
    for item in raw.items() {
        assert!(
            !item.contains_key("gsi1pk") && !item.contains_key("gsi1sk"),
            "{item:?}"
        );
    }
    // Version 3 stores a negative number as it is, and the index orders it: -5 < 3 < 10.
    v3::Order {
        tenant: "t1".into(),
        number: 6,
        status: Some("open".into()),
        placed_at: -5,
    }
    .create(&db)
    .await
    .unwrap();
    let g = v3::Order::fields();
    let open = v3::Order::query(g.tenant.eq("t1") & g.status.eq("open"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|o| o.placed_at).collect::<Vec<_>>(),
        [-5, 3, 5, 10],
        "the invoice stays out"
    );
    let recent = v3::Order::query(g.tenant.eq("t1") & g.status.eq("open"))
        .range(g.placed_at.ge(0i64))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        recent.iter().map(|o| o.number).collect::<Vec<_>>(),
        [4, 2, 1]
    );
    let done = plan(&v3::Shop::create_table(), &db).await.unwrap();
    eprintln!("{done}");
    assert!(done.changes.is_empty(), "{done}");
}

#[derive(Clone, Debug)]
struct Item {
    invoice: bool,
    tenant: u8,
    status: Option<u8>,
    placed_at: i8,
}

#[derive(Clone, Debug)]
struct Ask {
    tenant: u8,
    status: u8,
    /// 0 none, 1 lt, 2 ge, 3 between, 4 eq then a range on number.
    range: u8,
    at: i8,
    to: i8,
    page: i32,
    descending: bool,
}

fn items() -> impl Strategy<Value = Vec<Item>> {
    prop::collection::vec(
        (
            any::<bool>(),
            0u8..2,
            prop::option::weighted(0.8, 0u8..2),
            -6i8..6,
        )
            .prop_map(|(invoice, tenant, status, placed_at)| Item {
                invoice,
                tenant,
                status,
                placed_at,
            }),
        0..30,
    )
}

fn asks() -> impl Strategy<Value = Vec<Ask>> {
    prop::collection::vec(
        (
            0u8..2,
            0u8..2,
            0u8..5,
            -6i8..6,
            -6i8..6,
            1i32..4,
            any::<bool>(),
        )
            .prop_map(|(tenant, status, range, at, to, page, descending)| Ask {
                tenant,
                status,
                range,
                at,
                to,
                page,
                descending,
            }),
        1..6,
    )
}

const STATUS: [&str; 2] = ["open", "shut"];

/// Whether the reference keeps an item (and its number) for a query's range.
type Keep<'a> = Box<dyn Fn(&Item, u32) -> bool + 'a>;

async fn check(db: &Db, items: &[Item], asks: &[Ask]) -> Result<(), String> {
    for (n, it) in items.iter().enumerate() {
        let (tenant, number, status) = (
            format!("t{}", it.tenant),
            n as u32,
            it.status.map(|s| STATUS[s as usize].to_owned()),
        );
        let placed_at = i64::from(it.placed_at);
        let r = if it.invoice {
            v3::Invoice {
                tenant,
                number,
                status,
                placed_at,
            }
            .save(db)
            .await
        } else {
            v3::Order {
                tenant,
                number,
                status,
                placed_at,
            }
            .save(db)
            .await
        };
        r.map_err(|e| format!("write {n}: {e}"))?;
    }
    let f = v3::Order::fields();
    for a in asks {
        let (lo, hi) = (a.at.min(a.to), a.at.max(a.to));
        let (query, keep): (_, Keep<'_>) = {
            let q = v3::Order::query(
                f.tenant.eq(format!("t{}", a.tenant)) & f.status.eq(STATUS[a.status as usize]),
            );
            match a.range {
                1 => (
                    q.range(f.placed_at.lt(i64::from(a.at))),
                    Box::new(move |i, _| i.placed_at < a.at),
                ),
                2 => (
                    q.range(f.placed_at.ge(i64::from(a.at))),
                    Box::new(move |i, _| i.placed_at >= a.at),
                ),
                3 => (
                    q.range(f.placed_at.between(i64::from(lo), i64::from(hi))),
                    Box::new(move |i, _| (lo..=hi).contains(&i.placed_at)),
                ),
                4 => (
                    q.range(
                        f.placed_at.eq(i64::from(a.at))
                            & f.number.ge(u32::try_from(a.to.max(0)).unwrap()),
                    ),
                    Box::new(move |i, n| i.placed_at == a.at && n >= a.to.max(0) as u32),
                ),
                _ => (q, Box::new(|_, _| true)),
            }
        };
        let mut want: Vec<(i64, u32)> = items
            .iter()
            .enumerate()
            .filter(|(n, i)| {
                !i.invoice
                    && i.tenant == a.tenant
                    && i.status == Some(a.status)
                    && keep(i, *n as u32)
            })
            .map(|(n, i)| (i64::from(i.placed_at), n as u32))
            .collect();
        want.sort();
        if a.descending {
            want.reverse();
        }
        let query = if a.descending {
            query.descending()
        } else {
            query
        };
        let mut got = Vec::new();
        let mut cursor: Option<Cursor> = None;
        for _ in 0..100 {
            let page = query
                .clone()
                .limit(a.page)
                .start_at(cursor.clone())
                .exec(db)
                .await
                .map_err(|e| format!("{a:?}: {e}"))?;
            got.extend(page.items.iter().map(|o| (o.placed_at, o.number)));
            // The cursor goes through its text, as a client would send it back.
            cursor = match page.next {
                Some(c) => Some(c.to_string().parse().map_err(|e| format!("cursor: {e}"))?),
                None => break,
            };
        }
        if got != want {
            return Err(format!("{a:?}: got {got:?}, want {want:?}"));
        }
    }
    Ok(())
}

#[test]
fn a_native_index_shared_by_two_entities_answers_each_its_own() {
    let props = common::Props::new(24, 40);
    let db = props.block_on(common::db());
    let (next, queries) = (std::cell::Cell::new(0usize), std::cell::Cell::new(0usize));
    let cases = props.run(&(items(), asks()), |(items, asks)| {
        next.set(next.get() + 1);
        queries.set(queries.get() + asks.len());
        let db = db
            .clone()
            .with_table_prefix(format!("{}c{}_", db.table_prefix(), next.get()));
        async move {
            v3::Shop::create_table().exec(&db).await.unwrap();
            let r = check(&db, &items, &asks).await;
            v3::Shop::delete_table().exec(&db).await.unwrap();
            r
        }
    });
    eprintln!(
        "a_native_index_shared_by_two_entities_answers_each_its_own: {cases} cases, {} queries",
        queries.get()
    );
}
