//! pos-till integration tests.
