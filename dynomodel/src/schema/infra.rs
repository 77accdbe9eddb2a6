//! Infrastructure from the model: the CloudFormation `AWS::DynamoDB::Table` resource of a
//! table that `create_table` would make, and the least-privilege IAM statement of a Lambda
//! that uses it, so that the template and the model cannot drift apart.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! let resource = Pet::create_table().cloudformation()?;
//! assert_eq!(resource["Type"], "AWS::DynamoDB::Table");
//! assert_eq!(resource["Properties"]["TableName"], "pets");
//! let statement = dynomodel::schema::infra::iam_statement::<Pet>();
//! assert_eq!(statement["Effect"], "Allow");
//! # Ok::<(), Error>(())
//! ```
//!
//! Layer: ops.

use aws_sdk_dynamodb::types::{KeySchemaElement, Projection, ProvisionedThroughput};
use serde_json::{json, Map, Value};

use crate::error::Result;
use crate::model::Model;
use crate::schema::table::CreateTable;

fn key_schema(keys: &[KeySchemaElement]) -> Value {
    keys.iter()
        .map(|k| json!({ "AttributeName": k.attribute_name(), "KeyType": k.key_type().as_str() }))
        .collect()
}

fn projection(p: Option<&Projection>) -> Value {
    let Some(p) = p else {
        return json!({ "ProjectionType": "ALL" });
    };
    let mut out = Map::new();
    out.insert(
        "ProjectionType".into(),
        json!(p.projection_type().map_or("ALL", |t| t.as_str())),
    );
    if !p.non_key_attributes().is_empty() {
        out.insert("NonKeyAttributes".into(), json!(p.non_key_attributes()));
    }
    Value::Object(out)
}

fn throughput(t: Option<&ProvisionedThroughput>) -> Option<Value> {
    t.map(|t| {
        json!({
            "ReadCapacityUnits": t.read_capacity_units(),
            "WriteCapacityUnits": t.write_capacity_units(),
        })
    })
}

impl<M: Model> CreateTable<M> {
    /// The CloudFormation resource (`AWS::DynamoDB::Table`) of the table that `exec` would
    /// create: keys, attribute definitions, indexes with their projections, billing, TTL and
    /// stream, from the same input that `exec` sends. Its `DeletionPolicy` and
    /// `UpdateReplacePolicy` are `Retain`: deleting the stack keeps the table and its items.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::create_table().provisioned(5, 5).cloudformation()?;
    /// let p = &r["Properties"];
    /// assert_eq!(p["BillingMode"], "PROVISIONED");
    /// assert_eq!(p["KeySchema"][0]["AttributeName"], "id");
    /// assert_eq!(p["GlobalSecondaryIndexes"][0]["IndexName"], "by_owner");
    /// assert_eq!(r["DeletionPolicy"], "Retain");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn cloudformation(&self) -> Result<Value> {
        let input = self.to_request()?;
        let mut p = Map::new();
        p.insert("TableName".into(), json!(M::TABLE));
        p.insert(
            "AttributeDefinitions".into(),
            input
                .attribute_definitions()
                .iter()
                .map(|d| {
                    json!({
                        "AttributeName": d.attribute_name(),
                        "AttributeType": d.attribute_type().as_str(),
                    })
                })
                .collect(),
        );
        p.insert("KeySchema".into(), key_schema(input.key_schema()));
        p.insert(
            "BillingMode".into(),
            json!(input
                .billing_mode()
                .map_or("PAY_PER_REQUEST", |b| b.as_str())),
        );
        if let Some(t) = throughput(input.provisioned_throughput()) {
            p.insert("ProvisionedThroughput".into(), t);
        }
        // Global and local indexes alike: a local one has no throughput of its own.
        let index = |name: &str, keys, projected, provisioned| {
            let mut index = Map::new();
            index.insert("IndexName".into(), json!(name));
            index.insert("KeySchema".into(), key_schema(keys));
            index.insert("Projection".into(), projection(projected));
            if let Some(t) = throughput(provisioned) {
                index.insert("ProvisionedThroughput".into(), t);
            }
            Value::Object(index)
        };
        let gsis = input.global_secondary_indexes().iter().map(|g| {
            let t = g.provisioned_throughput();
            index(g.index_name(), g.key_schema(), g.projection(), t)
        });
        let lsis = input.local_secondary_indexes().iter();
        let lsis = lsis.map(|l| index(l.index_name(), l.key_schema(), l.projection(), None));
        for (name, list) in [
            ("GlobalSecondaryIndexes", gsis.collect::<Vec<_>>()),
            ("LocalSecondaryIndexes", lsis.collect()),
        ] {
            if !list.is_empty() {
                p.insert(name.into(), Value::Array(list));
            }
        }
        if let Some(view) = input
            .stream_specification()
            .and_then(|s| s.stream_view_type())
        {
            p.insert(
                "StreamSpecification".into(),
                json!({ "StreamViewType": view.as_str() }),
            );
        }
        if let Some(class) = input.table_class() {
            p.insert("TableClass".into(), json!(class.as_str()));
        }
        if let Some(on) = input.deletion_protection_enabled() {
            p.insert("DeletionProtectionEnabled".into(), json!(on));
        }
        if let Some(ttl) = self.ttl_attribute() {
            p.insert(
                "TimeToLiveSpecification".into(),
                json!({ "AttributeName": ttl, "Enabled": true }),
            );
        }
        // A stack that is deleted, or a change that replaces the table, leaves the table and
        // its items in place: they are deleted on purpose, never as a side effect.
        Ok(json!({
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Value::Object(p),
        }))
    }
}

/// The DynamoDB actions that dynomodel's operations send: reads, writes, batches and
/// transactions (whose actions are authorised as the item actions they contain).
///
/// ```
/// assert!(dynomodel::schema::infra::ACTIONS.contains(&"dynamodb:Query"));
/// ```
pub const ACTIONS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
];

/// The least-privilege IAM statement of a Lambda that uses the model: [`ACTIONS`] on the
/// table and its indexes, the ARNs written with CloudFormation's `Fn::Sub` (region and
/// account of the stack), and nothing on other tables or on table management.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let s = dynomodel::schema::infra::iam_statement::<Pet>();
/// assert_eq!(
///     s["Resource"][0]["Fn::Sub"],
///     "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/pets"
/// );
/// assert_eq!(s["Resource"].as_array().unwrap().len(), 2); // the table, and its indexes
/// ```
pub fn iam_statement<M: Model>() -> Value {
    let table = format!(
        "arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{}",
        M::TABLE
    );
    let mut resources = vec![json!({ "Fn::Sub": table })];
    if !M::indexes().is_empty() {
        resources.push(json!({ "Fn::Sub": format!("{table}/index/*") }));
    }
    json!({
        "Effect": "Allow",
        "Action": ACTIONS,
        "Resource": resources,
    })
}

/// [`iam_statement`] narrowed to the actions that a function sends, for a function that
/// uses only some operations (a stream handler that only writes, say). Each action is one of
/// [`ACTIONS`]; a transaction is authorised as the item actions it contains.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::schema::infra::iam_statement_for;
/// let s = iam_statement_for::<Pet>(&["dynamodb:GetItem", "dynamodb:Query"]);
/// assert_eq!(s["Action"], serde_json::json!(["dynamodb:GetItem", "dynamodb:Query"]));
/// assert_eq!(s["Resource"], dynomodel::schema::infra::iam_statement::<Pet>()["Resource"]);
/// ```
pub fn iam_statement_for<M: Model>(actions: &[&str]) -> Value {
    let mut statement = iam_statement::<M>();
    if let Some(s) = statement.as_object_mut() {
        s.insert("Action".into(), json!(actions));
    }
    statement
}
