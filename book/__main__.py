"""``python -m book`` builds the static book (see :mod:`book.build`)."""

from book.build import main

raise SystemExit(main())
