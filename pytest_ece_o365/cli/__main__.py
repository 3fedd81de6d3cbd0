"""``python -m pytest_ece_o365.cli``: the ``ece-o365`` command without its console script."""

from __future__ import annotations

import sys

from pytest_ece_o365.cli import main

sys.exit(main())
