"""``snapshot-file-count``: fail a commit that makes a snapshot root exceed Azure ML's 2000-file limit."""
from __future__ import annotations

from collections.abc import Sequence

from snapshot_guard.limits import main_for


def main(argv: Sequence[str] | None = None) -> int:
    return main_for("snapshot-file-count", "count", argv)


if __name__ == "__main__":
    raise SystemExit(main())
