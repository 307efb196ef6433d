"""``python -m mmm_pipeline.cli``: how a fitting command restarts with a fixed hash seed."""

import sys

from mmm_pipeline.cli.parser import main

sys.exit(main())
