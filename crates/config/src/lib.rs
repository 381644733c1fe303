//! platform.yaml (filled in by the config work).
