"""``python -m rekmock``: the same as the ``rekmock`` command."""

import sys

from .cli import main

sys.exit(main())
