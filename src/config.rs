//! Configuration, read from environment variables once at cold start (SPEC §5).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `SOURCE_TZ` | `Asia/Seoul` | zone of timestamps written without an offset (werkzeug) |
//! | `PARTITION_TZ` | `Asia/Seoul` | zone of the year/month/day/hour partition keys |
//! | `LOG_FORMAT` | `auto` | line format: `auto`, a built-in name, `nginx:<log_format string>` or `apache:<LogFormat string>` (docs/log-formats.md) |
//! | `LOG_KEY` | `log` | member of a JSON record that holds the line (`log`, then `message`, are tried after it) |
//! | `TIME_GUARD` | `on` | `off` lets any event time through (replays of old logs) |
//! | `TIME_GUARD_MAX_AGE_HOURS` | `72` | events older than this before their arrival fail |
//! | `TIME_GUARD_MAX_FUTURE_MINUTES` | `15` | events later than this after their arrival fail |
//! | `RESPONSE_BUDGET_BYTES` | `6000000` | response size past which records fail instead (Lambda's limit is 6,291,456) |
//!
//! Every value is checked here, so a typo fails the cold start with a message that names the
//! variable and the fix, instead of failing every batch.

use std::fmt;

use crate::format::LineFormat;
use crate::parser::Parser;
use crate::time::Zone;

/// Lambda's synchronous response limit (6 MB).
pub const LAMBDA_RESPONSE_LIMIT: usize = 6_291_456;

/// The time guard's bounds, in milliseconds relative to a record's arrival.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeGuard {
    pub max_age_ms: i64,
    pub max_future_ms: i64,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub source_tz: Zone,
    pub partition_tz: Zone,
    pub log_key: String,
    /// `LOG_FORMAT`, compiled.
    pub log_format: LineFormat,
    /// `None` when `TIME_GUARD=off`.
    pub time_guard: Option<TimeGuard>,
    pub response_budget: usize,
}

/// A configuration value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub value: String,
    pub fix: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid configuration: {}={:?}: {}",
            self.variable, self.value, self.fix
        )
    }
}

impl std::error::Error for ConfigError {}

impl Default for Config {
    fn default() -> Self {
        Config::from_lookup(|_| None).expect("defaults are valid")
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads variables through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let zone = |var: &'static str| -> Result<Zone, ConfigError> {
            let v = get(var).unwrap_or_else(|| "Asia/Seoul".into());
            Zone::named(v.trim()).map_err(|fix| ConfigError {
                variable: var,
                value: v.clone(),
                fix,
            })
        };
        let number = |var: &'static str, default: u64, max: u64, unit: &str| match get(var) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if n >= 1 && n <= max => Ok(n),
                _ => Err(ConfigError {
                    variable: var,
                    value: v.clone(),
                    fix: format!(
                        "use a whole number of {unit} from 1 to {max} (default {default})"
                    ),
                }),
            },
        };
        let source_tz = zone("SOURCE_TZ")?;
        let partition_tz = zone("PARTITION_TZ")?;
        let log_key = get("LOG_KEY").unwrap_or_else(|| "log".into());
        if log_key.trim().is_empty() {
            return Err(ConfigError {
                variable: "LOG_KEY",
                value: log_key,
                fix: "name the JSON member that holds the log line, e.g. log".into(),
            });
        }
        let log_format = match get("LOG_FORMAT") {
            None => LineFormat::Auto,
            Some(v) => LineFormat::parse(&v).map_err(|fix| ConfigError {
                variable: "LOG_FORMAT",
                value: v.clone(),
                fix,
            })?,
        };
        let guard_on = match get("TIME_GUARD").as_deref().map(str::trim) {
            None | Some("on") | Some("true") | Some("1") => true,
            Some("off") | Some("false") | Some("0") => false,
            Some(other) => {
                return Err(ConfigError {
                    variable: "TIME_GUARD",
                    value: other.into(),
                    fix: "use on or off".into(),
                })
            }
        };
        let max_age_h = number("TIME_GUARD_MAX_AGE_HOURS", 72, 24 * 366 * 10, "hours")?;
        let max_future_min = number(
            "TIME_GUARD_MAX_FUTURE_MINUTES",
            15,
            24 * 60 * 366,
            "minutes",
        )?;
        let budget = number(
            "RESPONSE_BUDGET_BYTES",
            6_000_000,
            LAMBDA_RESPONSE_LIMIT as u64,
            "bytes (Lambda's response limit is 6291456)",
        )?;
        Ok(Config {
            source_tz,
            partition_tz,
            log_key: log_key.trim().to_string(),
            log_format,
            time_guard: guard_on.then_some(TimeGuard {
                max_age_ms: max_age_h as i64 * 3_600_000,
                max_future_ms: max_future_min as i64 * 60_000,
            }),
            response_budget: budget as usize,
        })
    }

    pub fn parser(&self) -> Parser {
        Parser::with_format(self.source_tz, self.log_format.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_are_documented_values() {
        let c = with(&[]).unwrap();
        assert_eq!(c.source_tz.name(), "Asia/Seoul");
        assert_eq!(c.partition_tz.name(), "Asia/Seoul");
        assert_eq!(c.log_key, "log");
        assert_eq!(
            c.time_guard,
            Some(TimeGuard {
                max_age_ms: 72 * 3_600_000,
                max_future_ms: 15 * 60_000
            })
        );
        assert_eq!(c.response_budget, 6_000_000);
    }

    #[test]
    fn bad_values_name_the_variable_and_the_fix() {
        for (var, value, hint) in [
            ("SOURCE_TZ", "KST", "IANA"),
            ("PARTITION_TZ", "Mars/Base", "IANA"),
            ("TIME_GUARD", "maybe", "on or off"),
            ("TIME_GUARD_MAX_AGE_HOURS", "-3", "whole number"),
            ("TIME_GUARD_MAX_FUTURE_MINUTES", "ten", "whole number"),
            ("RESPONSE_BUDGET_BYTES", "7000000", "6291456"),
            ("LOG_KEY", " ", "JSON member"),
            ("LOG_FORMAT", "apache:%h %l %u %t \"%r\" %>s %J", "%J"),
            (
                "LOG_FORMAT",
                "nginx:$remote_addr$remote_user [$time_local]",
                "$remote_addr$remote_user",
            ),
            ("LOG_FORMAT", "nginx:$remote_addr $status", "no time"),
            ("LOG_FORMAT", "nginx:escape=yaml:$time_local", "escape=yaml"),
            ("LOG_FORMAT", "combined2", "built-in"),
        ] {
            let e = with(&[(var, value)]).unwrap_err();
            assert_eq!(e.variable, var);
            let msg = e.to_string();
            assert!(msg.contains(var) && msg.contains(hint), "{msg}");
        }
    }

    #[test]
    fn guard_can_be_turned_off() {
        assert_eq!(with(&[("TIME_GUARD", "off")]).unwrap().time_guard, None);
    }
}
