//! `#[derive(Table)]`, the physical table that several models share, and
//! `#[derive(Collection)]`, an enum of models read together from one partition.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::ctxt::Ctxt;

const TABLE_KEYS: &str = "name, pk, sk, entity_attr, delimiter, ttl, gsi, lsi, crate";

struct TableIndex {
    local: bool,
    name: LitStr,
    pk: Option<LitStr>,
    sk: Option<LitStr>,
    projection: crate::attr::Projection,
}

#[derive(Default)]
struct TableAttrs {
    name: Option<LitStr>,
    pk: Option<LitStr>,
    sk: Option<LitStr>,
    entity_attr: Option<LitStr>,
    delimiter: Option<LitStr>,
    ttl: Option<LitStr>,
    indexes: Vec<TableIndex>,
    krate: Option<syn::Path>,
    index: Option<LitStr>,
}

fn lit(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

fn read_attrs(cx: &mut Ctxt, input: &DeriveInput, collection: bool) -> TableAttrs {
    let mut out = TableAttrs::default();
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("dynomodel"))
    {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match key.as_str() {
                "crate" => {
                    let l = lit(&meta)?;
                    out.krate = Some(l.parse()?);
                }
                "index" if collection => out.index = Some(lit(&meta)?),
                _ if collection => {
                    return Err(meta.error(format!(
                        "unknown collection attribute `{key}`; expected one of: index, crate"
                    )))
                }
                "name" => out.name = Some(lit(&meta)?),
                "pk" => out.pk = Some(lit(&meta)?),
                "sk" => out.sk = Some(lit(&meta)?),
                "entity_attr" => out.entity_attr = Some(lit(&meta)?),
                "delimiter" => out.delimiter = Some(lit(&meta)?),
                "ttl" => out.ttl = Some(lit(&meta)?),
                "gsi" | "lsi" => {
                    let local = key == "lsi";
                    let (mut name, mut pk, mut sk) = (None, None, None);
                    let mut projection = crate::attr::Projection::All;
                    meta.parse_nested_meta(|inner| {
                        let k = inner
                            .path
                            .get_ident()
                            .map(|i| i.to_string())
                            .unwrap_or_default();
                        match k.as_str() {
                            "name" => name = Some(lit(&inner)?),
                            "pk" if !local => pk = Some(lit(&inner)?),
                            "sk" => sk = Some(lit(&inner)?),
                            "projection" => projection = crate::attr::projection_of(&inner)?,
                            _ => {
                                let valid = if local {
                                    "name, sk, projection"
                                } else {
                                    "name, pk, sk, projection"
                                };
                                return Err(inner.error(format!(
                                    "unknown index attribute `{k}`; expected one of: {valid}"
                                )));
                            }
                        }
                        Ok(())
                    })?;
                    let Some(name) = name else {
                        return Err(meta.error("an index needs `name = \"...\"`"));
                    };
                    if !local && pk.is_none() {
                        return Err(meta.error("a global index needs `pk = \"attribute\"`"));
                    }
                    if local && sk.is_none() {
                        return Err(meta.error("a local index needs `sk = \"attribute\"`"));
                    }
                    out.indexes.push(TableIndex {
                        local,
                        name,
                        pk,
                        sk,
                        projection,
                    });
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown table attribute `{key}`; expected one of: {TABLE_KEYS}"
                    )))
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

fn krate(a: &TableAttrs) -> TokenStream {
    match &a.krate {
        Some(p) => quote!(#p),
        None => quote!(::dynomodel),
    }
}

pub fn derive_table(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let a = read_attrs(&mut cx, input, false);
    let ident = &input.ident;
    let unit = matches!(&input.data, Data::Struct(s) if matches!(s.fields, Fields::Unit));
    if !unit {
        cx.error_at(
            ident,
            "#[derive(Table)] declares a table on a unit struct, such as `struct Groceries;`",
        );
    }
    if !input.generics.params.is_empty() {
        cx.error_at(&input.generics, "a table type cannot be generic");
    }
    match &a.name {
        None => cx.error_at(ident, "a table needs `name = \"...\"`"),
        Some(n) if !(3..=255).contains(&n.value().len()) => {
            cx.error_at(n, "a DynamoDB table name has 3 to 255 characters")
        }
        Some(_) => {}
    }
    if a.pk.is_none() {
        cx.error_at(
            ident,
            "a table needs `pk = \"attribute\"`, its partition key",
        );
    }
    if let Some(d) = &a.delimiter {
        if d.value().is_empty() || d.value().contains(['{', '}']) {
            cx.error_at(d, "a delimiter is text other than `{` and `}`");
        }
    }
    crate::check::index_name_rules(&mut cx, a.indexes.iter().map(|i| &i.name));
    let mut names: Vec<String> = Vec::new();
    for i in &a.indexes {
        let n = i.name.value();
        if names.contains(&n) {
            cx.error_at(&i.name, format!("a second index named `{n}`"));
        }
        if i.local && a.sk.is_none() {
            cx.error_at(
                &i.name,
                "a local index needs a table with a sort key (`sk = \"...\"`)",
            );
        }
        names.push(n);
    }
    cx.check()?;

    let krate = krate(&a);
    let name = a.name.as_ref().map(|n| n.value()).unwrap_or_default();
    let pk = a.pk.as_ref().map(|n| n.value()).unwrap_or_default();
    let sk = match &a.sk {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let entity_attr = a
        .entity_attr
        .as_ref()
        .map_or_else(|| "_et".to_owned(), |l| l.value());
    let delimiter = a
        .delimiter
        .as_ref()
        .map_or_else(|| "#".to_owned(), |l| l.value());
    let ttl = match &a.ttl {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    };
    let index_exprs: Vec<TokenStream> = a
        .indexes
        .iter()
        .map(|i| {
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
            // tell the entities apart.
            let projection = crate::expand::projection(&match &i.projection {
                crate::attr::Projection::Include(names) => crate::attr::Projection::Include(
                    names
                        .iter()
                        .cloned()
                        .chain(std::iter::once(LitStr::new(&entity_attr, i.name.span())))
                        .collect(),
                ),
                other => other.clone(),
            });
            quote!(__dm::TableIndex { name: #name, kind: #kind, pk: #ipk, sk: #isk, projection: #projection })
        })
        .collect();
    let model_indexes = a.indexes.iter().enumerate().map(|(n, _)| {
        quote! {
            __dm::Index {
                name: <#ident as __dm::Table>::INDEXES[#n].name,
                kind: <#ident as __dm::Table>::INDEXES[#n].kind,
                hash_key: <#ident as __dm::Table>::INDEXES[#n].pk,
                range_key: <#ident as __dm::Table>::INDEXES[#n].sk,
                projection: <#ident as __dm::Table>::INDEXES[#n].projection,
                model: ::core::marker::PhantomData,
            }
        }
    });
    let index_consts = a.indexes.iter().enumerate().map(|(n, i)| {
        let c = crate::ast::const_name(&i.name.value());
        let doc = format!("The index `{}`.", i.name.value());
        quote!(#[doc = #doc] pub const #c: &'static __dm::TableIndex = &<#ident as __dm::Table>::INDEXES[#n];)
    });
    let key_names: Vec<String> = {
        let mut v: Vec<String> = std::iter::once(pk.clone())
            .chain(a.sk.as_ref().map(|s| s.value()))
            .chain(
                a.indexes
                    .iter()
                    .flat_map(|i| i.pk.iter().chain(&i.sk).map(|l| l.value())),
            )
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let fields_ident = quote::format_ident!("{}Fields", ident);
    let doc = format!("The typed attribute handles of the table `{name}`: none (a table has no fields of its own).");
    Ok(quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        pub struct #fields_ident<R: 'static>(::core::marker::PhantomData<fn() -> R>);

        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __dm;

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

            #[automatically_derived]
            impl __dm::Hooks for #ident {}

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

            // The table as a model of no fields: what creates, describes, plans and
            // deletes the whole table, with every index.
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
                    #(item.insert(::std::string::String::from(#key_names), __dm::AttributeValue::S(::std::string::String::new()));)*
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
        };
    })
}

pub fn derive_collection(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let a = read_attrs(&mut cx, input, true);
    let ident = &input.ident;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            ident,
            "#[derive(Collection)] is for an enum with one variant per model, such as `enum CustomerView { Customer(Customer), Order(Order) }`",
        ));
    };
    if !input.generics.params.is_empty() {
        cx.error_at(&input.generics, "a collection cannot be generic");
    }
    let mut members: Vec<(&syn::Ident, &syn::Type)> = Vec::new();
    for v in &data.variants {
        match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                let ty = &f.unnamed[0].ty;
                if members
                    .iter()
                    .any(|(_, t)| quote!(#t).to_string() == quote!(#ty).to_string())
                {
                    cx.error_at(ty, "a second variant of this model");
                }
                members.push((&v.ident, ty));
            }
            _ => cx.error_at(
                &v.ident,
                "a collection's variant holds one model: `Order(Order)`",
            ),
        }
    }
    if members.is_empty() {
        cx.error_at(ident, "a collection needs at least one model");
    }
    cx.check()?;
    let krate = krate(&a);
    let index = match &a.index {
        Some(i) => quote!(Some(#i)),
        None => quote!(None),
    };
    let index_text = a.index.as_ref().map_or_else(
        || "the table's key".to_owned(),
        |i| format!("the index `{}`", i.value()),
    );
    let (first_ident, first) = members[0];
    let _ = first_ident;
    let tys: Vec<&syn::Type> = members.iter().map(|(_, t)| *t).collect();
    let idents: Vec<&syn::Ident> = members.iter().map(|(i, _)| *i).collect();
    let checks = members.iter().map(|(_, ty)| {
        let ty_text = quote!(#ty).to_string().replace(' ', "");
        let first_text = quote!(#first).to_string().replace(' ', "");
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
    });
    Ok(quote! {
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __dm;
            #(#checks)*

            #[automatically_derived]
            #[__dm::async_trait]
            impl __dm::Collection for #ident {
                const MEMBERS: &'static [&'static str] = &[#(__dm::table::entity_name(<#tys as __dm::Model>::ENTITY)),*];
                const ENTITY_ATTR: &'static str = __dm::table::entity_attr(<#first as __dm::Model>::ENTITY);
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
    })
}
