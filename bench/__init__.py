"""Benchmarks. Not part of the application: nothing in backend/ imports from here."""
