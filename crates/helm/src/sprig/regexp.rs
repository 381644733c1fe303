//! Sprig's regular expression functions (`regexMatch`, `regexFind`, `regexFindAll`,
//! `regexReplaceAll`, `regexReplaceAllLiteral`, `regexSplit`, `regexQuoteMeta` and their
//! `must*` forms), on the `regex` crate (see the differences in [`super`]).

use gotemplate::{Arity, FuncError, Funcs, Value};

use super::args::{self, int, panic};
use super::{alias, list_of_strings, sv};

/// Registers the regular expression functions.
pub(super) fn register(f: &mut Funcs) {
    let ex = Arity::Exact;
    f.insert_with_arity("regexMatch", ex(2), |_, a| {
        // Sprig's regexMatch swallows a compile error (false); the others panic.
        let re = regex::Regex::new(args::string(a, 0)?);
        let s = args::string(a, 1)?;
        Ok(Value::Bool(re.is_ok_and(|re| re.is_match(s))))
    });
    f.insert_with_arity("regexFind", ex(2), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        Ok(sv(re.find(args::string(a, 1)?).map_or("", |m| m.as_str())))
    });
    f.insert_with_arity("regexFindAll", ex(3), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        let s = args::string(a, 1)?;
        let n = int(a, 2)?;
        let all: Vec<String> = re.find_iter(s).map(|m| m.as_str().to_string()).collect();
        let take = if n < 0 { all.len() } else { (n as usize).min(all.len()) };
        Ok(list_of_strings(all.into_iter().take(take).collect()))
    });
    f.insert_with_arity("regexReplaceAll", ex(3), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        Ok(sv(re.replace_all(args::string(a, 1)?, args::string(a, 2)?).into_owned()))
    });
    f.insert_with_arity("regexReplaceAllLiteral", ex(3), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        Ok(sv(re.replace_all(args::string(a, 1)?, regex::NoExpand(args::string(a, 2)?)).into_owned()))
    });
    f.insert_with_arity("regexSplit", ex(3), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        let s = args::string(a, 1)?;
        let n = int(a, 2)?;
        let v: Vec<String> = if n == 0 {
            Vec::new()
        } else if n < 0 {
            re.split(s).map(str::to_string).collect()
        } else {
            re.splitn(s, n as usize).map(str::to_string).collect()
        };
        Ok(list_of_strings(v))
    });
    f.insert_with_arity("regexQuoteMeta", ex(1), |_, a| Ok(sv(regex::escape(args::string(a, 0)?))));
    // The must* variants return the error their plain forms panic with: the same message.
    alias(
        f,
        &[
            ("mustRegexFind", "regexFind"),
            ("mustRegexFindAll", "regexFindAll"),
            ("mustRegexReplaceAll", "regexReplaceAll"),
            ("mustRegexReplaceAllLiteral", "regexReplaceAllLiteral"),
            ("mustRegexSplit", "regexSplit"),
        ],
    );
    f.insert_with_arity("mustRegexMatch", ex(2), |_, a| {
        let re = regex(args::string(a, 0)?)?;
        Ok(Value::Bool(re.is_match(args::string(a, 1)?)))
    });
}

fn regex(pat: &str) -> Result<regex::Regex, FuncError> {
    regex::Regex::new(pat).map_err(|e| panic(format!("regexp: Compile({}): {e}", gotemplate::fmt::quote(pat))))
}
