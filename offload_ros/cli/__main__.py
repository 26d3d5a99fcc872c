"""``python -m offload_ros.cli``."""

import sys

from offload_ros.cli.cli import main

sys.exit(main())
