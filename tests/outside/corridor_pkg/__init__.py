"""A world written outside the oversight package, against its public API only (tests/outside)."""
