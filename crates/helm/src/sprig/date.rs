//! Go's `time` as Sprig needs it: `time.Time` (UTC, or a fixed offset from a parsed zone),
//! layout formatting (`Time.Format`) and parsing (`time.ParseInLocation` with `Local` as UTC, the
//! oracle's zone), and `time.Duration` (`ParseDuration`, `String`, `Round`), ported from Go 1.19's
//! `time/format.go` and `time/time.go`.

use std::rc::Rc;

use gotemplate::{Arity, FuncError, Funcs, Value};

use super::args::{self, strval};
use super::sv;

/// A `time.Time`: an instant, and the zone it is shown in (Go's `Local`, taken as UTC, or a
/// fixed zone made by `time.Parse` for an offset or abbreviation it does not know).
#[derive(Debug, Clone)]
pub struct Time {
    /// Unix seconds.
    pub secs: i64,
    pub nanos: u32,
    /// Seconds east of UTC.
    pub offset: i32,
    /// The zone's abbreviation (`MST` in a layout); may be empty for a fixed offset.
    pub zone: Rc<str>,
}

/// A `time.Duration`, in nanoseconds.
pub type Duration = i64;

const SECOND: i64 = 1_000_000_000;
const MIN_DURATION: i64 = i64::MIN;
const MAX_DURATION: i64 = i64::MAX;
/// `time.Time{}`: January 1, year 1, 00:00:00 UTC, in Unix seconds.
const ZERO_TIME_UNIX: i64 = -62_135_596_800;

const LONG_MONTHS: [&str; 12] = [
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
const SHORT_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const LONG_DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const DAYS_BEFORE: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date (Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in(m: i64, y: i64) -> i64 {
    if m == 2 && is_leap(y) { 29 } else { DAYS_BEFORE[m as usize] - DAYS_BEFORE[m as usize - 1] }
}

// The std chunks of a layout (Go's stdXxx constants, without the packed flags).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    Iso8601TZ,
    Iso8601SecondsTZ,
    Iso8601ShortTZ,
    Iso8601ColonTZ,
    Iso8601ColonSecondsTZ,
    NumTZ,
    NumSecondsTz,
    NumShortTZ,
    NumColonTZ,
    NumColonSecondsTZ,
    /// Fractional second with trailing zeros (`.000`): digits, separator.
    Frac0(usize, u8),
    /// Fractional second without trailing zeros (`.999`).
    Frac9(usize, u8),
}

impl Std {
    fn is_zone(self) -> bool {
        use Std::*;
        matches!(
            self,
            Iso8601TZ
                | Iso8601SecondsTZ
                | Iso8601ShortTZ
                | Iso8601ColonTZ
                | Iso8601ColonSecondsTZ
                | NumTZ
                | NumSecondsTz
                | NumShortTZ
                | NumColonTZ
                | NumColonSecondsTZ
        )
    }
}

fn starts_with_lower(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_lowercase)
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `nextStdChunk`: (prefix, std, suffix), byte offsets into `layout`.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let l = layout.as_bytes();
    let at = |i: usize, p: &str| l.len() >= i + p.len() && &l[i..i + p.len()] == p.as_bytes();
    for i in 0..l.len() {
        let hit = |std: Std, len: usize| (&layout[..i], Some(std), &layout[i + len..]);
        match l[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    return hit(Std::LongMonth, 7);
                }
                if !starts_with_lower(&l[i + 3..]) {
                    return hit(Std::Month, 3);
                }
            }
            b'M' if l.len() >= i + 3 => {
                if at(i, "Mon") {
                    if at(i, "Monday") {
                        return hit(Std::LongWeekDay, 6);
                    }
                    if !starts_with_lower(&l[i + 3..]) {
                        return hit(Std::WeekDay, 3);
                    }
                }
                if at(i, "MST") {
                    return hit(Std::TZ, 3);
                }
            }
            b'0' => {
                if l.len() >= i + 2 && (b'1'..=b'6').contains(&l[i + 1]) {
                    let std =
                        [Std::ZeroMonth, Std::ZeroDay, Std::ZeroHour12, Std::ZeroMinute, Std::ZeroSecond, Std::Year]
                            [(l[i + 1] - b'1') as usize];
                    return hit(std, 2);
                }
                if at(i, "002") {
                    return hit(Std::ZeroYearDay, 3);
                }
            }
            b'1' => {
                if at(i, "15") {
                    return hit(Std::Hour, 2);
                }
                return hit(Std::NumMonth, 1);
            }
            b'2' => {
                if at(i, "2006") {
                    return hit(Std::LongYear, 4);
                }
                return hit(Std::Day, 1);
            }
            b'_' => {
                if l.len() >= i + 2 && l[i + 1] == b'2' {
                    if at(i + 1, "2006") {
                        return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                    }
                    return hit(Std::UnderDay, 2);
                }
                if at(i, "__2") {
                    return hit(Std::UnderYearDay, 3);
                }
            }
            b'3' => return hit(Std::Hour12, 1),
            b'4' => return hit(Std::Minute, 1),
            b'5' => return hit(Std::Second, 1),
            b'P' if at(i, "PM") => return hit(Std::PM, 2),
            b'p' if at(i, "pm") => return hit(Std::Pm, 2),
            c @ (b'-' | b'Z') => {
                // The same offsets after `-` (always numeric) and `Z` (Z for UTC), longest first.
                for (p, num, iso) in [
                    ("070000", Std::NumSecondsTz, Std::Iso8601SecondsTZ),
                    ("07:00:00", Std::NumColonSecondsTZ, Std::Iso8601ColonSecondsTZ),
                    ("0700", Std::NumTZ, Std::Iso8601TZ),
                    ("07:00", Std::NumColonTZ, Std::Iso8601ColonTZ),
                    ("07", Std::NumShortTZ, Std::Iso8601ShortTZ),
                ] {
                    if at(i + 1, p) {
                        return hit(if c == b'-' { num } else { iso }, 1 + p.len());
                    }
                }
            }
            c @ (b'.' | b',') if i + 1 < l.len() && (l[i + 1] == b'0' || l[i + 1] == b'9') => {
                let ch = l[i + 1];
                let mut j = i + 1;
                while j < l.len() && l[j] == ch {
                    j += 1;
                }
                if !is_digit(l, j) {
                    // Go keeps 12 bits of the digit count.
                    let n = (j - (i + 1)) & 0xfff;
                    let std = if ch == b'0' { Std::Frac0(n, c) } else { Std::Frac9(n, c) };
                    return hit(std, j - i);
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

/// Go's `appendInt`: `x` with at least `width` digits (zero-padded, sign not counted).
fn append_int(b: &mut String, x: i64, width: usize) {
    if x < 0 {
        b.push('-');
    }
    let digits = x.unsigned_abs().to_string();
    for _ in digits.len()..width {
        b.push('0');
    }
    b.push_str(&digits);
}

fn format_nano(b: &mut String, nanos: u32, n: usize, sep: u8, trim: bool) {
    let buf = format!("{nanos:09}");
    let mut n = n.min(9);
    if trim {
        while n > 0 && buf.as_bytes()[n - 1] == b'0' {
            n -= 1;
        }
        if n == 0 {
            return;
        }
    }
    b.push(sep as char);
    b.push_str(&buf[..n]);
}

impl Time {
    /// A time in UTC.
    pub fn utc(secs: i64, nanos: u32) -> Time {
        Time { secs, nanos, offset: 0, zone: Rc::from("UTC") }
    }

    /// `time.Time{}` (what `toDate` returns for a value it cannot parse).
    pub fn zero() -> Time {
        Time::utc(ZERO_TIME_UNIX, 0)
    }

    /// Formats with a Go layout (`2006-01-02T15:04:05Z07:00`): Go's `Time.AppendFormat`.
    pub fn format(&self, layout: &str) -> String {
        let local = self.secs + i64::from(self.offset);
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400);
        let (year, month, day) = civil(days);
        let (hour, min, sec) = (sod / 3600, (sod / 60) % 60, sod % 60);
        let wd = (days + 4).rem_euclid(7) as usize;
        let yday = DAYS_BEFORE[(month - 1) as usize] + i64::from(day) + i64::from(month > 2 && is_leap(year));
        let (month, day) = (i64::from(month), i64::from(day));
        let mut b = String::new();
        let mut layout = layout;
        while !layout.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(layout);
            b.push_str(prefix);
            let Some(std) = std else { break };
            layout = suffix;
            let hr12 = if hour % 12 == 0 { 12 } else { hour % 12 };
            match std {
                Std::Year => append_int(&mut b, year.abs() % 100, 2),
                Std::LongYear => append_int(&mut b, year, 4),
                Std::Month => b.push_str(SHORT_MONTHS[(month - 1) as usize]),
                Std::LongMonth => b.push_str(LONG_MONTHS[(month - 1) as usize]),
                Std::NumMonth => append_int(&mut b, month, 0),
                Std::ZeroMonth => append_int(&mut b, month, 2),
                Std::WeekDay => b.push_str(SHORT_DAYS[wd]),
                Std::LongWeekDay => b.push_str(LONG_DAYS[wd]),
                Std::Day => append_int(&mut b, day, 0),
                Std::UnderDay => {
                    if day < 10 {
                        b.push(' ');
                    }
                    append_int(&mut b, day, 0);
                }
                Std::ZeroDay => append_int(&mut b, day, 2),
                Std::UnderYearDay => {
                    if yday < 100 {
                        b.push(' ');
                        if yday < 10 {
                            b.push(' ');
                        }
                    }
                    append_int(&mut b, yday, 0);
                }
                Std::ZeroYearDay => append_int(&mut b, yday, 3),
                Std::Hour => append_int(&mut b, hour, 2),
                Std::Hour12 => append_int(&mut b, hr12, 0),
                Std::ZeroHour12 => append_int(&mut b, hr12, 2),
                Std::Minute => append_int(&mut b, min, 0),
                Std::ZeroMinute => append_int(&mut b, min, 2),
                Std::Second => append_int(&mut b, sec, 0),
                Std::ZeroSecond => append_int(&mut b, sec, 2),
                Std::PM => b.push_str(if hour >= 12 { "PM" } else { "AM" }),
                Std::Pm => b.push_str(if hour >= 12 { "pm" } else { "am" }),
                s if s.is_zone() => {
                    use Std::*;
                    let iso = matches!(
                        s,
                        Iso8601TZ | Iso8601ColonTZ | Iso8601SecondsTZ | Iso8601ShortTZ | Iso8601ColonSecondsTZ
                    );
                    if self.offset == 0 && iso {
                        b.push('Z');
                        continue;
                    }
                    let mut zone = i64::from(self.offset) / 60;
                    let mut absoffset = i64::from(self.offset);
                    if zone < 0 {
                        b.push('-');
                        zone = -zone;
                        absoffset = -absoffset;
                    } else {
                        b.push('+');
                    }
                    append_int(&mut b, zone / 60, 2);
                    if matches!(s, Iso8601ColonTZ | NumColonTZ | Iso8601ColonSecondsTZ | NumColonSecondsTZ) {
                        b.push(':');
                    }
                    if !matches!(s, NumShortTZ | Iso8601ShortTZ) {
                        append_int(&mut b, zone % 60, 2);
                    }
                    if matches!(s, Iso8601SecondsTZ | NumSecondsTz | NumColonSecondsTZ | Iso8601ColonSecondsTZ) {
                        if matches!(s, NumColonSecondsTZ | Iso8601ColonSecondsTZ) {
                            b.push(':');
                        }
                        append_int(&mut b, absoffset % 60, 2);
                    }
                }
                Std::TZ => {
                    if !self.zone.is_empty() {
                        b.push_str(&self.zone);
                        continue;
                    }
                    let mut zone = i64::from(self.offset) / 60;
                    if zone < 0 {
                        b.push('-');
                        zone = -zone;
                    } else {
                        b.push('+');
                    }
                    append_int(&mut b, zone / 60, 2);
                    append_int(&mut b, zone % 60, 2);
                }
                Std::Frac0(n, sep) => format_nano(&mut b, self.nanos, n, sep, false),
                Std::Frac9(n, sep) => format_nano(&mut b, self.nanos, n, sep, true),
                _ => {}
            }
        }
        b
    }

    /// Go's `Time.String()` (no monotonic clock reading).
    pub fn to_go_string(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }

    /// Go's `t.Add(d)`.
    pub fn add(&self, d: Duration) -> Time {
        let mut dsec = d / SECOND;
        let mut nsec = i64::from(self.nanos) + d % SECOND;
        if nsec >= SECOND {
            dsec += 1;
            nsec -= SECOND;
        } else if nsec < 0 {
            dsec -= 1;
            nsec += SECOND;
        }
        Time { secs: self.secs.saturating_add(dsec), nanos: nsec as u32, ..self.clone() }
    }

    /// Go's `t.Sub(u)`, saturating at the minimum and maximum durations.
    pub fn sub(&self, u: &Time) -> Duration {
        let d = (i128::from(self.secs) - i128::from(u.secs)) * i128::from(SECOND)
            + (i128::from(self.nanos) - i128::from(u.nanos));
        d.clamp(i128::from(MIN_DURATION), i128::from(MAX_DURATION)) as i64
    }

    /// The time from a `Value` made by this module (`now`, `toDate`, ...).
    pub fn from_value(v: &Value) -> Option<Time> {
        let Value::Object(o) = v else { return None };
        if o.type_name() != "time.Time" {
            return None;
        }
        match o.call_method(STATE, &[]) {
            Ok(Value::List(l)) => match l.as_slice() {
                [Value::Int(s), Value::Int(n), Value::Int(off), Value::String(z)] => {
                    Some(Time { secs: *s, nanos: *n as u32, offset: *off as i32, zone: Rc::from(&**z) })
                }
                _ => None,
            },
            _ => None,
        }
    }

    pub fn into_value(self) -> Value {
        Value::Object(Rc::new(self))
    }
}

/// A method name no template can spell: the whole state of a [`Time`].
const STATE: &str = "\0state";

impl gotemplate::Object for Time {
    fn type_name(&self) -> String {
        "time.Time".into()
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Unix" | "Format" | "Year" | "UTC")
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, String> {
        match name {
            "Unix" => Ok(Value::Int(self.secs)),
            "Year" => Ok(Value::Int(civil((self.secs + i64::from(self.offset)).div_euclid(86_400)).0)),
            "UTC" => Ok(Time::utc(self.secs, self.nanos).into_value()),
            "Format" => match args.first() {
                Some(Value::String(l)) => Ok(Value::string(self.format(l))),
                _ => Err("wrong type for value; expected string".into()),
            },
            STATE => Ok(Value::list(vec![
                Value::Int(self.secs),
                Value::Int(i64::from(self.nanos)),
                Value::Int(i64::from(self.offset)),
                Value::string(self.zone.to_string()),
            ])),
            _ => Err(format!("can't evaluate field {name} in type time.Time")),
        }
    }
    fn format_v(&self) -> String {
        self.to_go_string()
    }
}

/// The current time: the injected clock `now` when set.
pub fn now(now: Option<(i64, u32)>) -> Time {
    let (secs, nanos) = now.unwrap_or_else(|| {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        (d.as_secs() as i64, d.subsec_nanos())
    });
    Time::utc(secs, nanos)
}

/// Sprig's `date`/`dateInZone` argument: a `time.Time`, or Unix seconds as an integer; anything
/// else (a float from values, a string, nil) is the current time, as in Sprig: the injected
/// clock `now` when set. The time is shown in UTC (`t.In(loc)`).
pub fn format_arg(layout: &str, v: &Value, clock: Option<(i64, u32)>) -> String {
    let t = match v {
        Value::Int(i) => Time::utc(*i, 0),
        Value::Object(_) => match Time::from_value(v) {
            Some(t) => Time::utc(t.secs, t.nanos),
            None => now(clock),
        },
        _ => now(clock),
    };
    t.format(layout)
}

// ---------------------------------------------------------------------------------------------
// Parsing (Go's time.parse).

/// Go's `quote` of package time (not strconv's): bytes outside printable ASCII as `\xNN`.
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn parse_error(layout: &str, value: &str, layout_elem: &str, value_elem: &str, message: &str) -> String {
    if message.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(value),
            time_quote(layout),
            time_quote(value_elem),
            time_quote(layout_elem)
        )
    } else {
        format!("parsing time {}{message}", time_quote(value))
    }
}

/// Go's `leadingInt`: the leading digits (None on overflow past 1<<63).
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let b = s.as_bytes();
    let mut x: u64 = 0;
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(b[i] - b'0');
        if x > 1 << 63 {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..]))
}

/// Go's `atoi` of package time.
fn atoi(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (q, rem) = leading_int(body)?;
    if !rem.is_empty() {
        return None;
    }
    let x = q as i64;
    Some(if neg { x.wrapping_neg() } else { x })
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !is_digit(b, 0) {
        return None;
    }
    if !is_digit(b, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'), &s[2..]))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < 3 && is_digit(b, i) {
        n = n * 10 + i64::from(b[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Result<&'a str, &'a str> {
    while !prefix.is_empty() {
        if prefix.as_bytes()[0] == b' ' {
            if !value.is_empty() && value.as_bytes()[0] != b' ' {
                return Err(value);
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if value.is_empty() || value.as_bytes()[0] != prefix.as_bytes()[0] {
            return Err(value);
        }
        // Layout and value agree on this byte; step over it (a multi-byte character is matched
        // byte by byte, so step by bytes while both stay on character boundaries).
        let n = prefix.chars().next().map_or(1, char::len_utf8);
        if !value.is_char_boundary(n) || value.as_bytes()[..n] != prefix.as_bytes()[..n] {
            return Err(value);
        }
        prefix = &prefix[n..];
        value = &value[n..];
    }
    Ok(value)
}

/// Go's `lookup`: a case-insensitive prefix match against a name table.
fn lookup<'a>(tab: &[&str], val: &'a str) -> Option<(usize, &'a str)> {
    for (i, v) in tab.iter().enumerate() {
        let n = v.len();
        if val.len() >= n && val.is_char_boundary(n) && val.as_bytes()[..n].eq_ignore_ascii_case(v.as_bytes()) {
            return Some((i, &val[n..]));
        }
    }
    None
}

fn parse_nanoseconds(value: &str, nbytes: usize) -> Result<i64, Option<&'static str>> {
    if !matches!(value.as_bytes()[0], b'.' | b',') {
        return Err(None);
    }
    let nbytes = nbytes.min(10);
    let ns = atoi(value.get(1..nbytes).ok_or(None)?).ok_or(None)?;
    if ns < 0 {
        return Err(Some("fractional second"));
    }
    Ok(ns * 10i64.pow((10 - nbytes) as u32))
}

fn parse_signed_offset(value: &str) -> usize {
    let b = value.as_bytes();
    if b.first().is_none_or(|c| *c != b'-' && *c != b'+') {
        return 0;
    }
    match leading_int(&value[1..]) {
        Some((x, rem)) if rem.len() != value.len() - 1 && x <= 23 => value.len() - rem.len(),
        _ => 0,
    }
}

fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if b.len() >= 4 && (&b[..4] == b"ChST" || &b[..4] == b"MeST") {
        return Some(4);
    }
    if &b[..3] == b"GMT" {
        return Some(3 + if b.len() == 3 { 0 } else { parse_signed_offset(&value[3..]) });
    }
    if b[0] == b'+' || b[0] == b'-' {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let upper = b.iter().take(6).take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        5 if b[4] == b'T' => Some(5),
        4 if b[3] == b'T' || &b[..4] == b"WITA" => Some(4),
        3 => Some(3),
        _ => None,
    }
}

/// Go's `time.ParseInLocation(layout, value, time.Local)` with `Local` as UTC (the oracle's zone,
/// `Etc/UTC`); the error is Go's `ParseError` message.
pub fn parse(layout: &str, value: &str) -> Result<Time, String> {
    let (alayout, avalue) = (layout, value);
    let mut layout = layout;
    let mut value = value;
    let mut range_err: Option<&str> = None;
    let (mut am_set, mut pm_set) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut utc_zone = false;
    let mut zone_offset: i64 = -1;
    let mut zone_name = String::new();
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let stdstr = &layout[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix).map_err(|v| parse_error(alayout, avalue, prefix, v, ""))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(parse_error(alayout, avalue, "", value, &format!(": extra text: {}", time_quote(value))));
            }
            break;
        };
        layout = suffix;
        let mut ok = true;
        match std {
            Std::Year => {
                if value.len() < 2 || !value.is_char_boundary(2) {
                    ok = false;
                } else {
                    match atoi(&value[..2]) {
                        Some(y) => {
                            value = &value[2..];
                            year = if y >= 69 { y + 1900 } else { y + 2000 };
                        }
                        None => ok = false,
                    }
                }
            }
            Std::LongYear => {
                if value.len() < 4 || !is_digit(value.as_bytes(), 0) || !value.is_char_boundary(4) {
                    ok = false;
                } else {
                    let p = &value[..4];
                    value = &value[4..];
                    match atoi(p) {
                        Some(y) => year = y,
                        None => ok = false,
                    }
                }
            }
            Std::Month | Std::LongMonth => {
                let tab: &[&str] = if std == Std::Month { &SHORT_MONTHS } else { &LONG_MONTHS };
                match lookup(tab, value) {
                    Some((m, rest)) => {
                        month = m as i64 + 1;
                        value = rest;
                    }
                    None => ok = false,
                }
            }
            Std::WeekDay | Std::LongWeekDay => {
                let tab: &[&str] = if std == Std::WeekDay { &SHORT_DAYS } else { &LONG_DAYS };
                match lookup(tab, value) {
                    Some((_, rest)) => value = rest,
                    None => ok = false,
                }
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                }
                match getnum3(value, std == Std::ZeroYearDay) {
                    Some((d, rest)) => {
                        yday = d;
                        value = rest;
                    }
                    None => ok = false,
                }
            }
            Std::NumMonth
            | Std::ZeroMonth
            | Std::Day
            | Std::UnderDay
            | Std::ZeroDay
            | Std::Hour
            | Std::Hour12
            | Std::ZeroHour12
            | Std::Minute
            | Std::ZeroMinute => {
                // One- or two-digit fields (two when zero-padded in the layout); a day is checked
                // against its month after the loop.
                let (slot, range, name) = match std {
                    Std::NumMonth | Std::ZeroMonth => (&mut month, 1..=12, "month"),
                    Std::Day | Std::UnderDay | Std::ZeroDay => (&mut day, 0..=99, "day"),
                    Std::Hour => (&mut hour, 0..=23, "hour"),
                    Std::Hour12 | Std::ZeroHour12 => (&mut hour, 0..=12, "hour"),
                    _ => (&mut min, 0..=59, "minute"),
                };
                if std == Std::UnderDay && value.starts_with(' ') {
                    value = &value[1..];
                }
                let fixed = matches!(std, Std::ZeroMonth | Std::ZeroDay | Std::ZeroHour12 | Std::ZeroMinute);
                match getnum(value, fixed) {
                    Some((n, rest)) => {
                        *slot = n;
                        value = rest;
                        if !range.contains(&n) {
                            range_err = Some(name);
                        }
                    }
                    None => ok = false,
                }
            }
            Std::Second | Std::ZeroSecond => match getnum(value, std == Std::ZeroSecond) {
                Some((s, rest)) => {
                    sec = s;
                    value = rest;
                    if !(0..60).contains(&sec) {
                        range_err = Some("second");
                    } else {
                        let vb = value.as_bytes();
                        if vb.len() >= 2 && matches!(vb[0], b'.' | b',') && is_digit(vb, 1) {
                            let (_, next, _) = next_std_chunk(layout);
                            if !matches!(next, Some(Std::Frac0(..) | Std::Frac9(..))) {
                                let mut n = 2;
                                while n < vb.len() && is_digit(vb, n) {
                                    n += 1;
                                }
                                match parse_nanoseconds(value, n) {
                                    Ok(ns) => nsec = ns,
                                    Err(Some(r)) => range_err = Some(r),
                                    Err(None) => ok = false,
                                }
                                value = &value[n..];
                            }
                        }
                    }
                }
                None => ok = false,
            },
            Std::PM | Std::Pm => {
                if value.len() < 2 || !value.is_char_boundary(2) {
                    ok = false;
                } else {
                    let p = &value[..2];
                    value = &value[2..];
                    let (pm, am) = if std == Std::PM { ("PM", "AM") } else { ("pm", "am") };
                    if p == pm {
                        pm_set = true;
                    } else if p == am {
                        am_set = true;
                    } else {
                        ok = false;
                    }
                }
            }
            s if s.is_zone() => {
                use Std::*;
                if matches!(s, Iso8601TZ | Iso8601ShortTZ | Iso8601ColonTZ) && value.starts_with('Z') {
                    value = &value[1..];
                    utc_zone = true;
                } else {
                    let vb = value.as_bytes();
                    let need = match s {
                        Iso8601ColonTZ | NumColonTZ => 6,
                        NumShortTZ | Iso8601ShortTZ => 3,
                        Iso8601ColonSecondsTZ | NumColonSecondsTZ => 9,
                        Iso8601SecondsTZ | NumSecondsTz => 7,
                        _ => 5,
                    };
                    let colons_ok = match s {
                        Iso8601ColonTZ | NumColonTZ => vb.len() >= 6 && vb[3] == b':',
                        Iso8601ColonSecondsTZ | NumColonSecondsTZ => vb.len() >= 9 && vb[3] == b':' && vb[6] == b':',
                        _ => true,
                    };
                    if vb.len() < need || !colons_ok || !value.is_char_boundary(need) {
                        ok = false;
                    } else {
                        let part = |a: usize, b: usize| value.get(a..b).unwrap_or("x");
                        let (sign, hh, mm, ss) = match s {
                            Iso8601ColonTZ | NumColonTZ => (vb[0], part(1, 3), part(4, 6), "00"),
                            NumShortTZ | Iso8601ShortTZ => (vb[0], part(1, 3), "00", "00"),
                            Iso8601ColonSecondsTZ | NumColonSecondsTZ => (vb[0], part(1, 3), part(4, 6), part(7, 9)),
                            Iso8601SecondsTZ | NumSecondsTz => (vb[0], part(1, 3), part(3, 5), part(5, 7)),
                            _ => (vb[0], part(1, 3), part(3, 5), "00"),
                        };
                        value = &value[need..];
                        match (atoi(hh), atoi(mm), atoi(ss)) {
                            (Some(h), Some(m), Some(sx)) => {
                                zone_offset = (h * 60 + m) * 60 + sx;
                                match sign {
                                    b'+' => {}
                                    b'-' => zone_offset = -zone_offset,
                                    _ => ok = false,
                                }
                            }
                            _ => ok = false,
                        }
                    }
                }
            }
            Std::TZ => {
                if value.starts_with("UTC") {
                    utc_zone = true;
                    value = &value[3..];
                } else {
                    match parse_time_zone(value) {
                        Some(n) if value.is_char_boundary(n) => {
                            zone_name = value[..n].to_string();
                            value = &value[n..];
                        }
                        _ => ok = false,
                    }
                }
            }
            Std::Frac0(n, _) => {
                let ndigit = 1 + n;
                if value.len() < ndigit || !value.is_char_boundary(ndigit) {
                    ok = false;
                } else {
                    match parse_nanoseconds(value, ndigit) {
                        Ok(ns) => nsec = ns,
                        Err(Some(r)) => range_err = Some(r),
                        Err(None) => ok = false,
                    }
                    value = &value[ndigit..];
                }
            }
            Std::Frac9(..) => {
                let vb = value.as_bytes();
                if vb.len() >= 2 && matches!(vb[0], b'.' | b',') && vb[1].is_ascii_digit() {
                    let mut i = 0;
                    while i < 9 && i + 1 < vb.len() && vb[i + 1].is_ascii_digit() {
                        i += 1;
                    }
                    match parse_nanoseconds(value, 1 + i) {
                        Ok(ns) => nsec = ns,
                        Err(Some(r)) => range_err = Some(r),
                        Err(None) => ok = false,
                    }
                    value = &value[1 + i..];
                }
            }
            _ => {}
        }
        if let Some(r) = range_err {
            return Err(parse_error(alayout, avalue, stdstr, value, &format!(": {r} out of range")));
        }
        if !ok {
            return Err(parse_error(alayout, avalue, stdstr, value, ""));
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let mut d = 0;
        let mut m = 0;
        if is_leap(year) {
            if yday == 31 + 29 {
                m = 2;
                d = 29;
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(parse_error(alayout, avalue, "", value, ": day-of-year out of range"));
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            if DAYS_BEFORE[m as usize] < yday {
                m += 1;
            }
            d = yday - DAYS_BEFORE[m as usize - 1];
        }
        if month >= 0 && month != m {
            return Err(parse_error(alayout, avalue, "", value, ": day-of-year does not match month"));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(parse_error(alayout, avalue, "", value, ": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(parse_error(alayout, avalue, "", value, ": day out of range"));
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
    let t = Time::utc(secs, nsec as u32);
    if utc_zone {
        return Ok(t);
    }
    if zone_offset != -1 {
        let secs = secs - zone_offset;
        // Local (UTC) has offset 0 and the name UTC.
        if zone_offset == 0 && (zone_name.is_empty() || zone_name == "UTC") {
            return Ok(Time::utc(secs, nsec as u32));
        }
        return Ok(Time { secs, nanos: nsec as u32, offset: zone_offset as i32, zone: Rc::from(zone_name) });
    }
    if !zone_name.is_empty() {
        // Local knows no abbreviation but UTC (handled above): a fixed zone with the name and
        // offset 0, or GMT's hour offset.
        let mut offset = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            offset = atoi(&zone_name[3..]).unwrap_or(0) * 3600;
        }
        return Ok(Time { secs, nanos: nsec as u32, offset: offset as i32, zone: Rc::from(zone_name) });
    }
    Ok(t)
}

// ---------------------------------------------------------------------------------------------
// Durations.

/// Go's `time.ParseDuration`.
pub fn parse_duration(orig: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig;
    let mut d: u64 = 0;
    let mut neg = false;
    if let Some(c) = s.bytes().next()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    while !s.is_empty() {
        let c = s.as_bytes()[0];
        if !(c == b'.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let pl = s.len();
        let (mut v, rest) = leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let pre = pl != s.len();
        let mut post = false;
        let (mut f, mut scale) = (0u64, 1f64);
        if s.starts_with('.') {
            s = &s[1..];
            let pl = s.len();
            // leadingFraction
            let b = s.as_bytes();
            let mut i = 0;
            let mut overflow = false;
            while i < b.len() && b[i].is_ascii_digit() {
                if !overflow {
                    if f > ((1u64 << 63) - 1) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + u64::from(b[i] - b'0');
                        if y > 1 << 63 {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                i += 1;
            }
            s = &s[i..];
            post = pl != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let i = s.bytes().position(|c| c == b'.' || c.is_ascii_digit()).unwrap_or(s.len());
        if i == 0 {
            return Err(format!("time: missing unit in duration {}", time_quote(orig)));
        }
        let u = &s[..i];
        s = &s[i..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!("time: unknown unit {} in duration {}", time_quote(u), time_quote(orig)));
            }
        };
        if v > (1u64 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        d += v;
        if d > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > (1u64 << 63) - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// Go's `fmtFrac`: the fraction of `v / 10^prec` (no trailing zeros; no point when zero),
/// prepended to `buf`; returns `v / 10^prec`.
fn fmt_frac(buf: &mut Vec<u8>, mut v: u64, prec: usize) -> u64 {
    let mut print = false;
    let mut out = Vec::new();
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        print = print || digit != 0;
        if print {
            out.push(b'0' + digit);
        }
        v /= 10;
    }
    if print {
        out.push(b'.');
    }
    out.reverse();
    buf.splice(0..0, out);
    v
}

fn fmt_int(buf: &mut Vec<u8>, v: u64) {
    let s = v.to_string();
    buf.splice(0..0, s.bytes());
}

/// Go's `Duration.String()` (`1h2m3.5s`, `1.5ms`, `0s`).
pub fn duration_string(d: Duration) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut buf: Vec<u8> = Vec::new();
    if u < SECOND as u64 {
        if u == 0 {
            return "0s".into();
        }
        let prec;
        buf.push(b's');
        if u < 1_000 {
            prec = 0;
            buf.insert(0, b'n');
        } else if u < 1_000_000 {
            prec = 3;
            buf.splice(0..0, "\u{b5}".bytes());
        } else {
            prec = 6;
            buf.insert(0, b'm');
        }
        u = fmt_frac(&mut buf, u, prec);
        fmt_int(&mut buf, u);
    } else {
        buf.push(b's');
        u = fmt_frac(&mut buf, u, 9);
        fmt_int(&mut buf, u % 60);
        u /= 60;
        if u > 0 {
            buf.insert(0, b'm');
            fmt_int(&mut buf, u % 60);
            u /= 60;
            if u > 0 {
                buf.insert(0, b'h');
                fmt_int(&mut buf, u);
            }
        }
    }
    if neg {
        buf.insert(0, b'-');
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// Go's `Duration.Round(m)`: to the nearest multiple of `m`, halves away from zero.
pub fn duration_round(d: Duration, m: Duration) -> Duration {
    if m <= 0 {
        return d;
    }
    let less_than_half = |x: i64, y: i64| (x as u64).wrapping_add(x as u64) < y as u64;
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if less_than_half(r, m) {
            return d + r;
        }
        let d1 = d.wrapping_sub(m).wrapping_add(r);
        if d1 < d {
            return d1;
        }
        return MIN_DURATION;
    }
    if less_than_half(r, m) {
        return d - r;
    }
    let d1 = d.wrapping_add(m - r);
    if d1 > d {
        return d1;
    }
    MAX_DURATION
}

// ---------------------------------------------------------------------------------------------
// Registration.

/// Registers Sprig's date and duration functions with the clock `clock` (`None`: the system
/// clock). `Value::Int` stands for Go's `int64` here (see the module docs of [`super`]).
pub(super) fn register(f: &mut Funcs, clock: Option<(i64, u32)>) {
    register_formatting(f, clock);
    register_parsing(f);
    register_durations(f, clock);
}

/// `now`, `date`, `dateInZone`/`date_in_zone`, `htmlDate`, `htmlDateInZone`, `unixEpoch`.
fn register_formatting(f: &mut Funcs, clock: Option<(i64, u32)>) {
    let ex = Arity::Exact;
    f.insert_with_arity("now", ex(0), move |_, _| Ok(now(clock).into_value()));
    f.insert_with_arity("date", ex(2), move |_, a| Ok(sv(format_arg(args::string(a, 0)?, &a[1], clock))));
    for name in ["dateInZone", "date_in_zone"] {
        f.insert_with_arity(name, ex(3), move |_, a| {
            let _ = args::string(a, 2)?;
            Ok(sv(format_arg(args::string(a, 0)?, &a[1], clock)))
        });
    }
    f.insert_with_arity("htmlDate", ex(1), move |_, a| Ok(sv(format_arg("2006-01-02", &a[0], clock))));
    f.insert_with_arity("htmlDateInZone", ex(2), move |_, a| {
        let _ = args::string(a, 1)?;
        Ok(sv(format_arg("2006-01-02", &a[0], clock)))
    });
    f.insert_with_arity("unixEpoch", ex(1), |_, a| match &a[0] {
        Value::Object(o) => Ok(sv(o.call_method("Unix", &[]).map(|v| strval(&v)).unwrap_or_default())),
        other => Err(FuncError::Exec(format!("wrong type for value; expected time.Time; got {}", other.type_name()))),
    });
}

/// The `time.Time` parameter `i` (Go's type error otherwise).
fn time_arg(a: &[Value], i: usize) -> Result<Time, FuncError> {
    match a.get(i) {
        Some(v) => Time::from_value(v).ok_or_else(|| {
            let got = if matches!(v, Value::Nil) { "interface {}".to_string() } else { v.type_name() };
            FuncError::Arg(i, format!("wrong type for value; expected time.Time; got {got}"))
        }),
        None => Err(FuncError::Arg(i, "wrong type for value; expected time.Time; got interface {}".into())),
    }
}

/// `toDate`, `mustToDate`, `dateModify`/`date_modify`, `mustDateModify`/`must_date_modify`.
fn register_parsing(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("toDate", ex(2), |_, a| {
        let (layout, value) = (args::string(a, 0)?, args::string(a, 1)?);
        Ok(parse(layout, value).unwrap_or_else(|_| Time::zero()).into_value())
    });
    f.insert_with_arity("mustToDate", ex(2), |_, a| {
        let (layout, value) = (args::string(a, 0)?, args::string(a, 1)?);
        Ok(parse(layout, value).map_err(FuncError::Call)?.into_value())
    });
    for name in ["dateModify", "date_modify"] {
        f.insert_with_arity(name, ex(2), |_, a| {
            let d = args::string(a, 0)?;
            let t = time_arg(a, 1)?;
            Ok(match parse_duration(d) {
                Ok(d) => t.add(d),
                Err(_) => t,
            }
            .into_value())
        });
    }
    for name in ["mustDateModify", "must_date_modify"] {
        f.insert_with_arity(name, ex(2), |_, a| {
            let d = args::string(a, 0)?;
            let t = time_arg(a, 1)?;
            Ok(t.add(parse_duration(d).map_err(FuncError::Call)?).into_value())
        });
    }
}

/// `ago`, `duration`, `durationRound`.
fn register_durations(f: &mut Funcs, clock: Option<(i64, u32)>) {
    let ex = Arity::Exact;
    f.insert_with_arity("ago", ex(1), move |_, a| {
        let current = now(clock);
        let t = match &a[0] {
            Value::Int(i) => Time::utc(*i, 0),
            v => Time::from_value(v).unwrap_or_else(|| current.clone()),
        };
        Ok(sv(duration_string(duration_round(current.sub(&t), 1_000_000_000))))
    });
    f.insert_with_arity("duration", ex(1), |_, a| {
        let n = match &a[0] {
            // strconv.ParseInt(s, 10, 64): out of range gives the extreme of the sign.
            Value::String(s) => s.parse::<i64>().unwrap_or_else(|_| {
                let body = s.strip_prefix(['+', '-']).unwrap_or(s);
                match (body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()), s.starts_with('-')) {
                    (true, _) => 0,
                    (false, true) => i64::MIN,
                    (false, false) => i64::MAX,
                }
            }),
            Value::Int(i) => *i,
            _ => 0,
        };
        Ok(sv(duration_string(n.wrapping_mul(1_000_000_000))))
    });
    f.insert_with_arity("durationRound", ex(1), move |_, a| {
        let d = match &a[0] {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int(i) => *i,
            v => match Time::from_value(v) {
                Some(t) => now(clock).sub(&t),
                None => 0,
            },
        };
        let u = d.unsigned_abs();
        const HOUR: u64 = 3_600_000_000_000;
        let (year, month, day, minute, second) =
            (HOUR * 24 * 365, HOUR * 24 * 30, HOUR * 24, 60_000_000_000, 1_000_000_000);
        Ok(sv(if u > year {
            format!("{}y", u / year)
        } else if u > month {
            format!("{}mo", u / month)
        } else if u > day {
            format!("{}d", u / day)
        } else if u > HOUR {
            format!("{}h", u / HOUR)
        } else if u > minute {
            format!("{}m", u / minute)
        } else if u > second {
            format!("{}s", u / second)
        } else {
            "0s".to_string()
        }))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go() {
        for (d, s) in [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5\u{b5}s"),
            (1_500_000, "1.5ms"),
            (SECOND, "1s"),
            (90 * SECOND, "1m30s"),
            (3600 * SECOND + 500_000_000, "1h0m0.5s"),
            (-95 * SECOND, "-1m35s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(duration_string(d), s, "{d}");
        }
        assert_eq!(parse_duration("1h30m").unwrap(), 5400 * SECOND);
        assert_eq!(parse_duration("-1.5h").unwrap(), -5400 * SECOND);
        assert_eq!(parse_duration(".5s").unwrap(), SECOND / 2);
        assert!(parse_duration("1").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn layouts_parse_and_format_as_go() {
        let t = parse("2006-01-02T15:04:05Z07:00", "2023-11-14T22:13:20+02:00").unwrap();
        assert_eq!(t.secs, 1_700_000_000 - 7200);
        assert_eq!(t.to_go_string(), "2023-11-14 22:13:20 +0200 +0200");
        let t = parse("2006-01-02", "2024-02-29").unwrap();
        assert_eq!(t.to_go_string(), "2024-02-29 00:00:00 +0000 UTC");
        assert!(parse("2006-01-02", "2023-02-29").unwrap_err().ends_with(": day out of range"));
    }
}
