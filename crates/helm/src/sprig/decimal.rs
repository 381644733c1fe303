//! The shopspring/decimal arithmetic of Sprig's `addf`, `add1f`, `subf`, `mulf` and `divf`
//! (`execDecimalOp`): each argument through cast's `ToFloat64`, then `decimal.NewFromFloat` (the
//! shortest decimal that reads back as the float), exact sums and products, quotients rounded
//! half away from zero to 16 decimal places (`DivisionPrecision`), and the nearest float64 of
//! the exact result (`big.Rat.Float64`, ties to even).

use num_bigint::{BigInt, Sign};

use super::args::{R, panic, to_float64};
use gotemplate::{Arity, Funcs, Value};

/// `value × 10^exp`.
#[derive(Clone, Debug)]
struct Decimal {
    value: BigInt,
    exp: i64,
}

const DIVISION_PRECISION: i64 = 16;

fn pow10(n: i64) -> BigInt {
    BigInt::from(10u32).pow(n as u32)
}

impl Decimal {
    /// `decimal.NewFromFloat` (panics on NaN and infinities, as Go's).
    fn from_f64(f: f64) -> Result<Decimal, String> {
        if f.is_nan() || f.is_infinite() {
            let shown = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "+Inf"
            } else {
                "-Inf"
            };
            return Err(format!("Cannot create a Decimal from {shown}"));
        }
        if f == 0.0 {
            return Ok(Decimal { value: BigInt::from(0), exp: 0 });
        }
        // Rust's `{:e}` is the shortest representation that reads back (what Go's roundShortest
        // finds): `d.ddd e X`.
        let text = format!("{f:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i64 = exponent.parse().unwrap_or(0);
        let (neg, mantissa) = match mantissa.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, mantissa),
        };
        let frac_digits = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let mut value: BigInt = digits.parse().unwrap_or_default();
        if neg {
            value = -value;
        }
        Ok(Decimal { value, exp: exponent - frac_digits })
    }

    fn rescale_pair(a: &Decimal, b: &Decimal) -> (BigInt, BigInt, i64) {
        let exp = a.exp.min(b.exp);
        (&a.value * pow10(a.exp - exp), &b.value * pow10(b.exp - exp), exp)
    }

    fn add(&self, o: &Decimal) -> Decimal {
        let (a, b, exp) = Decimal::rescale_pair(self, o);
        Decimal { value: a + b, exp }
    }

    fn sub(&self, o: &Decimal) -> Decimal {
        let (a, b, exp) = Decimal::rescale_pair(self, o);
        Decimal { value: a - b, exp }
    }

    fn mul(&self, o: &Decimal) -> Decimal {
        Decimal { value: &self.value * &o.value, exp: self.exp + o.exp }
    }

    /// `Div`: `DivRound(o, 16)`.
    fn div(&self, o: &Decimal) -> Result<Decimal, String> {
        if o.value.sign() == Sign::NoSign {
            return Err("decimal division by 0".into());
        }
        // q = trunc(self / o × 10^16), then half away from zero on the remainder.
        let e = self.exp - o.exp + DIVISION_PRECISION;
        let (num, den) =
            if e >= 0 { (&self.value * pow10(e), o.value.clone()) } else { (self.value.clone(), &o.value * pow10(-e)) };
        let mut q = &num / &den;
        let r = &num - &q * &den;
        let twice_r = r.magnitude() * 2u32;
        if &twice_r >= den.magnitude() {
            if (self.value.sign() == Sign::Minus) != (o.value.sign() == Sign::Minus) {
                q -= 1;
            } else {
                q += 1;
            }
        }
        Ok(Decimal { value: q, exp: -DIVISION_PRECISION })
    }

    /// `Float64()`: the nearest float64 (Rust's parser rounds exactly, ties to even).
    fn to_f64(&self) -> f64 {
        if self.value.sign() == Sign::NoSign {
            return 0.0;
        }
        format!("{}e{}", self.value, self.exp).parse().unwrap_or(0.0)
    }
}

/// The operations of `execDecimalOp`.
#[derive(Clone, Copy)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// Sprig's `execDecimalOp(a, b, op)`.
pub fn exec(a: &Value, rest: &[Value], op: Op) -> R {
    let mut acc = Decimal::from_f64(to_float64(a)).map_err(panic)?;
    for x in rest {
        let d = Decimal::from_f64(to_float64(x)).map_err(panic)?;
        acc = match op {
            Op::Add => acc.add(&d),
            Op::Sub => acc.sub(&d),
            Op::Mul => acc.mul(&d),
            Op::Div => acc.div(&d).map_err(panic)?,
        };
    }
    Ok(Value::Float(acc.to_f64()))
}

/// Registers Sprig's decimal float math: `add1f`, `addf`, `subf`, `mulf`, `divf`.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    let al = Arity::AtLeast;
    f.insert_with_arity("add1f", ex(1), |_, a| exec(&a[0], &[Value::Int(1)], Op::Add));
    f.insert("addf", |_, a| exec(&Value::Float(0.0), a, Op::Add));
    f.insert_with_arity("subf", al(1), |_, a| exec(&a[0], &a[1..], Op::Sub));
    f.insert_with_arity("mulf", al(1), |_, a| exec(&a[0], &a[1..], Op::Mul));
    f.insert_with_arity("divf", al(1), |_, a| exec(&a[0], &a[1..], Op::Div));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64) -> Decimal {
        Decimal::from_f64(v).unwrap()
    }

    #[test]
    fn decimal_arithmetic_is_exact() {
        assert_eq!(f(0.1).add(&f(0.2)).to_f64(), 0.3);
        assert_eq!(f(1.1).mul(&f(3.0)).to_f64(), 3.3);
        assert_eq!(f(1.0).div(&f(3.0)).unwrap().to_f64(), 0.3333333333333333);
        assert_eq!(f(2.0).div(&f(3.0)).unwrap().to_f64(), 0.6666666666666667);
        assert_eq!(f(-2.0).div(&f(3.0)).unwrap().to_f64(), -0.6666666666666667);
        assert_eq!(f(0.3).sub(&f(0.1)).to_f64(), 0.2);
        assert!(f(1.0).div(&f(0.0)).is_err());
        assert!(Decimal::from_f64(f64::NAN).is_err());
    }
}
