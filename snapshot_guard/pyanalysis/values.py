"""What static evaluation knows of a string or path: a constant beginning and, when partial, a display
of what follows; and why a value is not known at all."""
from __future__ import annotations

import ast
import dataclasses
import itertools
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

UNKNOWN = "*"
"""How a partly known value shows the parts static analysis cannot know: ``model_*.pt``."""
MAX_ALTERNATIVES = 32


@dataclasses.dataclass(frozen=True)
class Text:
    """A string as far as it is known: a constant beginning, then what follows."""

    known: str
    rest: str | None = None
    """The display of what follows the known beginning (``*`` marks unknown parts); None when the
    whole value is known."""

    @property
    def display(self) -> str:
        return self.known + (self.rest or "")

    @property
    def complete(self) -> bool:
        return self.rest is None


Values = tuple[Text, ...]
"""The values an expression may hold: one per alternative (a loop over a list, both branches of an
``if``), never empty."""
STAR = Text("", UNKNOWN)
CWD = Text(".")


class Unknown(Exception):
    """A value static analysis cannot resolve; the message says why (built only when shown)."""

    def __init__(self, subject: str | ast.AST, why: str = "is not a constant") -> None:
        super().__init__()
        self.subject = subject
        self.why = why

    def __str__(self) -> str:
        subject = self.subject if isinstance(self.subject, str) else short(self.subject)
        return f"{subject} {self.why}".strip()


class NoneValue(Unknown):
    """A value that is None: ``a or b`` moves on to ``b``."""

    def __init__(self, subject: str | ast.AST = "None") -> None:
        super().__init__(subject, "is None")


class ParameterValue(Unknown):
    """A value that is a parameter of a function: known only where the function is called."""

    def __init__(self, name: str, function: object) -> None:
        super().__init__(name, "is a parameter of the enclosing function")
        self.name = name
        self.function = function


def short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


# --- combining -------------------------------------------------------------------------------------

def concat(left: Text, right: Text) -> Text:
    if left.rest is None:
        return Text(left.known + right.known, right.rest)
    return Text(left.known, left.rest + right.display)


def join(left: Text, right: Text) -> Text:
    """``os.path.join`` and ``/`` of two paths."""
    if right.known.startswith("/"):
        return right
    if left.rest is None and left.known in ("", "."):
        return right
    separator = "" if left.display.endswith("/") else "/"
    return concat(concat(left, Text(separator)), right)


def product(parts: Sequence[Values], combine: Callable[[Sequence[Text]], Text]) -> Values:
    """Every combination of the parts' alternatives, combined (at most :data:`MAX_ALTERNATIVES`)."""
    combos = itertools.islice(itertools.product(*parts), MAX_ALTERNATIVES)
    return unique(combine(combo) for combo in combos)


def unique(values: Iterable[Text]) -> Values:
    return tuple(dict.fromkeys(values))[:MAX_ALTERNATIVES]


def joined(parts: Sequence[Text]) -> Text:
    value = parts[0]
    for part in parts[1:]:
        value = join(value, part)
    return value


def concatenated(parts: Sequence[Text]) -> Text:
    value = Text("")
    for part in parts:
        value = concat(value, part)
    return value


def complete(value: Text) -> str:
    """The whole value; raises Unknown when only its beginning is known."""
    if value.rest is not None:
        raise Unknown(value.display, "is not fully known")
    return value.known


def dirname(path: str, levels: int = 1) -> str:
    """``levels`` parents up, the way ``Path.parent`` and ``os.path.dirname`` go (``.`` for none)."""
    for _ in range(levels):
        path = posixpath.dirname(posixpath.normpath(path)) or "."
    return path


def strip_dot(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


# --- formatting ------------------------------------------------------------------------------------

_FIELDS = {"{": re.compile(r"\{([^{}]*)\}"), "%": re.compile(r"%(?:\([^)]*\))?[-#0 +\d.*]*[a-zA-Z%]")}


def formatted(
    template: str, marker: str, values: Sequence[Text | None],
    named: Mapping[str, Text | None] | None = None,
) -> Text:
    """``"{}/model_{}.pt".format(OUT, epoch)`` and ``"%s/model_%d.pt" % (OUT, epoch)``: the template
    with each plain ``{}``/``{0}``/``{name}``/``%s`` field replaced by its known value, ``*`` for the
    others (a number, a format spec, a value not known)."""
    value = Text("")
    position = index = 0
    for field in _FIELDS[marker].finditer(template):
        value = concat(value, Text(template[position : field.start()].replace("{{", "{")
                                   .replace("}}", "}") if marker == "{" else
                                   template[position : field.start()]))
        position = field.end()
        if field.group() == "%%":
            value = concat(value, Text("%"))
            continue
        part: Text | None
        if marker == "{":
            key = field.group(1)
            if key == "":
                part = values[index] if index < len(values) else None
            elif key.isdigit():
                part = values[int(key)] if int(key) < len(values) else None
            else:
                part = (named or {}).get(key)
        else:
            part = values[index] if field.group() == "%s" and index < len(values) else None
        index += 1
        value = concat(value, part if part is not None else STAR)
    return concat(value, Text(template[position:]))
