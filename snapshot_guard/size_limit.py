"""``snapshot-size-limit``: fail a commit that makes a snapshot root exceed Azure ML's 300 MiB size limit."""
from __future__ import annotations

from collections.abc import Sequence

from snapshot_guard.limits import main_for


def main(argv: Sequence[str] | None = None) -> int:
    return main_for("snapshot-size-limit", "size", argv)


if __name__ == "__main__":
    raise SystemExit(main())
