#!/usr/bin/env bash
# tests/fleet: the `pre-commit` package runs the repository's pre-commit hook against a scratch repository
# (test_precommit.py), and the `ansible` package (not ansible-core alone: it carries the ansible.windows
# collection that ansible/roles/ece_o365_check uses for Windows hosts) runs ansible/check.yml against three
# local hosts and the simulator (test_ansible.py); `taplo` (the TOML toolkit behind Even Better TOML) checks
# deployment files against the packaged JSON Schema with their `#:schema` line (test_schema.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/python -m pip install -q pre-commit ansible taplo
