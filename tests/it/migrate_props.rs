//! Apply reaches a fixed point, over random pairs of table definitions against DynamoDB
//! Local: version 1 is created, version 2 planned and applied (index removals allowed),
//! then planned again. Where the plan blocks (a reference decides where it must), apply
//! refuses it whole and the table is as it was; elsewhere the second plan is empty and
//! DescribeTable (with DescribeTimeToLive) shows what version 2's CreateTable declares.

use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::operation::create_table::CreateTableInput;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableClass, TableDescription, TimeToLiveSpecification,
    TimeToLiveStatus,
};
use dynomodel::prelude::*;
use dynomodel::schema::migrate::{plan_table, Change, Waits};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::common;

#[derive(Clone, Debug, PartialEq)]
enum Proj {
    All,
    Keys,
    Include(Vec<&'static str>),
}

/// A table definition: key types, indexes, billing, stream, TTL, class, protection.
#[derive(Clone, Debug)]
struct Def {
    /// Types of `pk`, `sk`, `ga`, `gb`, `lc`: true for N, false for S.
    numeric: [bool; 5],
    range: bool,
    /// Global indexes `g1` (on `ga`) and `g2` (on `gb`), where present.
    gsis: [Option<Proj>; 2],
    /// A local index `l1` on `lc` (with a range key only).
    lsi: Option<Proj>,
    billing: Option<(i64, i64)>,
    stream: Option<StreamViewType>,
    ttl: Option<&'static str>,
    class: Option<TableClass>,
    protection: Option<bool>,
}

fn proj() -> impl Strategy<Value = Proj> {
    prop_oneof![
        Just(Proj::All),
        Just(Proj::Keys),
        Just(Proj::Include(vec!["x"])),
        Just(Proj::Include(vec!["x", "y"])),
    ]
}

fn def() -> impl Strategy<Value = Def> {
    (
        (
            prop::array::uniform5(prop::bool::weighted(0.2)),
            any::<bool>(),
        ),
        (
            prop::option::of(proj()),
            prop::option::of(proj()),
            prop::option::of(proj()),
        ),
        prop::option::of((1i64..=3, 1i64..=3)),
        prop::option::of(prop_oneof![
            Just(StreamViewType::NewImage),
            Just(StreamViewType::NewAndOldImages),
            Just(StreamViewType::KeysOnly),
        ]),
        prop::option::of(prop_oneof![Just("exp"), Just("exp2")]),
        // DynamoDB Local accepts STANDARD_INFREQUENT_ACCESS and describes no table class:
        // only STANDARD (or none) can be checked against it.
        prop::option::of(Just(TableClass::Standard)),
        prop::option::of(any::<bool>()),
    )
        .prop_map(
            |((numeric, range), (g1, g2, lsi), billing, stream, ttl, class, protection)| Def {
                numeric,
                range,
                gsis: [g1, g2],
                lsi: lsi.filter(|_| range),
                billing,
                stream,
                ttl,
                class,
                protection,
            },
        )
}

/// Version 2: version 1 with each part replaced by another's where `mask` says (a third of
/// the time), so that most pairs are close and can be applied.
fn pair() -> impl Strategy<Value = (Def, Def)> {
    (
        def(),
        def(),
        prop::array::uniform9(prop::bool::weighted(0.33)),
    )
        .prop_map(|(a, b, m)| {
            let mut v2 = a.clone();
            if m[0] {
                v2.numeric = b.numeric;
            }
            if m[1] {
                v2.range = b.range;
                v2.lsi = b.lsi.clone();
            }
            if m[2] {
                v2.gsis[0] = b.gsis[0].clone();
            }
            if m[3] {
                v2.gsis[1] = b.gsis[1].clone();
            }
            if m[4] {
                v2.billing = b.billing;
            }
            if m[5] {
                v2.stream = b.stream.clone();
            }
            if m[6] {
                v2.ttl = b.ttl;
            }
            if m[7] {
                v2.class = b.class.clone();
            }
            if m[8] {
                v2.protection = b.protection;
            }
            if !v2.range {
                v2.lsi = None;
            }
            // No index removal: DynamoDB Local keeps a removed index DELETING for minutes,
            // and refuses every other change of the table until it is gone (as AWS does, for
            // less long). Removal and its wait are tested on their own.
            for i in 0..2 {
                if v2.gsis[i].is_none() {
                    v2.gsis[i] = a.gsis[i].clone();
                }
            }
            (a, v2)
        })
}

const NAMES: [&str; 5] = ["pk", "sk", "ga", "gb", "lc"];

fn ty(numeric: bool) -> ScalarAttributeType {
    if numeric {
        ScalarAttributeType::N
    } else {
        ScalarAttributeType::S
    }
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .unwrap()
}

fn projection(p: &Proj) -> Projection {
    match p {
        Proj::All => Projection::builder()
            .projection_type(ProjectionType::All)
            .build(),
        Proj::Keys => Projection::builder()
            .projection_type(ProjectionType::KeysOnly)
            .build(),
        Proj::Include(a) => Projection::builder()
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(a.iter().map(|s| s.to_string()).collect()))
            .build(),
    }
}

impl Def {
    fn input(&self) -> CreateTableInput {
        let mut used = vec![0];
        let mut keys = vec![key("pk", KeyType::Hash)];
        if self.range {
            used.push(1);
            keys.push(key("sk", KeyType::Range));
        }
        let throughput = self.billing.map(|(r, w)| {
            ProvisionedThroughput::builder()
                .read_capacity_units(r)
                .write_capacity_units(w)
                .build()
                .unwrap()
        });
        let mut b = CreateTableInput::builder()
            .table_name("fixed")
            .set_key_schema(Some(keys))
            .billing_mode(if self.billing.is_some() {
                BillingMode::Provisioned
            } else {
                BillingMode::PayPerRequest
            })
            .set_provisioned_throughput(throughput.clone())
            .set_table_class(self.class.clone())
            .set_deletion_protection_enabled(self.protection);
        for (i, g) in self.gsis.iter().enumerate() {
            if let Some(p) = g {
                used.push(2 + i);
                b = b.global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(format!("gsi{}", i + 1))
                        .key_schema(key(NAMES[2 + i], KeyType::Hash))
                        .projection(projection(p))
                        .set_provisioned_throughput(throughput.clone())
                        .build()
                        .unwrap(),
                );
            }
        }
        if let Some(p) = &self.lsi {
            used.push(4);
            b = b.local_secondary_indexes(
                LocalSecondaryIndex::builder()
                    .index_name("lsi1")
                    .key_schema(key("pk", KeyType::Hash))
                    .key_schema(key("lc", KeyType::Range))
                    .projection(projection(p))
                    .build()
                    .unwrap(),
            );
        }
        for i in used {
            b = b.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(NAMES[i])
                    .attribute_type(ty(self.numeric[i]))
                    .build()
                    .unwrap(),
            );
        }
        if let Some(view) = &self.stream {
            b = b.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(view.clone())
                    .build()
                    .unwrap(),
            );
        }
        b.build().unwrap()
    }
}

/// The reference: what DynamoDB cannot change in place between `a` and `b`.
fn must_block(a: &Def, b: &Def) -> bool {
    let t = |d: &Def, i: usize| d.numeric[i];
    a.range != b.range
        || t(a, 0) != t(b, 0)
        || (a.range && t(a, 1) != t(b, 1))
        || a.lsi != b.lsi
        || (a.lsi.is_some() && t(a, 4) != t(b, 4))
        || (0..2).any(|i| match (&a.gsis[i], &b.gsis[i]) {
            (Some(p), Some(q)) => p != q || t(a, 2 + i) != t(b, 2 + i),
            _ => false,
        })
}

/// DescribeTable as the parts a CreateTable declares, in one text; `want` says which of the
/// optional parts count.
fn shown(d: &TableDescription, ttl: Option<(String, bool)>, want: &Def) -> String {
    let types: std::collections::BTreeMap<_, _> = d
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_owned(),
                a.attribute_type().as_str().to_owned(),
            )
        })
        .collect();
    let keys = |k: &[KeySchemaElement]| {
        k.iter()
            .map(|k| {
                format!(
                    "{}:{}:{}",
                    k.attribute_name(),
                    k.key_type().as_str(),
                    types[k.attribute_name()]
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let proj = |p: Option<&Projection>| {
        let p = p.unwrap();
        let mut attrs = p.non_key_attributes().to_vec();
        attrs.sort();
        format!("{}{attrs:?}", p.projection_type().unwrap().as_str())
    };
    let units = |t: Option<&aws_sdk_dynamodb::types::ProvisionedThroughputDescription>| {
        t.map(|t| {
            (
                t.read_capacity_units().unwrap_or(0),
                t.write_capacity_units().unwrap_or(0),
            )
        })
        .filter(|u| *u != (0, 0))
    };
    let on_demand = d.billing_mode_summary().and_then(|b| b.billing_mode())
        == Some(&BillingMode::PayPerRequest);
    let mut s = format!(
        "keys {}; billing {:?}",
        keys(d.key_schema()),
        if on_demand {
            None
        } else {
            units(d.provisioned_throughput())
        }
    );
    // An index that is DELETING (DynamoDB Local keeps a removed one so for minutes) is
    // not part of the table any more.
    let mut gsis: Vec<String> = d
        .global_secondary_indexes()
        .iter()
        .filter(|g| g.index_status() != Some(&aws_sdk_dynamodb::types::IndexStatus::Deleting))
        .map(|g| {
            format!(
                "{} {} {} {:?}",
                g.index_name().unwrap(),
                keys(g.key_schema()),
                proj(g.projection()),
                if on_demand {
                    None
                } else {
                    units(g.provisioned_throughput())
                }
            )
        })
        .collect();
    gsis.sort();
    let lsis: Vec<String> = d
        .local_secondary_indexes()
        .iter()
        .map(|l| {
            format!(
                "{} {} {}",
                l.index_name().unwrap(),
                keys(l.key_schema()),
                proj(l.projection())
            )
        })
        .collect();
    s.push_str(&format!("; gsi {gsis:?}; lsi {lsis:?}"));
    if want.stream.is_some() {
        let view = d
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type());
        s.push_str(&format!("; stream {view:?}"));
    }
    if want.class.is_some() {
        let class = d
            .table_class_summary()
            .and_then(|c| c.table_class())
            .cloned()
            .unwrap_or(TableClass::Standard);
        s.push_str(&format!("; class {class:?}"));
    }
    if want.protection.is_some() {
        s.push_str(&format!(
            "; protection {}",
            d.deletion_protection_enabled().unwrap_or(false)
        ));
    }
    if want.ttl.is_some() {
        s.push_str(&format!("; ttl {ttl:?}"));
    }
    s
}

/// The table `name` as DynamoDB describes it now, as `shown`.
async fn live(db: &Db, name: &str, parts: &Def) -> String {
    let table = db.table_name(name);
    let d = db
        .client()
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let ttl = db
        .client()
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().and_then(|t| {
        let on = matches!(
            t.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        );
        on.then(|| (t.attribute_name().unwrap_or_default().to_owned(), true))
    });
    shown(&d, ttl, parts)
}

/// Creates table `name` of `def` with the SDK, as a table made before dynomodel saw it.
async fn create(db: &Db, name: &str, def: &Def) {
    let input = def.input();
    let table = db.table_name(name);
    db.client()
        .create_table()
        .table_name(&table)
        .set_attribute_definitions(input.attribute_definitions)
        .set_key_schema(input.key_schema)
        .set_billing_mode(input.billing_mode)
        .set_provisioned_throughput(input.provisioned_throughput)
        .set_global_secondary_indexes(input.global_secondary_indexes)
        .set_local_secondary_indexes(input.local_secondary_indexes)
        .set_stream_specification(input.stream_specification)
        .set_table_class(input.table_class)
        .set_deletion_protection_enabled(input.deletion_protection_enabled)
        .send()
        .await
        .unwrap();
    if let Some(ttl) = def.ttl {
        db.client()
            .update_time_to_live()
            .table_name(&table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(ttl)
                    .enabled(true)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
}

/// DynamoDB Local makes these changes in well under a second when it is alone; a minute
/// leaves room for a loaded machine (the whole suite beside it), and a longer wait would
/// be one that never ends.
const WAITS: Waits = Waits {
    table: std::time::Duration::from_secs(60),
    index: std::time::Duration::from_secs(60),
    poll: std::time::Duration::from_millis(20),
};

static BLOCKED: AtomicUsize = AtomicUsize::new(0);
static APPLIED: AtomicUsize = AtomicUsize::new(0);
static CHANGES: AtomicUsize = AtomicUsize::new(0);

async fn check(v1: &Def, v2: &Def) -> Result<(), String> {
    let db = common::schema_db().await;
    create(&db, "fixed", v1).await;
    let every_part = Def {
        stream: Some(StreamViewType::KeysOnly),
        ttl: Some("exp"),
        class: Some(TableClass::Standard),
        protection: Some(false),
        ..v1.clone()
    };
    let before = live(&db, "fixed", &every_part).await;
    let p = plan_table(&v2.input(), v2.ttl, &db)
        .await
        .map_err(|e| format!("plan: {e}"))?
        .waits(WAITS);
    let blocked = p.changes.iter().any(|c| matches!(c, Change::Blocked(_)));
    if blocked != must_block(v1, v2) {
        return Err(format!(
            "the plan blocks: {blocked}, the reference: {}\n{p}",
            !blocked
        ));
    }
    if blocked {
        BLOCKED.fetch_add(1, Ordering::Relaxed);
        match p.apply(&db, true).await {
            Ok(done) => return Err(format!("a blocked plan was applied: {done:?}\n{p}")),
            Err(e) if !e.done.is_empty() => {
                return Err(format!("a blocked plan made changes: {e}\n{p}"))
            }
            Err(_) => {}
        }
        let after = live(&db, "fixed", &every_part).await;
        if after != before {
            return Err(format!(
                "a refused plan changed the table:\n{before}\n{after}"
            ));
        }
        return Ok(());
    }
    APPLIED.fetch_add(1, Ordering::Relaxed);
    CHANGES.fetch_add(p.changes.len(), Ordering::Relaxed);
    p.apply(&db, true)
        .await
        .map_err(|e| format!("apply: {e}\n{p}"))?;
    let again = plan_table(&v2.input(), v2.ttl, &db)
        .await
        .map_err(|e| format!("plan again: {e}"))?;
    if !again.changes.is_empty() {
        return Err(format!("after apply of\n{p}the plan is\n{again}"));
    }
    create(&db, "fresh", v2).await;
    let (migrated, fresh) = (live(&db, "fixed", v2).await, live(&db, "fresh", v2).await);
    if migrated != fresh {
        return Err(format!(
            "after apply of\n{p}the table is\n  {migrated}\nand one created from version 2 is\n  {fresh}"
        ));
    }
    Ok(())
}

/// Pairs of definitions tried (each case takes the schema DynamoDB Local alone, see
/// `common::schema_db`).
const CASES: u32 = 64;

#[test]
fn apply_reaches_a_fixed_point() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cases = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        max_shrink_iters: 100,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&pair(), |(v1, v2)| {
        cases.fetch_add(1, Ordering::Relaxed);
        rt.block_on(check(&v1, &v2)).map_err(TestCaseError::fail)
    });
    eprintln!(
        "apply_reaches_a_fixed_point: {} cases, {} blocked and refused, {} applied ({} changes)",
        cases.load(Ordering::Relaxed),
        BLOCKED.load(Ordering::Relaxed),
        APPLIED.load(Ordering::Relaxed),
        CHANGES.load(Ordering::Relaxed)
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
