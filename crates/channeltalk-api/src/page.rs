//! [`Pages`]: every element of a list endpoint, page after page, without touching cursors.
//!
//! Channel pages lists with a `next` cursor that the following request sends back as `since`:
//! a number for webhooks and bots, a string for messages, managers, user chats, chat tags,
//! team chats and events. [`Pages`] hides both
//! kinds: loop with [`Pages::next_page`], or turn it into a [`Stream`] of elements with
//! [`Pages::into_stream`]. A page that comes back empty, or with a cursor already seen, ends
//! the list, so a misbehaving server cannot make a caller loop forever.

use std::collections::{HashSet, VecDeque};
use std::marker::PhantomData;

use futures_core::Stream;
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::ApiError;
use crate::lenient;
use crate::response::ApiResponse;
use crate::transport::Request;

/// The most elements Channel returns in one page.
pub const MAX_PAGE_SIZE: u32 = 500;

/// One page of a list.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The elements (those that do not fit the model are skipped).
    pub items: Vec<T>,
    /// The cursor of the next page, as Channel sent it (`None` on the last page).
    pub next: Option<String>,
}

/// A list endpoint, read page by page.
///
/// ```no_run
/// use channeltalk_api::Client;
/// use futures_util::StreamExt;
///
/// # async fn run(client: Client) -> Result<(), channeltalk_api::ApiError> {
/// // A loop over pages…
/// let mut pages = client.webhooks().limit(100);
/// while let Some(page) = pages.next_page().await? {
///     for webhook in page.items { println!("{:?}", webhook.name); }
/// }
/// // …or a stream of elements.
/// let mut managers = Box::pin(client.managers().into_stream());
/// while let Some(manager) = managers.next().await {
///     println!("{:?}", manager?.name);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a list is fetched only when its pages are read"]
pub struct Pages<T> {
    client: Client,
    template: &'static str,
    path: String,
    items_key: &'static str,
    query: Vec<(&'static str, String)>,
    limit: Option<u32>,
    since: Option<String>,
    seen: HashSet<String>,
    done: bool,
    /// Builds each element from its raw entry and the rest of the page (a user chat joined
    /// with its user and last message); `None` reads the entries as they are.
    join: Option<Join>,
    item: PhantomData<fn() -> T>,
}

/// Builds the raw elements of a page from its list and the rest of the answer.
pub(crate) type Join = fn(Vec<Value>, &Map<String, Value>) -> Vec<Value>;

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("path", &self.path)
            .field("since", &self.since)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Pages<T> {
    pub(crate) fn new(
        client: &Client,
        template: &'static str,
        path: String,
        items_key: &'static str,
    ) -> Self {
        Pages {
            client: client.clone(),
            template,
            path,
            items_key,
            query: Vec::new(),
            limit: None,
            since: None,
            seen: HashSet::new(),
            done: false,
            join: None,
            item: PhantomData,
        }
    }

    /// Builds each element from its entry and the rest of the page (see [`Join`]).
    pub(crate) fn joined(mut self, join: Join) -> Self {
        self.join = Some(join);
        self
    }

    pub(crate) fn with_query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Elements per page, 1 to 500 (Channel's default is 25).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit.clamp(1, MAX_PAGE_SIZE));
        self
    }

    /// Starts from this cursor (a `next` from an earlier page) instead of the beginning.
    pub fn since(mut self, cursor: impl Into<String>) -> Self {
        self.since = Some(cursor.into());
        self
    }

    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Page<T>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let mut request = Request::new(Method::GET, self.template, self.path.clone());
        for (name, value) in &self.query {
            request = request.query(name, value.clone());
        }
        if let Some(limit) = self.limit {
            request = request.query("limit", limit.to_string());
        }
        if let Some(since) = &self.since {
            request = request.query("since", since.clone());
        }
        let answer: ApiResponse<Map<String, Value>> = self.client.call(request).await?;
        let mut body = answer.into_inner();
        let values = match body.remove(self.items_key) {
            Some(Value::Array(values)) => values,
            _ => Vec::new(),
        };
        let values = match self.join {
            Some(join) => join(values, &body),
            None => values,
        };
        let items: Vec<T> = values.into_iter().filter_map(lenient::element).collect();
        let next = body
            .remove("next")
            .and_then(|value| lenient::cursor(value).ok().flatten());
        match &next {
            Some(cursor) if !items.is_empty() && self.seen.insert(cursor.clone()) => {
                self.since = Some(cursor.clone());
            }
            _ => self.done = true,
        }
        Ok(Some(Page { items, next }))
    }

    /// Every element of every remaining page, in order.
    pub async fn collect_all(mut self) -> Result<Vec<T>, ApiError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page.items);
        }
        Ok(all)
    }

    /// The elements as a stream, fetching pages as they are needed. An error ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<T, ApiError>> {
        futures_util::stream::unfold(
            (self, VecDeque::new(), false),
            |(mut pages, mut buffer, failed)| async move {
                if failed {
                    return None;
                }
                loop {
                    if let Some(item) = buffer.pop_front() {
                        return Some((Ok(item), (pages, buffer, false)));
                    }
                    match pages.next_page().await {
                        Ok(Some(page)) => buffer.extend(page.items),
                        Ok(None) => return None,
                        Err(error) => return Some((Err(error), (pages, buffer, true))),
                    }
                }
            },
        )
    }
}

/// The order of a list (`sortOrder`): messages, user chats, events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortOrder {
    /// Oldest first.
    Asc,
    /// Newest first (the usual choice for context).
    #[default]
    Desc,
    /// `both`, the third order Channel's lists accept; what it returns is not documented
    /// (the fake Channel answers it oldest first).
    Both,
}

impl SortOrder {
    /// The value sent as `sortOrder`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
            SortOrder::Both => "both",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sort_order_of_the_schema_is_sent_as_named() {
        let names: Vec<_> = [SortOrder::Asc, SortOrder::Desc, SortOrder::Both]
            .into_iter()
            .map(SortOrder::as_str)
            .collect();
        assert_eq!(names, ["asc", "desc", "both"]);
        assert_eq!(SortOrder::default(), SortOrder::Desc);
    }
}
