"""Run the benchmark: ``python -m bench [--quick] [--json PATH]``."""

from bench.cli import main

raise SystemExit(main())
