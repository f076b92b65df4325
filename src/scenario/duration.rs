//! Durations written with explicit units (`90s`, `10m`, `1.5h`, `1h30m`, `500ms`, `2d`), read
//! exactly into whole nanoseconds, and written back in the same notation.
//!
//! Grammar: one or more `number unit` pairs with nothing between them, units from largest to
//! smallest, each unit at most once. A number is `digits`, `digits.digits`, `digits.` or
//! `.digits`; a leading `+` is allowed. Units: `d` (24 h), `h`, `m` (minute), `s`, `ms`,
//! `us` (also `µs`), `ns`. A fraction finer than a nanosecond is rounded to the nearest
//! nanosecond (halves up). The largest duration is 2^64 − 1 ns (about 584 years).

use std::time::Duration;
use thiserror::Error;

const NS_PER_US: u128 = 1_000;
const NS_PER_MS: u128 = 1_000_000;
const NS_PER_S: u128 = 1_000_000_000;
const NS_PER_M: u128 = 60 * NS_PER_S;
const NS_PER_H: u128 = 60 * NS_PER_M;
const NS_PER_D: u128 = 24 * NS_PER_H;

/// The accepted units, largest first, with their length in nanoseconds.
const UNITS: [(&str, u128); 8] = [
    ("d", NS_PER_D),
    ("h", NS_PER_H),
    ("m", NS_PER_M),
    ("s", NS_PER_S),
    ("ms", NS_PER_MS),
    ("us", NS_PER_US),
    ("µs", NS_PER_US),
    ("ns", 1),
];

/// Why a string is not a duration.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The string is empty.
    #[error(
        "\"\" is not a duration: the text is empty (write a number and a unit, such as 90s or 10m)"
    )]
    Empty,
    /// The string contains whitespace.
    #[error("{input:?} is not a duration: it contains whitespace (write 1h30m, not 1h 30m)")]
    Whitespace {
        /// The text as given.
        input: String,
    },
    /// A leading minus sign.
    #[error("{input:?} is not a duration: durations cannot be negative")]
    Negative {
        /// The text as given.
        input: String,
    },
    /// A number without a unit.
    #[error(
        "{input:?} is not a duration: {number:?} has no unit (missing unit; write {number}s, {number}m, {number}h or {number}ms)"
    )]
    MissingUnit {
        /// The text as given.
        input: String,
        /// The number that lacks a unit.
        number: String,
    },
    /// A unit that is not accepted.
    #[error(
        "{input:?} is not a duration: unknown unit {unit:?} (use d, h, m, s, ms, us or ns{hint})"
    )]
    UnknownUnit {
        /// The text as given.
        input: String,
        /// The unit as written.
        unit: String,
        /// A suggestion, or empty.
        hint: String,
    },
    /// A unit where a number was expected, two points in a number, or a misplaced sign.
    #[error("{input:?} is not a duration: {problem}")]
    Malformed {
        /// The text as given.
        input: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Units out of order or repeated (`30m1h`, `1m1m`).
    #[error(
        "{input:?} is not a duration: unit {unit:?} after {previous:?} (write units from largest to smallest, each once, such as 1h30m)"
    )]
    UnitOrder {
        /// The text as given.
        input: String,
        /// The unit out of place.
        unit: String,
        /// The unit before it.
        previous: String,
    },
    /// More than 2^64 − 1 nanoseconds.
    #[error("{input:?} is too long: durations are limited to about 584 years (2^64 − 1 ns)")]
    TooLong {
        /// The text as given.
        input: String,
    },
}

/// Parses a duration with explicit units (`90s`, `10m`, `24h`, `500ms`, `1.5h`, `2d`, `1h30m`,
/// `100us`, `250ns`). Unit-less numbers, negative values and unknown units are errors.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let nanos = parse_duration_nanos(input)?;
    Ok(Duration::from_nanos(nanos))
}

/// Like [`parse_duration`], but returns whole nanoseconds.
pub fn parse_duration_nanos(input: &str) -> Result<u64, DurationError> {
    if input.is_empty() {
        return Err(DurationError::Empty);
    }
    let own = || input.to_string();
    if input.chars().any(char::is_whitespace) {
        return Err(DurationError::Whitespace { input: own() });
    }
    let mut rest = input;
    if rest.starts_with('-') {
        return Err(DurationError::Negative { input: own() });
    }
    if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    let mut total: u128 = 0;
    let mut previous: Option<(&str, usize)> = None;
    while !rest.is_empty() {
        // Number.
        let int_end = rest
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(rest.len());
        let int_digits = &rest[..int_end];
        let mut after = &rest[int_end..];
        let mut frac_digits = "";
        if let Some(r) = after.strip_prefix('.') {
            let frac_end = r
                .bytes()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(r.len());
            frac_digits = &r[..frac_end];
            after = &r[frac_end..];
        }
        let number = &rest[..rest.len() - after.len()];
        if int_digits.is_empty() && frac_digits.is_empty() {
            let problem = if rest.starts_with(['+', '-']) {
                "a sign may only come first".to_string()
            } else if rest.starts_with('.') {
                "a decimal point needs digits".to_string()
            } else if previous.is_none() {
                format!("it must start with a number, such as 90s (found {rest:?})")
            } else {
                format!("expected a number after the unit, found {rest:?}")
            };
            return Err(DurationError::Malformed {
                input: own(),
                problem,
            });
        }
        // Unit: the letters up to the next digit, point or sign.
        let unit_end = after
            .char_indices()
            .find(|&(_, c)| c.is_ascii_digit() || c == '.' || c == '+' || c == '-')
            .map_or(after.len(), |(i, _)| i);
        let unit = &after[..unit_end];
        if unit.is_empty() {
            if after.starts_with('.') {
                return Err(DurationError::Malformed {
                    input: own(),
                    problem: "more than one decimal point in a number".to_string(),
                });
            }
            if after.is_empty() {
                return Err(DurationError::MissingUnit {
                    input: own(),
                    number: number.to_string(),
                });
            }
            return Err(DurationError::Malformed {
                input: own(),
                problem: "a sign may only come first".to_string(),
            });
        }
        let Some(rank) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(DurationError::UnknownUnit {
                input: own(),
                unit: unit.to_string(),
                hint: unit_hint(unit),
            });
        };
        // "us" and "µs" share a rank.
        let order = if rank == 6 { 5 } else { rank };
        if let Some((prev_unit, prev_order)) = previous {
            if order <= prev_order {
                return Err(DurationError::UnitOrder {
                    input: own(),
                    unit: unit.to_string(),
                    previous: prev_unit.to_string(),
                });
            }
        }
        previous = Some((unit, order));
        let unit_ns = UNITS[rank].1;
        let part = component_nanos(int_digits, frac_digits, unit_ns)
            .ok_or_else(|| DurationError::TooLong { input: own() })?;
        total = total
            .checked_add(part)
            .ok_or_else(|| DurationError::TooLong { input: own() })?;
        rest = &after[unit_end..];
    }
    u64::try_from(total).map_err(|_| DurationError::TooLong { input: own() })
}

/// `int.frac × unit_ns`, rounded to the nearest nanosecond (halves up); `None` on overflow.
/// Exact for any number of digits: the decimal digits are multiplied by `unit_ns` one by one.
fn component_nanos(int_digits: &str, frac_digits: &str, unit_ns: u128) -> Option<u128> {
    let mut digits: Vec<u8> = int_digits
        .bytes()
        .chain(frac_digits.bytes())
        .map(|b| b - b'0')
        .collect();
    let mut carry: u128 = 0;
    for d in digits.iter_mut().rev() {
        let x = u128::from(*d) * unit_ns + carry;
        *d = (x % 10) as u8;
        carry = x / 10;
    }
    let mut product = Vec::new();
    while carry > 0 {
        product.push((carry % 10) as u8);
        carry /= 10;
    }
    product.reverse();
    product.extend_from_slice(&digits);
    // The last frac_digits.len() digits are below one nanosecond.
    let split = product.len() - frac_digits.len();
    let mut ns: u128 = 0;
    let int_part = &product[..split];
    let start = int_part
        .iter()
        .position(|&d| d != 0)
        .unwrap_or(int_part.len());
    if int_part.len() - start > 39 {
        return None;
    }
    for &d in &int_part[start..] {
        ns = ns.checked_mul(10)?.checked_add(u128::from(d))?;
    }
    if product.get(split).is_some_and(|&d| d >= 5) {
        ns = ns.checked_add(1)?;
    }
    Some(ns)
}

fn unit_hint(unit: &str) -> String {
    let suggestion = match unit {
        "sec" | "secs" | "second" | "seconds" | "S" => "s",
        "min" | "mins" | "minute" | "minutes" => "m",
        "hr" | "hrs" | "hour" | "hours" | "H" => "h",
        "day" | "days" | "D" => "d",
        "msec" | "millis" | "MS" | "Ms" => "ms",
        "μs" | "usec" | "micros" => "us",
        "nsec" | "nanos" => "ns",
        "M" => return "; m means minutes; months are not supported".to_string(),
        "w" | "week" | "weeks" => return "; weeks are not supported: write 7d".to_string(),
        _ => return String::new(),
    };
    format!("; did you mean {suggestion:?}?")
}

/// Writes a duration in the notation [`parse_duration`] reads, exactly: days, hours and minutes
/// as whole units, then seconds with a decimal fraction (`1d2h`, `1h30m`, `1m30s`, `1.5s`);
/// durations under a second use `ms`, `us` or `ns` (`500ms`, `1.5ms`, `250ns`); zero is `0s`.
pub fn format_duration(d: Duration) -> String {
    format_nanos(d.as_nanos())
}

fn format_nanos(total: u128) -> String {
    if total == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    if total < NS_PER_S {
        for (unit, ns) in [("ms", NS_PER_MS), ("us", NS_PER_US), ("ns", 1)] {
            if total >= ns {
                push_decimal(&mut out, total, ns);
                out.push_str(unit);
                return out;
            }
        }
    }
    let mut rest = total;
    for (unit, ns) in [("d", NS_PER_D), ("h", NS_PER_H), ("m", NS_PER_M)] {
        if rest >= ns {
            out.push_str(&(rest / ns).to_string());
            out.push_str(unit);
            rest %= ns;
        }
    }
    if rest > 0 {
        push_decimal(&mut out, rest, NS_PER_S);
        out.push('s');
    }
    out
}

/// Appends `value / unit` as a decimal without trailing zeros.
fn push_decimal(out: &mut String, value: u128, unit: u128) {
    out.push_str(&(value / unit).to_string());
    let frac = value % unit;
    if frac > 0 {
        let width = unit.to_string().len() - 1;
        let digits = format!("{frac:0width$}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> u64 {
        parse_duration_nanos(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    const S: u64 = 1_000_000_000;

    #[test]
    fn examples_from_the_brief() {
        assert_eq!(ns("90s"), 90 * S);
        assert_eq!(ns("10m"), 600 * S);
        assert_eq!(ns("24h"), 86_400 * S);
        assert_eq!(ns("500ms"), S / 2);
        assert_eq!(ns("1.5h"), 5_400 * S);
        assert_eq!(ns("2d"), 172_800 * S);
        assert_eq!(ns("1h30m"), 5_400 * S);
        assert_eq!(ns("100us"), 100_000);
        assert_eq!(ns("250ns"), 250);
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5_400)));
    }

    #[test]
    fn compound_and_fractional_forms() {
        assert_eq!(ns("1d2h3m4s5ms6us7ns"), 93_784 * S + 5_006_007);
        assert_eq!(ns("1µs"), 1_000);
        assert_eq!(ns("0.5s"), S / 2);
        assert_eq!(ns(".5s"), S / 2);
        assert_eq!(ns("1.s"), S);
        assert_eq!(ns("+5s"), 5 * S);
        assert_eq!(ns("0s"), 0);
        assert_eq!(ns("1h0.5s"), 3_600 * S + S / 2);
        assert_eq!(ns("0.1ns"), 0);
        assert_eq!(ns("0.5ns"), 1);
        assert_eq!(ns("1.0000000004s"), S);
        assert_eq!(ns("1.0000000005s"), S + 1);
        assert_eq!(ns("0.333333333333333333333333333333m"), 20 * S);
        // 0.4999999999…9 ns rounds down however many digits follow.
        assert_eq!(ns("0.49999999999999999999999999999999999999999ns"), 0);
        assert_eq!(ns("0.000000000500000000000000000000000000001s"), 1);
        assert_eq!(ns("18446744073709551615ns"), u64::MAX);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        let e = parse_duration("90").unwrap_err();
        assert!(matches!(e, DurationError::MissingUnit { .. }));
        assert!(e.to_string().contains("missing unit"), "{e}");
        assert!(matches!(
            parse_duration("1h30"),
            Err(DurationError::MissingUnit { .. })
        ));
        let e = parse_duration("-5s").unwrap_err();
        assert!(matches!(e, DurationError::Negative { .. }), "{e}");
        assert!(e.to_string().contains("negative"));
        let e = parse_duration("5sec").unwrap_err();
        assert!(matches!(e, DurationError::UnknownUnit { .. }));
        assert!(e.to_string().contains("did you mean \"s\"?"), "{e}");
        assert!(matches!(
            parse_duration("5x"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(
            parse_duration("1M")
                .unwrap_err()
                .to_string()
                .contains("months")
        );
        assert!(matches!(
            parse_duration("1h 30m"),
            Err(DurationError::Whitespace { .. })
        ));
        assert!(matches!(
            parse_duration("30m1h"),
            Err(DurationError::UnitOrder { .. })
        ));
        assert!(matches!(
            parse_duration("1m1m"),
            Err(DurationError::UnitOrder { .. })
        ));
        assert!(matches!(
            parse_duration("1us1µs"),
            Err(DurationError::UnitOrder { .. })
        ));
        for s in ["s", "h1", "1.2.3s", "1s-2s", "+-1s", ".s", "1s+"] {
            assert!(
                matches!(parse_duration(s), Err(DurationError::Malformed { .. })),
                "{s}: {:?}",
                parse_duration(s)
            );
        }
        assert!(matches!(
            parse_duration("18446744073709551616ns"),
            Err(DurationError::TooLong { .. })
        ));
        assert!(matches!(
            parse_duration("999999999999999999999999999999999999999999d"),
            Err(DurationError::TooLong { .. })
        ));
    }

    #[test]
    fn format_is_exact_and_round_trips() {
        let f = |n: u64| format_duration(Duration::from_nanos(n));
        assert_eq!(f(0), "0s");
        assert_eq!(f(90 * S), "1m30s");
        assert_eq!(f(5_400 * S), "1h30m");
        assert_eq!(f(172_800 * S), "2d");
        assert_eq!(f(S / 2), "500ms");
        assert_eq!(f(1_500_000), "1.5ms");
        assert_eq!(f(100_000), "100us");
        assert_eq!(f(250), "250ns");
        assert_eq!(f(3 * S / 2), "1.5s");
        assert_eq!(f(3_600 * S + 1), "1h0.000000001s");
        let mut x: u64 = 7;
        for _ in 0..500 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = x >> (x % 64);
            assert_eq!(ns(&f(n)), n, "{n} -> {}", f(n));
        }
        assert_eq!(ns(&f(u64::MAX)), u64::MAX);
    }
}
