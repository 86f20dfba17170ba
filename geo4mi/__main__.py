"""``python -m geo4mi`` runs the command-line interface."""

import sys

from geo4mi.cli import main

if __name__ == "__main__":
    sys.exit(main())
