//! Cross-field checks: keys, indexes, managed attributes, and rules that fit their types;
//! `table` checks a table and a collection.

mod native;
mod schema;
pub mod table;

use crate::ast::{Container, Field, Kind, Shape};
use crate::attr::{Rule, SetKind};
use crate::ctxt::Ctxt;

pub fn check(cx: &mut Ctxt, c: &Container<'_>) {
    if c.attrs.shared.is_some() || c.kind == Kind::Document {
        shared(cx, c);
    }
    if c.attrs.shared.is_none() {
        own_table(cx, c);
        keys(cx, c);
    }
    indexes(cx, c);
    index_names(cx, c);
    managed(cx, c);
    schema::check(cx, c);
    for f in &c.fields {
        field_rules(cx, f);
    }
}

/// A model in a shared table: key templates instead of key fields, indexes on the table.
fn shared(cx: &mut Ctxt, c: &Container<'_>) {
    let a = &c.attrs;
    if c.kind == Kind::Document {
        // A Document has no table: each shared-table attribute is reported once below.
        for (lit, what) in [(&a.entity, "entity"), (&a.pk, "pk"), (&a.sk, "sk")] {
            if let Some(lit) = lit {
                cx.error_at(
                    lit,
                    format!("`{what}` belongs to a Model in a shared table, not to a Document"),
                );
            }
        }
        return;
    }
    let Some(table) = &a.shared else { return };
    if let Some(t) = &a.table {
        cx.error_at(t, "a second `table`");
    }
    if a.entity.is_none() {
        cx.error_at(
            table,
            "a model in a shared table needs `entity = \"...\"`: the name that its items carry",
        );
    }
    match &a.pk {
        None => cx.error_at(table, "a model in a shared table needs `pk = \"...\"`, the template of its partition key, such as \"CUSTOMER#{id}\""),
        Some(lit) => {
            crate::template::parse(cx, c, lit, false);
        }
    }
    if let Some(lit) = &a.sk {
        crate::template::parse(cx, c, lit, false);
    }
    let mut seen: Vec<&str> = Vec::new();
    for t in &a.index_templates {
        if seen.contains(&t.name.as_str()) {
            cx.error_at(
                &t.token,
                format!("a second template for the index `{}`", t.name),
            );
        }
        seen.push(&t.name);
        for lit in [&t.pk, &t.sk].into_iter().flatten() {
            crate::template::parse(cx, c, lit, true);
        }
    }
    let mut natives: Vec<String> = Vec::new();
    for n in &a.native {
        let name = n.to_string();
        if natives.contains(&name) || a.index_templates.iter().any(|t| t.name == name) {
            cx.error_at(n, format!("the index `{name}` is named twice"));
        }
        natives.push(name);
    }
    for i in &a.indexes {
        cx.error_at(&i.token, "a model in a shared table declares its indexes on the table (#[derive(Table)]) and fills them with templates, such as `gsi1(pk = \"...\", sk = \"...\")`");
    }
    for f in &c.fields {
        let a = &f.attrs;
        let flags = [(&a.hash_key, "hash_key"), (&a.range_key, "range_key")];
        for (flag, what) in flags {
            if let Some(t) = flag {
                cx.error_at(t, format!("`{what}`: a model in a shared table has key templates (`pk = \"...\"`, `sk = \"...\"`) instead of key fields"));
            }
        }
        for lit in a.gsi_hash.iter().chain(&a.gsi_range).chain(&a.lsi_range) {
            cx.error_at(lit, "a model in a shared table fills the table's indexes with templates, such as `gsi1(pk = \"...\")`");
        }
    }
}

/// A model with a table of its own has no entity or templates.
fn own_table(cx: &mut Ctxt, c: &Container<'_>) {
    let a = &c.attrs;
    for n in &a.native {
        cx.error_at(n, "`native(..)` names indexes of a shared table (`table = SomeTable`) that the model fills with its fields; a model of its own table declares a native index with `gsi(name = \"...\", pk = [field, ..], sk = [field, ..])`");
    }
    if c.kind == Kind::Document {
        return;
    }
    for (lit, what) in [(&a.entity, "entity"), (&a.pk, "pk"), (&a.sk, "sk")] {
        if let Some(lit) = lit {
            cx.error_at(lit, format!("`{what}` belongs to a model in a shared table: name the table type, `table = SomeTable` (#[derive(Table)])"));
        }
    }
    for t in &a.index_templates {
        cx.error_at(&t.token, "an index template belongs to a model in a shared table: name the table type, `table = SomeTable` (#[derive(Table)])");
    }
    if let Some(flag) = &a.adopt_untagged {
        cx.error_at(flag, "`adopt_untagged` belongs to a model in a shared table, whose items carry an entity attribute: a table of one model's items has no untagged items to adopt");
    }
}

fn model_only(cx: &mut Ctxt, c: &Container<'_>, token: &Option<syn::Path>, what: &str) {
    if c.kind == Kind::Document {
        if let Some(t) = token {
            cx.error_at(
                t,
                format!("`{what}` belongs to a Model; a Document is stored inside one and has no {what}"),
            );
        }
    }
}

fn names(c: &Container<'_>) -> String {
    c.stored()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn keys(cx: &mut Ctxt, c: &Container<'_>) {
    for (what, pick) in [
        (
            "hash_key",
            (|f: &Field<'_>| f.attrs.hash_key.clone()) as fn(&Field<'_>) -> Option<syn::Path>,
        ),
        ("range_key", |f: &Field<'_>| f.attrs.range_key.clone()),
    ] {
        let keyed: Vec<(&Field<'_>, syn::Path)> = c
            .fields
            .iter()
            .filter_map(|f| pick(f).map(|t| (f, t)))
            .collect();
        for (f, token) in &keyed {
            model_only(cx, c, &Some(token.clone()), what);
            if f.option_of.is_some() {
                cx.error_at(
                    f.ty,
                    format!("a {what} cannot be an Option: every item has its key"),
                );
            } else if !matches!(f.shape, Shape::String | Shape::Integer | Shape::Bytes) {
                cx.error_at(
                    f.ty,
                    format!(
                        "a {what} must be a String, an integer or Vec<u8> (DynamoDB's S, N or B)"
                    ),
                );
            }
        }
        for (_, token) in keyed.iter().skip(1) {
            cx.error_at(token, format!("a model has one {what}; this is the second"));
        }
    }
    if c.kind == Kind::Model && !c.fields.iter().any(|f| f.attrs.hash_key.is_some()) {
        cx.error_at(
            c.ident,
            "a Model needs a hash key: mark one field #[dynomodel(hash_key)]",
        );
    }
}

fn key_shape_ok(f: &Field<'_>) -> bool {
    f.option_of.is_none() && matches!(f.shape, Shape::String | Shape::Integer | Shape::Bytes)
        || f.option_of.is_some() && matches!(f.shape, Shape::String | Shape::Integer | Shape::Bytes)
}

fn index_attr_exists(cx: &mut Ctxt, c: &Container<'_>, lit: &syn::LitStr) {
    match c.field_named(&lit.value()) {
        None => cx.error_at(
            lit,
            format!(
                "no attribute `{}` in {}; its attributes are: {}",
                lit.value(),
                c.ident,
                names(c)
            ),
        ),
        Some(f) if !key_shape_ok(f) => cx.error_at(
            lit,
            format!(
                "`{}` cannot be an index key: an index key is a String, an integer or Vec<u8>",
                lit.value()
            ),
        ),
        Some(_) => {}
    }
}

/// Every index name that the model declares is one that DynamoDB takes, and gives a
/// constant of its own.
fn index_names(cx: &mut Ctxt, c: &Container<'_>) {
    let declared = c
        .attrs
        .indexes
        .iter()
        .filter_map(|i| i.name.as_ref())
        .chain(
            c.fields
                .iter()
                .flat_map(|f| f.attrs.gsi_hash.iter().chain(&f.attrs.lsi_range)),
        );
    index_name_rules(cx, declared);
}

/// Each name is one that DynamoDB takes (3 to 255 of its characters), and no two make the
/// same constant: the rules of a model's and of a table's index names.
pub fn index_name_rules<'a>(cx: &mut Ctxt, declared: impl IntoIterator<Item = &'a syn::LitStr>) {
    let mut constants: Vec<(String, String)> = Vec::new();
    for lit in declared {
        let name = lit.value();
        let valid = (3..=255).contains(&name.len())
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'));
        if !valid {
            cx.error_at(
                lit,
                format!(
                    "the index name {name:?} is not one that DynamoDB takes: 3 to 255 of a-z, A-Z, 0-9, `_`, `-` and `.`"
                ),
            );
            continue;
        }
        let constant = crate::ast::const_name(&name).to_string();
        match constants.iter().find(|(c, _)| *c == constant) {
            Some((_, other)) if *other != name => cx.error_at(
                lit,
                format!(
                    "the index names `{other}` and `{name}` both make the constant `{constant}`: rename one"
                ),
            ),
            _ => constants.push((constant, name)),
        }
    }
}

fn indexes(cx: &mut Ctxt, c: &Container<'_>) {
    let mut seen: Vec<String> = Vec::new();
    let table_has_range = c.fields.iter().any(|f| f.attrs.range_key.is_some());
    for index in &c.attrs.indexes {
        model_only(cx, c, &Some(index.token.clone()), "index");
        if let Some(name) = &index.name {
            if seen.contains(&name.value()) {
                cx.error_at(name, format!("a second index named `{}`", name.value()));
            }
            seen.push(name.value());
        }
        for lit in [&index.hash, &index.range].into_iter().flatten() {
            index_attr_exists(cx, c, lit);
        }
        native::check(cx, c, index);
        if index.local && !table_has_range && c.kind == Kind::Model {
            cx.error_at(
                &index.token,
                "a local secondary index needs a table with a range key: mark one field #[dynomodel(range_key)]",
            );
        }
        if let crate::attr::Projection::Include(names) = &index.projection {
            for lit in names {
                if c.field_named(&lit.value()).is_none() {
                    cx.error_at(
                        lit,
                        format!("no attribute `{}` in {}", lit.value(), c.ident),
                    );
                }
            }
        }
    }
    let mut gsi_hash: Vec<String> = Vec::new();
    for f in &c.fields {
        for lit in f
            .attrs
            .gsi_hash
            .iter()
            .chain(&f.attrs.gsi_range)
            .chain(&f.attrs.lsi_range)
        {
            if c.kind == Kind::Document {
                cx.error_at(lit, "an index belongs to a Model, not to a Document");
            } else if !key_shape_ok(f) {
                cx.error_at(f.ty, "an index key is a String, an integer or Vec<u8>");
            }
        }
        for lit in &f.attrs.gsi_hash {
            if seen.contains(&lit.value()) || gsi_hash.contains(&lit.value()) {
                cx.error_at(lit, format!("a second index named `{}`", lit.value()));
            }
            gsi_hash.push(lit.value());
        }
        for lit in &f.attrs.lsi_range {
            if seen.contains(&lit.value()) {
                cx.error_at(lit, format!("a second index named `{}`", lit.value()));
            }
            if !table_has_range && c.kind == Kind::Model {
                cx.error_at(
                    lit,
                    "a local secondary index needs a table with a range key",
                );
            }
        }
    }
    for f in &c.fields {
        for lit in &f.attrs.gsi_range {
            if !gsi_hash.contains(&lit.value()) {
                cx.error_at(
                    lit,
                    format!(
                        "no field declares `gsi_hash = \"{}\"`: a global index needs a hash key",
                        lit.value()
                    ),
                );
            }
        }
    }
}

fn managed(cx: &mut Ctxt, c: &Container<'_>) {
    type Pick = fn(&Field<'_>) -> Option<syn::Path>;
    let kinds: [(&str, Pick); 5] = [
        ("version", |f| f.attrs.version.clone()),
        ("created_at", |f| f.attrs.created_at.clone()),
        ("updated_at", |f| f.attrs.updated_at.clone()),
        ("ttl", |f| f.attrs.ttl.clone()),
        ("extra", |f| f.attrs.extra.clone()),
    ];
    for (what, pick) in kinds {
        let marked: Vec<(&Field<'_>, syn::Path)> = c
            .fields
            .iter()
            .filter_map(|f| pick(f).map(|t| (f, t)))
            .collect();
        for (_, token) in marked.iter().skip(1) {
            cx.error_at(
                token,
                format!("a model has one `{what}` field; this is the second"),
            );
        }
        for (f, token) in &marked {
            if what != "extra" {
                model_only(cx, c, &Some(token.clone()), what);
            }
            let ok = match what {
                "version" => f.option_of.is_none() && is_version_int(f.ty),
                "created_at" | "updated_at" => {
                    matches!(f.shape, Shape::DateTime) || matches!(f.shape, Shape::Integer)
                }
                "ttl" => matches!(f.shape, Shape::Integer | Shape::DateTime),
                _ => f.option_of.is_none() && f.shape == Shape::AttributeMap,
            };
            if !ok {
                let want = match what {
                    "version" => "an integer (u64, u32, i64, ...), not an Option",
                    "created_at" | "updated_at" => {
                        "a date-time (chrono::DateTime<Utc>) or epoch seconds (i64, u64), or an Option of one"
                    }
                    "ttl" => "epoch seconds (i64, u64) or a date-time, or an Option of one",
                    _ => "a HashMap<String, AttributeValue>",
                };
                cx.error_at(f.ty, format!("a `{what}` field must be {want}"));
            }
        }
    }
}

fn is_version_int(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = crate::ast::ungroup(ty) else {
        return false;
    };
    p.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64"
        )
    })
}

fn field_rules(cx: &mut Ctxt, f: &Field<'_>) {
    if let Some((token, kind)) = &f.attrs.set_kind {
        if f.shape != Shape::Set && f.shape != Shape::Vec {
            cx.error_at(
                token,
                "a DynamoDB set needs a HashSet, BTreeSet or Vec field",
            );
        }
        if *kind == SetKind::Binary && f.shape == Shape::Bytes {
            cx.error_at(
                token,
                "binary_set needs a set of byte strings, such as BTreeSet<Vec<u8>>",
            );
        }
    }
    if let Some(token) = &f.attrs.epoch {
        if f.shape != Shape::DateTime {
            cx.error_at(
                token,
                "`epoch` stores a date-time as epoch seconds: the field must be a DateTime",
            );
        }
    }
    if let (Some(token), None) = (&f.attrs.required, f.option_of) {
        cx.error_at(
            token,
            "`required` is for Option fields; a field that is not an Option is always present",
        );
    }
    if let Some((token, crate::attr::Transform::Builtin(_))) = &f.attrs.set {
        if f.shape != Shape::String {
            cx.error_at(token, "the built-in transforms work on String fields");
        }
    }
    if f.attrs.extra.is_some() && (f.attrs.default.is_some() || !f.attrs.rules.is_empty()) {
        cx.error_at(
            f.ident,
            "an `extra` field takes no default and no validation",
        );
    }
    for rule in &f.attrs.rules {
        match rule {
            Rule::Length { token, .. } => {
                if matches!(
                    f.shape,
                    Shape::Integer | Shape::Float | Shape::Bool | Shape::DateTime
                ) {
                    cx.error_at(
                        token,
                        "`length` is for strings and collections; use `range` for numbers",
                    );
                }
            }
            Rule::Range { token, .. } => {
                if !matches!(
                    f.shape,
                    Shape::Integer | Shape::Float | Shape::DateTime | Shape::Other
                ) {
                    cx.error_at(
                        token,
                        "`range` is for numbers; use `length` for strings and collections",
                    );
                }
            }
            Rule::Regex(lit) => {
                if f.shape != Shape::String {
                    cx.error_at(lit, "`regex` is for String fields");
                }
            }
            Rule::OneOf { token, .. } => {
                if !matches!(
                    f.shape,
                    Shape::String | Shape::Integer | Shape::Float | Shape::Bool | Shape::Other
                ) {
                    cx.error_at(
                        token,
                        "`one_of` is for strings, numbers and other values that compare with ==",
                    );
                }
            }
            Rule::Custom(_) => {}
        }
    }
}
