"""How every command of snapshot-guard ends: a verdict, or one line and an exit status.

Bad input (:class:`SnapshotInputError`), a file the system will not give, Ctrl-C, memory or recursion
exhausted: one line naming the problem on standard error, never a traceback (hook output ends up in
CI logs). ``SNAPSHOT_GUARD_DEBUG=1`` shows the traceback of an unexpected error.
"""
from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable

from snapshot_guard import git
from snapshot_guard.errors import SnapshotInputError
from snapshot_guard.findings import printable

INTERRUPTED = 130
"""The shell's status for a command ended by Ctrl-C (128 + SIGINT)."""


def guarded(prog: str, work: Callable[[], int]) -> int:
    """Run a command's ``work``: its exit status, or 2 (130 for Ctrl-C) with one line that says why.

    Python's cyclic garbage collector is paused meanwhile: a walk builds a tuple per file, a hundred
    thousand in a large tree and none in a cycle, and the collector would scan them over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return work()
    except SnapshotInputError as error:
        return _fail(prog, str(error), 2)
    except KeyboardInterrupt:
        return _fail(prog, "interrupted", INTERRUPTED)
    except BrokenPipeError:  # the reader went away (``| head``): nothing left to say to it
        sys.stderr.close()
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        return _fail(prog, f"{where}{error.strerror or error}", 2)
    except (MemoryError, RecursionError) as error:
        return _fail(prog, f"gave up: {type(error).__name__}", 2)
    except Exception as error:
        if os.environ.get("SNAPSHOT_GUARD_DEBUG"):
            raise
        return _fail(prog, f"internal error ({type(error).__name__}: {str(error)[:200]}); set "
                           f"SNAPSHOT_GUARD_DEBUG=1 to see where, and please report it", 2)
    finally:
        git.finish_started()
        if enabled:
            gc.enable()


def _fail(prog: str, message: str, status: int) -> int:
    print(f"{prog}: {printable(message)}", file=sys.stderr)
    return status
