"""The deployment file: read and validated (:mod:`.loader`, :mod:`.table`) into typed values (:mod:`.deployment`)."""

from __future__ import annotations

from pytest_ece_o365.config.loader import ConfigError, load_config

__all__ = ["ConfigError", "load_config"]
