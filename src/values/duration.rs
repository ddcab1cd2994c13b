//! Durations as Docker and compose take them: `30s`, `1m30s`, `500ms`, `1h`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Units a duration may use, longest first where one is a prefix of another, with their
/// length in nanoseconds.
const UNITS: [(&str, u128); 6] = [
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
];

/// Why a text is not a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// Nothing was written.
    Empty,
    /// A unit without a number before it, or a character that is neither.
    NumberExpected,
    /// A number without a unit after it.
    UnitExpected,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DurationError::Empty => "the duration is empty",
            DurationError::NumberExpected => "expected a number",
            DurationError::UnitExpected => "expected a unit (h, m, s, ms, us, ns) after the number",
        })
    }
}

impl std::error::Error for DurationError {}

/// Parses `text` into nanoseconds (saturating on absurd values).
fn nanos(text: &str) -> Result<u128, DurationError> {
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut total: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(DurationError::NumberExpected);
        }
        // More digits than a u128 holds saturate: the value is out of any sensible range anyway.
        let n: u128 = rest[..digits].parse().unwrap_or(u128::MAX);
        rest = &rest[digits..];
        let (unit, size) = UNITS
            .into_iter()
            .find(|(u, _)| rest.starts_with(u))
            .ok_or(DurationError::UnitExpected)?;
        total = total.saturating_add(n.saturating_mul(size));
        rest = &rest[unit.len()..];
    }
    Ok(total)
}

/// A duration in a manifest: the text as written (which is what the generated files carry)
/// and what it parsed to. A manifest may hold one that does not parse: deserialization keeps
/// it, so that validation can report it at its line and column together with every other
/// problem, and nothing renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    text: String,
    parsed: Result<u128, DurationError>,
}

impl Duration {
    /// The text as written, e.g. `1m30s`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the text is a duration; the reason when it is not.
    pub fn check(&self) -> Result<(), DurationError> {
        self.parsed.map(|_| ())
    }

    /// Whole seconds, rounded down, at least 1 (what a probe's timeout argument takes). An
    /// invalid duration, which validation refuses before anything renders, counts as 1.
    pub fn whole_secs(&self) -> u64 {
        let secs = self.parsed.unwrap_or(0) / 1_000_000_000;
        u64::try_from(secs).unwrap_or(u64::MAX).max(1)
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Duration, DurationError> {
        let parsed = nanos(text)?;
        Ok(Duration {
            text: text.to_owned(),
            parsed: Ok(parsed),
        })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<&str> for Duration {
    /// Keeps `text` whether or not it parses (see [`Duration::check`]).
    fn from(text: &str) -> Duration {
        Duration {
            text: text.to_owned(),
            parsed: nanos(text),
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Duration::from(text.as_str()))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl schemars::JsonSchema for Duration {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_durations() {
        for (text, secs) in [
            ("30s", 30),
            ("1m30s", 90),
            ("1h", 3600),
            ("500ms", 1),
            ("2500ms", 2),
            ("10us", 1),
            ("1h1m1s", 3661),
        ] {
            let d: Duration = text.parse().unwrap();
            assert_eq!(d.whole_secs(), secs, "{text}");
            assert_eq!(d.as_str(), text);
        }
    }

    #[test]
    fn refuses_what_docker_refuses() {
        for (bad, why) in [
            ("", DurationError::Empty),
            ("30", DurationError::UnitExpected),
            ("5 s", DurationError::UnitExpected),
            ("s", DurationError::NumberExpected),
            ("-5s", DurationError::NumberExpected),
            ("1.5s", DurationError::UnitExpected),
            ("5d", DurationError::UnitExpected),
            ("5sx", DurationError::NumberExpected),
            ("５s", DurationError::NumberExpected),
        ] {
            assert_eq!(bad.parse::<Duration>(), Err(why), "{bad:?}");
            assert_eq!(Duration::from(bad).check(), Err(why), "{bad:?}");
        }
    }

    #[test]
    fn huge_values_saturate_instead_of_wrapping() {
        let d: Duration = "99999999999999999999999999999999999999999h"
            .parse()
            .unwrap();
        assert_eq!(d.whole_secs(), u64::MAX);
    }

    #[test]
    fn deserializes_invalid_text_for_validation_to_report() {
        #[derive(Deserialize)]
        struct T {
            d: Duration,
        }
        let t: T = toml::from_str("d = \"5 s\"").unwrap();
        assert_eq!(t.d.as_str(), "5 s");
        assert_eq!(t.d.check(), Err(DurationError::UnitExpected));
        let t: T = toml::from_str("d = \"1m\"").unwrap();
        assert_eq!(t.d.whole_secs(), 60);
    }
}
