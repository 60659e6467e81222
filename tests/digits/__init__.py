"""Tests of the digits debate: rules, exact search on toy judges, the judge, determinism."""
