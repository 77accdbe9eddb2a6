//! Collections: an enum of models that share a partition, read together and told apart by
//! their entity attribute.
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
    const MEMBERS: &'static [&'static str];
    /// The table's entity attribute.
    const ENTITY_ATTR: &'static str;
    /// The index whose partition the members share (`None`: the table's key).
    const INDEX: Option<&'static str>;

    /// Decodes an item as the member that its entity attribute names; an item of another
    /// entity is `Error::WrongEntity`.
    fn from_item(item: &Item) -> Result<Self>;

    /// The entity name of this value's member.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{order, CustomerView};
    /// assert_eq!(CustomerView::Order(order("c1", 1)).entity(), "order");
    /// ```
    fn entity(&self) -> &'static str;

    /// The member's `after_load` hook.
    async fn run_after_load(&mut self) -> Result<()>;
}

/// A model that is a member of collection `C` (the derive implements it): what
/// `C::query(..)` takes a partition condition of.
pub trait Member<C: Collection>: Model {}
