//! The configured line format (`LOG_FORMAT`): auto detection, one built-in format, or the
//! user's own nginx `log_format` / Apache `LogFormat` string.
//!
//! Real servers are configured, and a line that only resembles a built-in format must not be
//! read as one. So the string the server's configuration holds is compiled once, at cold start,
//! into a [`Plan`]: literals and typed fields, matched against each line by the literals around
//! each field, with no regular expression on the hot path. A string that cannot be compiled (an
//! Apache directive that does not exist, two variables with nothing between them) is a
//! configuration error that names the directive.

mod clock;
mod compile;
pub(crate) mod json_log;
mod plan;
mod vars;

use std::sync::Arc;

pub use plan::Plan;

use crate::record::LogFormat;

/// How lines are read.
#[derive(Clone, Debug, Default)]
pub enum LineFormat {
    /// Every built-in format, recognised by what the line holds.
    #[default]
    Auto,
    /// One built-in format only; other lines fail (`format_mismatch`). `json` is the JSON
    /// access log (a JSON object with nginx's variable names).
    Builtin(LogFormat),
    /// A compiled nginx or Apache format string.
    Plan(Arc<Plan>),
}

impl LineFormat {
    /// Whether a JSON object that is no Fluent Bit record may be a JSON access log.
    pub fn takes_json(&self) -> bool {
        matches!(
            self,
            LineFormat::Auto | LineFormat::Builtin(LogFormat::Json)
        )
    }

    /// Reads a `LOG_FORMAT` value: `auto`, a built-in name, `nginx:<log_format string>`,
    /// `nginx:escape=json:<string>` (also `default`, `none`) or `apache:<LogFormat string>`.
    /// The error is the fix to show the user.
    pub fn parse(spec: &str) -> Result<LineFormat, String> {
        let trimmed = spec.trim();
        if trimmed.is_empty() || trimmed == "auto" {
            return Ok(LineFormat::Auto);
        }
        if let Some(f) = LogFormat::ALL
            .iter()
            .find(|f| f.as_str() == trimmed && **f != LogFormat::Custom)
        {
            return Ok(LineFormat::Builtin(*f));
        }
        // The format string itself is taken as written: its spaces are literals.
        if let Some(rest) = spec.trim_start().strip_prefix("nginx:") {
            let (escape, string) = match rest.strip_prefix("escape=") {
                Some(r) => {
                    let (mode, s) = r.split_once(':').ok_or_else(|| {
                        "write nginx:escape=default|json|none:<log_format string>".to_string()
                    })?;
                    let mode = match mode {
                        "default" => compile::Escape::Default,
                        "json" => compile::Escape::Json,
                        "none" => compile::Escape::None,
                        other => {
                            return Err(format!(
                                "escape={other} is not an nginx escape mode (default, json or none)"
                            ))
                        }
                    };
                    (mode, s)
                }
                None => (compile::Escape::Default, rest),
            };
            return compile::nginx(string, escape).map(|p| LineFormat::Plan(Arc::new(p)));
        }
        if let Some(rest) = spec.trim_start().strip_prefix("apache:") {
            return compile::apache(rest).map(|p| LineFormat::Plan(Arc::new(p)));
        }
        let names: Vec<&str> = LogFormat::ALL
            .iter()
            .filter(|f| **f != LogFormat::Custom)
            .map(|f| f.as_str())
            .collect();
        Err(format!(
            "use auto, a built-in format ({}), nginx:<log_format string> or apache:<LogFormat string>",
            names.join(", ")
        ))
    }
}
