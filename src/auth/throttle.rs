//! Failed client authentications at the token endpoint, counted per client id.
//!
//! Secrets may be chosen by an operator (`clients create --secret`), so guessing one online
//! must be slow: after [`MAX_FAILURES`] failed authentications of a client id within a
//! [`WINDOW_SECS`]-second window, further attempts for that id are answered 429 until the
//! window ends, without checking the secret (which also spares the hashing threads). The
//! right secret is refused too while the id is held back: otherwise guessing would go on.

use std::collections::HashMap;
use std::sync::Mutex;

/// Failed authentications of one client id that a window allows.
pub const MAX_FAILURES: u32 = 10;

/// Length of a window, in seconds.
pub const WINDOW_SECS: u64 = 60;

/// Client ids followed at once. Beyond it, ids whose window has ended are forgotten first;
/// if none has, a new id is not followed (each failure costs a secret check, so filling the
/// table within one window takes far longer than a window on any machine this runs on).
const MAX_IDS: usize = 100_000;

/// Failures per client id: (start of its window, failures in it), times in seconds.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u64, u32)>>,
}

impl Throttle {
    /// Seconds until `client_id` may try again, when it is held back at `now` (seconds).
    pub fn retry_after(&self, client_id: &str, now: u64) -> Option<u64> {
        let failures = self.failures.lock().ok()?;
        let (start, count) = *failures.get(client_id)?;
        let end = start + WINDOW_SECS;
        (count >= MAX_FAILURES && now < end).then(|| end - now)
    }

    /// Records a failed authentication of `client_id` at `now` (seconds).
    pub fn failed(&self, client_id: &str, now: u64) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if let Some((start, count)) = failures.get_mut(client_id) {
            if now >= *start + WINDOW_SECS {
                (*start, *count) = (now, 1);
            } else {
                *count = count.saturating_add(1);
            }
            return;
        }
        if failures.len() >= MAX_IDS {
            failures.retain(|_, (start, _)| now < *start + WINDOW_SECS);
            if failures.len() >= MAX_IDS {
                return;
            }
        }
        failures.insert(client_id.to_string(), (now, 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_held_back_after_too_many_failures_until_its_window_ends() {
        let t = Throttle::default();
        for i in 0..MAX_FAILURES {
            assert_eq!(t.retry_after("c1", 100 + i as u64), None);
            t.failed("c1", 100 + i as u64);
        }
        assert_eq!(t.retry_after("c1", 110), Some(WINDOW_SECS - 10));
        assert_eq!(t.retry_after("c2", 110), None, "other ids are not affected");
        assert_eq!(t.retry_after("c1", 100 + WINDOW_SECS), None);
        // A failure after the window starts a new one.
        t.failed("c1", 100 + WINDOW_SECS);
        assert_eq!(t.retry_after("c1", 100 + WINDOW_SECS), None);
    }
}
