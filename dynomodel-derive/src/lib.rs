//! `#[derive(Model)]`, `#[derive(Document)]`, `#[derive(Table)]` and `#[derive(Collection)]`
//! for dynomodel. Use them through the `dynomodel` crate, which re-exports them and documents
//! every attribute.

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod template;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `dynomodel::Model` (and `Document`): a struct stored in a DynamoDB table.
#[proc_macro_derive(Model, attributes(dynomodel))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input, ast::Kind::Model)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `dynomodel::Document`: a struct stored as a map inside a model.
#[proc_macro_derive(Document, attributes(dynomodel))]
pub fn derive_document(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input, ast::Kind::Document)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `dynomodel::Table`: the physical table that several models share.
#[proc_macro_derive(Table, attributes(dynomodel))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_table(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `dynomodel::Collection`: an enum of models that share a partition, read together.
#[proc_macro_derive(Collection, attributes(dynomodel))]
pub fn derive_collection(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_collection(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
