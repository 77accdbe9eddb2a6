//! Scan, sequential or in parallel segments.
//! Layer: ops.

use futures::future::BoxFuture;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::Condition;
use crate::expr::Placeholders;

use super::*;
use crate::model::{Document, Index, Model};
use crate::ops::request::Request;
use crate::ops::send::read_request;
use aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder;

pub(crate) fn scan_page<'r>(db: &'r Db, r: &'r Request) -> BoxFuture<'r, PageResult> {
    Box::pin(async move { Ok(scan_send(db, r, r.segment).await?.0) })
}

pub(crate) fn scan_count<'r>(
    db: &'r Db,
    r: &'r Request,
) -> BoxFuture<'r, Result<(usize, Option<Cursor>)>> {
    Box::pin(async move {
        let (raw, n) = scan_send(db, r, r.segment).await?;
        Ok((n, raw.next))
    })
}

pub(crate) async fn scan_send(
    db: &Db,
    r: &Request,
    segment: Option<(i32, i32)>,
) -> Result<(Raw, usize)> {
    let table = db.table_name(r.table);
    let out = read_request::<ScanFluentBuilder>(db.client(), &table, r, |b| {
        b.set_segment(segment.map(|s| s.0))
            .set_total_segments(segment.map(|s| s.1))
    })
    .await?;
    raw_page(out, r)
}

/// A Scan of the table or an index; `M::scan()` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let puppies: Vec<Pet> = Pet::scan().filter(Pet::fields().age.lt(1u32)).parallel(4).all(db).await?;
/// # Ok(()) }
/// ```
pub struct Scan<M, O = M> {
    read: Read<M, O>,
    segments: i32,
    concurrency: usize,
    segment: Option<(i32, i32)>,
}

impl<M, O> Clone for Scan<M, O> {
    fn clone(&self) -> Self {
        let Scan {
            read,
            segments,
            concurrency,
            segment,
        } = self;
        let (segments, concurrency, segment) = (*segments, *concurrency, *segment);
        Scan {
            read: read.clone(),
            segments,
            concurrency,
            segment,
        }
    }
}

/// How many segments of a parallel scan are read at once, unless `concurrency` says.
///
/// ```
/// assert_eq!(dynomodel::query::DEFAULT_SCAN_CONCURRENCY, 8);
/// ```
pub const DEFAULT_SCAN_CONCURRENCY: usize = 8;

impl<M: Model> Scan<M> {
    pub(crate) fn new() -> Self {
        Scan {
            read: Read::new(),
            segments: 1,
            concurrency: DEFAULT_SCAN_CONCURRENCY,
            segment: None,
        }
    }
}

impl<M: Model, O: Send + 'static> Scan<M, O> {
    read_options!("Pet::scan()", "Pet::scan()");

    /// Reads only the attributes of `P`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Name { name: String }
    /// let r = Pet::scan().project::<Name>().to_request()?;
    /// // The keys come too, so that a page cut at its limit has a cursor.
    /// assert_eq!(r.projection.as_deref(), Some("#n0, #n1"));
    /// assert_eq!((r.names["#n0"].as_str(), r.names["#n1"].as_str()), ("name", "id"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn project<P: Document>(self) -> Scan<M, P> {
        Scan {
            read: self.read.project::<P>(),
            segments: self.segments,
            concurrency: self.concurrency,
            segment: self.segment,
        }
    }

    /// Reads at most `n` segments of a parallel scan at once (8 unless set): a scan in 2,000
    /// segments holds 8 requests, and connections, open, not 2,000.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let scan = Pet::scan().parallel(2000).concurrency(16);
    /// assert!(scan.to_request().is_ok());
    /// assert!(Pet::scan().concurrency(0).to_request().is_err());
    /// ```
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    /// Reads only segment `i` of a scan in `total` segments: one worker's share, for a scan
    /// fanned out across Lambdas or processes.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::scan().segment(2, 10).to_request()?;
    /// assert_eq!(r.segment, Some((2, 10)));
    /// assert!(Pet::scan().segment(10, 10).to_request().is_err());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn segment(mut self, i: i32, total: i32) -> Self {
        self.segment = Some((i, total));
        self
    }

    /// Scans in `n` segments (1 to 1,000,000), `concurrency` of them at once, for `all`,
    /// `stream` and `count`; items of each segment are decoded as they arrive.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let every_pet: Vec<Pet> = Pet::scan().parallel(4).all(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn parallel(mut self, n: i32) -> Self {
        self.segments = n;
        self
    }

    /// The request that `exec` sends for its first page.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::scan().index(Pet::BY_OWNER).limit(10).to_request()?;
    /// assert_eq!((r.operation, r.index, r.limit), ("Scan", Some("by_owner"), Some(10)));
    /// assert!(Pet::scan().parallel(0).to_request().is_err());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        if !(1..=1_000_000).contains(&self.segments) {
            return Err(Error::InvalidRequest(format!(
                "a parallel scan has 1 to 1000000 segments, not {}",
                self.segments
            )));
        }
        if self.concurrency == 0 {
            return Err(Error::InvalidRequest(
                "a scan reads at least 1 segment at once, not 0".into(),
            ));
        }
        if let Some((i, total)) = self.segment {
            if !(1..=1_000_000).contains(&total) || !(0..total).contains(&i) || self.segments > 1 {
                return Err(Error::InvalidRequest(format!(
                    "segment({i}, {total}) reads one of 1 to 1000000 segments, numbered from 0, and does not go with parallel()"
                )));
            }
        }
        if self.segments > 1 && self.read.start.is_some() {
            return Err(Error::InvalidRequest(
                "a parallel scan has a cursor per segment, not one: resume each segment with segment(i, n).start_at(cursor)".into(),
            ));
        }
        self.read.check_projection()?;
        let mut r = Request::new("Scan", M::TABLE);
        r.segment = self.segment;
        let mut ph = Placeholders::default();
        self.read.fill(&mut r, &mut ph)?;
        r.placeholders(ph);
        Ok(r)
    }

    /// One page (of the whole table, or of the `segment`); a page of a `parallel` scan has no
    /// one cursor, so `exec` of one is `InvalidRequest`: use `all`, `stream` or `segment`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let first = Pet::scan().limit(25).exec(db).await?;
    /// if let Some(next) = first.next {
    ///     let second = Pet::scan().limit(25).start_at(next).exec(db).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn exec(&self, db: &Db) -> Result<Page<O>> {
        let r = self.to_request()?;
        if self.segments > 1 {
            return Err(Error::InvalidRequest(
                "a page of a parallel scan has no one cursor: use all() or stream(), or segment(i, n) for one segment".into(),
            ));
        }
        one_page(db, &r, scan_page, self.read.decode).await
    }

    /// Every item; with `parallel(n)`, the segments are read at once and their items
    /// concatenated in segment order.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pets: Vec<Pet> = Pet::scan().all(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn all(&self, db: &Db) -> Result<Vec<O>> {
        if self.segments == 1 {
            return collect_pages(db, self.to_request()?, scan_page, self.read.decode).await;
        }
        let r = self.to_request()?;
        let cap = r.total_limit.unwrap_or(usize::MAX);
        let decode = self.read.decode;
        // Segments in order, `concurrency` at a time, each decoded as it arrives.
        let mut segments = std::pin::pin!(stream::iter(self.segment_requests(&r))
            .map(|r| collect_pages(db, r, scan_page, decode))
            .buffered(self.concurrency));
        let mut out = Vec::new();
        while let Some(items) = segments.next().await {
            out.extend(items?);
            if out.len() >= cap {
                out.truncate(cap);
                break;
            }
        }
        Ok(out)
    }

    /// The requests of every segment of a parallel scan, from their start.
    /// The request of each segment, made as it is needed: a scan of a million segments holds
    /// `concurrency` requests at once, not a million.
    fn segment_requests(&self, r: &Request) -> impl Iterator<Item = Request> + Send + 'static {
        let (total, r) = (self.segments, r.clone());
        (0..total).map(move |segment| {
            let mut r = r.clone();
            r.start_key = None;
            r.segment = Some((segment, total));
            r
        })
    }

    /// The items, one at a time, fetching the next page only when the last is used up; with
    /// `parallel`, `concurrency` segments at once, their items in the order they arrive.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// use futures::{StreamExt, TryStreamExt};
    /// let first_ten: Vec<Pet> = Pet::scan().stream(db).take(10).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn stream<'a>(&self, db: &'a Db) -> impl Stream<Item = Result<O>> + Send + 'a {
        let request = self.to_request();
        let cap = request.as_ref().ok().and_then(|r| r.total_limit);
        let decode = self.read.decode;
        let segments: Box<dyn Iterator<Item = Result<Request>> + Send> = match &request {
            Ok(r) if self.segments > 1 => Box::new(self.segment_requests(r).map(Ok)),
            _ => Box::new(std::iter::once(request)),
        };
        stream::iter(segments)
            .map(move |r| {
                Box::pin(pages(r, db, scan_page).flat_map(move |page| decoded(decode, page)))
            })
            .flatten_unordered(self.concurrency)
            .take(cap.unwrap_or(usize::MAX))
    }

    /// How many items match (after the filter), reading every page.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let adults = Pet::scan().filter(Pet::fields().age.ge(1u32)).count(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn count(&self, db: &Db) -> Result<usize> {
        let mut r = self.to_request()?;
        r.count = true;
        if self.segments == 1 {
            return count_pages(db, r, scan_count).await;
        }
        let counts = stream::iter(self.segment_requests(&r))
            .map(|r| count_pages(db, r, scan_count))
            .buffer_unordered(self.concurrency)
            .try_fold(0, |n, c| async move { Ok(usize::saturating_add(n, c)) });
        let n = counts.await?;
        Ok(n.min(r.total_limit.unwrap_or(usize::MAX)))
    }
}

impl<M: Model, O: Send + 'static> LenientRead for Scan<M, O> {
    type Model = M;
    type Out = O;
    fn lenient_request(&self) -> Result<Request> {
        if self.segments > 1 {
            return Err(Error::InvalidRequest(
                "a lenient scan reads one segment: use segment(i, n) for a share".into(),
            ));
        }
        self.to_request()
    }
    fn lenient_decode(&self) -> Decode<O> {
        self.read.decode
    }
    fn lenient_fetch(&self) -> Fetch {
        scan_page
    }
}
