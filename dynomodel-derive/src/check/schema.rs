//! The schema version of a model (`schema_version = N, upgrade = "f"`): a model's own, at
//! least 1, with an upgrade from version 2 on, and an attribute name that no field takes.

use crate::ast::{Container, Kind};
use crate::ctxt::Ctxt;

/// The attribute in which an item carries its schema version (the runtime's `SCHEMA_ATTR`).
pub const SCHEMA_ATTR: &str = "_sv";

pub fn check(cx: &mut Ctxt, c: &Container<'_>) {
    let a = &c.attrs;
    if c.kind == Kind::Document {
        if let Some(lit) = &a.schema_version {
            cx.error_at(lit, "`schema_version` belongs to a Model: a Document is stored inside one, and is upgraded by the model's `upgrade`");
        }
        if let Some((lit, _)) = &a.upgrade {
            cx.error_at(lit, "`upgrade` belongs to a Model: a Document is stored inside one, and is upgraded by the model's `upgrade`");
        }
        return;
    }
    let version = match &a.schema_version {
        Some(lit) => match lit.base10_parse::<u32>() {
            Ok(0) | Err(_) => {
                cx.error_at(lit, "`schema_version` is a whole number from 1 (every item stored before the model declared a version is at version 1)");
                return;
            }
            Ok(v) => Some((lit, v)),
        },
        None => None,
    };
    match (version, &a.upgrade) {
        (None, Some((lit, _))) => cx.error_at(
            lit,
            "`upgrade` needs `schema_version = N`: the version that it upgrades items to",
        ),
        (Some((lit, v)), None) if v > 1 => cx.error_at(
            lit,
            format!("`schema_version = {v}` needs `upgrade = \"function\"`: how an item stored by an older version becomes one of version {v}"),
        ),
        (Some((_, 1)), Some((lit, _))) => cx.error_at(
            lit,
            "`schema_version = 1` has nothing to upgrade: every item stored before the model declared a version is at version 1; declare `schema_version = 2` for the upgrade to run",
        ),
        _ => {}
    }
    if version.is_some() {
        for f in c.stored() {
            if f.name == SCHEMA_ATTR {
                cx.error_at(f.ident, format!("`{SCHEMA_ATTR}` holds the schema version of a model that declares `schema_version`: rename this field's attribute"));
            }
        }
    }
}
