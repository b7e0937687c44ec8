"""``python -m assistant`` runs the ``acuity`` command line."""

import sys

from assistant.cli import main

sys.exit(main())
