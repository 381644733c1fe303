//! plugin host (in progress).
