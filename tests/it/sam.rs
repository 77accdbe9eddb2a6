//! examples/pets-api/template.yaml, the SAM template that deploys the pets service: its
//! tables and policies are the ones the models generate (`CreateTable::cloudformation`,
//! `infra::iam_statement_for`), so that the template and the models cannot drift apart.

use aws_sdk_dynamodb::types::StreamViewType;
use dynomodel::prelude::*;
use dynomodel::schema::infra::iam_statement_for;
use serde_json::Value;

use crate::lambda::{pets_api, stream_handler};

/// What the pets API's routes send (examples/pets-api/handler.rs): get, create (a
/// conditional put), patch, delete, the by_owner query and the list's scan.
const PETS_API_ACTIONS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
];

/// The stream handler writes one transaction per record: the owners' counts (updates) and
/// the record's marker (a conditional put).
fn stream_handler_statements() -> Vec<Value> {
    vec![
        iam_statement_for::<stream_handler::OwnerStats>(&["dynamodb:UpdateItem"]),
        iam_statement_for::<stream_handler::AppliedRecord>(&["dynamodb:PutItem"]),
    ]
}

fn template() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/pets-api/template.yaml"
    ))
    .unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn same(what: &str, in_template: &Value, generated: &Value) {
    assert!(
        in_template == generated,
        "{what} in template.yaml differs from what the model generates; the generated one:\n{}",
        serde_yaml::to_string(generated).unwrap()
    );
}

#[test]
fn the_templates_tables_and_policies_are_the_models() {
    let t = template();
    let r = &t["Resources"];
    let pets = pets_api::Pet::create_table()
        .stream(StreamViewType::NewAndOldImages)
        .cloudformation()
        .unwrap();
    same("PetsTable", &r["PetsTable"], &pets);
    let stats = stream_handler::OwnerStats::create_table()
        .cloudformation()
        .unwrap();
    same("OwnerStatsTable", &r["OwnerStatsTable"], &stats);
    let applied = stream_handler::AppliedRecord::create_table()
        .cloudformation()
        .unwrap();
    same("AppliedRecordsTable", &r["AppliedRecordsTable"], &applied);

    // Every stateful resource outlives the stack: deleting it, or a change that replaces a
    // resource, never deletes items.
    for (name, resource) in r.as_object().unwrap() {
        let kind = resource["Type"].as_str().unwrap();
        if ["AWS::DynamoDB::Table", "AWS::SQS::Queue"].contains(&kind) {
            assert_eq!(resource["DeletionPolicy"], "Retain", "{name}");
            assert_eq!(resource["UpdateReplacePolicy"], "Retain", "{name}");
        }
    }

    // Each function may send only what it sends.
    let api = &r["PetsApiFunction"]["Properties"];
    same(
        "the API's policy",
        &api["Policies"][0]["Statement"],
        &Value::Array(vec![iam_statement_for::<pets_api::Pet>(PETS_API_ACTIONS)]),
    );
    let handler = &r["StreamHandlerFunction"]["Properties"];
    same(
        "the stream handler's policy",
        &handler["Policies"][0]["Statement"],
        &Value::Array(stream_handler_statements()),
    );
    // The stream handler answers the records that failed, and reads the pets' stream; a
    // batch that keeps failing is split to find the record, and is then described in the
    // queue instead of being dropped.
    let event = &handler["Events"]["PetChanges"]["Properties"];
    assert_eq!(event["FunctionResponseTypes"][0], "ReportBatchItemFailures");
    assert_eq!(event["Stream"]["Fn::GetAtt"][0], "PetsTable");
    assert_eq!(event["BisectBatchOnFunctionError"], true);
    let on_failure = &event["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"], "SQS");
    assert_eq!(
        on_failure["Destination"]["Fn::GetAtt"],
        serde_json::json!(["StreamFailuresQueue", "Arn"])
    );
    assert_eq!(r["StreamFailuresQueue"]["Type"], "AWS::SQS::Queue");
    for f in [api, handler] {
        assert_eq!(f["Handler"], "bootstrap");
    }
    assert_eq!(t["Globals"]["Function"]["Architectures"][0], "arm64");
}

/// Prints what the models generate, to paste into template.yaml after a model changed:
/// `cargo test --test it sam::print_generated -- --ignored --nocapture`.
#[test]
#[ignore = "prints the generated resources for template.yaml"]
fn print_generated() {
    let out = serde_json::json!({
        "PetsTable": pets_api::Pet::create_table().stream(StreamViewType::NewAndOldImages).cloudformation().unwrap(),
        "OwnerStatsTable": stream_handler::OwnerStats::create_table().cloudformation().unwrap(),
        "AppliedRecordsTable": stream_handler::AppliedRecord::create_table().cloudformation().unwrap(),
        "PetsApiFunction policy": [iam_statement_for::<pets_api::Pet>(PETS_API_ACTIONS)],
        "StreamHandlerFunction policy": stream_handler_statements(),
    });
    println!("{}", serde_yaml::to_string(&out).unwrap());
}
