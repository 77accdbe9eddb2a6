//! Integration tests against a real DynamoDB Local: one binary, one module per area, one
//! DynamoDB Local shared by every test, each test on tables of its own.

mod backfill;
mod backfill_props;
mod backfill_safety;
mod backfill_speed;
mod batch;
mod codec_props;
mod common;
mod docs;
mod faults;
mod groceries;
mod infra;
mod lambda;
mod layers;
mod lints;
mod local;
mod migrate;
mod migrate_plan;
mod migrate_props;
mod models;
mod ops;
mod pets_api;
mod production;
mod promise;
mod query;
mod reliability;
mod sam;
mod single;
mod single_props;
mod spans;
mod write_props;
