//! `to_item` and `from_item`: a direct codec, field by field.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, GenericArgument, PathArguments, Type};

use crate::ast::{Container, Field, Shape};
use crate::attr::SetKind;

/// The first type argument, such as the `T` of `BTreeSet<T>`.
fn element(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = crate::ast::ungroup(ty) else {
        return None;
    };
    match &p.path.segments.last()?.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn is_epoch(f: &Field<'_>) -> bool {
    f.shape == Shape::DateTime && (f.attrs.epoch.is_some() || f.attrs.ttl.is_some())
}

/// An expression of type `Result<Option<AttributeValue>>` that encodes the value `v` (a
/// reference to the field's value type).
fn encode(f: &Field<'_>, v: TokenStream) -> TokenStream {
    let value_ty = f.option_of.unwrap_or(f.ty);
    match &f.attrs.set_kind {
        Some((_, SetKind::String)) => quote!(__dm::special::string_set_to_attr(#v)),
        Some((_, SetKind::Number)) => quote!(__dm::special::number_set_to_attr(#v)),
        Some((_, SetKind::Binary)) => quote!(__dm::special::binary_set_to_attr(#v)),
        None if f.shape == Shape::Bytes => quote!(__dm::special::bytes_to_attr(#v).map(Some)),
        None if is_epoch(f) => quote!(__dm::special::epoch_to_attr(#v).map(Some)),
        None => quote!((&&__dm::Via::<#value_ty>::new()).encode(#v).map(Some)),
    }
}

/// An expression of type `Result<ValueType>` that decodes `v: &AttributeValue`.
fn decode(f: &Field<'_>, v: TokenStream) -> TokenStream {
    let value_ty = f.option_of.unwrap_or(f.ty);
    let elem = element(value_ty);
    match &f.attrs.set_kind {
        Some((_, SetKind::String)) => {
            quote!(__dm::special::string_set_from_attr::<#value_ty>(Some(#v)))
        }
        Some((_, SetKind::Number)) => {
            quote!(__dm::special::number_set_from_attr::<#value_ty, #elem>(Some(#v)))
        }
        Some((_, SetKind::Binary)) => {
            quote!(__dm::special::binary_set_from_attr::<#value_ty>(Some(#v)))
        }
        None if f.shape == Shape::Bytes => quote!(__dm::special::bytes_from_attr(#v)),
        None if is_epoch(f) => quote!(__dm::special::epoch_from_attr(#v)),
        None => quote!((&&__dm::Via::<#value_ty>::new()).decode(#v)),
    }
}

/// The default of a field as a value of its value type.
pub fn default_value(f: &Field<'_>, expr: &Expr) -> TokenStream {
    let value_ty = f.option_of.unwrap_or(f.ty);
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(_),
            ..
        }) => quote!(<#value_ty as ::core::convert::From<&str>>::from(#expr)),
        _ => quote!({ let value: #value_ty = #expr; value }),
    }
}

/// A function of the attribute name that says whether an `extra` field leaves it out: the
/// key attributes and the entity attribute of a shared table (its keys are composed).
fn reserved(c: &Container<'_>) -> TokenStream {
    let table = match &c.attrs.shared {
        Some(t) => quote!(__dm::table::reserved::<#t>),
        None => quote!((|_: &str| false)),
    };
    // The schema version is the model's, not an extra attribute.
    match schema_declared(c) {
        true => quote!((|k: &str| k == __dm::SCHEMA_ATTR || #table(k))),
        false => table,
    }
}

/// Whether the container is a model that declares a schema version.
fn schema_declared(c: &Container<'_>) -> bool {
    c.kind == crate::ast::Kind::Model && c.attrs.schema_version.is_some()
}

pub fn to_item(c: &Container<'_>) -> TokenStream {
    let count = c.stored().count();
    let inserts = c.stored().map(|f| {
        let ident = f.ident;
        let name = &f.name;
        if f.option_of.is_some() {
            let enc = encode(f, quote!(value));
            quote! {
                if let Some(value) = &self.#ident {
                    if let Some(av) = #enc.map_err(|e| __dm::at(e, #name))? {
                        item.insert(::std::string::String::from(#name), av);
                    }
                }
            }
        } else {
            let enc = encode(f, quote!(&self.#ident));
            quote! {
                if let Some(av) = #enc.map_err(|e| __dm::at(e, #name))? {
                    item.insert(::std::string::String::from(#name), av);
                }
            }
        }
    });
    let extra = c.extra().map(|f| {
        let ident = f.ident;
        let declared = c.stored().map(|f| &f.name);
        let reserved = reserved(c);
        quote! {
            const DECLARED: &[&str] = &[#(#declared),*];
            for (k, v) in &self.#ident {
                if !DECLARED.contains(&k.as_str()) && !#reserved(k) {
                    item.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
    });
    // A model in a shared table writes its composed keys and its entity name too.
    let keys = c.attrs.shared.as_ref().map(|_| {
        quote! {
            if let Some(entity) = <Self as __dm::Model>::ENTITY {
                entity.write_keys(&mut item)?;
            }
        }
    });
    // Every item that a model with a schema version writes carries it.
    let schema = schema_declared(c).then(|| {
        quote! {
            if let Some((attr, version)) = __dm::schema_attr::<Self>() {
                item.insert(::std::string::String::from(attr), version);
            }
        }
    });
    quote! {
        fn to_item(&self) -> __dm::Result<__dm::Item> {
            let mut item = __dm::Item::with_capacity(#count);
            #(#inserts)*
            #schema
            #extra
            #keys
            Ok(item)
        }
    }
}

/// The statements that decode the fields of `item` into `Self`.
pub fn from_item_body(c: &Container<'_>) -> TokenStream {
    let inits = c.fields.iter().map(|f| {
        let ident = f.ident;
        let name = &f.name;
        if f.attrs.extra.is_some() {
            let declared = c.stored().map(|f| &f.name);
            let reserved = reserved(c);
            return quote! {
                #ident: {
                    const DECLARED: &[&str] = &[#(#declared),*];
                    item.iter()
                        .filter(|(k, _)| !DECLARED.contains(&k.as_str()) && !#reserved(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                }
            };
        }
        if f.attrs.skip {
            return quote!(#ident: ::core::default::Default::default());
        }
        let dec = decode(f, quote!(value));
        let default = f.attrs.default.as_ref().map(|e| default_value(f, e));
        if f.option_of.is_some() {
            let absent = match default {
                Some(d) => quote!(Some(#d)),
                None => quote!(None),
            };
            quote! {
                #ident: match item.get(#name) {
                    None | Some(__dm::AttributeValue::Null(_)) => #absent,
                    Some(value) => Some(#dec.map_err(|e| __dm::at(e, #name))?),
                }
            }
        } else {
            let serde_default = f.attrs.serde_default.as_ref().map(|path| match path {
                Some(path) => quote!(#path()),
                None => quote!(::core::default::Default::default()),
            });
            let absent = match (default.or(serde_default), &f.attrs.set_kind) {
                (Some(d), _) => d,
                (None, Some(_)) => {
                    quote!(::core::iter::FromIterator::from_iter(::core::iter::empty()))
                }
                // A missing list or map reads as an empty one, as a missing set does.
                (None, None) if matches!(f.shape, Shape::Vec | Shape::Map | Shape::Set) => {
                    quote!(::core::default::Default::default())
                }
                // An item written before the model had a version (or by other code) is at
                // version 0.
                (None, None) if f.attrs.version.is_some() => {
                    quote!(::core::default::Default::default())
                }
                (None, None) => quote!(return Err(__dm::missing(#name))),
            };
            quote! {
                #ident: match item.get(#name) {
                    Some(value) => #dec.map_err(|e| __dm::at(e, #name))?,
                    None => #absent,
                }
            }
        }
    });
    let gets = c.fields.iter().filter_map(|f| {
        let get = f.attrs.get.as_ref()?;
        let ident = f.ident;
        Some(if f.option_of.is_some() {
            quote!(if let Some(value) = &mut out.#ident { #get(value); })
        } else {
            quote!(#get(&mut out.#ident);)
        })
    });
    // An item stored by an older schema version is upgraded before its fields are read.
    let upgrade = schema_declared(c).then(|| {
        quote! {
            let upgraded = __dm::upgrade_item::<Self>(item)?;
            let item: &__dm::Item = &upgraded;
        }
    });
    quote! {
        #upgrade
        #[allow(unused_mut)]
        let mut out = Self { #(#inits,)* };
        #(#gets)*
        Ok(out)
    }
}

pub fn from_item(c: &Container<'_>) -> TokenStream {
    // A model in a shared table refuses another entity's item before reading its
    // attributes; a collection, which has read the entity already, decodes the fields only
    // (`Model::decode_member`).
    if c.attrs.shared.is_some() {
        return quote! {
            fn from_item(item: &__dm::Item) -> __dm::Result<Self> {
                if let Some(entity) = <Self as __dm::Model>::ENTITY {
                    entity.check(item)?;
                }
                <Self as __dm::Model>::decode_member(item)
            }
        };
    }
    let body = from_item_body(c);
    quote! {
        fn from_item(item: &__dm::Item) -> __dm::Result<Self> {
            #body
        }
    }
}

/// The body of a field handle's `encode`, on `value: &T` (the whole field type).
pub fn field_encode(f: &Field<'_>) -> TokenStream {
    if f.option_of.is_some() {
        let enc = encode(f, quote!(value));
        quote!(match value { Some(value) => #enc, None => Ok(None) })
    } else {
        encode(f, quote!(value))
    }
}
