//! The repository's documents agree with the code and stand alone.
//!
//! A user's clone has nothing beside it, and the docs are the contract users read, so these
//! checks run with the other tests: every `SPEC §N` the code cites exists in `docs/contract.md`,
//! the contract's record table is what `accesslog schema --format markdown` prints, every link
//! resolves inside the repository, no file reaches outside it, the text speaks of the product
//! rather than of how its work was organised, and the deployed settings are written the same
//! everywhere Terraform's root defaults are repeated.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use clap::CommandFactory;
use regex::Regex;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

/// The repository's text files: what git tracks plus what is about to be committed (untracked
/// but not ignored), so a new file is checked before its first commit.
fn text_files() -> Vec<(String, String)> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(repo())
        .output()
        .expect("git is needed to list the repository's files (apt-get install git)");
    assert!(
        out.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = Vec::new();
    for name in out.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8(name.to_vec()).unwrap();
        // The vendored corpus is third-party data, quoted as it was logged.
        if name.starts_with("tests/data/") || name.ends_with(".lock") {
            continue;
        }
        let Ok(bytes) = std::fs::read(repo().join(&name)) else {
            continue; // deleted in the work tree but not yet in the index
        };
        if let Ok(text) = String::from_utf8(bytes) {
            files.push((name, text));
        }
    }
    assert!(files.len() > 50, "only {} text files found", files.len());
    files
}

/// `file:line: text` of every line of the repository's text that `re` matches.
fn matching_lines(re: &Regex) -> Vec<String> {
    let mut hits = Vec::new();
    for (name, text) in text_files() {
        for (i, line) in text.lines().enumerate() {
            if re.is_match(line) {
                hits.push(format!("{name}:{}: {line}", i + 1));
            }
        }
    }
    hits
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect()
}

#[test]
fn every_cited_contract_section_exists() {
    let contract = read("docs/contract.md");
    let sections: Vec<u32> = Regex::new(r"(?m)^## (\d+)\. ")
        .unwrap()
        .captures_iter(&contract)
        .map(|c| c[1].parse().unwrap())
        .collect();
    assert_eq!(
        sections,
        (1..=8).collect::<Vec<_>>(),
        "docs/contract.md keeps sections 1 to 8"
    );
    let cite = Regex::new(r"SPEC §(\d+)").unwrap();
    let mut cited = 0;
    for (name, text) in text_files() {
        for c in cite.captures_iter(&text) {
            cited += 1;
            let n: u32 = c[1].parse().unwrap();
            assert!(
                sections.contains(&n),
                "{name} cites SPEC §{n}, which docs/contract.md does not have"
            );
        }
    }
    assert!(
        cited > 50,
        "only {cited} SPEC § citations found: is the pattern still right?"
    );
}

#[test]
fn the_contract_record_table_is_the_schema() {
    let contract = read("docs/contract.md");
    let begin = contract
        .find("<!-- schema:begin -->\n")
        .expect("schema:begin marker")
        + 22;
    let end = contract
        .find("<!-- schema:end -->")
        .expect("schema:end marker");
    assert_eq!(
        &contract[begin..end],
        accesslog::schema::markdown(),
        "docs/contract.md §3 differs from the schema: paste `accesslog schema --format markdown` between the markers"
    );
}

#[test]
fn every_link_in_the_docs_resolves_inside_the_repository() {
    let root = repo().canonicalize().unwrap();
    let link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let mut checked = 0;
    for (name, text) in text_files().into_iter().filter(|(n, _)| n.ends_with(".md")) {
        let dir = root.join(&name).parent().unwrap().to_path_buf();
        for c in link.captures_iter(&text) {
            let target = &c[1];
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
            let file = if path.is_empty() {
                root.join(&name)
            } else {
                dir.join(path)
            };
            let resolved = file.canonicalize().unwrap_or_else(|_| {
                panic!("{name}: link {target} names a file that does not exist")
            });
            assert!(
                resolved.starts_with(&root),
                "{name}: link {target} leaves the repository"
            );
            if !anchor.is_empty() && resolved.extension().is_some_and(|e| e == "md") {
                let heads = anchors(&std::fs::read_to_string(&resolved).unwrap());
                assert!(
                    heads.iter().any(|h| h == anchor),
                    "{name}: link {target}: no heading #{anchor} there"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} links checked");
}

#[test]
fn no_file_refers_to_a_path_outside_the_repository() {
    // Written in pieces so this file does not match itself.
    let outside = Regex::new(&format!(
        r"(\.\./{s}|{p}\.parent\b|/{w}/|/home/\w|/{r}/\.cargo)",
        s = "shared",
        p = "ROOT",
        w = "work",
        r = "root"
    ))
    .unwrap();
    let hits = matching_lines(&outside);
    assert!(
        hits.is_empty(),
        "these lines refer to paths outside the repository, which a user's clone does not have:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_text_speaks_of_the_product_not_of_work_sessions() {
    let ordinals = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|this|last|previous|earlier|next";
    let diary = Regex::new(&format!(
        r"(?i)\b({ordinals}) {s}s?\b|\b{s}s? \d|\b\d+(st|nd|rd|th) {s}\b|\b{i} #?\d|\b{a} \d+\b|\b{u} [12] *[/|] *{u} [12]\b",
        s = "session",
        i = "issue",
        a = "item",
        u = "run"
    ))
    .unwrap();
    let hits = matching_lines(&diary);
    assert!(
        hits.is_empty(),
        "these lines read like a work diary (sessions, issue or item numbers, run-by-run history); \
         say what the product does, and leave history to git log:\n{}",
        hits.join("\n")
    );
}

/// `default = ...` of each top-level `variable` block of a Terraform file.
fn tf_defaults(rel: &str) -> BTreeMap<String, String> {
    let text = read(rel);
    let head = Regex::new(r#"^variable "([a-z0-9_]+)" \{"#).unwrap();
    let default = Regex::new(r"^  default\s*=\s*(.+?)\s*$").unwrap();
    let mut out = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(c) = head.captures(line) {
            current = Some(c[1].to_string());
        } else if line == "}" {
            current = None;
        } else if let (Some(var), Some(c)) = (&current, default.captures(line)) {
            out.insert(var.clone(), c[1].trim_matches('"').to_string());
        }
    }
    out
}

fn cargo_deploy() -> toml_like::Table {
    toml_like::section(&read("Cargo.toml"), "package.metadata.lambda.deploy")
}

#[test]
fn deployed_settings_are_the_same_everywhere() {
    let root = tf_defaults("terraform/variables.tf");
    let transform = tf_defaults("terraform/modules/transform/variables.tf");
    let delivery = tf_defaults("terraform/modules/delivery/variables.tf");
    let deploy = cargo_deploy();
    let readme = read("README.md");
    let memory = &root["lambda_memory_mb"];
    let timeout = &root["lambda_timeout_seconds"];
    let buffer = &root["processor_buffer_size_mb"];

    assert_eq!(
        &transform["memory_mb"], memory,
        "modules/transform memory_mb default"
    );
    assert_eq!(
        &transform["timeout_seconds"], timeout,
        "modules/transform timeout_seconds default"
    );
    assert_eq!(
        &delivery["processor_buffer_size_mb"], buffer,
        "modules/delivery processor buffer default"
    );
    assert_eq!(
        &deploy.scalars["memory"], memory,
        "Cargo.toml [package.metadata.lambda.deploy] memory"
    );
    assert_eq!(
        &deploy.scalars["timeout"], timeout,
        "Cargo.toml [package.metadata.lambda.deploy] timeout"
    );
    for row in [
        format!("| Lambda memory | {memory} MB |"),
        format!("| Lambda timeout | {timeout} s |"),
        format!("| Firehose processor buffer (`BufferSizeInMBs`) | {buffer} MB |"),
    ] {
        assert!(
            readme.contains(&row),
            "README.md's deployed settings should have the row {row}"
        );
    }

    // The Lambda's environment: root main.tf maps these variables; Cargo's deploy env and the
    // README's configuration table must give the same values.
    let time_guard = if root["time_guard"] == "true" {
        "on"
    } else {
        "off"
    };
    let env = [
        ("SOURCE_TZ", root["source_tz"].as_str()),
        ("PARTITION_TZ", root["partition_tz"].as_str()),
        ("LOG_KEY", root["log_key"].as_str()),
        ("LOG_FORMAT", root["log_format"].as_str()),
        ("TIME_GUARD", time_guard),
        (
            "TIME_GUARD_MAX_AGE_HOURS",
            root["time_guard_max_age_hours"].as_str(),
        ),
        (
            "TIME_GUARD_MAX_FUTURE_MINUTES",
            root["time_guard_max_future_minutes"].as_str(),
        ),
    ];
    for (var, value) in env {
        assert_eq!(
            deploy.env.get(var).map(String::as_str),
            Some(value),
            "Cargo.toml deploy env {var} should be Terraform's default"
        );
        assert!(
            readme.contains(&format!("| `{var}` | `{value}` |")),
            "README.md's configuration table should give {var} the default `{value}`"
        );
    }
    assert_eq!(
        deploy.env.len(),
        env.len(),
        "Cargo.toml deploy env has variables Terraform does not set: {:?}",
        deploy.env
    );

    // `replay` batches like the deployed processor buffer.
    let cli = accesslog::cli::Cli::command();
    let replay = cli.find_subcommand("replay").expect("replay subcommand");
    let arg = replay
        .get_arguments()
        .find(|a| a.get_long() == Some("buffer-mb"))
        .expect("replay --buffer-mb");
    let default: Vec<_> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        default
            .iter()
            .map(|v| v.parse::<f64>().unwrap())
            .collect::<Vec<_>>(),
        vec![buffer.parse::<f64>().unwrap()],
        "replay --buffer-mb default should be Terraform's processor buffer"
    );
}

/// Just enough TOML for one `[section]` of scalars and one inline `env = { K = "V", ... }`.
mod toml_like {
    use std::collections::BTreeMap;

    pub struct Table {
        pub scalars: BTreeMap<String, String>,
        pub env: BTreeMap<String, String>,
    }

    pub fn section(text: &str, name: &str) -> Table {
        let header = format!("[{name}]");
        let mut lines = text.lines().skip_while(|l| l.trim() != header);
        assert!(lines.next().is_some(), "Cargo.toml has no {header}");
        let mut t = Table {
            scalars: BTreeMap::new(),
            env: BTreeMap::new(),
        };
        for line in lines.take_while(|l| !l.starts_with('[')) {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let (k, v) = (k.trim(), v.trim());
            if k == "env" {
                let inner = v.trim_start_matches('{').trim_end_matches('}');
                for pair in inner.split(',').filter(|p| !p.trim().is_empty()) {
                    let (ek, ev) = pair.split_once('=').expect("K = \"V\"");
                    t.env.insert(
                        ek.trim().to_string(),
                        ev.trim().trim_matches('"').to_string(),
                    );
                }
            } else {
                t.scalars
                    .insert(k.to_string(), v.trim_matches('"').to_string());
            }
        }
        t
    }
}
