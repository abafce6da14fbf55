//! Deterministic synthetic traffic for one KST day (`accesslog generate`).
//!
//! The traffic is the REST API of `app/` (`/api/items` paging, item CRUD, `/api/slow`,
//! `/api/fail`, `/health`) with a daily curve that is busy in KST daytime and quiet at night,
//! realistic method/status/size/agent mixes, the first two lines in the last second of the day
//! before and the last two in the first second of the day after (so midnight handling is always
//! exercised), and a requested share of malformed lines. Every malformed line is one the parser
//! rejects (or a blank line, which Firehose drops): none can be mistaken for traffic.
//!
//! The random numbers come from SplitMix64 rather than a `rand` generator because the output
//! for a given seed must stay the same across dependency upgrades: tests and benchmarks
//! compare against it. Lines are written as they are made, so memory does not grow with `N`.

use std::io::{self, Write};

use chrono::NaiveDate;

use crate::record::LogFormat;
use crate::time::{civil_from_ms, days_from_civil};

/// SplitMix64: small, fast, and fixed forever for a given seed.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    fn pick<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total as u64) as u32;
        for (item, w) in items {
            if r < *w {
                return item;
            }
            r -= w;
        }
        &items[items.len() - 1].0
    }
}

/// Relative traffic per KST hour: quiet at night, busiest late morning and evening.
const HOURLY_WEIGHT: [u32; 24] = [
    30, 20, 12, 8, 6, 8, 15, 30, 55, 80, 95, 100, 90, 95, 100, 95, 90, 85, 90, 95, 90, 75, 60, 45,
];

const AGENTS: &[(&str, u32)] = &[
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 30),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", 15),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 15),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", 12),
    ("python-requests/2.32.3", 10),
    ("curl/8.5.0", 8),
    ("accesslog-traffic/1.0", 6),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 4),
];

const REFERRERS: &[(&str, u32)] = &[
    ("-", 70),
    ("https://app.example.com/", 15),
    ("https://app.example.com/items", 10),
    ("https://www.google.com/", 5),
];

#[derive(Clone, Copy)]
enum Route {
    List,
    Get,
    Create,
    Update,
    Delete,
    Slow,
    Fail,
    Health,
}

const ROUTES: &[(Route, u32)] = &[
    (Route::List, 30),
    (Route::Get, 28),
    (Route::Create, 10),
    (Route::Update, 7),
    (Route::Delete, 4),
    (Route::Slow, 5),
    (Route::Fail, 2),
    (Route::Health, 14),
];

/// What `generate` makes.
#[derive(Clone, Debug)]
pub struct Options {
    pub date: NaiveDate,
    pub lines: u64,
    pub seed: u64,
    pub bad_ratio: f64,
    pub format: LogFormat,
}

const KST_OFFSET_MS: i64 = 9 * 3_600_000;

/// Writes the day's lines to `out`.
pub fn generate(opts: &Options, out: &mut impl Write) -> io::Result<()> {
    use chrono::Datelike;
    let mut rng = SplitMix64::new(opts.seed ^ 0x5eed_acce_5510_9000);
    let day_start_utc = days_from_civil(opts.date.year(), opts.date.month(), opts.date.day())
        * 86_400_000
        - KST_OFFSET_MS;
    let boundary = opts.lines.min(4);
    let inside = opts.lines - boundary;
    let total_weight: u64 = HOURLY_WEIGHT.iter().map(|&w| w as u64).sum();
    let mut buf = Vec::with_capacity(1 << 16);
    let mut emitted = 0u64;

    // Two lines in the last second of the day before.
    for i in 0..boundary / 2 {
        let t = day_start_utc - 1000 + 400 * i as i64 + rng.below(300) as i64;
        line(&mut rng, opts, t, &mut buf);
    }
    // The day, hour by hour, with jittered even spacing: monotonic times, no buffering.
    let mut assigned = 0u64;
    for (h, &w) in HOURLY_WEIGHT.iter().enumerate() {
        let upto =
            inside * HOURLY_WEIGHT[..=h].iter().map(|&x| x as u64).sum::<u64>() / total_weight;
        let n = upto - assigned;
        assigned = upto;
        let _ = w;
        let hour_start = day_start_utc + h as i64 * 3_600_000;
        for i in 0..n {
            let t = hour_start + ((i as f64 + rng.unit()) * 3_600_000.0 / n as f64) as i64;
            line(&mut rng, opts, t.min(hour_start + 3_599_999), &mut buf);
            emitted += 1;
            if buf.len() >= 1 << 16 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    debug_assert_eq!(emitted, inside);
    // Two lines in the first second of the day after.
    for i in 0..boundary - boundary / 2 {
        let t = day_start_utc + 86_400_000 + 300 * i as i64 + rng.below(250) as i64;
        line(&mut rng, opts, t, &mut buf);
    }
    out.write_all(&buf)?;
    out.flush()
}

/// One line (malformed with probability `bad_ratio`), with its newline.
fn line(rng: &mut SplitMix64, opts: &Options, utc_ms: i64, out: &mut Vec<u8>) {
    if rng.unit() < opts.bad_ratio {
        malformed(rng, utc_ms, out);
    } else {
        good(rng, opts, utc_ms, out);
    }
    out.push(b'\n');
}

/// A request target: a fixed part, maybe a number, and a fixed tail (`/api/items/` `7` ``).
struct Target(&'static str, Option<u64>, &'static str);

fn good(rng: &mut SplitMix64, opts: &Options, utc_ms: i64, out: &mut Vec<u8>) {
    let route = *rng.pick(ROUTES);
    // Mostly ids that exist (1..=200), sometimes ones that do not (404s).
    let range = if rng.unit() < 0.9 { 200 } else { 100_000 };
    let id = 1 + rng.below(range);
    let exists = id <= 200;
    let item = Target("/api/items/", Some(id), "");
    let (method, target, status, size, duration): (&str, Target, u16, u64, f64) = match route {
        Route::List => {
            let page = 1 + rng.below(12);
            if rng.unit() < 0.03 {
                ("GET", Target("/api/items?page=abc", None, ""), 400, 61, 0.9)
            } else {
                (
                    "GET",
                    Target("/api/items?page=", Some(page), "&per_page=20"),
                    200,
                    900 + rng.below(1200),
                    2.0 + rng.unit() * 8.0,
                )
            }
        }
        Route::Get if exists => (
            "GET",
            item,
            200,
            80 + rng.below(120),
            0.8 + rng.unit() * 3.0,
        ),
        Route::Get => ("GET", item, 404, 32, 0.5 + rng.unit()),
        Route::Create if rng.unit() < 0.08 => (
            "POST",
            Target("/api/items", None, ""),
            400,
            58,
            1.0 + rng.unit(),
        ),
        Route::Create => (
            "POST",
            Target("/api/items", None, ""),
            201,
            90 + rng.below(80),
            3.0 + rng.unit() * 6.0,
        ),
        Route::Update if exists => ("PUT", item, 200, 90 + rng.below(80), 3.0 + rng.unit() * 6.0),
        Route::Update => ("PUT", item, 404, 32, 0.7 + rng.unit()),
        Route::Delete if exists => ("DELETE", item, 204, 0, 1.5 + rng.unit() * 3.0),
        Route::Delete => ("DELETE", item, 404, 32, 0.6 + rng.unit()),
        Route::Slow => {
            let ms = 50 + rng.below(1950);
            (
                "GET",
                Target("/api/slow?ms=", Some(ms), ""),
                200,
                40,
                ms as f64 + rng.unit() * 5.0,
            )
        }
        Route::Fail => {
            let s = if rng.unit() < 0.6 { 500 } else { 503 };
            (
                "GET",
                Target("/api/fail", None, ""),
                s,
                44,
                1.0 + rng.unit() * 4.0,
            )
        }
        Route::Health => (
            "GET",
            Target("/health", None, ""),
            200,
            15,
            0.1 + rng.unit() * 0.4,
        ),
    };
    // Drawn in this order whatever the format, so a seed gives the same traffic in every format.
    let host = rng.below(400);
    let agent = if matches!(route, Route::Health) {
        "ELB-HealthChecker/2.0"
    } else {
        rng.pick(AGENTS)
    };
    let referrer = rng.pick(REFERRERS);
    let kst = civil_from_ms(utc_ms + KST_OFFSET_MS);

    let w = |out: &mut Vec<u8>, s: &str| out.extend_from_slice(s.as_bytes());
    if opts.format == LogFormat::VhostCombined {
        w(out, "app.example.com:443 ");
    }
    if opts.format == LogFormat::NginxMain {
        w(out, "10.0.1.");
        int(out, 10 + rng.below(4));
    } else {
        client(host, out);
    }
    w(out, " - - [");
    two(out, kst.day);
    out.push(b'/');
    w(out, MONTHS[kst.month as usize - 1]);
    out.push(b'/');
    int(out, kst.year as u64);
    out.push(if opts.format == LogFormat::Werkzeug {
        b' '
    } else {
        b':'
    });
    two(out, kst.hour);
    out.push(b':');
    two(out, kst.minute);
    out.push(b':');
    two(out, kst.second);
    match opts.format {
        LogFormat::App => {
            out.push(b'.');
            three(out, kst.millis);
            w(out, " +0900] \"");
        }
        LogFormat::Werkzeug => w(out, "] \""),
        _ => w(out, " +0900] \""),
    }
    w(out, method);
    out.push(b' ');
    w(out, target.0);
    if let Some(n) = target.1 {
        int(out, n);
    }
    w(out, target.2);
    w(out, " HTTP/1.1\" ");
    int(out, status as u64);
    out.push(b' ');
    if opts.format == LogFormat::Werkzeug || (size == 0 && status == 204) {
        out.push(b'-');
    } else {
        int(out, size);
    }
    if matches!(opts.format, LogFormat::Common | LogFormat::Werkzeug) {
        return;
    }
    w(out, " \"");
    w(out, referrer);
    w(out, "\" \"");
    w(out, agent);
    out.push(b'"');
    match opts.format {
        LogFormat::App => {
            out.push(b' ');
            millis3(out, duration);
        }
        LogFormat::NginxMain => {
            w(out, " \"");
            client(host, out);
            out.push(b'"');
        }
        _ => {}
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn int(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn two(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&[b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]);
}

fn three(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 100 % 10) as u8);
    two(out, n % 100);
}

/// `d` with three decimals, exactly as `format!("{d:.3}")` writes it (the exact binary value
/// rounded half to even), for `0 <= d < 2^53 / 1000`.
fn millis3(out: &mut Vec<u8>, d: f64) {
    let bits = d.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = if exp == 0 {
        (bits & ((1 << 52) - 1)) as u128
    } else {
        ((bits & ((1 << 52) - 1)) | (1 << 52)) as u128
    };
    // d = mantissa * 2^shift exactly, so d * 1000 = mantissa * 1000 * 2^shift.
    let shift = exp.max(1) - 1075;
    let scaled = mantissa * 1000;
    let thousandths = if shift >= 0 {
        (scaled << shift) as u64
    } else if -shift >= 128 {
        0
    } else {
        let s = (-shift) as u32;
        let (q, rem) = (scaled >> s, scaled & ((1u128 << s) - 1));
        let half = 1u128 << (s - 1);
        (q + u128::from(rem > half || (rem == half && q & 1 == 1))) as u64
    };
    int(out, thousandths / 1000);
    out.push(b'.');
    three(out, (thousandths % 1000) as u32);
}

/// A client address: mostly documentation IPv4 ranges, some IPv6.
fn client(n: u64, out: &mut Vec<u8>) {
    match n {
        0..=339 => {
            out.extend_from_slice(b"203.0.");
            int(out, 113 + n % 3);
            out.push(b'.');
            int(out, 1 + (n * 37) % 250);
        }
        340..=379 => {
            out.extend_from_slice(b"198.51.100.");
            int(out, 1 + (n * 13) % 250);
        }
        _ => {
            use std::io::Write;
            write!(out, "2001:db8:{:x}::{:x}", n % 7, 1 + n).expect("writing to a Vec");
        }
    }
}

/// Lines the parser must reject (or, for a blank line, that Firehose drops).
fn malformed(rng: &mut SplitMix64, utc_ms: i64, out: &mut Vec<u8>) {
    let kst = civil_from_ms(utc_ms + KST_OFFSET_MS);
    match rng.below(5) {
        0 => out.extend_from_slice(b"GET /api/items HTTP/1.1 200 oops: this is not an access-log line"),
        // An impossible date: 30 February.
        1 => out.extend_from_slice(
            format!(
                "203.0.113.7 - - [30/Feb/{}:{:02}:{:02}:{:02}.000 +0900] \"GET /api/items HTTP/1.1\" 200 900 \"-\" \"curl/8.5.0\" 2.500",
                kst.year, kst.hour, kst.minute, kst.second
            )
            .as_bytes(),
        ),
        // A status that is not three digits.
        2 => out.extend_from_slice(
            format!(
                "203.0.113.7 - - [{:02}/Nov/{}:{:02}:{:02}:{:02}.000 +0900] \"GET /api/items HTTP/1.1\" 2000 900 \"-\" \"curl/8.5.0\" 2.500",
                kst.day.min(28), kst.year, kst.hour, kst.minute, kst.second
            )
            .as_bytes(),
        ),
        // A JSON log event from something else on the host, without a log line in it.
        3 => out.extend_from_slice(br#"{"level":"warning","msg":"worker timeout, restarting"}"#),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_decimals_are_written_as_format_writes_them() {
        let mut rng = SplitMix64::new(3);
        let ties = [0.0625, 0.1875, 1.0625, 2.4375, 0.0005, 1999.9995];
        let values = (0..200_000)
            .map(|i| match i % 3 {
                0 => rng.unit() * 10.0,
                1 => 50.0 + rng.unit() * 2000.0,
                _ => (rng.below(2_000_000) as f64 + 0.5) / 1000.0,
            })
            .chain(ties)
            .chain([0.0, 0.9, 1e-300, 5e-324, 123456.0]);
        for d in values {
            let mut out = Vec::new();
            millis3(&mut out, d);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{d:.3}"), "{d:e}");
        }
    }

    #[test]
    fn splitmix_is_fixed_for_a_seed() {
        // Reference values of SplitMix64 for seed 0 (Vigna's splitmix64.c).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }
}
