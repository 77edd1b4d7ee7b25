"""``snapshot-file-count``: fail a commit that makes a snapshot root exceed Azure ML's 2000-file limit."""
from __future__ import annotations

from collections.abc import Sequence

from snapshot_guard.size_limit import check_limit

CHECK = "snapshot-file-count"


def main(argv: Sequence[str] | None = None) -> int:
    return check_limit(CHECK, "count", "Fail when a snapshot root would upload more files than the limit.",
                       argv)


if __name__ == "__main__":
    raise SystemExit(main())
