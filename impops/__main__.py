"""`python -m impops` runs the command-line interface."""

from impops.cli import main

raise SystemExit(main())
