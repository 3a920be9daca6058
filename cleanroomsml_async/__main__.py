"""``python -m cleanroomsml_async demo``."""

import sys

from cleanroomsml_async.cli import main

sys.exit(main())
