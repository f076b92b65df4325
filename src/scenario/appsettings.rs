//! .NET-style configuration sources: an `appsettings.json` file and `PREFIX__Section__Key`
//! environment variables, flattened into `(dotted_key, value, source)` entries.
//!
//! The rules follow .NET's JSON and environment-variable configuration providers:
//! - the file is a JSON object; `//` and `/* */` comments and trailing commas are allowed
//!   (as .NET's reader allows them); a UTF-8 byte-order mark is skipped;
//! - keys are case-insensitive: they are lower-cased here; objects nest (`Pod` → `Limits` →
//!   `Memory` gives `pod.limits.memory`), a `:` inside a key nests too, and a key that already
//!   contains dots (`taskmanager.memory.process.size`) is kept as dotted segments;
//! - arrays flatten by index (`key.0`, `key.1`);
//! - strings are taken as written, numbers and booleans as their JSON text (`4`, `0.5`, `true`);
//!   `null` and empty objects or arrays give no entry;
//! - two entries with the same key (for example `"Memory"` and `"memory"` in one object) are
//!   an error, as in .NET;
//! - in environment variable names `__` (and `:`) separate the levels.

use std::collections::HashMap;
use thiserror::Error;

/// The largest file read, in bytes.
pub const MAX_APPSETTINGS_BYTES: usize = 16 << 20;
/// The deepest nesting of objects and arrays accepted (the .NET reader's default).
pub const MAX_DEPTH: usize = 64;

/// Why an appsettings.json file cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AppSettingsError {
    /// The file is not valid JSON (comments and trailing commas aside).
    #[error("appsettings JSON error at line {line}, column {column}: {problem}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What is wrong.
        problem: String,
    },
    /// The top-level value is not an object.
    #[error(
        "appsettings JSON error at line {line}, column {column}: the top level must be an object ({{ … }}), found {found}"
    )]
    NotAnObject {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was found instead.
        found: &'static str,
    },
    /// Two values flatten to the same (case-insensitive) key.
    #[error(
        "appsettings key {key:?} is set twice: at {first} and at {second} (line {line}, column {column}); keys are case-insensitive"
    )]
    DuplicateKey {
        /// The flattened key.
        key: String,
        /// JSON path of the first value.
        first: String,
        /// JSON path of the second value.
        second: String,
        /// 1-based line of the second value.
        line: usize,
        /// 1-based column of the second value.
        column: usize,
    },
    /// The section asked for holds a single value, not an object.
    #[error(
        "appsettings section {section:?} is a single value at {path}, not an object of settings"
    )]
    SectionIsValue {
        /// The section asked for.
        section: String,
        /// JSON path of the value.
        path: String,
    },
    /// The file is larger than [`MAX_APPSETTINGS_BYTES`].
    #[error("appsettings file is too large: {bytes} bytes (at most {max})", max = MAX_APPSETTINGS_BYTES)]
    TooLarge {
        /// The size of the file.
        bytes: usize,
    },
}

/// Reads an appsettings.json text and returns the settings under `section` as
/// `(dotted_key, value, json_path)` triples, in file order. `section` is a .NET section path
/// (`"Memsim"`, `"Memsim:Pod"`; case-insensitive; `""` for the whole file); the returned keys
/// are relative to it. A missing section gives no entries.
///
/// Example: section `Memsim` of `{"Memsim": {"Pod": {"Limits": {"Memory": "4Gi"}}}}` gives
/// `("pod.limits.memory", "4Gi", "$.Memsim.Pod.Limits.Memory")`.
pub fn flatten_appsettings(
    text: &str,
    section: &str,
) -> Result<Vec<(String, String, String)>, AppSettingsError> {
    if text.len() > MAX_APPSETTINGS_BYTES {
        return Err(AppSettingsError::TooLarge { bytes: text.len() });
    }
    let mut parser = Parser::new(text);
    parser.skip_space()?;
    let (root_pos, root) = parser.value(0)?;
    parser.skip_space()?;
    if let Some(c) = parser.peek() {
        return Err(parser.error(format!(
            "unexpected {} after the end of the top-level object",
            describe(c)
        )));
    }
    let JsonValue::Object(_) = root else {
        return Err(AppSettingsError::NotAnObject {
            line: root_pos.line,
            column: root_pos.column,
            found: root.kind(),
        });
    };
    let mut entries = Vec::new();
    flatten(&root, root_pos, "", "$", &mut entries);

    // Duplicate keys are an error, as in .NET.
    let mut seen: HashMap<&str, &Flat> = HashMap::new();
    for e in &entries {
        if let Some(first) = seen.insert(e.key.as_str(), e) {
            return Err(AppSettingsError::DuplicateKey {
                key: e.key.clone(),
                first: first.path.clone(),
                second: e.path.clone(),
                line: e.pos.line,
                column: e.pos.column,
            });
        }
    }

    let prefix = section_key(section);
    let mut out = Vec::new();
    for e in entries {
        if prefix.is_empty() {
            out.push((e.key, e.value, e.path));
        } else if e.key == prefix {
            return Err(AppSettingsError::SectionIsValue {
                section: section.to_string(),
                path: e.path,
            });
        } else if let Some(rest) = e
            .key
            .strip_prefix(prefix.as_str())
            .and_then(|r| r.strip_prefix('.'))
        {
            out.push((rest.to_string(), e.value, e.path));
        }
    }
    Ok(out)
}

/// Turns .NET-convention environment variables into `(dotted_key, value, variable_name)`
/// triples: variables whose names start with `prefix` (compared case-insensitively, as .NET
/// does; for example `MEMSIM__`) lose the prefix, `__` and `:` separate the levels, and keys are
/// lower-cased: `MEMSIM__Pod__Limits__Memory=4Gi` gives `("pod.limits.memory", "4Gi",
/// "MEMSIM__Pod__Limits__Memory")`. The variables are passed in (nothing is read from the
/// process environment). The result is sorted by key; if several variables give the same key,
/// the one whose name sorts last (byte order) is kept.
pub fn env_layer(
    vars: impl Iterator<Item = (String, String)>,
    prefix: &str,
) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for (name, value) in vars {
        let Some(rest) = strip_prefix_ignore_case(&name, prefix) else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let key = rest.replace("__", ".").replace(':', ".").to_lowercase();
        out.push((key, value, name));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.cmp(&b.2)));
    // Keep the last of each run of equal keys.
    let mut deduped: Vec<(String, String, String)> = Vec::with_capacity(out.len());
    for e in out {
        match deduped.last_mut() {
            Some(last) if last.0 == e.0 => *last = e,
            _ => deduped.push(e),
        }
    }
    deduped
}

fn strip_prefix_ignore_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) || head.to_lowercase() == prefix.to_lowercase() {
        name.get(prefix.len()..)
    } else {
        None
    }
}

/// The flattened key of a .NET section path: `Memsim:Pod` → `memsim.pod`.
fn section_key(section: &str) -> String {
    section
        .split(':')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(".")
        .to_lowercase()
}

/// A position in the text: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
}

/// A parsed JSON value that keeps key order, duplicates, positions and number text.
#[derive(Clone, Debug)]
enum JsonValue {
    Object(Vec<(String, Pos, JsonValue)>),
    Array(Vec<(Pos, JsonValue)>),
    String(String),
    /// The number exactly as written.
    Number(String),
    Bool(bool),
    Null,
}

impl JsonValue {
    fn kind(&self) -> &'static str {
        match self {
            JsonValue::Object(_) => "an object",
            JsonValue::Array(_) => "an array",
            JsonValue::String(_) => "a string",
            JsonValue::Number(_) => "a number",
            JsonValue::Bool(_) => "a boolean",
            JsonValue::Null => "null",
        }
    }
}

struct Flat {
    key: String,
    value: String,
    path: String,
    pos: Pos,
}

fn flatten(value: &JsonValue, pos: Pos, key: &str, path: &str, out: &mut Vec<Flat>) {
    let join = |k: &str| {
        let k = k.replace(':', ".").to_lowercase();
        if key.is_empty() {
            k
        } else {
            format!("{key}.{k}")
        }
    };
    match value {
        JsonValue::Object(members) => {
            for (k, p, v) in members {
                flatten(v, *p, &join(k), &format!("{path}{}", path_segment(k)), out);
            }
        }
        JsonValue::Array(items) => {
            for (i, (p, v)) in items.iter().enumerate() {
                flatten(v, *p, &join(&i.to_string()), &format!("{path}[{i}]"), out);
            }
        }
        JsonValue::Null => {}
        JsonValue::String(s) => out.push(Flat {
            key: key.to_string(),
            value: s.clone(),
            path: path.to_string(),
            pos,
        }),
        JsonValue::Number(n) => out.push(Flat {
            key: key.to_string(),
            value: n.clone(),
            path: path.to_string(),
            pos,
        }),
        JsonValue::Bool(b) => out.push(Flat {
            key: key.to_string(),
            value: b.to_string(),
            path: path.to_string(),
            pos,
        }),
    }
}

/// `.Key` for plain identifiers, `['a.b']` otherwise.
fn path_segment(key: &str) -> String {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!(".{key}")
    } else {
        format!("['{}']", key.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

fn describe(c: char) -> String {
    match c {
        '\n' => "end of line".to_string(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        c => format!("{c:?}"),
    }
}

/// A recursive-descent reader for JSON with comments and trailing commas.
struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    column: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Parser {
            chars: text.chars().peekable(),
            line: 1,
            column: 1,
        }
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn error(&self, problem: impl Into<String>) -> AppSettingsError {
        self.error_at(self.pos(), problem)
    }

    fn error_at(&self, pos: Pos, problem: impl Into<String>) -> AppSettingsError {
        AppSettingsError::Syntax {
            line: pos.line,
            column: pos.column,
            problem: problem.into(),
        }
    }

    /// Skips whitespace and comments.
    fn skip_space(&mut self) -> Result<(), AppSettingsError> {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\n' | '\r') => {
                    self.bump();
                }
                Some('/') => {
                    let start = self.pos();
                    self.bump();
                    match self.bump() {
                        Some('/') => {
                            while let Some(c) = self.peek() {
                                if c == '\n' {
                                    break;
                                }
                                self.bump();
                            }
                        }
                        Some('*') => {
                            let mut star = false;
                            loop {
                                match self.bump() {
                                    None => {
                                        return Err(self.error_at(
                                            start,
                                            "a /* comment is never closed with */",
                                        ));
                                    }
                                    Some('/') if star => break,
                                    Some(c) => star = c == '*',
                                }
                            }
                        }
                        _ => {
                            return Err(
                                self.error_at(start, "a single '/' (comments start with // or /*)")
                            );
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<(Pos, JsonValue), AppSettingsError> {
        let pos = self.pos();
        let v = match self.peek() {
            None => return Err(self.error("unexpected end of the file: a value is missing")),
            Some('{') => self.object(depth)?,
            Some('[') => self.array(depth)?,
            Some('"') => JsonValue::String(self.string()?),
            Some('-' | '0'..='9') => JsonValue::Number(self.number()?),
            Some('t') => self.literal("true", JsonValue::Bool(true))?,
            Some('f') => self.literal("false", JsonValue::Bool(false))?,
            Some('n') => self.literal("null", JsonValue::Null)?,
            Some('\'') => {
                return Err(self.error("strings must use double quotes (\"…\"), not single quotes"));
            }
            Some(c) => {
                return Err(self.error(format!("unexpected {}: a value is expected", describe(c))));
            }
        };
        Ok((pos, v))
    }

    fn enter(&self, depth: usize) -> Result<usize, AppSettingsError> {
        if depth >= MAX_DEPTH {
            Err(self.error(format!(
                "objects and arrays nest deeper than {MAX_DEPTH} levels"
            )))
        } else {
            Ok(depth + 1)
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonValue, AppSettingsError> {
        let depth = self.enter(depth)?;
        self.bump(); // '{'
        let mut members = Vec::new();
        loop {
            self.skip_space()?;
            match self.peek() {
                Some('}') => {
                    self.bump();
                    return Ok(JsonValue::Object(members));
                }
                Some('"') => {}
                None => {
                    return Err(
                        self.error("unexpected end of the file: an object is not closed with }")
                    );
                }
                Some(c) => {
                    return Err(self.error(format!(
                        "unexpected {}: a key in double quotes or }} is expected",
                        describe(c)
                    )));
                }
            }
            let key = self.string()?;
            self.skip_space()?;
            if self.peek() != Some(':') {
                return Err(self.error(format!("':' is expected after the key {key:?}")));
            }
            self.bump();
            self.skip_space()?;
            let (pos, value) = self.value(depth)?;
            members.push((key, pos, value));
            self.skip_space()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {}
                None => {
                    return Err(
                        self.error("unexpected end of the file: an object is not closed with }")
                    );
                }
                Some(c) => {
                    return Err(self.error(format!(
                        "unexpected {}: ',' or '}}' is expected after a value",
                        describe(c)
                    )));
                }
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonValue, AppSettingsError> {
        let depth = self.enter(depth)?;
        self.bump(); // '['
        let mut items = Vec::new();
        loop {
            self.skip_space()?;
            if self.peek() == Some(']') {
                self.bump();
                return Ok(JsonValue::Array(items));
            }
            items.push(self.value(depth)?);
            self.skip_space()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {}
                None => {
                    return Err(
                        self.error("unexpected end of the file: an array is not closed with ]")
                    );
                }
                Some(c) => {
                    return Err(self.error(format!(
                        "unexpected {}: ',' or ']' is expected after a value",
                        describe(c)
                    )));
                }
            }
        }
    }

    fn literal(&mut self, word: &str, value: JsonValue) -> Result<JsonValue, AppSettingsError> {
        let start = self.pos();
        for expected in word.chars() {
            if self.peek() != Some(expected) {
                return Err(self.error_at(
                    start,
                    format!("unknown word (values are strings in double quotes, numbers, true, false or null; did you mean {word}?)"),
                ));
            }
            self.bump();
        }
        if self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return Err(self.error_at(
                start,
                "unknown word (values are strings in double quotes, numbers, true, false or null)",
            ));
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<String, AppSettingsError> {
        let start = self.pos();
        let mut text = String::new();
        let bad = |p: &Self, why: &str| p.error_at(start, format!("malformed number: {why}"));
        if self.peek() == Some('-') {
            text.push('-');
            self.bump();
        }
        match self.peek() {
            Some('0') => {
                text.push('0');
                self.bump();
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return Err(bad(self, "leading zeros are not allowed"));
                }
            }
            Some('1'..='9') => self.digits(&mut text),
            _ => return Err(bad(self, "a digit is expected")),
        }
        if self.peek() == Some('.') {
            text.push('.');
            self.bump();
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(bad(self, "a digit is expected after the decimal point"));
            }
            self.digits(&mut text);
        }
        if let Some(e @ ('e' | 'E')) = self.peek() {
            text.push(e);
            self.bump();
            if let Some(s @ ('+' | '-')) = self.peek() {
                text.push(s);
                self.bump();
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(bad(self, "a digit is expected in the exponent"));
            }
            self.digits(&mut text);
        }
        if self.peek().is_some_and(|c| c.is_alphanumeric() || c == '.') {
            return Err(bad(
                self,
                "a number is followed by letters (write text such as 4Gi in double quotes)",
            ));
        }
        Ok(text)
    }

    fn digits(&mut self, text: &mut String) {
        while let Some(c) = self.peek() {
            if !c.is_ascii_digit() {
                break;
            }
            text.push(c);
            self.bump();
        }
    }

    fn string(&mut self) -> Result<String, AppSettingsError> {
        let start = self.pos();
        self.bump(); // '"'
        let mut s = String::new();
        loop {
            let here = self.pos();
            match self.bump() {
                None => return Err(self.error_at(start, "a string is never closed with \"")),
                Some('"') => return Ok(s),
                Some('\\') => {
                    let c = match self.bump() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('/') => '/',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('u') => self.unicode_escape(here)?,
                        _ => return Err(self.error_at(here, "unknown escape sequence in a string")),
                    };
                    s.push(c);
                }
                Some(c) if (c as u32) < 0x20 => {
                    return Err(self.error_at(
                        here,
                        "a control character or line break inside a string (write \\n)",
                    ));
                }
                Some(c) => s.push(c),
            }
        }
    }

    fn hex4(&mut self, at: Pos) -> Result<u32, AppSettingsError> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.error_at(at, "\\u must be followed by four hex digits"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn unicode_escape(&mut self, at: Pos) -> Result<char, AppSettingsError> {
        let hi = self.hex4(at)?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.bump() != Some('\\') || self.bump() != Some('u') {
                return Err(self.error_at(at, "a \\u surrogate must be followed by its pair"));
            }
            let lo = self.hex4(at)?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.error_at(at, "invalid \\u surrogate pair"));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code).ok_or_else(|| self.error_at(at, "invalid \\u escape"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(k: &str, v: &str, p: &str) -> (String, String, String) {
        (k.to_string(), v.to_string(), p.to_string())
    }

    fn flat(text: &str, section: &str) -> Vec<(String, String, String)> {
        flatten_appsettings(text, section).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_example_from_the_brief() {
        let text = r#"{"Memsim": {"Pod": {"Limits": {"Memory": "4Gi"}}}}"#;
        assert_eq!(
            flat(text, "Memsim"),
            vec![t("pod.limits.memory", "4Gi", "$.Memsim.Pod.Limits.Memory")]
        );
    }

    #[test]
    fn comments_trailing_commas_and_value_kinds() {
        let text = "\u{feff}// memsim settings\n{\n  /* the pod */\n  \"Memsim\": {\n    \"Pod\": { \"Limits\": { \"Memory\": \"4Gi\", }, }, // trailing commas\n    \"Gc\": { \"Server\": true, \"Concurrent\": false, \"HeapCount\": 4, \"Ratio\": 0.50, \"Big\": 1e3 },\n    \"Flink\": { \"taskmanager.memory.process.size\": \"2g\" },\n    \"Seeds\": [1, 2, 3,],\n    \"Nothing\": null,\n    \"Empty\": {},\n    \"Url\": \"http://x/*y*/\" // not a comment inside a string\n  },\n  \"Logging\": { \"LogLevel\": { \"Default\": \"Information\" } }\n}\n";
        assert_eq!(
            flat(text, "Memsim"),
            vec![
                t("pod.limits.memory", "4Gi", "$.Memsim.Pod.Limits.Memory"),
                t("gc.server", "true", "$.Memsim.Gc.Server"),
                t("gc.concurrent", "false", "$.Memsim.Gc.Concurrent"),
                t("gc.heapcount", "4", "$.Memsim.Gc.HeapCount"),
                t("gc.ratio", "0.50", "$.Memsim.Gc.Ratio"),
                t("gc.big", "1e3", "$.Memsim.Gc.Big"),
                t(
                    "flink.taskmanager.memory.process.size",
                    "2g",
                    "$.Memsim.Flink['taskmanager.memory.process.size']"
                ),
                t("seeds.0", "1", "$.Memsim.Seeds[0]"),
                t("seeds.1", "2", "$.Memsim.Seeds[1]"),
                t("seeds.2", "3", "$.Memsim.Seeds[2]"),
                t("url", "http://x/*y*/", "$.Memsim.Url"),
            ]
        );
        // The whole file, and a nested section written the .NET way.
        assert_eq!(flat(text, "").len(), 12);
        assert_eq!(
            flat(text, "memsim:POD:limits"),
            vec![t("memory", "4Gi", "$.Memsim.Pod.Limits.Memory")]
        );
        assert!(flat(text, "Absent").is_empty());
    }

    #[test]
    fn keys_are_case_insensitive() {
        let text =
            r#"{"MEMSIM": {"pod": {"limits": {"MEMORY": "4Gi"}}}, "memsim": {"Run": {"Seed": 7}}}"#;
        assert_eq!(
            flat(text, "Memsim"),
            vec![
                t("pod.limits.memory", "4Gi", "$.MEMSIM.pod.limits.MEMORY"),
                t("run.seed", "7", "$.memsim.Run.Seed"),
            ]
        );
        let dup = "{\"Memsim\": {\"Memory\": \"4Gi\",\n \"memory\": \"2Gi\"}}";
        let e = flatten_appsettings(dup, "Memsim").unwrap_err();
        assert_eq!(
            e,
            AppSettingsError::DuplicateKey {
                key: "memsim.memory".into(),
                first: "$.Memsim.Memory".into(),
                second: "$.Memsim.memory".into(),
                line: 2,
                column: 12,
            }
        );
        assert!(e.to_string().contains("set twice"), "{e}");
        // A ':' inside a key nests, as in .NET.
        let text = r#"{"Memsim:Pod": {"Requests:Memory": "1Gi"}}"#;
        assert_eq!(
            flat(text, "Memsim"),
            vec![t(
                "pod.requests.memory",
                "1Gi",
                "$['Memsim:Pod']['Requests:Memory']"
            )]
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let cases = [
            ("{\"a\": 1,,}", 1, 9),
            ("{\"a\": 'x'}", 1, 7),
            ("{\"a\": 4Gi}", 1, 7),
            ("{\n  \"a\": tru\n}", 2, 8),
            ("{\"a\": 1} x", 1, 10),
            ("{\"a\": \"x\n\"}", 1, 9),
            ("{\"a\": 1 /* never closed", 1, 9),
            ("{\"a\": 01}", 1, 7),
            ("{\"a\" 1}", 1, 6),
            ("{\"a\": [1 2]}", 1, 10),
            ("{\"a\": 1", 1, 8),
            ("", 1, 1),
            ("{a: 1}", 1, 2),
        ];
        for (text, line, column) in cases {
            match flatten_appsettings(text, "") {
                Err(AppSettingsError::Syntax {
                    line: l, column: c, ..
                }) => assert_eq!((l, c), (line, column), "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert!(matches!(
            flatten_appsettings("[1, 2]", ""),
            Err(AppSettingsError::NotAnObject { .. })
        ));
        assert!(matches!(
            flatten_appsettings(r#"{"Memsim": "x"}"#, "Memsim"),
            Err(AppSettingsError::SectionIsValue { .. })
        ));
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(100), "]".repeat(100));
        let e = flatten_appsettings(&deep, "").unwrap_err();
        assert!(e.to_string().contains("deeper than 64"), "{e}");
    }

    #[test]
    fn strings_unescape() {
        let text = r#"{"s": "a\"b\\c\/d\u00e9\ud83d\ude00\n"}"#;
        assert_eq!(flat(text, "")[0].1, "a\"b\\c/d\u{e9}\u{1F600}\n");
    }

    #[test]
    fn environment_variables_nest_with_double_underscores() {
        let vars = vec![
            ("MEMSIM__Pod__Limits__Memory".to_string(), "4Gi".to_string()),
            ("memsim__run__SEED".to_string(), "7".to_string()),
            (
                "MEMSIM__Flink__taskmanager.memory.process.size".to_string(),
                "2g".to_string(),
            ),
            ("PATH".to_string(), "/usr/bin".to_string()),
            ("MEMSIMX__Pod".to_string(), "no".to_string()),
            ("MEMSIM__".to_string(), "empty".to_string()),
        ];
        assert_eq!(
            env_layer(vars.into_iter(), "MEMSIM__"),
            vec![
                t(
                    "flink.taskmanager.memory.process.size",
                    "2g",
                    "MEMSIM__Flink__taskmanager.memory.process.size"
                ),
                t("pod.limits.memory", "4Gi", "MEMSIM__Pod__Limits__Memory"),
                t("run.seed", "7", "memsim__run__SEED"),
            ]
        );
        // Same key from two spellings: the name that sorts last wins, whatever the input order.
        for order in [[0, 1], [1, 0]] {
            let both = [
                ("MEMSIM__Pod__Limits__Memory".to_string(), "4Gi".to_string()),
                ("MEMSIM__pod__limits__memory".to_string(), "8Gi".to_string()),
            ];
            let vars = order.iter().map(|&i| both[i].clone());
            assert_eq!(
                env_layer(vars, "MEMSIM__"),
                vec![t("pod.limits.memory", "8Gi", "MEMSIM__pod__limits__memory")]
            );
        }
    }
}
