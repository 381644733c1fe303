//! Sprig's encodings: `b64enc`, `b64dec`, `b32enc`, `b32dec` (Go's `StdEncoding`s, whose
//! decoding errors Sprig returns as the result).

use gotemplate::{Arity, Funcs};

use super::args;
use super::{bytes_to_string, sv};

/// Registers the encoding functions.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("b64enc", ex(1), |_, a| {
        use base64::Engine;
        Ok(sv(base64::engine::general_purpose::STANDARD.encode(args::string(a, 0)?)))
    });
    f.insert_with_arity("b64dec", ex(1), |_, a| Ok(sv(b64dec(args::string(a, 0)?))));
    f.insert_with_arity("b32enc", ex(1), |_, a| Ok(sv(b32enc(args::string(a, 0)?.as_bytes()))));
    f.insert_with_arity("b32dec", ex(1), |_, a| Ok(sv(b32dec(args::string(a, 0)?))));
}

const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32enc(src: &[u8]) -> String {
    let mut out = String::new();
    for chunk in src.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32dec(s: &str) -> String {
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
    if !bytes.len().is_multiple_of(8) {
        let at = bytes.len() - bytes.len() % 8;
        return format!("illegal base32 data at input byte {at}");
    }
    let mut out = Vec::new();
    for (q, chunk) in bytes.chunks(8).enumerate() {
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        let data = &chunk[..8 - pad];
        if !matches!(pad, 0 | 1 | 3 | 4 | 6) || (pad > 0 && q + 1 != bytes.len() / 8) {
            return format!("illegal base32 data at input byte {}", q * 8 + data.len());
        }
        let mut n: u64 = 0;
        for (i, c) in data.iter().enumerate() {
            match B32.iter().position(|x| x == c) {
                Some(p) => n |= (p as u64) << (35 - 5 * i),
                None => return format!("illegal base32 data at input byte {}", q * 8 + i),
            }
        }
        let take = match pad {
            0 => 5,
            1 => 4,
            3 => 3,
            4 => 2,
            _ => 1,
        };
        let all = n.to_be_bytes();
        out.extend_from_slice(&all[3..3 + take]);
    }
    bytes_to_string(&out)
}

fn b64dec(s: &str) -> String {
    // Go's StdEncoding.DecodeString: padding required; the error names the first bad byte.
    const ALPH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
    let mut out = Vec::new();
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        let mut quad = [0u8; 4];
        let mut got = 0;
        let mut j = i;
        while got < 4 {
            if j >= n {
                if got == 0 {
                    return bytes_to_string(&out);
                }
                return format!("illegal base64 data at input byte {i}");
            }
            let c = bytes[j];
            if c == b'=' {
                // padding: valid only at positions 2 or 3 of a quantum
                match got {
                    2 => {
                        if j + 1 >= n || bytes[j + 1] != b'=' {
                            return format!("illegal base64 data at input byte {}", j + 1);
                        }
                        if j + 2 != n {
                            return format!("illegal base64 data at input byte {}", j + 2);
                        }
                        out.push((quad[0] << 2) | (quad[1] >> 4));
                        return bytes_to_string(&out);
                    }
                    3 => {
                        if j + 1 != n {
                            return format!("illegal base64 data at input byte {}", j + 1);
                        }
                        out.push((quad[0] << 2) | (quad[1] >> 4));
                        out.push((quad[1] << 4) | (quad[2] >> 2));
                        return bytes_to_string(&out);
                    }
                    _ => return format!("illegal base64 data at input byte {j}"),
                }
            }
            match ALPH.iter().position(|a| *a == c) {
                Some(p) => quad[got] = p as u8,
                None => return format!("illegal base64 data at input byte {j}"),
            }
            got += 1;
            j += 1;
        }
        out.push((quad[0] << 2) | (quad[1] >> 4));
        out.push((quad[1] << 4) | (quad[2] >> 2));
        out.push((quad[2] << 6) | quad[3]);
        i = j;
    }
    bytes_to_string(&out)
}
