//! The real-runtime lab's workload spec format: `key = value` lines, `#` comments, sizes in bytes
//! unless a key says `_mb` (MiB). Unknown keys are errors, as in the lab itself.

use std::collections::BTreeMap;

/// One parsed lab spec, with every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct LabSpec {
    /// Spec name (the file stem unless `name` is set).
    pub name: String,
    /// Values by key (defaults included), as written.
    values: BTreeMap<String, String>,
    /// `env.*` keys: extra environment variables for the runtime.
    pub env: BTreeMap<String, String>,
}

/// Keys of the lab format with their defaults.
pub const LAB_KEYS: &[(&str, &str)] = &[
    ("name", ""),
    ("description", ""),
    ("total_alloc_mb", "0"),
    ("duration_s", "0"),
    ("alloc_rate_mb_s", "0"),
    ("threads", "1"),
    ("seed", "1"),
    ("sample_ms", "100"),
    ("tail_ms", "200"),
    ("size.dist", "fixed"),
    ("size.bytes", "1024"),
    ("size.median", "256"),
    ("size.sigma", "1.0"),
    ("size.min", "24"),
    ("size.max", "84992"),
    ("size.large_fraction", "0"),
    ("size.large_median", "262144"),
    ("size.large_sigma", "1.0"),
    ("size.large_min", "85000"),
    ("size.large_max", "16777216"),
    ("survive.fraction", "0"),
    ("survive.lifetime_ms", "0"),
    ("survive.lifetime_mb", "0"),
    ("state.initial_mb", "0"),
    ("state.rate_mb_s", "0"),
    ("state.mb_per_gb", "0"),
    ("state.cap_mb", "0"),
    ("state.entry_bytes", "512"),
    ("state.update_mb_s", "0"),
    ("pool.buffers", "0"),
    ("pool.buffer_bytes", "32768"),
    ("pool.rent_per_s", "0"),
    ("pool.touch_bytes", ""),
    ("pool.replace_fraction", "0"),
    ("native.mb", "0"),
    ("pod.limit_mb", "0"),
    ("pod.enforce", "0"),
    ("gc.server", "0"),
    ("gc.concurrent", "1"),
    ("gc.heap_hard_limit_mb", "0"),
    ("gc.heap_hard_limit_percent", "0"),
    ("gc.heap_count", "0"),
    ("gc.gen0size_mb", "0"),
    ("gc.retain_vm", "0"),
    ("gc.no_affinitize", "0"),
    ("burst.period_ms", "0"),
    ("burst.on_fraction", "1"),
];

/// A problem in a lab spec.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LabSpecError {
    /// A line is not `key = value`.
    #[error("line {line}: expected `key = value`, found {text:?}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// A key the lab does not know.
    #[error("line {line}: unknown key `{key}`")]
    UnknownKey {
        /// 1-based line number.
        line: usize,
        /// The key.
        key: String,
    },
    /// A value that is not a number where one is needed.
    #[error("`{key}`: {value:?} is not a number")]
    NotANumber {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// Neither `total_alloc_mb` nor `duration_s` is set.
    #[error("one of `total_alloc_mb` and `duration_s` must be set")]
    NoEnd,
}

impl LabSpec {
    /// Parses spec text; `stem` names the spec when it has no `name` key.
    pub fn parse(text: &str, stem: &str) -> Result<LabSpec, LabSpecError> {
        let mut values: BTreeMap<String, String> = LAB_KEYS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut env = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(LabSpecError::Syntax {
                    line: i + 1,
                    text: raw.to_string(),
                });
            };
            let (k, v) = (k.trim(), v.trim());
            if let Some(name) = k.strip_prefix("env.") {
                env.insert(name.to_string(), v.to_string());
            } else if values.contains_key(k) {
                values.insert(k.to_string(), v.to_string());
            } else {
                return Err(LabSpecError::UnknownKey {
                    line: i + 1,
                    key: k.to_string(),
                });
            }
        }
        let name = match values.get("name").map(String::as_str) {
            Some("") | None => stem.to_string(),
            Some(n) => n.to_string(),
        };
        let spec = LabSpec { name, values, env };
        if spec.num("total_alloc_mb")? <= 0.0 && spec.num("duration_s")? <= 0.0 {
            return Err(LabSpecError::NoEnd);
        }
        Ok(spec)
    }

    /// The value of `key` as written (defaults filled in).
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    /// The value of `key` as a number.
    pub fn num(&self, key: &str) -> Result<f64, LabSpecError> {
        let v = self.get(key);
        v.parse::<f64>().map_err(|_| LabSpecError::NotANumber {
            key: key.to_string(),
            value: v.to_string(),
        })
    }

    /// The value of `key` as a number, 0 when empty.
    pub fn num_or_zero(&self, key: &str) -> Result<f64, LabSpecError> {
        if self.get(key).is_empty() {
            Ok(0.0)
        } else {
            self.num(key)
        }
    }

    /// Whether the spec sets no environment variable (`env.*`).
    pub fn env_is_empty(&self) -> bool {
        self.env.is_empty()
    }

    /// An environment variable of `env.*`, matched without regard to case and to the
    /// `COMPlus_`/`DOTNET_` prefix.
    pub fn env_knob(&self, knob: &str) -> Option<&str> {
        self.env.iter().find_map(|(k, v)| {
            let bare = k
                .strip_prefix("COMPlus_")
                .or_else(|| k.strip_prefix("DOTNET_"))
                .unwrap_or(k);
            bare.eq_ignore_ascii_case(knob).then_some(v.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_defaults_and_env() {
        let s = LabSpec::parse(
            "# comment\nduration_s = 3\nalloc_rate_mb_s = 500 # inline\nsurvive.fraction = 0.05\nenv.DOTNET_GCDynamicAdaptationMode = 1\n",
            "midlife",
        )
        .unwrap();
        assert_eq!(s.name, "midlife");
        assert_eq!(s.num("alloc_rate_mb_s").unwrap(), 500.0);
        assert_eq!(s.num("threads").unwrap(), 1.0);
        assert_eq!(s.env_knob("gcdynamicadaptationmode"), Some("1"));
    }

    #[test]
    fn rejects_unknown_keys_and_specs_without_an_end() {
        assert_eq!(
            LabSpec::parse("duration_s = 1\nsurvive.fractoin = 1\n", "x"),
            Err(LabSpecError::UnknownKey {
                line: 2,
                key: "survive.fractoin".into()
            })
        );
        assert_eq!(
            LabSpec::parse("threads = 2\n", "x"),
            Err(LabSpecError::NoEnd)
        );
    }
}
