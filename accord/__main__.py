"""``python -m accord``: the ``accord`` command line."""

import sys

from accord.cli import main

sys.exit(main())
