//! Sprig's `urlParse` and `urlJoin`, over a port of what they use of Go 1.19's `net/url`:
//! `Parse`, `URL.String`, `URL.Hostname`, `Userinfo.String` and the escaping rules
//! (`shouldEscape`, `escape`, `unescape`). Strings are bytes as in Go; an unescaped `%FF` that is
//! not UTF-8 becomes U+FFFD when it reaches a template value.

use std::collections::BTreeMap;

use gotemplate::fmt::quote;
use gotemplate::value::MapRef;
use gotemplate::{Arity, FuncError, Funcs, Value};

use super::args::{self, R, kind, map, nil_deref, panic};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if (mode == Mode::Host || mode == Mode::Zone) && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => return c == b'?',
            Mode::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::QueryComponent => return true,
            Mode::Fragment => return false,
            _ => {}
        },
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Go's `unescape`; the error is the message of `EscapeError` or `InvalidHostError`.
fn unescape(s: &[u8], mode: Mode) -> Result<Vec<u8>, String> {
    let mut n = 0;
    let mut has_plus = false;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                n += 1;
                if i + 2 >= s.len() || !s[i + 1].is_ascii_hexdigit() || !s[i + 2].is_ascii_hexdigit() {
                    let rest = &s[i..];
                    let rest = &rest[..rest.len().min(3)];
                    return Err(format!("invalid URL escape {}", quote(&lossy(rest))));
                }
                if mode == Mode::Host && unhex(s[i + 1]) < 8 && &s[i..i + 3] != b"%25" {
                    return Err(format!("invalid URL escape {}", quote(&lossy(&s[i..i + 3]))));
                }
                if mode == Mode::Zone {
                    let v = (unhex(s[i + 1]) << 4) | unhex(s[i + 2]);
                    if &s[i..i + 3] != b"%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(format!("invalid URL escape {}", quote(&lossy(&s[i..i + 3]))));
                    }
                }
                i += 3;
            }
            b'+' => {
                has_plus = mode == Mode::QueryComponent;
                i += 1;
            }
            c => {
                if (mode == Mode::Host || mode == Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!("invalid character {} in host name", quote(&lossy(&s[i..i + 1]))));
                }
                i += 1;
            }
        }
    }
    if n == 0 && !has_plus {
        return Ok(s.to_vec());
    }
    let mut t = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                t.push((unhex(s[i + 1]) << 4) | unhex(s[i + 2]));
                i += 2;
            }
            b'+' if mode == Mode::QueryComponent => t.push(b' '),
            c => t.push(c),
        }
        i += 1;
    }
    Ok(t)
}

/// Go's `escape`.
fn escape(s: &[u8], mode: Mode) -> Vec<u8> {
    const UPPERHEX: &[u8] = b"0123456789ABCDEF";
    let mut t = Vec::with_capacity(s.len());
    for &c in s {
        if c == b' ' && mode == Mode::QueryComponent {
            t.push(b'+');
        } else if should_escape(c, mode) {
            t.extend_from_slice(&[b'%', UPPERHEX[(c >> 4) as usize], UPPERHEX[(c & 15) as usize]]);
        } else {
            t.push(c);
        }
    }
    t
}

#[derive(Clone, Debug, Default)]
struct Userinfo {
    username: Vec<u8>,
    password: Vec<u8>,
    password_set: bool,
}

impl Userinfo {
    fn string(&self) -> Vec<u8> {
        let mut s = escape(&self.username, Mode::UserPassword);
        if self.password_set {
            s.push(b':');
            s.extend(escape(&self.password, Mode::UserPassword));
        }
        s
    }
}

#[derive(Clone, Debug, Default)]
struct Url {
    scheme: Vec<u8>,
    opaque: Vec<u8>,
    user: Option<Userinfo>,
    host: Vec<u8>,
    path: Vec<u8>,
    raw_path: Vec<u8>,
    omit_host: bool,
    force_query: bool,
    raw_query: Vec<u8>,
    fragment: Vec<u8>,
    raw_fragment: Vec<u8>,
}

fn find(s: &[u8], c: u8) -> Option<usize> {
    s.iter().position(|x| *x == c)
}

fn rfind(s: &[u8], c: u8) -> Option<usize> {
    s.iter().rposition(|x| *x == c)
}

/// Go's `getScheme`.
fn get_scheme(raw: &[u8]) -> Result<(&[u8], &[u8]), String> {
    for (i, &c) in raw.iter().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok((b"", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok((b"", raw)),
        }
    }
    Ok((b"", raw))
}

fn valid_optional_port(port: &[u8]) -> bool {
    match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

fn valid_userinfo(s: &[u8]) -> bool {
    // Go ranges over runes: any non-ASCII rune is invalid, as every non-ASCII byte here.
    s.iter().all(|&c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c))
}

/// Go's `parseHost`.
fn parse_host(host: &[u8]) -> Result<Vec<u8>, String> {
    if host.starts_with(b"[") {
        let Some(i) = rfind(host, b']') else { return Err("missing ']' in host".into()) };
        let colon_port = &host[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", quote(&lossy(colon_port))));
        }
        if let Some(zone) = host[..i].windows(3).position(|w| w == b"%25") {
            let mut out = unescape(&host[..zone], Mode::Host)?;
            out.extend(unescape(&host[zone..i], Mode::Zone)?);
            out.extend(unescape(&host[i..], Mode::Host)?);
            return Ok(out);
        }
    } else if let Some(i) = rfind(host, b':') {
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {} after host", quote(&lossy(colon_port))));
        }
    }
    unescape(host, Mode::Host)
}

/// Go's `parseAuthority`.
fn parse_authority(authority: &[u8]) -> Result<(Option<Userinfo>, Vec<u8>), String> {
    let at = rfind(authority, b'@');
    let host = parse_host(match at {
        Some(i) => &authority[i + 1..],
        None => authority,
    })?;
    let Some(i) = at else { return Ok((None, host)) };
    let userinfo = &authority[..i];
    if !valid_userinfo(userinfo) {
        return Err("net/url: invalid userinfo".into());
    }
    let user = match find(userinfo, b':') {
        None => Userinfo { username: unescape(userinfo, Mode::UserPassword)?, ..Default::default() },
        Some(c) => Userinfo {
            username: unescape(&userinfo[..c], Mode::UserPassword)?,
            password: unescape(&userinfo[c + 1..], Mode::UserPassword)?,
            password_set: true,
        },
    };
    Ok((Some(user), host))
}

impl Url {
    fn set_path(&mut self, p: &[u8]) -> Result<(), String> {
        let path = unescape(p, Mode::Path)?;
        self.raw_path = if escape(&path, Mode::Path) == p { Vec::new() } else { p.to_vec() };
        self.path = path;
        Ok(())
    }

    fn set_fragment(&mut self, f: &[u8]) -> Result<(), String> {
        let frag = unescape(f, Mode::Fragment)?;
        self.raw_fragment = if escape(&frag, Mode::Fragment) == f { Vec::new() } else { f.to_vec() };
        self.fragment = frag;
        Ok(())
    }

    fn escaped_path(&self) -> Vec<u8> {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path, Mode::Path)
            && unescape(&self.raw_path, Mode::Path).is_ok_and(|p| p == self.path)
        {
            return self.raw_path.clone();
        }
        if self.path == b"*" {
            return b"*".to_vec();
        }
        escape(&self.path, Mode::Path)
    }

    fn escaped_fragment(&self) -> Vec<u8> {
        if !self.raw_fragment.is_empty()
            && valid_encoded(&self.raw_fragment, Mode::Fragment)
            && unescape(&self.raw_fragment, Mode::Fragment).is_ok_and(|f| f == self.fragment)
        {
            return self.raw_fragment.clone();
        }
        escape(&self.fragment, Mode::Fragment)
    }

    /// Go's `URL.String`.
    fn string(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        if !self.scheme.is_empty() {
            buf.extend_from_slice(&self.scheme);
            buf.push(b':');
        }
        if !self.opaque.is_empty() {
            buf.extend_from_slice(&self.opaque);
        } else {
            let authority = !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some();
            let omit = self.omit_host && self.host.is_empty() && self.user.is_none();
            if authority && !omit {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.extend_from_slice(b"//");
                }
                if let Some(ui) = &self.user {
                    buf.extend(ui.string());
                    buf.push(b'@');
                }
                if !self.host.is_empty() {
                    buf.extend(escape(&self.host, Mode::Host));
                }
            }
            let path = self.escaped_path();
            if !path.is_empty() && path[0] != b'/' && !self.host.is_empty() {
                buf.push(b'/');
            }
            if buf.is_empty() {
                let segment = &path[..find(&path, b'/').unwrap_or(path.len())];
                if find(segment, b':').is_some() {
                    buf.extend_from_slice(b"./");
                }
            }
            buf.extend(path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push(b'?');
            buf.extend_from_slice(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push(b'#');
            buf.extend(self.escaped_fragment());
        }
        buf
    }

    /// Go's `URL.Hostname`.
    fn hostname(&self) -> Vec<u8> {
        let mut host: &[u8] = &self.host;
        if let Some(colon) = rfind(host, b':')
            && valid_optional_port(&host[colon..])
        {
            host = &host[..colon];
        }
        if host.starts_with(b"[") && host.ends_with(b"]") {
            host = &host[1..host.len() - 1];
        }
        host.to_vec()
    }
}

fn valid_encoded(s: &[u8], mode: Mode) -> bool {
    s.iter().all(|&c| b"!$&'()*+,;=:@[]%".contains(&c) || !should_escape(c, mode))
}

/// Go's `parse(rawURL, viaRequest=false)`.
fn parse_inner(raw: &[u8]) -> Result<Url, String> {
    if raw.iter().any(|&b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == b"*" {
        url.path = b"*".to_vec();
        return Ok(url);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with(b"?") && rest.iter().filter(|c| **c == b'?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some(q) = find(rest, b'?') {
        url.raw_query = rest[q + 1..].to_vec();
        rest = &rest[..q];
    }
    if !rest.starts_with(b"/") {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_vec();
            return Ok(url);
        }
        let segment = &rest[..find(rest, b'/').unwrap_or(rest.len())];
        if find(segment, b':').is_some() {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with(b"///")) && rest.starts_with(b"//") {
        let mut authority = &rest[2..];
        rest = b"";
        if let Some(i) = find(authority, b'/') {
            rest = &authority[i..];
            authority = &authority[..i];
        }
        let (user, host) = parse_authority(authority)?;
        url.user = user;
        url.host = host;
    } else if !url.scheme.is_empty() && rest.starts_with(b"/") {
        url.omit_host = true;
    }
    url.set_path(rest)?;
    Ok(url)
}

/// Go's `url.Parse`; the error is `*url.Error`'s message.
fn parse(raw: &[u8]) -> Result<Url, String> {
    let (u, frag) = match find(raw, b'#') {
        Some(i) => (&raw[..i], &raw[i + 1..]),
        None => (raw, &b""[..]),
    };
    let mut url = parse_inner(u).map_err(|e| format!("parse {}: {e}", quote(&lossy(u))))?;
    if frag.is_empty() {
        return Ok(url);
    }
    url.set_fragment(frag).map_err(|e| format!("parse {}: {e}", quote(&lossy(raw))))?;
    Ok(url)
}

/// Sprig's `urlParse`.
pub fn url_parse(v: &str) -> R {
    let u = parse(v.as_bytes()).map_err(|e| panic(format!("unable to parse url: {e}")))?;
    let s = |b: &[u8]| Value::string(lossy(b));
    let mut m = BTreeMap::new();
    m.insert("scheme".to_string(), s(&u.scheme));
    m.insert("host".to_string(), s(&u.host));
    m.insert("hostname".to_string(), s(&u.hostname()));
    m.insert("path".to_string(), s(&u.path));
    m.insert("query".to_string(), s(&u.raw_query));
    m.insert("opaque".to_string(), s(&u.opaque));
    m.insert("fragment".to_string(), s(&u.fragment));
    m.insert("userinfo".to_string(), s(&u.user.map(|ui| ui.string()).unwrap_or_default()));
    Ok(Value::map(m))
}

/// Sprig's `dictGetOrEmpty`.
fn dict_get_or_empty(d: &MapRef, key: &str) -> Result<String, FuncError> {
    match d.borrow().get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(Value::Nil) => Err(nil_deref()),
        Some(other) => {
            Err(panic(format!("unable to parse {key} key, must be of type string, but {} found", kind(other))))
        }
    }
}

/// Sprig's `urlJoin` (`d` `None`: the nil map).
pub fn url_join(d: Option<MapRef>) -> R {
    let d = d.unwrap_or_default();
    let mut url = Url {
        scheme: dict_get_or_empty(&d, "scheme")?.into_bytes(),
        host: dict_get_or_empty(&d, "host")?.into_bytes(),
        path: dict_get_or_empty(&d, "path")?.into_bytes(),
        raw_query: dict_get_or_empty(&d, "query")?.into_bytes(),
        opaque: dict_get_or_empty(&d, "opaque")?.into_bytes(),
        fragment: dict_get_or_empty(&d, "fragment")?.into_bytes(),
        ..Default::default()
    };
    let userinfo = dict_get_or_empty(&d, "userinfo")?;
    if !userinfo.is_empty() {
        let temp = parse(format!("proto://{userinfo}@host").as_bytes())
            .map_err(|e| panic(format!("unable to parse userinfo in dict: {e}")))?;
        url.user = temp.user;
    }
    Ok(Value::string(lossy(&url.string())))
}

/// Registers Sprig's `urlParse` and `urlJoin`.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("urlParse", ex(1), |_, a| url_parse(args::string(a, 0)?));
    f.insert_with_arity("urlJoin", ex(1), |c, a| url_join(map(c, a, 0)?));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &str) -> String {
        lossy(&parse(s.as_bytes()).unwrap().string())
    }

    #[test]
    fn urls_parse_and_print_as_go() {
        for s in [
            "https://user:pa%20ss@example.com:8080/a%2Fb/c?x=1&y=2#frag%20x",
            "mailto:someone@example.com",
            "/relative/path?q",
            "//host/p",
            "http://[::1]:80/",
            "file:///etc/hosts",
        ] {
            let _ = roundtrip(s);
        }
        assert_eq!(roundtrip("http://example.com/a b"), "http://example.com/a%20b");
        assert_eq!(roundtrip("http://example.com/a%2Fb"), "http://example.com/a%2Fb");
        assert!(parse(b":foo").is_err());
        assert_eq!(
            parse(b"http://a b.com/").unwrap_err(),
            "parse \"http://a b.com/\": invalid character \" \" in host name"
        );
    }
}
