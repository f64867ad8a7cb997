//! Dates and date-times as OneRoster carries them.
//!
//! Date-times are stored as milliseconds since the Unix epoch (UTC) and written as
//! `YYYY-MM-DDTHH:MM:SS.sssZ`, the form both bindings use. Parsing accepts any RFC 3339
//! date-time (any offset, any fraction) and a bare `YYYY-MM-DD`, read as midnight UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |acc, b| {
        acc.checked_mul(10)?.checked_add((b - b'0') as u32)
    })
}

/// Parses `YYYY-MM-DD` into (year, month, day), checking the calendar.
pub fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])? as i64;
    let m = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

/// Whether `s` is a valid `YYYY-MM-DD` date.
pub fn is_date(s: &str) -> bool {
    parse_date(s).is_some()
}

/// Whether `s` is a `YYYY` year.
pub fn is_year(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses an RFC 3339 date-time, or a bare date (midnight UTC), into epoch milliseconds.
pub fn parse_datetime(s: &str) -> Option<i64> {
    parse_datetime_exact(s).map(|(ms, _)| ms)
}

/// [`parse_datetime`], and whether the value lies strictly after those milliseconds (it has
/// non-zero digits beyond them, which the stored form drops).
pub fn parse_datetime_exact(s: &str) -> Option<(i64, bool)> {
    let s = s.trim();
    let (y, mo, d) = parse_date(s.get(..10)?)?;
    let day_ms = days_from_civil(y, mo, d) * 86_400_000;
    let rest = &s.as_bytes()[10..];
    if rest.is_empty() {
        return Some((day_ms, false));
    }
    if !matches!(rest[0], b'T' | b't' | b' ') || rest.len() < 9 {
        return None;
    }
    let t = &rest[1..];
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    let h = digits(&t[0..2])?;
    let mi = digits(&t[3..5])?;
    let sec = digits(&t[6..8])?;
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 8;
    let mut millis = 0u32;
    let mut beyond = false;
    if t.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < t.len() && t[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &t[start..i];
        if frac.is_empty() {
            return None;
        }
        // Milliseconds: truncate further precision.
        let mut ms = 0u32;
        for k in 0..3 {
            ms = ms * 10 + frac.get(k).map(|b| (b - b'0') as u32).unwrap_or(0);
        }
        millis = ms;
        beyond = frac.iter().skip(3).any(|b| *b != b'0');
    }
    let offset_min: i64 = match &t[i..] {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let oh = digits(&[*oh1, *oh2])? as i64;
            let om = digits(&[*om1, *om2])? as i64;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 60 + om;
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let secs = h as i64 * 3600 + mi as i64 * 60 + sec.min(59) as i64;
    let ms = day_ms + secs * 1000 + millis as i64 - offset_min * 60_000;
    // An offset can move the instant out of the years 0000-9999 that the written form
    // (`YYYY-…Z`) can show: such a value would be read back as another instant.
    (MIN_MS..=MAX_MS).contains(&ms).then_some((ms, beyond))
}

/// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z, in epoch milliseconds.
const MIN_MS: i64 = -62_167_219_200_000;
const MAX_MS: i64 = 253_402_300_799_999;

/// Writes epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn write_datetime(out: &mut Vec<u8>, ms: i64) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, rem) = (rem / 3_600_000, rem % 3_600_000);
    let (mi, rem) = (rem / 60_000, rem % 60_000);
    let (s, milli) = (rem / 1000, rem % 1000);
    let y = y.clamp(0, 9999) as u32;
    let mut buf = *b"0000-00-00T00:00:00.000Z";
    let put = |buf: &mut [u8; 24], at: usize, width: usize, mut v: u32| {
        for k in (0..width).rev() {
            buf[at + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(&mut buf, 0, 4, y);
    put(&mut buf, 5, 2, m);
    put(&mut buf, 8, 2, d);
    put(&mut buf, 11, 2, h as u32);
    put(&mut buf, 14, 2, mi as u32);
    put(&mut buf, 17, 2, s as u32);
    put(&mut buf, 20, 3, milli as u32);
    out.extend_from_slice(&buf);
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn format_datetime(ms: i64) -> String {
    let mut out = Vec::with_capacity(24);
    write_datetime(&mut out, ms);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00.000Z");
        let ms = parse_datetime("2024-02-29T13:45:07.123Z").unwrap();
        assert_eq!(format_datetime(ms), "2024-02-29T13:45:07.123Z");
        assert_eq!(
            parse_datetime("2024-03-01T01:00:00+01:00"),
            parse_datetime("2024-03-01T00:00:00Z")
        );
        assert_eq!(
            parse_datetime("2024-01-01"),
            parse_datetime("2024-01-01T00:00:00.000Z")
        );
        assert_eq!(
            parse_datetime("2024-01-01T00:00:00.123456Z"),
            parse_datetime("2024-01-01T00:00:00.123Z")
        );
    }

    #[test]
    fn only_instants_of_the_years_0000_to_9999() {
        assert_eq!(MIN_MS, days_from_civil(0, 1, 1) * 86_400_000);
        assert_eq!(MAX_MS, days_from_civil(10_000, 1, 1) * 86_400_000 - 1);
        assert_eq!(parse_datetime("0000-01-01T00:00:00Z"), Some(MIN_MS));
        assert_eq!(parse_datetime("9999-12-31T23:59:59.999Z"), Some(MAX_MS));
        assert_eq!(
            format_datetime(parse_datetime("9999-12-31T09:59:59+14:00").unwrap()),
            "9999-12-30T19:59:59.000Z"
        );
        for out in [
            "9999-12-31T23:59:59-14:00",
            "9999-12-31T23:59:59.999-00:01",
            "0000-01-01T00:00:00+14:00",
            "0000-01-01T00:00:00.000+00:01",
        ] {
            assert_eq!(parse_datetime(out), None, "{out}");
        }
    }

    #[test]
    fn digits_beyond_the_millisecond_are_told() {
        let ms = parse_datetime("2024-01-01T00:00:00.123Z").unwrap();
        assert_eq!(
            parse_datetime_exact("2024-01-01T00:00:00.123Z"),
            Some((ms, false))
        );
        assert_eq!(
            parse_datetime_exact("2024-01-01T00:00:00.123000Z"),
            Some((ms, false))
        );
        assert_eq!(
            parse_datetime_exact("2024-01-01T00:00:00.1230001Z"),
            Some((ms, true))
        );
        assert_eq!(
            parse_datetime_exact("2024-01-01T01:00:00.1239+01:00"),
            Some((ms, true))
        );
        assert_eq!(parse_datetime_exact("2024-01-01"), Some((ms - 123, false)));
    }

    #[test]
    fn rejects_bad_values() {
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2023-02-29",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00Z",
            "yesterday",
            "2024-01-01T00:00:00+0100",
        ] {
            assert!(parse_datetime(bad).is_none(), "{bad}");
        }
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2024-2-29"));
        assert!(is_year("2025") && !is_year("25"));
    }

    proptest! {
        #[test]
        fn round_trip(ms in 0i64..253_402_300_799_999) {
            prop_assert_eq!(parse_datetime(&format_datetime(ms)), Some(ms));
        }
    }
}
