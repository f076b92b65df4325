//! Kubernetes resource quantities (`512Mi`, `4Gi`, `2000M`, `1e9`) read with the grammar and
//! meaning of apimachinery's `resource.Quantity`, turned into whole units (bytes for memory)
//! rounded up the way `Quantity.Value()` rounds; plus Apache Flink's `MemorySize` strings
//! (`2048m`, `1g`), whose units are always binary.
//!
//! Grammar (Kubernetes):
//!
//! ```text
//! quantity  = [sign] number [suffix]
//! number    = digits | digits "." | digits "." digits | "." digits
//! suffix    = binary | decimal | exponent
//! binary    = Ki | Mi | Gi | Ti | Pi | Ei                (2^10 … 2^60)
//! decimal   = n | u | m | "" | k | M | G | T | P | E     (10^-9 … 10^18)
//! exponent  = ("e" | "E") [sign] digits                  (10^n)
//! ```
//!
//! Meaning: the exact decimal value is rounded up (away from zero) to a whole unit, as
//! `Quantity.Value()` returns it: `100m` is 0.1 and reads as 1, `0.05Gi` is 53687091.2 and
//! reads as 53687092. All arithmetic is exact (no floating point). Binary-suffixed values above
//! 2^63 − 1 are capped at 2^63 − 1, as Kubernetes caps them; other values must fit in a `u64`.
//!
//! Kubernetes' scanner also accepts a few digit-less strings (`Gi`, `.`, `+`) and reads them as
//! zero; those are outside the documented grammar and are rejected here, because a memory size
//! without a number is always a mistake.

use thiserror::Error;

/// Largest value a binary-suffixed quantity can take: Kubernetes caps it at `i64::MAX`.
const BINARY_CAP: u64 = i64::MAX as u64;

/// Which family of suffix a quantity was written with (Kubernetes keeps it for serialising).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuantityFormat {
    /// Powers of two: `Ki` … `Ei`.
    BinarySi,
    /// Powers of ten with an SI letter (`n`, `u`, `m`, `k` … `E`) or no suffix at all.
    DecimalSi,
    /// Powers of ten written as an exponent: `e9`, `E-3`.
    DecimalExponent,
}

/// A parsed Kubernetes quantity, reduced to whole units the way `Quantity.Value()` reduces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    /// True if the value is below zero (`-0` is not negative).
    pub negative: bool,
    /// The absolute value rounded up to a whole unit (bytes, for memory).
    pub magnitude: u64,
    /// False if rounding changed the value (the exact value had a fraction of a unit).
    pub exact: bool,
    /// True if a binary-suffixed value above 2^63 − 1 was capped, as Kubernetes caps it.
    pub capped: bool,
    /// The suffix family.
    pub format: QuantityFormat,
    /// The suffix as written (`"Gi"`, `"M"`, `"e9"`, or `""` for a bare number).
    pub suffix: String,
}

impl Quantity {
    /// The signed value in whole units, rounded away from zero (`Quantity.Value()`).
    pub fn value(&self) -> i128 {
        if self.negative {
            -(self.magnitude as i128)
        } else {
            self.magnitude as i128
        }
    }

    /// True if the quantity was written without any suffix (a bare number: bytes for memory).
    pub fn is_unitless(&self) -> bool {
        self.suffix.is_empty()
    }
}

/// Why a string is not a usable Kubernetes quantity or memory size.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QuantityError {
    /// The string is empty.
    #[error(
        "\"\" is not a Kubernetes quantity: the text is empty (write a number with an optional suffix, such as 512Mi or 4Gi)"
    )]
    Empty,
    /// The string contains spaces, tabs or newlines.
    #[error(
        "{input:?} is not a Kubernetes quantity: it contains whitespace (write the number and the suffix together, such as 4Gi)"
    )]
    Whitespace {
        /// The text as given.
        input: String,
    },
    /// The number part is malformed (no digits, two decimal points, a misplaced sign).
    #[error("{input:?} is not a Kubernetes quantity: {problem}")]
    Malformed {
        /// The text as given.
        input: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The suffix is not one Kubernetes knows.
    #[error(
        "{input:?} is not a Kubernetes quantity: unknown suffix {suffix:?} (use k, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei{hint})"
    )]
    UnknownSuffix {
        /// The text as given.
        input: String,
        /// The unrecognised suffix.
        suffix: String,
        /// A suggestion such as `; did you mean "G" or "Gi"?`, or empty.
        hint: String,
    },
    /// A decimal exponent (`e…`/`E…`) that is not a whole number.
    #[error(
        "{input:?} is not a Kubernetes quantity: bad exponent {suffix:?} (an exponent is e or E followed by a whole number, such as 1e9 or 5E-3)"
    )]
    BadExponent {
        /// The text as given.
        input: String,
        /// The exponent part as written.
        suffix: String,
    },
    /// The value does not fit in 64 bits.
    #[error("{input:?} is too large: the value exceeds {max} (2^64 − 1)", max = u64::MAX)]
    TooLarge {
        /// The text as given.
        input: String,
    },
    /// A negative value where a memory size is expected.
    #[error("{input:?} is a negative size: memory sizes must be zero or more")]
    Negative {
        /// The text as given.
        input: String,
    },
    /// A bare number where an explicit unit is required.
    #[error(
        "{input:?} has no unit (missing unit): a bare number means bytes in Kubernetes; write the unit, such as {suggestion}"
    )]
    MissingUnit {
        /// The text as given.
        input: String,
        /// Suggested spellings.
        suggestion: String,
    },
}

/// Parses a Kubernetes quantity with Kubernetes' grammar and returns its value in whole units,
/// rounded up as `Quantity.Value()` does. Bare numbers and negative values are accepted.
///
/// Examples: `1.5Gi` → 1610612736, `2000M` → 2000000000, `1e9` → 1000000000, `100m` → 1.
pub fn parse_quantity(input: &str) -> Result<Quantity, QuantityError> {
    if input.is_empty() {
        return Err(QuantityError::Empty);
    }
    if input.chars().any(char::is_whitespace) {
        return Err(QuantityError::Whitespace {
            input: input.to_string(),
        });
    }
    let bytes = input.as_bytes();
    let mut pos = 0;
    let mut negative = false;
    if let Some(&c) = bytes.first() {
        if c == b'+' || c == b'-' {
            negative = c == b'-';
            pos = 1;
        }
    }
    let int_start = pos;
    while pos < bytes.len() && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    let int_digits = &input[int_start..pos];
    let mut frac_digits = "";
    let mut has_point = false;
    if pos < bytes.len() && bytes[pos] == b'.' {
        has_point = true;
        pos += 1;
        let frac_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        frac_digits = &input[frac_start..pos];
    }
    let suffix = &input[pos..];
    if int_digits.is_empty() && frac_digits.is_empty() {
        let problem = if suffix.starts_with(['+', '-']) {
            "more than one sign (a sign may only come first)".to_string()
        } else if suffix.is_empty() && !has_point {
            "a sign alone is not a number".to_string()
        } else {
            "no digits: a quantity starts with a number, such as 4Gi or 0.5Gi".to_string()
        };
        return Err(malformed(input, problem));
    }
    let (exp10, exp2, format) = interpret_suffix(input, suffix, has_point)?;

    // The exact value is digits × 10^(exp10 − fraction length) × 2^exp2.
    let all_digits = format!("{int_digits}{frac_digits}");
    let significant = all_digits.trim_start_matches('0');
    let pow10 = exp10 as i128 - frac_digits.len() as i128;
    let (magnitude, exact, capped) = if significant.is_empty() {
        (0u64, true, false)
    } else {
        match scaled_ceil(significant.as_bytes(), pow10, exp2) {
            Some((v, _)) if format == QuantityFormat::BinarySi && v > u128::from(BINARY_CAP) => {
                (BINARY_CAP, false, true)
            }
            None if format == QuantityFormat::BinarySi => (BINARY_CAP, false, true),
            Some((v, exact)) => match u64::try_from(v) {
                Ok(v) => (v, exact, false),
                Err(_) => {
                    return Err(QuantityError::TooLarge {
                        input: input.to_string(),
                    });
                }
            },
            None => {
                return Err(QuantityError::TooLarge {
                    input: input.to_string(),
                });
            }
        }
    };
    Ok(Quantity {
        negative: negative && magnitude > 0,
        magnitude,
        exact,
        capped,
        format,
        suffix: suffix.to_string(),
    })
}

/// Parses a memory size written as a Kubernetes quantity: [`parse_quantity`], then rejects
/// negative values. Returns bytes; a bare number is accepted as bytes, as Kubernetes accepts it.
pub fn parse_size(input: &str) -> Result<u64, QuantityError> {
    let q = parse_quantity(input)?;
    if q.negative {
        return Err(QuantityError::Negative {
            input: input.to_string(),
        });
    }
    Ok(q.magnitude)
}

/// Parses a memory size that must carry an explicit unit: like [`parse_size`], but a bare
/// number (`"4096"`) is rejected with a "missing unit" error instead of being read as bytes.
/// A decimal exponent (`1e9`) counts as a unit. Returns bytes.
pub fn parse_size_with_unit(input: &str) -> Result<u64, QuantityError> {
    let q = parse_quantity(input)?;
    if q.is_unitless() {
        let exact = format_quantity(q.magnitude);
        let suggestion = if exact != input && !q.negative && q.exact {
            format!("{input}Mi for mebibytes, or {exact} for exactly {input} bytes")
        } else {
            format!("{input}Mi for mebibytes")
        };
        return Err(QuantityError::MissingUnit {
            input: input.to_string(),
            suggestion,
        });
    }
    if q.negative {
        return Err(QuantityError::Negative {
            input: input.to_string(),
        });
    }
    Ok(q.magnitude)
}

/// Writes a byte count in the shortest exact Kubernetes form: a binary suffix (`4Gi`,
/// `1536Mi`), a decimal suffix (`1500M`) or plain bytes (`1234`). On equal length the binary
/// form wins. Values above 2^63 − 1 never get a binary suffix, which Kubernetes would cap.
pub fn format_quantity(bytes: u64) -> String {
    let mut best = bytes.to_string();
    let mut consider = |candidate: String| {
        if candidate.len() < best.len() {
            best = candidate;
        }
    };
    if bytes > 0 && bytes <= BINARY_CAP {
        if let Some((n, s)) = largest_unit(bytes, 1024, &["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]) {
            consider(format!("{n}{s}"));
        }
    }
    if bytes > 0 {
        if let Some((n, s)) = largest_unit(bytes, 1000, &["k", "M", "G", "T", "P", "E"]) {
            consider(format!("{n}{s}"));
        }
    }
    best
}

/// The largest unit `base^k` (k ≥ 1) that divides `bytes`, with the quotient and its suffix.
fn largest_unit(bytes: u64, base: u64, suffixes: &[&'static str]) -> Option<(u64, &'static str)> {
    let mut found = None;
    let mut unit: u64 = 1;
    for s in suffixes {
        unit = match unit.checked_mul(base) {
            Some(u) => u,
            None => break,
        };
        if bytes % unit == 0 {
            found = Some((bytes / unit, *s));
        } else {
            break;
        }
    }
    found
}

fn malformed(input: &str, problem: impl Into<String>) -> QuantityError {
    QuantityError::Malformed {
        input: input.to_string(),
        problem: problem.into(),
    }
}

/// Reads a suffix: (power of ten, power of two, format).
fn interpret_suffix(
    input: &str,
    suffix: &str,
    has_point: bool,
) -> Result<(i64, u32, QuantityFormat), QuantityError> {
    use QuantityFormat::*;
    let fixed = match suffix {
        "" => Some((0, 0, DecimalSi)),
        "n" => Some((-9, 0, DecimalSi)),
        "u" => Some((-6, 0, DecimalSi)),
        "m" => Some((-3, 0, DecimalSi)),
        "k" => Some((3, 0, DecimalSi)),
        "M" => Some((6, 0, DecimalSi)),
        "G" => Some((9, 0, DecimalSi)),
        "T" => Some((12, 0, DecimalSi)),
        "P" => Some((15, 0, DecimalSi)),
        "E" => Some((18, 0, DecimalSi)),
        "Ki" => Some((0, 10, BinarySi)),
        "Mi" => Some((0, 20, BinarySi)),
        "Gi" => Some((0, 30, BinarySi)),
        "Ti" => Some((0, 40, BinarySi)),
        "Pi" => Some((0, 50, BinarySi)),
        "Ei" => Some((0, 60, BinarySi)),
        _ => None,
    };
    if let Some(f) = fixed {
        return Ok(f);
    }
    let first = suffix.as_bytes().first().copied().unwrap_or(b' ');
    if (first == b'e' || first == b'E') && suffix.len() > 1 {
        let rest = &suffix[1..];
        let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(QuantityError::BadExponent {
                input: input.to_string(),
                suffix: suffix.to_string(),
            });
        }
        // Kubernetes reads the exponent as a 64-bit integer; beyond that it is an error.
        return match rest.parse::<i64>() {
            Ok(e) => Ok((e, 0, DecimalExponent)),
            Err(_) => Err(QuantityError::BadExponent {
                input: input.to_string(),
                suffix: suffix.to_string(),
            }),
        };
    }
    if first == b'.' {
        let problem = if has_point {
            "more than one decimal point"
        } else {
            "misplaced decimal point"
        };
        return Err(malformed(input, problem));
    }
    if first == b'+' || first == b'-' {
        return Err(malformed(
            input,
            "a sign may only come first, or after e/E in an exponent",
        ));
    }
    Err(QuantityError::UnknownSuffix {
        input: input.to_string(),
        suffix: suffix.to_string(),
        hint: suffix_hint(suffix),
    })
}

/// A "did you mean" for common misspellings of suffixes (empty if none applies).
fn suffix_hint(suffix: &str) -> String {
    let lower = suffix.to_ascii_lowercase();
    let letter = |c: &str| match c {
        "k" => Some(("k", "Ki")),
        "m" => Some(("M", "Mi")),
        "g" => Some(("G", "Gi")),
        "t" => Some(("T", "Ti")),
        "p" => Some(("P", "Pi")),
        "e" => Some(("E", "Ei")),
        _ => None,
    };
    if lower == "e" {
        return "; an exponent needs digits, such as 1e9".to_string();
    }
    if lower == "b" || lower == "bytes" {
        return "; a bare number already means bytes".to_string();
    }
    // "GiB", "MiB", "GB", "MB", "kB": drop the trailing B.
    if let Some(stem) = lower.strip_suffix('b') {
        if let Some((_, bin)) = stem.strip_suffix('i').and_then(letter) {
            return format!("; drop the B: \"{bin}\"");
        }
        if let Some((dec, bin)) = letter(stem) {
            return format!("; drop the B: \"{dec}\" or \"{bin}\"");
        }
    }
    if let Some((_, bin)) = lower.strip_suffix('i').and_then(letter) {
        return format!("; did you mean \"{bin}\"?");
    }
    if let Some((dec, bin)) = letter(&lower) {
        return format!("; did you mean \"{dec}\" or \"{bin}\"?");
    }
    String::new()
}

/// The smallest whole number ≥ digits × 10^pow10 × 2^pow2, and whether it is exact.
/// `digits` are ASCII digits without leading zeros (not all zero). `None` if the result does
/// not fit in a `u128`.
fn scaled_ceil(digits: &[u8], pow10: i128, pow2: u32) -> Option<(u128, bool)> {
    let len = digits.len() as i128;
    if pow10 >= 0 {
        // The value is at least 10^(len − 1 + pow10); 10^39 exceeds u128::MAX.
        if len - 1 + pow10 >= 39 {
            return None;
        }
        let mut v: u128 = 0;
        for &d in digits {
            v = v.checked_mul(10)?.checked_add(u128::from(d - b'0'))?;
        }
        v = v.checked_mul(10u128.checked_pow(u32::try_from(pow10).ok()?)?)?;
        v = v.checked_mul(1u128.checked_shl(pow2)?)?;
        return Some((v, true));
    }
    // Multiply the decimal digits by 2^pow2 exactly, then drop the last `k` digits.
    let mut d: Vec<u8> = digits.iter().map(|c| c - b'0').collect();
    if pow2 > 0 {
        let factor: u128 = 1u128 << pow2;
        let mut carry: u128 = 0;
        for digit in d.iter_mut().rev() {
            let x = u128::from(*digit) * factor + carry;
            *digit = (x % 10) as u8;
            carry = x / 10;
        }
        let mut head = Vec::new();
        while carry > 0 {
            head.push((carry % 10) as u8);
            carry /= 10;
        }
        head.reverse();
        head.extend_from_slice(&d);
        d = head;
    }
    let k = -pow10;
    let n = d.len() as i128;
    if k >= n {
        // 0 < value < 1: rounds up to 1.
        return Some((1, false));
    }
    let split = (n - k) as usize;
    let exact = d[split..].iter().all(|&x| x == 0);
    let int_part = &d[..split];
    let first_nonzero = int_part.iter().position(|&x| x != 0);
    let mut v: u128 = 0;
    if let Some(start) = first_nonzero {
        if int_part.len() - start > 39 {
            return None;
        }
        for &x in &int_part[start..] {
            v = v.checked_mul(10)?.checked_add(u128::from(x))?;
        }
    }
    if !exact {
        v = v.checked_add(1)?;
    }
    Some((v, exact))
}

/// Why a string is not an Apache Flink `MemorySize`.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FlinkSizeError {
    /// Empty or whitespace only.
    #[error("{input:?} is not a Flink memory size: the text is empty")]
    Empty {
        /// The text as given.
        input: String,
    },
    /// The text does not start with a whole number.
    #[error(
        "{input:?} is not a Flink memory size: it must start with a whole number (such as 2048m or 2g)"
    )]
    NoNumber {
        /// The text as given.
        input: String,
    },
    /// The unit is not one of Flink's.
    #[error(
        "{input:?} is not a Flink memory size: unknown unit {unit:?} (use b, k, m, g or t, or kb, mb, gb, tb; all are powers of 1024)"
    )]
    UnknownUnit {
        /// The text as given.
        input: String,
        /// The unit as Flink sees it (trimmed, lower-cased).
        unit: String,
    },
    /// The number of bytes exceeds 2^63 − 1.
    #[error("{input:?} is too large for a Flink memory size (at most 2^63 − 1 bytes)")]
    TooLarge {
        /// The text as given.
        input: String,
        /// The leading whole number, when it alone exceeds 2^63 − 1 (`None`: the number fits
        /// but the number of bytes does not).
        number: Option<String>,
    },
}

impl FlinkSizeError {
    /// The reason Apache Flink's `MemorySize.parseBytes` gives for this failure, word for word
    /// (Flink wraps it as `Could not parse value '…' for key '…'`).
    pub fn flink_message(&self) -> String {
        match self {
            FlinkSizeError::Empty { .. } => {
                "argument is an empty- or whitespace-only string".to_string()
            }
            FlinkSizeError::NoNumber { .. } => "text does not start with a number".to_string(),
            FlinkSizeError::UnknownUnit { unit, .. } => format!(
                "Memory size unit '{unit}' does not match any of the recognized units: (b | \
                 bytes) / (k | kb | kibibytes) / (m | mb | mebibytes) / (g | gb | gibibytes) / (t \
                 | tb | tebibytes)"
            ),
            FlinkSizeError::TooLarge {
                number: Some(number),
                ..
            } => format!(
                "The value '{number}' cannot be re represented as 64bit number (numeric overflow)."
            ),
            FlinkSizeError::TooLarge {
                input,
                number: None,
            } => format!(
                "The value '{input}' cannot be re represented as 64bit number of bytes (numeric \
                 overflow)."
            ),
        }
    }
}

/// Parses an Apache Flink `MemorySize` (`MemorySize.parse`): surrounding whitespace is
/// ignored; a whole number, optional whitespace, then an optional case-insensitive unit:
/// `b`/`bytes`, `k`/`kb`/`kibibytes`, `m`/`mb`/`mebibytes`, `g`/`gb`/`gibibytes`,
/// `t`/`tb`/`tebibytes`. All units are powers of 1024 (`2000m` is 2000 MiB) and a bare number
/// is bytes. Returns bytes (at most 2^63 − 1). This is the crate's only implementation of the
/// grammar; [`crate::config::flink_keys::parse_flink_memory_size`] wraps it with Flink's messages.
pub fn parse_flink_memory_size(input: &str) -> Result<u64, FlinkSizeError> {
    // Java's String.trim removes every character up to U+0020.
    let trimmed = input.trim_matches(|c: char| c <= ' ');
    if trimmed.is_empty() {
        return Err(FlinkSizeError::Empty {
            input: input.to_string(),
        });
    }
    let end = trimmed
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let number = &trimmed[..end];
    let unit = trimmed[end..]
        .trim_matches(|c: char| c <= ' ')
        .to_lowercase();
    if number.is_empty() {
        return Err(FlinkSizeError::NoNumber {
            input: input.to_string(),
        });
    }
    let value: i64 = number.parse().map_err(|_| FlinkSizeError::TooLarge {
        input: input.to_string(),
        number: Some(number.to_string()),
    })?;
    let multiplier: i64 = match unit.as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        _ => {
            return Err(FlinkSizeError::UnknownUnit {
                input: input.to_string(),
                unit,
            });
        }
    };
    let bytes = value
        .checked_mul(multiplier)
        .ok_or_else(|| FlinkSizeError::TooLarge {
            input: input.to_string(),
            number: None,
        })?;
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> i128 {
        match parse_quantity(s) {
            Ok(q) => q.value(),
            Err(e) => panic!("{s}: unexpected error {e}"),
        }
    }

    fn err(s: &str) -> QuantityError {
        match parse_quantity(s) {
            Ok(q) => panic!("{s}: expected an error, got {q:?}"),
            Err(e) => e,
        }
    }

    const KI: i128 = 1 << 10;
    const MI: i128 = 1 << 20;
    const GI: i128 = 1 << 30;
    const TI: i128 = 1 << 40;
    const PI: i128 = 1 << 50;
    const EI: i128 = 1 << 60;

    #[test]
    fn examples_from_the_brief() {
        assert_eq!(v("1.5Gi"), 1_610_612_736);
        assert_eq!(v("2000M"), 2_000_000_000);
        assert_eq!(v("1e9"), 1_000_000_000);
        assert_eq!(v("+1Mi"), 1_048_576);
        assert_eq!(v("0.05Gi"), 53_687_092);
        assert_eq!(v("100m"), 1);
        assert_eq!(v("512Mi"), 512 * MI);
        assert_eq!(v("4Gi"), 4 * GI);
        assert_eq!(v("1.5G"), 1_500_000_000);
    }

    #[test]
    fn every_binary_suffix() {
        for (s, unit) in [
            ("Ki", KI),
            ("Mi", MI),
            ("Gi", GI),
            ("Ti", TI),
            ("Pi", PI),
            ("Ei", EI),
        ] {
            assert_eq!(v(&format!("1{s}")), unit, "1{s}");
            assert_eq!(v(&format!("3{s}")), 3 * unit, "3{s}");
            assert_eq!(v(&format!("0{s}")), 0, "0{s}");
            let q = parse_quantity(&format!("7{s}")).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(q.format, QuantityFormat::BinarySi);
            assert!(q.exact && !q.capped);
        }
        assert_eq!(v("7Ei"), 7 * EI);
    }

    #[test]
    fn every_decimal_suffix() {
        for (s, unit) in [
            ("", 1i128),
            ("k", 1_000),
            ("M", 1_000_000),
            ("G", 1_000_000_000),
            ("T", 1_000_000_000_000),
            ("P", 1_000_000_000_000_000),
            ("E", 1_000_000_000_000_000_000),
        ] {
            assert_eq!(v(&format!("1{s}")), unit, "1{s}");
            assert_eq!(v(&format!("9{s}")), 9 * unit, "9{s}");
            let q = parse_quantity(&format!("9{s}")).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(q.format, QuantityFormat::DecimalSi);
        }
        // Sub-unit suffixes round up to a whole unit.
        assert_eq!(v("1m"), 1);
        assert_eq!(v("999m"), 1);
        assert_eq!(v("1000m"), 1);
        assert_eq!(v("1001m"), 2);
        assert_eq!(v("5u"), 1);
        assert_eq!(v("3000000u"), 3);
        assert_eq!(v("7n"), 1);
        assert_eq!(v("2000000000n"), 2);
        assert_eq!(v("0m"), 0);
    }

    #[test]
    fn fractions_round_up_exactly() {
        assert_eq!(v("0.5"), 1);
        assert_eq!(v("1.5"), 2);
        assert_eq!(v("2.0"), 2);
        assert_eq!(v("1."), 1);
        assert_eq!(v(".5"), 1);
        assert_eq!(v(".5Ki"), 512);
        assert_eq!(v("1.G"), 1_000_000_000);
        assert_eq!(v("0.5Mi"), MI / 2);
        assert_eq!(v("1.25Gi"), 5 * GI / 4);
        // 0.1Ki = 102.4 bytes.
        assert_eq!(v("0.1Ki"), 103);
        // 1.001Ki = 1025.024 bytes.
        assert_eq!(v("1.001Ki"), 1026);
        // 0.025Ti = 27487790694.4 bytes.
        assert_eq!(v("0.025Ti"), 27_487_790_695);
        assert_eq!(v("100.035k"), 100_035);
        assert_eq!(v("7.123456M"), 7_123_456);
        assert_eq!(v("6.987654321G"), 6_987_654_321);
        assert_eq!(v("1.0000000001"), 2);
        assert_eq!(v("0.000000000000000000000000000000000001Ei"), 1);
        assert_eq!(v("00012.500Mi"), 12 * MI + MI / 2);
        let q = parse_quantity("0.05Gi").unwrap_or_else(|e| panic!("{e}"));
        assert!(!q.exact);
        let q = parse_quantity("1.5Gi").unwrap_or_else(|e| panic!("{e}"));
        assert!(q.exact);
    }

    #[test]
    fn exponents() {
        assert_eq!(v("1e3"), 1_000);
        assert_eq!(v("1E3"), 1_000);
        assert_eq!(v("1e+3"), 1_000);
        assert_eq!(v("1e03"), 1_000);
        assert_eq!(v("1.5e3"), 1_500);
        assert_eq!(v("15e-1"), 2);
        assert_eq!(v("1e-3"), 1);
        assert_eq!(v("1e0"), 1);
        assert_eq!(v("2E9"), 2_000_000_000);
        assert_eq!(v("12e18"), 12_000_000_000_000_000_000);
        assert_eq!(v("0e99999"), 0);
        // Tiny values round up to one unit, without building huge numbers.
        assert_eq!(v("1e-9000000000000000000"), 1);
        let q = parse_quantity("1E6").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.format, QuantityFormat::DecimalExponent);
        assert_eq!(q.suffix, "E6");
    }

    #[test]
    fn signs() {
        assert_eq!(v("+5"), 5);
        assert_eq!(v("-5"), -5);
        assert_eq!(v("-1.5Gi"), -1_610_612_736);
        assert_eq!(v("-0.5"), -1);
        assert_eq!(v("+.5k"), 500);
        let zero = parse_quantity("-0").unwrap_or_else(|e| panic!("{e}"));
        assert!(!zero.negative);
        assert_eq!(zero.value(), 0);
        assert!(matches!(
            parse_size("-1Gi"),
            Err(QuantityError::Negative { .. })
        ));
        assert_eq!(parse_size("-0Mi"), Ok(0));
        let msg = parse_size("-1Gi").unwrap_err().to_string();
        assert!(msg.contains("negative size"), "{msg}");
    }

    #[test]
    fn very_large_values() {
        // Binary values above 2^63 − 1 are capped, as Kubernetes caps them.
        for s in [
            "8Ei",
            "9Ei",
            "1024Ei",
            "9223372036854775807Ki",
            "99999999999999999999999999999999999999999999Ki",
        ] {
            let q = parse_quantity(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(q.magnitude, i64::MAX as u64, "{s}");
            assert!(q.capped, "{s}");
        }
        let q = parse_quantity("7.99Ei").unwrap_or_else(|e| panic!("{e}"));
        assert!(!q.capped);
        // Decimal values are exact up to 2^64 − 1.
        assert_eq!(v("9223372036854775807"), i64::MAX as i128);
        assert_eq!(v("9223372036854775808"), 1 << 63);
        assert_eq!(v("18446744073709551615"), u64::MAX as i128);
        assert_eq!(v("12E"), 12_000_000_000_000_000_000);
        assert_eq!(v("18.446744073709551615E"), u64::MAX as i128);
        assert_eq!(v("-18446744073709551615"), -(u64::MAX as i128));
        for s in [
            "18446744073709551616",
            "18.446744073709551616E",
            "19E",
            "1e20",
            "1e400",
            "1e9223372036854775807",
            "123456789012345678901234567890123456789012345678901234567890",
        ] {
            assert!(
                matches!(parse_quantity(s), Err(QuantityError::TooLarge { .. })),
                "{s}"
            );
        }
        // An exponent beyond 64 bits is an error in Kubernetes too.
        assert!(matches!(
            err("1e99999999999999999999"),
            QuantityError::BadExponent { .. }
        ));
    }

    #[test]
    fn malformed_inputs_are_errors() {
        assert_eq!(err(""), QuantityError::Empty);
        for s in ["1 Gi", " 1", "1 ", "1\tGi", "4Gi\n"] {
            assert!(matches!(err(s), QuantityError::Whitespace { .. }), "{s:?}");
        }
        for s in ["Gi", ".", "+", "-", "-.", "e3", "+Mi", "--1", "+-1", "aoeu"] {
            assert!(matches!(err(s), QuantityError::Malformed { .. }), "{s:?}");
        }
        for s in ["1.2.3", "1..2", "1+1.0M", "1-1"] {
            assert!(matches!(err(s), QuantityError::Malformed { .. }), "{s:?}");
        }
        for s in [
            "1g", "1GiB", "1K", "1KI", "1gi", "1mi", "1MB", "1b", "1i", ".5i", "0.1am", "1e",
            "1Ki5", "1Gi!", "1µ",
        ] {
            assert!(
                matches!(err(s), QuantityError::UnknownSuffix { .. }),
                "{s:?}: {:?}",
                parse_quantity(s)
            );
        }
        for s in ["1e3.5", "1e+", "1E-", "-3.01e-", "1e1e2", "1ex"] {
            assert!(matches!(err(s), QuantityError::BadExponent { .. }), "{s:?}");
        }
    }

    #[test]
    fn error_messages_say_what_is_wrong_and_what_is_accepted() {
        assert_eq!(
            err("1g").to_string(),
            "\"1g\" is not a Kubernetes quantity: unknown suffix \"g\" (use k, M, G, T, P, E or \
             Ki, Mi, Gi, Ti, Pi, Ei; did you mean \"G\" or \"Gi\"?)"
        );
        let m = err("1GiB").to_string();
        assert!(
            m.contains("unknown suffix \"GiB\"") && m.contains("drop the B: \"Gi\""),
            "{m}"
        );
        let m = err("1GB").to_string();
        assert!(m.contains("drop the B: \"G\" or \"Gi\""), "{m}");
        let m = err("1K").to_string();
        assert!(m.contains("did you mean \"k\" or \"Ki\"?"), "{m}");
        let m = err("1gi").to_string();
        assert!(m.contains("did you mean \"Gi\"?"), "{m}");
        let m = err("1 Gi").to_string();
        assert!(m.contains("whitespace"), "{m}");
        let m = err("Gi").to_string();
        assert!(m.contains("no digits"), "{m}");
        let m = err("1.2.3").to_string();
        assert!(m.contains("more than one decimal point"), "{m}");
        let m = err("1e20").to_string();
        assert!(m.contains("too large"), "{m}");
    }

    #[test]
    fn unit_required_helper() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_quantity("4096").map(|q| q.value()), Ok(4096));
        let e = parse_size_with_unit("4096").unwrap_err();
        assert!(matches!(e, QuantityError::MissingUnit { .. }));
        let m = e.to_string();
        assert!(
            m.contains("missing unit") && m.contains("4096Mi") && m.contains("4Ki"),
            "{m}"
        );
        assert_eq!(parse_size_with_unit("4Gi"), Ok(4 << 30));
        assert_eq!(parse_size_with_unit("1e9"), Ok(1_000_000_000));
        assert_eq!(parse_size_with_unit("2000M"), Ok(2_000_000_000));
        assert!(matches!(
            parse_size_with_unit("-1Gi"),
            Err(QuantityError::Negative { .. })
        ));
        assert!(matches!(
            parse_size_with_unit("1g"),
            Err(QuantityError::UnknownSuffix { .. })
        ));
    }

    #[test]
    fn format_picks_the_shortest_exact_form() {
        assert_eq!(format_quantity(0), "0");
        assert_eq!(format_quantity(1), "1");
        assert_eq!(format_quantity(1000), "1k");
        assert_eq!(format_quantity(1024), "1Ki");
        assert_eq!(format_quantity(4 << 30), "4Gi");
        assert_eq!(format_quantity(1536 << 20), "1536Mi");
        assert_eq!(format_quantity(1_500_000_000), "1500M");
        assert_eq!(format_quantity(1234), "1234");
        assert_eq!(format_quantity(1_024_000), "1024k");
        assert_eq!(format_quantity(125 << 20), "125Mi");
        assert_eq!(format_quantity(2_048_000), "2048k");
        assert_eq!(format_quantity(1 << 60), "1Ei");
        assert_eq!(format_quantity(u64::MAX), "18446744073709551615");
        // 15Ei would be capped by Kubernetes, so it is written in decimal.
        assert_eq!(format_quantity(15 << 60), "17293822569102704640");
    }

    #[test]
    fn format_round_trips_through_parse() {
        let mut x: u64 = 1;
        let mut samples = vec![0, 1, 999, 1000, 1023, 1024, 1025, u64::MAX, i64::MAX as u64];
        for _ in 0..400 {
            // A cheap deterministic spread over many magnitudes and divisibilities.
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let shift = (x >> 58) as u32;
            samples.push((x >> shift) << (shift % 41));
            samples.push(((x >> 40) % 5000) * 1_000_000);
            samples.push(((x >> 40) % 5000) << 20);
        }
        for b in samples {
            let s = format_quantity(b);
            assert_eq!(parse_size(&s), Ok(b), "{b} -> {s}");
        }
    }

    #[test]
    fn matches_a_direct_rational_computation() {
        // value = ceil(n / 10^f × 2^b × 10^d) for short random n, computed directly in u128.
        let suffixes: [(&str, u32, i32); 15] = [
            ("", 0, 0),
            ("Ki", 10, 0),
            ("Mi", 20, 0),
            ("Gi", 30, 0),
            ("Ti", 40, 0),
            ("n", 0, -9),
            ("u", 0, -6),
            ("m", 0, -3),
            ("k", 0, 3),
            ("M", 0, 6),
            ("G", 0, 9),
            ("T", 0, 12),
            ("e2", 0, 2),
            ("E-4", 0, -4),
            ("e+5", 0, 5),
        ];
        let mut x: u64 = 99;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = (x >> 24) % 1_000_000_000_000;
            let f = ((x >> 8) % 8) as u32;
            let (suffix, b, d) = suffixes[((x >> 16) % 15) as usize];
            let digits = format!("{n:0width$}", width = f as usize + 1);
            let (int, frac) = digits.split_at(digits.len() - f as usize);
            let text = if f == 0 {
                format!("{int}{suffix}")
            } else {
                format!("{int}.{frac}{suffix}")
            };
            let num = u128::from(n) << b;
            let scale = d - f as i32;
            let expected = if scale >= 0 {
                num * 10u128.pow(scale as u32)
            } else {
                num.div_ceil(10u128.pow((-scale) as u32))
            };
            let got = parse_quantity(&text);
            if b > 0 && expected > i64::MAX as u128 {
                assert_eq!(
                    got.map(|q| (q.value(), q.capped)),
                    Ok((i64::MAX as i128, true))
                );
            } else if expected > u128::from(u64::MAX) {
                assert!(matches!(got, Err(QuantityError::TooLarge { .. })), "{text}");
            } else {
                assert_eq!(got.map(|q| q.value()), Ok(expected as i128), "{text}");
            }
        }
    }

    #[test]
    fn flink_memory_sizes_use_binary_units() {
        let f = |s: &str| parse_flink_memory_size(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(f("2048m"), 2048 << 20);
        assert_eq!(f("2000M"), 2000 << 20);
        assert_eq!(f("1g"), 1 << 30);
        assert_eq!(f("1G"), 1 << 30);
        assert_eq!(f("1728 mb"), 1728 << 20);
        assert_eq!(f("  64 kb "), 64 << 10);
        assert_eq!(f("3t"), 3 << 40);
        assert_eq!(f("4096"), 4096);
        assert_eq!(f("10 bytes"), 10);
        assert_eq!(f("2 Gibibytes"), 2 << 30);
        assert_eq!(f("0"), 0);
        assert!(matches!(
            parse_flink_memory_size("2Gi"),
            Err(FlinkSizeError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_flink_memory_size("1.5g"),
            Err(FlinkSizeError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_flink_memory_size("g"),
            Err(FlinkSizeError::NoNumber { .. })
        ));
        assert!(matches!(
            parse_flink_memory_size("-1g"),
            Err(FlinkSizeError::NoNumber { .. })
        ));
        assert!(matches!(
            parse_flink_memory_size("  "),
            Err(FlinkSizeError::Empty { .. })
        ));
        assert!(matches!(
            parse_flink_memory_size("8388608t"),
            Err(FlinkSizeError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_flink_memory_size("99999999999999999999"),
            Err(FlinkSizeError::TooLarge { .. })
        ));
    }
}
