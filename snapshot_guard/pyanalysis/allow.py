"""The comment that silences a finding on its line, in every file snapshot-guard reads."""
from __future__ import annotations

ALLOW_COMMENT = "snapshot-guard: allow"


def allows(line: str) -> bool:
    """Whether ``line`` (one source line, of any language) carries the allow comment."""
    return ALLOW_COMMENT in line
