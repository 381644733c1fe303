//! Test fixture: exports `dataplat:addon/plugin@9.9.9`, a contract no host has shipped.

wit_bindgen::generate!({
    inline: "
        package dataplat:addon@9.9.9;
        interface plugin { info: func() -> string; }
        world addon { export plugin; }
    ",
    world: "addon",
});

struct Future;

impl exports::dataplat::addon::plugin::Guest for Future {
    fn info() -> String {
        "from the future".to_string()
    }
}

export!(Future);
