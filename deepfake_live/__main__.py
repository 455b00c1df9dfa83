import sys

from deepfake_live.cli import main

sys.exit(main())
