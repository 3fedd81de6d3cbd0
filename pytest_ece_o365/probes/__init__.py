"""Probes: all of the network I/O. Each returns an immutable observation and never raises for a network or
protocol failure (see :mod:`pytest_ece_o365.probes.observation`); the survey runs them, the checks judge them."""
