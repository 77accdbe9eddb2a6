//! Native multi-attribute index keys: a global index of up to four partition key attributes
//! and four sort key attributes, each the model's own attribute of its own type. The request
//! shapes (every partition equality, then a leading run of sort key equalities and at most
//! one range), what is refused before sending, and against DynamoDB Local: every query
//! shape, sparse items, numeric order, cursors, and a property test of queries and their
//! pages against a reference model.

use std::collections::BTreeSet;

use dynomodel::prelude::*;
use dynomodel::query::Query;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::{Deserialize, Serialize};

use crate::common;

/// An order: `by_status` has two partition key attributes and two sort key attributes, the
/// second optional (an order without a number is not in the index); `by_code` has one
/// partition key attribute and a string sort key attribute after an equality.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "native_orders",
    gsi(name = "by_status", pk = [tenant, status], sk = [placed_at, number]),
    gsi(name = "by_code", pk = [tenant], sk = [status, code])
)]
pub struct Order {
    #[dynomodel(hash_key)]
    pub id: String,
    pub tenant: String,
    pub status: String,
    pub placed_at: i64,
    pub number: Option<u32>,
    pub code: String,
}

fn order(id: &str, status: &str, placed_at: i64, number: Option<u32>, code: &str) -> Order {
    Order {
        id: id.into(),
        tenant: "t1".into(),
        status: status.into(),
        placed_at,
        number,
        code: code.into(),
    }
}

fn open() -> Condition<Order> {
    let f = Order::fields();
    f.tenant.eq("t1") & f.status.eq("open")
}

/// The key condition with attribute names in place of their placeholders, and the index.
fn key_condition(q: &Query<Order>) -> (String, Option<&'static str>) {
    let r = q.to_request().unwrap();
    let mut text = r.key_condition.unwrap();
    for (k, v) in &r.names {
        text = text.replace(k.as_str(), v);
    }
    (text, r.index)
}

fn refusal(q: Query<Order>) -> String {
    match q.to_request() {
        Err(Error::InvalidRequest(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_key_condition_lists_every_partition_attribute_then_the_sort_run() {
    let f = Order::fields();
    assert_eq!(
        key_condition(&Order::query(open())),
        ("tenant = :v0 AND status = :v1".into(), Some("by_status"))
    );
    // The sort key conditions come in key order, whatever order they were joined in.
    let q = Order::query(f.status.eq("open") & f.tenant.eq("t1"))
        .range(f.number.between(1u32, 5u32) & f.placed_at.eq(3i64));
    assert_eq!(
        key_condition(&q),
        (
            "status = :v0 AND tenant = :v1 AND placed_at = :v2 AND number BETWEEN :v3 AND :v4"
                .into(),
            Some("by_status")
        )
    );
    for (range, text) in [
        (f.placed_at.eq(3i64), "placed_at = :v2"),
        (f.placed_at.lt(3i64), "placed_at < :v2"),
        (f.placed_at.le(3i64), "placed_at <= :v2"),
        (f.placed_at.gt(3i64), "placed_at > :v2"),
        (f.placed_at.ge(3i64), "placed_at >= :v2"),
        (
            f.placed_at.between(1i64, 3i64),
            "placed_at BETWEEN :v2 AND :v3",
        ),
    ] {
        let (got, _) = key_condition(&Order::query(open()).range(range));
        assert_eq!(got, format!("tenant = :v0 AND status = :v1 AND {text}"));
    }
    let q = Order::query(f.tenant.eq("t1")).range(f.status.eq("open") & f.code.begins_with("A"));
    assert_eq!(
        key_condition(&q),
        (
            "tenant = :v0 AND status = :v1 AND begins_with(code, :v2)".into(),
            Some("by_code")
        )
    );
}

#[test]
fn a_query_that_dynamodb_would_refuse_is_refused_before_sending() {
    let f = Order::fields();
    // A partition attribute left out: the index and the attribute are named. `tenant`
    // alone fits `by_code`, so the range on `placed_at` tells which index was meant.
    let why = refusal(Order::query(f.status.eq("open")));
    assert!(
        why.contains("`by_status`") && why.contains("none on `tenant`"),
        "{why}"
    );
    let why = refusal(Order::query(f.tenant.eq("t1")).range(f.placed_at.gt(1i64)));
    assert!(
        why.contains("`by_status`") && why.contains("none on `status`"),
        "{why}"
    );
    // A range on the second sort attribute without an equality on the first.
    let why = refusal(Order::query(open()).range(f.number.gt(1u32)));
    assert!(
        why.contains("a condition on `number` needs an equality on `placed_at` before it"),
        "{why}"
    );
    // Two ranges.
    let why = refusal(Order::query(open()).range(f.placed_at.gt(1i64) & f.number.lt(3u32)));
    assert!(
        why.contains("two range conditions (on `placed_at` and `number`)"),
        "{why}"
    );
    // `ne` is no key condition, nor a condition on an attribute of no key.
    assert!(refusal(Order::query(open()).range(f.placed_at.ne(1i64))).contains("eq, lt, le"));
    let why = refusal(Order::query(open()).range(f.code.eq("A1")));
    assert!(
        why.contains("`code` is not one of its sort key attributes"),
        "{why}"
    );
    // A partition attribute given twice, and a named index that the conditions do not fit.
    let why = refusal(Order::query(open() & f.status.eq("shut")));
    assert!(why.contains("name `status` twice"), "{why}");
    let why = refusal(Order::query(open()).index(Order::BY_CODE));
    assert!(why.contains("does not fit the index `by_code`"), "{why}");
    // A filter on a key attribute of the index belongs in the key condition.
    let why = refusal(Order::query(open()).filter(f.number.eq(1u32)));
    assert!(
        why.contains("`number`, a key attribute of the index `by_status`"),
        "{why}"
    );
}

#[test]
fn create_table_and_infrastructure_list_every_key_attribute_in_order() {
    let input = Order::create_table().to_request().unwrap();
    let gsi = &input.global_secondary_indexes()[0];
    let keys: Vec<(&str, &str)> = gsi
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("tenant", "HASH"),
            ("status", "HASH"),
            ("placed_at", "RANGE"),
            ("number", "RANGE")
        ]
    );
    let mut types: Vec<(&str, &str)> = input
        .attribute_definitions()
        .iter()
        .map(|d| (d.attribute_name(), d.attribute_type().as_str()))
        .collect();
    types.sort_unstable();
    assert_eq!(
        types,
        [
            ("code", "S"),
            ("id", "S"),
            ("number", "N"),
            ("placed_at", "N"),
            ("status", "S"),
            ("tenant", "S")
        ]
    );
    let cfn = Order::create_table().cloudformation().unwrap();
    let schema = &cfn["Properties"]["GlobalSecondaryIndexes"][0]["KeySchema"];
    assert_eq!(schema.as_array().unwrap().len(), 4);
    assert_eq!(schema[1]["AttributeName"], "status");
    assert_eq!(schema[1]["KeyType"], "HASH");
    assert_eq!(schema[3]["AttributeName"], "number");
    let iam = dynomodel::schema::infra::iam_statement::<Order>().to_string();
    assert!(iam.contains("native_orders/index/*"), "{iam}");
}

async fn table_of(orders: &[Order]) -> Db {
    let db = common::db().await;
    Order::create_table().exec(&db).await.unwrap();
    for o in orders {
        o.clone().save(&db).await.unwrap();
    }
    db
}

fn ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.id.as_str()).collect()
}

#[tokio::test]
async fn every_query_shape_answers_what_its_conditions_say_in_numeric_order() {
    let db = table_of(&[
        order("a", "open", 10, Some(1), "A1"),
        order("b", "open", -5, Some(2), "A2"),
        order("c", "open", 3, Some(7), "B1"),
        order("d", "open", 3, Some(2), "A1"),
        order("e", "shut", 3, Some(2), "A1"),
        // No number: not in `by_status`, and still in `by_code`.
        order("sparse", "open", 3, None, "A3"),
    ])
    .await;
    let f = Order::fields();
    let run = |q: Query<Order>| {
        let db = db.clone();
        async move { q.all(&db).await.unwrap() }
    };
    // -5 < 3 < 10 as numbers, with no padding; then by number within one placed_at.
    assert_eq!(ids(&run(Order::query(open())).await), ["b", "d", "c", "a"]);
    let desc = run(Order::query(open()).descending()).await;
    assert_eq!(ids(&desc), ["a", "c", "d", "b"]);
    let on_3 = |r: Condition<Order>| Order::query(open()).range(f.placed_at.eq(3i64) & r);
    for (q, want) in [
        (
            Order::query(open()).range(f.placed_at.eq(3i64)),
            vec!["d", "c"],
        ),
        (Order::query(open()).range(f.placed_at.lt(3i64)), vec!["b"]),
        (
            Order::query(open()).range(f.placed_at.le(3i64)),
            vec!["b", "d", "c"],
        ),
        (
            Order::query(open()).range(f.placed_at.gt(-5i64)),
            vec!["d", "c", "a"],
        ),
        (
            Order::query(open()).range(f.placed_at.ge(3i64)),
            vec!["d", "c", "a"],
        ),
        (
            Order::query(open()).range(f.placed_at.between(-5i64, 3i64)),
            vec!["b", "d", "c"],
        ),
        (on_3(f.number.eq(7u32)), vec!["c"]),
        (on_3(f.number.lt(7u32)), vec!["d"]),
        (on_3(f.number.le(7u32)), vec!["d", "c"]),
        (on_3(f.number.gt(2u32)), vec!["c"]),
        (on_3(f.number.ge(2u32)), vec!["d", "c"]),
        (on_3(f.number.between(3u32, 9u32)), vec!["c"]),
        (
            Order::query(f.tenant.eq("t1") & f.status.eq("shut")),
            vec!["e"],
        ),
        (
            Order::query(f.tenant.eq("t2") & f.status.eq("open")),
            vec![],
        ),
    ] {
        assert_eq!(ids(&run(q).await), want);
    }
    // begins_with on a string sort attribute after an equality; the sparse order is here.
    let q = Order::query(f.tenant.eq("t1")).range(f.status.eq("open") & f.code.begins_with("A"));
    let mut got = ids(&run(q).await)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    got.sort();
    assert_eq!(got, ["a", "b", "d", "sparse"]);
    // An order that gains its number joins the index; one that loses it leaves.
    let mut sparse = Order::get(Order::key("sparse"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    sparse.number = Some(1);
    sparse.save(&db).await.unwrap();
    let mut c = Order::get(Order::key("c"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    c.number = None;
    c.save(&db).await.unwrap();
    assert_eq!(ids(&run(on_3(f.number.ge(0u32))).await), ["sparse", "d"]);
}

#[tokio::test]
async fn cursors_carry_every_key_attribute_of_the_index_across_pages() {
    let orders: Vec<Order> = (0..9)
        .map(|n| {
            order(
                &format!("o{n}"),
                "open",
                (n % 3) - 1,
                Some(n as u32 % 2),
                "A",
            )
        })
        .collect();
    let db = table_of(&orders).await;
    let q = Order::query(open()).limit(2);
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = q.clone().start_at(cursor.take()).exec(&db).await.unwrap();
        seen.extend(page.items.into_iter().map(|o| o.id));
        let Some(next) = page.next else { break };
        // The cursor holds the table key and every key attribute of the index.
        for a in ["id", "tenant", "status", "placed_at", "number"] {
            assert!(next.key().contains_key(a), "{a} in {:?}", next.key());
        }
        // As a client would hand it back: through its text.
        cursor = Some(next.to_string().parse().unwrap());
    }
    let mut want: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
    want.sort();
    let mut got = seen.clone();
    got.sort();
    assert_eq!(got, want, "every order once, in pages of two: {seen:?}");
    assert_eq!(Order::query(open()).count(&db).await.unwrap(), 9);
}

// What must never happen, whatever the items and the conditions:
// 1. a query answers an item outside its conditions (or outside the index: no number);
// 2. an item that meets the conditions is missing from the answer;
// 3. paging by cursor loses or repeats an item, or the pages come out of key order.
// The reference is the conditions evaluated in memory over every item written.

#[derive(Debug, Clone)]
enum Sort {
    None,
    On(Cmp, i64),
    Then(i64, Cmp, u32),
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    Between(i64),
}

impl Cmp {
    fn holds(self, v: i64, x: i64) -> bool {
        match self {
            Cmp::Eq => v == x,
            Cmp::Lt => v < x,
            Cmp::Le => v <= x,
            Cmp::Gt => v > x,
            Cmp::Ge => v >= x,
            Cmp::Between(width) => x <= v && v <= x + width,
        }
    }
}

fn on_placed_at(cmp: Cmp, x: i64) -> Condition<Order> {
    let h = Order::fields().placed_at;
    match cmp {
        Cmp::Eq => h.eq(x),
        Cmp::Lt => h.lt(x),
        Cmp::Le => h.le(x),
        Cmp::Gt => h.gt(x),
        Cmp::Ge => h.ge(x),
        Cmp::Between(w) => h.between(x, x + w),
    }
}

fn on_number(cmp: Cmp, x: u32) -> Condition<Order> {
    let h = Order::fields().number;
    match cmp {
        Cmp::Eq => h.eq(x),
        Cmp::Lt => h.lt(x),
        Cmp::Le => h.le(x),
        Cmp::Gt => h.gt(x),
        Cmp::Ge => h.ge(x),
        Cmp::Between(w) => h.between(x, x + w as u32),
    }
}

#[derive(Debug, Clone)]
struct Case {
    orders: Vec<Order>,
    tenant: String,
    status: String,
    sort: Sort,
    page: usize,
    descending: bool,
}

fn cmp() -> impl Strategy<Value = Cmp> {
    prop_oneof![
        Just(Cmp::Eq),
        Just(Cmp::Lt),
        Just(Cmp::Le),
        Just(Cmp::Gt),
        Just(Cmp::Ge),
        (0..4i64).prop_map(Cmp::Between),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let item = (
        prop::sample::select(vec!["t1", "t2"]),
        prop::sample::select(vec!["open", "shut"]),
        // Narrow domains, so that conditions often meet items at their bounds.
        -4..5i64,
        prop::option::weighted(0.85, 0..3u32),
    );
    (
        prop::collection::vec(item, 0..40),
        prop::sample::select(vec!["t1", "t2"]),
        prop::sample::select(vec!["open", "shut"]),
        prop_oneof![
            1 => Just(Sort::None),
            3 => (cmp(), -4..5i64).prop_map(|(c, x)| Sort::On(c, x)),
            3 => (-4..5i64, cmp(), 0..3u32).prop_map(|(p, c, x)| Sort::Then(p, c, x)),
        ],
        1..6usize,
        any::<bool>(),
    )
        .prop_map(|(items, tenant, status, sort, page, descending)| Case {
            orders: items
                .into_iter()
                .enumerate()
                .map(|(n, (t, s, p, num))| Order {
                    id: format!("o{n:02}"),
                    tenant: t.into(),
                    status: s.into(),
                    placed_at: p,
                    number: num,
                    code: "A".into(),
                })
                .collect(),
            tenant: tenant.into(),
            status: status.into(),
            sort,
            page,
            descending,
        })
}

fn meets(c: &Case, o: &Order) -> bool {
    let Some(number) = o.number else {
        return false;
    };
    o.tenant == c.tenant
        && o.status == c.status
        && match c.sort {
            Sort::None => true,
            Sort::On(cmp, x) => cmp.holds(o.placed_at, x),
            Sort::Then(p, cmp, x) => o.placed_at == p && cmp.holds(i64::from(number), i64::from(x)),
        }
}

async fn check(db: &Db, c: &Case) -> Result<(), TestCaseError> {
    let f = Order::fields();
    let mut q = Order::query(f.tenant.eq(c.tenant.as_str()) & f.status.eq(c.status.as_str()));
    q = match c.sort {
        Sort::None => q,
        Sort::On(cmp, x) => q.range(on_placed_at(cmp, x)),
        Sort::Then(p, cmp, x) => q.range(f.placed_at.eq(p) & on_number(cmp, x)),
    };
    if c.descending {
        q = q.descending();
    }
    let q = q.limit(c.page as i32);
    let mut got: Vec<Order> = Vec::new();
    let mut cursor: Option<Cursor> = None;
    for _ in 0..=c.orders.len() + 1 {
        let page = q
            .clone()
            .start_at(cursor.take())
            .exec(db)
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(page.items.len() <= c.page);
        got.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    prop_assert!(cursor.is_none(), "the pages did not end");
    let want: BTreeSet<&str> = c
        .orders
        .iter()
        .filter(|o| meets(c, o))
        .map(|o| o.id.as_str())
        .collect();
    let got_ids: Vec<&str> = got.iter().map(|o| o.id.as_str()).collect();
    let got_set: BTreeSet<&str> = got_ids.iter().copied().collect();
    prop_assert_eq!(
        got_set.len(),
        got_ids.len(),
        "an item came twice: {:?}",
        got_ids
    );
    prop_assert_eq!(&got_set, &want);
    let keys: Vec<(i64, Option<u32>)> = got.iter().map(|o| (o.placed_at, o.number)).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    if c.descending {
        sorted.reverse();
    }
    prop_assert_eq!(keys, sorted, "out of key order");
    Ok(())
}

#[test]
fn queries_and_their_pages_answer_exactly_what_meets_their_conditions() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cases = std::env::var("NATIVE_KEYS_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 100,
        failure_persistence: None,
        ..Config::default()
    });
    let db = rt.block_on(async {
        let db = common::db().await;
        Order::create_table().exec(&db).await.unwrap();
        db
    });
    let result = runner.run(&case(), |c| {
        rt.block_on(async {
            // Each case on a table of its own items: the previous case's are deleted.
            for o in Order::scan().all(&db).await.unwrap() {
                Order::delete(Order::key(o.id)).exec(&db).await.unwrap();
            }
            for o in &c.orders {
                o.clone().save(&db).await.unwrap();
            }
            check(&db, &c).await
        })
    });
    result.unwrap();
}

/// The move from an index on composed attributes to a native index: version 1 reads by
/// `status_pk = "t1#open"` and a zero-padded `status_sk`, version 2 adds the native index
/// beside it (DynamoDB fills it from the attributes that the items already hold) and reads
/// by it, version 3 drops the old index, and a backfill drops the composed attributes.
mod moving {
    use super::*;

    pub mod v1 {
        use super::*;
        #[derive(Model, Serialize, Deserialize, Debug, Clone)]
        #[dynomodel(
            table = "native_move",
            gsi(name = "by_status_key", hash = "status_pk", range = "status_sk")
        )]
        pub struct Parcel {
            #[dynomodel(hash_key)]
            pub id: String,
            pub tenant: String,
            pub status: String,
            pub placed_at: i64,
            pub status_pk: String,
            pub status_sk: String,
        }
    }

    pub mod v2 {
        use super::*;
        #[derive(Model, Serialize, Deserialize, Debug, Clone)]
        #[dynomodel(
            table = "native_move",
            gsi(name = "by_status_key", hash = "status_pk", range = "status_sk"),
            gsi(name = "by_status", pk = [tenant, status], sk = [placed_at])
        )]
        pub struct Parcel {
            #[dynomodel(hash_key)]
            pub id: String,
            pub tenant: String,
            pub status: String,
            pub placed_at: i64,
            pub status_pk: String,
            pub status_sk: String,
        }
    }

    pub mod v3 {
        use super::*;
        #[derive(Model, Serialize, Deserialize, Debug, Clone)]
        #[dynomodel(table = "native_move", gsi(name = "by_status", pk = [tenant, status], sk = [placed_at]))]
        pub struct Parcel {
            #[dynomodel(hash_key)]
            pub id: String,
            pub tenant: String,
            pub status: String,
            pub placed_at: i64,
        }
    }
}

#[tokio::test]
async fn an_index_of_composed_attributes_moves_to_a_native_index_through_plans() {
    use dynomodel::schema::backfill::{Backfill, Change as Rewrite};
    use dynomodel::schema::migrate::{plan, Change};
    use moving::{v1, v2, v3};
    let db = common::schema_db().await;
    v1::Parcel::create_table().exec(&db).await.unwrap();
    for (n, (status, placed_at)) in [("open", 10), ("open", 3), ("shut", 4), ("open", 7)]
        .into_iter()
        .enumerate()
    {
        let mut p = v1::Parcel {
            id: format!("p{n}"),
            tenant: "t1".into(),
            status: status.into(),
            placed_at,
            status_pk: format!("t1#{status}"),
            status_sk: format!("{placed_at:010}"),
        };
        p.create(&db).await.unwrap();
    }
    let add = plan(&v2::Parcel::create_table(), &db).await.unwrap();
    eprintln!("{add}");
    assert!(matches!(&add.changes[..], [Change::AddIndex(_)]), "{add}");
    assert!(
        add.to_string().contains(
            "+ add global secondary index `by_status` on tenant (HASH), status (HASH), placed_at (RANGE)"
        ),
        "{add}"
    );
    add.apply(&db, false).await.unwrap();
    // Filled by DynamoDB from the attributes that every item held: no backfill.
    let f = v2::Parcel::fields();
    let open = v2::Parcel::query(f.tenant.eq("t1") & f.status.eq("open"))
        .range(f.placed_at.ge(5i64))
        .all(&db)
        .await
        .unwrap();
    let ids: Vec<&str> = open.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p3", "p0"]);
    assert!(plan(&v2::Parcel::create_table(), &db)
        .await
        .unwrap()
        .changes
        .is_empty());

    let drop = plan(&v3::Parcel::create_table(), &db).await.unwrap();
    eprintln!("{drop}");
    assert!(matches!(&drop.changes[..], [Change::RemoveIndex(name)] if name == "by_status_key"));
    drop.apply(&db, true).await.unwrap();
    // Saving each item as version 3 writes it without the composed attributes.
    let progress = Backfill::<v3::Parcel>::new()
        .run(&db, |p| async move { Ok(Rewrite::Save(p)) })
        .await
        .unwrap();
    eprintln!("{progress}");
    let raw = db
        .client()
        .scan()
        .table_name(db.table_name("native_move"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.items().len(), 4);
    for item in raw.items() {
        assert!(
            !item.contains_key("status_pk") && !item.contains_key("status_sk"),
            "{item:?}"
        );
    }
    let g = v3::Parcel::fields();
    let open = v3::Parcel::query(g.tenant.eq("t1") & g.status.eq("open"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|p| p.placed_at).collect::<Vec<_>>(),
        [3, 7, 10]
    );
    let done = plan(&v3::Parcel::create_table(), &db).await.unwrap();
    eprintln!("{done}");
    assert!(done.changes.is_empty(), "{done}");
}
