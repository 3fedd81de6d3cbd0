"""Tests of the network probes, the four network checks and their fault servers (a package, so that its
conftest and helpers do not shadow tests/conftest.py as the top-level module ``conftest``)."""
