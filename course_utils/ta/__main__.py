"""``python -m course_utils.ta``: the same as the ``backprop-course`` command."""
from .cli import main

raise SystemExit(main())
