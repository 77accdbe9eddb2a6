//! Integration tests against a real DynamoDB Local: one binary, one module per area, one
//! DynamoDB Local shared by every test, each test on tables of its own.

mod adversary;
mod backfill;
mod batch;
mod codec_props;
mod common;
mod docs;
mod faults;
mod groceries;
mod guard;
mod infra;
mod lambda;
mod layers;
mod lints;
mod local;
mod machine;
mod migrate;
mod models;
mod ops;
mod pets_api;
mod policy;
mod production;
mod promise;
mod query;
mod reliability;
mod sam;
mod single;
mod single_index_props;
mod single_isolation;
mod single_keys;
mod single_props;
mod single_rules;
mod spans;
mod write_props;
