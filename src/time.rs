//! Event time: reading the bracketed log timestamp, converting it to a UTC instant, and the
//! calendar arithmetic the hot path needs (SPEC §4).
//!
//! The conversions between civil dates and epoch days are Howard Hinnant's algorithms: they are
//! exact for the proleptic Gregorian calendar and cost a handful of integer operations, which is
//! why the hot path uses them instead of building `chrono` values per line. `chrono-tz` is used
//! only to find the offset of a named zone at an instant.

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

use crate::error::ParseError;

const MS_PER_DAY: i64 = 86_400_000;

/// Timestamp fields as written in the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
    /// Offset east of UTC in seconds, when the line carries one.
    pub offset_secs: Option<i32>,
}

impl LoggedTime {
    /// Milliseconds since the epoch of the written wall-clock time, read as if it were UTC.
    fn wall_ms(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        days * MS_PER_DAY
            + (self.hour as i64 * 3600 + self.minute as i64 * 60 + self.second as i64) * 1000
            + self.millis as i64
    }

    /// The UTC instant, reading a zone-less time in `source`. Returns whether the zone was
    /// assumed.
    pub fn to_utc_ms(&self, source: &Zone) -> (i64, bool) {
        let wall = self.wall_ms();
        match self.offset_secs {
            Some(off) => (wall - off as i64 * 1000, false),
            None => (source.local_to_utc_ms(wall), true),
        }
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

#[inline]
fn two_digits(s: &[u8], at: usize) -> Option<u32> {
    let a = s.get(at)?.wrapping_sub(b'0');
    let b = s.get(at + 1)?.wrapping_sub(b'0');
    if a < 10 && b < 10 {
        Some(a as u32 * 10 + b as u32)
    } else {
        None
    }
}

/// Parses the text between `[` and `]`:
/// `10/Oct/2000:13:55:36 -0700` (Apache, nginx), `22/Nov/2026:19:15:32.118 +0900` (fractional
/// seconds, the app), `18/Dec/2015 19:11:47` (werkzeug: a space, no offset). `+09:00` offsets are
/// accepted too. Dates that do not exist (31/Feb) are rejected.
pub fn parse_logged_time(s: &[u8]) -> Result<LoggedTime, ParseError> {
    let bad = || ParseError::InvalidTimestamp;
    if s.len() < 20 || s[2] != b'/' || s[6] != b'/' || !(s[11] == b':' || s[11] == b' ') {
        return Err(bad());
    }
    let day = two_digits(s, 0).ok_or_else(bad)?;
    let mon = &s[3..6];
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(mon))
        .ok_or_else(bad)? as u32
        + 1;
    let year = (two_digits(s, 7).ok_or_else(bad)? * 100 + two_digits(s, 9).ok_or_else(bad)?) as i32;
    if s[14] != b':' || s[17] != b':' {
        return Err(bad());
    }
    let hour = two_digits(s, 12).ok_or_else(bad)?;
    let minute = two_digits(s, 15).ok_or_else(bad)?;
    let second = two_digits(s, 18).ok_or_else(bad)?;
    // 60 is a leap second as some servers write it; it folds into the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    if day == 0 || month > 12 || day > days_in_month(year, month) {
        return Err(ParseError::ImpossibleDate);
    }
    let (millis, i) = fraction(s)?;
    let offset_secs = match s.get(i) {
        None => None,
        Some(b' ') => {
            let rest = &s[i + 1..];
            Some(parse_offset(rest).ok_or_else(bad)?)
        }
        Some(_) => return Err(bad()),
    };
    Ok(LoggedTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        millis,
        offset_secs,
    })
}

/// The milliseconds of an optional `.118` or `,118` after the seconds (digits past the third
/// are cut off), and where the text after them begins.
#[inline]
fn fraction(s: &[u8]) -> Result<(u32, usize), ParseError> {
    let mut i = 20;
    let mut millis = 0u32;
    if s.get(i) == Some(&b'.') || s.get(i) == Some(&b',') {
        i += 1;
        let start = i;
        let mut scale = 100;
        while let Some(d) = s.get(i).filter(|b| b.is_ascii_digit()) {
            millis += (d - b'0') as u32 * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return Err(ParseError::InvalidTimestamp);
        }
    }
    Ok((millis, i))
}

/// The last hour [`logged_utc_ms`] read from a timestamp with an offset: the text up to the
/// minutes, the offset's text, and the instant the hour began.
#[derive(Clone, Copy)]
struct LoggedHour {
    head: [u8; 15],
    offset: [u8; 8],
    offset_len: u8,
    start_ms: i64,
}

/// What `parse_logged_time(s)?.to_utc_ms(zone)` gives, with the last hour remembered per thread.
///
/// Log lines come in time order, so nearly every line repeats the previous line's date, hour and
/// offset, and only its minutes, seconds and fraction need reading: the date's validity, the
/// month's name and the calendar arithmetic were settled when that hour was first read. A
/// remembered hour is used only when the text up to the minutes and the offset's text are the
/// same bytes, and the instant is linear in the minutes, seconds and milliseconds, so the answer
/// is the full parse's. Zone-less times are always read in full: a zone's own offset can change
/// inside an hour.
pub fn logged_utc_ms(s: &[u8], zone: &Zone) -> Result<(i64, bool), ParseError> {
    use std::cell::Cell;
    thread_local! {
        static LAST_HOUR: Cell<Option<LoggedHour>> = const { Cell::new(None) };
    }
    let within = |h: &LoggedHour| -> Option<Result<(i64, bool), ParseError>> {
        if s.len() < 20 || s[..15] != h.head || s[17] != b':' {
            return None;
        }
        let (minute, second) = (two_digits(s, 15)?, two_digits(s, 18)?);
        if minute > 59 || second > 60 {
            return None;
        }
        Some(match fraction(s) {
            Ok((millis, at))
                if s.len() - at == h.offset_len as usize
                    && crate::scan::same(&s[at..], &h.offset[..h.offset_len as usize]) =>
            {
                let into = (minute * 60 + second) as i64 * 1000 + millis as i64;
                Ok((h.start_ms + into, false))
            }
            Ok(_) => return None,
            Err(e) => Err(e),
        })
    };
    if let Some(known) = LAST_HOUR.get().as_ref().and_then(within) {
        return known;
    }
    let t = parse_logged_time(s)?;
    let (ms, assumed) = t.to_utc_ms(zone);
    let (_, at) = fraction(s)?;
    let offset = &s[at..];
    if !assumed && offset.len() <= 8 {
        let mut h = LoggedHour {
            head: s[..15]
                .try_into()
                .expect("a parsed time has 20 bytes and more"),
            offset: [0; 8],
            offset_len: offset.len() as u8,
            start_ms: ms - ((t.minute * 60 + t.second) as i64 * 1000 + t.millis as i64),
        };
        h.offset[..offset.len()].copy_from_slice(offset);
        LAST_HOUR.set(Some(h));
    }
    Ok((ms, assumed))
}

/// `+0900`, `-0700`, `+09:00`, `Z`.
fn parse_offset(s: &[u8]) -> Option<i32> {
    if s == b"Z" || s == b"UTC" || s == b"GMT" {
        return Some(0);
    }
    let sign = match s.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = match s.len() {
        5 => (two_digits(s, 1)?, two_digits(s, 3)?),
        6 if s[3] == b':' => (two_digits(s, 1)?, two_digits(s, 4)?),
        _ => return None,
    };
    if h > 18 || m > 59 {
        return None;
    }
    Some(sign * (h as i32 * 3600 + m as i32 * 60))
}

pub fn is_leap(y: i32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// Civil date-time fields of an epoch-millisecond instant (read as wall time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

pub fn civil_from_ms(ms: i64) -> Civil {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = rem / 1000;
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        millis: (rem % 1000) as u32,
    }
}

/// The earliest and latest instants the record format can write (years 0001 to 9999).
pub const MIN_MS: i64 = -62_135_596_800_000;
pub const MAX_MS: i64 = 253_402_300_799_999;

/// Writes `yyyy-MM-dd HH:mm:ss.SSS`, the form the OpenX JSON SerDe reads as a timestamp.
///
/// The date part is remembered per thread for the last day written: lines arrive in time order,
/// so nearly every line reuses it and only the time of day is computed.
#[inline]
pub fn write_ts(ms: i64, out: &mut Vec<u8>) {
    use std::cell::Cell;
    thread_local! {
        static LAST_DAY: Cell<(i64, [u8; 11])> = const { Cell::new((i64::MIN, [0; 11])) };
    }
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY) as u32;
    let date = LAST_DAY.with(|last| {
        let (day, date) = last.get();
        if day == days {
            return date;
        }
        let (y, month, d) = civil_from_days(days);
        let y = y as u32;
        let date = [
            b'0' + (y / 1000 % 10) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + (month / 10) as u8,
            b'0' + (month % 10) as u8,
            b'-',
            b'0' + (d / 10) as u8,
            b'0' + (d % 10) as u8,
            b' ',
        ];
        last.set((days, date));
        date
    });
    let (secs, millis) = (rem / 1000, rem % 1000);
    let (hour, minute, second) = (secs / 3600, secs / 60 % 60, secs % 60);
    let time = [
        b'0' + (hour / 10) as u8,
        b'0' + (hour % 10) as u8,
        b':',
        b'0' + (minute / 10) as u8,
        b'0' + (minute % 10) as u8,
        b':',
        b'0' + (second / 10) as u8,
        b'0' + (second % 10) as u8,
        b'.',
        b'0' + (millis / 100) as u8,
        b'0' + (millis / 10 % 10) as u8,
        b'0' + (millis % 10) as u8,
    ];
    out.extend_from_slice(&date);
    out.extend_from_slice(&time);
}

/// A time zone given by name (`Asia/Seoul`, `UTC`) in the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    tz: Tz,
}

impl Zone {
    pub fn named(name: &str) -> Result<Zone, String> {
        name.parse::<Tz>().map(|tz| Zone { tz }).map_err(|_| {
            format!("unknown time zone {name:?} (use an IANA name such as Asia/Seoul or UTC)")
        })
    }

    pub fn name(&self) -> &'static str {
        self.tz.name()
    }

    /// Offset east of UTC, in seconds, at a UTC instant.
    pub fn offset_at_utc_ms(&self, utc_ms: i64) -> i32 {
        match chrono::DateTime::from_timestamp_millis(utc_ms) {
            Some(dt) => self
                .tz
                .offset_from_utc_datetime(&dt.naive_utc())
                .fix()
                .local_minus_utc(),
            None => 0,
        }
    }

    /// Reads a wall-clock time (as epoch ms of the wall fields) in this zone. In a repeated hour
    /// (DST fall-back) the earlier instant is taken; a time in a skipped hour is read with the
    /// offset before the gap.
    pub fn local_to_utc_ms(&self, wall_ms: i64) -> i64 {
        let Some(naive) = chrono::DateTime::from_timestamp_millis(wall_ms).map(|d| d.naive_utc())
        else {
            return wall_ms;
        };
        let off = match self.tz.offset_from_local_datetime(&naive).earliest() {
            Some(o) => o.fix().local_minus_utc(),
            None => self.offset_at_utc_ms(wall_ms - MS_PER_DAY),
        };
        wall_ms - off as i64 * 1000
    }
}

/// The partition keys of the last local hour seen. Lines arrive in time order, so nearly every
/// line falls in the same hour as the one before and skips the time-zone lookup.
#[derive(Clone, Debug, Default)]
pub struct HourCache {
    /// UTC instants `[from, to)` that share `keys`.
    from: i64,
    to: i64,
    keys: Option<PartitionKeys>,
}

impl HourCache {
    /// [`PartitionKeys::of`], remembered for the rest of the local hour.
    #[inline]
    pub fn keys(&mut self, utc_ms: i64, zone: &Zone) -> PartitionKeys {
        if let Some(k) = self.keys {
            if utc_ms >= self.from && utc_ms < self.to {
                return k;
            }
        }
        let off = zone.offset_at_utc_ms(utc_ms) as i64 * 1000;
        let local = utc_ms.saturating_add(off);
        let c = civil_from_ms(local);
        let keys = PartitionKeys {
            year: c.year,
            month: c.month,
            day: c.day,
            hour: c.hour,
        };
        let from = local.div_euclid(3_600_000) * 3_600_000 - off;
        let to = from.saturating_add(3_600_000);
        // Only an hour with one offset throughout is remembered (not one a DST change cuts).
        let same = |t: i64| zone.offset_at_utc_ms(t) as i64 * 1000 == off;
        self.keys = (same(from) && same(to - 1)).then_some(keys);
        (self.from, self.to) = (from, to);
        keys
    }

    /// The partition keys of a record whose event time is `utc_ms`, or `InvalidTimestamp` when
    /// the time or the keys leave four-digit years: 9999-12-31 in UTC can be year 10000 in KST
    /// and 0001-01-01 in KST year 0 in UTC. What the Lambda, `replay` and the Python module's
    /// batches partition by.
    #[inline]
    pub fn lake_keys(&mut self, utc_ms: i64, zone: &Zone) -> Result<PartitionKeys, ParseError> {
        let k = self.keys(utc_ms, zone);
        if !(1..=9999).contains(&k.year) || !(MIN_MS..=MAX_MS).contains(&utc_ms) {
            return Err(ParseError::InvalidTimestamp);
        }
        Ok(k)
    }
}

/// The Firehose dynamic-partition keys of a record: the event instant in `PARTITION_TZ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartitionKeys {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
}

impl PartitionKeys {
    pub fn of(utc_ms: i64, zone: &Zone) -> PartitionKeys {
        let local = utc_ms + zone.offset_at_utc_ms(utc_ms) as i64 * 1000;
        let c = civil_from_ms(local);
        PartitionKeys {
            year: c.year,
            month: c.month,
            day: c.day,
            hour: c.hour,
        }
    }

    /// `year=2026/month=11/day=23/hour=08/`, the S3 key part Firehose builds from the prefix.
    pub fn s3_prefix(&self) -> String {
        format!(
            "year={:04}/month={:02}/day={:02}/hour={:02}/",
            self.year, self.month, self.day, self.hour
        )
    }

    /// Writes the `partitionKeys` JSON object without allocating: the fixed text appended in one
    /// copy, then the digits written over it in place (cheaper than nine small appends).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        const TEMPLATE: &[u8; 51] = br#"{"year":"0000","month":"00","day":"00","hour":"00"}"#;
        let y = self.year as u32;
        let d = |n: u32| b'0' + (n % 10) as u8;
        let at = out.len();
        out.extend_from_slice(TEMPLATE);
        let o = &mut out[at..];
        o[9..13].copy_from_slice(&[d(y / 1000), d(y / 100), d(y / 10), d(y)]);
        o[24..26].copy_from_slice(&[d(self.month / 10), d(self.month)]);
        o[35..37].copy_from_slice(&[d(self.day / 10), d(self.day)]);
        o[47..49].copy_from_slice(&[d(self.hour / 10), d(self.hour)]);
    }
}

/// A date given on the command line (`--date 2026-11-22`), checked.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| format!("invalid date {s:?} ({e}); write it as YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.3f")
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    fn ts(ms: i64) -> String {
        let mut v = Vec::new();
        write_ts(ms, &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn write_ts_agrees_with_chrono_whatever_day_came_before() {
        // Instants that jump between days, back and forth, and walk across midnights: the
        // remembered date must never leak into another day.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut ms = utc("2015-05-17 10:05:03.000");
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ms = match i % 4 {
                0 => ((x >> 1) % (MAX_MS - MIN_MS) as u64) as i64 + MIN_MS,
                1 => ms.clamp(MIN_MS + MS_PER_DAY, MAX_MS - MS_PER_DAY) - 1,
                _ => (ms + (x % 7_200_000) as i64).min(MAX_MS),
            };
            let expected = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string();
            assert_eq!(ts(ms), expected, "{ms}");
        }
        assert_eq!(ts(MIN_MS), "0001-01-01 00:00:00.000");
        assert_eq!(ts(MAX_MS), "9999-12-31 23:59:59.999");
        assert_eq!(ts(-1), "1969-12-31 23:59:59.999");
    }

    #[test]
    fn civil_round_trip_against_chrono() {
        // Every day from 1600 to 2400: the hand-written conversion agrees with chrono.
        let start = NaiveDate::from_ymd_opt(1600, 1, 1).unwrap();
        for n in 0..(800 * 366) {
            let date = start + chrono::Days::new(n);
            let days = date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap());
            let z = days.num_days();
            use chrono::Datelike;
            assert_eq!(days_from_civil(date.year(), date.month(), date.day()), z);
            assert_eq!(civil_from_days(z), (date.year(), date.month(), date.day()));
        }
    }

    #[test]
    fn spec_example_crosses_the_kst_day() {
        let t = parse_logged_time(b"22/Nov/2026:23:30:00 +0000").unwrap();
        let (ms, assumed) = t.to_utc_ms(&Zone::named("Asia/Seoul").unwrap());
        assert!(!assumed);
        assert_eq!(ts(ms), "2026-11-22 23:30:00.000");
        let keys = PartitionKeys::of(ms, &Zone::named("Asia/Seoul").unwrap());
        assert_eq!(keys.s3_prefix(), "year=2026/month=11/day=23/hour=08/");
    }

    #[test]
    fn the_hour_cache_gives_what_partition_keys_of_gives() {
        let mut cache = HourCache::default();
        for zone in [
            "Asia/Seoul",
            "America/New_York",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
            "UTC",
        ] {
            let z = Zone::named(zone).unwrap();
            // Across the 2026 DST changes in New York (March 8, November 1) and Lord Howe
            // (April 5, October 4, half-hour shifts), in steps that hit every hour edge.
            for start in [
                1_772_900_000_000i64,
                1_793_400_000_000,
                1_775_300_000_000,
                1_791_000_000_000,
            ] {
                for i in 0..2_000 {
                    let t = start + i * 97_000;
                    assert_eq!(cache.keys(t, &z), PartitionKeys::of(t, &z), "{zone} {t}");
                }
                for i in (0..2_000).rev() {
                    let t = start + i * 97_000 + 13;
                    assert_eq!(cache.keys(t, &z), PartitionKeys::of(t, &z), "{zone} {t}");
                }
            }
        }
    }

    #[test]
    fn fractions_are_kept_to_the_millisecond() {
        let t = parse_logged_time(b"22/Nov/2026:14:30:21.44 +0000").unwrap();
        assert_eq!(t.millis, 440);
        let t = parse_logged_time(b"22/Nov/2026:14:30:21.123999 +0000").unwrap();
        assert_eq!(t.millis, 123);
    }

    #[test]
    fn zone_less_times_are_read_in_source_tz() {
        let t = parse_logged_time(b"18/Dec/2015 19:11:47").unwrap();
        let (ms, assumed) = t.to_utc_ms(&Zone::named("Asia/Seoul").unwrap());
        assert!(assumed);
        assert_eq!(ms, utc("2015-12-18 10:11:47.000"));
        let (ms, _) = t.to_utc_ms(&Zone::named("UTC").unwrap());
        assert_eq!(ms, utc("2015-12-18 19:11:47.000"));
    }

    #[test]
    fn dst_fall_back_takes_the_earlier_instant() {
        // 01:30 happens twice in New York on 2026-11-01; the first is 05:30 UTC.
        let t = parse_logged_time(b"01/Nov/2026:01:30:00").unwrap();
        let (ms, _) = t.to_utc_ms(&Zone::named("America/New_York").unwrap());
        assert_eq!(ms, utc("2026-11-01 05:30:00.000"));
    }

    #[test]
    fn offsets_in_both_spellings() {
        for (s, off) in [
            ("10/Oct/2000:13:55:36 -0700", -7 * 3600),
            ("10/Oct/2000:13:55:36 +05:30", 5 * 3600 + 1800),
            ("10/Oct/2000:13:55:36 +0000", 0),
        ] {
            assert_eq!(
                parse_logged_time(s.as_bytes()).unwrap().offset_secs,
                Some(off),
                "{s}"
            );
        }
    }

    #[test]
    fn impossible_and_malformed_times_are_rejected() {
        assert_eq!(
            parse_logged_time(b"31/Feb/2026:10:00:00 +0000"),
            Err(ParseError::ImpossibleDate)
        );
        assert_eq!(
            parse_logged_time(b"29/Feb/2025:10:00:00 +0000"),
            Err(ParseError::ImpossibleDate)
        );
        assert!(parse_logged_time(b"29/Feb/2024:10:00:00 +0000").is_ok());
        for bad in [
            "10/Foo/2000:13:55:36 -0700",
            "10/Oct/2000:25:55:36 -0700",
            "10/Oct/2000:13:55:36 0700",
            "10/Oct/2000:13:55:36 -07",
            "10/Oct/2000:13:55:36.",
            "10/Oct/2000:13:55",
            "",
        ] {
            assert!(parse_logged_time(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn partition_keys_follow_the_zone_not_utc() {
        let ms = utc("2026-11-22 14:59:59.999");
        let seoul = Zone::named("Asia/Seoul").unwrap();
        assert_eq!(
            PartitionKeys::of(ms, &seoul).s3_prefix(),
            "year=2026/month=11/day=22/hour=23/"
        );
        assert_eq!(
            PartitionKeys::of(ms + 1, &seoul).s3_prefix(),
            "year=2026/month=11/day=23/hour=00/"
        );
        let utc_zone = Zone::named("UTC").unwrap();
        assert_eq!(
            PartitionKeys::of(ms + 1, &utc_zone).s3_prefix(),
            "year=2026/month=11/day=22/hour=15/"
        );
        // New year in KST while it is still the old year in UTC.
        let ms = utc("2026-12-31 15:00:00.000");
        let mut json = Vec::new();
        PartitionKeys::of(ms, &seoul).write_json(&mut json);
        assert_eq!(
            String::from_utf8(json).unwrap(),
            r#"{"year":"2027","month":"01","day":"01","hour":"00"}"#
        );
        // Every digit position, against the keys' own fields.
        for t in [
            "1999-12-19 14:38:00.000",
            "2015-05-17 10:05:03.000",
            "9876-10-28 13:00:00.000",
        ] {
            let k = PartitionKeys::of(utc(t), &seoul);
            let mut json = Vec::new();
            k.write_json(&mut json);
            let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let expected = serde_json::json!({"year": format!("{:04}", k.year),
                "month": format!("{:02}", k.month), "day": format!("{:02}", k.day),
                "hour": format!("{:02}", k.hour)});
            assert_eq!(v, expected, "{t}");
        }
    }

    #[test]
    fn unknown_zone_names_the_fix() {
        let e = Zone::named("KST").unwrap_err();
        assert!(e.contains("IANA"), "{e}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::proptest_cases(300)))]
        /// Sequences of timestamps that share hours, offsets and dates, valid or not: the
        /// remembered hour must never change an answer.
        #[test]
        fn logged_utc_ms_is_the_full_parse_whatever_came_before(
            times in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "17/May/2015:10:", "17/may/2015:10:", "17/May/2015:11:", "18/May/2015:10:",
                        "31/Dec/9999:23:", "29/Feb/2016:00:", "29/Feb/2015:00:", "17/May/2015 10:",
                        "17/Mai/2015:10:", "1x/May/2015:10:",
                    ]),
                    "[0-6][0-9]",
                    proptest::sample::select(vec![":", ".", " "]),
                    "[0-6][0-9]",
                    proptest::sample::select(vec!["", ".1", ".118", ",5", ".", ".1234", "x"]),
                    proptest::sample::select(vec![
                        " +0000", " +0900", " -0700", " +09:00", " Z", " UTC", "", " +2400", " +09",
                        " +0900x", "  +0900", " -00:30",
                    ]),
                ),
                1..12,
            ),
            zone in proptest::sample::select(vec!["Asia/Seoul", "America/New_York", "UTC"]),
        ) {
            let zone = Zone::named(zone).unwrap();
            for (head, minute, sep, second, frac, offset) in times {
                let text = format!("{head}{minute}{sep}{second}{frac}{offset}");
                let full = parse_logged_time(text.as_bytes()).map(|t| t.to_utc_ms(&zone));
                proptest::prop_assert_eq!(logged_utc_ms(text.as_bytes(), &zone), full, "{}", text);
            }
        }
    }
}
