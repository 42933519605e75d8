"""``python -m smstatus``."""

import sys

from smstatus.cli import main

if __name__ == "__main__":
    sys.exit(main())
