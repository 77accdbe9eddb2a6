//! The keys of a model: those of a table of its own (key fields, indexes) or those of a shared
//! table (key templates), as the `Model` impl and the key constructor use them.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{Container, Field, Shape};

/// What differs between a model with a table of its own and one in a shared table.
pub struct Keys {
    pub table: TokenStream,
    pub hash: TokenStream,
    pub range: TokenStream,
    pub entity: TokenStream,
    pub checks: TokenStream,
    pub indexes: Vec<(String, TokenStream)>,
    pub key_fn: TokenStream,
    pub key_of: TokenStream,
    pub key_types: TokenStream,
    pub extra: TokenStream,
}

/// The keys of a model, by where its table is.
pub fn of(c: &Container<'_>) -> Keys {
    match &c.attrs.shared {
        Some(_) => shared_keys(c),
        None => own_keys(c),
    }
}

/// An index: its name, kind, key attributes and projection.
struct IndexDef {
    name: String,
    local: bool,
    hash: String,
    range: Option<String>,
    /// The partition and sort key attributes after the first, of a native index.
    hash_rest: Vec<String>,
    range_rest: Vec<String>,
    projection: TokenStream,
}

fn index_defs(c: &Container<'_>, table_hash: &str) -> Vec<IndexDef> {
    let attr_name = |lit: &syn::LitStr| {
        c.field_named(&lit.value())
            .map(|f| f.name.clone())
            .unwrap_or_else(|| lit.value())
    };
    let field_names = |keys: &Option<(syn::Path, Vec<syn::Ident>)>| -> Vec<String> {
        keys.iter()
            .flat_map(|(_, idents)| idents)
            .map(|i| {
                c.field_named(&i.to_string())
                    .map(|f| f.name.clone())
                    .unwrap_or_else(|| i.to_string())
            })
            .collect()
    };
    let mut defs: Vec<IndexDef> = c
        .attrs
        .indexes
        .iter()
        .map(|i| {
            let mut pk = field_names(&i.pk).into_iter();
            let mut sk = field_names(&i.sk).into_iter();
            IndexDef {
                name: i.name.as_ref().map(|n| n.value()).unwrap_or_default(),
                local: i.local,
                hash: i
                    .hash
                    .as_ref()
                    .map(attr_name)
                    .or_else(|| pk.next())
                    .unwrap_or_else(|| table_hash.to_owned()),
                range: i.range.as_ref().map(attr_name).or_else(|| sk.next()),
                hash_rest: pk.collect(),
                range_rest: sk.collect(),
                projection: super::projection(&i.projection),
            }
        })
        .collect();
    for f in &c.fields {
        for lit in &f.attrs.gsi_hash {
            let range = c
                .fields
                .iter()
                .find(|g| g.attrs.gsi_range.iter().any(|r| r.value() == lit.value()))
                .map(|g| g.name.clone());
            defs.push(IndexDef {
                name: lit.value(),
                local: false,
                hash: f.name.clone(),
                range,
                hash_rest: Vec::new(),
                range_rest: Vec::new(),
                projection: quote!(__dm::Projection::All),
            });
        }
        for lit in &f.attrs.lsi_range {
            defs.push(IndexDef {
                name: lit.value(),
                local: true,
                hash: table_hash.to_owned(),
                range: Some(f.name.clone()),
                hash_rest: Vec::new(),
                range_rest: Vec::new(),
                projection: quote!(__dm::Projection::All),
            });
        }
    }
    defs
}

/// The value of a key argument as an attribute value; key types are checked to be S, N or B.
fn key_value(f: &Field<'_>, v: TokenStream) -> TokenStream {
    match f.shape {
        Shape::String => quote!(__dm::AttributeValue::S(#v)),
        Shape::Bytes => quote!(__dm::AttributeValue::B(__dm::Blob::new(#v))),
        _ => quote!(__dm::AttributeValue::N(::std::string::ToString::to_string(&#v))),
    }
}

/// The keys of a model with a table of its own: its key fields and indexes.
fn own_keys(c: &Container<'_>) -> Keys {
    let ident = c.ident;
    let table = c
        .attrs
        .table
        .as_ref()
        .map(|t| t.value())
        .unwrap_or_else(|| ident.to_string());
    let find = |pick: fn(&Field<'_>) -> bool| c.fields.iter().find(|f| pick(f));
    let hash = find(|f| f.attrs.hash_key.is_some()).expect("checked: one hash key");
    let range = find(|f| f.attrs.range_key.is_some());
    let hash_name = &hash.name;
    let defs = index_defs(c, hash_name);
    let key_fields: Vec<&Field<'_>> = std::iter::once(hash).chain(range).collect();
    let (key_fn, key_of) = own_key_fns(c, &key_fields);
    Keys {
        table: quote!(#table),
        hash: quote!(#hash_name),
        range: opt_name(range),
        entity: quote!(None),
        checks: TokenStream::new(),
        indexes: own_indexes(&defs),
        key_fn,
        key_of,
        key_types: own_key_types(c, &key_fields, &defs),
        extra: TokenStream::new(),
    }
}

/// Each index of a model with a table of its own, by name.
fn own_indexes(defs: &[IndexDef]) -> Vec<(String, TokenStream)> {
    defs.iter()
        .map(|d| {
            let (name, hash) = (&d.name, &d.hash);
            let kind = if d.local {
                quote!(__dm::IndexKind::Local)
            } else {
                quote!(__dm::IndexKind::Global)
            };
            let range = match &d.range {
                Some(r) => quote!(Some(#r)),
                None => quote!(None),
            };
            let projection = &d.projection;
            let (hash_rest, range_rest) = (&d.hash_rest, &d.range_rest);
            (
                d.name.clone(),
                quote! {
                    __dm::Index {
                        name: #name,
                        kind: #kind,
                        hash_key: #hash,
                        range_key: #range,
                        hash_rest: &[#(#hash_rest),*],
                        range_rest: &[#(#range_rest),*],
                        projection: #projection,
                        model: ::core::marker::PhantomData,
                    }
                },
            )
        })
        .collect()
}

/// `key(..)`, the key from the values of the key fields, and the body of `key_of`, the key of
/// a model value.
fn own_key_fns(c: &Container<'_>, key_fields: &[&Field<'_>]) -> (TokenStream, TokenStream) {
    let ident = c.ident;
    let key_params = key_fields.iter().map(|f| {
        let (i, ty) = (f.ident, f.ty);
        quote!(#i: impl ::core::convert::Into<#ty>)
    });
    // A key value goes through the field's `set` transform, as the stored value did.
    let key_inserts = key_fields.iter().map(|f| {
        let (i, ty, name) = (f.ident, f.ty, &f.name);
        let set = crate::expand::rules::set_call(f, quote!(&mut #i));
        let value = key_value(f, quote!(#i));
        quote! {
            #[allow(unused_mut)]
            let mut #i: #ty = ::core::convert::Into::<#ty>::into(#i);
            #set
            item.insert(::std::string::String::from(#name), #value);
        }
    });
    let key_of_inserts = key_fields.iter().map(|f| {
        let (i, name) = (f.ident, &f.name);
        quote! {
            let (k, v) = __dm::key_attr(#name, &self.#i)?;
            item.insert(k, v);
        }
    });
    let key_doc = format!(
        "The key of one `{ident}` item: {}.",
        key_fields
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect::<Vec<_>>()
            .join(" and ")
    );
    let key_fn = quote! {
        #[doc = #key_doc]
        #[allow(dead_code)]
        pub fn key(#(#key_params),*) -> __dm::Key<#ident> {
            let mut item = __dm::Item::with_capacity(2);
            #(#key_inserts)*
            __dm::Key::from_item(item)
        }
    };
    let key_of = quote! {
        let mut item = __dm::Item::with_capacity(2);
        #(#key_of_inserts)*
        Ok(__dm::Key::from_item(item))
    };
    (key_fn, key_of)
}

/// The body of `key_types`: an example value of each key attribute of the table and of its
/// indexes, of the key's type.
fn own_key_types(c: &Container<'_>, key_fields: &[&Field<'_>], defs: &[IndexDef]) -> TokenStream {
    let mut key_names: Vec<&str> = key_fields.iter().map(|f| f.name.as_str()).collect();
    for d in defs {
        key_names.push(&d.hash);
        key_names.extend(d.range.as_deref());
        key_names.extend(d.hash_rest.iter().chain(&d.range_rest).map(String::as_str));
    }
    key_names.sort_unstable();
    key_names.dedup();
    let key_type_inserts = key_names.iter().filter_map(|n| {
        let f = c.stored().find(|f| f.name == *n)?;
        let example = match f.shape {
            Shape::String => quote!(__dm::AttributeValue::S(::std::string::String::new())),
            Shape::Bytes => quote!(__dm::AttributeValue::B(__dm::Blob::new(
                ::std::vec::Vec::new()
            ))),
            _ => quote!(__dm::AttributeValue::N(::std::string::String::from("0"))),
        };
        Some(quote!(item.insert(::std::string::String::from(#n), #example);))
    });
    quote! {
        let mut item = __dm::Item::new();
        #(#key_type_inserts)*
        item
    }
}

fn shared_keys(c: &Container<'_>) -> Keys {
    use crate::expand::single;
    let ident = c.ident;
    let path = c.attrs.shared.as_ref().expect("a shared table");
    let t = quote!(<#path as __dm::Table>);
    let mut cx = crate::ctxt::Ctxt::default();
    let ts = single::templates(c, &mut cx);
    let _ = cx.check();
    let fields = single::key_fields(c, &ts);
    let key_params = fields.iter().map(|f| {
        let (i, ty) = (f.ident, f.ty);
        quote!(#i: impl ::core::convert::Into<#ty>)
    });
    let key_sets = fields.iter().map(|f| {
        let (i, ty) = (f.ident, f.ty);
        let set = crate::expand::rules::set_call(f, quote!(&mut #i));
        quote! {
            #[allow(unused_mut)]
            let mut #i: #ty = ::core::convert::Into::<#ty>::into(#i);
            #set
        }
    });
    let encode_args = single::encode_fields(&fields, None);
    let encode_self = single::encode_fields(&fields, Some(quote!(self)));
    let key_doc = format!(
        "The key of one `{ident}` item, composed by its key templates from {}.",
        fields
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let ct_doc = format!(
        "Creates the whole shared table `{}`, with every index (as `{}::create_table()`).",
        quote!(#path).to_string().replace(' ', ""),
        quote!(#path).to_string().replace(' ', "")
    );
    Keys {
        table: quote!(#t::NAME),
        hash: quote!(#t::PK),
        range: quote!(#t::SK),
        entity: single::entity(c, &ts),
        checks: single::checks(c, &ts),
        indexes: single::indexes(c, &ts),
        key_fn: quote! {
            #[doc = #key_doc]
            #[allow(dead_code)]
            pub fn key(#(#key_params),*) -> __dm::Key<#ident> {
                #(#key_sets)*
                let fields = (|| -> __dm::Result<__dm::Item> {
                    let mut item = __dm::Item::with_capacity(4);
                    #encode_args
                    Ok(item)
                })();
                match fields {
                    Ok(fields) => __dm::Key::from_fields(fields),
                    Err(e) => __dm::Key::invalid(e),
                }
            }
        },
        key_of: quote! {
            let mut item = __dm::Item::with_capacity(4);
            #encode_self
            __dm::Key::try_from_fields(item)
        },
        key_types: quote! {
            let mut item = __dm::Item::new();
            let mut add = |name: &str| {
                item.insert(name.to_owned(), __dm::AttributeValue::S(::std::string::String::new()));
            };
            add(#t::PK);
            if let Some(sk) = #t::SK {
                add(sk);
            }
            for i in <Self as __dm::Model>::indexes() {
                i.hash_keys().chain(i.range_keys()).for_each(&mut add);
            }
            item
        },
        extra: quote! {
            #[doc = #ct_doc]
            #[allow(dead_code)]
            pub fn create_table() -> __dm::CreateTable<#path> {
                <#path as __dm::SchemaOps>::create_table()
            }
        },
    }
}

/// `Some("attribute")` of a field, or `None`.
pub(super) fn opt_name(f: Option<&Field<'_>>) -> TokenStream {
    match f {
        Some(f) => {
            let n = &f.name;
            quote!(Some(#n))
        }
        None => quote!(None),
    }
}
