//! Apache Flink's `MemorySize` semantics on plain `u64` byte counts: the Java `long` range, exact
//! decimal multiplication by a `double` (as `BigDecimal.valueOf(double)` does it), and the text
//! forms that Flink prints in its memory error and log messages.

/// The largest byte count a Flink `MemorySize` can hold: Java's `Long.MAX_VALUE` (2^63 − 1 bytes).
pub const MAX_BYTES: u64 = i64::MAX as u64;

/// The ways Flink's `MemorySize` arithmetic can fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithmeticFailure {
    /// The exact result is larger than [`MAX_BYTES`] (Java's `ArithmeticException("long overflow")`).
    Overflow,
    /// The result would be negative (`MemorySize` rejects negative byte counts).
    Negative,
    /// A multiplier was negative or not a number.
    BadMultiplier,
}

/// `a + b` with Java's `Math.addExact` semantics on the `MemorySize` range.
pub fn add(a: u64, b: u64) -> Result<u64, ArithmeticFailure> {
    match a.checked_add(b) {
        Some(s) if s <= MAX_BYTES => Ok(s),
        _ => Err(ArithmeticFailure::Overflow),
    }
}

/// `a − b`, failing where Flink's `MemorySize` would (a negative result).
pub fn subtract(a: u64, b: u64) -> Result<u64, ArithmeticFailure> {
    a.checked_sub(b).ok_or(ArithmeticFailure::Negative)
}

/// Flink's `MemorySize.multiply(double)`: the exact product of `bytes` and the decimal number
/// `BigDecimal.valueOf(multiplier)` (the shortest decimal string that round-trips the double),
/// truncated toward zero. Fails if the exact product exceeds [`MAX_BYTES`].
///
/// Example: `multiply(1342177280, f64::from(0.4f32))` is 536870920, not 536870912, because the
/// widened float is 0.4000000059604645.
pub fn multiply(bytes: u64, multiplier: f64) -> Result<u64, ArithmeticFailure> {
    if multiplier.is_nan() || multiplier.is_infinite() || multiplier < 0.0 {
        return Err(ArithmeticFailure::BadMultiplier);
    }
    let dec = ShortestDecimal::of(multiplier);
    let mut mantissa: u128 = 0;
    for &d in &dec.digits {
        mantissa = mantissa * 10 + u128::from(d);
    }
    // value = mantissa × 10^scale
    let scale = dec.exponent - (dec.digits.len() as i32 - 1);
    let product = u128::from(bytes) * mantissa; // < 2^63 × 10^17 < 2^120
    let (whole, has_fraction) = if scale >= 0 {
        let mut p = product;
        for _ in 0..scale {
            p = p.checked_mul(10).ok_or(ArithmeticFailure::Overflow)?;
        }
        (p, false)
    } else {
        let k = (-scale) as u32;
        match 10u128.checked_pow(k) {
            Some(p10) => (product / p10, product % p10 != 0),
            // 10^k > 2^127 > product: the result truncates to zero.
            None => (0, product != 0),
        }
    };
    let max = u128::from(MAX_BYTES);
    if whole > max || (whole == max && has_fraction) {
        return Err(ArithmeticFailure::Overflow);
    }
    Ok(whole as u64)
}

/// Flink's `MemorySize.toHumanReadableString()`: `"<n> bytes"` up to 1 KiB, otherwise the value in
/// the largest unit it strictly exceeds, with three decimals, and the exact bytes:
/// `3.000gb (3221225472 bytes)`, `1024.000mb (1073741824 bytes)` (1 GiB is not *above* 1 GiB).
pub fn human_readable(bytes: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (1, "bytes"),
        (1 << 10, "kb"),
        (1 << 20, "mb"),
        (1 << 30, "gb"),
        (1 << 40, "tb"),
    ];
    let (multiplier, unit) = UNITS
        .iter()
        .rev()
        .find(|(m, _)| bytes > *m)
        .copied()
        .unwrap_or(UNITS[0]);
    if multiplier == 1 {
        format!("{bytes} bytes")
    } else {
        let approximate = bytes as f64 / multiplier as f64;
        format!("{}{unit} ({bytes} bytes)", java_fixed(approximate, 3))
    }
}

/// Java's `Double.toString(double)` (also what `String.valueOf` and `%s` print): plain notation for
/// magnitudes in [10^-3, 10^7), computerized scientific notation (`1.0E-4`) otherwise, always with
/// at least one fractional digit. Digits are the shortest that round-trip.
pub fn java_double_string(d: f64) -> String {
    if d.is_nan() {
        return "NaN".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let sign = if d.is_sign_negative() { "-" } else { "" };
    if d == 0.0 {
        return format!("{sign}0.0");
    }
    let dec = ShortestDecimal::of(d.abs());
    let digits: String = dec.digits.iter().map(|d| char::from(b'0' + d)).collect();
    let magnitude = d.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let point = dec.exponent + 1;
        if point <= 0 {
            let zeros = "0".repeat((-point) as usize);
            format!("{sign}0.{zeros}{digits}")
        } else {
            let point = point as usize;
            if digits.len() <= point {
                let zeros = "0".repeat(point - digits.len());
                format!("{sign}{digits}{zeros}.0")
            } else {
                format!("{sign}{}.{}", &digits[..point], &digits[point..])
            }
        }
    } else {
        let tail = if digits.len() > 1 { &digits[1..] } else { "0" };
        format!("{sign}{}.{tail}E{}", &digits[..1], dec.exponent)
    }
}

/// Java's `String.format("%.<places>f", d)` for a finite non-negative double: the shortest decimal
/// digits of `d` rounded HALF_UP to `places` decimals.
pub fn java_fixed(d: f64, places: u32) -> String {
    if !d.is_finite() {
        return java_double_string(d);
    }
    let negative = d.is_sign_negative() && d != 0.0;
    let dec = ShortestDecimal::of(d.abs());
    let mut digits = dec.digits;
    let mut point = dec.exponent + 1;
    if point <= 0 {
        let mut padded = vec![0u8; (1 - point) as usize];
        padded.extend_from_slice(&digits);
        digits = padded;
        point = 1;
    }
    let keep = (point + places as i32) as usize;
    let round_up = digits.len() > keep && digits[keep] >= 5;
    digits.resize(keep, 0);
    if round_up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                point += 1;
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let point = point as usize;
    let int_part: String = digits[..point]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect::<String>()
        .trim_start_matches('0')
        .to_string();
    let int_part = if int_part.is_empty() {
        "0".to_string()
    } else {
        int_part
    };
    let frac: String = digits[point..]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    let sign = if negative { "-" } else { "" };
    if places == 0 {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac}")
    }
}

/// The shortest decimal that round-trips a finite non-negative double: `d1.d2d3… × 10^exponent`.
struct ShortestDecimal {
    /// Decimal digits, most significant first (a single 0 for zero).
    digits: Vec<u8>,
    /// Power of ten of the first digit.
    exponent: i32,
}

impl ShortestDecimal {
    fn of(d: f64) -> ShortestDecimal {
        // Rust's `{:e}` prints the shortest round-trip digits, e.g. "1.0000000149011612e-1".
        let text = format!("{:e}", d.abs());
        let (mantissa, exponent) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        let digits: Vec<u8> = mantissa
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        ShortestDecimal {
            digits: if digits.is_empty() { vec![0] } else { digits },
            exponent: exponent.parse().unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_widen_to_their_shortest_double_strings() {
        assert_eq!(java_double_string(f64::from(0.1f32)), "0.10000000149011612");
        assert_eq!(java_double_string(f64::from(0.4f32)), "0.4000000059604645");
        assert_eq!(java_double_string(f64::from(0.2f32)), "0.20000000298023224");
        assert_eq!(java_double_string(f64::from(0.5f32)), "0.5");
        assert_eq!(java_double_string(1.0), "1.0");
        assert_eq!(java_double_string(-0.1f32 as f64), "-0.10000000149011612");
        assert_eq!(java_double_string(1e-4), "1.0E-4");
        assert_eq!(java_double_string(12345678.0), "1.2345678E7");
        assert_eq!(java_double_string(100.0), "100.0");
        assert_eq!(java_double_string(0.0), "0.0");
    }

    #[test]
    fn inverse_fractions_match_flink() {
        let f = f64::from(0.1f32);
        assert_eq!(java_double_string(f / (1.0 - f)), "0.11111111295076065");
        let f = f64::from(0.2f32);
        assert_eq!(java_double_string(f / (1.0 - f)), "0.2500000046566129");
    }

    #[test]
    fn multiply_is_exact_decimal_then_truncated() {
        // 1280 MiB × 0.4000000059604645 = 536870920.0000...; × 0.10000000149011612 = 134217730.0...
        assert_eq!(multiply(1_342_177_280, f64::from(0.4f32)), Ok(536_870_920));
        assert_eq!(multiply(1_342_177_280, f64::from(0.1f32)), Ok(134_217_730));
        // 1728 MiB × 0.1f = 181193935.2 → truncated.
        assert_eq!(multiply(1_811_939_328, f64::from(0.1f32)), Ok(181_193_935));
        assert_eq!(multiply(7, 0.5), Ok(3));
        assert_eq!(multiply(0, 0.3), Ok(0));
        assert_eq!(multiply(MAX_BYTES, 1.0), Ok(MAX_BYTES));
        assert_eq!(multiply(MAX_BYTES, 1.5), Err(ArithmeticFailure::Overflow));
        assert_eq!(multiply(MAX_BYTES, 1e300), Err(ArithmeticFailure::Overflow));
        assert_eq!(multiply(10, -0.5), Err(ArithmeticFailure::BadMultiplier));
        assert_eq!(multiply(10, 1e-300), Ok(0));
    }

    #[test]
    fn add_and_subtract_follow_java_long_rules() {
        assert_eq!(add(MAX_BYTES, 0), Ok(MAX_BYTES));
        assert_eq!(add(MAX_BYTES, 1), Err(ArithmeticFailure::Overflow));
        assert_eq!(subtract(1, 2), Err(ArithmeticFailure::Negative));
        assert_eq!(subtract(2, 2), Ok(0));
    }

    #[test]
    fn human_readable_matches_memory_size_to_human_readable_string() {
        assert_eq!(human_readable(3 << 30), "3.000gb (3221225472 bytes)");
        assert_eq!(human_readable(4 << 30), "4.000gb (4294967296 bytes)");
        assert_eq!(human_readable(256 << 20), "256.000mb (268435456 bytes)");
        assert_eq!(human_readable(1 << 30), "1024.000mb (1073741824 bytes)");
        assert_eq!(human_readable(1024), "1024 bytes");
        assert_eq!(human_readable(1025), "1.001kb (1025 bytes)");
        assert_eq!(human_readable(0), "0 bytes");
        assert_eq!(human_readable(1), "1 bytes");
        assert_eq!(human_readable(181_193_935), "172.800mb (181193935 bytes)");
        assert_eq!(
            human_readable(MAX_BYTES),
            "8388608.000tb (9223372036854775807 bytes)"
        );
    }

    #[test]
    fn fixed_rounds_half_up_on_shortest_digits() {
        assert_eq!(java_fixed(1.0625, 3), "1.063");
        assert_eq!(java_fixed(0.0005, 3), "0.001");
        assert_eq!(java_fixed(9.9996, 3), "10.000");
        assert_eq!(java_fixed(0.15, 1), "0.2");
        assert_eq!(java_fixed(2.0, 3), "2.000");
        assert_eq!(java_fixed(123456.0, 0), "123456");
    }
}
