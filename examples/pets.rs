//! The README's main example: a pets table in DynamoDB Local, through typed models.
//!
//! ```text
//! cargo run --example pets
//! ```
//!
//! Starts DynamoDB Local on a free port (or uses `DYNAMODB_ENDPOINT`), creates the table from
//! the model, and prints each step.

use std::collections::BTreeSet;

use dynomodel::local::DynamoDbLocal;
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "pets", gsi(name = "by_owner", hash = "owner", range = "name"))]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(set = "trim", validate(length(min = 1, max = 64)))]
    name: String,
    #[dynomodel(default = 0, validate(range(min = 0, max = 100)))]
    age: u32,
    owner: String,
    #[dynomodel(string_set)]
    tags: BTreeSet<String>,
    address: Option<Address>,
    #[dynomodel(version)]
    version: u64,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Address {
    #[dynomodel(validate(length(min = 1)))]
    street: String,
    city: String,
}

fn pet(id: &str, name: &str, age: u32, owner: &str) -> Pet {
    Pet {
        id: id.into(),
        name: name.into(),
        age,
        owner: owner.into(),
        tags: BTreeSet::new(),
        address: None,
        version: 0,
    }
}

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

    Pet::create_table().exec(&db).await?;
    println!("created table {}", db.table_name(Pet::TABLE));

    let mut beeba = pet("1", "  Beeba ", 3, "rachel");
    beeba.tags.insert("cute".into());
    beeba.address = Some(Address {
        street: "742 Evergreen Terrace".into(),
        city: "Springfield".into(),
    });
    beeba.create(&db).await?;
    println!(
        "created {:?} (trimmed), version {}",
        beeba.name, beeba.version
    );
    for mut p in [pet("2", "Bolt", 5, "rachel"), pet("3", "Rex", 7, "sam")] {
        p.create(&db).await?;
        println!("created {}", p.name);
    }

    let mut bad = pet("4", "", 130, "sam");
    bad.address = Some(Address {
        street: String::new(),
        city: "Nowhere".into(),
    });
    match bad.create(&db).await {
        Err(Error::Validation(errors)) => {
            println!("refused pet 4, nothing written:");
            for e in &errors {
                println!("  {}: {} ({})", e.path, e.message, e.rule);
            }
        }
        other => println!("pet 4 unexpectedly: {other:?}"),
    }
    match pet("1", "Again", 1, "sam").create(&db).await {
        Err(e @ Error::AlreadyExists { .. }) => println!("create of id 1 again: {e}"),
        other => println!("create of id 1 again unexpectedly: {other:?}"),
    }

    let mut all = Pet::scan().all(&db).await?;
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    println!("all pets: {}", names.join(", "));

    if let Some(p) = Pet::get(Pet::key("1")).consistent().exec(&db).await? {
        println!(
            "got pet 1: {}, {} years, lives in {}",
            p.name,
            p.age,
            p.address.as_ref().map_or("?", |a| a.city.as_str())
        );
    }

    let f = Pet::fields();
    let rachels = Pet::query(f.owner.eq("rachel"))
        .range(f.name.begins_with("B"))
        .index(Pet::BY_OWNER)
        .all(&db)
        .await?;
    let names: Vec<&str> = rachels.iter().map(|p| p.name.as_str()).collect();
    println!(
        "rachel's pets starting with B (index by_owner): {}",
        names.join(", ")
    );

    let older = Pet::update(Pet::key("1"))
        .add(f.age.clone(), 1u32)
        .add(f.tags.clone(), BTreeSet::from(["birthday".to_owned()]))
        .condition(f.age.lt(100u32))
        .exec(&db)
        .await?;
    println!(
        "birthday: {} is now {}, tags {:?}, version {}",
        older.name, older.age, older.tags, older.version
    );
    match Pet::update(Pet::key("3"))
        .set(f.owner.clone(), "rachel")
        .condition(f.owner.eq("nobody"))
        .exec(&db)
        .await
    {
        Err(e @ Error::ConditionFailed { .. }) => println!("guarded update of pet 3: {e}"),
        other => println!("guarded update of pet 3 unexpectedly: {other:?}"),
    }

    // Sam hands Rex to Rachel, only while Rachel still has Beeba: both or neither.
    Transaction::new()
        .update(
            Pet::update(Pet::key("3"))
                .set(f.owner.clone(), "rachel")
                .condition(f.owner.eq("sam")),
        )
        .condition_check(Pet::key("1"), f.owner.eq("rachel"))
        .exec(&db)
        .await?;
    let rex = Pet::get(Pet::key("3")).consistent().exec(&db).await?;
    println!(
        "transaction: Rex now belongs to {}",
        rex.map_or_else(|| "nobody".to_owned(), |p| p.owner)
    );
    match Transaction::new()
        .update(Pet::update(Pet::key("2")).add(f.age.clone(), 1u32))
        .condition_check(Pet::key("3"), f.owner.eq("sam"))
        .exec(&db)
        .await
    {
        Err(Error::TransactionCanceled { reasons }) => {
            println!(
                "a transaction whose check fails changes nothing: {}",
                reasons[0]
            )
        }
        other => println!("transaction unexpectedly: {other:?}"),
    }

    let n = Pet::scan().filter(f.age.ge(5u32)).count(&db).await?;
    println!("pets aged 5 or more: {n}");

    Pet::delete_table().exec(&db).await?;
    println!("deleted table {}", db.table_name(Pet::TABLE));
    Ok(())
}
