"""Integration tests: the real terraform binary and AWS provider against moto."""
