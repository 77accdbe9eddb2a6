//! Updates of a model in a shared table: the index keys composed of the fields that an
//! update sets are recomputed in the same request, and what would leave a key stale is
//! refused before sending.
//! Layer: ops.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::{Error, Result};
use crate::expr::update::{Action, Actions};
use crate::model::template::KeyTemplate;
use crate::model::{Entity, Key, Path};

fn describe(t: &KeyTemplate) -> String {
    format!("{} = \"{}\"", t.attr, t.text)
}

fn listed(fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds the actions that keep the keys and the entity attribute right, an index's two keys
/// whole or absent: an index key whose fields are all known (set by the update, or held by
/// the table's key) is recomputed; where a field of an index is removed, both of its keys
/// are removed (the item leaves the sparse index); an update that sets fields of one key of
/// an index whose other key it cannot compose is refused where the item may hold neither
/// key (the index has an `Option` field, or the update is an upsert); and an upsert writes
/// the key fields and the entity name. A change of a table key field, an index key changed
/// in part, or a key field changed by anything but `set` or `remove` is `InvalidRequest`.
pub(crate) fn update_keys<M>(
    e: &Entity,
    actions: &mut Actions<M>,
    key: &Key<M>,
    upsert: bool,
) -> Result<()> {
    let mut set = Item::new();
    let mut removed: Vec<String> = Vec::new();
    let mut other: Vec<String> = Vec::new();
    for a in &actions.actions {
        let Some(top) = a.top() else { continue };
        match a {
            Action::Set(p, v) if p.elems().len() == 1 => {
                set.insert(top.to_owned(), v.clone());
            }
            Action::Remove(p) if p.elems().len() == 1 => removed.push(top.to_owned()),
            _ => other.push(top.to_owned()),
        }
    }
    let touched = |f: &str| {
        set.contains_key(f) || removed.iter().any(|r| r == f) || other.iter().any(|o| o == f)
    };
    for t in e.keys.iter().filter(|t| t.index.is_none()) {
        if let Some(f) = t.fields().find(|f| touched(f)) {
            return Err(Error::InvalidRequest(format!(
                "`{f}` is part of the item's key {} = \"{}\": an update cannot move an item to another key (delete it and create it under the new one)",
                t.attr, t.text
            )));
        }
    }
    // The fields of the table's key are known from the key itself: an index key that holds
    // one of them is composed from it.
    let mut known = e.key_texts(key.item());
    known.extend(key.fields().iter().map(|(n, v)| (n.clone(), v.clone())));
    let value = |n: &str| set.get(n).or_else(|| known.get(n));
    let mut added = Vec::new();
    let mut indexes: Vec<&str> = Vec::new();
    for i in e.keys.iter().filter_map(|t| t.index) {
        if !indexes.contains(&i) {
            indexes.push(i);
        }
    }
    for index in indexes {
        let ts: Vec<&KeyTemplate> = e.keys.iter().filter(|t| t.index == Some(index)).collect();
        let fields: Vec<&str> = ts.iter().flat_map(|t| t.fields()).collect();
        let remove_all = |added: &mut Vec<Action>| {
            for t in &ts {
                added.push(Action::Remove(Path::root(t.attr)));
            }
        };
        if !fields.iter().any(|f| touched(f)) {
            // Untouched. An upsert may create the item: it writes the index's keys where the
            // key fields and the fields it sets compose all of them (on a stored item they are
            // rewritten as they were), and none where they do not.
            if upsert {
                let mut composed = Vec::new();
                for t in &ts {
                    if t.fields().all(|f| value(f).is_some()) {
                        if let Some(v) = e.compose(t, value)? {
                            composed.push((t.attr, v));
                        }
                    }
                }
                if composed.len() == ts.len() {
                    for (attr, v) in composed {
                        added.push(Action::Set(Path::root(attr), AttributeValue::S(v)));
                    }
                }
            }
            continue;
        }
        if let Some(f) = fields.iter().find(|f| other.iter().any(|o| o == *f)) {
            let t = ts.iter().find(|t| t.fields().any(|g| g == *f)).copied();
            return Err(Error::InvalidRequest(format!(
                "`{f}` is part of the index key {}: change it with `set`, so that the key is recomputed",
                t.map(describe).unwrap_or_default()
            )));
        }
        if fields.iter().any(|f| removed.iter().any(|r| r == f)) {
            // Both keys of the index go: the item leaves it.
            remove_all(&mut added);
            continue;
        }
        let mut composed = Vec::new();
        let mut unknown = Vec::new();
        for t in &ts {
            let missing: Vec<&str> = t.fields().filter(|f| value(f).is_none()).collect();
            if missing.is_empty() {
                composed.push((t.attr, e.compose(t, value)?));
            } else if t.fields().any(&touched) {
                return Err(Error::InvalidRequest(format!(
                    "the update sets part of the index key {} and not {}: set every field of the key, so that it can be recomputed",
                    describe(t),
                    listed(&missing)
                )));
            } else {
                unknown.push((*t, missing));
            }
        }
        if let Some((t, missing)) = unknown.first() {
            if upsert || ts.iter().any(|t| t.sparse) {
                return Err(Error::InvalidRequest(format!(
                    "the update sets fields of the index `{index}` and not {} of its key {}: an item holds both keys of an index or neither, and the item may hold neither yet ({}); set them too",
                    listed(missing),
                    describe(t),
                    if upsert {
                        "an upsert may create it"
                    } else {
                        "a field of the index is an Option"
                    }
                )));
            }
        }
        if composed.iter().any(|(_, v)| v.is_none()) {
            remove_all(&mut added);
            continue;
        }
        for (attr, v) in composed {
            if let Some(v) = v {
                added.push(Action::Set(Path::root(attr), AttributeValue::S(v)));
            }
        }
    }
    if upsert {
        for (name, value) in key.fields() {
            added.push(Action::Set(Path::root(name), value.clone()));
        }
        added.push(Action::Set(
            Path::root(e.attr),
            AttributeValue::S(e.name.to_owned()),
        ));
    }
    actions.actions.extend(added);
    Ok(())
}
