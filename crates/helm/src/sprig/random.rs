//! Sprig's random functions (`randAlphaNum`, `randAlpha`, `randNumeric`, `randAscii`,
//! `randInt`, `shuffle`, `randBytes`, `uuidv4`), drawing from one generator (splitmix64, not
//! cryptographic) seeded by [`SprigOptions::seed`] (see the module docs of [`super`]).

use std::cell::Cell;
use std::rc::Rc;

use gotemplate::{Arity, FuncError, Funcs, Value};

use super::args::{self, int, panic};
use super::{SprigOptions, sv};

struct Rng(Cell<u64>);

impl Rng {
    fn next(&self) -> u64 {
        // splitmix64
        let s = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn rand_string(rng: &Rng, count: i64, set: &[u8]) -> Result<String, FuncError> {
    if count < 0 {
        return Err(FuncError::Call(format!("Requested random string length {count} is less than 0.")));
    }
    Ok((0..count).map(|_| set[rng.below(set.len())] as char).collect())
}

/// Registers the random functions, with one generator seeded by `opts.seed` (or the clock and
/// the process id).
pub(super) fn register(f: &mut Funcs, opts: &SprigOptions) {
    let seed = opts.seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64);
        t.unwrap_or(0) ^ (u64::from(std::process::id()) << 32)
    });
    let rng = Rc::new(Rng(Cell::new(seed)));
    let ex = Arity::Exact;
    let r = rng.clone();
    f.insert_with_arity("randAlphaNum", ex(1), move |_, a| Ok(sv(rand_string(&r, int(a, 0)?, ALNUM)?)));
    let r = rng.clone();
    f.insert_with_arity("randAlpha", ex(1), move |_, a| Ok(sv(rand_string(&r, int(a, 0)?, ALPHA)?)));
    let r = rng.clone();
    f.insert_with_arity("randNumeric", ex(1), move |_, a| Ok(sv(rand_string(&r, int(a, 0)?, b"0123456789")?)));
    let r = rng.clone();
    f.insert_with_arity("randAscii", ex(1), move |_, a| {
        let set: Vec<u8> = (32u8..=126).collect();
        Ok(sv(rand_string(&r, int(a, 0)?, &set)?))
    });
    let r = rng.clone();
    f.insert_with_arity("randInt", ex(2), move |_, a| {
        let (lo, hi) = (int(a, 0)?, int(a, 1)?);
        if hi <= lo {
            return Err(panic("invalid argument to Intn"));
        }
        Ok(Value::Int(lo.wrapping_add((r.next() % hi.wrapping_sub(lo) as u64) as i64)))
    });
    let r = rng.clone();
    f.insert_with_arity("shuffle", ex(1), move |_, a| {
        let mut c: Vec<char> = args::string(a, 0)?.chars().collect();
        for i in (1..c.len()).rev() {
            c.swap(i, r.below(i + 1));
        }
        Ok(sv(c.into_iter().collect::<String>()))
    });
    let r = rng.clone();
    f.insert_with_arity("randBytes", ex(1), move |_, a| {
        use base64::Engine;
        let n = int(a, 0)?;
        if n < 0 {
            return Err(panic("runtime error: makeslice: len out of range"));
        }
        let bytes: Vec<u8> = (0..n.min(1 << 24)).map(|_| r.next() as u8).collect();
        Ok(sv(base64::engine::general_purpose::STANDARD.encode(bytes)))
    });
    let r = rng;
    f.insert_with_arity("uuidv4", ex(0), move |_, _| {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&r.next().to_le_bytes());
        b[8..].copy_from_slice(&r.next().to_le_bytes());
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(b);
        Ok(sv(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])))
    });
}
