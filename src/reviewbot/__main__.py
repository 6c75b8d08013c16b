"""`python -m reviewbot` is the `reviewbot` command."""

import sys

from .cli import main

sys.exit(main())
