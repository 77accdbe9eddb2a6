//! The impls of a collection: `Collection`, `FromGot`, and `Member` for each of its models,
//! behind compile-time checks that the models share one partition.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::table::Collection;

pub fn collection(c: &Collection<'_>) -> TokenStream {
    let krate = super::krate_or_default(c.attrs.krate.as_ref());
    let ident = c.ident;
    let index = match &c.attrs.index {
        Some(i) => quote!(Some(#i)),
        None => quote!(None),
    };
    let members: Vec<(&syn::Ident, &syn::Type)> = c.members().collect();
    let (_, first) = members[0];
    let tys: Vec<&syn::Type> = members.iter().map(|(_, t)| *t).collect();
    let idents: Vec<&syn::Ident> = members.iter().map(|(i, _)| *i).collect();
    let checks = checks(c, &tys, first, &index);
    quote! {
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __dm;
            #checks

            #[automatically_derived]
            #[__dm::async_trait]
            impl __dm::Collection for #ident {
                const MEMBERS: &'static [&'static str] = &[#(__dm::table::entity_name(<#tys as __dm::Model>::ENTITY)),*];
                const ENTITY_ATTR: &'static str = __dm::table::entity_attr(<#first as __dm::Model>::ENTITY);
                const TTLS: &'static [::core::option::Option<&'static str>] = &[#(<#tys as __dm::Model>::TTL),*];
                const INDEX: Option<&'static str> = #index;
                type First = #first;

                fn from_item(item: &__dm::Item) -> __dm::Result<Self> {
                    let entity = __dm::table::entity_of(item, <Self as __dm::Collection>::ENTITY_ATTR);
                    #(
                        if entity == Some(__dm::table::entity_name(<#tys as __dm::Model>::ENTITY)) {
                            return <#tys as __dm::Model>::decode_member(item).map(Self::#idents);
                        }
                    )*
                    Err(__dm::table::not_member(<Self as __dm::Collection>::MEMBERS, <#first as __dm::Model>::ENTITY, item))
                }

                fn entity(&self) -> &'static str {
                    match self {
                        #(Self::#idents(_) => __dm::table::entity_name(<#tys as __dm::Model>::ENTITY),)*
                    }
                }

                fn attributes(&self) -> &'static [&'static str] {
                    match self {
                        #(Self::#idents(_) => <#tys as __dm::Document>::ATTRIBUTES,)*
                    }
                }

                async fn run_after_load(&mut self) -> __dm::Result<()> {
                    match self {
                        #(Self::#idents(m) => <#tys as __dm::Model>::run_after_load(m).await,)*
                    }
                }
            }

            #[automatically_derived]
            impl __dm::FromGot for #ident {
                fn from_got(item: __dm::Item) -> __dm::BoxFuture<'static, __dm::Result<Self>> {
                    __dm::collection_from_got::<Self>(item)
                }
            }

            #(
                #[automatically_derived]
                impl __dm::Member<#ident> for #tys {}
            )*
        };
    }
}

/// The assertions, at each model's type, that it is a model of a shared table with a partition
/// key template on the collection's index, the same as the first model's.
fn checks(
    c: &Collection<'_>,
    tys: &[&syn::Type],
    first: &syn::Type,
    index: &TokenStream,
) -> TokenStream {
    let index_text = c.attrs.index.as_ref().map_or_else(
        || "the table's key".to_owned(),
        |i| format!("the index `{}`", i.value()),
    );
    let first_text = quote!(#first).to_string().replace(' ', "");
    tys.iter()
        .map(|ty| {
            let ty_text = quote!(#ty).to_string().replace(' ', "");
            let in_table = format!("`{ty_text}` is not a model of a shared table (`table = SomeTable`, #[derive(Table)])");
            let has = format!("`{ty_text}` has no partition key template on {index_text}");
            let same = format!(
                "`{ty_text}` and `{first_text}` do not share the table and the partition key template of {index_text}: a collection reads one partition"
            );
            quote_spanned! {ty.span()=>
                const _: () = ::core::assert!(<#ty as __dm::Model>::ENTITY.is_some(), #in_table);
                const _: () = ::core::assert!(
                    <#ty as __dm::Model>::ENTITY.is_none() || __dm::table::has_partition(<#ty as __dm::Model>::ENTITY, #index),
                    #has
                );
                const _: () = ::core::assert!(
                    !__dm::table::has_partition(<#ty as __dm::Model>::ENTITY, #index)
                        || !__dm::table::has_partition(<#first as __dm::Model>::ENTITY, #index)
                        || __dm::table::same_partition(<#first as __dm::Model>::ENTITY, <#ty as __dm::Model>::ENTITY, #index),
                    #same
                );
            }
        })
        .collect()
}
