//! Collections: an enum of models that share a partition, read together and told apart by
//! their entity attribute.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::single::CustomerView;
//! assert_eq!(CustomerView::MEMBERS, ["customer", "order"]);
//! ```
//!
//! Layer: model.

use crate::codec::Item;
use crate::error::Result;
use crate::model::Model;

/// An enum of models in one shared table that share a partition key template (on the
/// table's key, or on one index): `#[derive(Collection)]` implements it, and
/// `CustomerView::query(..)` reads the partition once
/// ([`CollectionOps`](crate::ops::CollectionOps)).
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{customer, CustomerView};
/// assert_eq!(CustomerView::MEMBERS, ["customer", "order"]);
/// let item = customer("c1").to_item()?;
/// assert!(matches!(CustomerView::from_item(&item)?, CustomerView::Customer(_)));
/// # Ok::<(), Error>(())
/// ```
#[async_trait::async_trait]
pub trait Collection: Sized + Send + Sync + 'static {
    /// The members' entity names, in variant order.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(CustomerView::MEMBERS, ["customer", "order"]);
    /// ```
    const MEMBERS: &'static [&'static str];
    /// The table's entity attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(CustomerView::ENTITY_ATTR, "_et");
    /// ```
    const ENTITY_ATTR: &'static str;

    /// The TTL attribute of each member, in the order of [`Collection::MEMBERS`]: reads leave
    /// out an item past its member's TTL.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(CustomerView::TTLS.len(), CustomerView::MEMBERS.len());
    /// ```
    const TTLS: &'static [Option<&'static str>];
    /// The index whose partition the members share (`None`: the table's key).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(CustomerView::INDEX, None);
    /// ```
    const INDEX: Option<&'static str>;

    /// The first member: what a batch of keys of any member is read through (they share
    /// the table and its keys).
    #[doc(hidden)]
    type First: Member<Self>;

    /// Decodes an item as the member that its entity attribute names; an item of another
    /// entity is `Error::WrongEntity`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// let item = order("c1", 1).to_item()?;
    /// assert_eq!(CustomerView::from_item(&item)?, CustomerView::Order(order("c1", 1)));
    /// # Ok::<(), Error>(())
    /// ```
    fn from_item(item: &Item) -> Result<Self>;

    /// The entity name of this value's member.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{order, CustomerView};
    /// assert_eq!(CustomerView::Order(order("c1", 1)).entity(), "order");
    /// ```
    fn entity(&self) -> &'static str;

    /// The attribute names of this value's member's stored fields.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{order, CustomerView};
    /// assert!(CustomerView::Order(order("c1", 1)).attributes().contains(&"placed_at"));
    /// ```
    fn attributes(&self) -> &'static [&'static str];

    /// The member's `after_load` hook.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// # futures::executor::block_on(async {
    /// let mut v = CustomerView::Order(order("c1", 1));
    /// v.run_after_load().await?; // Order has no hooks: nothing happens
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    async fn run_after_load(&mut self) -> Result<()>;
}

/// A model that is a member of collection `C` (the derive implements it): what
/// `C::query(..)` takes a partition condition of.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{Customer, CustomerView, Order};
/// fn member<M: dynomodel::Member<CustomerView>>() {}
/// member::<Customer>();
/// member::<Order>();
/// ```
pub trait Member<C: Collection>: Model {}

/// The key of an item of any member of collection `C`: `Order::key(..).into()`, for
/// `C::batch_get`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{Customer, CustomerView, Order};
/// use dynomodel::model::collection::MemberKey;
/// let keys: Vec<MemberKey<CustomerView>> =
///     vec![Customer::key("c1").into(), Order::key("c1", "2026-11-30", 7u32).into()];
/// assert_eq!(keys.len(), 2);
/// ```
pub struct MemberKey<C: Collection>(pub(crate) crate::model::Key<C::First>);

impl<C: Collection, M: Member<C>> From<crate::model::Key<M>> for MemberKey<C> {
    fn from(key: crate::model::Key<M>) -> Self {
        MemberKey(key.cast())
    }
}
