//! `time.Time` (UTC only) and Go's layout formatting (`Time.Format`).

use gotemplate::Value;

/// A `time.Time` in UTC.
#[derive(Debug, Clone, Copy)]
pub struct Time {
    pub secs: i64,
    pub nanos: u32,
}

const MONTHS: [&str; 12] = [
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
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
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

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

impl Time {
    /// Formats with a Go layout (`2006-01-02T15:04:05Z07:00`).
    pub fn format(&self, layout: &str) -> String {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, mo, d) = civil(days);
        let (h, mi, s) = (sod / 3600, (sod / 60) % 60, sod % 60);
        let wd = (days + 4).rem_euclid(7) as usize;
        let cum = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let yday = cum[(mo - 1) as usize] + d + u32::from(mo > 2 && is_leap(y));
        let mut out = String::new();
        let b = layout.as_bytes();
        let mut i = 0;
        let starts = |i: usize, p: &str| layout[i..].starts_with(p);
        while i < b.len() {
            let tok: Option<(&str, String)> = if starts(i, "January") {
                Some(("January", MONTHS[(mo - 1) as usize].into()))
            } else if starts(i, "Jan") {
                Some(("Jan", MONTHS[(mo - 1) as usize][..3].into()))
            } else if starts(i, "Monday") {
                Some(("Monday", DAYS[wd].into()))
            } else if starts(i, "Mon") {
                Some(("Mon", DAYS[wd][..3].into()))
            } else if starts(i, "MST") {
                Some(("MST", "UTC".into()))
            } else if starts(i, "2006") {
                Some(("2006", format!("{y:04}")))
            } else if starts(i, "2") {
                Some(("2", d.to_string()))
            } else if starts(i, "_2") && !starts(i, "_2006") {
                Some(("_2", format!("{d:>2}")))
            } else if starts(i, "002") {
                Some(("002", format!("{yday:03}")))
            } else if starts(i, "01") {
                Some(("01", format!("{mo:02}")))
            } else if starts(i, "02") {
                Some(("02", format!("{d:02}")))
            } else if starts(i, "03") {
                Some(("03", format!("{:02}", if h % 12 == 0 { 12 } else { h % 12 })))
            } else if starts(i, "04") {
                Some(("04", format!("{mi:02}")))
            } else if starts(i, "05") {
                Some(("05", format!("{s:02}")))
            } else if starts(i, "06") {
                Some(("06", format!("{:02}", y.rem_euclid(100))))
            } else if starts(i, "15") {
                Some(("15", format!("{h:02}")))
            } else if starts(i, "1") {
                Some(("1", mo.to_string()))
            } else if starts(i, "3") {
                Some(("3", (if h % 12 == 0 { 12 } else { h % 12 }).to_string()))
            } else if starts(i, "4") {
                Some(("4", mi.to_string()))
            } else if starts(i, "5") {
                Some(("5", s.to_string()))
            } else if starts(i, "PM") {
                Some(("PM", (if h >= 12 { "PM" } else { "AM" }).into()))
            } else if starts(i, "pm") {
                Some(("pm", (if h >= 12 { "pm" } else { "am" }).into()))
            } else if starts(i, "Z07:00") {
                Some(("Z07:00", "Z".into()))
            } else if starts(i, "Z0700") {
                Some(("Z0700", "Z".into()))
            } else if starts(i, "Z07") {
                Some(("Z07", "Z".into()))
            } else if starts(i, "-07:00:00") {
                Some(("-07:00:00", "+00:00:00".into()))
            } else if starts(i, "-07:00") {
                Some(("-07:00", "+00:00".into()))
            } else if starts(i, "-0700") {
                Some(("-0700", "+0000".into()))
            } else if starts(i, "-07") {
                Some(("-07", "+00".into()))
            } else if (starts(i, ".0") || starts(i, ".9") || starts(i, ",0") || starts(i, ",9"))
                && i > 0
                && layout[..i].ends_with("05")
            {
                let digit = b[i + 1];
                let n = b[i + 1..].iter().take_while(|c| **c == digit).count();
                let ns = format!("{:09}", self.nanos);
                let frac = &ns[..n.min(9)];
                let sep = b[i] as char;
                let text = if digit == b'0' {
                    format!("{sep}{frac}")
                } else {
                    let t = frac.trim_end_matches('0');
                    if t.is_empty() { String::new() } else { format!("{sep}{t}") }
                };
                out.push_str(&text);
                i += 1 + n;
                continue;
            } else {
                None
            };
            match tok {
                Some((t, v)) => {
                    out.push_str(&v);
                    i += t.len();
                }
                None => {
                    let c = layout[i..].chars().next().unwrap_or(' ');
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        out
    }
}

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
            "Year" => Ok(Value::Int(civil(self.secs.div_euclid(86_400)).0)),
            "UTC" => Ok(Value::Object(std::rc::Rc::new(*self))),
            "Format" => match args.first() {
                Some(Value::String(l)) => Ok(Value::string(self.format(l))),
                _ => Err("wrong type for value; expected string".into()),
            },
            _ => Err(format!("can't evaluate field {name} in type time.Time")),
        }
    }
    fn format_v(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

/// Sprig's `date`/`dateInZone` argument: a `time.Time`, or Unix seconds as an integer; anything
/// else (a float from values, a string, nil) is the current time, as in Sprig: the injected
/// clock `now` when set.
pub fn format_arg(layout: &str, v: &Value, now: Option<(i64, u32)>) -> String {
    let t = match v {
        Value::Int(i) => Time { secs: *i, nanos: 0 },
        Value::Object(o) => match o.call_method("Unix", &[]) {
            Ok(Value::Int(s)) => Time { secs: s, nanos: 0 },
            _ => Time { secs: 0, nanos: 0 },
        },
        _ => {
            let (secs, nanos) = now.unwrap_or_else(|| {
                let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                (d.as_secs() as i64, d.subsec_nanos())
            });
            Time { secs, nanos }
        }
    };
    t.format(layout)
}
