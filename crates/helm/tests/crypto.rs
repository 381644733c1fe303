//! Sprig's crypto functions (`src/sprig/crypto.rs`) against Go, through the Go oracle
//! (`tools/gotemplate-oracle`): `--batch` with `"sprig": true` renders with Go's Sprig 3.2.3,
//! `--x509` says what Go's crypto/x509 makes of PEM certificates and keys (fields, extensions,
//! `Verify` against a CA), `--bcrypt-verify` checks bcrypt hashes with x/crypto/bcrypt.
//!
//! - certificates made here parse in Go with the fields Go's Sprig gives (the same extensions in
//!   the same order), and chains verify, with CAs made here and CAs made by Go;
//! - `derivePassword` and `decryptAES` are byte-identical with Go; `encryptAES` round-trips
//!   through Go's `decryptAES`; bcrypt hashes verify both ways;
//! - error cases give Go's messages.
//!
//! The oracle is `$DATAPLAT_GO_ORACLE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/dataplat-ci/gotemplate-oracle`
//! (what `tests/run` builds). Without it the tests skip with a message, or fail under
//! `DATAPLAT_IT=1`. A few checks need no oracle and always run.

use std::path::{Path, PathBuf};
use std::process::Command;

use gotemplate::oracle::oracle;
use gotemplate::{Template, Value};
use serde_json::{Value as J, json};

/// The clock for NotBefore (2023-11-14T22:13:20Z).
const NOW: i64 = 1_700_000_000;

/// Renders `text` with this crate's functions (the clock at [`NOW`] when `fixed_now`).
fn ours_with(text: &str, data: &J, fixed_now: bool) -> Result<String, String> {
    let now = fixed_now.then_some((NOW, 0));
    let funcs = helm::functions::helm_funcs_with(helm::SprigOptions { seed: Some(1), now });
    let set = Template::new("t").funcs(&funcs);
    set.parse(text).map_err(|e| e.to_string())?;
    let mut out = String::new();
    set.execute_template(&mut out, "t", &Value::from_json(data, false)).map_err(|e| e.to_string())?;
    Ok(out)
}

fn ours(text: &str, data: &J) -> Result<String, String> {
    ours_with(text, data, true)
}

fn ours_ok(text: &str, data: &J) -> String {
    ours(text, data).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn temp_file(tag: &str, bytes: &[u8]) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = std::env::temp_dir().join(format!("helm-crypto-{}-{n}.{tag}", std::process::id()));
    std::fs::write(&file, bytes).expect("write a temporary file");
    file
}

fn run_oracle(bin: &Path, flag: &str, input: &[u8]) -> J {
    let file = temp_file("in", input);
    let out = Command::new(bin).arg(flag).arg(&file).output();
    let _ = std::fs::remove_file(&file);
    let out = out.unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    assert!(out.status.success(), "{} {flag} failed: {}", bin.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("oracle output is not JSON: {e}"))
}

/// Go's Sprig renders each `(template, data)`: `Ok(output)` or `Err(error)`.
fn go_batch(bin: &Path, cases: &[(&str, J)]) -> Vec<Result<String, String>> {
    let manifest: Vec<J> = cases
        .iter()
        .enumerate()
        .map(|(i, (text, data))| {
            json!({"name": format!("c{i}"), "templates": [{"name": "t", "text": text}],
                   "data_json": data.to_string(), "sprig": true})
        })
        .collect();
    let out = run_oracle(bin, "--batch", &serde_json::to_vec(&manifest).expect("json"));
    out.as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            let output = r["output"].as_str().unwrap_or_default().to_string();
            if r["ok"].as_bool() == Some(true) {
                Ok(output)
            } else {
                Err(r["error"].as_str().unwrap_or_default().into())
            }
        })
        .collect()
}

fn go_one(bin: &Path, text: &str, data: J) -> String {
    go_batch(bin, &[(text, data)]).remove(0).unwrap_or_else(|e| panic!("Go: {text}: {e}"))
}

fn x509(bin: &Path, pem: &str) -> J {
    run_oracle(bin, "--x509", pem.as_bytes())
}

/// The extension list of a certificate as (OID, critical) pairs.
fn extensions(cert: &J) -> Vec<(String, bool)> {
    cert["extensions"]
        .as_array()
        .expect("extensions")
        .iter()
        .map(|e| (e["id"].as_str().unwrap_or_default().to_string(), e["critical"].as_bool().unwrap_or_default()))
        .collect()
}

fn strings(v: &J) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

const CHAIN: &str = r#"{{- $ca := genCA "dataplat-ca" 365 -}}
{{- $leaf := genSignedCert "leaf.example" (list "10.0.0.1" "::1" "::ffff:192.0.2.7") (list "a.example" "b.example") 30 $ca -}}
{{ $ca.Cert }}{{ $leaf.Cert }}{{ $ca.Key }}{{ $leaf.Key }}"#;

#[test]
fn our_ca_and_signed_cert_parse_and_verify_in_go() {
    let Some(bin) = oracle() else { return };
    let ours = ours_ok(CHAIN, &json!({}));
    let go = go_one(&bin, CHAIN, json!({}));
    let (o, g) = (x509(&bin, &ours), x509(&bin, &go));
    assert_eq!(o["cert_errors"], json!([]), "{o}");
    let (ca, leaf) = (&o["certs"][0], &o["certs"][1]);
    let (gca, gleaf) = (&g["certs"][0], &g["certs"][1]);

    // The CA.
    assert_eq!(ca["subject_cn"], "dataplat-ca");
    assert_eq!(ca["issuer_cn"], "dataplat-ca");
    assert_eq!(ca["raw_subject"], gca["raw_subject"], "subject bytes as Go writes them");
    assert_eq!(ca["is_ca"], true);
    assert_eq!(ca["key_usage"], 37, "KeyEncipherment|DigitalSignature|CertSign");
    assert_eq!(ca["ext_key_usage"], json!([1, 2]), "serverAuth, clientAuth");
    assert_eq!(ca["max_path_len"], gca["max_path_len"]);
    assert_eq!(ca["signature_algorithm"], "SHA256-RSA");
    assert_eq!(ca["version"], 3);
    assert_eq!(ca["self_signed"], true);
    assert_eq!(ca["verify"], "");
    assert_eq!(ca["subject_key_id"].as_str().map(str::len), Some(40), "a SHA-1 SubjectKeyId");
    assert_eq!(ca["authority_key_id"], "");
    assert_eq!(ca["not_before"], NOW);
    assert_eq!(ca["not_after"], NOW + 365 * 86_400);
    assert!((120..=128).contains(&ca["serial_bits"].as_i64().unwrap_or(0)), "{}", ca["serial_bits"]);
    assert_eq!(extensions(ca), extensions(gca), "extensions and criticality in Go's order");

    // The leaf.
    assert_eq!(leaf["subject_cn"], "leaf.example");
    assert_eq!(leaf["issuer_cn"], "dataplat-ca");
    assert_eq!(leaf["raw_issuer"], ca["raw_subject"]);
    assert_eq!(leaf["is_ca"], false);
    assert_eq!(leaf["basic_constraints_valid"], true);
    assert_eq!(leaf["key_usage"], 5);
    assert_eq!(leaf["ext_key_usage"], json!([1, 2]));
    assert_eq!(strings(&leaf["dns_names"]), ["a.example", "b.example"]);
    assert_eq!(strings(&leaf["ips"]), ["10.0.0.1", "::1", "192.0.2.7"]);
    assert_eq!(leaf["ips"], gleaf["ips"]);
    assert_eq!(leaf["subject_key_id"], "");
    assert_eq!(leaf["authority_key_id"], ca["subject_key_id"]);
    assert_eq!(leaf["not_after"].as_i64().unwrap_or(0) - leaf["not_before"].as_i64().unwrap_or(0), 30 * 86_400);
    assert_eq!(leaf["self_signed"], false);
    assert_eq!(leaf["verify"], "", "Go verifies our leaf against our CA");
    assert_eq!(extensions(leaf), extensions(gleaf));

    // The keys: RSA 2048, PKCS#1 exactly as Go marshals it, each the key of its certificate.
    let keys = o["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2);
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(k["pem_type"], "RSA PRIVATE KEY");
        assert_eq!(k["type"], "rsa");
        assert_eq!(k["bits"], 2048);
        assert_eq!(k["canonical"], true, "{k}");
        assert_eq!(k["matches"], json!([i]));
    }
}

#[test]
fn self_signed_cert_and_key_types() {
    let Some(bin) = oracle() else { return };
    let text = r#"{{- $c := genSelfSignedCert "" (list "127.0.0.1") (list "localhost") 7 -}}
{{- $e := genSelfSignedCertWithKey "*.ec.example & é" nil nil 1 (genPrivateKey "ecdsa") -}}
{{- $d := genSelfSignedCertWithKey "ed.example" nil (list "ed.example") 1 (genPrivateKey "ed25519") -}}
{{ $c.Cert }}{{ $e.Cert }}{{ $d.Cert }}{{ $c.Key }}{{ $e.Key }}{{ $d.Key }}"#;
    let ours = ours_ok(text, &json!({}));
    let go = go_one(&bin, text, json!({}));
    let (o, g) = (x509(&bin, &ours), x509(&bin, &go));
    assert_eq!(o["cert_errors"], json!([]), "{o}");
    let certs = o["certs"].as_array().expect("certs");
    assert_eq!(certs.len(), 3);
    for (i, c) in certs.iter().enumerate() {
        assert_eq!(c["self_signed"], true, "{c}");
        assert_eq!(c["is_ca"], false);
        assert_eq!(c["subject_key_id"], "");
        assert_eq!(c["authority_key_id"], "");
        assert_eq!(c["raw_subject"], g["certs"][i]["raw_subject"]);
        assert_eq!(extensions(c), extensions(&g["certs"][i]), "certificate {i}");
        assert_eq!(c["signature_algorithm"], g["certs"][i]["signature_algorithm"]);
    }
    // An empty subject makes the SAN extension critical.
    assert_eq!(extensions(&certs[0]).last(), Some(&("2.5.29.17".to_string(), true)));
    assert_eq!(strings(&certs[0]["ips"]), ["127.0.0.1"]);
    assert_eq!(certs[1]["signature_algorithm"], "ECDSA-SHA256");
    assert_eq!(certs[2]["signature_algorithm"], "Ed25519");
    let keys = o["keys"].as_array().expect("keys");
    let summary: Vec<(String, String, i64, bool, J)> = keys
        .iter()
        .map(|k| {
            let s = |f: &str| k[f].as_str().unwrap_or_default().to_string();
            (s("pem_type"), s("type"), k["bits"].as_i64().unwrap_or(0), k["canonical"] == true, k["matches"].clone())
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("RSA PRIVATE KEY".into(), "rsa".into(), 2048, true, json!([0])),
            ("EC PRIVATE KEY".into(), "ecdsa P-256".into(), 256, true, json!([1])),
            ("PRIVATE KEY".into(), "ed25519".into(), 256, true, json!([2])),
        ]
    );
}

#[test]
fn go_ca_signs_through_our_gen_signed_cert_and_back() {
    let Some(bin) = oracle() else { return };
    // Go's CA, used here through buildCustomCert.
    let go_ca =
        go_one(&bin, r#"{{ $ca := genCA "go-ca" 10 }}{{ $ca.Cert | b64enc }} {{ $ca.Key | b64enc }}"#, json!({}));
    let (cert64, key64) = go_ca.split_once(' ').expect("two fields");
    let text = r#"{{ $ca := buildCustomCert .cert .key }}{{ $c := genSignedCert "from-rust" nil (list "r.example") 5 $ca }}{{ $c.Cert }}{{ $c.Key }}"#;
    let leaf = ours_with(text, &json!({"cert": cert64, "key": key64}), false).expect("our leaf");
    let ca_pem = String::from_utf8(base64_decode(cert64)).expect("utf-8");
    let r = x509(&bin, &format!("{ca_pem}{leaf}"));
    assert_eq!(r["certs"][1]["subject_cn"], "from-rust");
    assert_eq!(r["certs"][1]["raw_issuer"], r["certs"][0]["raw_subject"]);
    assert_eq!(r["certs"][1]["authority_key_id"], r["certs"][0]["subject_key_id"]);
    assert_eq!(r["certs"][1]["verify"], "", "Go verifies our leaf against Go's CA: {r}");
    assert_eq!(r["keys"][0]["matches"], json!([1]));

    // Our CA, used by Go's genSignedCert.
    // (the system clock: Go's leaf gets the current time)
    let text = r#"{{ $ca := genCA "rust-ca" 10 }}{{ $ca.Cert | b64enc }} {{ $ca.Key | b64enc }}"#;
    let ours_ca = ours_with(text, &json!({}), false).expect("our CA");
    let (cert64, key64) = ours_ca.split_once(' ').expect("two fields");
    let text = r#"{{ $ca := buildCustomCert .cert .key }}{{ $c := genSignedCert "from-go" (list "192.0.2.1") nil 5 $ca }}{{ $c.Cert }}"#;
    let leaf = go_one(&bin, text, json!({"cert": cert64, "key": key64}));
    let ca_pem = String::from_utf8(base64_decode(cert64)).expect("utf-8");
    let r = x509(&bin, &format!("{ca_pem}{leaf}"));
    assert_eq!(r["certs"][1]["verify"], "", "Go's leaf verifies against our CA: {r}");
    assert_eq!(r["certs"][1]["authority_key_id"], r["certs"][0]["subject_key_id"]);
}

#[test]
fn with_key_functions_keep_gos_key_encoding() {
    let Some(bin) = oracle() else { return };
    // Keys made by Go; our genCAWithKey returns them as Go's pemBlockForKey writes them (the
    // same text for PKCS#1 and SEC1 input; PKCS#8 RSA becomes PKCS#1 as in Go).
    let keys = go_one(&bin, r#"{{ genPrivateKey "ecdsa" }}|{{ genPrivateKey "ed25519" }}"#, json!({}));
    let (ec, ed) = keys.split_once('|').expect("two keys");
    for key in [ec, ed] {
        let text = r#"{{ $ca := genCAWithKey "k" 3 .key }}{{ $l := genSignedCertWithKey "l" nil nil 3 $ca .key }}{{ $ca.Key }}|{{ $ca.Cert }}{{ $l.Cert }}"#;
        let out = ours_ok(text, &json!({"key": key}));
        let (k, certs) = out.split_once('|').expect("key and certs");
        assert_eq!(k, key, "the key comes back as Go writes it");
        let r = x509(&bin, certs);
        assert_eq!(r["certs"][0]["verify"], "", "{r}");
        assert_eq!(r["certs"][1]["verify"], "", "{r}");
        let go = x509(&bin, go_one(&bin, text, json!({"key": key})).split_once('|').expect("two").1);
        assert_eq!(r["certs"][0]["signature_algorithm"], go["certs"][0]["signature_algorithm"]);
        assert_eq!(extensions(&r["certs"][1]), extensions(&go["certs"][1]));
        // Same CN for CA and leaf: Go writes no AuthorityKeyId then.
        assert_eq!(r["certs"][1]["authority_key_id"], go["certs"][1]["authority_key_id"]);
    }
}

#[test]
fn gen_private_key_types() {
    let Some(bin) = oracle() else { return };
    let started = std::time::Instant::now();
    let out =
        ours_ok(r#"{{ genPrivateKey "rsa" }}{{ genPrivateKey "ecdsa" }}{{ genPrivateKey "ed25519" }}"#, &json!({}));
    eprintln!("rsa 4096 + ecdsa + ed25519 keys: {:?}", started.elapsed());
    let r = x509(&bin, &out);
    let got: Vec<(String, String, i64, bool)> = r["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            let s = |f: &str| k[f].as_str().unwrap_or_default().to_string();
            (s("pem_type"), s("type"), k["bits"].as_i64().unwrap_or(0), k["canonical"] == true)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("RSA PRIVATE KEY".into(), "rsa".into(), 4096, true),
            ("EC PRIVATE KEY".into(), "ecdsa P-256".into(), 256, true),
            ("PRIVATE KEY".into(), "ed25519".into(), 256, true),
        ]
    );
    // Unknown types: Sprig's message as the output, the same in Go.
    let text = r#"{{ genPrivateKey "rsa2" }}|{{ genPrivateKey "ECDSA" }}"#;
    assert_eq!(ours_ok(text, &json!({})), go_one(&bin, text, json!({})));
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64")
}

#[test]
fn derive_password_matches_go() {
    let Some(bin) = oracle() else { return };
    let cases = [
        (1, "long", "password", "user", "example.com"),
        (2, "maximum", "pässwörd", "ユーザー", "site"),
        (0, "medium", "", "", ""),
        (4_294_967_295u32, "basic", "p", "u", "s"),
        (3, "short", "secret", "alice", "github.com"),
        (7, "pin", "secret", "alice", "bank"),
        (1, "nosuch", "secret", "alice", "bank"),
    ];
    let texts: Vec<(String, J)> = cases
        .iter()
        .map(|(n, t, p, u, s)| {
            (format!("{{{{ derivePassword {n} .t .p .u .s }}}}"), json!({"t": t, "p": p, "u": u, "s": s}))
        })
        .collect();
    let batch: Vec<(&str, J)> = texts.iter().map(|(t, d)| (t.as_str(), d.clone())).collect();
    let go = go_batch(&bin, &batch);
    for ((text, data), want) in texts.iter().zip(go) {
        let want = want.unwrap_or_else(|e| panic!("Go: {e}"));
        assert_eq!(ours(text, data).as_deref(), Ok(want.as_str()), "{text} {data}");
    }
}

#[test]
fn aes_matches_go_both_ways() {
    let Some(bin) = oracle() else { return };
    let plains = ["hello", "", "exactly sixteen!", "ünïcödé and a longer text that spans blocks", "x"];
    let passwords = ["secret", "", "a password much longer than thirty-two bytes, cut"];
    // Go encrypts; both decrypt.
    let mut cases = Vec::new();
    for p in passwords {
        for m in plains {
            cases.push((r#"{{ encryptAES .p .m }}"#, json!({"p": p, "m": m})));
        }
    }
    let go_cipher = go_batch(&bin, &cases);
    let mut decrypt = Vec::new();
    for ((_, data), c) in cases.iter().zip(&go_cipher) {
        let c = c.clone().expect("Go encrypts");
        decrypt.push((r#"{{ decryptAES .p .c }}"#, json!({"p": data["p"], "c": c})));
    }
    let go_plain = go_batch(&bin, &decrypt);
    for (((_, data), want), (_, enc)) in decrypt.iter().zip(&go_plain).zip(&cases) {
        let ours = ours(r#"{{ decryptAES .p .c }}"#, data);
        assert_eq!(&ours, want, "{data}");
        assert_eq!(ours.as_deref(), Ok(enc["m"].as_str().unwrap_or_default()));
    }
    // We encrypt; Go decrypts.
    let mut back = Vec::new();
    for (_, data) in &cases {
        let c = ours(r#"{{ encryptAES .p .m }}"#, data).expect("we encrypt");
        back.push((r#"{{ decryptAES .p .c }}"#, json!({"p": data["p"], "c": c})));
    }
    for (r, (_, data)) in go_batch(&bin, &back).into_iter().zip(&cases) {
        assert_eq!(r.as_deref(), Ok(data["m"].as_str().unwrap_or_default()), "Go decrypts ours: {data}");
    }
}

#[test]
fn bcrypt_and_htpasswd_verify_both_ways() {
    let Some(bin) = oracle() else { return };
    let passwords = ["secret", "", "pässwörd", &"x".repeat(80)];
    let mut checks = Vec::new();
    for p in passwords {
        let ours = ours_ok("{{ bcrypt .p }}", &json!({"p": p}));
        assert!(ours.starts_with("$2a$10$"), "{ours}");
        checks.push(json!({"hash": ours, "password": p}));
        checks.push(json!({"hash": ours, "password": format!("{p}!")}));
        let go = go_one(&bin, "{{ bcrypt .p }}", json!({"p": p}));
        assert!(bcrypt::verify(p, &go).expect("Go's hash parses"), "our bcrypt verifies Go's hash of {p:?}");
        // Past 72 bytes both cut the password, so only shorter ones tell a wrong password.
        assert_eq!(bcrypt::verify(format!("{p}!"), &go).expect("Go's hash parses"), p.len() >= 72);
    }
    let line = ours_ok(r#"{{ htpasswd "admin" "pw" }}"#, &json!({}));
    let (user, hash) = line.split_once(':').expect("user:hash");
    assert_eq!(user, "admin");
    checks.push(json!({"hash": hash, "password": "pw"}));
    let got = run_oracle(&bin, "--bcrypt-verify", &serde_json::to_vec(&checks).expect("json"));
    let got = strings(&got);
    assert_eq!(got.len(), checks.len());
    for (i, r) in got.iter().enumerate() {
        // Passwords past 72 bytes are cut (x/crypto's and the bcrypt crate's rule): the
        // 80-byte password with a `!` appended still matches.
        let matches = i % 2 == 0 || i == 7;
        assert_eq!(r.is_empty(), matches, "check {i}: {r:?} for {}", checks[i]);
    }
}

#[test]
fn errors_match_go() {
    let Some(bin) = oracle() else { return };
    let ec_key = go_one(&bin, r#"{{ genPrivateKey "ecdsa" }}"#, json!({}));
    let as_rsa = ec_key.replace("EC PRIVATE KEY", "RSA PRIVATE KEY");
    let as_foo = ec_key.replace("EC PRIVATE KEY", "FOO PRIVATE KEY");
    let other_ca = go_one(&bin, r#"{{ (genCA "x" 1).Key }}"#, json!({}));
    let cases: Vec<(&str, J)> = vec![
        (r#"{{ genSelfSignedCert "a" (list "10.0.0.300") nil 1 }}"#, json!({})),
        (r#"{{ genSelfSignedCert "a" (list 1) nil 1 }}"#, json!({})),
        (r#"{{ genSelfSignedCert "a" nil (list 2) 1 }}"#, json!({})),
        (r#"{{ genSelfSignedCert "a" nil (list "é.example") 1 }}"#, json!({})),
        // Arguments from values (a literal of the wrong type is the template engine's error).
        (r#"{{ genSelfSignedCert "a" .ip nil 1 }}"#, json!({"ip": "10.0.0.1"})),
        (r#"{{ genSelfSignedCert "a" nil .dns 1 }}"#, json!({"dns": {"a": 1}})),
        (r#"{{ genCA "a" .days }}"#, json!({"days": "10"})),
        (r#"{{ genCA "a" .days }}"#, json!({"days": 10})),
        (r#"{{ genCA "a" .days }}"#, json!({})),
        (r#"{{ genCA .cn 10 }}"#, json!({"cn": 1})),
        (r#"{{ genCAWithKey "a" 1 .missing }}"#, json!({})),
        (r#"{{ genSignedCert "b" nil nil 1 .missing }}"#, json!({})),
        (r#"{{ derivePassword .missing "long" "p" "u" "s" }}"#, json!({})),
        (r#"{{ genSelfSignedCert "a" .missing .missing 1 | typeOf }}"#, json!({})),
        (r#"{{ genSignedCert "b" nil nil 1 .ca }}"#, json!({"ca": "ca"})),
        (r#"{{ genCAWithKey "a" 1 "not a pem" }}"#, json!({})),
        (r#"{{ genCAWithKey "a" 1 .k }}"#, json!({"k": as_rsa})),
        (r#"{{ genCAWithKey "a" 1 .k }}"#, json!({"k": as_foo})),
        (
            r#"{{ genCAWithKey "a" 1 .k }}"#,
            json!({"k": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}),
        ),
        (
            r#"{{ genCAWithKey "a" 1 .k }}"#,
            json!({"k": "-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n"}),
        ),
        (r#"{{ $ca := genCA "a" 1 }}{{ genSignedCertWithKey "b" nil nil 1 $ca .k }}"#, json!({"k": "junk"})),
        (
            r#"{{ $ca := genCA "a" 1 }}{{ genSignedCert "b" nil nil 1 (buildCustomCert ($ca.Cert | b64enc) (.k | b64enc)) }}"#,
            json!({"k": other_ca}),
        ),
        (r#"{{ genSignedCert "b" nil nil 1 .ca }}"#, json!({"ca": {"Cert": "x", "Key": "y"}})),
        (r#"{{ buildCustomCert "!!" "" }}"#, json!({})),
        (r#"{{ buildCustomCert "" "!!" }}"#, json!({})),
        (r#"{{ buildCustomCert ("junk" | b64enc) "" }}"#, json!({})),
        (
            r#"{{ buildCustomCert ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" | b64enc) "" }}"#,
            json!({}),
        ),
        (r#"{{ decryptAES "k" "c2hvcnQ=" }}"#, json!({})),
        (r#"{{ decryptAES "k" "MDEyMzQ1Njc4OWFiY2RlZjAxMjM=" }}"#, json!({})),
        (r#"{{ decryptAES "k" "MDEyMzQ1Njc4OWFiY2RlZg==" }}"#, json!({})),
        (r#"{{ decryptAES "k" "not base64!" }}"#, json!({})),
        (r#"{{ htpasswd "a:b" "pw" }}"#, json!({})),
        (r#"{{ derivePassword 1 "nosuch" "p" "u" "s" }}"#, json!({})),
        (r#"{{ genPrivateKey .t }}"#, json!({"t": true})),
        (r#"{{ derivePassword .n "long" "p" "u" "s" }}"#, json!({"n": 1})),
    ];
    let go = go_batch(&bin, &cases);
    let mut mismatches = Vec::new();
    for ((text, data), want) in cases.iter().zip(go) {
        let got = ours(text, data);
        if got != want {
            mismatches.push(format!("{text}\n  go:   {want:?}\n  ours: {got:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{} of {} differ:\n{}", mismatches.len(), cases.len(), mismatches.join("\n"));
}

#[test]
fn validity_past_2049_is_generalized_time() {
    let Some(bin) = oracle() else { return };
    let r = x509(&bin, &ours_ok(r#"{{ (genCA "long" 20000).Cert }}{{ (genCA "past" -3).Cert }}"#, &json!({})));
    assert_eq!(r["cert_errors"], json!([]), "{r}");
    assert_eq!(r["certs"][0]["not_after"], NOW + 20_000 * 86_400, "2078, written as GeneralizedTime");
    assert_eq!(r["certs"][0]["verify"], "");
    assert_eq!(r["certs"][1]["not_after"], NOW - 3 * 86_400);
}

/// Checks that need no oracle.
#[test]
fn certificate_struct_and_limits() {
    // Fields, %v, the struct passed on, and no reproducibility from the seed.
    let out = ours_ok(
        r#"{{ $ca := genCA "c" 1 }}{{ printf "%v" $ca | trunc 28 }}|{{ typeOf $ca }}|{{ $ca.Cert | trunc 27 }}"#,
        &json!({}),
    );
    assert_eq!(out, "{-----BEGIN CERTIFICATE-----|sprig.certificate|-----BEGIN CERTIFICATE-----");
    let a = ours_ok(r#"{{ (genCA "c" 1).Key }}"#, &json!({}));
    let b = ours_ok(r#"{{ (genCA "c" 1).Key }}"#, &json!({}));
    assert_ne!(a, b, "keys come from the system's generator, not the seed");
    let e = ours_ok(r#"{{ encryptAES "k" "m" }}"#, &json!({}));
    assert_ne!(e, ours_ok(r#"{{ encryptAES "k" "m" }}"#, &json!({})), "random IVs");
    // DSA: no generator here.
    let err = ours(r#"{{ genPrivateKey "dsa" }}"#, &json!({})).expect_err("dsa fails");
    assert!(err.contains("dsa keys are not supported"), "{err}");
    // A chain signed with an ed25519 CA key verifies with our own parser of the result.
    let chain = ours_ok(
        r#"{{ $ca := genCAWithKey "ed-ca" 2 (genPrivateKey "ed25519") }}{{ $l := genSignedCert "l" nil nil 1 $ca }}{{ $l.Cert | len | lt 100 }}"#,
        &json!({}),
    );
    assert_eq!(chain, "true");
}
