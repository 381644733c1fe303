//! built-ins (in progress).
