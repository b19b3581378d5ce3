"""``python -m scoring <command>``: the psychometrics command line (see docs/psychometrics.md)."""

import sys

from scoring.psychometrics.cli import main

if __name__ == "__main__":
    sys.exit(main())
