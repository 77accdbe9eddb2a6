//! GetItem, into the model or a projection.
//! Layer: ops.

use std::marker::PhantomData;

use crate::codec::Item;
use crate::db::Db;
use crate::error::Result;
use crate::expr::projection_of;
use crate::expr::Placeholders;
use crate::ops::send::read_request;
use aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder;

use crate::model::check_key_of;
use crate::model::stored::{decode, load_keyed, wrong_entity, ReadPolicy, Verdict};
use crate::model::{Document, Key, Model};
use crate::ops::request::Request;

/// A GetItem of one `M`; `M::get(key)` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// match Pet::get(Pet::key("1")).consistent().exec(db).await? {
///     Some(p) => println!("{} is {}", p.name, p.age),
///     None => println!("no pet 1"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Get<M> {
    key: Key<M>,
    consistent: bool,
    include_expired: bool,
}

impl<M: Model> Get<M> {
    pub(crate) fn new(key: Key<M>) -> Self {
        Get {
            key,
            consistent: false,
            include_expired: false,
        }
    }

    /// A strongly consistent read.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::get(Pet::key("1")).consistent().to_request()?;
    /// assert!(r.consistent);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Reads only the attributes of `P` (a `Document` whose attributes are attributes of `M`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct PetName { id: String, name: String }
    /// let r = Pet::get(Pet::key("1")).project::<PetName>().to_request()?;
    /// assert_eq!(r.projection.as_deref(), Some("#n0, #n1"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn project<P: Document>(self) -> Projected<Self, P> {
        Projected {
            inner: self,
            _p: PhantomData,
        }
    }

    /// The request that `exec` sends.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::get(Pet::key("1")).to_request()?;
    /// assert_eq!((r.operation, r.table, r.consistent), ("GetItem", "pets", false));
    /// assert_eq!(r.key, Some(Pet::key("1").into_item()));
    /// assert!(Pet::get(Pet::key("")).to_request().is_err()); // an empty key string
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        check_key_of::<M>(&self.key)?;
        let mut r = Request::new("GetItem", M::TABLE);
        r.key = Some(self.key.item().clone());
        r.consistent = self.consistent;
        Ok(r)
    }

    /// Reads the item: `None` where there is none.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pet: Option<Pet> = Pet::get(Pet::key("1")).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<Option<M>> {
        let r = self.to_request()?;
        match get_item(db, r).await? {
            Some(item) => load_keyed::<M>(&ReadPolicy::of::<M>(self.include_expired), &item).await,
            None => Ok(None),
        }
    }

    /// Also answers an item whose TTL has passed but that DynamoDB has not deleted yet
    /// (it does so within days). Without this, such an item reads as `None`, as in
    /// Dynamoose (`returnExpired: false`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let get = Pet::get(Pet::key("1")).include_expired();
    /// # let _ = get;
    /// ```
    pub fn include_expired(mut self) -> Self {
        self.include_expired = true;
        self
    }
}

pub(crate) async fn get_item(db: &Db, r: Request) -> Result<Option<Item>> {
    let table = db.table_name(r.table);
    let out = read_request::<GetItemFluentBuilder>(db.client(), &table, &r, |b| b).await?;
    Ok(out.item)
}

/// The projection of a keyed read of `P` from `M`: `P`'s attributes, and what the read
/// policy decides by (the TTL and entity attributes) where `P` lacks them.
pub(crate) fn keyed_projection<M: Model, P: Document>(
    ph: &mut Placeholders,
    policy: &ReadPolicy,
) -> Result<String> {
    let mut expression = projection_of::<M, P>(ph)?;
    for a in policy.attributes().filter(|a| !P::ATTRIBUTES.contains(a)) {
        expression = format!("{expression}, {}", ph.name(a));
    }
    Ok(expression)
}

/// A read that returns only the attributes of `P`; `project::<P>()` on a get, query or scan
/// makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// #[derive(Document, serde::Serialize, serde::Deserialize)]
/// struct Name { name: String }
///
/// let name: Option<Name> = Pet::get(Pet::key("1")).project::<Name>().exec(db).await?;
/// # Ok(()) }
/// ```
pub struct Projected<B, P> {
    pub(crate) inner: B,
    pub(crate) _p: PhantomData<fn() -> P>,
}

impl<M: Model, P: Document> Projected<Get<M>, P> {
    /// The request that `exec` sends. An attribute of `P` that `M` does not have is
    /// `InvalidRequest`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Name { name: String }
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Color { color: String }
    ///
    /// let r = Pet::get(Pet::key("1")).project::<Name>().to_request()?;
    /// assert_eq!(r.projection.as_deref(), Some("#n0"));
    /// assert!(Pet::get(Pet::key("1")).project::<Color>().to_request().is_err());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        let mut r = self.inner.to_request()?;
        let mut ph = Placeholders::default();
        let policy = ReadPolicy::of::<M>(self.inner.include_expired);
        r.projection = Some(keyed_projection::<M, P>(&mut ph, &policy)?);
        r.placeholders(ph);
        Ok(r)
    }

    /// Reads the projected item: `None` where there is none.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Age { age: u32 }
    ///
    /// if let Some(Age { age }) = Pet::get(Pet::key("1")).project::<Age>().exec(db).await? {
    ///     println!("pet 1 is {age}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<Option<P>> {
        let r = self.to_request()?;
        let policy = ReadPolicy::of::<M>(self.inner.include_expired);
        match get_item(db, r).await? {
            Some(item) => match policy.verdict(&item, std::time::SystemTime::now()) {
                Verdict::Own => Ok(Some(decode::<P>(&item)?)),
                Verdict::Expired => Ok(None),
                Verdict::Foreign(found) => Err(wrong_entity(M::ENTITY, &item, found)),
            },
            None => Ok(None),
        }
    }
}
