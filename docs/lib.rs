//! The repository's Markdown as doctests: the snippets of the README and of the guides are
//! compiled (and run, unless marked `no_run`) by `cargo test --doc`, so that they cannot
//! drift from the code. They are here, in the unpublished root package, and not in the
//! `dynomodel` crate, so that the published crate's doctests read no file outside it; here
//! they also reach the crates that an application adds beside dynomodel (lambda_http,
//! tokio, chrono), as the root package's dev-dependencies.

/// The README's snippets.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

/// The guide's snippets.
#[cfg(doctest)]
#[doc = include_str!("guide.md")]
mod guide {}

/// The single-table design's snippets.
#[cfg(doctest)]
#[doc = include_str!("single-table.md")]
mod single_table {}
