//! Hydrate: a query of an index that holds only some attributes, completed by a
//! BatchGetItem of the whole items in the query's order.
//! Layer: ops.

use crate::db::Db;
use crate::error::Result;
use crate::model::{Key, Model};
use crate::ops::request::Request;
use crate::ops::ModelOps;

use super::*;

/// A query that reads keys from an index and the whole items from the table;
/// `Query::hydrate` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let pets: Vec<Pet> = Pet::query(Pet::fields().owner.eq("ann")).hydrate().all(db).await?;
/// # Ok(()) }
/// ```
pub struct Hydrate<M> {
    pub(crate) query: Query<M>,
}

impl<M: Model> Hydrate<M> {
    /// The request of the index query (its first page).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::query(Pet::fields().owner.eq("ann")).hydrate().to_request()?;
    /// assert_eq!(r.operation, "Query");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        self.query.request(true)
    }

    /// One page of the index, completed.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let page = Pet::query(Pet::fields().owner.eq("ann")).limit(10).hydrate().exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(&self, db: &Db) -> Result<Page<M>> {
        let r = self.to_request()?;
        let raw = query_page(db, &r).await?;
        let (scanned_count, consumed_capacity) = (raw.scanned, raw.capacity);
        let (items, next) = cut(&r, raw.items, raw.next, r.total_limit.unwrap_or(usize::MAX));
        Ok(Page {
            items: complete::<M>(db, &items, self.query.read.include_expired).await?,
            next,
            scanned_count,
            consumed_capacity,
        })
    }

    /// Every page, completed.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pets = Pet::query(Pet::fields().owner.eq("ann")).hydrate().all(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn all(&self, db: &Db) -> Result<Vec<M>> {
        let mut r = self.to_request()?;
        let cap = r.total_limit.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        for request in 1.. {
            let raw = query_page(db, &r).await?;
            let (items, next) = cut(&r, raw.items, raw.next, cap.saturating_sub(out.len()));
            out.extend(complete::<M>(db, &items, self.query.read.include_expired).await?);
            match next {
                Some(c) if out.len() < cap => r.start_key = Some(past_cap(&r, request, c)?.key),
                _ => return Ok(out),
            }
        }
        Ok(out)
    }
}

/// The whole items of `items`' table keys, in their order.
/// The read policy decides here, on the whole items: an index that holds only keys cannot
/// show an item's TTL or entity.
async fn complete<M: Model>(
    db: &Db,
    items: &[crate::codec::Item],
    include_expired: bool,
) -> Result<Vec<M>> {
    let keys = items
        .iter()
        .map(|item| Key::<M>::from_item(crate::model::stored::key_of::<M>(item)));
    let keys: Vec<Key<M>> = keys.collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut get = M::batch_get(keys);
    get.searching = true;
    if include_expired {
        get = get.include_expired();
    }
    Ok(get.exec(db).await?.into_iter().flatten().collect())
}
