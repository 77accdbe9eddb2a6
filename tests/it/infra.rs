//! The CloudFormation resource that the model gives describes exactly the table that
//! `create_table` makes in DynamoDB Local.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::StreamViewType;
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::common;

#[derive(Model, Serialize, Deserialize, Debug, Clone)]
#[dynomodel(table = "shipments")]
#[dynomodel(gsi(name = "by_carrier", hash = "carrier", range = "sent", projection = keys_only))]
#[dynomodel(lsi(name = "by_weight", range = "weight", projection = include("note")))]
struct Shipment {
    #[dynomodel(hash_key)]
    shop: String,
    #[dynomodel(range_key)]
    number: u64,
    carrier: String,
    sent: String,
    weight: u64,
    note: Option<String>,
    #[dynomodel(ttl)]
    expires: Option<i64>,
}

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .map(|a| a.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[tokio::test]
async fn the_cloudformation_resource_is_the_table_that_create_table_makes() {
    let db = common::db().await;
    let create = Shipment::create_table().stream(StreamViewType::NewAndOldImages);
    let resource = create.cloudformation().unwrap();
    create.exec(&db).await.unwrap();
    let table = db
        .client()
        .describe_table()
        .table_name(db.table_name(Shipment::TABLE))
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let p = &resource["Properties"];
    assert_eq!(resource["Type"], "AWS::DynamoDB::Table");

    let described_keys: Value = table
        .key_schema()
        .iter()
        .map(|k| json!({ "AttributeName": k.attribute_name(), "KeyType": k.key_type().as_str() }))
        .collect();
    assert_eq!(p["KeySchema"], described_keys);
    let described_attributes: Value = table
        .attribute_definitions()
        .iter()
        .map(|d| json!({ "AttributeName": d.attribute_name(), "AttributeType": d.attribute_type().as_str() }))
        .collect();
    assert_eq!(
        sorted(&p["AttributeDefinitions"]),
        sorted(&described_attributes)
    );

    let gsis: Value = table
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let projection = g.projection().unwrap();
            json!({
                "IndexName": g.index_name().unwrap(),
                "KeySchema": g.key_schema().iter().map(|k| json!({ "AttributeName": k.attribute_name(), "KeyType": k.key_type().as_str() })).collect::<Value>(),
                "Projection": { "ProjectionType": projection.projection_type().unwrap().as_str() },
            })
        })
        .collect();
    assert_eq!(p["GlobalSecondaryIndexes"], gsis);
    let lsis: Vec<(String, String, BTreeSet<String>)> = table
        .local_secondary_indexes()
        .iter()
        .map(|l| {
            let projection = l.projection().unwrap();
            (
                l.index_name().unwrap().to_owned(),
                projection.projection_type().unwrap().as_str().to_owned(),
                projection.non_key_attributes().iter().cloned().collect(),
            )
        })
        .collect();
    let ours: Vec<(String, String, BTreeSet<String>)> = p["LocalSecondaryIndexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["IndexName"].as_str().unwrap().to_owned(),
                l["Projection"]["ProjectionType"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                l["Projection"]["NonKeyAttributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(ours, lsis);
    assert_eq!(
        p["StreamSpecification"]["StreamViewType"],
        table
            .stream_specification()
            .unwrap()
            .stream_view_type()
            .unwrap()
            .as_str()
    );
    assert_eq!(
        p["BillingMode"],
        table
            .billing_mode_summary()
            .map_or("PAY_PER_REQUEST", |b| b.billing_mode().unwrap().as_str())
    );
    let ttl = db
        .client()
        .describe_time_to_live()
        .table_name(db.table_name(Shipment::TABLE))
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(
        p["TimeToLiveSpecification"]["AttributeName"],
        ttl.attribute_name().unwrap()
    );

    let statement = dynomodel::schema::infra::iam_statement::<Shipment>();
    let actions: Vec<&str> = statement["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(actions.contains(&"dynamodb:Query"));
    assert!(
        !actions.iter().any(|a| a.contains("Table")),
        "no table management: {actions:?}"
    );
    assert!(statement["Resource"][1]["Fn::Sub"]
        .as_str()
        .unwrap()
        .ends_with("table/shipments/index/*"));
}
