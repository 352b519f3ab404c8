//! Rich text inside Channel Talk message blocks.
//!
//! A message block of type `"text"` carries its content as a small markup language in its
//! `value`. This module escapes text for that markup, parses a value into styled [`Span`]s
//! (tolerantly: a tag it cannot read degrades to its text, and no text is ever lost), extracts the
//! plain text, and builds values safely with [`RichText`].
//!
//! # Grammar
//!
//! | markup                                        | meaning                          |
//! |-----------------------------------------------|----------------------------------|
//! | `<b>…</b>`, `<i>…</i>`                        | bold, italic (nestable)          |
//! | `:name:`                                      | emoji shortcode (`[A-Za-z0-9_+-]+`) |
//! | `<link type="url" value="HREF">label</link>`  | link                             |
//! | `<link type="url">HREF</link>`                | link to its label                |
//! | `<link type="manager" value="ID">@name</link>`| mention (also `type="team"`)     |
//! | `${key}`, `${key\|fallback}`                  | variable with optional fallback  |
//! | `&amp;` `&lt;` `&gt;` `&quot;`                | escaped `&` `<` `>` `"`          |
//!
//! Plain text must escape `&`, `<` and `>`; attribute values also escape `"`. Text that is
//! inserted without escaping can inject links and mentions, so every `&str` given to
//! [`RichText`] is escaped unless it goes through [`RichText::raw`] or [`RichText::push_raw`].
//!
//! Colons and `${` are not escaped: a `:name:` or `${key}` inside text reads as an emoji or a
//! variable. Their plain text is their source, so [`to_plain_text`] of escaped text always
//! gives back the original text.
//!
//! ```
//! use channeltalk_webhook::rich_text::{self, RichText};
//!
//! let value = RichText::new().text("Hello ").bold("<world>");
//! assert_eq!(value.as_str(), "Hello <b>&lt;world&gt;</b>");
//! assert_eq!(rich_text::to_plain_text(value.as_str()), "Hello <world>");
//! ```

mod builder;
mod escape;
mod parse;
mod span;
#[cfg(test)]
mod tests;

pub use builder::*;
pub use escape::*;
pub use parse::*;
pub use span::*;
