"""``python -m multikernelbench.cli`` runs the ``mkb`` command."""

import sys

from multikernelbench.cli import main

sys.exit(main())
