//! The README's main example: a pets table in DynamoDB Local.
//!
//! ```text
//! cargo run --example pets
//! ```
//!
//! Starts DynamoDB Local on a free port (or uses `DYNAMODB_ENDPOINT`), creates a table,
//! writes pets and reads them back.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use dynomodel::local::DynamoDbLocal;
use dynomodel::{DynamoError, Result};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let local = DynamoDbLocal::start().await?;
    println!("DynamoDB Local answers at {}", local.endpoint());
    let db = local
        .db()
        .with_table_prefix(format!("example_{}_", std::process::id()));
    let table = db.table_name("pets");
    let client = db.client();

    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute name and type are set"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .expect("attribute name and key type are set"),
        )
        .send()
        .await
        .map_err(|e| DynamoError::from_sdk("CreateTable", e))?;
    println!("created table {table}");

    for (id, name, age) in [("1", "Beeba", 3), ("2", "Rex", 7), ("3", "Tom", 1)] {
        client
            .put_item()
            .table_name(&table)
            .item("id", AttributeValue::S(id.into()))
            .item("name", AttributeValue::S(name.into()))
            .item("age", AttributeValue::N(age.to_string()))
            .send()
            .await
            .map_err(|e| DynamoError::from_sdk("PutItem", e))?;
        println!("put pet {id}: {name}, {age}");
    }

    let scanned = client
        .scan()
        .table_name(&table)
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| DynamoError::from_sdk("Scan", e))?;
    let mut names: Vec<&str> = scanned
        .items()
        .iter()
        .filter_map(|item| item.get("name")?.as_s().ok().map(String::as_str))
        .collect();
    names.sort();
    println!("read back {} pets: {}", names.len(), names.join(", "));

    client
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .map_err(|e| DynamoError::from_sdk("DeleteTable", e))?;
    println!("deleted table {table}");
    Ok(())
}
