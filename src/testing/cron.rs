//! Cron expressions for schedules: five fields in UTC (minute, hour, day of month, month, day of
//! week), names, steps and the `@daily`-style macros, and the next time one fires.
//!
//! Day of month and day of week follow Vixie cron (the cron of Debian and of most crontabs people
//! compare against): when both are restricted, a day matches if either does; a field that begins
//! with `*` (so `*/2` too) counts as unrestricted.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// How far ahead `next_after` looks. Eight years, because a schedule on February 29 may wait
/// that long when a century year is not a leap year (2096 → 2104).
const HORIZON_YEARS: i32 = 8;

const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAY_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DAY_WORDS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTH_WORDS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Days in each month of a leap year: a day of month that fits none of the allowed months can
/// never fire.
const LONGEST_MONTH: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("expected 5 fields (minute hour day month weekday), found {found}")]
    FieldCount { found: usize },
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    #[error(
        "unknown macro \"{0}\": one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually"
    )]
    Macro(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Minute => "minute",
            Kind::Hour => "hour",
            Kind::DayOfMonth => "day of month",
            Kind::Month => "month",
            Kind::DayOfWeek => "day of week",
        }
    }

    /// Bounds as written; day of week accepts 7 for Sunday.
    fn bounds(self) -> (u32, u32) {
        match self {
            Kind::Minute => (0, 59),
            Kind::Hour => (0, 23),
            Kind::DayOfMonth => (1, 31),
            Kind::Month => (1, 12),
            Kind::DayOfWeek => (0, 7),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Kind::Month => &MONTH_NAMES,
            Kind::DayOfWeek => &DAY_NAMES,
            _ => &[],
        }
    }

    fn error(self, message: impl Into<String>) -> CronError {
        CronError::Field {
            field: self.name(),
            message: message.into(),
        }
    }
}

/// One item of a field's list: `*`, `5`, `1-5`, each with an optional `/step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Item {
    start: u32,
    end: u32,
    /// `*` as written, kept for display.
    star: bool,
    /// `a/n` as written (start to the field's end), kept for display.
    open: bool,
    step: u32,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.star {
            f.write_str("*")?;
        } else if self.open || self.start == self.end {
            write!(f, "{}", self.start)?;
        } else {
            write!(f, "{}-{}", self.start, self.end)?;
        }
        if self.step > 1 || (self.open && !self.star) {
            write!(f, "/{}", self.step)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    items: Vec<Item>,
    /// Bit n set when value n matches (day of week: 0..=6, Sunday = 0).
    bits: u64,
}

impl Field {
    fn has(&self, value: u32) -> bool {
        value < 64 && self.bits & (1 << value) != 0
    }

    /// Unrestricted for the day-of-month / day-of-week rule (see the module comment).
    fn starred(&self) -> bool {
        self.items.first().is_some_and(|item| item.star)
    }

    /// The smallest matching value at or after `from`.
    fn next_from(&self, from: u32) -> Option<u32> {
        if from >= 64 {
            return None;
        }
        let rest = self.bits >> from;
        (rest != 0).then(|| from + rest.trailing_zeros())
    }

    fn values(&self) -> impl Iterator<Item = u32> + '_ {
        (0..64).filter(|v| self.has(*v))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    minute: Field,
    hour: Field,
    day_of_month: Field,
    month: Field,
    day_of_week: Field,
}

impl CronSchedule {
    pub fn parse(expr: &str) -> Result<CronSchedule, CronError> {
        let expr = expr.trim();
        let expanded;
        let text = if let Some(name) = expr.strip_prefix('@') {
            expanded = match name.to_ascii_lowercase().as_str() {
                "hourly" => "0 * * * *",
                "daily" | "midnight" => "0 0 * * *",
                "weekly" => "0 0 * * 0",
                "monthly" => "0 0 1 * *",
                "yearly" | "annually" => "0 0 1 1 *",
                _ => return Err(CronError::Macro(expr.to_string())),
            };
            expanded
        } else {
            expr
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day_of_month, month, day_of_week] = parts.as_slice() else {
            return Err(CronError::FieldCount { found: parts.len() });
        };
        Ok(CronSchedule {
            minute: parse_field(Kind::Minute, minute)?,
            hour: parse_field(Kind::Hour, hour)?,
            day_of_month: parse_field(Kind::DayOfMonth, day_of_month)?,
            month: parse_field(Kind::Month, month)?,
            day_of_week: parse_field(Kind::DayOfWeek, day_of_week)?,
        })
    }

    /// Whether the schedule fires at this minute (seconds are ignored).
    pub fn matches(&self, at: DateTime<Utc>) -> bool {
        self.minute.has(at.minute())
            && self.hour.has(at.hour())
            && self.month.has(at.month())
            && self.day_matches(at.date_naive())
    }

    fn day_matches(&self, date: NaiveDate) -> bool {
        let by_month = self.day_of_month.has(date.day());
        let by_week = self.day_of_week.has(date.weekday().num_days_from_sunday());
        if self.day_of_month.starred() || self.day_of_week.starred() {
            by_month && by_week
        } else {
            by_month || by_week
        }
    }

    /// Whether some allowed month has an allowed day of month at all (`0 0 30 2 *` has not).
    fn possible(&self) -> bool {
        if !self.day_of_month.starred() && !self.day_of_week.starred() {
            // Any allowed weekday comes round in every month.
            return true;
        }
        self.month.values().any(|month| {
            let longest = LONGEST_MONTH[(month as usize).saturating_sub(1).min(11)];
            self.day_of_month.values().any(|day| day <= longest)
        })
    }

    /// The first time strictly after `after` (at second 0) that the schedule fires, or `None`
    /// when it never fires within the next eight years.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.possible() {
            return None;
        }
        let start = after
            .naive_utc()
            .with_second(0)?
            .with_nanosecond(0)?
            .checked_add_signed(Duration::minutes(1))?;
        let limit = start.year().checked_add(HORIZON_YEARS)?;
        let mut date = start.date();
        let mut time = Some(start.time());
        // Each turn either returns or moves to the start of a later month or day, so the loop
        // runs at most about one turn per day of the horizon.
        while date.year() <= limit {
            if !self.month.has(date.month()) {
                date = self.next_month_start(date)?;
                time = None;
                continue;
            }
            if !self.day_matches(date) {
                date = date.succ_opt()?;
                time = None;
                continue;
            }
            match self.first_time(time.unwrap_or(NaiveTime::MIN)) {
                Some(found) => return Some(NaiveDateTime::new(date, found).and_utc()),
                None => {
                    date = date.succ_opt()?;
                    time = None;
                }
            }
        }
        None
    }

    /// The first day of the next allowed month after `date`'s month.
    fn next_month_start(&self, date: NaiveDate) -> Option<NaiveDate> {
        match self.month.next_from(date.month() + 1) {
            Some(month) if month <= 12 => NaiveDate::from_ymd_opt(date.year(), month, 1),
            _ => {
                let first = self.month.next_from(1)?;
                NaiveDate::from_ymd_opt(date.year().checked_add(1)?, first, 1)
            }
        }
    }

    /// The first firing time of a matching day at or after `from`.
    fn first_time(&self, from: NaiveTime) -> Option<NaiveTime> {
        let mut hour = self.hour.next_from(from.hour())?;
        let minute_from = if hour == from.hour() {
            from.minute()
        } else {
            0
        };
        let minute = match self.minute.next_from(minute_from) {
            Some(minute) => minute,
            None => {
                hour = self.hour.next_from(hour + 1)?;
                self.minute.next_from(0)?
            }
        };
        NaiveTime::from_hms_opt(hour, minute, 0)
    }

    /// Plain words for lists, e.g. `at 06:30 on Monday to Friday`, `every 15 minutes`.
    pub fn describe(&self) -> String {
        let mut text = self.describe_time();
        let by_month = !self.day_of_month.starred();
        let by_week = !self.day_of_week.starred();
        let month_days = || format!("on day {} of the month", self.day_of_month);
        let week_days = || format!("on {}", describe_named(&self.day_of_week, &DAY_WORDS, 0));
        match (by_month, by_week) {
            (false, false) => {}
            (true, false) => text.push_str(&format!(" {}", month_days())),
            (false, true) => text.push_str(&format!(" {}", week_days())),
            (true, true) => text.push_str(&format!(" {} or {}", month_days(), week_days())),
        }
        if !self.month.starred() {
            text.push_str(&format!(
                " in {}",
                describe_named(&self.month, &MONTH_WORDS, 1)
            ));
        }
        text
    }

    fn describe_time(&self) -> String {
        let single = |field: &Field| match field.items.as_slice() {
            [item] if !item.star && !item.open && item.start == item.end => Some(item.start),
            _ => None,
        };
        let every = |field: &Field| match field.items.as_slice() {
            [item] if item.star => Some(item.step),
            _ => None,
        };
        let hours: Option<Vec<u32>> = self
            .hour
            .items
            .iter()
            .map(|item| (!item.star && !item.open && item.start == item.end).then_some(item.start))
            .collect();
        match (single(&self.minute), every(&self.minute), every(&self.hour)) {
            (Some(minute), _, _) if hours.as_ref().is_some_and(|h| h.len() <= 6) => {
                let times: Vec<String> = hours
                    .unwrap_or_default()
                    .iter()
                    .map(|hour| format!("{hour:02}:{minute:02}"))
                    .collect();
                format!("at {}", times.join(", "))
            }
            (Some(minute), _, Some(1)) => format!("every hour at minute {minute}"),
            (Some(minute), _, Some(step)) => format!("every {step} hours at minute {minute}"),
            (None, Some(1), Some(1)) => "every minute".to_string(),
            (None, Some(step), Some(1)) => format!("every {step} minutes"),
            _ => format!("at minute {} of hour {}", self.minute, self.hour),
        }
    }
}

/// A month or weekday field in words where it is a plain list or range, else as written.
fn describe_named(field: &Field, words: &[&str], first: u32) -> String {
    let word = |value: u32| {
        let index = if words.len() == 7 {
            value % 7
        } else {
            value - first
        };
        words.get(index as usize).copied().unwrap_or("?")
    };
    let mut parts = Vec::new();
    for item in &field.items {
        if item.step > 1 || item.star || item.open {
            return field.to_string();
        }
        if item.start == item.end {
            parts.push(word(item.start).to_string());
        } else {
            parts.push(format!("{} to {}", word(item.start), word(item.end)));
        }
    }
    parts.join(", ")
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {}",
            self.minute, self.hour, self.day_of_month, self.month, self.day_of_week
        )
    }
}

impl std::str::FromStr for CronSchedule {
    type Err = CronError;

    fn from_str(text: &str) -> Result<Self, CronError> {
        CronSchedule::parse(text)
    }
}

fn parse_field(kind: Kind, text: &str) -> Result<Field, CronError> {
    let mut items = Vec::new();
    let mut bits = 0u64;
    for part in text.split(',') {
        if part.is_empty() {
            return Err(kind.error(format!("\"{text}\" has an empty list item")));
        }
        let item = parse_item(kind, part)?;
        let mut value = item.start;
        while value <= item.end {
            // Sunday may be written 7 but is stored as 0.
            let bit = if kind == Kind::DayOfWeek {
                value % 7
            } else {
                value
            };
            bits |= 1 << bit;
            value += item.step;
        }
        items.push(item);
    }
    Ok(Field { items, bits })
}

fn parse_item(kind: Kind, text: &str) -> Result<Item, CronError> {
    let (low, high) = kind.bounds();
    let (range, step) = match text.split_once('/') {
        Some((range, step)) => {
            let step: u32 = step.parse().map_err(|_| {
                kind.error(format!(
                    "step \"{step}\" in \"{text}\" is not a whole number"
                ))
            })?;
            if step == 0 || step > high {
                return Err(kind.error(format!("step {step} in \"{text}\" must be 1 to {high}")));
            }
            (range, Some(step))
        }
        None => (text, None),
    };
    if range == "*" {
        return Ok(Item {
            start: low,
            // `*` in day of week means 0-6: 7 would only repeat Sunday.
            end: if kind == Kind::DayOfWeek { 6 } else { high },
            star: true,
            open: false,
            step: step.unwrap_or(1),
        });
    }
    let (start, end, open) = match range.split_once('-') {
        Some((a, b)) => {
            let start = parse_value(kind, a)?;
            let mut end = parse_value(kind, b)?;
            // `fri-sun`: Sunday closes a range as 7.
            if kind == Kind::DayOfWeek && end == 0 && start > 0 {
                end = 7;
            }
            if start > end {
                return Err(kind.error(format!("range \"{range}\" goes backwards")));
            }
            (start, end, false)
        }
        None => {
            let value = parse_value(kind, range)?;
            match step {
                Some(_) => (value, high, true),
                None => (value, value, false),
            }
        }
    };
    Ok(Item {
        start,
        end,
        star: false,
        open,
        step: step.unwrap_or(1),
    })
}

fn parse_value(kind: Kind, text: &str) -> Result<u32, CronError> {
    let (low, high) = kind.bounds();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(value) if (low..=high).contains(&value) => Ok(value),
            _ => Err(kind.error(format!("{text} is out of range {low}-{high}"))),
        };
    }
    let lower = text.to_ascii_lowercase();
    if let Some(index) = kind.names().iter().position(|name| *name == lower) {
        let first = if kind == Kind::Month { 1 } else { 0 };
        return Ok(index as u32 + first);
    }
    let what = match kind {
        Kind::Month => "a number or a month name",
        Kind::DayOfWeek => "a number or a day name",
        _ => "a number",
    };
    Err(kind.error(format!("\"{text}\" is not {what}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn next(expr: &str, after: &str) -> Option<String> {
        CronSchedule::parse(expr)
            .unwrap()
            .next_after(at(after))
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ %a").to_string())
    }

    fn error(expr: &str) -> String {
        CronSchedule::parse(expr).unwrap_err().to_string()
    }

    fn norm(expr: &str) -> String {
        CronSchedule::parse(expr).unwrap().to_string()
    }

    #[test]
    fn every_syntax_form_parses_and_normalises() {
        assert_eq!(norm("*  * * * *"), "* * * * *");
        assert_eq!(norm(" 5 4 3 2 1 "), "5 4 3 2 1");
        assert_eq!(norm("0-10 1-5 * * *"), "0-10 1-5 * * *");
        assert_eq!(norm("1,2,30 0 1,15 * *"), "1,2,30 0 1,15 * *");
        assert_eq!(norm("*/15 */2 * * *"), "*/15 */2 * * *");
        assert_eq!(norm("10-50/20 * * * *"), "10-50/20 * * * *");
        assert_eq!(norm("5/10 * * * *"), "5/10 * * * *");
        assert_eq!(norm("*/1 * * * *"), "* * * * *");
        assert_eq!(norm("0 0 * JAN,jul Mon-FRI"), "0 0 * 1,7 1-5");
        assert_eq!(norm("0 0 * * fri-sun"), "0 0 * * 5-7");
        assert_eq!(norm("0 0 * * 7"), "0 0 * * 7");
        assert_eq!(norm("@hourly"), "0 * * * *");
        assert_eq!(norm("@daily"), "0 0 * * *");
        assert_eq!(norm("@MIDNIGHT"), "0 0 * * *");
        assert_eq!(norm("@weekly"), "0 0 * * 0");
        assert_eq!(norm("@monthly"), "0 0 1 * *");
        assert_eq!(norm("@yearly"), "0 0 1 1 *");
        assert_eq!(norm("@annually"), "0 0 1 1 *");
        // What Display gives back parses to the same schedule.
        for expr in [
            "5/10 3-9/2 1,15 jan-jun sat,sun",
            "@weekly",
            "*/7 * * * 1-7",
        ] {
            let parsed = CronSchedule::parse(expr).unwrap();
            assert_eq!(CronSchedule::parse(&parsed.to_string()).unwrap(), parsed);
        }
        let parsed: CronSchedule = "0 12 * * *".parse().unwrap();
        assert!(parsed.matches(at("2026-03-01T12:00:42Z")));
        assert!(!parsed.matches(at("2026-03-01T12:01:00Z")));
    }

    #[test]
    fn sunday_is_zero_or_seven() {
        for expr in ["0 0 * * 0", "0 0 * * 7", "0 0 * * sun", "0 0 * * 6-7"] {
            assert_eq!(
                next(expr, "2026-03-02T00:00:00Z").as_deref(),
                Some(if expr.ends_with("6-7") {
                    "2026-03-07T00:00:00Z Sat"
                } else {
                    "2026-03-08T00:00:00Z Sun"
                }),
                "{expr}"
            );
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(error("61 * * * *"), "minute: 61 is out of range 0-59");
        assert_eq!(error("* 24 * * *"), "hour: 24 is out of range 0-23");
        assert_eq!(error("* * 0 * *"), "day of month: 0 is out of range 1-31");
        assert_eq!(error("* * * 13 *"), "month: 13 is out of range 1-12");
        assert_eq!(error("* * * * 8"), "day of week: 8 is out of range 0-7");
        assert_eq!(
            error("* * * * funday"),
            "day of week: \"funday\" is not a number or a day name"
        );
        assert_eq!(
            error("* * * smarch *"),
            "month: \"smarch\" is not a number or a month name"
        );
        assert_eq!(error("mon * * * *"), "minute: \"mon\" is not a number");
        assert_eq!(
            error("* * *"),
            "expected 5 fields (minute hour day month weekday), found 3"
        );
        assert_eq!(
            error(""),
            "expected 5 fields (minute hour day month weekday), found 0"
        );
        assert_eq!(
            error("* * * * * *"),
            "expected 5 fields (minute hour day month weekday), found 6"
        );
        assert_eq!(
            error("30-10 * * * *"),
            "minute: range \"30-10\" goes backwards"
        );
        assert_eq!(
            error("0 0 * nov-feb *"),
            "month: range \"nov-feb\" goes backwards"
        );
        assert_eq!(
            error("*/0 * * * *"),
            "minute: step 0 in \"*/0\" must be 1 to 59"
        );
        assert_eq!(
            error("*/x * * * *"),
            "minute: step \"x\" in \"*/x\" is not a whole number"
        );
        assert_eq!(
            error("1,,2 * * * *"),
            "minute: \"1,,2\" has an empty list item"
        );
        assert_eq!(error("-5 * * * *"), "minute: \"\" is not a number");
        assert_eq!(
            error("* * * * -1"),
            "day of week: \"\" is not a number or a day name"
        );
        assert!(error("@reboot").starts_with("unknown macro \"@reboot\""));
        assert_eq!(
            error("99999999999 * * * *"),
            "minute: 99999999999 is out of range 0-59"
        );
    }

    #[test]
    fn next_fire_is_strictly_after_at_second_zero() {
        assert_eq!(
            next("* * * * *", "2026-03-01T10:00:00Z").as_deref(),
            Some("2026-03-01T10:01:00Z Sun")
        );
        assert_eq!(
            next("* * * * *", "2026-03-01T10:00:59.999Z").as_deref(),
            Some("2026-03-01T10:01:00Z Sun")
        );
        assert_eq!(
            next("30 10 * * *", "2026-03-01T10:29:59Z").as_deref(),
            Some("2026-03-01T10:30:00Z Sun")
        );
        assert_eq!(
            next("30 10 * * *", "2026-03-01T10:30:00Z").as_deref(),
            Some("2026-03-02T10:30:00Z Mon")
        );
    }

    #[test]
    fn every_fifteen_minutes() {
        let schedule = CronSchedule::parse("*/15 * * * *").unwrap();
        let mut t = at("2026-12-31T23:31:10Z");
        let mut seen = Vec::new();
        for _ in 0..5 {
            t = schedule.next_after(t).unwrap();
            seen.push(t.format("%d %H:%M").to_string());
        }
        assert_eq!(
            seen,
            ["31 23:45", "01 00:00", "01 00:15", "01 00:30", "01 00:45"]
        );
        assert_eq!(
            next("10-50/20 * * * *", "2026-03-01T10:51:00Z").as_deref(),
            Some("2026-03-01T11:10:00Z Sun")
        );
        assert_eq!(
            next("5/20 * * * *", "2026-03-01T10:46:00Z").as_deref(),
            Some("2026-03-01T11:05:00Z Sun")
        );
    }

    #[test]
    fn next_fire_crosses_month_and_year_boundaries() {
        assert_eq!(
            next("0 0 1 * *", "2026-01-31T23:59:00Z").as_deref(),
            Some("2026-02-01T00:00:00Z Sun")
        );
        assert_eq!(
            next("@yearly", "2026-06-15T12:00:00Z").as_deref(),
            Some("2027-01-01T00:00:00Z Fri")
        );
        assert_eq!(
            next("0 9 31 * *", "2026-04-01T00:00:00Z").as_deref(),
            Some("2026-05-31T09:00:00Z Sun"),
            "April has no 31st"
        );
    }

    #[test]
    fn february_29_waits_for_a_leap_year() {
        assert_eq!(
            next("0 12 29 2 *", "2025-03-01T00:00:00Z").as_deref(),
            Some("2028-02-29T12:00:00Z Tue")
        );
        assert_eq!(
            next("0 12 29 2 *", "2028-02-29T12:00:00Z").as_deref(),
            Some("2032-02-29T12:00:00Z Sun")
        );
        // 2100 is not a leap year: eight years from 2096 to 2104.
        assert_eq!(
            next("0 0 29 2 *", "2096-03-01T00:00:00Z").as_deref(),
            Some("2104-02-29T00:00:00Z Fri")
        );
        assert_eq!(
            next("0 0 28 2 *", "2026-03-01T00:00:00Z").as_deref(),
            Some("2027-02-28T00:00:00Z Sun")
        );
    }

    #[test]
    fn restricted_day_fields_match_either() {
        // The 13th, or any Friday.
        let schedule = CronSchedule::parse("0 0 13 * fri").unwrap();
        let mut t = at("2026-03-01T00:00:00Z");
        let mut seen = Vec::new();
        for _ in 0..4 {
            t = schedule.next_after(t).unwrap();
            seen.push(t.format("%d %a").to_string());
        }
        assert_eq!(seen, ["06 Fri", "13 Fri", "20 Fri", "27 Fri"]);
        assert_eq!(
            next("0 0 1 * mon", "2026-03-24T00:00:00Z").as_deref(),
            Some("2026-03-30T00:00:00Z Mon")
        );
        assert_eq!(
            next("0 0 1 * mon", "2026-03-30T00:00:00Z").as_deref(),
            Some("2026-04-01T00:00:00Z Wed")
        );
        // One day field unrestricted: the other decides alone.
        assert_eq!(
            next("0 0 * * mon", "2026-03-24T00:00:00Z").as_deref(),
            Some("2026-03-30T00:00:00Z Mon")
        );
        assert_eq!(
            next("0 0 1 * *", "2026-03-24T00:00:00Z").as_deref(),
            Some("2026-04-01T00:00:00Z Wed")
        );
        // `*/2` begins with `*`: unrestricted, so both must match (odd days that are Mondays).
        assert_eq!(
            next("0 0 */2 * mon", "2026-03-01T00:00:00Z").as_deref(),
            Some("2026-03-09T00:00:00Z Mon")
        );
        // Either matches within a restricted month.
        assert_eq!(
            next("0 0 31 feb sat", "2026-03-01T00:00:00Z").as_deref(),
            Some("2027-02-06T00:00:00Z Sat")
        );
    }

    #[test]
    fn impossible_dates_never_fire() {
        assert_eq!(next("0 0 30 2 *", "2026-03-01T00:00:00Z"), None);
        assert_eq!(next("0 0 31 4,6,9,11 *", "2026-03-01T00:00:00Z"), None);
        // With a weekday too, the weekday alone still fires (either may match).
        assert_eq!(
            next("0 0 31 apr mon", "2026-03-01T00:00:00Z").as_deref(),
            Some("2026-04-06T00:00:00Z Mon")
        );
        assert_eq!(next("0 0 31 apr *", "2026-03-01T00:00:00Z"), None);
        // At the end of time there is nothing after.
        assert_eq!(
            CronSchedule::parse("* * * * *")
                .unwrap()
                .next_after(DateTime::<Utc>::MAX_UTC),
            None
        );
    }

    #[test]
    fn next_fire_skips_ahead_instead_of_walking_minutes() {
        let schedule = CronSchedule::parse("59 23 29 2 *").unwrap();
        let started = std::time::Instant::now();
        let mut t = Utc.with_ymd_and_hms(2001, 1, 1, 0, 0, 0).unwrap();
        for _ in 0..25 {
            t = schedule.next_after(t).unwrap();
        }
        assert_eq!(t.format("%Y-%m-%d %H:%M").to_string(), "2104-02-29 23:59");
        assert!(started.elapsed() < std::time::Duration::from_millis(500));
    }

    #[test]
    fn next_fire_agrees_with_walking_minute_by_minute() {
        let expressions = [
            "*/7 * * * *",
            "5/20 3-9/2 * * *",
            "0 0 13 * fri",
            "30 23 31 * *",
            "0 12 * * sat,sun",
            "15 */5 1-7 * mon",
            "0 0 */2 * mon",
            "59 23 * feb,mar *",
            "0 6 28-31 * 5-7",
        ];
        let starts = [
            "2026-01-30T23:58:00Z",
            "2026-02-27T12:00:30Z",
            "2028-02-28T23:59:00Z",
        ];
        for expr in expressions {
            let schedule = CronSchedule::parse(expr).unwrap();
            for start in starts {
                let mut t = at(start).with_second(0).unwrap();
                let expected = loop {
                    t += Duration::minutes(1);
                    if schedule.matches(t) {
                        break t;
                    }
                };
                assert_eq!(
                    schedule.next_after(at(start)),
                    Some(expected),
                    "{expr} after {start}"
                );
            }
        }
    }

    #[test]
    fn describes_common_schedules() {
        let describe = |expr: &str| CronSchedule::parse(expr).unwrap().describe();
        assert_eq!(describe("*/15 * * * *"), "every 15 minutes");
        assert_eq!(describe("* * * * *"), "every minute");
        assert_eq!(describe("@hourly"), "every hour at minute 0");
        assert_eq!(describe("30 6 * * 1-5"), "at 06:30 on Monday to Friday");
        assert_eq!(describe("0 8,20 * * *"), "at 08:00, 20:00");
        assert_eq!(
            describe("0 0 1 * sun"),
            "at 00:00 on day 1 of the month or on Sunday"
        );
        assert_eq!(
            describe("0 0 1 jan,jul *"),
            "at 00:00 on day 1 of the month in January, July"
        );
        assert_eq!(describe("0 0 * * fri-sun"), "at 00:00 on Friday to Sunday");
        assert_eq!(describe("0-30 9-17 * * *"), "at minute 0-30 of hour 9-17");
    }
}
