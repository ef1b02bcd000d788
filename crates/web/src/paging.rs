//! 下一页 / 上一页 links of the keyset-paged staff lists ([`store::keyset`]): the list's filters
//! plus one cursor, so a filter holds on every page.

use store::keyset::{Cursor, PageAt};

/// Rows per page of the staff queues paged here.
pub const PER_PAGE: u64 = 50;

/// `path` with the filters `pairs` (empty values left out) and the cursor of `at`.
pub fn link(path: &str, pairs: &[(&str, String)], at: PageAt) -> String {
    let mut all: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (*k, v.trim().to_owned()))
        .collect();
    match at {
        PageAt::First => {}
        PageAt::After(c) => all.push(("after", c.encode())),
        PageAt::Before(c) => all.push(("before", c.encode())),
    }
    let query = serde_html_form::to_string(&all).unwrap_or_default();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// The 上一页 and 下一页 links of a page whose neighbours are at `prev` and `next`.
pub fn links(
    path: &str,
    pairs: &[(&str, String)],
    prev: Option<Cursor>,
    next: Option<Cursor>,
) -> (Option<String>, Option<String>) {
    (
        prev.map(|c| link(path, pairs, PageAt::Before(c))),
        next.map(|c| link(path, pairs, PageAt::After(c))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_keeps_the_filters_and_one_cursor() {
        let c = Cursor::by_id(9);
        let l = link(
            "/staff/x",
            &[("status", "done".into()), ("batch", String::new())],
            PageAt::After(c),
        );
        assert_eq!(l, format!("/staff/x?status=done&after={}", c.encode()));
        assert_eq!(link("/staff/x", &[], PageAt::First), "/staff/x");
    }
}
