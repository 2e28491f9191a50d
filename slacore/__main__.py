"""`python -m slacore ...`: see slacore/cli.py."""

import sys

from .cli import main

sys.exit(main())
