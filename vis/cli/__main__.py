"""``python -m vis.cli``: the same as the ``vis`` command."""

from vis.cli import main

raise SystemExit(main())
