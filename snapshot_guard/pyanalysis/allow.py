"""The comment that silences a finding on its line, in every file snapshot-guard reads."""
from __future__ import annotations

import re

ALLOW_COMMENT = "snapshot-guard: allow"
_IN_A_COMMENT = re.compile(r"(?:#|//|/\*|<!--|--|;|%|\b[Rr][Ee][Mm]\b|::).*" + re.escape(ALLOW_COMMENT))
"""The comment somewhere after a comment sign: text in a JSON file's string silences nothing."""


def allows(line: str) -> bool:
    """Whether ``line`` (one source line, of any language) carries the allow comment."""
    return ALLOW_COMMENT in line and _IN_A_COMMENT.search(line.rstrip("\r\n")) is not None
