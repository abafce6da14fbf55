//! The timestamp forms configured formats write: `$time_local`, Apache `%t`, `$time_iso8601`,
//! `$msec`, and Apache's `%{strftime}t`.

use crate::error::ParseError;
use crate::time::{days_from_civil, days_in_month, logged_utc_ms, Zone};

#[derive(Clone, Debug, PartialEq)]
pub enum TimeKind {
    /// `10/Oct/2000:13:55:36 -0700`.
    Local,
    /// `[10/Oct/2000:13:55:36 -0700]`.
    Bracketed,
    /// `2000-10-10T13:55:36-07:00`.
    Iso8601,
    /// Seconds since the epoch, with an optional fraction (`1669111200.123`).
    EpochSeconds,
    /// Milliseconds or microseconds since the epoch (`%{msec}t`, `%{usec}t`): the divisor.
    EpochUnits(i64),
    /// A strftime pattern, as its parts.
    Pattern(Vec<Part>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Literal(u8),
    Year,
    Month,
    MonthName,
    Day,
    Hour,
    Minute,
    Second,
    Offset,
    /// `msec_frac` (3 digits) or `usec_frac` (6).
    Fraction(usize),
}

impl TimeKind {
    /// Apache's `%{format}t`: `sec`, `msec`, `usec`, `msec_frac`, `usec_frac` or a strftime
    /// pattern of `%Y %m %d %e %b %h %H %M %S %z %T %F %%`, after an optional `begin:`/`end:`.
    /// `None` for anything else.
    pub fn strftime(f: &str) -> Option<TimeKind> {
        let f = f
            .strip_prefix("begin:")
            .or_else(|| f.strip_prefix("end:"))
            .unwrap_or(f);
        match f {
            "sec" => return Some(TimeKind::EpochUnits(1)),
            "msec" => return Some(TimeKind::EpochUnits(1000)),
            "usec" => return Some(TimeKind::EpochUnits(1_000_000)),
            _ => {}
        }
        let mut parts = Vec::new();
        let b = f.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if f[i..].starts_with("msec_frac") {
                parts.push(Part::Fraction(3));
                i += 9;
                continue;
            }
            if f[i..].starts_with("usec_frac") {
                parts.push(Part::Fraction(6));
                i += 9;
                continue;
            }
            if b[i] != b'%' {
                parts.push(Part::Literal(b[i]));
                i += 1;
                continue;
            }
            let c = *b.get(i + 1)?;
            i += 2;
            match c {
                b'Y' => parts.push(Part::Year),
                b'm' => parts.push(Part::Month),
                b'd' | b'e' => parts.push(Part::Day),
                b'b' | b'h' => parts.push(Part::MonthName),
                b'H' => parts.push(Part::Hour),
                b'M' => parts.push(Part::Minute),
                b'S' => parts.push(Part::Second),
                b'z' => parts.push(Part::Offset),
                b'T' => parts.extend([
                    Part::Hour,
                    Part::Literal(b':'),
                    Part::Minute,
                    Part::Literal(b':'),
                    Part::Second,
                ]),
                b'F' => parts.extend([
                    Part::Year,
                    Part::Literal(b'-'),
                    Part::Month,
                    Part::Literal(b'-'),
                    Part::Day,
                ]),
                b'%' => parts.push(Part::Literal(b'%')),
                _ => return None,
            }
        }
        Some(TimeKind::Pattern(parts))
    }

    /// The UTC instant in milliseconds, and whether the zone was assumed (`zone` is used then).
    pub fn read(&self, v: &[u8], zone: &Zone) -> Result<(i64, bool), ParseError> {
        let bad = ParseError::InvalidTimestamp;
        match self {
            TimeKind::Local => logged_utc_ms(v, zone),
            TimeKind::Bracketed => match v {
                [b'[', inner @ .., b']'] => logged_utc_ms(inner, zone),
                _ => Err(bad),
            },
            TimeKind::Iso8601 => iso8601(v, zone),
            TimeKind::EpochSeconds => {
                let (int, frac) = match v.iter().position(|&b| b == b'.') {
                    Some(d) => (&v[..d], &v[d + 1..]),
                    None => (v, &b""[..]),
                };
                let secs = digits(int).ok_or(bad)?;
                if !frac.iter().all(u8::is_ascii_digit) {
                    return Err(bad);
                }
                let mut ms = 0i64;
                for (k, scale) in [100, 10, 1].into_iter().enumerate() {
                    if let Some(&d) = frac.get(k) {
                        ms += (d - b'0') as i64 * scale;
                    }
                }
                Ok((secs * 1000 + ms, false))
            }
            TimeKind::EpochUnits(per_sec) => {
                let n = digits(v).ok_or(bad)?;
                Ok((n * 1000 / per_sec, false))
            }
            TimeKind::Pattern(parts) => pattern(parts, v, zone),
        }
    }
}

fn digits(t: &[u8]) -> Option<i64> {
    if t.is_empty() || t.len() > 18 || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(t.iter().fold(0i64, |n, d| n * 10 + (d - b'0') as i64))
}

fn num(v: &[u8], at: usize, len: usize) -> Option<u32> {
    digits(v.get(at..at + len)?).map(|n| n as u32)
}

/// Wall-clock fields, with an optional offset, to a UTC instant.
fn instant(
    (y, mo, d, h, mi, s, ms): (i32, u32, u32, u32, u32, u32, u32),
    offset: Option<i32>,
    zone: &Zone,
) -> Result<(i64, bool), ParseError> {
    if !(1..=12).contains(&mo) || h > 23 || mi > 59 || s > 60 {
        return Err(ParseError::InvalidTimestamp);
    }
    if d == 0 || d > days_in_month(y, mo) {
        return Err(ParseError::ImpossibleDate);
    }
    let wall = days_from_civil(y, mo, d) * 86_400_000
        + (h as i64 * 3600 + mi as i64 * 60 + s as i64) * 1000
        + ms as i64;
    Ok(match offset {
        Some(off) => (wall - off as i64 * 1000, false),
        None => (zone.local_to_utc_ms(wall), true),
    })
}

/// `+0900`, `+09:00`, `Z`.
fn offset(v: &[u8]) -> Option<(i32, usize)> {
    if v.first() == Some(&b'Z') {
        return Some((0, 1));
    }
    let sign = match v.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h = num(v, 1, 2)?;
    let (m, len) = if v.get(3) == Some(&b':') {
        (num(v, 4, 2)?, 6)
    } else {
        (num(v, 3, 2)?, 5)
    };
    (h <= 18 && m <= 59).then_some((sign * (h as i32 * 3600 + m as i32 * 60), len))
}

/// `2026-11-22T10:00:00[.fff][Z|+09:00|+0900]`.
fn iso8601(v: &[u8], zone: &Zone) -> Result<(i64, bool), ParseError> {
    let bad = ParseError::InvalidTimestamp;
    if v.len() < 19
        || v[4] != b'-'
        || v[7] != b'-'
        || v[10] != b'T'
        || v[13] != b':'
        || v[16] != b':'
    {
        return Err(bad);
    }
    let f = |at, len| num(v, at, len).ok_or(bad);
    let (y, mo, d, h, mi, s) = (
        f(0, 4)?,
        f(5, 2)?,
        f(8, 2)?,
        f(11, 2)?,
        f(14, 2)?,
        f(17, 2)?,
    );
    let mut i = 19;
    let mut ms = 0;
    if v.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        let mut scale = 100;
        while let Some(d) = v.get(i).filter(|b| b.is_ascii_digit()) {
            ms += (d - b'0') as u32 * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return Err(bad);
        }
    }
    let off = if i == v.len() {
        None
    } else {
        let (o, len) = offset(&v[i..]).ok_or(bad)?;
        if i + len != v.len() {
            return Err(bad);
        }
        Some(o)
    };
    instant((y as i32, mo, d, h, mi, s, ms), off, zone)
}

const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn pattern(parts: &[Part], v: &[u8], zone: &Zone) -> Result<(i64, bool), ParseError> {
    let bad = ParseError::InvalidTimestamp;
    let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut ms) = (1970, 1, 1, 0, 0, 0, 0);
    let mut off = None;
    let mut i = 0;
    for p in parts {
        match p {
            Part::Literal(c) => {
                if v.get(i) != Some(c) {
                    return Err(bad);
                }
                i += 1;
            }
            Part::Year => {
                y = num(v, i, 4).ok_or(bad)? as i32;
                i += 4;
            }
            Part::MonthName => {
                let name = v.get(i..i + 3).ok_or(bad)?;
                mo = MONTHS
                    .iter()
                    .position(|m| m.eq_ignore_ascii_case(name))
                    .ok_or(bad)? as u32
                    + 1;
                i += 3;
            }
            Part::Day if v.get(i) == Some(&b' ') => {
                // `%e` pads with a space.
                d = num(v, i + 1, 1).ok_or(bad)?;
                i += 2;
            }
            Part::Month | Part::Day | Part::Hour | Part::Minute | Part::Second => {
                let n = num(v, i, 2).ok_or(bad)?;
                match p {
                    Part::Month => mo = n,
                    Part::Day => d = n,
                    Part::Hour => h = n,
                    Part::Minute => mi = n,
                    _ => s = n,
                }
                i += 2;
            }
            Part::Offset => {
                let (o, len) = offset(&v[i.min(v.len())..]).ok_or(bad)?;
                off = Some(o);
                i += len;
            }
            Part::Fraction(n) => {
                let f = num(v, i, *n).ok_or(bad)?;
                ms = if *n == 3 { f } else { f / 1000 };
                i += n;
            }
        }
    }
    if i != v.len() {
        return Err(bad);
    }
    instant((y, mo, d, h, mi, s, ms), off, zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_reads_the_same_instant() {
        let z = Zone::named("Asia/Seoul").unwrap();
        let want = Ok((1_795_309_200_000 + 123, false)); // 2026-11-22 01:00:00.123 UTC
        assert_eq!(
            TimeKind::Iso8601.read(b"2026-11-22T10:00:00.123+09:00", &z),
            want
        );
        assert_eq!(TimeKind::EpochSeconds.read(b"1795309200.123", &z), want);
        assert_eq!(TimeKind::EpochUnits(1000).read(b"1795309200123", &z), want);
        let p = TimeKind::strftime("%d/%b/%Y:%H:%M:%S.msec_frac %z").unwrap();
        assert_eq!(p.read(b"22/Nov/2026:10:00:00.123 +0900", &z), want);
        assert_eq!(
            TimeKind::Iso8601.read(b"2026-11-22T10:00:00", &z),
            Ok((1_795_309_200_000, true))
        );
        assert!(TimeKind::strftime("%Q").is_none());
        assert!(TimeKind::Iso8601.read(b"2026-11-22 10:00:00", &z).is_err());
    }
}
