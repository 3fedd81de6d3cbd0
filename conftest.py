"""Repository-level pytest settings.

pytester is enabled with ``-p pytester`` in pyproject.toml rather than ``pytest_plugins`` here: a run of
the checklist on the packaged example from an editable install collects a file below this folder, and
pytest refuses ``pytest_plugins`` in a conftest that is not at the run's rootdir.
"""
