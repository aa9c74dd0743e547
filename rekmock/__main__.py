"""``python -m rekmock``: the same as the ``rekmock`` command."""

import sys

from .cli.main import main

sys.exit(main())
