//! Property tests of the generated codec: every supported type round-trips, and no item,
//! however malformed, makes decoding panic.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde::{Deserialize, Serialize};

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Inner {
    label: String,
    weight: Option<f32>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Mood {
    Calm,
    Excited(u8),
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Everything {
    s: String,
    b: bool,
    i8_: i8,
    i16_: i16,
    i32_: i32,
    i64_: i64,
    i128_: i128,
    u8_: u8,
    u16_: u16,
    u32_: u32,
    u64_: u64,
    usize_: usize,
    f32_: f32,
    f64_: f64,
    opt: Option<String>,
    opt_num: Option<u64>,
    list: Vec<String>,
    nested_list: Vec<Vec<i32>>,
    map: HashMap<String, u32>,
    btree: BTreeMap<String, bool>,
    bytes: Vec<u8>,
    #[dynomodel(string_set)]
    ss: BTreeSet<String>,
    #[dynomodel(number_set)]
    ns: HashSet<i64>,
    #[dynomodel(binary_set)]
    bs: BTreeSet<Vec<u8>>,
    inner: Inner,
    inners: Vec<Inner>,
    maybe_inner: Option<Inner>,
    mood: Mood,
    at: chrono::DateTime<chrono::Utc>,
    #[dynomodel(epoch)]
    at_epoch: chrono::DateTime<chrono::Utc>,
}

fn inner() -> impl Strategy<Value = Inner> {
    (
        ".*",
        proptest::option::of(proptest::num::f32::NORMAL | proptest::num::f32::ZERO),
    )
        .prop_map(|(label, weight)| Inner { label, weight })
}

/// Floats within DynamoDB's numbers: magnitudes from 1e-130 to 1e125.
fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        (-1.0e6f64..1.0e6f64, -120i32..118).prop_map(|(m, e)| m * 10f64.powi(e)),
    ]
}

/// Integers within DynamoDB's 38 digits.
fn i128_38() -> impl Strategy<Value = i128> {
    let max = 10i128.pow(38) - 1;
    -max..=max
}

prop_compose! {
    fn everything()(
        (s, b, i8_, i16_, i32_, i64_, i128_) in (".*", any::<bool>(), any::<i8>(), any::<i16>(), any::<i32>(), any::<i64>(), i128_38()),
        (u8_, u16_, u32_, u64_, usize_) in (any::<u8>(), any::<u16>(), any::<u32>(), any::<u64>(), any::<usize>()),
        (f32_, f64_) in (proptest::num::f32::NORMAL | proptest::num::f32::ZERO, finite_f64()),
        (opt, opt_num) in (proptest::option::of(".*"), proptest::option::of(any::<u64>())),
        list in proptest::collection::vec(".*", 0..4),
        nested_list in proptest::collection::vec(proptest::collection::vec(any::<i32>(), 0..3), 0..3),
        map in proptest::collection::hash_map(".*", any::<u32>(), 0..4),
        btree in proptest::collection::btree_map(".*", any::<bool>(), 0..4),
        bytes in proptest::collection::vec(any::<u8>(), 0..16),
        ss in proptest::collection::btree_set(".*", 0..4),
        ns in proptest::collection::hash_set(any::<i64>(), 0..4),
        bs in proptest::collection::btree_set(proptest::collection::vec(any::<u8>(), 0..8), 0..4),
        inner in inner(),
        inners in proptest::collection::vec(inner(), 0..3),
        maybe_inner in proptest::option::of(inner()),
        mood in prop_oneof![Just(Mood::Calm), any::<u8>().prop_map(Mood::Excited)],
        (secs, nanos) in (0i64..4_000_000_000, 0u32..1_000_000_000),
        epoch in 0i64..4_000_000_000,
    ) -> Everything {
        Everything {
            s, b, i8_, i16_, i32_, i64_, i128_, u8_, u16_, u32_, u64_, usize_, f32_, f64_,
            opt, opt_num, list, nested_list, map, btree, bytes, ss, ns, bs, inner, inners,
            maybe_inner, mood,
            at: chrono::DateTime::from_timestamp(secs, nanos).unwrap(),
            at_epoch: chrono::DateTime::from_timestamp(epoch, 0).unwrap(),
        }
    }
}

fn everything_fixed() -> Everything {
    everything()
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .unwrap()
        .current()
}

fn attribute_value() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        ".*".prop_map(AttributeValue::S),
        "-?[0-9]{0,40}(\\.[0-9]{0,5})?".prop_map(AttributeValue::N),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null(true)),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|b| AttributeValue::B(Blob::new(b))),
        proptest::collection::vec(".*", 0..3).prop_map(AttributeValue::Ss),
        proptest::collection::vec("[0-9]{1,3}", 0..3).prop_map(AttributeValue::Ns),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::L),
            proptest::collection::hash_map("[a-z_0-9]{1,8}", inner, 0..4)
                .prop_map(AttributeValue::M),
        ]
    })
}

/// Items that mostly carry the model's own attribute names, so that decoding gets deep.
fn item_for(
    names: &'static [&'static str],
) -> impl Strategy<Value = HashMap<String, AttributeValue>> {
    proptest::collection::hash_map(
        prop_oneof![
            proptest::sample::select(names).prop_map(str::to_owned),
            "[a-z]{1,4}"
        ],
        attribute_value(),
        0..names.len() + 2,
    )
}

const NAMES: &[&str] = &[
    "s",
    "b",
    "i8_",
    "u8_",
    "f32_",
    "opt",
    "list",
    "nested_list",
    "map",
    "bytes",
    "ss",
    "ns",
    "bs",
    "inner",
    "inners",
    "maybe_inner",
    "mood",
    "at",
    "at_epoch",
];

const ALL_NAMES: &[&str] = &[
    "s",
    "b",
    "i8_",
    "i16_",
    "i32_",
    "i64_",
    "i128_",
    "u8_",
    "u16_",
    "u32_",
    "u64_",
    "usize_",
    "f32_",
    "f64_",
    "opt",
    "opt_num",
    "list",
    "nested_list",
    "map",
    "btree",
    "bytes",
    "ss",
    "ns",
    "bs",
    "inner",
    "inners",
    "maybe_inner",
    "mood",
    "at",
    "at_epoch",
];

/// The pets model of the operation tests: keys, a version, sets, a nested option, a map.
const PET_NAMES: &[&str] = &[
    "id",
    "name",
    "age",
    "owner",
    "tags",
    "address",
    "version",
    "status",
    "size",
    "odd.name-with space",
    "scores",
    "meta",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoding_any_item_into_the_pets_model_never_panics(item in item_for(PET_NAMES)) {
        match crate::ops::Pet::from_item(&item) {
            Ok(_) => {}
            Err(Error::Decode { path, .. }) => {
                let top = path.split(['.', '[']).next().unwrap();
                prop_assert!(
                    PET_NAMES.iter().any(|n| n.starts_with(top)),
                    "path {path:?} is not an attribute"
                );
            }
            Err(other) => prop_assert!(false, "not a Decode error: {other:?}"),
        }
    }

    #[test]
    fn decoding_any_item_into_a_renamed_model_never_panics(
        item in item_for(&["firstName", "LAST", "kind", "scores", "byDay"])
    ) {
        match crate::models::Renamed::from_item(&item) {
            Ok(r) => {
                // Whatever it kept, it writes back: the known attributes and the extra ones.
                let again = r.to_item().unwrap();
                for (k, v) in &item {
                    if !["firstName", "LAST", "kind", "scores", "byDay"].contains(&k.as_str()) {
                        prop_assert_eq!(again.get(k), Some(v));
                    }
                }
            }
            Err(Error::Decode { path, .. }) => prop_assert!(!path.is_empty()),
            Err(other) => prop_assert!(false, "not a Decode error: {other:?}"),
        }
    }

    #[test]
    fn every_supported_type_round_trips(value in everything()) {
        let item = value.to_item().unwrap();
        let back = Everything::from_item(&item).unwrap();
        prop_assert_eq!(back, value);
    }

    #[test]
    fn numbers_beyond_dynamodb_are_encode_errors_naming_the_path(
        big in prop_oneof![
            (10i128.pow(38)..=i128::MAX),
            (i128::MIN..=-(10i128.pow(38))),
        ],
        huge in prop_oneof![1e126f64..1e300, -1e300f64..-1e126, 1e-300f64..1e-131],
    ) {
        // An odd number ends in a non-zero digit: all 39 of its digits are significant.
        let mut value = everything_fixed();
        value.i128_ = big | 1;
        let err = value.to_item().unwrap_err();
        prop_assert!(matches!(&err, Error::Encode { path, .. } if path == "i128_"), "{err}");
        let mut value = everything_fixed();
        value.f64_ = huge;
        let err = value.to_item().unwrap_err();
        prop_assert!(matches!(&err, Error::Encode { path, .. } if path == "f64_"), "{err}");
    }

    #[test]
    fn decoding_any_item_never_panics_and_names_a_path(item in item_for(NAMES)) {
        match Everything::from_item(&item) {
            Ok(_) => {}
            Err(Error::Decode { path, message }) => {
                prop_assert!(!path.is_empty(), "no path in {message}");
                let top = path.split(['.', '[']).next().unwrap();
                prop_assert!(ALL_NAMES.contains(&top), "path {path:?} is not an attribute");
            }
            Err(other) => prop_assert!(false, "not a Decode error: {other:?}"),
        }
    }
}
