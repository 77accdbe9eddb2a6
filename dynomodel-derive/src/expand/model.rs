//! The `Model` impl: table, keys, indexes, managed attributes, hooks.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{Container, Field, Shape};
use crate::attr::Projection;

fn opt_name(f: Option<&Field<'_>>) -> TokenStream {
    match f {
        Some(f) => {
            let n = &f.name;
            quote!(Some(#n))
        }
        None => quote!(None),
    }
}

/// The tokens of a projection (a model's index, or a table's).
pub fn projection(p: &Projection) -> TokenStream {
    match p {
        Projection::All => quote!(__dm::Projection::All),
        Projection::KeysOnly => quote!(__dm::Projection::KeysOnly),
        Projection::Include(names) => quote!(__dm::Projection::Include(&[#(#names),*])),
    }
}

/// An index: its name, kind, key attributes and projection.
struct IndexDef {
    name: String,
    local: bool,
    hash: String,
    range: Option<String>,
    projection: TokenStream,
}

fn index_defs(c: &Container<'_>, table_hash: &str) -> Vec<IndexDef> {
    let attr_name = |lit: &syn::LitStr| {
        c.field_named(&lit.value())
            .map(|f| f.name.clone())
            .unwrap_or_else(|| lit.value())
    };
    let mut defs: Vec<IndexDef> = c
        .attrs
        .indexes
        .iter()
        .map(|i| IndexDef {
            name: i.name.as_ref().map(|n| n.value()).unwrap_or_default(),
            local: i.local,
            hash: i
                .hash
                .as_ref()
                .map(attr_name)
                .unwrap_or_else(|| table_hash.to_owned()),
            range: i.range.as_ref().map(attr_name),
            projection: projection(&i.projection),
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
                projection: quote!(__dm::Projection::All),
            });
        }
        for lit in &f.attrs.lsi_range {
            defs.push(IndexDef {
                name: lit.value(),
                local: true,
                hash: table_hash.to_owned(),
                range: Some(f.name.clone()),
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

pub fn model(c: &Container<'_>) -> TokenStream {
    let ident = c.ident;
    let find = |pick: fn(&Field<'_>) -> bool| c.fields.iter().find(|f| pick(f));
    let version = find(|f| f.attrs.version.is_some());
    let created = find(|f| f.attrs.created_at.is_some());
    let updated = find(|f| f.attrs.updated_at.is_some());
    let ttl = find(|f| f.attrs.ttl.is_some());
    let (version_c, created_c, updated_c, ttl_c) = (
        opt_name(version),
        opt_name(created),
        opt_name(updated),
        opt_name(ttl),
    );
    let keys = match &c.attrs.shared {
        Some(_) => shared_keys(c),
        None => own_keys(c),
    };
    let Keys {
        table,
        hash: hash_c,
        range: range_c,
        entity,
        checks,
        indexes: named_indexes,
        key_fn,
        key_of,
        key_types,
        extra,
    } = keys;
    let decode_member = c.attrs.shared.as_ref().map(|_| {
        let body = crate::expand::codec::from_item_body(c);
        quote! {
            fn decode_member(item: &__dm::Item) -> __dm::Result<Self> {
                #body
            }
        }
    });
    let index_exprs: Vec<&TokenStream> = named_indexes.iter().map(|(_, e)| e).collect();
    let index_consts = named_indexes.iter().map(|(name, e)| {
        let c = crate::ast::const_name(name);
        let doc = format!("The index `{name}`.");
        quote!(#[doc = #doc] pub const #c: __dm::Index<#ident> = #e;)
    });
    let index_names = named_indexes.iter().map(|(n, _)| n);
    let index_positions = 0..named_indexes.len();

    let version_get = match version {
        Some(f) => {
            let (i, name) = (f.ident, &f.name);
            quote! {
                match __dm::Version::get(&self.#i) {
                    Some(v) => Ok(Some(v)),
                    None => Err(__dm::version_error(#name, ::std::format!(
                        "is {}, a negative version", self.#i
                    ))),
                }
            }
        }
        None => quote!(Ok(None)),
    };
    let version_set = match version {
        Some(f) => {
            let (i, name, ty) = (f.ident, &f.name, f.ty);
            let ty_text = quote!(#ty).to_string();
            quote! {
                if __dm::Version::set(&mut self.#i, version) {
                    Ok(())
                } else {
                    Err(__dm::version_error(#name, ::std::format!(
                        "is {}: the next version {version} does not fit {}", self.#i, #ty_text
                    )))
                }
            }
        }
        None => quote!(Ok(())),
    };
    let managed: Vec<&Field<'_>> = [version, created, updated].into_iter().flatten().collect();
    let managed_tys: Vec<&syn::Type> = managed.iter().map(|f| f.ty).collect();
    let managed_idents: Vec<&syn::Ident> = managed.iter().map(|f| f.ident).collect();
    let managed_vars: Vec<syn::Ident> = (0..managed.len())
        .map(|n| quote::format_ident!("managed_{}", n))
        .collect();
    let touch_created = created.map(|f| {
        let i = f.ident;
        quote!(if __dm::Timestamp::is_unset(&self.#i) { __dm::Timestamp::set_now(&mut self.#i, now); })
    });
    let touch_updated = updated.map(|f| {
        let i = f.ident;
        quote!(__dm::Timestamp::set_now(&mut self.#i, now);)
    });
    let updated_value = match updated {
        Some(f) => {
            let ty = f.ty;
            let encode = crate::expand::codec::field_encode(f);
            quote! {
                let value: &#ty = &<#ty as __dm::Timestamp>::at(now);
                #encode
            }
        }
        None => quote!(Ok(None)),
    };
    let required = c
        .stored()
        .filter(|f| f.attrs.hash_key.is_none() && f.attrs.range_key.is_none())
        .filter(|f| crate::expand::rules::field_required(f))
        .map(|f| &f.name);
    let hooks = c.attrs.hooks.is_some();
    let (before_save, after_load, before_delete) = if hooks {
        (
            quote!(<Self as __dm::Hooks>::before_save(self).await),
            quote!(<Self as __dm::Hooks>::after_load(self).await),
            quote!(<Self as __dm::Hooks>::before_delete(key).await),
        )
    } else {
        (quote!(Ok(())), quote!(Ok(())), quote!(Ok(())))
    };

    // Without `hooks`, the model gets the no-op hooks here, so that an `impl Hooks` of the
    // user's that would never run is a compile error (a second impl) rather than silence.
    let default_hooks = (!hooks).then(|| {
        quote! {
            #[automatically_derived]
            impl __dm::Hooks for #ident {}
        }
    });

    quote! {
        #default_hooks
        #checks

        #[automatically_derived]
        impl #ident {
            /// The table name (before any `Db` table prefix).
            pub const TABLE: &'static str = #table;
            #(#index_consts)*

            #key_fn
            #extra

            /// The index named `name`, if the model declares one.
            #[allow(dead_code)]
            pub fn index(name: &str) -> Option<__dm::Index<#ident>> {
                match name {
                    #(#index_names => Some(<#ident as __dm::Model>::indexes()[#index_positions]),)*
                    _ => None,
                }
            }
        }

        #[automatically_derived]
        #[__dm::async_trait]
        impl __dm::Model for #ident {
            const TABLE: &'static str = #table;
            const HASH_KEY: &'static str = #hash_c;
            const RANGE_KEY: Option<&'static str> = #range_c;
            const VERSION: Option<&'static str> = #version_c;
            const CREATED_AT: Option<&'static str> = #created_c;
            const UPDATED_AT: Option<&'static str> = #updated_c;
            const TTL: Option<&'static str> = #ttl_c;
            const HAS_HOOKS: bool = #hooks;
            const REQUIRED: &'static [&'static str] = &[#(#required),*];
            const ENTITY: ::core::option::Option<&'static __dm::Entity> = #entity;

            #decode_member

            fn indexes() -> &'static [__dm::Index<Self>] {
                static INDEXES: &[__dm::Index<#ident>] = &[#(#index_exprs),*];
                INDEXES
            }

            fn key_types() -> __dm::Item {
                #key_types
            }

            fn key_of(&self) -> __dm::Result<__dm::Key<Self>> {
                #key_of
            }

            fn version(&self) -> __dm::Result<Option<u64>> {
                #version_get
            }

            #[allow(unused_variables)]
            fn set_version(&mut self, version: u64) -> __dm::Result<()> {
                #version_set
            }

            type Managed = (#(#managed_tys,)*);

            fn managed(&self) -> Self::Managed {
                (#(::core::clone::Clone::clone(&self.#managed_idents),)*)
            }

            #[allow(unused_variables)]
            fn set_managed(&mut self, managed: Self::Managed) {
                let (#(#managed_vars,)*) = managed;
                #(self.#managed_idents = #managed_vars;)*
            }

            #[allow(unused_variables)]
            fn touch(&mut self, now: ::std::time::SystemTime) {
                #touch_created
                #touch_updated
            }

            #[allow(unused_variables)]
            fn updated_at_value(now: ::std::time::SystemTime) -> __dm::Result<Option<__dm::AttributeValue>> {
                #updated_value
            }

            async fn run_before_save(&mut self) -> __dm::Result<()> {
                #before_save
            }

            async fn run_after_load(&mut self) -> __dm::Result<()> {
                #after_load
            }

            #[allow(unused_variables)]
            async fn run_before_delete(key: &__dm::Key<Self>) -> __dm::Result<()> {
                #before_delete
            }
        }
    }
}

/// What differs between a model with a table of its own and one in a shared table.
struct Keys {
    table: TokenStream,
    hash: TokenStream,
    range: TokenStream,
    entity: TokenStream,
    checks: TokenStream,
    indexes: Vec<(String, TokenStream)>,
    key_fn: TokenStream,
    key_of: TokenStream,
    key_types: TokenStream,
    extra: TokenStream,
}

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
    let indexes = defs
        .iter()
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
            (
                d.name.clone(),
                quote! {
                    __dm::Index {
                        name: #name,
                        kind: #kind,
                        hash_key: #hash,
                        range_key: #range,
                        projection: #projection,
                        model: ::core::marker::PhantomData,
                    }
                },
            )
        })
        .collect();

    let key_fields: Vec<&Field<'_>> = std::iter::once(hash).chain(range).collect();
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
    let mut key_names: Vec<&str> = vec![hash_name.as_str()];
    key_names.extend(range.map(|f| f.name.as_str()));
    for d in &defs {
        key_names.push(&d.hash);
        key_names.extend(d.range.as_deref());
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
    Keys {
        table: quote!(#table),
        hash: quote!(#hash_name),
        range: opt_name(range),
        entity: quote!(None),
        checks: TokenStream::new(),
        indexes,
        key_fn: quote! {
            #[doc = #key_doc]
            #[allow(dead_code)]
            pub fn key(#(#key_params),*) -> __dm::Key<#ident> {
                let mut item = __dm::Item::with_capacity(2);
                #(#key_inserts)*
                __dm::Key::from_item(item)
            }
        },
        key_of: quote! {
            let mut item = __dm::Item::with_capacity(2);
            #(#key_of_inserts)*
            Ok(__dm::Key::from_item(item))
        },
        key_types: quote! {
            let mut item = __dm::Item::new();
            #(#key_type_inserts)*
            item
        },
        extra: TokenStream::new(),
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
                add(i.hash_key);
                if let Some(r) = i.range_key {
                    add(r);
                }
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
