//! The impls of a table: `Table`, its index constants, and the table as a model of no fields.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::LitStr;

use crate::ast::table::Table;
use crate::attr::Projection;

/// The table's settings, with the defaults of those left out.
struct Settings {
    name: String,
    pk: String,
    sk: TokenStream,
    entity_attr: String,
    delimiter: String,
    ttl: TokenStream,
}

impl Settings {
    fn of(t: &Table<'_>) -> Self {
        let a = &t.attrs;
        Settings {
            name: a.name.as_ref().map(|n| n.value()).unwrap_or_default(),
            pk: a.pk.as_ref().map(|n| n.value()).unwrap_or_default(),
            sk: match &a.sk {
                Some(s) => quote!(Some(#s)),
                None => quote!(None),
            },
            entity_attr: a
                .entity_attr
                .as_ref()
                .map_or_else(|| "_et".to_owned(), |l| l.value()),
            delimiter: a
                .delimiter
                .as_ref()
                .map_or_else(|| "#".to_owned(), |l| l.value()),
            ttl: match &a.ttl {
                Some(t) => quote!(Some(#t)),
                None => quote!(None),
            },
        }
    }
}

pub fn table(t: &Table<'_>) -> TokenStream {
    let krate = super::krate_or_default(t.attrs.krate.as_ref());
    let ident = t.ident;
    let s = Settings::of(t);
    let fields_ident = format_ident!("{}Fields", ident);
    let doc = format!(
        "The typed attribute handles of the table `{}`: none (a table has no fields of its own).",
        s.name
    );
    let table_impl = table_impl(t, &s);
    let document_impl = document_impl(t, &s, &fields_ident);
    let model_impl = model_impl(t, &s);
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        pub struct #fields_ident<R: 'static>(::core::marker::PhantomData<fn() -> R>);

        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __dm;

            #table_impl

            #[automatically_derived]
            impl __dm::Hooks for #ident {}

            #document_impl
            #model_impl
        };
    }
}

/// `impl Table`, with each index, and a constant of each index.
fn table_impl(t: &Table<'_>, s: &Settings) -> TokenStream {
    let ident = t.ident;
    let Settings {
        name,
        pk,
        sk,
        entity_attr,
        delimiter,
        ttl,
    } = s;
    let index_exprs = t.attrs.indexes.iter().map(|i| {
        let name = &i.name;
        let kind = if i.local {
            quote!(__dm::IndexKind::Local)
        } else {
            quote!(__dm::IndexKind::Global)
        };
        let ipk = match &i.pk {
            Some(p) => quote!(#p),
            None => quote!(#pk),
        };
        let isk = match &i.sk {
            Some(s) => quote!(Some(#s)),
            None => quote!(None),
        };
        // The entity attribute goes with every item, so that reads of the index can
        // tell the entities apart. A native index's keys are the models' own values, with
        // no entity prefix: one that holds only the keys holds the entity attribute too.
        let projection = super::projection(&match &i.projection {
            Projection::KeysOnly if i.is_native() => {
                Projection::Include(vec![LitStr::new(entity_attr, i.name.span())])
            }
            Projection::Include(names) => Projection::Include(
                names
                    .iter()
                    .cloned()
                    .chain(std::iter::once(LitStr::new(entity_attr, i.name.span())))
                    .collect(),
            ),
            other => other.clone(),
        });
        let names = |keys: &[(syn::Ident, syn::Ident)]| -> Vec<String> {
            keys.iter()
                .skip(1)
                .map(|(n, _)| syn::ext::IdentExt::unraw(n).to_string())
                .collect()
        };
        let (pk_rest, sk_rest) = (names(&i.native_pk), names(&i.native_sk));
        let native = i.native_pk.iter().chain(&i.native_sk).map(|(n, ty)| {
            let n = syn::ext::IdentExt::unraw(n).to_string();
            let ty = ty.to_string().chars().next().unwrap_or('S');
            quote!((#n, #ty))
        });
        quote!(__dm::TableIndex {
            name: #name, kind: #kind, pk: #ipk, sk: #isk,
            pk_rest: &[#(#pk_rest),*], sk_rest: &[#(#sk_rest),*], native: &[#(#native),*],
            projection: #projection,
        })
    });
    let index_consts = t.attrs.indexes.iter().enumerate().map(|(n, i)| {
        let c = crate::ast::const_name(&i.name.value());
        let doc = format!("The index `{}`.", i.name.value());
        quote!(#[doc = #doc] pub const #c: &'static __dm::TableIndex = &<#ident as __dm::Table>::INDEXES[#n];)
    });
    quote! {
        #[automatically_derived]
        impl __dm::Table for #ident {
            const NAME: &'static str = #name;
            const PK: &'static str = #pk;
            const SK: Option<&'static str> = #sk;
            const ENTITY_ATTR: &'static str = #entity_attr;
            const DELIMITER: &'static str = #delimiter;
            const TTL: Option<&'static str> = #ttl;
            const INDEXES: &'static [__dm::TableIndex] = &[#(#index_exprs),*];
        }

        #[automatically_derived]
        impl #ident {
            #(#index_consts)*
        }
    }
}

/// A table is a document of no attributes, with no items of its own.
fn document_impl(t: &Table<'_>, s: &Settings, fields_ident: &syn::Ident) -> TokenStream {
    let ident = t.ident;
    let name = &s.name;
    quote! {
        #[automatically_derived]
        impl __dm::Document for #ident {
            const ATTRIBUTES: &'static [&'static str] = &[];
            type Fields<R: 'static> = #fields_ident<R>;
            fn fields_at<R: 'static>(_: __dm::Path) -> #fields_ident<R> {
                #fields_ident(::core::marker::PhantomData)
            }
            fn to_item(&self) -> __dm::Result<__dm::Item> {
                Err(__dm::table::no_items(#name))
            }
            fn from_item(_: &__dm::Item) -> __dm::Result<Self> {
                Ok(#ident)
            }
            fn apply_defaults(&mut self) {}
            fn apply_set_transforms(&mut self) {}
            fn validate_at(&self, _: &str, _: &mut __dm::ValidationErrors) {}
        }
    }
}

/// Every attribute that is a key of the table or of one of its indexes, each once, sorted,
/// with its type: a string, but where a native index gives another.
fn key_names(t: &Table<'_>, pk: &str) -> Vec<(String, TokenStream)> {
    let a = &t.attrs;
    let s = quote!(__dm::AttributeValue::S(::std::string::String::new()));
    let mut v: Vec<(String, TokenStream)> = std::iter::once(pk.to_owned())
        .chain(a.sk.as_ref().map(|s| s.value()))
        .chain(
            a.indexes
                .iter()
                .filter(|i| !i.is_native())
                .flat_map(|i| i.pk.iter().chain(&i.sk).map(|l| l.value())),
        )
        .map(|n| (n, s.clone()))
        .chain(a.indexes.iter().flat_map(|i| {
            i.native_pk.iter().chain(&i.native_sk).map(|(n, ty)| {
                let value = match ty.to_string().as_str() {
                    "N" => quote!(__dm::AttributeValue::N(::std::string::String::from("0"))),
                    "B" => quote!(__dm::AttributeValue::B(__dm::Blob::new(
                        ::std::vec::Vec::new()
                    ))),
                    _ => quote!(__dm::AttributeValue::S(::std::string::String::new())),
                };
                (syn::ext::IdentExt::unraw(n).to_string(), value)
            })
        }))
        .collect();
    v.sort_by(|x, y| x.0.cmp(&y.0));
    v.dedup_by(|x, y| x.0 == y.0);
    v
}

/// The table as a model of no fields: what creates, describes, plans and deletes the whole
/// table, with every index.
fn model_impl(t: &Table<'_>, s: &Settings) -> TokenStream {
    let ident = t.ident;
    let Settings {
        name, pk, sk, ttl, ..
    } = s;
    let model_indexes = (0..t.attrs.indexes.len()).map(|n| {
        quote! {
            __dm::Index {
                name: <#ident as __dm::Table>::INDEXES[#n].name,
                kind: <#ident as __dm::Table>::INDEXES[#n].kind,
                hash_key: <#ident as __dm::Table>::INDEXES[#n].pk,
                range_key: <#ident as __dm::Table>::INDEXES[#n].sk,
                hash_rest: <#ident as __dm::Table>::INDEXES[#n].pk_rest,
                range_rest: <#ident as __dm::Table>::INDEXES[#n].sk_rest,
                projection: <#ident as __dm::Table>::INDEXES[#n].projection,
                model: ::core::marker::PhantomData,
            }
        }
    });
    let (key_names, key_values): (Vec<String>, Vec<TokenStream>) =
        key_names(t, pk).into_iter().unzip();
    quote! {
        #[automatically_derived]
        #[__dm::async_trait]
        impl __dm::Model for #ident {
            const TABLE: &'static str = #name;
            const HASH_KEY: &'static str = #pk;
            const RANGE_KEY: Option<&'static str> = #sk;
            const VERSION: Option<&'static str> = None;
            const CREATED_AT: Option<&'static str> = None;
            const UPDATED_AT: Option<&'static str> = None;
            const TTL: Option<&'static str> = #ttl;
            fn indexes() -> &'static [__dm::Index<Self>] {
                static INDEXES: &[__dm::Index<#ident>] = &[#(#model_indexes),*];
                INDEXES
            }
            fn key_types() -> __dm::Item {
                let mut item = __dm::Item::new();
                #(item.insert(::std::string::String::from(#key_names), #key_values);)*
                item
            }
            fn key_of(&self) -> __dm::Result<__dm::Key<Self>> {
                Err(__dm::table::no_items(#name))
            }
            fn version(&self) -> __dm::Result<Option<u64>> {
                Ok(None)
            }
            fn set_version(&mut self, _: u64) -> __dm::Result<()> {
                Ok(())
            }
            type Managed = ();
            fn managed(&self) {}
            fn set_managed(&mut self, _: ()) {}
            fn touch(&mut self, _: ::std::time::SystemTime) {}
            fn updated_at_value(_: ::std::time::SystemTime) -> __dm::Result<Option<__dm::AttributeValue>> {
                Ok(None)
            }
            async fn run_before_save(&mut self) -> __dm::Result<()> {
                Ok(())
            }
            async fn run_after_load(&mut self) -> __dm::Result<()> {
                Ok(())
            }
            async fn run_before_delete(_: &__dm::Key<Self>) -> __dm::Result<()> {
                Ok(())
            }
        }
    }
}
