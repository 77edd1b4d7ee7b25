"""``snapshot-file-count``: fail a commit that makes a snapshot root exceed Azure ML's 2000-file limit."""
from __future__ import annotations

from collections.abc import Sequence

from snapshot_guard import once

CHECK = "snapshot-file-count"


def main(argv: Sequence[str] | None = None) -> int:
    if once.nothing_left(CHECK, argv):  # pre-commit started it again for roots already checked
        return 0
    from snapshot_guard.limits import main_for

    return main_for(CHECK, "count", argv)


if __name__ == "__main__":
    raise SystemExit(main())
