//! Generates the `Document` and `Model` impls, the typed handles and the key constructor;
//! `table` and `collection` generate those of a table and of a collection.

pub(crate) mod codec;
mod collection;
mod keys;
mod model;
pub(crate) use model::projection;
pub(crate) mod rules;
mod single;
mod table;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::DeriveInput;

use crate::ast::table::{Collection, Table};
use crate::ast::{Container, Kind};
use crate::check;
use crate::ctxt::Ctxt;

pub fn derive(input: &DeriveInput, kind: Kind) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let container = Container::from_ast(&mut cx, input, kind);
    if let Some(c) = &container {
        check::check(&mut cx, c);
    }
    if let Err(e) = cx.check() {
        // Stub impls next to the errors keep the user's other uses of the type from failing
        // too, so that they see the mistakes in the attributes and nothing else.
        let mut out = e.to_compile_error();
        if let Some(c) = &container {
            out.extend(dummy(c));
        }
        return Ok(out);
    }
    let c = container.expect("no errors means the container was read");
    Ok(generate(&c))
}

/// `#[derive(Table)]`: read, check, expand.
pub fn derive_table(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let t = Table::from_ast(&mut cx, input);
    check::table::table(&mut cx, &t);
    cx.check()?;
    Ok(table::table(&t))
}

/// `#[derive(Collection)]`: read, check, expand.
pub fn derive_collection(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let c = Collection::from_ast(&mut cx, input);
    if let Some(c) = &c {
        check::table::collection(&mut cx, c);
    }
    cx.check()?;
    let c = c.expect("no errors means the collection was read");
    Ok(collection::collection(&c))
}

/// The path of the runtime crate: `crate = "..."`, or `::dynomodel`.
fn krate_or_default(path: Option<&syn::Path>) -> TokenStream {
    match path {
        Some(path) => quote!(#path),
        None => quote!(::dynomodel),
    }
}

fn krate(c: &Container<'_>) -> TokenStream {
    krate_or_default(c.attrs.krate.as_ref())
}

fn fields_ident(c: &Container<'_>) -> syn::Ident {
    format_ident!("{}Fields", c.ident)
}

fn generate(c: &Container<'_>) -> TokenStream {
    let krate = krate(c);
    let ident = c.ident;
    let vis = c.vis;
    let fields_ident = fields_ident(c);

    let handle_fields = c.stored().map(|f| {
        let krate = &krate;
        let name = f.ident;
        let ty = f.ty;
        let doc = format!("The attribute `{}`.", f.name);
        quote!(#[doc = #doc] pub #name: #krate::__private::Attr<R, #ty>)
    });
    let handle_inits = handle_inits(c);
    let fields_doc = format!("The typed attribute handles of [`{ident}`], rooted in model `R`.");

    let attribute_names = c.stored().map(|f| &f.name);
    let to_item = codec::to_item(c);
    let from_item = codec::from_item(c);
    let defaults = rules::defaults(c);
    let set = rules::set_transforms(c);
    let validate = rules::validate(c);
    let model = if c.kind == Kind::Model {
        model::model(c)
    } else {
        TokenStream::new()
    };
    let fields_fn_doc = format!("The typed attribute handles of `{ident}`.");

    quote! {
        #[doc = #fields_doc]
        #[allow(dead_code)]
        #vis struct #fields_ident<R: 'static> {
            #(#handle_fields,)*
        }

        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate::__private as __dm;
            #[allow(unused_imports)]
            use __dm::{ViaAttr as _, ViaSerde as _, RulesNested as _, RulesNone as _};

            #[automatically_derived]
            impl #ident {
                #[doc = #fields_fn_doc]
                #[allow(dead_code)]
                pub fn fields() -> #fields_ident<#ident> {
                    <#ident as __dm::Document>::fields_at::<#ident>(__dm::Path::default())
                }
            }

            #[automatically_derived]
            impl __dm::Document for #ident {
                const ATTRIBUTES: &'static [&'static str] = &[#(#attribute_names),*];
                type Fields<R: 'static> = #fields_ident<R>;

                fn fields_at<R: 'static>(base: __dm::Path) -> #fields_ident<R> {
                    #fields_ident { #(#handle_inits,)* }
                }

                #to_item
                #from_item
                #defaults
                #set
                #validate
            }

            #[automatically_derived]
            impl __dm::AttrValue for #ident {
                fn to_attr(&self) -> __dm::Result<__dm::AttributeValue> {
                    __dm::Document::to_item(self).map(__dm::AttributeValue::M)
                }
                fn from_attr(value: &__dm::AttributeValue) -> __dm::Result<Self> {
                    match value {
                        __dm::AttributeValue::M(map) => __dm::Document::from_item(map),
                        other => Err(__dm::expected("M (map)", other)),
                    }
                }
            }

            #model
        };
    }
}

/// The typed handle of each stored field, with the field's codec, rules and transform.
fn handle_inits(c: &Container<'_>) -> Vec<TokenStream> {
    c.stored()
        .map(|f| {
            let name = f.ident;
            let ty = f.ty;
            let attr = &f.name;
            let encode = codec::field_encode(f);
            let check = rules::field_check(f);
            let transform = rules::field_transform(f);
            let required = rules::field_required(f);
            let bounds = rules::field_bounds(f);
            quote! {
                #name: __dm::Attr::with_codec(base.name(#attr), __dm::FieldCodec {
                    encode: |value: &#ty| -> __dm::Result<Option<__dm::AttributeValue>> { #encode },
                    check: |field: &mut #ty, base: &str, errors: &mut __dm::ValidationErrors| {
                        #check
                    },
                    transform: |field: &mut #ty| { #transform },
                    required: #required,
                    bounds: || -> __dm::Bounds { #bounds },
                })
            }
        })
        .collect()
}

/// Impls that satisfy the traits without doing anything, emitted beside compile errors.
fn dummy(c: &Container<'_>) -> TokenStream {
    let krate = krate(c);
    let ident = c.ident;
    let vis = c.vis;
    let fields_ident = fields_ident(c);
    // The typed handles and `fields()` as the real expansion has them, and `key(..)` where the
    // key fields are plain: the user's `Pet::fields().name` and `Pet::key(id)` still compile.
    let handle_fields = c.stored().map(|f| {
        let (name, ty) = (f.ident, f.ty);
        quote!(pub #name: #krate::__private::Attr<R, #ty>)
    });
    let hashes: Vec<_> = c.stored().filter(|f| f.attrs.hash_key.is_some()).collect();
    let ranges: Vec<_> = c.stored().filter(|f| f.attrs.range_key.is_some()).collect();
    let plain_key =
        c.kind == Kind::Model && c.attrs.pk.is_none() && hashes.len() == 1 && ranges.len() <= 1;
    let key_fn = plain_key.then(|| {
        let params = hashes.iter().chain(&ranges).map(|f| {
            let (i, ty) = (f.ident, f.ty);
            quote!(#i: impl ::core::convert::Into<#ty>)
        });
        quote! {
            #[allow(dead_code, unused_variables)]
            pub fn key(#(#params),*) -> __dm::Key<#ident> { unimplemented!() }
        }
    });
    let model = (c.kind == Kind::Model).then(|| {
        quote! {
            #[automatically_derived]
            #[__dm::async_trait]
            impl __dm::Model for #ident {
                const TABLE: &'static str = "";
                const HASH_KEY: &'static str = "";
                const RANGE_KEY: Option<&'static str> = None;
                const VERSION: Option<&'static str> = None;
                const CREATED_AT: Option<&'static str> = None;
                const UPDATED_AT: Option<&'static str> = None;
                const TTL: Option<&'static str> = None;
                fn indexes() -> &'static [__dm::Index<Self>] { unimplemented!() }
                fn key_types() -> __dm::Item { unimplemented!() }
                fn key_of(&self) -> __dm::Result<__dm::Key<Self>> { unimplemented!() }
                fn version(&self) -> __dm::Result<Option<u64>> { unimplemented!() }
                fn set_version(&mut self, _: u64) -> __dm::Result<()> { unimplemented!() }
                type Managed = ();
                fn managed(&self) {}
                fn set_managed(&mut self, _: ()) {}
                fn touch(&mut self, _: std::time::SystemTime) { unimplemented!() }
                fn updated_at_value(_: std::time::SystemTime) -> __dm::Result<Option<__dm::AttributeValue>> { unimplemented!() }
                async fn run_before_save(&mut self) -> __dm::Result<()> { unimplemented!() }
                async fn run_after_load(&mut self) -> __dm::Result<()> { unimplemented!() }
                async fn run_before_delete(_: &__dm::Key<Self>) -> __dm::Result<()> { unimplemented!() }
            }
        }
    });
    quote! {
        #[allow(dead_code)]
        #vis struct #fields_ident<R: 'static> {
            #(#handle_fields,)*
            __model: ::core::marker::PhantomData<fn() -> R>,
        }
        const _: () = {
            use #krate::__private as __dm;
            #[automatically_derived]
            impl #ident {
                #[allow(dead_code)]
                pub fn fields() -> #fields_ident<#ident> { unimplemented!() }
                #key_fn
            }
            impl __dm::Document for #ident {
                const ATTRIBUTES: &'static [&'static str] = &[];
                type Fields<R: 'static> = #fields_ident<R>;
                fn fields_at<R: 'static>(_: __dm::Path) -> #fields_ident<R> { unimplemented!() }
                fn to_item(&self) -> __dm::Result<__dm::Item> { unimplemented!() }
                fn from_item(_: &__dm::Item) -> __dm::Result<Self> { unimplemented!() }
                fn apply_defaults(&mut self) { unimplemented!() }
                fn apply_set_transforms(&mut self) { unimplemented!() }
                fn validate_at(&self, _: &str, _: &mut __dm::ValidationErrors) { unimplemented!() }
            }
            #model
        };
    }
}
