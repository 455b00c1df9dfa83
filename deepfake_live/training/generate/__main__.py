"""``python -m deepfake_live.training.generate``."""

import sys

from .cli import main

sys.exit(main())
