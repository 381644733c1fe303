//! Go's `fmt` for template values: `Sprint`, `Sprintln`, `Sprintf`, byte for byte.
//!
//! A transcription of Go 1.19's `fmt/print.go` and `fmt/format.go` (and the parts of `strconv`
//! they use: `FormatFloat`, `Quote`, `QuoteToASCII`, `QuoteRune`, `CanBackquote`, `IsPrint`) for
//! the values a template sees ([`Value`]):
//!
//! - every verb: `%v %+v %#v %T %t %d %b %o %O %x %X %c %q %U %e %E %f %F %g %G %s %p %%`;
//! - flags `+ - # 0 space`, width and precision (also from arguments with `*`), argument
//!   indexes (`%[2]d`, `%[1]*d`);
//! - the error forms: `%!d(string=x)`, `%!(EXTRA string=x)`, `%!v(MISSING)`, `%!(NOVERB)`,
//!   `%!(BADWIDTH)`, `%!(BADPREC)`, `%!d(BADINDEX)`;
//! - floats as `strconv.FormatFloat` prints them: shortest round-trip digits for `%v`/`%g`
//!   (`1e+06`, `100000`, `1e-05`), exact round-half-even rounding for a precision (Rust's float
//!   formatting produces the exact decimal digits), `%x` hex floats, `NaN`, `+Inf`, `-Inf`;
//! - Go quoting with Go 1.19's printable-rune tables (Unicode 13.0.0).
//!
//! Lists print as Go prints a `[]interface {}` and maps as a `map[string]interface {}` (sorted
//! keys); objects print through [`crate::Object::format_v`] like a Go `Stringer`.

mod isprint;

use crate::value::Value;

const NIL_ANGLE: &str = "<nil>";
const NIL_PAREN: &str = "(nil)";
const MAP_TYPE: &str = "map[string]interface {}";
const LIST_TYPE: &str = "[]interface {}";
const LOWER_HEX: &[u8; 17] = b"0123456789abcdefx";
const UPPER_HEX: &[u8; 17] = b"0123456789ABCDEFX";
const MAX_RUNE: u64 = 0x10_FFFF;
const RUNE_ERROR: char = '\u{FFFD}';

/// `fmt.Sprint`: operands printed with `%v`, a space between two operands when neither is a
/// string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            p.buf.push(' ');
        }
        p.print_arg(arg, 'v');
        prev_string = is_string;
    }
    p.buf
}

/// `fmt.Sprintln`: operands printed with `%v`, always space-separated, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.print_arg(arg, 'v');
    }
    p.buf.push('\n');
    p.buf
}

/// `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.buf
}

/// `%v` of one value (`fmt.Sprint(v)`), as the executor prints an action's result.
pub fn format_v(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => format_float(*f, 'g', -1),
        _ => {
            let mut p = Printer::new();
            p.print_arg(value, 'v');
            p.buf
        }
    }
}

/// Flags of one verb (Go's `fmtFlags`).
#[derive(Clone, Copy, Default)]
struct Flags {
    wid_present: bool,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    /// `%+v`: set instead of `plus` for the `v` verb.
    plus_v: bool,
    /// `%#v`: set instead of `sharp` for the `v` verb.
    sharp_v: bool,
}

/// Go's `pp` and `fmt` in one: the output buffer and the state of the current verb.
struct Printer {
    buf: String,
    f: Flags,
    wid: i64,
    prec: i64,
    /// Whether the argument indexes were used (`%[2]d`): no `%!(EXTRA ...)` check then.
    reordered: bool,
    /// Whether the current argument index is valid.
    good_arg_num: bool,
    /// The maps being printed (addresses), to cut cycles.
    active_maps: Vec<usize>,
}

/// Go's `tooLarge`: widths and precisions beyond a million are refused.
fn too_large(x: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&x)
}

/// Go's `parsenum`: the decimal number in `s[start..end]`, whether there was one, and the index
/// after it (`end` when the number is absurdly long).
fn parse_num(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut is_num = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(s[i] - b'0');
        is_num = true;
        i += 1;
    }
    (num, is_num, i)
}

/// Go's `parseArgNumber`: the zero-based index in a leading `[n]`, the bytes to consume, and
/// whether it parsed.
fn parse_arg_number(format: &[u8]) -> (i64, usize, bool) {
    if format.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..format.len() {
        if format[i] == b']' {
            let (width, ok, newi) = parse_num(format, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (width - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

/// Go's `intFromArg`: argument `arg_num` as a width or precision.
fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
    let Some(arg) = args.get(arg_num) else {
        return (0, false, arg_num);
    };
    let (mut num, mut is_int) = match arg {
        Value::Int(i) => (*i, true),
        Value::Uint(u) => match i64::try_from(*u) {
            Ok(i) => (i, true),
            Err(_) => (0, false),
        },
        Value::Uint8(u) => (i64::from(*u), true),
        _ => (0, false),
    };
    if too_large(num) {
        num = 0;
        is_int = false;
    }
    (num, is_int, arg_num + 1)
}

impl Printer {
    fn new() -> Printer {
        Printer {
            buf: String::new(),
            f: Flags::default(),
            wid: 0,
            prec: 0,
            reordered: false,
            good_arg_num: true,
            active_maps: Vec::new(),
        }
    }

    fn clear_flags(&mut self) {
        self.f = Flags::default();
    }

    // ---- fmt/format.go ----

    /// `writePadding`: `n` bytes of padding, zeros when the `0` flag is in effect.
    fn write_padding(&mut self, n: i64) {
        if n <= 0 {
            return;
        }
        let pad = if self.f.zero { '0' } else { ' ' };
        self.buf.extend(std::iter::repeat_n(pad, usize::try_from(n).unwrap_or(0)));
    }

    /// `pad`/`padString`: `s` padded to the width on the left, or on the right with `-`.
    fn pad(&mut self, s: &str) {
        if !self.f.wid_present || self.wid == 0 {
            self.buf.push_str(s);
            return;
        }
        let width = self.wid - i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
        if self.f.minus {
            self.buf.push_str(s);
            self.write_padding(width);
        } else {
            self.write_padding(width);
            self.buf.push_str(s);
        }
    }

    /// `pad` with the `0` flag suspended (numbers handle zero padding themselves).
    fn pad_no_zero(&mut self, s: &str) {
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad(s);
        self.f.zero = old_zero;
    }

    fn fmt_boolean(&mut self, v: bool) {
        self.pad(if v { "true" } else { "false" });
    }

    /// `fmtUnicode`: `U+0078`, or `U+0078 'x'` with `#`.
    fn fmt_unicode(&mut self, u: u64) {
        let mut prec: i64 = 4;
        if self.f.prec_present && self.prec > 4 {
            prec = self.prec;
        }
        let mut hex = Vec::new();
        let mut v = u;
        loop {
            hex.push(UPPER_HEX[(v & 0xF) as usize]);
            prec -= 1;
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        while prec > 0 {
            hex.push(b'0');
            prec -= 1;
        }
        hex.reverse();
        let mut s = String::with_capacity(hex.len() + 8);
        s.push_str("U+");
        s.extend(hex.iter().map(|&b| char::from(b)));
        if self.f.sharp
            && u <= MAX_RUNE
            && is_print(u as u32)
            && let Some(c) = char::from_u32(u as u32)
        {
            s.push_str(" '");
            s.push(c);
            s.push('\'');
        }
        self.pad_no_zero(&s);
    }

    /// `fmtInteger`: `u` in `base`, signed or not, with precision, width, `#`, `+` and space.
    fn fmt_integer(&mut self, u: u64, base: u32, is_signed: bool, verb: char, digits: &[u8; 17]) {
        let negative = is_signed && (u as i64) < 0;
        let mut u = if negative { u.wrapping_neg() } else { u };

        let mut prec: i64 = 0;
        if self.f.prec_present {
            prec = self.prec;
            // Precision 0 and value 0 print nothing but the padding.
            if prec == 0 && u == 0 {
                let old_zero = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.wid);
                self.f.zero = old_zero;
                return;
            }
        } else if self.f.zero && self.f.wid_present {
            prec = self.wid;
            if negative || self.f.plus || self.f.space {
                prec -= 1; // leave room for the sign
            }
        }

        // Digits right to left.
        let mut rev: Vec<u8> = Vec::with_capacity(24);
        let b = u64::from(base);
        while u >= b {
            rev.push(digits[(u % b) as usize]);
            u /= b;
        }
        rev.push(digits[u as usize]);
        while prec > rev.len() as i64 {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        let s: String = rev.iter().map(|&c| char::from(c)).collect();
        self.pad_no_zero(&s);
    }

    /// `truncateString`: `s` cut to the precision, in runes.
    fn truncate<'a>(&self, s: &'a str) -> &'a str {
        if self.f.prec_present {
            let n = usize::try_from(self.prec).unwrap_or(0);
            if let Some((i, _)) = s.char_indices().nth(n) {
                return &s[..i];
            }
        }
        s
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s);
    }

    /// `fmtSbx`: the bytes of `s` in hexadecimal (`% x` separates them, `#` adds `0x`).
    fn fmt_sx(&mut self, s: &str, digits: &[u8; 17]) {
        let bytes = s.as_bytes();
        let mut length = bytes.len() as i64;
        if self.f.prec_present && self.prec < length {
            length = self.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.wid);
            }
            return;
        }
        if self.f.wid_present && self.wid > width && !self.f.minus {
            self.write_padding(self.wid - width);
        }
        if self.f.sharp {
            self.buf.push('0');
            self.buf.push(char::from(digits[16]));
        }
        for (i, &c) in bytes.iter().take(usize::try_from(length).unwrap_or(0)).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(' ');
                if self.f.sharp {
                    self.buf.push('0');
                    self.buf.push(char::from(digits[16]));
                }
            }
            self.buf.push(char::from(digits[usize::from(c >> 4)]));
            self.buf.push(char::from(digits[usize::from(c & 0xF)]));
        }
        if self.f.wid_present && self.wid > width && self.f.minus {
            self.write_padding(self.wid - width);
        }
    }

    /// `fmtQ`: a double-quoted Go string, or backquoted with `#` when possible.
    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            let quoted = format!("`{s}`");
            self.pad(&quoted);
            return;
        }
        let quoted = if self.f.plus { quote_to_ascii(s) } else { quote(s) };
        self.pad(&quoted);
    }

    /// `fmtC`: the integer as a character (U+FFFD when it is not a valid rune).
    fn fmt_c(&mut self, c: u64) {
        let ch = rune_char(c);
        let mut tmp = [0u8; 4];
        let s: &str = ch.encode_utf8(&mut tmp);
        self.pad(s);
    }

    /// `fmtQc`: the integer as a single-quoted Go character literal.
    fn fmt_qc(&mut self, c: u64) {
        let ch = rune_char(c);
        let quoted = quote_rune_with(ch, self.f.plus);
        self.pad(&quoted);
    }

    /// `fmtFloat`: `v` through `strconv.AppendFloat(verb, prec)` with Go's sign, `#` and
    /// padding rules.
    fn fmt_float(&mut self, v: f64, verb: char, prec: i64) {
        let prec = if self.f.prec_present { self.prec } else { prec };
        let formatted = format_float(v, verb, prec);
        let mut num: Vec<u8> = Vec::with_capacity(formatted.len() + 8);
        let fb = formatted.as_bytes();
        if fb.first().is_some_and(|&c| c == b'-' || c == b'+') {
            num.extend_from_slice(fb);
        } else {
            num.push(b'+');
            num.extend_from_slice(fb);
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        // Infinities and NaN are not numbers: no zero padding.
        if num.len() > 1 && (num[1] == b'I' || num[1] == b'N') {
            let start = if num[1] == b'N' && !self.f.space && !self.f.plus { 1 } else { 0 };
            let s = ascii_string(&num[start..]);
            self.pad_no_zero(&s);
            return;
        }
        // `#` forces a decimal point and keeps trailing zeros (%g).
        if self.f.sharp && verb != 'b' {
            let mut digits: i64 = 0;
            if matches!(verb, 'v' | 'g' | 'G' | 'x') {
                digits = if prec == -1 { 6 } else { prec };
            }
            let mut tail: Vec<u8> = Vec::new();
            let mut has_decimal_point = false;
            let mut saw_nonzero_digit = false;
            let mut i = 1;
            while i < num.len() {
                match num[i] {
                    b'.' => has_decimal_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                    }
                    b'e' | b'E' if verb != 'x' && verb != 'X' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                    }
                    c => {
                        if c != b'0' {
                            saw_nonzero_digit = true;
                        }
                        if saw_nonzero_digit {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_decimal_point {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        if self.f.plus || num[0] != b'+' {
            // Zero padding goes between the sign and the digits.
            if self.f.zero && self.f.wid_present && self.wid > num.len() as i64 {
                self.buf.push(char::from(num[0]));
                self.write_padding(self.wid - num.len() as i64);
                self.buf.push_str(&ascii_string(&num[1..]));
                return;
            }
            let s = ascii_string(&num);
            self.pad(&s);
            return;
        }
        let s = ascii_string(&num[1..]);
        self.pad(&s);
    }

    // ---- fmt/print.go ----

    /// `badVerb`: `%!verb(type=value)`.
    fn bad_verb(&mut self, verb: char, arg: &Value) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        if let Value::Nil = arg {
            self.buf.push_str(NIL_ANGLE);
        } else {
            self.buf.push_str(&arg.type_name());
            self.buf.push('=');
            self.print_arg(arg, 'v');
        }
        self.buf.push(')');
    }

    fn fmt_bool(&mut self, v: bool, verb: char, arg: &Value) {
        match verb {
            't' | 'v' => self.fmt_boolean(v),
            _ => self.bad_verb(verb, arg),
        }
    }

    /// `fmt0x64`: hexadecimal with or without a leading `0x`.
    fn fmt_0x64(&mut self, v: u64, leading_0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading_0x;
        self.fmt_integer(v, 16, false, 'v', LOWER_HEX);
        self.f.sharp = sharp;
    }

    /// `pp.fmtInteger`.
    fn fmt_int(&mut self, v: u64, is_signed: bool, verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v && !is_signed {
                    self.fmt_0x64(v, true);
                } else {
                    self.fmt_integer(v, 10, is_signed, verb, LOWER_HEX);
                }
            }
            'd' => self.fmt_integer(v, 10, is_signed, verb, LOWER_HEX),
            'b' => self.fmt_integer(v, 2, is_signed, verb, LOWER_HEX),
            'o' | 'O' => self.fmt_integer(v, 8, is_signed, verb, LOWER_HEX),
            'x' => self.fmt_integer(v, 16, is_signed, verb, LOWER_HEX),
            'X' => self.fmt_integer(v, 16, is_signed, verb, UPPER_HEX),
            'c' => self.fmt_c(v),
            'q' => self.fmt_qc(v),
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(verb, arg),
        }
    }

    /// `pp.fmtFloat`: the default precision of each verb.
    fn fmt_float_verb(&mut self, v: f64, verb: char, arg: &Value) {
        match verb {
            'v' => self.fmt_float(v, 'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(v, verb, -1),
            'f' | 'e' | 'E' => self.fmt_float(v, verb, 6),
            'F' => self.fmt_float(v, 'f', 6),
            _ => self.bad_verb(verb, arg),
        }
    }

    /// `pp.fmtString`.
    fn fmt_string(&mut self, v: &str, verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(v);
                } else {
                    self.fmt_s(v);
                }
            }
            's' => self.fmt_s(v),
            'x' => self.fmt_sx(v, LOWER_HEX),
            'X' => self.fmt_sx(v, UPPER_HEX),
            'q' => self.fmt_q(v),
            _ => self.bad_verb(verb, arg),
        }
    }

    /// `fmtPointer`: maps and lists have an address (not reproducible, but well-formed).
    fn fmt_pointer(&mut self, arg: &Value, verb: char) {
        let u = match arg {
            Value::Map(m) => std::rc::Rc::as_ptr(m) as *const u8 as usize as u64,
            Value::List(l) => l.as_ptr() as usize as u64,
            _ => {
                self.bad_verb(verb, arg);
                return;
            }
        };
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.buf.push('(');
                    self.buf.push_str(&arg.type_name());
                    self.buf.push_str(")(");
                    self.fmt_0x64(u, true);
                    self.buf.push(')');
                } else {
                    let sharp = !self.f.sharp;
                    self.fmt_0x64(u, sharp);
                }
            }
            'p' => {
                let sharp = !self.f.sharp;
                self.fmt_0x64(u, sharp);
            }
            'b' | 'o' | 'd' | 'x' | 'X' => self.fmt_int(u, false, verb, arg),
            _ => self.bad_verb(verb, arg),
        }
    }

    /// `printArg`: one operand of the top level.
    fn print_arg(&mut self, arg: &Value, verb: char) {
        if let Value::Nil = arg {
            match verb {
                'T' | 'v' => self.pad(NIL_ANGLE),
                _ => self.bad_verb(verb, arg),
            }
            return;
        }
        match verb {
            'T' => {
                let t = arg.type_name();
                self.fmt_s(&t);
                return;
            }
            'p' => {
                self.fmt_pointer(arg, 'p');
                return;
            }
            _ => {}
        }
        self.print_value(arg, verb, 0);
    }

    /// `printValue`: a value at any depth (inside a list or map, values are `interface {}`).
    fn print_value(&mut self, value: &Value, verb: char, depth: usize) {
        match value {
            Value::Nil => {
                // A nil interface inside a list or map.
                if self.f.sharp_v {
                    self.buf.push_str("interface {}");
                    self.buf.push_str(NIL_PAREN);
                } else {
                    self.buf.push_str(NIL_ANGLE);
                }
            }
            Value::Bool(b) => self.fmt_bool(*b, verb, value),
            Value::Int(i) => self.fmt_int(*i as u64, true, verb, value),
            Value::Uint(u) => self.fmt_int(*u, false, verb, value),
            Value::Uint8(u) => self.fmt_int(u64::from(*u), false, verb, value),
            Value::Float(f) => self.fmt_float_verb(*f, verb, value),
            Value::String(s) => self.fmt_string(s, verb, value),
            Value::Map(map) => {
                // A map that contains itself (possible through Sprig's `set`) would make Go
                // overflow its stack; print the inner occurrence as `map[...]` instead.
                let id = std::rc::Rc::as_ptr(map) as *const () as usize;
                if self.active_maps.contains(&id) {
                    self.buf.push_str("map[...]");
                    return;
                }
                if self.f.sharp_v {
                    self.buf.push_str(MAP_TYPE);
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                self.active_maps.push(id);
                // Clone the entries: no borrow of the map is held while values are printed.
                let entries: Vec<(String, Value)> = map.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.buf.push_str(", ");
                        } else {
                            self.buf.push(' ');
                        }
                    }
                    let key = Value::string(k.as_str());
                    self.fmt_string(k, verb, &key);
                    self.buf.push(':');
                    self.print_nested(v, verb, depth);
                }
                self.active_maps.pop();
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::List(items) => {
                if self.f.sharp_v {
                    self.buf.push_str(LIST_TYPE);
                    self.buf.push('{');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push_str(", ");
                        }
                        self.print_nested(item, verb, depth);
                    }
                    self.buf.push('}');
                } else {
                    self.buf.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(' ');
                        }
                        self.print_nested(item, verb, depth);
                    }
                    self.buf.push(']');
                }
            }
            Value::Object(o) => {
                // Like a Go Stringer: the string verbs print `format_v`, the others are bad verbs.
                match verb {
                    'v' | 's' | 'x' | 'X' | 'q' => {
                        let s = o.format_v();
                        if self.f.sharp_v {
                            self.fmt_s(&s);
                        } else {
                            self.fmt_string(&s, verb, value);
                        }
                    }
                    _ => self.bad_verb(verb, value),
                }
            }
        }
    }

    /// An element of a list or value of a map; beyond [`MAX_DEPTH`] levels (only reachable with
    /// data built by functions, never with decoded JSON or YAML) `...` is printed instead of
    /// overflowing the stack.
    fn print_nested(&mut self, value: &Value, verb: char, depth: usize) {
        if depth >= MAX_DEPTH {
            self.buf.push_str("...");
            return;
        }
        self.print_value(value, verb, depth + 1);
    }

    /// `doPrintf`.
    fn do_printf(&mut self, format: &str, args: &[Value]) {
        let fb = format.as_bytes();
        let end = fb.len();
        let mut arg_num: usize = 0;
        let mut after_index;
        self.reordered = false;
        let mut i = 0;
        'format_loop: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && fb[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.push_str(&format[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1; // the '%'

            self.clear_flags();
            'simple: while i < end {
                let c = fb[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = !self.f.minus,
                    b'+' => self.f.plus = true,
                    b'-' => {
                        self.f.minus = true;
                        self.f.zero = false;
                    }
                    b' ' => self.f.space = true,
                    _ => {
                        // Fast path: a lower-case verb right after the flags.
                        if c.is_ascii_lowercase() && arg_num < args.len() {
                            if c == b'v' {
                                self.f.sharp_v = self.f.sharp;
                                self.f.sharp = false;
                                self.f.plus_v = self.f.plus;
                                self.f.plus = false;
                            }
                            self.print_arg(&args[arg_num], char::from(c));
                            arg_num += 1;
                            i += 1;
                            continue 'format_loop;
                        }
                        break 'simple;
                    }
                }
                i += 1;
            }

            // Argument index?
            (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, args.len());

            // Width?
            if i < end && fb[i] == b'*' {
                i += 1;
                let (wid, present, next) = int_from_arg(args, arg_num);
                self.wid = wid;
                self.f.wid_present = present;
                arg_num = next;
                if !present {
                    self.buf.push_str("%!(BADWIDTH)");
                }
                if self.wid < 0 {
                    self.wid = -self.wid;
                    self.f.minus = true;
                    self.f.zero = false;
                }
                after_index = false;
            } else {
                let (wid, present, next) = parse_num(fb, i, end);
                self.wid = wid;
                self.f.wid_present = present;
                i = next;
                if after_index && present {
                    self.good_arg_num = false;
                }
            }

            // Precision?
            if i + 1 < end && fb[i] == b'.' {
                i += 1;
                if after_index {
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, args.len());
                if i < end && fb[i] == b'*' {
                    i += 1;
                    let (prec, present, next) = int_from_arg(args, arg_num);
                    self.prec = prec;
                    self.f.prec_present = present;
                    arg_num = next;
                    if self.prec < 0 {
                        self.prec = 0;
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.push_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (prec, present, next) = parse_num(fb, i, end);
                    self.prec = prec;
                    self.f.prec_present = present;
                    i = next;
                    if !present {
                        self.prec = 0;
                        self.f.prec_present = true;
                    }
                }
            }

            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, fb, i, args.len());
            }

            if i >= end {
                self.buf.push_str("%!(NOVERB)");
                break;
            }

            let verb = format[i..].chars().next().unwrap_or(RUNE_ERROR);
            i += verb.len_utf8();

            if verb == '%' {
                self.buf.push('%');
            } else if !self.good_arg_num {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(BADINDEX)");
            } else if arg_num >= args.len() {
                self.buf.push_str("%!");
                self.buf.push(verb);
                self.buf.push_str("(MISSING)");
            } else {
                if verb == 'v' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                self.print_arg(&args[arg_num], verb);
                arg_num += 1;
            }
        }

        if !self.reordered && arg_num < args.len() {
            self.clear_flags();
            self.buf.push_str("%!(EXTRA ");
            for (k, arg) in args[arg_num..].iter().enumerate() {
                if k > 0 {
                    self.buf.push_str(", ");
                }
                if let Value::Nil = arg {
                    self.buf.push_str(NIL_ANGLE);
                } else {
                    self.buf.push_str(&arg.type_name());
                    self.buf.push('=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(')');
        }
    }

    /// `argNumber`: the argument to use next, the index after a `[n]`, and whether one was found.
    fn arg_number(&mut self, arg_num: usize, format: &[u8], i: usize, num_args: usize) -> (usize, usize, bool) {
        if format.len() <= i || format[i] != b'[' {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(&format[i..]);
        if ok && 0 <= index && (index as u64) < num_args as u64 {
            return (index as usize, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }
}

/// How deep lists and maps are printed before `...`.
const MAX_DEPTH: usize = 1_000;

fn ascii_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Go's `rune(c)` for `%c`/`%q`: U+FFFD beyond the Unicode range and for surrogates.
fn rune_char(c: u64) -> char {
    if c > MAX_RUNE {
        return RUNE_ERROR;
    }
    char::from_u32(c as u32).unwrap_or(RUNE_ERROR)
}

// ---- strconv ----

/// `strconv.IsPrint` (Go 1.19 tables): letters, marks, numbers, punctuation, symbols and the
/// ASCII space.
pub fn is_print(r: u32) -> bool {
    if r <= 0xFF {
        if (0x20..=0x7E).contains(&r) {
            return true;
        }
        if (0xA1..=0xFF).contains(&r) {
            return r != 0xAD;
        }
        return false;
    }
    if r < 0x1_0000 {
        let rr = r as u16;
        let table = &isprint::IS_PRINT16[..];
        let i = table.partition_point(|&x| x < rr);
        if i >= table.len() || rr < table[i & !1] || table[i | 1] < rr {
            return false;
        }
        let not = &isprint::IS_NOT_PRINT16[..];
        let j = not.partition_point(|&x| x < rr);
        return j >= not.len() || not[j] != rr;
    }
    let table = &isprint::IS_PRINT32[..];
    let i = table.partition_point(|&x| x < r);
    if i >= table.len() || r < table[i & !1] || table[i | 1] < r {
        return false;
    }
    if r >= 0x2_0000 {
        return true;
    }
    let rr = (r - 0x1_0000) as u16;
    let not = &isprint::IS_NOT_PRINT32[..];
    let j = not.partition_point(|&x| x < rr);
    j >= not.len() || not[j] != rr
}

/// `strconv.CanBackquote`: whether `s` can be a raw string literal unchanged.
pub fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| {
        if c.len_utf8() > 1 { c != '\u{FEFF}' } else { !((c < ' ' && c != '\t') || c == '`' || c == '\u{7F}') }
    })
}

/// `appendEscapedRune`.
fn push_escaped_rune(buf: &mut String, r: char, quote: char, ascii_only: bool) {
    if r == quote || r == '\\' {
        buf.push('\\');
        buf.push(r);
        return;
    }
    if ascii_only {
        if r.is_ascii() && is_print(r as u32) {
            buf.push(r);
            return;
        }
    } else if is_print(r as u32) {
        buf.push(r);
        return;
    }
    match r {
        '\x07' => buf.push_str("\\a"),
        '\x08' => buf.push_str("\\b"),
        '\x0C' => buf.push_str("\\f"),
        '\n' => buf.push_str("\\n"),
        '\r' => buf.push_str("\\r"),
        '\t' => buf.push_str("\\t"),
        '\x0B' => buf.push_str("\\v"),
        _ => {
            let v = r as u32;
            if r < ' ' || r == '\x7F' {
                buf.push_str(&format!("\\x{v:02x}"));
            } else if v < 0x1_0000 {
                buf.push_str(&format!("\\u{v:04x}"));
            } else {
                buf.push_str(&format!("\\U{v:08x}"));
            }
        }
    }
}

fn quote_with(s: &str, quote: char, ascii_only: bool) -> String {
    let mut buf = String::with_capacity(s.len() + 2);
    buf.push(quote);
    for c in s.chars() {
        push_escaped_rune(&mut buf, c, quote, ascii_only);
    }
    buf.push(quote);
    buf
}

/// `strconv.Quote`: a double-quoted Go string literal; printable runes kept.
pub fn quote(s: &str) -> String {
    quote_with(s, '"', false)
}

/// `strconv.QuoteToASCII`: a double-quoted Go string literal with only ASCII characters.
pub fn quote_to_ascii(s: &str) -> String {
    quote_with(s, '"', true)
}

/// `strconv.QuoteRune` (or `QuoteRuneToASCII` when `ascii_only`).
pub fn quote_rune_with(r: char, ascii_only: bool) -> String {
    let mut buf = String::with_capacity(8);
    buf.push('\'');
    push_escaped_rune(&mut buf, r, '\'', ascii_only);
    buf.push('\'');
    buf
}

/// Decimal digits of a float as Go's `decimalSlice`: digits without leading or trailing zeros
/// (empty for zero) and the position of the decimal point.
struct Digits {
    d: Vec<u8>,
    dp: i64,
}

impl Digits {
    fn nd(&self) -> i64 {
        self.d.len() as i64
    }

    /// From Rust's `{:e}` form `d.ddde±x` of a non-negative value.
    fn from_exp(s: &str) -> Digits {
        let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
        let exp: i64 = exp.parse().unwrap_or(0);
        let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
        Digits::normalize(&mut d, exp + 1)
    }

    /// From Rust's fixed form `ddd.ddd` of a non-negative value.
    fn from_fixed(s: &str) -> Digits {
        let (int, _) = s.split_once('.').unwrap_or((s, ""));
        let mut d: Vec<u8> = s.bytes().filter(u8::is_ascii_digit).collect();
        Digits::normalize(&mut d, int.len() as i64)
    }

    fn normalize(d: &mut Vec<u8>, mut dp: i64) -> Digits {
        let lead = d.iter().take_while(|&&c| c == b'0').count();
        d.drain(..lead);
        dp -= lead as i64;
        while d.last() == Some(&b'0') {
            d.pop();
        }
        if d.is_empty() {
            dp = 0;
        }
        Digits { d: std::mem::take(d), dp }
    }
}

/// More decimal digits than any `f64` has (767 significant, 1074 after the point).
const EXACT_DIGITS: usize = 1100;

/// `strconv.FormatFloat(v, fmt, prec, 64)` for `fmt` in `b e E f g G x X`; `prec` -1 means the
/// shortest representation that reads back exactly.
pub fn format_float(v: f64, fmt: char, prec: i64) -> String {
    let bits = v.to_bits();
    let neg = bits >> 63 != 0;
    let exp_bits = ((bits >> 52) & 0x7FF) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp_bits == 0x7FF {
        return if mant != 0 {
            "NaN".into()
        } else if neg {
            "-Inf".into()
        } else {
            "+Inf".into()
        };
    }
    let mut exp = exp_bits;
    if exp == 0 {
        exp += 1; // denormal
    } else {
        mant |= 1u64 << 52;
    }
    exp += -1023;

    match fmt {
        'b' => return fmt_b(neg, mant, exp),
        'x' | 'X' => return fmt_x(prec, fmt, neg, mant, exp),
        'e' | 'E' | 'f' | 'g' | 'G' => {}
        _ => return format!("%{fmt}"),
    }

    let a = v.abs();
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let digs = if a == 0.0 { Digits { d: Vec::new(), dp: 0 } } else { Digits::from_exp(&format!("{a:e}")) };
        prec = match fmt {
            'e' | 'E' => (digs.nd() - 1).max(0),
            'f' => (digs.nd() - digs.dp).max(0),
            _ => digs.nd(),
        };
        digs
    } else if fmt == 'f' {
        // A float's exact decimal expansion ends within 1074 fractional digits, so a larger
        // precision only adds zeros (and Rust's formatter takes at most 65535).
        let p = usize::try_from(prec).unwrap_or(0).min(EXACT_DIGITS);
        Digits::from_fixed(&format!("{a:.p$}"))
    } else {
        let digits = match fmt {
            'e' | 'E' => prec + 1,
            _ => {
                if prec == 0 {
                    prec = 1;
                }
                prec
            }
        };
        if a == 0.0 {
            Digits { d: Vec::new(), dp: 0 }
        } else {
            let p = usize::try_from(digits - 1).unwrap_or(0).min(EXACT_DIGITS);
            Digits::from_exp(&format!("{a:.p$e}"))
        }
    };
    format_digits(shortest, neg, &digs, prec, fmt)
}

/// `formatDigits`.
fn format_digits(shortest: bool, neg: bool, digs: &Digits, prec: i64, fmt: char) -> String {
    match fmt {
        'e' | 'E' => fmt_e(neg, digs, prec, fmt),
        'f' => fmt_f(neg, digs, prec),
        _ => {
            let mut prec = prec;
            let mut eprec = prec;
            if eprec > digs.nd() && digs.nd() >= digs.dp {
                eprec = digs.nd();
            }
            // %e when the exponent is below -4 or at least the precision (6 when shortest).
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > digs.nd() {
                    prec = digs.nd();
                }
                let e = if fmt == 'G' { 'E' } else { 'e' };
                return fmt_e(neg, digs, prec - 1, e);
            }
            if prec > digs.dp {
                prec = digs.nd();
            }
            fmt_f(neg, digs, (prec - digs.dp).max(0))
        }
    }
}

/// `%e`: `-d.dddde±dd`.
fn fmt_e(neg: bool, d: &Digits, prec: i64, fmt: char) -> String {
    let mut s = String::with_capacity(24);
    if neg {
        s.push('-');
    }
    s.push(d.d.first().map_or('0', |&c| char::from(c)));
    if prec > 0 {
        s.push('.');
        let m = d.nd().min(prec + 1);
        let mut i = 1;
        while i < m {
            s.push(char::from(d.d[i as usize]));
            i += 1;
        }
        while i <= prec {
            s.push('0');
            i += 1;
        }
    }
    s.push(fmt);
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    if exp < 0 {
        s.push('-');
        exp = -exp;
    } else {
        s.push('+');
    }
    if exp < 10 {
        s.push('0');
    }
    s.push_str(&exp.to_string());
    s
}

/// `%f`: `-ddddddd.ddddd`.
fn fmt_f(neg: bool, d: &Digits, prec: i64) -> String {
    let mut s = String::with_capacity(24);
    if neg {
        s.push('-');
    }
    if d.dp > 0 {
        let m = d.nd().min(d.dp);
        s.extend(d.d[..m as usize].iter().map(|&c| char::from(c)));
        for _ in m..d.dp {
            s.push('0');
        }
    } else {
        s.push('0');
    }
    if prec > 0 {
        s.push('.');
        for i in 0..prec {
            let j = d.dp + i;
            let ch = if 0 <= j && j < d.nd() { d.d[j as usize] } else { b'0' };
            s.push(char::from(ch));
        }
    }
    s
}

/// `%b`: `-ddddddddp±ddd`.
fn fmt_b(neg: bool, mant: u64, exp: i64) -> String {
    let exp = exp - 52;
    let sign = if neg { "-" } else { "" };
    let esign = if exp >= 0 { "+" } else { "" };
    format!("{sign}{mant}p{esign}{exp}")
}

/// `%x`: `-0x1.yyyyyyyyp±dd` or `-0x0p+00`.
fn fmt_x(prec: i64, fmt: char, neg: bool, mut mant: u64, mut exp: i64) -> String {
    if mant == 0 {
        exp = 0;
    }
    // Leading 1 (if any) at bit 60.
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex = if fmt == 'X' { UPPER_HEX } else { LOWER_HEX };
    let mut s = String::with_capacity(24);
    if neg {
        s.push('-');
    }
    s.push('0');
    s.push(fmt);
    s.push(char::from(b'0' + ((mant >> 60) & 1) as u8));
    mant <<= 4;
    if prec < 0 && mant != 0 {
        s.push('.');
        while mant != 0 {
            s.push(char::from(hex[((mant >> 60) & 15) as usize]));
            mant <<= 4;
        }
    } else if prec > 0 {
        s.push('.');
        for _ in 0..prec {
            s.push(char::from(hex[((mant >> 60) & 15) as usize]));
            mant <<= 4;
        }
    }
    s.push(if fmt == 'X' { 'P' } else { 'p' });
    if exp < 0 {
        s.push('-');
        exp = -exp;
    } else {
        s.push('+');
    }
    if exp < 10 {
        s.push('0');
    }
    s.push_str(&exp.to_string());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn s(v: &str) -> Value {
        Value::string(v)
    }
    fn i(v: i64) -> Value {
        Value::Int(v)
    }
    fn f(v: f64) -> Value {
        Value::Float(v)
    }
    fn map(entries: &[(&str, Value)]) -> Value {
        Value::map(entries.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect::<BTreeMap<_, _>>())
    }
    fn list(items: &[Value]) -> Value {
        Value::list(items.to_vec())
    }
    #[track_caller]
    fn check(format: &str, args: &[Value], want: &str) {
        assert_eq!(sprintf(format, args), want, "Sprintf({format:?}, {args:?})");
    }

    #[test]
    fn sprint_spaces_between_non_strings() {
        assert_eq!(sprint(&[i(1), i(2)]), "1 2");
        assert_eq!(sprint(&[s("a"), i(1), s("b")]), "a1b");
        assert_eq!(sprint(&[s("a"), s("b")]), "ab");
        assert_eq!(sprint(&[i(1), Value::Nil, f(2.5)]), "1 <nil> 2.5");
        assert_eq!(sprint(&[]), "");
        assert_eq!(sprintln(&[s("a"), s("b"), i(3)]), "a b 3\n");
        assert_eq!(sprintln(&[]), "\n");
    }

    #[test]
    fn format_v_of_every_kind() {
        assert_eq!(format_v(&Value::Nil), "<nil>");
        assert_eq!(format_v(&f(1_000_000.0)), "1e+06");
        assert_eq!(format_v(&f(100_000.0)), "100000");
        assert_eq!(format_v(&f(1e-5)), "1e-05");
        assert_eq!(format_v(&f(0.0001)), "0.0001");
        assert_eq!(format_v(&f(1_234_567.0)), "1.234567e+06");
        assert_eq!(format_v(&f(3.0)), "3");
        assert_eq!(format_v(&f(-0.0)), "-0");
        assert_eq!(format_v(&f(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(format_v(&f(1e21)), "1e+21");
        assert_eq!(format_v(&f(1e100)), "1e+100");
        assert_eq!(format_v(&f(5e-324)), "5e-324");
        assert_eq!(format_v(&f(f64::MAX)), "1.7976931348623157e+308");
        assert_eq!(format_v(&f(f64::NAN)), "NaN");
        assert_eq!(format_v(&f(f64::INFINITY)), "+Inf");
        assert_eq!(format_v(&f(f64::NEG_INFINITY)), "-Inf");
        assert_eq!(format_v(&Value::Uint(u64::MAX)), "18446744073709551615");
        assert_eq!(format_v(&list(&[i(1), s("a"), Value::Nil, f(2e6)])), "[1 a <nil> 2e+06]");
        assert_eq!(format_v(&map(&[("b", i(2)), ("a", list(&[]))])), "map[a:[] b:2]");
        assert_eq!(format_v(&map(&[])), "map[]");
    }

    #[test]
    fn integers() {
        check("%d|%5d|%-5d|%05d|%+d|% d", &[i(42), i(42), i(42), i(-42), i(42), i(42)], "42|   42|42   |-0042|+42| 42");
        check("%x|%X|%#x|%#X|%o|%#o|%O|%b|%#b", &vec![i(255); 9], "ff|FF|0xff|0XFF|377|0377|0o377|11111111|0b11111111");
        check("%x|%#o", &[i(-255), i(0)], "-ff|0");
        check("%.3d|%.0d|%5.0d|%8.3d|%08.3d", &[i(7), i(0), i(0), i(-7), i(7)], "007||     |    -007|     007");
        check("%c|%c|%c|%c", &[i(65), i(0x4E16), i(-1), i(0xD800)], "A|世|\u{FFFD}|\u{FFFD}");
        check("%q|%+q|%q|%q", &[i(0x263A), i(0x263A), i(39), i(10)], r"'☺'|'\u263a'|'\''|'\n'");
        check(
            "%U|%#U|%#U|%.6U|%U",
            &[i(0x1F600), i(0x1F600), i(10), i(65), i(-1)],
            "U+1F600|U+1F600 '😀'|U+000A|U+000041|U+FFFFFFFFFFFFFFFF",
        );
        check("%v|%#v|%x", &[Value::Uint(10), Value::Uint(10), Value::Uint(u64::MAX)], "10|0xa|ffffffffffffffff");
        check("%d", &[i(i64::MIN)], "-9223372036854775808");
        check("%t|%s|%e", &[i(1), i(1), i(1)], "%!t(int=1)|%!s(int=1)|%!e(int=1)");
    }

    #[test]
    fn floats() {
        check(
            "%v|%g|%e|%f|%.2f|%G|%E",
            &vec![f(1e6); 7],
            "1e+06|1e+06|1.000000e+06|1000000.000000|1000000.00|1E+06|1.000000E+06",
        );
        check(
            "%.0f|%.0f|%.0f|%.1f|%.2f|%.2f",
            &[f(0.5), f(1.5), f(2.5), f(0.25), f(0.125), f(0.375)],
            "0|2|2|0.2|0.12|0.38",
        );
        check(
            "%.3g|%.2g|%.3g|%g|%.10g",
            &[f(100.0), f(100.0), f(0.0), f(0.0), f(1.0 / 3.0)],
            "100|1e+02|0|0|0.3333333333",
        );
        check("%.0e|%.1e|%e|%.3e", &[f(2.5), f(0.125), f(0.0), f(1e21)], "2e+00|1.2e-01|0.000000e+00|1.000e+21");
        check(
            "%8.3f|%-8.3f|%08.3f|%+.3f|% .3f|%+08.2f",
            &[f(3.14158), f(3.14158), f(-3.14158), f(3.14158), f(3.14158), f(2.5)],
            "   3.142|3.142   |-003.142|+3.142| 3.142|+0002.50",
        );
        check(
            "%#g|%#.3g|%#v|%#.0f|%#.0e|%#g",
            &[f(1.0), f(2.0), f(1.0), f(3.0), f(3.0), f(1e6)],
            "1.00000|2.00|1|3.|3.e+00|1.00000e+06",
        );
        check(
            "%f|%+f|% f|%5f|%05f|%-6f|%v",
            &[
                f(f64::NAN),
                f(f64::NAN),
                f(f64::NAN),
                f(f64::INFINITY),
                f(f64::NEG_INFINITY),
                f(f64::INFINITY),
                f(f64::NEG_INFINITY),
            ],
            "NaN|+NaN| NaN| +Inf| -Inf|+Inf  |-Inf",
        );
        check(
            "%x|%X|%.2x|%x|%x|%b",
            &[f(1.0), f(-3.5), f(1.0 / 3.0), f(0.0), f(1e-320), f(1.0)],
            "0x1p+00|-0X1.CP+01|0x1.55p-02|0x0p+00|0x1.fap-1064|4503599627370496p-52",
        );
        check(
            "%d|%s|%t|%q|%c",
            &[f(3.0), f(1e6), f(0.5), f(1.0), f(2.0)],
            "%!d(float64=3)|%!s(float64=1e+06)|%!t(float64=0.5)|%!q(float64=1)|%!c(float64=2)",
        );
        check("%.2d|%+d", &[f(3.14158), f(3.0)], "%!d(float64=3.1)|%!d(float64=+3)");
        check("%F|%.1F", &[f(1.25), f(1.25)], "1.250000|1.2");
        check("%g|%g|%g|%g", &[f(1e-4), f(1e-5), f(123_456.0), f(1_234_567.0)], "0.0001|1e-05|123456|1.234567e+06");
        check("%.3v|%10.4v|%-10v|", &[f(3.14158), f(1.0 / 3.0), f(2.5)], "3.14|    0.3333|2.5       |");
    }

    #[test]
    fn strings() {
        check(
            "%s|%q|%v|%#v|%x|%X|% x|%# x|%#x",
            &vec![s("hi\n"); 9],
            "hi\n|\"hi\\n\"|hi\n|\"hi\\n\"|68690a|68690A|68 69 0a|0x68 0x69 0x0a|0x68690a",
        );
        check(
            "%5s|%-5s|%.2s|%5.1s|%05s",
            &[s("héllo"), s("ab"), s("héllo"), s("héllo"), s("ab")],
            "héllo|ab   |hé|    h|000ab",
        );
        check(
            "%q|%+q|%#q|%#q|%#+q",
            &[s("日本\t"), s("日本"), s("a`b"), s("a\tb"), s("é")],
            "\"日本\\t\"|\"\\u65e5\\u672c\"|\"a`b\"|`a\tb`|`é`",
        );
        check(
            "%q",
            &[s("\x07\x08\x0c\r\x0b\x00\x7f\u{80}\u{AD}\u{FEFF}\u{10FFFF}😀\\\"")],
            r#""\a\b\f\r\v\x00\x7f\u0080\u00ad\ufeff\U0010ffff😀\\\"""#,
        );
        check("%#q", &[s("\u{FEFF}")], "\"\\ufeff\"");
        check("%x|%5x|%-5x|%.1x|%08x", &[s(""), s(""), s("a"), s("abc"), s("ab")], "|     |61   |61|00006162");
        check(
            "%d|%t|%c|%U|%e",
            &[s("x"), s("x"), s("x"), s("x"), s("x")],
            "%!d(string=x)|%!t(string=x)|%!c(string=x)|%!U(string=x)|%!e(string=x)",
        );
        check("%5d|%-4d", &[s("x"), s("y")], "%!d(string=    x)|%!d(string=y   )");
        check(
            "%T|%T|%T|%T|%T|%T|%T|%T",
            &[s("x"), i(1), f(1.0), Value::Bool(true), Value::Nil, list(&[]), map(&[]), Value::Uint(1)],
            "string|int|float64|bool|<nil>|[]interface {}|map[string]interface {}|uint64",
        );
        check("%10T|%-6T|", &[i(1), s("")], "       int|string|");
    }

    #[test]
    fn bools_and_nil() {
        check(
            "%t|%v|%5t|%-6v|%d|%s|%q",
            &[
                Value::Bool(true),
                Value::Bool(false),
                Value::Bool(true),
                Value::Bool(false),
                Value::Bool(true),
                Value::Bool(false),
                Value::Bool(true),
            ],
            "true|false| true|false |%!d(bool=true)|%!s(bool=false)|%!q(bool=true)",
        );
        check("%v|%d|%s|%#v|%T|%5v", &vec![Value::Nil; 6], "<nil>|%!d(<nil>)|%!s(<nil>)|<nil>|<nil>|<nil>");
    }

    #[test]
    fn lists_and_maps() {
        let l = list(&[i(1), s("a"), Value::Nil, f(1.5), Value::Bool(true)]);
        check(
            "%v|%d|%s",
            &[l.clone(), l.clone(), l.clone()],
            "[1 a <nil> 1.5 true]|[1 %!d(string=a) <nil> %!d(float64=1.5) %!d(bool=true)]|\
             [%!s(int=1) a <nil> %!s(float64=1.5) %!s(bool=true)]",
        );
        check("%#v", std::slice::from_ref(&l), "[]interface {}{1, \"a\", interface {}(nil), 1.5, true}");
        check(
            "%3v|%x|%q",
            &[list(&[i(1), i(22)]), list(&[s("ab"), i(255)]), list(&[s("a"), i(98)])],
            "[  1  22]|[6162 ff]|[\"a\" 'b']",
        );
        let m = map(&[("b", s("x")), ("a", f(1.0)), ("c", map(&[("z", Value::Nil)]))]);
        check(
            "%v|%+v|%#v",
            &[m.clone(), m.clone(), m.clone()],
            "map[a:1 b:x c:map[z:<nil>]]|map[a:1 b:x c:map[z:<nil>]]|\
             map[string]interface {}{\"a\":1, \"b\":\"x\", \"c\":map[string]interface {}{\"z\":interface {}(nil)}}",
        );
        check("%d|%x", &[map(&[("a", i(1))]), map(&[("a", i(255))])], "map[%!d(string=a):1]|map[61:ff]");
        check("%#v|%#v", &[list(&[]), map(&[])], "[]interface {}{}|map[string]interface {}{}");
        check("%s", &[list(&[list(&[s("x")]), map(&[("k", s("v"))])])], "[[x] map[k:v]]");
    }

    #[test]
    fn self_containing_map_does_not_overflow() {
        let m = map(&[]);
        if let Value::Map(inner) = &m {
            inner.borrow_mut().insert("self".into(), m.clone());
        }
        assert_eq!(format_v(&m), "map[self:map[...]]");
        let out = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let mut deep = list(&[]);
                for _ in 0..5000 {
                    deep = list(&[deep]);
                }
                format_v(&deep)
            })
            .and_then(|h| h.join().map_err(|_| std::io::Error::other("panicked")));
        assert!(out.is_ok_and(|s| s.contains("[...]")), "deep nesting is cut off, not a stack overflow");
        if let Value::Map(inner) = &m {
            inner.borrow_mut().clear(); // break the cycle
        }
    }

    #[test]
    fn errors_and_indexes() {
        check("%d %d", &[i(1)], "1 %!d(MISSING)");
        check("%d", &[i(1), s("x"), Value::Nil, f(2.0)], "1%!(EXTRA string=x, <nil>, float64=2)");
        check("hi", &[i(1)], "hi%!(EXTRA int=1)");
        check("%", &[], "%!(NOVERB)");
        check("%-", &[i(1)], "%!(NOVERB)%!(EXTRA int=1)");
        check("%z", &[i(1)], "%!z(int=1)");
        check("%!", &[i(1)], "%!!(int=1)");
        check("%é", &[i(1)], "%!é(int=1)");
        check("%%|%5%|%-%", &[], "%|%|%");
        check("%[2]d %[1]d", &[i(1), i(2)], "2 1");
        check("%[3]d", &[i(1), i(2)], "%!d(BADINDEX)");
        check("%[0]d|%[x]d|%[1]d", &[i(1)], "%!d(BADINDEX)|%!d(BADINDEX)|1");
        check("%[2]*[1]d", &[i(12), i(5)], "   12");
        check("%[1]d %d", &[i(1), i(2)], "1 2");
        check("%d %[1]d %d", &[i(1), i(2)], "1 1 2");
        check("%[1]2d", &[i(1)], "%!d(BADINDEX)");
        check("%*d|%-*d|%*d", &[i(4), i(1), i(4), i(2), i(-4), i(3)], "   1|2   |3   ");
        check("%.*f|%.*d", &[i(2), f(3.14158), i(-1), i(3)], "3.14|%!(BADPREC)3");
        check("%*d", &[s("x"), i(1)], "%!(BADWIDTH)1");
        check("%*d", &[i(10_000_000), i(1)], "%!(BADWIDTH)1");
        check("%.f|%.e|%.s", &[f(2.5), f(2.5), s("abc")], "2|2e+00|");
        check("%5.2%", &[], "%");
        check("%v %v", &[], "%!v(MISSING) %!v(MISSING)");
        check("%9999999999d", &[i(1)], "%!(NOVERB)%!(EXTRA int=1)");
        let long = sprintf("%.100000f|%.70000e|%.70000g", &[f(0.1), f(1.0 / 3.0), f(5e-324)]);
        assert!(long.starts_with("0.1000000000000000055511151231257827021181583404541015625000"), "{}", &long[..80]);
        assert_eq!(long.len(), 2 + 100_000 + 1 + 2 + 70_000 + 4 + 1 + 757, "as Go");
    }

    #[test]
    fn format_float_matches_strconv() {
        assert_eq!(format_float(2.5, 'e', 0), "2e+00");
        assert_eq!(format_float(123.456, 'e', -1), "1.23456e+02");
        assert_eq!(format_float(123.456, 'f', -1), "123.456");
        assert_eq!(format_float(1e21, 'f', 0), "1000000000000000000000");
        assert_eq!(format_float(1e-7, 'g', -1), "1e-07");
        assert_eq!(format_float(1e-7, 'G', 3), "1E-07");
        assert_eq!(format_float(1e123, 'e', -1), "1e+123");
        assert_eq!(format_float(0.000_123_45, 'g', 3), "0.000123");
        assert_eq!(format_float(99.99, 'g', 3), "100");
        assert_eq!(format_float(999_999.5, 'g', 6), "1e+06");
        assert_eq!(format_float(-1.0, 'x', -1), "-0x1p+00");
        assert_eq!(format_float(1.0, 'x', 0), "0x1p+00");
        assert_eq!(format_float(1.5, 'x', 0), "0x1p+01");
        assert_eq!(format_float(f64::MAX, 'x', -1), "0x1.fffffffffffffp+1023");
    }

    fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Nil),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<u64>().prop_map(Value::Uint),
            any::<f64>().prop_map(Value::Float),
            ".{0,8}".prop_map(|s: String| Value::string(s)),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::list),
                proptest::collection::btree_map(".{0,3}", inner, 0..4).prop_map(Value::map),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn never_panics(
            format in "[%\\[\\]*.0-9+# -]{0,6}[a-zA-Z%é!]?.{0,4}",
            args in proptest::collection::vec(arb_value(), 0..4),
        ) {
            let out = sprintf(&format, &args);
            // Everything that is not a directive is copied.
            proptest::prop_assert!(format.contains('%') || out.starts_with(&format));
            let _ = sprint(&args);
            let _ = sprintln(&args);
            for a in &args {
                let _ = format_v(a);
            }
        }

        #[test]
        fn shortest_floats_read_back(v in any_f64()) {
            let s = format_float(v, 'g', -1);
            if v.is_finite() {
                proptest::prop_assert_eq!(s.parse::<f64>().ok(), Some(v));
            }
        }
    }

    fn any_f64() -> impl proptest::strategy::Strategy<Value = f64> {
        proptest::num::f64::ANY
    }

    #[test]
    fn quoting_and_is_print() {
        assert_eq!(quote("a\u{2028}b"), "\"a\\u2028b\"");
        assert_eq!(quote("\u{E000}"), "\"\\ue000\"");
        assert_eq!(quote("\u{1F600}"), "\"😀\"");
        assert_eq!(quote_to_ascii("\u{1F600}"), "\"\\U0001f600\"");
        assert!(is_print(' ' as u32) && !is_print(0x3000) && !is_print(0xA0) && is_print(0x4E16));
        assert!(!is_print(0xE0001) && is_print(0x2_0000) && !is_print(0x1_000C) && is_print(0x1_0000));
        assert!(can_backquote("a\tb") && !can_backquote("a\nb") && !can_backquote("`") && can_backquote("é"));
    }
}
