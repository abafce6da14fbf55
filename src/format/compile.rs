//! nginx `log_format` and Apache `LogFormat` strings to a [`Plan`].

use super::plan::Plan;
use super::vars::{self, Target, Var};

/// How the server escaped values (nginx's `escape=` parameter; Apache always backslash-escapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// `"` as `\x22` (nginx) or `\"` (Apache), `\` and non-printable bytes as `\xHH`/`\\`.
    Default,
    /// JSON string escapes.
    Json,
    /// Nothing escaped: a value can hold a bare `"`.
    None,
}

/// One piece of a format string.
enum Piece {
    Literal(Vec<u8>),
    Var(Var, String),
}

pub fn nginx(s: &str, escape: Escape) -> Result<Plan, String> {
    let b = s.as_bytes();
    let mut pieces = Vec::new();
    let mut lit = Vec::new();
    let mut i = 0;
    let name_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        if b[i] != b'$' {
            lit.push(b[i]);
            i += 1;
            continue;
        }
        let (name, next) = if b.get(i + 1) == Some(&b'{') {
            let close = s[i + 2..]
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ at byte {i} of the nginx log_format"))?;
            (&s[i + 2..i + 2 + close], i + 3 + close)
        } else {
            let len = b[i + 1..].iter().take_while(|&&c| name_char(c)).count();
            (&s[i + 1..i + 1 + len], i + 1 + len)
        };
        if name.is_empty() || !name.bytes().all(name_char) {
            return Err(format!(
                "{:?} is not an nginx variable (a $ is followed by letters, digits and _)",
                &s[i..next.min(s.len())]
            ));
        }
        if !lit.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(&mut lit)));
        }
        pieces.push(Piece::Var(vars::nginx(name), format!("${name}")));
        i = next;
    }
    if !lit.is_empty() {
        pieces.push(Piece::Literal(lit));
    }
    build(pieces, escape, s)
}

pub fn apache(s: &str) -> Result<Plan, String> {
    let b = s.as_bytes();
    let mut pieces = Vec::new();
    let mut lit = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            // As Apache's configuration reads the quoted LogFormat argument.
            b'\\' if i + 1 < b.len() => {
                lit.push(match b[i + 1] {
                    b'n' => b'\n',
                    b't' => b'\t',
                    c => c,
                });
                i += 2;
            }
            b'%' => {
                let start = i;
                i += 1;
                if b.get(i) == Some(&b'%') {
                    lit.push(b'%');
                    i += 1;
                    continue;
                }
                // Modifiers: `<` `>` and status conditions (`!200,304`).
                while let Some(c) = b.get(i) {
                    if matches!(c, b'<' | b'>' | b'!' | b',') || c.is_ascii_digit() {
                        i += 1;
                    } else {
                        break;
                    }
                }
                let mut arg = None;
                if b.get(i) == Some(&b'{') {
                    let close = s[i..]
                        .find('}')
                        .ok_or_else(|| format!("unclosed %{{ in {:?}", &s[start..]))?
                        + i;
                    arg = Some(&s[i + 1..close]);
                    i = close + 1;
                }
                while let Some(b'<' | b'>') = b.get(i) {
                    i += 1;
                }
                let letter = if s[i..].starts_with("^ti") || s[i..].starts_with("^to") {
                    &s[i..i + 3]
                } else {
                    let c = s[i..].chars().next().ok_or_else(|| {
                        format!("{:?} ends without a directive letter", &s[start..])
                    })?;
                    &s[i..i + c.len_utf8()]
                };
                i += letter.len();
                let written = &s[start..i];
                let var = vars::apache(letter, arg).ok_or_else(|| {
                    format!("{written} is not an Apache mod_log_config directive (https://httpd.apache.org/docs/current/mod/mod_log_config.html#formats)")
                })?;
                if !lit.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Var(var, written.to_string()));
            }
            c => {
                lit.push(c);
                i += 1;
            }
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Literal(lit));
    }
    build(pieces, Escape::Default, s)
}

/// Literals and variables alternate; two variables side by side cannot be told apart.
fn build(pieces: Vec<Piece>, escape: Escape, source: &str) -> Result<Plan, String> {
    let mut lits: Vec<Vec<u8>> = vec![Vec::new()];
    let mut vars: Vec<Var> = Vec::new();
    let mut last_var: Option<String> = None;
    for p in pieces {
        match p {
            Piece::Literal(l) => {
                *lits.last_mut().expect("one literal per gap") = l;
                last_var = None;
            }
            Piece::Var(v, written) => {
                if let Some(prev) = last_var {
                    return Err(format!(
                        "{prev}{written}: two variables with nothing between them; a line cannot be split there"
                    ));
                }
                vars.push(v);
                lits.push(Vec::new());
                last_var = Some(written);
            }
        }
    }
    if !vars.iter().any(|v| matches!(v.target, Target::Time(_))) {
        return Err(format!(
            "{source:?} logs no time ($time_local, $time_iso8601, $msec, %t, %{{...}}t): each record needs one"
        ));
    }
    if vars.len() > super::plan::MAX_FIELDS {
        return Err(format!(
            "more than {} variables in one format",
            super::plan::MAX_FIELDS
        ));
    }
    Ok(Plan::new(lits, vars, escape))
}
