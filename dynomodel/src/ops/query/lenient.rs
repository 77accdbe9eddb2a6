//! Lenient reads: a query or scan that gives each item as a `Result`, so that one item that
//! does not fit the model neither stops the read nor hides the items after it; the cursor
//! moves past it as past any other.
//! Layer: ops.

use futures::stream::{Stream, StreamExt};

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::ops::request::Request;

use super::*;

/// An item that was read but does not fit the model: its key, and why.
///
/// ```
/// use dynomodel::query::Unreadable;
/// use dynomodel::Error;
/// let bad = Unreadable {
///     key: Default::default(),
///     error: Error::Decode { path: "name".into(), message: "missing".into() },
/// };
/// assert!(bad.to_string().contains("name"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("the item {key:?} cannot be read: {error}")]
pub struct Unreadable {
    /// The item's table key attributes.
    pub key: Item,
    /// Why it cannot be read.
    pub error: Error,
}

/// A query or scan whose items come as `Result<O, Unreadable>`; `Query::lenient` and
/// `Scan::lenient` make one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let page = Pet::scan().limit(50).lenient().exec(db).await?;
/// for item in page.items {
///     match item {
///         Ok(pet) => println!("{}", pet.name),
///         Err(bad) => eprintln!("skipped {:?}: {}", bad.key, bad.error),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Lenient<R> {
    pub(crate) read: R,
}

/// How a page is fetched.
/// What a lenient read needs of the query or scan under it.
#[doc(hidden)]
pub trait LenientRead {
    /// The model read.
    type Model: Model;
    /// What each item decodes into.
    type Out: Send + 'static;
    #[doc(hidden)]
    fn lenient_request(&self) -> Result<Request>;
    #[doc(hidden)]
    fn lenient_decode(&self) -> Decode<Self::Out>;
    #[doc(hidden)]
    fn lenient_fetch(&self) -> Fetch;
}

impl<R: LenientRead> Lenient<R> {
    /// The request of the first page, as the query or scan would send it.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::scan().lenient().to_request()?.operation, "Scan");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        self.read.lenient_request()
    }

    /// One page; the cursor is DynamoDB's, past the unreadable items as past the others.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let page = Pet::scan().lenient().exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(&self, db: &Db) -> Result<Page<std::result::Result<R::Out, Unreadable>>> {
        let r = self.read.lenient_request()?;
        let raw = (self.read.lenient_fetch())(db, &r).await?;
        let (scanned_count, consumed_capacity) = (raw.scanned, raw.capacity);
        let (items, next) = cut(&r, raw.items, raw.next, r.total_limit.unwrap_or(usize::MAX));
        let decode = self.read.lenient_decode();
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            out.push(lenient_item::<R::Model, R::Out>(decode, item).await);
        }
        Ok(Page {
            items: out,
            next,
            scanned_count,
            consumed_capacity,
        })
    }

    /// Every item, each as a `Result`; an error of DynamoDB's still ends the read.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let (good, bad): (Vec<_>, Vec<_>) =
    ///     Pet::scan().lenient().all(db).await?.into_iter().partition(|r| r.is_ok());
    /// # Ok(()) }
    /// ```
    pub async fn all(&self, db: &Db) -> Result<Vec<std::result::Result<R::Out, Unreadable>>> {
        let mut r = self.read.lenient_request()?;
        let cap = r.total_limit.unwrap_or(usize::MAX);
        let decode = self.read.lenient_decode();
        let fetch = self.read.lenient_fetch();
        let mut out = Vec::new();
        for request in 1.. {
            let raw = fetch(db, &r).await?;
            let (items, next) = cut(&r, raw.items, raw.next, cap.saturating_sub(out.len()));
            for item in &items {
                out.push(lenient_item::<R::Model, R::Out>(decode, item).await);
            }
            match next {
                Some(c) if out.len() < cap => r.start_key = Some(past_cap(&r, request, c)?.key),
                _ => return Ok(out),
            }
        }
        Ok(out)
    }

    /// The items one at a time, each as a `Result`; the outer `Result` is DynamoDB's.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// use futures::TryStreamExt;
    /// let mut items = std::pin::pin!(Pet::scan().lenient().stream(db));
    /// while let Some(item) = items.try_next().await? {
    ///     if let Err(bad) = item {
    ///         eprintln!("{bad}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream<'a>(
        &self,
        db: &'a Db,
    ) -> impl Stream<Item = Result<std::result::Result<R::Out, Unreadable>>> + Send + 'a {
        let request = self.read.lenient_request();
        let cap = request.as_ref().ok().and_then(|r| r.total_limit);
        let decode = self.read.lenient_decode();
        pages(request, db, self.read.lenient_fetch())
            .flat_map(move |page| {
                futures::stream::iter(match page {
                    Ok(items) => items.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(e) => vec![Err(e)],
                })
                .then(move |item| async move {
                    let item = item?;
                    Ok(lenient_item::<R::Model, R::Out>(decode, &item).await)
                })
            })
            .take(cap.unwrap_or(usize::MAX))
    }
}

async fn lenient_item<M: Model, O>(
    decode: Decode<O>,
    item: &Item,
) -> std::result::Result<O, Unreadable> {
    decode.item(item).await.map_err(|error| Unreadable {
        key: crate::model::stored::key_of::<M>(item),
        error,
    })
}
