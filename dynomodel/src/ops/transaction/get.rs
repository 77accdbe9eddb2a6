//! TransactGetItems into a typed tuple.
//! Layer: ops.

use aws_sdk_dynamodb::types::{Get as SdkGet, TransactGetItem};
use futures::future::BoxFuture;

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::Placeholders;
use crate::model::check_key_of;
use crate::model::stored::{load, wrong_entity, ReadPolicy, Verdict};
use crate::model::{Document, Key, Model};
use crate::ops::get::keyed_projection;
use crate::ops::request::Request;
use crate::ops::send::{send, On};

/// The typed results of a [`TransactGet`]: a tuple with one `Option` per key.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// fn results<T: dynomodel::transaction::GetResults>() {}
/// results::<(Option<Pet>,)>();
/// results::<(Option<Pet>, Option<Pet>, Option<Pet>)>();
/// ```
pub trait GetResults: Sized + Send {
    #[doc(hidden)]
    fn decode(items: Vec<Option<Item>>) -> BoxFuture<'static, Result<Self>>;
}

/// Adds one more result type to a tuple: how [`TransactGet::get`] grows its result type.
///
/// ```
/// use dynomodel::transaction::Push;
/// let pair: <(Option<u8>,) as Push<Option<&str>>>::Output = (Some(1), Some("a"));
/// assert_eq!(pair.1, Some("a"));
/// ```
pub trait Push<T> {
    /// The longer tuple.
    ///
    /// ```
    /// use dynomodel::transaction::Push;
    /// let t: <() as Push<Option<u8>>>::Output = (None,);
    /// assert_eq!(t, (None::<u8>,));
    /// ```
    type Output;
}

macro_rules! tuples {
    ($(($($t:ident),*) => $next:ident;)*) => {$(
        impl<$($t,)* $next> Push<$next> for ($($t,)*) {
            type Output = ($($t,)* $next,);
        }
    )*};
}
tuples! {
    () => A;
    (A) => B;
    (A, B) => C;
    (A, B, C) => D;
    (A, B, C, D) => E;
    (A, B, C, D, E) => F;
    (A, B, C, D, E, F) => G;
    (A, B, C, D, E, F, G) => H;
}

macro_rules! results {
    ($(($($t:ident),+);)*) => {$(
        impl<$($t: FromGot),+> GetResults for ($(Option<$t>,)+) {
            #[allow(non_snake_case)]
            fn decode(items: Vec<Option<Item>>) -> BoxFuture<'static, Result<Self>> {
                Box::pin(async move {
                    let mut items = items.into_iter();
                    $(
                        let $t = match items.next().flatten() {
                            Some(item) => Some(<$t as FromGot>::from_got(item).await?),
                            None => None,
                        };
                    )+
                    Ok(($($t,)+))
                })
            }
        }
    )*};
}
results! {
    (A);
    (A, B);
    (A, B, C);
    (A, B, C, D);
    (A, B, C, D, E);
    (A, B, C, D, E, F);
    (A, B, C, D, E, F, G);
    (A, B, C, D, E, F, G, H);
}

/// A TransactGetItems: a consistent read of up to 8 typed items (of any models) at once.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::transaction::TransactGet;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Model, Serialize, Deserialize)]
/// # #[dynomodel(table = "pets")]
/// # struct Pet { #[dynomodel(hash_key)] id: String }
/// # #[derive(Model, Serialize, Deserialize)]
/// # #[dynomodel(table = "owners")]
/// # struct Owner { #[dynomodel(hash_key)] name: String }
/// # async fn run(db: &Db) -> Result<()> {
/// let (pet, owner): (Option<Pet>, Option<Owner>) =
///     TransactGet::new().get(Pet::key("1")).get(Owner::key("r")).exec(db).await?;
/// # Ok(()) }
/// ```
pub struct TransactGet<T = ()> {
    keys: Vec<Result<Slot>>,
    include_expired: bool,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl TransactGet<()> {
    /// An empty read.
    ///
    /// ```
    /// use dynomodel::transaction::TransactGet;
    /// let read: TransactGet<()> = TransactGet::new();
    /// # let _ = read;
    /// ```
    pub fn new() -> Self {
        TransactGet {
            keys: Vec::new(),
            include_expired: false,
            _t: std::marker::PhantomData,
        }
    }
}

impl Default for TransactGet<()> {
    fn default() -> Self {
        TransactGet::new()
    }
}

impl<T> TransactGet<T> {
    /// Reads the item at `key` too.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let (a, b): (Option<Pet>, Option<Pet>) =
    ///     TransactGet::new().get(Pet::key("1")).get(Pet::key("2")).exec(db).await?;
    /// # Ok(()) }
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn get<M: Model>(self, key: Key<M>) -> TransactGet<<T as Push<Option<M>>>::Output>
    where
        T: Push<Option<M>>,
    {
        let slot = Slot::whole(key, ReadPolicy::of::<M>(false), Keyed::Model(M::ENTITY));
        self.then(slot)
    }

    /// Reads the item at `key` of a member `M` of collection `C`, as `C`: its result is an
    /// `Option<C>`, the member that the item's entity attribute names.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{Customer, CustomerView, Order};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let (a, b): (Option<CustomerView>, Option<CustomerView>) = TransactGet::new()
    ///     .get_as::<CustomerView, _>(Customer::key("c1"))
    ///     .get_as::<CustomerView, _>(Order::key("c1", "2026-11-30", 7u32))
    ///     .exec(db)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn get_as<C, M>(self, key: Key<M>) -> TransactGet<<T as Push<Option<C>>>::Output>
    where
        C: crate::model::Collection + FromGot,
        M: crate::model::Member<C>,
        T: Push<Option<C>>,
    {
        self.then(Slot::whole(
            key,
            ReadPolicy::of_collection::<C>(false),
            Keyed::Collection,
        ))
    }

    /// Reads only the attributes of document `P` of the item with this key: its result is
    /// an `Option<Partial<P>>`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::transaction::Partial;
    /// # async fn run(db: &Db) -> Result<()> {
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Name { name: String }
    /// let (whole, name): (Option<Pet>, Option<Partial<Name>>) = TransactGet::new()
    ///     .get(Pet::key("1"))
    ///     .get_projected::<Pet, Name>(Pet::key("2"))
    ///     .exec(db)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn get_projected<M: Model, P: Document>(
        self,
        key: Key<M>,
    ) -> TransactGet<<T as Push<Option<Partial<P>>>>::Output>
    where
        T: Push<Option<Partial<P>>>,
    {
        self.then(check_key_of::<M>(&key).and_then(|()| {
            let mut ph = Placeholders::default();
            let policy = ReadPolicy::of::<M>(false);
            let expression = keyed_projection::<M, P>(&mut ph, &policy)?;
            Ok(Slot {
                table: M::TABLE,
                key: key.into_item(),
                projection: Some((expression, ph.names().clone())),
                policy,
                keyed: Keyed::Model(M::ENTITY),
            })
        }))
    }

    /// Also gives items whose TTL has passed but that DynamoDB has not deleted yet; without
    /// it, such an item reads as `None`, as in `get`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let read = TransactGet::new().get(Pet::key("1")).include_expired();
    /// # let _ = read;
    /// ```
    pub fn include_expired(mut self) -> Self {
        self.include_expired = true;
        self
    }

    /// The read with one more get, whose results are `U`.
    fn then<U>(mut self, slot: Result<Slot>) -> TransactGet<U> {
        self.keys.push(slot);
        TransactGet {
            keys: self.keys,
            include_expired: self.include_expired,
            _t: std::marker::PhantomData,
        }
    }
}

/// One get of a TransactGet, with the read policy of what it reads.
pub(crate) struct Slot {
    table: &'static str,
    key: Item,
    projection: Option<(String, std::collections::HashMap<String, String>)>,
    policy: ReadPolicy,
    keyed: Keyed,
}

impl Slot {
    /// The get of the whole item at `key`, checked.
    fn whole<M: Model>(key: Key<M>, policy: ReadPolicy, keyed: Keyed) -> Result<Slot> {
        check_key_of::<M>(&key)?;
        Ok(Slot {
            table: M::TABLE,
            key: key.into_item(),
            projection: None,
            policy,
            keyed,
        })
    }
}

/// What a get that finds another entity's item answers.
enum Keyed {
    /// `WrongEntity`, as every keyed read of a model.
    Model(Option<&'static crate::model::Entity>),
    /// The collection's decode names the members it expected.
    Collection,
}

/// The projected result of [`TransactGet::get_projected`]: the document `P`.
///
/// ```
/// let name = dynomodel::transaction::Partial("Rex".to_owned());
/// assert_eq!(name.0, "Rex");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Partial<P>(pub P);

/// What one result of a TransactGet decodes into: a model (with its `after_load` hook), or
/// a `Partial` document.
#[doc(hidden)]
pub trait FromGot: Sized + Send + 'static {
    #[doc(hidden)]
    fn from_got(item: Item) -> BoxFuture<'static, Result<Self>>;
}

impl<M: Model> FromGot for M {
    fn from_got(item: Item) -> BoxFuture<'static, Result<Self>> {
        Box::pin(async move { load::<M>(&item).await })
    }
}

/// A collection's `FromGot`, which `#[derive(Collection)]` implements with it.
#[doc(hidden)]
pub fn collection_from_got<C: crate::model::Collection>(
    item: Item,
) -> BoxFuture<'static, Result<C>> {
    Box::pin(async move { crate::model::stored::load_member::<C>(&item).await })
}

impl<P: Document> FromGot for Partial<P> {
    fn from_got(item: Item) -> BoxFuture<'static, Result<Self>> {
        Box::pin(async move { P::from_item(&item).map(Partial) })
    }
}

impl<T: GetResults> TransactGet<T> {
    /// The request that `exec` sends: the keys, in order, each with its table.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let requests = TransactGet::new().get(Pet::key("1")).get(Pet::key("2")).to_requests()?;
    /// assert_eq!(requests.len(), 2);
    /// assert_eq!((requests[1].operation, requests[1].table), ("Get", "pets"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_requests(&self) -> Result<Vec<Request>> {
        self.keys
            .iter()
            .map(|k| match k {
                Ok(slot) => {
                    let mut r = Request::new("Get", slot.table);
                    r.key = Some(slot.key.clone());
                    if let Some((expression, names)) = &slot.projection {
                        r.projection = Some(expression.clone());
                        r.names = names.clone();
                    }
                    Ok(r)
                }
                Err(e) => Err(Error::InvalidRequest(e.to_string())),
            })
            .collect()
    }

    /// Reads every item at once, as of one moment; an item that is not stored is `None`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let (p,) = TransactGet::new().get(Pet::key("1")).exec(db).await?;
    /// println!("{:?}", p.map(|p| p.name));
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<T> {
        let mut gets = Vec::with_capacity(self.keys.len());
        let mut policies = Vec::with_capacity(self.keys.len());
        for k in self.keys {
            let slot = k?;
            policies.push((slot.policy.with_expired(self.include_expired), slot.keyed));
            let (projection, names) = slot.projection.unzip();
            gets.push(
                TransactGetItem::builder()
                    .get(
                        SdkGet::builder()
                            .table_name(db.table_name(slot.table))
                            .set_key(Some(slot.key))
                            .set_projection_expression(projection)
                            .set_expression_attribute_names(names)
                            .build()
                            .map_err(|e| Error::InvalidRequest(e.to_string()))?,
                    )
                    .build(),
            );
        }
        let what = format!("{} items", gets.len());
        let call = db
            .client()
            .transact_get_items()
            .set_transact_items(Some(gets));
        let sent = send("TransactGetItems", On::Many(&what), |c| {
            call.set_return_consumed_capacity(c).send()
        })
        .await?;
        let Ok(out) = sent;
        let now = std::time::SystemTime::now();
        let items = out
            .responses
            .unwrap_or_default()
            .into_iter()
            .zip(policies)
            .map(
                |(r, (policy, keyed))| match r.item.filter(|i| !i.is_empty()) {
                    Some(item) => match (policy.verdict(&item, now), keyed) {
                        (Verdict::Expired, _) => Ok(None),
                        (Verdict::Foreign(found), Keyed::Model(e)) => {
                            Err(wrong_entity(e, &item, found))
                        }
                        _ => Ok(Some(item)),
                    },
                    None => Ok(None),
                },
            )
            .collect::<Result<Vec<_>>>()?;
        T::decode(items).await
    }
}
