//! Sprig 3.2.3's crypto functions (crypto.go) with Go 1.19's crypto/x509 encoding: `genCA`,
//! `genCAWithKey`, `genSelfSignedCert`, `genSelfSignedCertWithKey`, `genSignedCert`,
//! `genSignedCertWithKey`, `buildCustomCert`, `genPrivateKey`, `bcrypt`, `htpasswd`,
//! `derivePassword`, `encryptAES`, `decryptAES`, and the hashes `sha256sum`, `sha1sum`,
//! `adler32sum`.
//!
//! Certificates are DER written here field by field as `x509.CreateCertificate` writes them
//! (extension order, criticality, string types, UTCTime/GeneralizedTime, the SubjectKeyId of a
//! CA, the AuthorityKeyId from the parent's SubjectKeyId, the parent's subject bytes as issuer);
//! keys, signatures, AES and randomness come from aws-lc-rs, bcrypt and scrypt from their crates.
//! Keys, serials, IVs and salts always come from the system's cryptographic generator, never from
//! `SprigOptions::seed`: certificates are never reproducible, and apply keeps them stable across
//! renders through `lookup` (issue 6). `SprigOptions::now`, when set, is the certificates'
//! NotBefore.
//!
//! Differences from Go:
//! - `genPrivateKey "dsa"` fails (`dsa keys are not supported`): there is no well-kept DSA
//!   crate in the tree; Go generates a DSA L2048N256 key. A "DSA PRIVATE KEY" given to a
//!   `*WithKey` function fails as in Go (Go cannot sign with DSA either).
//! - RSA keys given to a `*WithKey` function or as a CA key must be 2048 to 8192 bits (aws-lc's
//!   limits; Go takes any size); P-224 EC keys are not supported (P-256, P-384, P-521 are).
//! - Certificates given to `buildCustomCert` and CAs given to `genSignedCert` are checked for
//!   the certificate's DER structure (Go's messages for a malformed element), not for every
//!   field Go's parser checks; malformed key DER gives `asn1: syntax error: ...` texts that
//!   need not be Go's word for word.
//! - `derivePassword`'s counter is Go's `uint32`: an integer from 0 to 4294967295 (a literal in
//!   Go; a computed `int` is a type error there).
//! - `decryptAES` returns invalid UTF-8 with U+FFFD replacements (strings here are UTF-8).

use std::rc::Rc;

use aws_lc_rs::cipher::{
    AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use aws_lc_rs::encoding::{AsBigEndian, AsDer};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use gotemplate::{Arity, CallContext, FuncError, Funcs, Value};

use super::args::{self, panic};
use super::{SprigOptions, sv};

// ---------------------------------------------------------------------------------------------
// The `certificate` struct.

/// Sprig's `certificate{Cert, Key string}`.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub cert: String,
    pub key: String,
}

impl gotemplate::Object for Certificate {
    fn type_name(&self) -> String {
        "sprig.certificate".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::string(self.cert.as_str())),
            "Key" => Some(Value::string(self.key.as_str())),
            _ => None,
        }
    }
    fn format_v(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
}

fn cert_value(c: Certificate) -> Value {
    Value::Object(Rc::new(c))
}

// ---------------------------------------------------------------------------------------------
// Registration.

/// Registers the crypto functions and the hashes (the clock from `opts.now`).
pub fn register(f: &mut Funcs, opts: &SprigOptions) {
    let ex = Arity::Exact;
    let now = opts.now;
    f.insert_with_arity("genCA", ex(2), move |c, a| {
        let cn = string(c, a, 0)?;
        let days = int(c, a, 1)?;
        let priv_key = generate_rsa_2048()?;
        Ok(cert_value(gen_ca(cn, days, &priv_key, now)?))
    });
    f.insert_with_arity("genCAWithKey", ex(3), move |c, a| {
        let cn = string(c, a, 0)?;
        let days = int(c, a, 1)?;
        let pem = string(c, a, 2)?;
        let priv_key = parse_private_key_pem(pem).map_err(|e| panic(format!("parsing private key: {e}")))?;
        Ok(cert_value(gen_ca(cn, days, &priv_key, now)?))
    });
    f.insert_with_arity("genSelfSignedCert", ex(4), move |c, a| {
        let cn = string(c, a, 0)?;
        let ips = list_param(c, a, 1)?;
        let dns = list_param(c, a, 2)?;
        let days = int(c, a, 3)?;
        let priv_key = generate_rsa_2048()?;
        Ok(cert_value(gen_self_signed(cn, &ips, &dns, days, &priv_key, now)?))
    });
    f.insert_with_arity("genSelfSignedCertWithKey", ex(5), move |c, a| {
        let cn = string(c, a, 0)?;
        let ips = list_param(c, a, 1)?;
        let dns = list_param(c, a, 2)?;
        let days = int(c, a, 3)?;
        let pem = string(c, a, 4)?;
        let priv_key = parse_private_key_pem(pem).map_err(|e| panic(format!("parsing private key: {e}")))?;
        Ok(cert_value(gen_self_signed(cn, &ips, &dns, days, &priv_key, now)?))
    });
    f.insert_with_arity("genSignedCert", ex(5), move |c, a| {
        let cn = string(c, a, 0)?;
        let ips = list_param(c, a, 1)?;
        let dns = list_param(c, a, 2)?;
        let days = int(c, a, 3)?;
        invalid(c, a, 4, "sprig.certificate")?;
        let ca = certificate_param(a, 4)?;
        let priv_key = generate_rsa_2048()?;
        Ok(cert_value(gen_signed(cn, &ips, &dns, days, &ca, &priv_key, now)?))
    });
    f.insert_with_arity("genSignedCertWithKey", ex(6), move |c, a| {
        let cn = string(c, a, 0)?;
        let ips = list_param(c, a, 1)?;
        let dns = list_param(c, a, 2)?;
        let days = int(c, a, 3)?;
        invalid(c, a, 4, "sprig.certificate")?;
        let ca = certificate_param(a, 4)?;
        let pem = string(c, a, 5)?;
        let priv_key = parse_private_key_pem(pem).map_err(|e| panic(format!("parsing private key: {e}")))?;
        Ok(cert_value(gen_signed(cn, &ips, &dns, days, &ca, &priv_key, now)?))
    });
    f.insert_with_arity("buildCustomCert", ex(2), |c, a| {
        let c = build_custom_cert(string(c, a, 0)?, string(c, a, 1)?).map_err(panic)?;
        Ok(cert_value(c))
    });
    f.insert_with_arity("genPrivateKey", ex(1), |c, a| Ok(Value::string(generate_private_key(string(c, a, 0)?)?)));
    f.insert_with_arity("bcrypt", ex(1), |c, a| Ok(Value::string(bcrypt_hash(string(c, a, 0)?))));
    f.insert_with_arity("htpasswd", ex(2), |c, a| {
        let user = string(c, a, 0)?;
        let password = string(c, a, 1)?;
        Ok(Value::string(if user.contains(':') {
            format!("invalid username: {user}")
        } else {
            format!("{user}:{}", bcrypt_hash(password))
        }))
    });
    f.insert_with_arity("derivePassword", ex(5), |c, a| {
        invalid(c, a, 0, "uint32")?;
        let counter = match a.first() {
            Some(Value::Int(n)) if (0..=i64::from(u32::MAX)).contains(n) => *n as u32,
            Some(Value::Uint(n)) if *n <= u64::from(u32::MAX) => *n as u32,
            _ => return Err(wrong("uint32", a, 0)),
        };
        let typ = string(c, a, 1)?;
        let password = string(c, a, 2)?;
        let user = string(c, a, 3)?;
        let site = string(c, a, 4)?;
        Ok(Value::string(derive_password(counter, typ, password, user, site)))
    });
    f.insert_with_arity("encryptAES", ex(2), |c, a| {
        Ok(Value::string(encrypt_aes(string(c, a, 0)?, string(c, a, 1)?).map_err(panic)?))
    });
    f.insert_with_arity("decryptAES", ex(2), |c, a| {
        let out = decrypt_aes(string(c, a, 0)?, string(c, a, 1)?).map_err(panic)?;
        Ok(Value::string(String::from_utf8_lossy(&out).into_owned()))
    });
    register_hashes(f);
}

/// Registers Sprig's hashes: `sha256sum`, `sha1sum`, `adler32sum`.
fn register_hashes(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("sha256sum", ex(1), |_, a| {
        use sha2::Digest;
        Ok(sv(hex::encode(sha2::Sha256::digest(args::string(a, 0)?.as_bytes()))))
    });
    f.insert_with_arity("sha1sum", ex(1), |_, a| {
        use sha1::Digest;
        Ok(sv(hex::encode(sha1::Sha1::digest(args::string(a, 0)?.as_bytes()))))
    });
    f.insert_with_arity("adler32sum", ex(1), |_, a| {
        let (mut s1, mut s2) = (1u32, 0u32);
        for b in args::string(a, 0)?.bytes() {
            s1 = (s1 + u32::from(b)) % 65521;
            s2 = (s2 + s1) % 65521;
        }
        Ok(sv(((s2 << 16) | s1).to_string()))
    });
}

/// The `string` parameter `i` (Go's `invalid value` for a missing one).
fn string<'a>(c: &CallContext<'_>, a: &'a [Value], i: usize) -> Result<&'a str, FuncError> {
    invalid(c, a, i, "string")?;
    args::string(a, i)
}

/// The `int` parameter `i` (Go's `invalid value` for a missing one).
fn int(c: &CallContext<'_>, a: &[Value], i: usize) -> Result<i64, FuncError> {
    invalid(c, a, i, "int")?;
    args::int(a, i)
}

/// text/template's error for an invalid value (a missing key) given to a parameter that cannot
/// be nil.
fn invalid(c: &CallContext<'_>, a: &[Value], i: usize, want: &str) -> Result<(), FuncError> {
    if matches!(a.get(i), Some(Value::Nil)) && c.arg_is_invalid(i) {
        return Err(FuncError::Arg(i, format!("invalid value; expected {want}")));
    }
    Ok(())
}

fn wrong(want: &str, a: &[Value], i: usize) -> FuncError {
    let got = match a.get(i) {
        Some(Value::Nil) | None => "interface {}".to_string(),
        Some(Value::Object(o)) => o.type_name(),
        Some(other) => other.type_name(),
    };
    FuncError::Arg(i, format!("wrong type for value; expected {want}; got {got}"))
}

/// A `[]interface{}` parameter: a list, or the nil slice Go makes of an invalid value.
fn list_param(c: &CallContext<'_>, a: &[Value], i: usize) -> Result<Vec<Value>, FuncError> {
    match a.get(i) {
        Some(Value::List(l)) => Ok(l.to_vec()),
        Some(Value::Nil) if c.arg_is_invalid(i) => Ok(Vec::new()),
        _ => Err(wrong("[]interface {}", a, i)),
    }
}

/// A `certificate` parameter: only the struct genCA and friends return.
fn certificate_param(a: &[Value], i: usize) -> Result<Certificate, FuncError> {
    if let Some(Value::Object(o)) = a.get(i)
        && o.type_name() == "sprig.certificate"
        && let (Some(Value::String(cert)), Some(Value::String(key))) = (o.field("Cert"), o.field("Key"))
    {
        return Ok(Certificate { cert: cert.to_string(), key: key.to_string() });
    }
    Err(wrong("sprig.certificate", a, i))
}

// ---------------------------------------------------------------------------------------------
// DER writing.

fn der_len(out: &mut Vec<u8>, n: usize) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 4);
    out.push(tag);
    der_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An INTEGER from an unsigned big-endian magnitude.
fn uint(mag: &[u8]) -> Vec<u8> {
    let skip = mag.iter().take_while(|b| **b == 0).count();
    let mag = &mag[skip..];
    let mut content = Vec::with_capacity(mag.len() + 1);
    if mag.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(mag);
    tlv(0x02, &content)
}

fn bit_string(bytes: &[u8], unused: u8) -> Vec<u8> {
    let mut content = vec![unused];
    content.extend_from_slice(bytes);
    tlv(0x03, &content)
}

const OID_CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const OID_RSA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_SHA256_RSA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const OID_ECDSA_SHA512: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_P224: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x21];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x25];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x13];
const OID_SKI: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0e];
const OID_AKI: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x23];
const OID_SAN: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x11];
const OID_SERVER_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const OID_CLIENT_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const NULL: &[u8] = &[0x05, 0x00];

/// An OID's dotted form (Go's `ObjectIdentifier.String`), from its content octets.
fn oid_string(content: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for b in content {
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    arcs.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

// ---------------------------------------------------------------------------------------------
// DER reading (definite lengths, one-byte tags: all that certificates and keys use).

#[derive(Clone, Copy)]
struct Der<'a>(&'a [u8]);

struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    full: &'a [u8],
}

impl<'a> Der<'a> {
    fn next(&mut self) -> Option<Tlv<'a>> {
        let b = self.0;
        let tag = *b.first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let first = *b.get(1)?;
        let (len, hdr) = if first < 0x80 {
            (first as usize, 2)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 {
                return None;
            }
            let mut len = 0usize;
            for i in 0..n {
                len = (len << 8) | *b.get(2 + i)? as usize;
            }
            (len, 2 + n)
        };
        let end = hdr.checked_add(len)?;
        if end > b.len() {
            return None;
        }
        self.0 = &b[end..];
        Some(Tlv { tag, content: &b[hdr..end], full: &b[..end] })
    }
    fn expect(&mut self, tag: u8) -> Option<Tlv<'a>> {
        let mut probe = *self;
        let t = probe.next()?;
        if t.tag != tag {
            return None;
        }
        *self = probe;
        Some(t)
    }
    fn peek_tag(&self) -> Option<u8> {
        self.0.first().copied()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The content of one SEQUENCE that is the whole input.
fn whole_seq(der: &[u8]) -> Option<Der<'_>> {
    let mut d = Der(der);
    let t = d.expect(0x30)?;
    d.is_empty().then_some(Der(t.content))
}

/// A non-negative INTEGER's magnitude (leading zeros stripped).
fn read_uint<'a>(d: &mut Der<'a>) -> Option<&'a [u8]> {
    let t = d.expect(0x02)?;
    if t.content.is_empty() || t.content[0] & 0x80 != 0 {
        return None;
    }
    let skip = t.content.iter().take_while(|b| **b == 0).count();
    Some(&t.content[skip..])
}

fn read_small_int(d: &mut Der<'_>) -> Option<i64> {
    let t = d.expect(0x02)?;
    if t.content.is_empty() || t.content.len() > 8 {
        return None;
    }
    let mut v: i64 = if t.content[0] & 0x80 != 0 { -1 } else { 0 };
    for b in t.content {
        v = (v << 8) | i64::from(*b);
    }
    Some(v)
}

// ---------------------------------------------------------------------------------------------
// PEM.

fn pem_encode(typ: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {typ}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {typ}-----\n"));
    out
}

/// Go's `pem.Decode`: the first well-formed block (headers skipped), or `None`.
fn pem_decode(data: &str) -> Option<(String, Vec<u8>)> {
    let mut rest = data;
    loop {
        let start = if rest.starts_with("-----BEGIN ") { 0 } else { rest.find("\n-----BEGIN ")? + 1 };
        rest = &rest[start + "-----BEGIN ".len()..];
        let (type_line, after) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let type_line = type_line.trim_end_matches(['\r', ' ', '\t']);
        let Some(typ) = type_line.strip_suffix("-----") else {
            continue;
        };
        // Headers: `Key: value` lines up to a blank line.
        let mut body = after;
        if body.lines().next().is_some_and(|l| l.contains(':')) {
            while let Some(line) = body.lines().next() {
                let next = &body[body.find('\n').map_or(body.len(), |i| i + 1)..];
                body = next;
                if line.trim().is_empty() || !line.contains(':') {
                    break;
                }
            }
        }
        let end_marker = format!("-----END {typ}-----");
        let end = if body.starts_with("-----END ") { 0 } else { body.find("\n-----END ")? };
        let tail = &body[end..];
        let tail = tail.strip_prefix('\n').unwrap_or(tail);
        if !tail.starts_with(&end_marker) {
            rest = body;
            continue;
        }
        let b64: String = body[..end].chars().filter(|c| !c.is_ascii_whitespace()).collect();
        match go_base64().decode(b64) {
            Ok(bytes) => return Some((typ.to_string(), bytes)),
            Err(_) => {
                rest = body;
                continue;
            }
        }
    }
}

/// Go's `base64.StdEncoding` (padding required, non-zero trailing bits accepted).
fn go_base64() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    )
}

/// `base64.StdEncoding.DecodeString` (newlines skipped) with Go's error text.
fn go_base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let stripped: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    go_base64().decode(&stripped).map_err(|e| {
        let at = match e {
            base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => i,
            base64::DecodeError::InvalidLength(n) => n - n % 4,
            base64::DecodeError::InvalidPadding => stripped.find('=').unwrap_or(stripped.len()),
        };
        format!("illegal base64 data at input byte {at}")
    })
}

// ---------------------------------------------------------------------------------------------
// Keys.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Curve {
    P224,
    P256,
    P384,
    P521,
}

impl Curve {
    fn from_oid(full: &[u8]) -> Option<Curve> {
        Some(match full {
            OID_P224 => Curve::P224,
            OID_P256 => Curve::P256,
            OID_P384 => Curve::P384,
            OID_P521 => Curve::P521,
            _ => return None,
        })
    }
    fn oid(self) -> &'static [u8] {
        match self {
            Curve::P224 => OID_P224,
            Curve::P256 => OID_P256,
            Curve::P384 => OID_P384,
            Curve::P521 => OID_P521,
        }
    }
    /// The byte length of a scalar.
    fn size(self) -> usize {
        match self {
            Curve::P224 => 28,
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }
    fn signing(self) -> Result<&'static EcdsaSigningAlgorithm, String> {
        match self {
            Curve::P224 => Err("P-224 keys are not supported (P-256, P-384 and P-521 are)".into()),
            Curve::P256 => Ok(&signature::ECDSA_P256_SHA256_ASN1_SIGNING),
            Curve::P384 => Ok(&signature::ECDSA_P384_SHA384_ASN1_SIGNING),
            Curve::P521 => Ok(&signature::ECDSA_P521_SHA512_ASN1_SIGNING),
        }
    }
}

/// A private key as Sprig's `parsePrivateKeyPEM` returns it.
#[derive(Clone, Debug)]
enum PrivKey {
    /// PKCS#1 fields: n, e, d, p, q, dp, dq, qinv (magnitudes).
    Rsa(Vec<Vec<u8>>),
    Ec {
        curve: Curve,
        d: Vec<u8>,
        public: Vec<u8>,
    },
    Ed25519 {
        seed: Vec<u8>,
        public: Vec<u8>,
    },
    Dsa,
}

fn key_rejected(e: aws_lc_rs::error::KeyRejected) -> String {
    format!("invalid private key: {e}")
}

impl PrivKey {
    fn pkcs1(&self) -> Vec<u8> {
        let PrivKey::Rsa(fields) = self else { return Vec::new() };
        let mut parts = vec![uint(&[])];
        parts.extend(fields.iter().map(|f| uint(f)));
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        seq(&refs)
    }

    fn sec1(curve: Curve, d: &[u8], public: Option<&[u8]>) -> Vec<u8> {
        let mut parts = vec![uint(&[1]), tlv(0x04, d), tlv(0xa0, curve.oid())];
        if let Some(p) = public {
            parts.push(tlv(0xa1, &bit_string(p, 0)));
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        seq(&refs)
    }

    /// The PEM block Sprig's `pemBlockForKey` writes.
    fn to_pem(&self) -> String {
        match self {
            PrivKey::Rsa(_) => pem_encode("RSA PRIVATE KEY", &self.pkcs1()),
            PrivKey::Ec { curve, d, public } => pem_encode("EC PRIVATE KEY", &PrivKey::sec1(*curve, d, Some(public))),
            PrivKey::Ed25519 { seed, .. } => {
                let der = seq(&[&uint(&[]), &seq(&[OID_ED25519]), &tlv(0x04, &tlv(0x04, seed))]);
                pem_encode("PRIVATE KEY", &der)
            }
            PrivKey::Dsa => String::new(),
        }
    }

    /// The SubjectPublicKeyInfo's algorithm identifier and key bytes (`marshalPublicKey`).
    fn public_key_info(&self) -> Result<(Vec<u8>, Vec<u8>), String> {
        match self {
            PrivKey::Rsa(f) => Ok((seq(&[OID_RSA, NULL]), seq(&[&uint(&f[0]), &uint(&f[1])]))),
            PrivKey::Ec { curve, public, .. } => Ok((seq(&[OID_EC, curve.oid()]), public.clone())),
            PrivKey::Ed25519 { public, .. } => Ok((seq(&[OID_ED25519]), public.clone())),
            PrivKey::Dsa => Err("x509: unsupported public key type: *dsa.PublicKey".into()),
        }
    }

    /// The signature algorithm identifier (`signingParamsForPublicKey`).
    fn signature_algorithm(&self) -> Result<Vec<u8>, String> {
        match self {
            PrivKey::Rsa(_) => Ok(seq(&[OID_SHA256_RSA, NULL])),
            PrivKey::Ec { curve, .. } => Ok(seq(&[match curve {
                Curve::P224 | Curve::P256 => OID_ECDSA_SHA256,
                Curve::P384 => OID_ECDSA_SHA384,
                Curve::P521 => OID_ECDSA_SHA512,
            }])),
            PrivKey::Ed25519 { .. } => Ok(seq(&[OID_ED25519])),
            PrivKey::Dsa => Err("x509: certificate private key does not implement crypto.Signer".into()),
        }
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        let rng = SystemRandom::new();
        match self {
            PrivKey::Rsa(_) => {
                let kp = aws_lc_rs::rsa::KeyPair::from_der(&self.pkcs1()).map_err(key_rejected)?;
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig).map_err(|e| e.to_string())?;
                Ok(sig)
            }
            PrivKey::Ec { curve, d, .. } => {
                let kp = EcdsaKeyPair::from_private_key_der(curve.signing()?, &PrivKey::sec1(*curve, d, None))
                    .map_err(key_rejected)?;
                Ok(kp.sign(&rng, msg).map_err(|e| e.to_string())?.as_ref().to_vec())
            }
            PrivKey::Ed25519 { seed, .. } => {
                let kp = Ed25519KeyPair::from_seed_unchecked(seed).map_err(key_rejected)?;
                Ok(kp.sign(msg).as_ref().to_vec())
            }
            PrivKey::Dsa => Err("x509: certificate private key does not implement crypto.Signer".into()),
        }
    }
}

fn generate_rsa(bits: usize) -> Result<PrivKey, String> {
    let size = if bits == 4096 { aws_lc_rs::rsa::KeySize::Rsa4096 } else { aws_lc_rs::rsa::KeySize::Rsa2048 };
    let kp = aws_lc_rs::rsa::KeyPair::generate(size).map_err(|e| e.to_string())?;
    let pkcs8 = kp.as_der().map_err(|e| e.to_string())?;
    parse_pkcs8(pkcs8.as_ref())
}

/// A 2048-bit RSA key, as genCA, genSelfSignedCert and genSignedCert make one.
fn generate_rsa_2048() -> Result<PrivKey, FuncError> {
    generate_rsa(2048).map_err(|e| panic(format!("error generating rsa key: {e}")))
}

fn generate_ec() -> Result<PrivKey, String> {
    let kp = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING).map_err(|e| e.to_string())?;
    let d = kp.private_key().as_be_bytes().map_err(|e| e.to_string())?;
    Ok(PrivKey::Ec { curve: Curve::P256, d: d.as_ref().to_vec(), public: kp.public_key().as_ref().to_vec() })
}

fn generate_ed25519() -> Result<PrivKey, String> {
    let kp = Ed25519KeyPair::generate().map_err(|e| e.to_string())?;
    let seed = kp.seed().map_err(|e| e.to_string())?;
    let seed = seed.as_be_bytes().map_err(|e| e.to_string())?;
    Ok(PrivKey::Ed25519 { seed: seed.as_ref().to_vec(), public: kp.public_key().as_ref().to_vec() })
}

const SYNTAX: &str = "asn1: syntax error: sequence truncated";

fn looks_like_sec1(der: &[u8]) -> bool {
    whole_seq(der).is_some_and(|mut d| read_small_int(&mut d).is_some() && d.expect(0x04).is_some())
}

fn looks_like_pkcs8(der: &[u8]) -> bool {
    whole_seq(der)
        .is_some_and(|mut d| read_small_int(&mut d).is_some() && d.expect(0x30).is_some() && d.expect(0x04).is_some())
}

fn looks_like_pkcs1(der: &[u8]) -> bool {
    whole_seq(der).is_some_and(|mut d| (0..6).all(|_| d.expect(0x02).is_some()))
}

/// `x509.ParsePKCS1PrivateKey`.
fn parse_pkcs1(der: &[u8]) -> Result<PrivKey, String> {
    let fields = (|| {
        let mut d = whole_seq(der)?;
        let version = read_small_int(&mut d)?;
        let mut f = Vec::new();
        for _ in 0..5 {
            f.push(read_uint(&mut d)?.to_vec());
        }
        for _ in 0..3 {
            if d.peek_tag() == Some(0x02) {
                f.push(read_uint(&mut d)?.to_vec());
            }
        }
        Some((version, f))
    })();
    let Some((version, fields)) = fields else {
        if looks_like_sec1(der) {
            return Err("x509: failed to parse private key (use ParseECPrivateKey instead for this key format)".into());
        }
        if looks_like_pkcs8(der) {
            return Err(
                "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".into()
            );
        }
        return Err(SYNTAX.into());
    };
    if version > 1 {
        return Err("x509: unsupported private key version".into());
    }
    if [0, 2, 3, 4].iter().any(|i| fields[*i].is_empty()) {
        return Err("x509: private key contains zero or negative value".into());
    }
    let key = PrivKey::Rsa(fields);
    aws_lc_rs::rsa::KeyPair::from_der(&key.pkcs1()).map_err(|e| {
        let bits = match &key {
            PrivKey::Rsa(f) => f[0].len() * 8,
            _ => 0,
        };
        if !(2048..=8192).contains(&bits) || e.to_string().contains("Small") || e.to_string().contains("Large") {
            format!("unsupported RSA key size ({bits} bits): only 2048 to 8192 bits are supported here")
        } else {
            format!("crypto/rsa: invalid RSA private key ({e})")
        }
    })?;
    Ok(key)
}

/// `x509.ParseECPrivateKey` (with the curve from PKCS#8's parameters when given).
fn parse_sec1(der: &[u8], named: Option<Curve>, named_unknown: bool) -> Result<PrivKey, String> {
    let parsed = (|| {
        let mut d = whole_seq(der)?;
        let version = read_small_int(&mut d)?;
        let key = d.expect(0x04)?.content;
        let mut oid = None;
        if d.peek_tag() == Some(0xa0) {
            let mut inner = Der(d.next()?.content);
            oid = Some(inner.expect(0x06)?.full);
        }
        Some((version, key, oid))
    })();
    let Some((version, key, oid)) = parsed else {
        if looks_like_pkcs8(der) {
            return Err(
                "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".into()
            );
        }
        if looks_like_pkcs1(der) {
            return Err(
                "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)".into()
            );
        }
        return Err(format!("x509: failed to parse EC private key: {SYNTAX}"));
    };
    if version != 1 {
        return Err(format!("x509: unknown EC private key version {version}"));
    }
    let curve = if named.is_some() || named_unknown { named } else { oid.and_then(Curve::from_oid) };
    let Some(curve) = curve else {
        return Err("x509: unknown elliptic curve".into());
    };
    let mut k = key;
    while k.len() > curve.size() {
        if k[0] != 0 {
            return Err("x509: invalid private key length".into());
        }
        k = &k[1..];
    }
    let mut d = vec![0u8; curve.size() - k.len()];
    d.extend_from_slice(k);
    let alg = curve.signing()?;
    let kp = EcdsaKeyPair::from_private_key_der(alg, &PrivKey::sec1(curve, &d, None))
        .map_err(|_| "x509: invalid elliptic curve private key value".to_string())?;
    Ok(PrivKey::Ec { curve, d, public: kp.public_key().as_ref().to_vec() })
}

/// `x509.ParsePKCS8PrivateKey` (Go 1.19: RSA, ECDSA, Ed25519).
fn parse_pkcs8(der: &[u8]) -> Result<PrivKey, String> {
    let parsed = (|| {
        let mut d = whole_seq(der)?;
        read_small_int(&mut d)?;
        let mut algo = Der(d.expect(0x30)?.content);
        let oid = algo.expect(0x06)?;
        let params = algo.next().map(|t| t.full);
        let key = d.expect(0x04)?.content;
        Some((oid, params, key))
    })();
    let Some((oid, params, key)) = parsed else {
        if looks_like_sec1(der) {
            return Err("x509: failed to parse private key (use ParseECPrivateKey instead for this key format)".into());
        }
        if looks_like_pkcs1(der) {
            return Err(
                "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)".into()
            );
        }
        return Err(SYNTAX.into());
    };
    match oid.full {
        OID_RSA => {
            parse_pkcs1(key).map_err(|e| format!("x509: failed to parse RSA private key embedded in PKCS#8: {e}"))
        }
        OID_EC => {
            let named = params.and_then(|p| {
                let mut pd = Der(p);
                pd.expect(0x06).map(|t| t.full)
            });
            let curve = named.and_then(Curve::from_oid);
            parse_sec1(key, curve, named.is_some() && curve.is_none())
                .map_err(|e| format!("x509: failed to parse EC private key embedded in PKCS#8: {e}"))
        }
        OID_ED25519 => {
            if params.is_some() {
                return Err("x509: invalid Ed25519 private key parameters".into());
            }
            let mut kd = Der(key);
            let Some(seed) = kd.expect(0x04) else {
                return Err(format!("x509: invalid Ed25519 private key: {SYNTAX}"));
            };
            if seed.content.len() != 32 {
                return Err(format!("x509: invalid Ed25519 private key length: {}", seed.content.len()));
            }
            let kp = Ed25519KeyPair::from_seed_unchecked(seed.content).map_err(key_rejected)?;
            Ok(PrivKey::Ed25519 { seed: seed.content.to_vec(), public: kp.public_key().as_ref().to_vec() })
        }
        _ => Err(format!(
            "x509: PKCS#8 wrapping contained private key with unknown algorithm: {}",
            oid_string(oid.content)
        )),
    }
}

/// Sprig's `parsePrivateKeyPEM`.
fn parse_private_key_pem(pem: &str) -> Result<PrivKey, String> {
    let Some((typ, der)) = pem_decode(pem) else {
        return Err("no PEM data in input".into());
    };
    if typ == "PRIVATE KEY" {
        return parse_pkcs8(&der).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(kind) = typ.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {typ}"));
    };
    match kind {
        "RSA" => parse_pkcs1(&der).map_err(|e| format!("parsing RSA private key from PEM: {e}")),
        "EC" => parse_sec1(&der, None, false).map_err(|e| format!("parsing EC private key from PEM: {e}")),
        "DSA" => {
            let ok = whole_seq(&der).is_some_and(|mut d| (0..6).all(|_| d.expect(0x02).is_some()));
            if ok { Ok(PrivKey::Dsa) } else { Err(format!("parsing DSA private key from PEM: {SYNTAX}")) }
        }
        _ => Err(format!("invalid private key type {typ}")),
    }
}

/// Sprig's `generatePrivateKey`: the PEM, or Sprig's message in place of it.
fn generate_private_key(typ: &str) -> Result<String, FuncError> {
    let key = match typ {
        "" | "rsa" => generate_rsa(4096),
        "ecdsa" => generate_ec(),
        "ed25519" => generate_ed25519(),
        "dsa" => {
            return Err(panic(
                "dsa keys are not supported (Sprig generates DSA L2048N256 keys; use rsa, ecdsa or ed25519)",
            ));
        }
        other => return Ok(format!("Unknown type {other}")),
    };
    Ok(match key {
        Ok(k) => k.to_pem(),
        Err(e) => format!("failed to generate private key: {e}"),
    })
}

// ---------------------------------------------------------------------------------------------
// Certificates.

/// What genSignedCert needs of a parsed certificate.
struct ParsedCert<'a> {
    subject: &'a [u8],
    spki_algorithm: &'a [u8],
    spki_key: &'a [u8],
    subject_key_id: Option<&'a [u8]>,
}

/// The DER structure of a certificate, with Go 1.19's messages for a malformed element.
fn parse_certificate(der: &[u8]) -> Result<ParsedCert<'_>, String> {
    let e = |m: &str| format!("x509: {m}");
    let mut outer = Der(der);
    let cert = outer.expect(0x30).ok_or_else(|| e("malformed certificate"))?;
    if !outer.is_empty() {
        return Err(e("trailing data"));
    }
    let mut input = Der(cert.content);
    let tbs = input.expect(0x30).ok_or_else(|| e("malformed tbs certificate"))?;
    let mut tbs = Der(tbs.content);
    if tbs.peek_tag() == Some(0xa0) {
        let v = tbs.next().ok_or_else(|| e("malformed version"))?;
        let version = read_small_int(&mut Der(v.content)).ok_or_else(|| e("malformed version"))?;
        if !(0..=2).contains(&version) {
            return Err(e("invalid version"));
        }
    }
    tbs.expect(0x02).ok_or_else(|| e("malformed serial number"))?;
    tbs.expect(0x30).ok_or_else(|| e("malformed signature algorithm identifier"))?;
    input.expect(0x30).ok_or_else(|| e("malformed algorithm identifier"))?;
    tbs.expect(0x30).ok_or_else(|| e("malformed issuer"))?;
    tbs.expect(0x30).ok_or_else(|| e("malformed validity"))?;
    let subject = tbs.expect(0x30).ok_or_else(|| e("malformed issuer"))?.full;
    let spki = tbs.expect(0x30).ok_or_else(|| e("malformed spki"))?;
    let mut spki = Der(spki.content);
    let spki_algorithm = spki.expect(0x30).ok_or_else(|| e("malformed public key algorithm identifier"))?.full;
    let bits = spki.expect(0x03).ok_or_else(|| e("malformed subjectPublicKey"))?.content;
    let spki_key = bits.get(1..).filter(|_| bits[0] == 0).ok_or_else(|| e("malformed subjectPublicKey"))?;
    let mut subject_key_id = None;
    if tbs.peek_tag() == Some(0x81) {
        tbs.next().ok_or_else(|| e("malformed issuerUniqueID"))?;
    }
    if tbs.peek_tag() == Some(0x82) {
        tbs.next().ok_or_else(|| e("malformed subjectUniqueID"))?;
    }
    if tbs.peek_tag() == Some(0xa3) {
        let wrapper = tbs.next().ok_or_else(|| e("malformed extensions"))?;
        let mut w = Der(wrapper.content);
        let list = w.expect(0x30).ok_or_else(|| e("malformed extensions"))?;
        let mut list = Der(list.content);
        while !list.is_empty() {
            let ext = list.expect(0x30).ok_or_else(|| e("malformed extension"))?;
            let mut ext = Der(ext.content);
            let oid = ext.expect(0x06).ok_or_else(|| e("malformed extension OID field"))?;
            if ext.peek_tag() == Some(0x01) {
                ext.next();
            }
            let value = ext.expect(0x04).ok_or_else(|| e("malformed extension value field"))?;
            if oid.full == OID_SKI {
                let mut v = Der(value.content);
                subject_key_id = Some(v.expect(0x04).ok_or_else(|| e("invalid subject key identifier"))?.content);
            }
        }
    }
    input.expect(0x03).ok_or_else(|| e("malformed signature"))?;
    Ok(ParsedCert { subject, spki_algorithm, spki_key, subject_key_id })
}

/// Sprig's `getBaseCertTemplate` inputs, checked.
struct Template {
    cn: String,
    ips: Vec<Vec<u8>>,
    dns: Vec<String>,
    days: i64,
    is_ca: bool,
}

fn base_template(cn: &str, ips: &[Value], dns: &[Value], days: i64) -> Result<Template, FuncError> {
    let mut out_ips = Vec::new();
    for ip in ips {
        let Value::String(s) = ip else {
            return Err(panic(format!("error parsing ip: {} is not a string", args::strval(ip))));
        };
        out_ips.push(parse_ip(s).ok_or_else(|| panic(format!("error parsing ip: {s}")))?);
    }
    let mut out_dns = Vec::new();
    for name in dns {
        let Value::String(s) = name else {
            return Err(panic(format!("error processing alternate dns name: {} is not a string", args::strval(name))));
        };
        out_dns.push(s.to_string());
    }
    Ok(Template { cn: cn.to_string(), ips: out_ips, dns: out_dns, days, is_ca: false })
}

/// `net.ParseIP` then the SAN's `To4()`-or-16-bytes form.
fn parse_ip(s: &str) -> Option<Vec<u8>> {
    if let Ok(v4) = s.parse::<std::net::Ipv4Addr>() {
        return Some(v4.octets().to_vec());
    }
    let v6 = s.parse::<std::net::Ipv6Addr>().ok()?;
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => v4.octets().to_vec(),
        None => v6.octets().to_vec(),
    })
}

/// encoding/asn1's time: UTCTime for 1950..2049, GeneralizedTime otherwise.
fn asn1_time(secs: i64) -> Result<Vec<u8>, String> {
    let (y, mo, d) = super::date::civil(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let hms = format!("{:02}{:02}{:02}", sod / 3600, (sod / 60) % 60, sod % 60);
    if (1950..2050).contains(&y) {
        Ok(tlv(0x17, format!("{:02}{mo:02}{d:02}{hms}Z", y % 100).as_bytes()))
    } else if (0..=9999).contains(&y) {
        Ok(tlv(0x18, format!("{y:04}{mo:02}{d:02}{hms}Z").as_bytes()))
    } else {
        Err("asn1: structure error: cannot represent time as GeneralizedTime".into())
    }
}

/// A Name with the common name only (`pkix.Name.ToRDNSequence`, string type as asn1 picks it).
fn subject_name(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    let printable = cn.bytes().all(|b| {
        b.is_ascii_alphanumeric() || (b'\''..=b')').contains(&b) || (b'+'..=b'/').contains(&b) || b" :=?".contains(&b)
    });
    let value = tlv(if printable { 0x13 } else { 0x0c }, cn.as_bytes());
    seq(&[&tlv(0x31, &seq(&[OID_CN, &value]))])
}

fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let v = tlv(0x04, value);
    if critical { seq(&[oid, &[0x01, 0x01, 0xff], &v]) } else { seq(&[oid, &v]) }
}

/// `x509.CreateCertificate(rand, template, parent, pub(signee), signer)` as Sprig calls it; the
/// parent is the template itself when `parent` is `None`.
fn create_certificate(
    t: &Template,
    signee: &PrivKey,
    parent: Option<&ParsedCert<'_>>,
    signer: &PrivKey,
    now: Option<(i64, u32)>,
) -> Result<String, String> {
    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).map_err(|e| e.to_string())?;
    let signature_algorithm = signer.signature_algorithm()?;
    let (pk_algorithm, pk_bytes) = signee.public_key_info()?;
    let subject = subject_name(&t.cn);
    let issuer = parent.map_or(subject.as_slice(), |p| p.subject);
    let authority_key_id = match parent {
        Some(p) if issuer != subject.as_slice() => p.subject_key_id.filter(|k| !k.is_empty()),
        _ => None,
    };
    let subject_key_id = t.is_ca.then(|| {
        use sha1::Digest as _;
        sha1::Sha1::digest(&pk_bytes).to_vec()
    });
    if let Some(p) = parent {
        let (signer_algorithm, signer_key) = signer.public_key_info()?;
        if p.spki_algorithm != signer_algorithm.as_slice() || p.spki_key != signer_key.as_slice() {
            return Err("x509: provided PrivateKey doesn't match parent's PublicKey".into());
        }
    }

    let mut extensions: Vec<Vec<u8>> = Vec::new();
    // KeyUsage: DigitalSignature|KeyEncipherment (+CertSign), bits reversed, trailing zeros cut.
    let ku: &[u8] = if t.is_ca { &[0x03, 0x02, 0x02, 0xa4] } else { &[0x03, 0x02, 0x05, 0xa0] };
    extensions.push(extension(OID_KEY_USAGE, true, ku));
    extensions.push(extension(OID_EXT_KEY_USAGE, false, &seq(&[OID_SERVER_AUTH, OID_CLIENT_AUTH])));
    let bc = if t.is_ca { seq(&[&[0x01, 0x01, 0xff]]) } else { seq(&[]) };
    extensions.push(extension(OID_BASIC_CONSTRAINTS, true, &bc));
    if let Some(ski) = &subject_key_id {
        extensions.push(extension(OID_SKI, false, &tlv(0x04, ski)));
    }
    if let Some(aki) = authority_key_id {
        extensions.push(extension(OID_AKI, false, &seq(&[&tlv(0x80, aki)])));
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names = Vec::new();
        for name in &t.dns {
            if !name.is_ascii() {
                return Err(format!("x509: {} cannot be encoded as an IA5String", gotemplate::lex::go_quote(name)));
            }
            names.extend(tlv(0x82, name.as_bytes()));
        }
        for ip in &t.ips {
            names.extend(tlv(0x87, ip));
        }
        extensions.push(extension(OID_SAN, subject == seq(&[]), &tlv(0x30, &names)));
    }

    let (secs, nanos) = now.unwrap_or_else(|| {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        (d.as_secs() as i64, d.subsec_nanos())
    });
    // time.Hour * 24 * time.Duration(daysValid) wraps as Go's int64 does.
    let valid_ns = 86_400_000_000_000i64.wrapping_mul(t.days);
    let after_ns = i128::from(nanos) + i128::from(valid_ns);
    let not_after = secs + (after_ns.div_euclid(1_000_000_000) as i64);
    let validity = seq(&[&asn1_time(secs)?, &asn1_time(not_after)?]);

    let ext_refs: Vec<&[u8]> = extensions.iter().map(Vec::as_slice).collect();
    let tbs = seq(&[
        &[0xa0, 0x03, 0x02, 0x01, 0x02],
        &uint(&serial),
        &signature_algorithm,
        issuer,
        &validity,
        &subject,
        &seq(&[&pk_algorithm, &bit_string(&pk_bytes, 0)]),
        &tlv(0xa3, &seq(&ext_refs)),
    ]);
    let sig = signer.sign(&tbs)?;
    let cert = seq(&[&tbs, &signature_algorithm, &bit_string(&sig, 0)]);
    Ok(pem_encode("CERTIFICATE", &cert))
}

fn created(r: Result<String, String>) -> Result<String, FuncError> {
    r.map_err(|e| panic(format!("error creating certificate: {e}")))
}

fn gen_ca(cn: &str, days: i64, key: &PrivKey, now: Option<(i64, u32)>) -> Result<Certificate, FuncError> {
    let mut t = base_template(cn, &[], &[], days)?;
    t.is_ca = true;
    let cert = created(create_certificate(&t, key, None, key, now))?;
    Ok(Certificate { cert, key: key.to_pem() })
}

fn gen_self_signed(
    cn: &str,
    ips: &[Value],
    dns: &[Value],
    days: i64,
    key: &PrivKey,
    now: Option<(i64, u32)>,
) -> Result<Certificate, FuncError> {
    let t = base_template(cn, ips, dns, days)?;
    let cert = created(create_certificate(&t, key, None, key, now))?;
    Ok(Certificate { cert, key: key.to_pem() })
}

fn gen_signed(
    cn: &str,
    ips: &[Value],
    dns: &[Value],
    days: i64,
    ca: &Certificate,
    key: &PrivKey,
    now: Option<(i64, u32)>,
) -> Result<Certificate, FuncError> {
    let Some((_, ca_der)) = pem_decode(&ca.cert) else {
        return Err(panic("unable to decode certificate"));
    };
    let parent = parse_certificate(&ca_der)
        .map_err(|e| panic(format!("error parsing certificate: decodedSignerCert.Bytes: {e}")))?;
    let signer = parse_private_key_pem(&ca.key).map_err(|e| panic(format!("error parsing private key: {e}")))?;
    let t = base_template(cn, ips, dns, days)?;
    let cert = created(create_certificate(&t, key, Some(&parent), &signer, now))?;
    Ok(Certificate { cert, key: key.to_pem() })
}

/// Sprig's `buildCustomCertificate`.
fn build_custom_cert(b64cert: &str, b64key: &str) -> Result<Certificate, String> {
    let cert = go_base64_decode(b64cert).map_err(|_| "unable to decode base64 certificate".to_string())?;
    let key = go_base64_decode(b64key).map_err(|_| "unable to decode base64 private key".to_string())?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let Some((_, der)) = pem_decode(&cert) else {
        return Err("unable to decode certificate".into());
    };
    parse_certificate(&der).map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    parse_private_key_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(Certificate { cert, key })
}

// ---------------------------------------------------------------------------------------------
// Passwords and AES.

/// Sprig's `bcrypt` (x/crypto's DefaultCost 10, `$2a$`).
fn bcrypt_hash(input: &str) -> String {
    match bcrypt::hash_with_result(input, 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

const MASTER_PASSWORD_SEED: &[u8] = b"com.lyndir.masterpassword";

fn password_templates(typ: &str) -> Option<&'static [&'static str]> {
    Some(match typ {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_characters(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword` (Master Password: scrypt N=32768 r=8 p=2, HMAC-SHA256).
fn derive_password(counter: u32, typ: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = password_templates(typ) else {
        return format!("cannot find password template {typ}");
    };
    let mut salt = MASTER_PASSWORD_SEED.to_vec();
    salt.extend((user.len() as u32).to_be_bytes());
    salt.extend(user.as_bytes());
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|p| scrypt::scrypt(password.as_bytes(), &salt, &p, &mut key).map_err(|e| e.to_string()));
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let mut msg = MASTER_PASSWORD_SEED.to_vec();
    msg.extend((site.len() as u32).to_be_bytes());
    msg.extend(site.as_bytes());
    msg.extend(counter.to_be_bytes());
    let seed = aws_lc_rs::hmac::sign(&aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key), &msg);
    let seed = seed.as_ref();
    let template = templates[seed[0] as usize % templates.len()].as_bytes();
    template
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_characters(*c);
            chars[seed[i + 1] as usize % chars.len()] as char
        })
        .collect()
}

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    key
}

/// Sprig's `encryptAES`: AES-256-CBC, the password zero-padded or cut to 32 bytes, PKCS#7
/// padding, a random IV before the ciphertext, base64.
fn encrypt_aes(password: &str, plaintext: &str) -> Result<String, String> {
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let mut content = plaintext.as_bytes().to_vec();
    let padding = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(padding as u8, padding));
    let mut iv = [0u8; 16];
    aws_lc_rs::rand::fill(&mut iv).map_err(|e| e.to_string())?;
    let key = UnboundCipherKey::new(&AES_256, &aes_key(password)).map_err(|e| e.to_string())?;
    let enc = EncryptingKey::cbc(key).map_err(|e| e.to_string())?;
    enc.less_safe_encrypt(&mut content, EncryptionContext::Iv128(FixedLength::from(iv))).map_err(|e| e.to_string())?;
    let mut out = iv.to_vec();
    out.extend(content);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

/// Sprig's `decryptAES`, with Go's panics for short or ragged input and a bad padding byte.
fn decrypt_aes(password: &str, crypt64: &str) -> Result<Vec<u8>, String> {
    if crypt64.is_empty() {
        return Ok(Vec::new());
    }
    let crypt = go_base64_decode(crypt64)?;
    if crypt.len() < 16 {
        // The capacity of DecodeString's buffer: DecodedLen of the whole input.
        let capacity = crypt64.len() / 4 * 3;
        return Err(format!("runtime error: slice bounds out of range [:16] with capacity {capacity}"));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    if body.is_empty() {
        return Err("runtime error: index out of range [-1]".into());
    }
    let mut buf = body.to_vec();
    let key = UnboundCipherKey::new(&AES_256, &aes_key(password)).map_err(|e| e.to_string())?;
    let dec = DecryptingKey::cbc(key).map_err(|e| e.to_string())?;
    let iv: [u8; 16] = iv.try_into().map_err(|_| "bad iv".to_string())?;
    let out = dec.decrypt(&mut buf, DecryptionContext::Iv128(FixedLength::from(iv))).map_err(|e| e.to_string())?;
    let pad = out[out.len() - 1] as usize;
    if pad > out.len() {
        return Err(format!("runtime error: slice bounds out of range [:{}]", out.len() as i64 - pad as i64));
    }
    Ok(out[..out.len() - pad].to_vec())
}
