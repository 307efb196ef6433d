"""The ``mmm`` command: the data contract's simulate, run, demo, query and ui, and plan.

One module per command (``pipeline`` holds simulate, run and demo, which share the run),
the parser and entry point in ``parser``.
"""

from mmm_pipeline.cli.parser import main

__all__ = ["main"]
