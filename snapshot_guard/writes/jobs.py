"""Which files of a snapshot root are a job's code, and the command lines that run them."""
from __future__ import annotations

import ast
import dataclasses
import functools
import posixpath
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence

import yaml

from snapshot_guard.pyanalysis.values import strip_dot

KEPT_FOLDERS = ("outputs", "logs")
Reader = Callable[[str], bytes]
"""Returns the bytes of a file named by its path relative to the root; raises OSError."""

_NOT_JOB_FOLDERS = frozenset(
    ("test", "tests", "testing", "site-packages", "dist-packages", "node_modules", "__pycache__",
     "venv", "virtualenv") + KEPT_FOLDERS
)
_NOT_JOB_FILE = re.compile(r"(?:test_.*|.*_test|conftest|setup)\.py\Z")
_SUBMIT_CALLS = ("ScriptRunConfig", "PythonScriptStep", "CommandStep", "ParallelRunStep",
                 "HyperDriveConfig", "AutoMLConfig", "Estimator", "Workspace.from_config",
                 "Workspace.get", "load_job")
_V1_SUBMITTERS = frozenset((
    "azureml.core.Experiment", "azureml.core.experiment.Experiment", "azureml.core.Workspace",
    "azureml.core.workspace.Workspace", "azureml.pipeline.core.Pipeline",
))
_V1_SUBMIT_CALLS = ("submit", "Experiment", "Pipeline")
_V2_SUBMIT_CALLS = ("create_or_update", "begin_create_or_update")
_V2_BUILDERS = frozenset(("Input", "Output", "command", "dsl", "load_job", "load_component",
                          "spark", "sweep", "BuildContext", "Environment", "AmlCompute"))
_NOTEBOOK_NAME = re.compile(r"[\w./\\-]*\.ipynb\b")
REFERENCE_SUFFIXES = (".py", ".yml", ".yaml", ".sh", ".cmd", ".bat", ".ps1")
REFERENCE_NAMES = ("Makefile", "Dockerfile", "MLproject")
"""Files where a job's command can run a notebook (with papermill or nbconvert)."""
_SERVICES = ("streamlit", "flask", "fastapi", "gradio", "dash")


def may_be_job_code(relpath: str) -> bool:
    """False for tests, setup scripts, hidden, vendored and virtual-environment folders."""
    folder, _, name = relpath.rpartition("/")
    return _job_folder(folder) and not _NOT_JOB_FILE.match(name)


@functools.lru_cache(maxsize=4096)
def _job_folder(folder: str) -> bool:
    return not folder or not any(part.startswith(".") or part in _NOT_JOB_FOLDERS
                                 for part in folder.split("/"))


def is_reference(relpath: str) -> bool:
    return relpath.endswith(REFERENCE_SUFFIXES) or posixpath.basename(relpath) in REFERENCE_NAMES


def notebooks_mentioned(relpaths: Sequence[str], texts: Iterable[str]) -> set[str]:
    """The notebooks of ``relpaths`` that ``texts`` (scripts, YAML files, shell commands beside
    them that run papermill or nbconvert) name: only those notebooks are job code."""
    referenced = {strip_dot(name.replace("\\", "/")) for text in texts
                  for name in _NOTEBOOK_NAME.findall(text)}
    return {
        path for path in relpaths if path.endswith(".ipynb")
        and any(path == name or path.endswith("/" + name) or name.endswith("/" + path)
                for name in referenced)
    }


def runs_elsewhere(text: str, tree: ast.Module, aliases: Mapping[str, str]) -> bool:
    """The file is not a job's code: it submits jobs (so it runs on the user's machine), it is a
    deployment's scoring script (``init()`` and ``run()``), or it is a web app."""
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    if {"init", "run"} <= functions:
        return True
    modules = set(aliases.values())
    if any(name.split(".", 1)[0] in _SERVICES for name in modules):
        return True
    if any(has_call(text, name) for name in _SUBMIT_CALLS):
        return True
    if modules & _V1_SUBMITTERS and any(has_call(text, name) for name in _V1_SUBMIT_CALLS):
        return True
    if not any(name.startswith("azure.ai.ml") for name in modules):
        return False
    if any(name.startswith(("azure.ai.ml.entities", "azure.ai.ml.dsl"))
           or name.rsplit(".", 1)[-1] in _V2_BUILDERS for name in modules):
        return True  # it builds jobs, inputs, environments to submit
    commands = [name for name, qualified in aliases.items() if qualified == "azure.ai.ml.command"]
    return any(has_call(text, name) for name in [*_V2_SUBMIT_CALLS, *commands]) or bool(
        re.search(r"@\s*(?:dsl\.)?pipeline\b", text)
    )


def has_call(text: str, name: str) -> bool:
    """``name(`` occurs in ``text`` as a whole name (``.name(`` included): a substring search in C
    first, as the regex alternative costs more than parsing on large files."""
    start = text.find(name)
    while start != -1:
        before = text[start - 1] if start else " "
        after = text[start + len(name) : start + len(name) + 8].lstrip()
        if not (before.isalnum() or before == "_") and after.startswith("("):
            return True
        start = text.find(name, start + len(name))
    return False


# --- the command lines that run a script -------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class JobCommand:
    """One run of a script: the words after it on a job's command line."""

    script: str
    """The script, POSIX relative to the snapshot root."""
    words: tuple[str, ...]
    opaque: bool
    """A word may stand for options analysis cannot see (``${{inputs.args}}``, ``$@``)."""
    cwd: str = "."
    """The folder the command line changes to (``cd src && python -m app``), relative to the
    root; empty when it changes to one analysis cannot see."""


@dataclasses.dataclass(frozen=True)
class CommandLines:
    """The command lines of the jobs that run from a snapshot root, by script."""

    by_script: dict[str, list[JobCommand]]

    def of(self, script: str) -> list[JobCommand] | None:
        """The runs of ``script``; None when no job command known runs it."""
        return self.by_script.get(script)

    def working_dirs(self) -> set[str]:
        """The folders (relative to the root) the jobs' scripts run in; empty when one is not
        known."""
        found = {run.cwd for runs in self.by_script.values() for run in runs}
        return set() if "" in found else found or {"."}


_PYTHON = re.compile(r"(?:.*/)?python[\d.]*\Z")
_SEPARATORS = frozenset(("&&", "||", ";", "|", "&", "(", ")"))


def parse_commands(lines: Iterable[str]) -> CommandLines | None:
    """The scripts the command lines run and their words; None when one does not split as a shell
    would (its scripts, and so every script's options, are then unknown)."""
    by_script: dict[str, list[JobCommand]] = {}
    for line in lines:
        try:
            lexer = shlex.shlex(line.replace("\\\n", " "), posix=True, punctuation_chars=";&|()")
            lexer.whitespace_split = True
            words = list(lexer)
        except ValueError:
            return None
        segment: list[str] = []
        cwd = "."
        for word in [*words, ";"]:
            if word not in _SEPARATORS:
                segment.append(word)
                continue
            if segment[:1] == ["cd"]:
                target = segment[1] if len(segment) == 2 else ""
                cwd = "" if not target or "$" in target or target.startswith(("/", "~")) or not cwd \
                    else posixpath.normpath(posixpath.join(cwd, target))
            found = _script_of(segment)
            if found is not None:
                script, rest = found
                opaque = any(_opaque(word, previous) for previous, word in zip(["", *rest], rest))
                where = posixpath.normpath(posixpath.join(cwd, script)) if cwd else script
                by_script.setdefault(where, []).append(
                    JobCommand(where, tuple(rest), opaque, cwd))
            segment = []
    return CommandLines(by_script)


def _script_of(words: list[str]) -> tuple[str, list[str]] | None:
    for index, word in enumerate(words):
        if word.endswith(".py") and not word.startswith("-"):
            return posixpath.normpath(strip_dot(word)), words[index + 1:]
        if word == "-m" and index and _PYTHON.match(words[index - 1]) and index + 1 < len(words):
            return words[index + 1].replace(".", "/") + ".py", words[index + 2:]
    return None


def bare(word: str) -> str:
    """The word without the marks of an optional part of a component's command (``$[[...]]``)."""
    return word.removeprefix("$[[").removesuffix("]]")


def _opaque(word: str, previous: str) -> bool:
    """A word that may expand to options: an expansion not in an option's value position."""
    word, previous = bare(word), bare(previous)
    if "$" not in word:
        return False
    return not (previous.startswith("-") and "=" not in previous)


def commands_in_yaml(relpath: str, text: str) -> list[str] | None:
    """The ``command:`` of the Azure ML jobs and components in a YAML file of the root whose code is
    the root itself; None when the file is not such YAML."""
    if "command" not in text:
        return None
    try:
        documents = list(yaml.safe_load_all(text))
    except (yaml.YAMLError, RecursionError):
        return None
    folder = posixpath.dirname(relpath)
    found: list[str] = []
    stack: list[object] = documents
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(node.values())
        command, code = node.get("command"), node.get("code")
        if isinstance(command, str) and isinstance(code, str) and not code.startswith("azureml:") \
                and posixpath.normpath(posixpath.join(folder, code.removeprefix("file:"))) == ".":
            found.append(command)
    return found or None
