"""The test suite (a package, so that `tests.helpers` is always this one)."""
