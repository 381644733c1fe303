//! composer (in progress).
