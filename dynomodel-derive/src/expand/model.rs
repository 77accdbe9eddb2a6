//! The `Model` impl: table, keys, indexes, managed attributes, hooks.

use proc_macro2::TokenStream;
use quote::quote;

use super::keys::{self, opt_name, Keys};
use crate::ast::{Container, Field};
use crate::attr::Projection;

/// The tokens of a projection (a model's index, or a table's).
pub fn projection(p: &Projection) -> TokenStream {
    match p {
        Projection::All => quote!(__dm::Projection::All),
        Projection::KeysOnly => quote!(__dm::Projection::KeysOnly),
        Projection::Include(names) => quote!(__dm::Projection::Include(&[#(#names),*])),
    }
}

/// The managed attributes of a model: each field marked `version`, `created_at`, `updated_at`
/// or `ttl`.
struct Managed<'c, 'a> {
    version: Option<&'c Field<'a>>,
    created: Option<&'c Field<'a>>,
    updated: Option<&'c Field<'a>>,
    ttl: Option<&'c Field<'a>>,
}

impl<'c, 'a> Managed<'c, 'a> {
    fn of(c: &'c Container<'a>) -> Self {
        let find = |pick: fn(&Field<'_>) -> bool| c.fields.iter().find(|f| pick(f));
        Managed {
            version: find(|f| f.attrs.version.is_some()),
            created: find(|f| f.attrs.created_at.is_some()),
            updated: find(|f| f.attrs.updated_at.is_some()),
            ttl: find(|f| f.attrs.ttl.is_some()),
        }
    }
}

pub fn model(c: &Container<'_>) -> TokenStream {
    let ident = c.ident;
    let keys = keys::of(c);
    let checks = &keys.checks;
    // Without `hooks`, the model gets the no-op hooks here, so that an `impl Hooks` of the
    // user's that would never run is a compile error (a second impl) rather than silence.
    let default_hooks = c.attrs.hooks.is_none().then(|| {
        quote! {
            #[automatically_derived]
            impl __dm::Hooks for #ident {}
        }
    });
    let inherent = inherent_impl(c, &keys);
    let model = model_impl(c, &keys);
    quote! {
        #default_hooks
        #checks

        #inherent

        #model
    }
}

/// The model's own items: the table name, a constant of each index, `key(..)`, and `index`.
fn inherent_impl(c: &Container<'_>, keys: &Keys) -> TokenStream {
    let ident = c.ident;
    let Keys {
        table,
        indexes: named_indexes,
        key_fn,
        extra,
        ..
    } = keys;
    let index_consts = named_indexes.iter().map(|(name, e)| {
        let c = crate::ast::const_name(name);
        let doc = format!("The index `{name}`.");
        quote!(#[doc = #doc] pub const #c: __dm::Index<#ident> = #e;)
    });
    let index_names = named_indexes.iter().map(|(n, _)| n);
    let index_positions = 0..named_indexes.len();
    quote! {
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
    }
}

/// `impl Model`: the constants, the indexes and keys, the managed attributes and the hooks.
fn model_impl(c: &Container<'_>, keys: &Keys) -> TokenStream {
    let ident = c.ident;
    let m = Managed::of(c);
    let (version_c, created_c, updated_c, ttl_c) = (
        opt_name(m.version),
        opt_name(m.created),
        opt_name(m.updated),
        opt_name(m.ttl),
    );
    let Keys {
        table,
        hash: hash_c,
        range: range_c,
        entity,
        indexes: named_indexes,
        key_of,
        key_types,
        ..
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
    let required = c
        .stored()
        .filter(|f| f.attrs.hash_key.is_none() && f.attrs.range_key.is_none())
        .filter(|f| crate::expand::rules::field_required(f))
        .map(|f| &f.name);
    let version_max = m.version.map(|f| {
        let ty = f.ty;
        quote!(const VERSION_MAX: u64 = <#ty as __dm::Version>::MAX;)
    });
    let hooks = c.attrs.hooks.is_some();
    let schema = schema_const(c);
    let managed_fns = managed_fns(&m);
    let hook_fns = hook_fns(hooks);
    quote! {
        #[automatically_derived]
        #[__dm::async_trait]
        impl __dm::Model for #ident {
            const TABLE: &'static str = #table;
            const HASH_KEY: &'static str = #hash_c;
            const RANGE_KEY: Option<&'static str> = #range_c;
            const VERSION: Option<&'static str> = #version_c;
            #version_max
            const CREATED_AT: Option<&'static str> = #created_c;
            const UPDATED_AT: Option<&'static str> = #updated_c;
            const TTL: Option<&'static str> = #ttl_c;
            const HAS_HOOKS: bool = #hooks;
            const REQUIRED: &'static [&'static str] = &[#(#required),*];
            const ENTITY: ::core::option::Option<&'static __dm::Entity> = #entity;
            #schema

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

            #managed_fns

            #hook_fns
        }
    }
}

/// `Model::SCHEMA` of a model that declares `schema_version` (with its `upgrade`, or none
/// at version 1).
fn schema_const(c: &Container<'_>) -> Option<TokenStream> {
    let version = c.attrs.schema_version.as_ref()?;
    let upgrade = match &c.attrs.upgrade {
        Some((_, path)) => quote!(#path),
        None => quote!(__dm::no_upgrade),
    };
    Some(quote! {
        const SCHEMA: ::core::option::Option<&'static __dm::SchemaVersion> =
            ::core::option::Option::Some(&__dm::SchemaVersion { version: #version, upgrade: #upgrade });
    })
}

/// The `Model` functions of the managed attributes: the version, the values that a save keeps
/// (`Managed`), and the timestamps.
fn managed_fns(m: &Managed<'_, '_>) -> TokenStream {
    let version_get = match m.version {
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
    let version_set = match m.version {
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
    let managed: Vec<&Field<'_>> = [m.version, m.created, m.updated]
        .into_iter()
        .flatten()
        .collect();
    let managed_tys: Vec<&syn::Type> = managed.iter().map(|f| f.ty).collect();
    let managed_idents: Vec<&syn::Ident> = managed.iter().map(|f| f.ident).collect();
    let managed_vars: Vec<syn::Ident> = (0..managed.len())
        .map(|n| quote::format_ident!("managed_{}", n))
        .collect();
    let touch_created = m.created.map(|f| {
        let i = f.ident;
        quote!(if __dm::Timestamp::is_unset(&self.#i) { __dm::Timestamp::set_now(&mut self.#i, now); })
    });
    let touch_updated = m.updated.map(|f| {
        let i = f.ident;
        quote!(__dm::Timestamp::set_now(&mut self.#i, now);)
    });
    let updated_value = match m.updated {
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
    quote! {
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
    }
}

/// The `Model` functions that run the hooks: those of `Hooks` with `hooks`, none without.
fn hook_fns(hooks: bool) -> TokenStream {
    let (before_save, after_load, before_delete) = if hooks {
        (
            quote!(<Self as __dm::Hooks>::before_save(self).await),
            quote!(<Self as __dm::Hooks>::after_load(self).await),
            quote!(<Self as __dm::Hooks>::before_delete(key).await),
        )
    } else {
        (quote!(Ok(())), quote!(Ok(())), quote!(Ok(())))
    };
    quote! {
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
