"""Byte sizes as users write them (``300MB``, ``1.5GiB``) and as reports print them."""
from __future__ import annotations

import re

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1024,
    "mb": 1024**2,
    "gb": 1024**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Parse ``text`` into bytes.

    Azure ML's "300 MB" is 300 * 1024 * 1024 bytes, so KB/MB/GB are binary here, like KiB/MiB/GiB.
    Raises ValueError with a message fit for a user.
    """
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size (examples: 314572800, 300MB, 1.5GiB)")
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(size: int) -> str:
    """``314572800`` -> ``300.0 MiB``: what the report shows next to the exact byte count."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"
