//! Keyset continuation behind the offset interface.
//!
//! Consumers page with `offset`; a plain `OFFSET n` makes the database walk past `n` rows, so
//! a full sync of a million rows becomes quadratic. Each served page therefore records where
//! it ended — the sort key of its last row — and a later request for the same listing whose
//! offset lies at or after a recorded position continues from that key (`WHERE (sort key) >
//! (recorded key)`), skipping only the difference. The data always comes from the database;
//! only positions are remembered, and a continuation never repeats or skips a row that
//! existed when the previous page was read.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use super::plan::PageKey;

/// Listings remembered at once; the least recently used are forgotten first.
const MAX_LISTS: usize = 4096;
/// Positions remembered per listing; the earliest are forgotten first.
const MAX_POSITIONS: usize = 256;

#[derive(Default)]
struct Listing {
    positions: BTreeMap<u64, PageKey>,
    used: u64,
}

#[derive(Default)]
struct Inner {
    listings: HashMap<String, Listing>,
    clock: u64,
}

/// Page boundaries of recently served listings.
#[derive(Default)]
pub struct Bookmarks {
    inner: Mutex<Inner>,
}

impl Bookmarks {
    /// The recorded position of `listing` closest at or before `offset`, with the key of the
    /// row just before it.
    pub fn nearest(&self, listing: &str, offset: u64) -> Option<(u64, PageKey)> {
        let mut inner = self.inner.lock().ok()?;
        inner.clock += 1;
        let now = inner.clock;
        let l = inner.listings.get_mut(listing)?;
        l.used = now;
        l.positions
            .range(..=offset)
            .next_back()
            .map(|(p, k)| (*p, k.clone()))
    }

    /// Records that the rows of `listing` before `position` end with `key`.
    pub fn record(&self, listing: String, position: u64, key: PageKey) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.clock += 1;
        let now = inner.clock;
        if !inner.listings.contains_key(&listing) && inner.listings.len() >= MAX_LISTS {
            // Forget the least recently used tenth.
            let mut ages: Vec<u64> = inner.listings.values().map(|l| l.used).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 10];
            inner.listings.retain(|_, l| l.used > cutoff);
        }
        let l = inner.listings.entry(listing).or_default();
        l.used = now;
        l.positions.insert(position, key);
        while l.positions.len() > MAX_POSITIONS {
            l.positions.pop_first();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> PageKey {
        PageKey {
            value: None,
            id: id.into(),
        }
    }

    #[test]
    fn finds_the_closest_position_at_or_before_the_offset() {
        let b = Bookmarks::default();
        assert!(b.nearest("l", 10).is_none());
        b.record("l".into(), 10, key("a"));
        b.record("l".into(), 20, key("b"));
        assert_eq!(b.nearest("l", 20).unwrap().0, 20);
        assert_eq!(b.nearest("l", 25).unwrap(), (20, key("b")));
        assert_eq!(b.nearest("l", 15).unwrap().0, 10);
        assert!(b.nearest("l", 5).is_none());
        assert!(b.nearest("other", 25).is_none());
    }

    #[test]
    fn memory_is_bounded() {
        let b = Bookmarks::default();
        for i in 0..(MAX_POSITIONS as u64 + 10) {
            b.record("l".into(), i, key("x"));
        }
        assert!(
            b.nearest("l", 5).is_none(),
            "earliest positions are forgotten"
        );
        for i in 0..(MAX_LISTS + 10) {
            b.record(format!("l{i}"), 1, key("x"));
        }
        assert!(b.inner.lock().unwrap().listings.len() <= MAX_LISTS);
    }
}
