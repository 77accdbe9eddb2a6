//! UpdateItem with typed actions.
//! Layer: ops.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::Condition;
use crate::expr::guard::{Guard, Test};
use crate::expr::update::{Actions, UpdateActions};
use crate::expr::Placeholders;
use crate::model::stored::load_applied;
use crate::model::upgrade::{version_attr, SCHEMA_ATTR};
use crate::model::{check_index_values, check_key_of};
use crate::model::{Key, Model, Path};
use crate::ops::request::Request;
use crate::ops::send::send_request;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;

use super::conditions::{
    condition_error, entity_condition, live_condition, past_expired, schema_condition,
    version_condition,
};

/// An UpdateItem of one `M`; `M::update(key)` makes one.
///
/// An update of a key that is not stored fails with `NotFound` and creates nothing, unless
/// [`Update::upsert`] asks for it.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let f = Pet::fields();
/// let p = Pet::update(Pet::key("1"))
///     .set(&f.name, "Rex")
///     .add(&f.age, 1u32)
///     .remove(&f.address)
///     .condition(f.owner.eq("rachel"))
///     .exec(db)
///     .await?;
/// # Ok(()) }
/// ```
pub struct Update<M> {
    key: Key<M>,
    actions: Actions<M>,
    condition: Option<Condition<M>>,
    upsert: bool,
    expected_version: Option<u64>,
}

impl<M> UpdateActions<M> for Update<M> {
    fn actions_mut(&mut self) -> &mut Actions<M> {
        &mut self.actions
    }
}

/// How an update is sent: as asked, or, for an upsert of a model with a schema version, in
/// one of two forms that together never leave an item it creates without the version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    AsAsked,
    /// No item, or one that carries a schema version: `_sv` is set where there is none (the
    /// item is created), else kept.
    Marked,
    /// An item stored before the model had a schema version (no `_sv`): it stays so.
    Legacy,
}

/// The guard that a version bumped by `ADD 1` still fits the version field's type.
fn version_guard<M: Model>() -> Option<Guard> {
    let version = M::VERSION?;
    (M::VERSION_MAX < u64::MAX).then(|| Guard {
        path: Path::root(version),
        rule: "version",
        test: Test::AtMost(M::VERSION_MAX.saturating_sub(1).to_string()),
        missing_ok: true,
        message: format!(
            "is {}, the largest that its type holds: the next version does not fit",
            M::VERSION_MAX
        ),
    })
}

impl<M: Model> Update<M> {
    pub(crate) fn new(key: Key<M>) -> Self {
        Update {
            key,
            actions: Actions::default(),
            condition: None,
            upsert: false,
            expected_version: None,
        }
    }

    /// Updates only where `condition` holds (else `ConditionFailed`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f = Pet::fields();
    /// let r = Pet::update(Pet::key("1")).set(&f.age, 4u32).condition(f.age.lt(4u32)).to_request()?;
    /// assert!(r.condition.unwrap().ends_with("#n0 < :v2"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        Condition::add_to(&mut self.condition, condition);
        self
    }

    /// Creates the item where it is not stored, as DynamoDB's UpdateItem does by itself. The
    /// item it may create must fit the model: the update must set every attribute that the
    /// model requires ([`Model::REQUIRED`]), or it is `InvalidRequest` before sending.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f = Pet::fields();
    /// let r = Pet::update(Pet::key("1"))
    ///     .set_if_not_exists(&f.name, "Rex")
    ///     .set_if_not_exists(&f.owner, "ann")
    ///     .set(&f.age, 4u32)
    ///     .upsert()
    ///     .to_request()?;
    /// assert!(!r.condition.unwrap_or_default().contains("attribute_exists"));
    /// // Without `name` and `owner`, the item it may create would not fit the model.
    /// assert!(Pet::update(Pet::key("1")).set(&f.age, 4u32).upsert().to_request().is_err());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn upsert(mut self) -> Self {
        self.upsert = true;
        self
    }

    /// Updates only where the stored version is `version` (else `VersionConflict`), for a
    /// model with a `version`. Version 0 is an item without a version attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set(Pet::fields().age, 4u32).expect_version(3).to_request()?;
    /// assert!(r.condition.unwrap().contains("= :v"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn expect_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// The request that `exec` sends (and a transaction). The version (where the model has
    /// one) is increased by 1, and the key must exist unless `upsert()`. An upsert of a model
    /// with a schema version is sent by `exec` and by a transaction in a form that also marks
    /// an item it creates with that version (docs/guide.md, lazy migration).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set(Pet::fields().age, 4u32).to_request()?;
    /// assert_eq!(r.operation, "UpdateItem");
    /// assert_eq!(r.update.as_deref(), Some("SET #n0 = :v0 ADD #n1 :v1"));
    /// assert_eq!(r.names["#n1"], "version");
    /// assert_eq!(r.condition.as_deref(), Some("attribute_exists(#n2)"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        self.to_request_at(std::time::SystemTime::now())
    }

    pub(crate) fn to_request_at(&self, now: std::time::SystemTime) -> Result<Request> {
        self.request(now, Phase::AsAsked)
    }

    /// For an upsert of a model with a schema version: the two forms that a transaction sends
    /// it in (the first where there is no item or one with a version, the second where the
    /// item has none), as `exec` does; `None` for any other update.
    pub(crate) fn versioned_forms(&self) -> Option<Result<(Request, Request)>> {
        (self.upsert && M::SCHEMA.is_some()).then(|| {
            let now = std::time::SystemTime::now();
            Ok((
                self.request(now, Phase::Marked)?,
                self.request(now, Phase::Legacy)?,
            ))
        })
    }

    fn request(&self, now: std::time::SystemTime, phase: Phase) -> Result<Request> {
        check_key_of::<M>(&self.key)?;
        self.actions.check()?;
        let mut actions = self.actions.clone();
        for name in std::iter::once(M::HASH_KEY).chain(M::RANGE_KEY) {
            if actions.actions.iter().any(|a| a.top() == Some(name)) {
                return Err(Error::InvalidRequest(format!(
                    "an update cannot change the key attribute `{name}`"
                )));
            }
        }
        for name in [M::VERSION, M::UPDATED_AT].into_iter().flatten() {
            if actions.actions.iter().any(|a| a.top() == Some(name)) {
                return Err(Error::InvalidRequest(format!(
                    "`{name}` is managed by the model: every update that changes the item sets it"
                )));
            }
        }
        // A model in a shared table: keys recomputed, entity written by an upsert.
        if let (Some(e), false) = (M::ENTITY, actions.actions.is_empty()) {
            super::index_keys::update_keys(e, &mut actions, &self.key, self.upsert)?;
        }
        // What the update writes into index key attributes: DynamoDB refuses an empty
        // string and, in a shared table, a type other than a native index's.
        let written: Item = actions
            .actions
            .iter()
            .filter_map(|a| match a {
                crate::expr::update::Action::Set(p, v)
                | crate::expr::update::Action::SetIfNotExists(p, v)
                    if p.elems().len() == 1 =>
                {
                    Some((p.top()?.to_owned(), v.clone()))
                }
                _ => None,
            })
            .collect();
        check_index_values::<M>(&written)?;
        // An update without actions changes nothing: it neither moves the version nor
        // touches `updated_at`, and answers the item as stored.
        if !actions.actions.is_empty() {
            if let Some(updated) = M::UPDATED_AT {
                if let Some(v) = M::updated_at_value(now)? {
                    actions.push_set(updated, v);
                }
            }
            if let Some(version) = M::VERSION {
                actions.push_add(version, AttributeValue::N("1".into()));
                // The bumped version must fit the field's type, as a save checks.
                actions.guards.extend(version_guard::<M>());
            }
        }
        if self.upsert {
            // An upsert may create the item: it must then have what the model requires.
            let missing: Vec<&str> = M::REQUIRED
                .iter()
                .copied()
                .filter(|name| !actions.actions.iter().any(|a| a.sets_top(name)))
                .collect();
            if !missing.is_empty() {
                return Err(Error::InvalidRequest(format!(
                    "an upsert may create the item, which then needs {}: set them in the update (set_if_not_exists keeps a stored value)",
                    missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        // An item that the upsert creates has the model's schema version, as a saved one.
        if let (Phase::Marked, Some((attr, version))) = (phase, version_attr::<M>()) {
            actions
                .actions
                .push(crate::expr::update::Action::SetIfNotExists(
                    Path::root(attr),
                    version,
                ));
        }
        let mut ph = Placeholders::default();
        let update = actions.render(&mut ph);
        let mut conditions = Vec::new();
        match phase {
            Phase::AsAsked if self.upsert => {}
            Phase::AsAsked => {
                conditions.push(format!("attribute_exists({})", ph.name(M::HASH_KEY)));
            }
            Phase::Marked => {
                let (key, sv) = (ph.name(M::HASH_KEY), ph.name(SCHEMA_ATTR));
                conditions.push(format!(
                    "(attribute_not_exists({key}) OR attribute_exists({sv}))"
                ));
            }
            Phase::Legacy => {
                let (key, sv) = (ph.name(M::HASH_KEY), ph.name(SCHEMA_ATTR));
                conditions.push(format!(
                    "attribute_exists({key}) AND attribute_not_exists({sv})"
                ));
            }
        }
        if let (Some(version), Some(v)) = (M::VERSION, self.expected_version) {
            conditions.push(version_condition(&mut ph, version, v));
        }
        if let Some(c) = &self.condition {
            conditions.push(c.render(&mut ph)?);
        }
        for g in &actions.guards {
            conditions.push(g.render(&mut ph));
        }
        conditions.extend(entity_condition::<M>(&mut ph));
        conditions.extend(schema_condition::<M>(&mut ph));
        // An update changes the stored item in place: never one past its TTL, which every
        // read tells is not there (`past_expired` deletes it and sends the update again).
        conditions.extend(live_condition::<M>(&mut ph));
        let mut r = Request::new("UpdateItem", M::TABLE);
        r.key = Some(self.key.item().clone());
        r.update = update;
        r.condition = (!conditions.is_empty()).then(|| conditions.join(" AND "));
        r.placeholders(ph);
        Ok(r)
    }

    /// Sends the update and returns the item as stored after it.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pet = Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32).exec(db).await?;
    /// println!("{} is now {}", pet.name, pet.age);
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<M> {
        let (item, table) = self.send(db, ReturnValue::AllNew).await?;
        let item = item.ok_or_else(|| Error::NotFound {
            table: table.clone(),
        })?;
        load_applied::<M>("UpdateItem", table, self.key.item(), &item).await
    }

    /// Sends the update and returns nothing: DynamoDB sends no item back.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32).exec_quiet(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec_quiet(self, db: &Db) -> Result<()> {
        self.send(db, ReturnValue::None).await.map(|_| ())
    }

    /// Sends the update and returns the item as it was before it (`None` where an upsert
    /// created it).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let before = Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32).exec_old(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec_old(self, db: &Db) -> Result<Option<M>> {
        let (item, table) = self.send(db, ReturnValue::AllOld).await?;
        match item {
            Some(item) => load_applied::<M>("UpdateItem", table, self.key.item(), &item)
                .await
                .map(Some),
            None => Ok(None),
        }
    }

    /// Sends the update and returns only the attributes that it changed, as stored after it
    /// (DynamoDB's `UPDATED_NEW`), as an item.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let changed = Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32).exec_updated(db).await?;
    /// println!("age is now {:?}", changed.get("age"));
    /// # Ok(()) }
    /// ```
    pub async fn exec_updated(self, db: &Db) -> Result<Item> {
        // The schema version that an upsert sets where it creates the item is the model's
        // bookkeeping, not an attribute that the update changed.
        self.send(db, ReturnValue::UpdatedNew)
            .await
            .map(|(item, _)| {
                let mut item = item.unwrap_or_default();
                if M::SCHEMA.is_some() {
                    item.remove(SCHEMA_ATTR);
                }
                item
            })
    }

    /// Sends the update, asking for `returns`; the item that DynamoDB returns, and the
    /// table's name. An upsert of a model with a schema version is sent so that an item it
    /// creates has the version, as a saved one does, and reads do not upgrade it: where there
    /// is no item or one that carries a version, the version is set if missing (one request);
    /// an item stored before the model had one (no `_sv`) is updated as it is and keeps no
    /// version (a second request, only for such items). Where the item changes between the
    /// two, they are sent again, three times at most.
    async fn send(&self, db: &Db, returns: ReturnValue) -> Result<(Option<Item>, String)> {
        let mut phase = match self.upsert && M::SCHEMA.is_some() {
            true => Phase::Marked,
            false => Phase::AsAsked,
        };
        for _ in 0..6 {
            match self.send_as(db, returns.clone(), phase).await? {
                Ok(done) => return Ok(done),
                Err(next) => phase = next,
            }
        }
        Err(Error::ConditionFailed {
            table: db.table_name(M::TABLE),
            item: None,
        })
    }

    /// Sends the update in the form `phase`: what DynamoDB returned, or the form to send it
    /// in next where the item is not what this form is for (an upsert with a schema version).
    async fn send_as(
        &self,
        db: &Db,
        returns: ReturnValue,
        phase: Phase,
    ) -> Result<std::result::Result<(Option<Item>, String), Phase>> {
        let r = self.request(std::time::SystemTime::now(), phase)?;
        let table = db.table_name(M::TABLE);
        let sent = past_expired::<M, _, _, _>(db, &table, || {
            send_request::<UpdateItemFluentBuilder>(db.client(), &table, &r, |b| {
                b.return_values(returns.clone())
            })
        })
        .await?;
        let stored = match sent {
            Ok(out) => return Ok(Ok((out.attributes.filter(|a| !a.is_empty()), table))),
            Err(stored) => stored,
        };
        let legacy = stored.as_ref().map(|s| !s.contains_key(SCHEMA_ATTR));
        match (phase, legacy) {
            // An item without a version: updated as it is.
            (Phase::Marked, Some(true)) => return Ok(Err(Phase::Legacy)),
            // Gone, or stored with a version since.
            (Phase::Legacy, None | Some(false)) => return Ok(Err(Phase::Marked)),
            _ => {}
        }
        Err(condition_error::<M>(
            table,
            stored,
            self.upsert,
            self.expected_version,
            &[
                self.actions.guards.clone(),
                version_guard::<M>().into_iter().collect(),
            ]
            .concat(),
        ))
    }
}
