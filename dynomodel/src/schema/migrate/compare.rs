//! The comparison of a CreateTable with a live table's description: every difference, in
//! the order `apply` makes the changes (removals first, so that an attribute that a removed
//! index used can be defined again by a new one). Pure: no request.
//! Layer: schema.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::operation::create_table::CreateTableInput;
use aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveOutput;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, IndexStatus, KeySchemaElement, Projection, ProjectionType,
    ProvisionedThroughputDescription, TableClass, TableDescription, TimeToLiveStatus,
};

use super::Change;

/// Attribute name to type (`S`, `N`, `B`).
fn types(defs: &[AttributeDefinition]) -> BTreeMap<&str, &str> {
    defs.iter()
        .map(|d| (d.attribute_name(), d.attribute_type().as_str()))
        .collect()
}

/// Keys with their attribute types: `pk (HASH, S), sk (RANGE, N)`.
fn typed_keys(keys: &[KeySchemaElement], types: &BTreeMap<&str, &str>) -> String {
    keys.iter()
        .map(|k| {
            format!(
                "{} ({}, {})",
                k.attribute_name(),
                k.key_type().as_str(),
                types.get(k.attribute_name()).copied().unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A projection as text: `ALL`, `KEYS_ONLY`, `INCLUDE [a, b]` (its attributes sorted).
fn projection_text(p: Option<&Projection>) -> String {
    let kind = p
        .and_then(|p| p.projection_type())
        .map_or("ALL", |t| t.as_str());
    match p.filter(|p| p.projection_type() == Some(&ProjectionType::Include)) {
        Some(p) => {
            let mut attrs = p.non_key_attributes().to_vec();
            attrs.sort();
            format!("{kind} [{}]", attrs.join(", "))
        }
        None => kind.to_owned(),
    }
}

/// Read and write units of a live table or index (`None` on demand, or with 0 units).
fn units(t: Option<&ProvisionedThroughputDescription>) -> Option<(i64, i64)> {
    let t = t?;
    let r = t.read_capacity_units().unwrap_or(0);
    let w = t.write_capacity_units().unwrap_or(0);
    (r > 0 || w > 0).then_some((r, w))
}

/// Every difference between `want` and `live`, in the order `apply` makes them.
pub(super) fn changes(
    want: &CreateTableInput,
    live: &TableDescription,
    ttl: Option<&str>,
    live_ttl: Option<&DescribeTimeToLiveOutput>,
) -> Vec<Change> {
    let (want_types, live_types) = (
        types(want.attribute_definitions()),
        types(live.attribute_definitions()),
    );
    let mut blocked = Vec::new();
    let mut removals = Vec::new();
    let mut adds = Vec::new();
    let mut billing = None;
    let mut rest = Vec::new();

    let (want_keys, live_keys) = (
        typed_keys(want.key_schema(), &want_types),
        typed_keys(live.key_schema(), &live_types),
    );
    if want_keys != live_keys {
        blocked.push(Change::Blocked(format!(
            "the table's keys are {live_keys}, the model's {want_keys}"
        )));
    }

    // Local indexes: made with the table, never changed or removed after.
    for l in want.local_secondary_indexes() {
        let name = l.index_name();
        let found = live
            .local_secondary_indexes()
            .iter()
            .find(|x| x.index_name() == Some(name));
        let want_text = format!(
            "{}; {}",
            typed_keys(l.key_schema(), &want_types),
            projection_text(l.projection())
        );
        match found {
            None => blocked.push(Change::Blocked(format!(
                "the local secondary index `{name}` ({want_text}) is not in the table, and a local index is made only with its table"
            ))),
            Some(x) => {
                let live_text = format!(
                    "{}; {}",
                    typed_keys(x.key_schema(), &live_types),
                    projection_text(x.projection())
                );
                if live_text != want_text {
                    blocked.push(Change::Blocked(format!(
                        "the local secondary index `{name}` is {live_text} in the table, {want_text} in the model, and a local index changes only with its table"
                    )));
                }
            }
        }
    }
    for x in live.local_secondary_indexes() {
        let name = x.index_name().unwrap_or_default();
        if !want
            .local_secondary_indexes()
            .iter()
            .any(|l| l.index_name() == name)
        {
            blocked.push(Change::Blocked(format!(
                "the table has the local secondary index `{name}`, which the model does not declare, and a local index goes only with its table"
            )));
        }
    }

    // Global indexes.
    for g in want.global_secondary_indexes() {
        let name = g.index_name();
        match live
            .global_secondary_indexes()
            .iter()
            .find(|l| l.index_name() == Some(name))
        {
            None => adds.push(Change::AddIndex(g.clone())),
            Some(l) => {
                let want_text = format!(
                    "{}; {}",
                    typed_keys(g.key_schema(), &want_types),
                    projection_text(g.projection())
                );
                let live_text = format!(
                    "{}; {}",
                    typed_keys(l.key_schema(), &live_types),
                    projection_text(l.projection())
                );
                if want_text != live_text {
                    blocked.push(Change::Blocked(format!(
                        "the global secondary index `{name}` is {live_text} in the table, {want_text} in the model: an index's keys and projection do not change in place (remove it, then add it again under another name, and move the queries to it)"
                    )));
                }
            }
        }
    }
    // An index that is DELETING is on its way out already.
    for l in live
        .global_secondary_indexes()
        .iter()
        .filter(|l| l.index_status() != Some(&IndexStatus::Deleting))
    {
        let name = l.index_name().unwrap_or_default();
        if !want
            .global_secondary_indexes()
            .iter()
            .any(|g| g.index_name() == name)
        {
            removals.push(Change::RemoveIndex(name.to_owned()));
        }
    }

    // Billing: the mode, and the throughput of the table and of every index kept.
    let want_units = want
        .provisioned_throughput()
        .filter(|_| want.billing_mode() == Some(&BillingMode::Provisioned))
        .map(|t| (t.read_capacity_units(), t.write_capacity_units()));
    let live_on_demand = live.billing_mode_summary().and_then(|b| b.billing_mode())
        == Some(&BillingMode::PayPerRequest);
    let billing_differs = match want_units {
        None => !live_on_demand,
        Some(u) => {
            live_on_demand
                || units(live.provisioned_throughput()) != Some(u)
                || live
                    .global_secondary_indexes()
                    .iter()
                    .filter(|l| l.index_status() != Some(&IndexStatus::Deleting))
                    .filter(|l| {
                        want.global_secondary_indexes()
                            .iter()
                            .any(|g| Some(g.index_name()) == l.index_name())
                    })
                    .any(|l| units(l.provisioned_throughput()) != Some(u))
        }
    };
    if billing_differs {
        billing = Some(Change::Billing(want_units));
    }

    if let Some(class) = want.table_class() {
        let live_class = live
            .table_class_summary()
            .and_then(|c| c.table_class())
            .unwrap_or(&TableClass::Standard);
        if live_class != class {
            rest.push(Change::TableClass(class.clone()));
        }
    }

    if let Some(view) = want
        .stream_specification()
        .filter(|s| s.stream_enabled())
        .and_then(|s| s.stream_view_type())
    {
        let live_view = live
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type());
        if live_view != Some(view) {
            rest.push(Change::Stream {
                view: view.clone(),
                replaces: live_view.cloned(),
            });
        }
    }

    if let Some(on) = want.deletion_protection_enabled() {
        if live.deletion_protection_enabled().unwrap_or(false) != on {
            rest.push(Change::DeletionProtection(on));
        }
    }

    if let Some(attr) = ttl {
        let d = live_ttl.and_then(|t| t.time_to_live_description());
        let on = d
            .filter(|d| {
                matches!(
                    d.time_to_live_status(),
                    Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
                )
            })
            .and_then(|d| d.attribute_name());
        match on {
            Some(a) if a == attr => {}
            Some(a) => rest.push(Change::MoveTtl {
                from: a.to_owned(),
                to: attr.to_owned(),
            }),
            None => rest.push(Change::Ttl(attr.to_owned())),
        }
    }

    // Nothing of a blocked plan is made; its blocked changes come first, so that the
    // reader sees them before what would have been possible.
    blocked
        .into_iter()
        .chain(removals)
        .chain(billing)
        .chain(adds)
        .chain(rest)
        .collect()
}
