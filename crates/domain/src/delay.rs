//! `--processing-delay`: how long the registration service takes per record. A fixed duration
//! (`0s`, `5s`, `1m30s`, `250ms`) or a range (`60s..95s`) from which each record draws its own
//! delay, uniformly, as the real service's take 62 to 95 seconds.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// A delay or a range of delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessingDelay {
    pub min: time::Duration,
    pub max: time::Duration,
}

impl ProcessingDelay {
    pub const fn fixed(d: time::Duration) -> Self {
        ProcessingDelay { min: d, max: d }
    }

    /// The delay of one record: fixed, or drawn from the range by the record's id (uniform over
    /// ids; the same record always gets the same delay).
    pub fn for_record(&self, id: Uuid) -> time::Duration {
        let span = (self.max - self.min).whole_milliseconds();
        if span <= 0 {
            return self.min;
        }
        let bits = u64::from_le_bytes(id.as_bytes()[8..16].try_into().unwrap_or([0; 8]));
        // A multiplicative mix so that neighbouring UUIDv7s spread out.
        let mixed = bits.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
        let offset = u128::from(mixed) % (u128::try_from(span).unwrap_or(0) + 1);
        self.min + time::Duration::milliseconds(i64::try_from(offset).unwrap_or(0))
    }
}

impl Default for ProcessingDelay {
    fn default() -> Self {
        ProcessingDelay::fixed(time::Duration::seconds(5))
    }
}

/// Parses `0s`, `250ms`, `5s`, `10m`, `1m30s`, `2h`.
pub fn parse_duration(text: &str) -> Result<time::Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = time::Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "'{text}' is not a duration (like 0s, 5s, 250ms, 1m30s)"
            ));
        }
        let n: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("'{text}': number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        total += match unit {
            "ms" => time::Duration::milliseconds(n),
            "s" => time::Duration::seconds(n),
            "m" => time::Duration::minutes(n),
            "h" => time::Duration::hours(n),
            _ => {
                return Err(format!(
                    "'{text}': unknown unit '{unit}' (use ms, s, m or h)"
                ));
            }
        };
    }
    Ok(total)
}

impl FromStr for ProcessingDelay {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.split_once("..") {
            Some((a, b)) => {
                let (min, max) = (parse_duration(a)?, parse_duration(b)?);
                if min > max {
                    return Err(format!("'{text}': the range runs backwards"));
                }
                Ok(ProcessingDelay { min, max })
            }
            None => Ok(ProcessingDelay::fixed(parse_duration(text)?)),
        }
    }
}

impl fmt::Display for ProcessingDelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: time::Duration| d.whole_milliseconds();
        if self.min == self.max {
            write!(f, "{}ms", ms(self.min))
        } else {
            write!(f, "{}ms..{}ms", ms(self.min), ms(self.max))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ranges() {
        assert_eq!(
            "0s".parse::<ProcessingDelay>().unwrap(),
            ProcessingDelay::fixed(time::Duration::ZERO)
        );
        assert_eq!(
            "1m30s".parse::<ProcessingDelay>().unwrap().min,
            time::Duration::seconds(90)
        );
        assert_eq!(
            "250ms".parse::<ProcessingDelay>().unwrap().max,
            time::Duration::milliseconds(250)
        );
        let range: ProcessingDelay = "60s..95s".parse().unwrap();
        assert_eq!(
            (range.min, range.max),
            (time::Duration::seconds(60), time::Duration::seconds(95))
        );
        for bad in ["", "5", "s", "5x", "95s..60s", "-5s", "1.5s"] {
            assert!(bad.parse::<ProcessingDelay>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn records_draw_from_the_whole_range() {
        let range: ProcessingDelay = "60s..95s".parse().unwrap();
        let delays: Vec<_> = (0..2000)
            .map(|_| range.for_record(Uuid::now_v7()))
            .collect();
        assert!(delays.iter().all(|d| *d >= range.min && *d <= range.max));
        let low = delays
            .iter()
            .filter(|d| **d < time::Duration::seconds(70))
            .count();
        let high = delays
            .iter()
            .filter(|d| **d > time::Duration::seconds(85))
            .count();
        // About 2/7 of 2000 in each tail; far from empty.
        assert!(low > 400 && high > 400, "{low} {high}");
        let id = Uuid::now_v7();
        assert_eq!(range.for_record(id), range.for_record(id));
    }
}
