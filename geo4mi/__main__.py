"""``python -m geo4mi`` runs the command-line interface."""

import sys

from geo4mi.cli import main

sys.exit(main())
