//! The example addon built as a native cdylib speaks the same contract as its wasm build:
//! byte-identical info and plan; and it is refused without `allow_native`.

use std::path::PathBuf;

use dataplat_plugin::contract::PlatformFacts;
use dataplat_plugin::{ErrorKind, HostOptions, Origin, PluginHost};

fn native_library() -> PathBuf {
    let target_root = PathBuf::from(dataplat_builtins::WASM_DIR).join("../../..");
    dataplat_testkit::build_native_library("hello-addon", "native", &target_root)
}

fn facts() -> PlatformFacts {
    PlatformFacts {
        name: "native-test".into(),
        region: "eu-central-1".into(),
        account_id: Some("123456789012".into()),
        deployment_id: "Zz9Yy8Xx".into(),
        kubernetes_version: "1.34".into(),
        enabled_addons: vec!["hello".into()],
        enabled_flags: vec!["enable_hello".into()],
        endpoints: vec![],
        tags: vec![("team".into(), "data".into())],
    }
}

#[test]
fn native_build_matches_wasm_build_byte_for_byte() {
    let library = native_library();
    let refusing = PluginHost::new(HostOptions { cache_dir: None, ..HostOptions::default() }).expect("host");
    let err = refusing.load_native(&library, None).err().expect("refused without allow_native");
    assert!(matches!(err.kind, ErrorKind::NativeNotAllowed), "{err}");

    let host =
        PluginHost::new(HostOptions { cache_dir: None, allow_native: true, ..HostOptions::default() }).expect("host");
    let wrong = format!("sha256:{}", "1".repeat(64));
    let err = host.load_native(&library, Some(&wrong)).err().expect("pin enforced");
    assert!(matches!(err.kind, ErrorKind::DigestMismatch { .. }), "{err}");
    let native = host.load_native(&library, None).expect("load native");
    assert!(matches!(native.origin(), Origin::Native { .. }));
    let wasm_bytes = std::fs::read(dataplat_builtins::wasm_path("hello-addon")).expect("wasm");
    let wasm = host.load_bytes("hello", &wasm_bytes, Origin::Builtin).expect("load wasm");

    let json = |v: &dyn erased::Json| v.json();
    assert_eq!(json(native.info()), json(wasm.info()), "info() identical");
    for config in
        [r#"{}"#, r#"{"message":"bonjour","replicas":5,"namespace":"echo"}"#, r#"{"replicas":0}"#, r#"{"bogus":1}"#]
    {
        let n = native.plan(config, &facts()).expect("native call");
        let w = wasm.plan(config, &facts()).expect("wasm call");
        assert_eq!(json(&n), json(&w), "plan({config}) identical");
        let n = native.validate(config, &facts()).expect("native call");
        let w = wasm.validate(config, &facts()).expect("wasm call");
        assert_eq!(json(&n), json(&w), "validate({config}) identical");
    }
}

mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).expect("serializable")
        }
    }
}
