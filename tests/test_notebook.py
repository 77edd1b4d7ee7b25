"""The notebook reader: cells, outputs and the ``.ipynb`` line of each source line, on notebooks as
Jupyter writes them and as other writers do (one line, other indents, escaped non-ASCII)."""
from __future__ import annotations

import ast
import json
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapshot_guard.pyanalysis.allow import allows
from snapshot_guard.pyanalysis.notebook import (
    CHANGE_DIRECTORY,
    Cell,
    python_source,
    read_notebook,
    written_file,
)


def code_cell(source: object, outputs: list[object] | None = None) -> dict[str, object]:
    return {"cell_type": "code", "execution_count": None, "metadata": {},
            "outputs": outputs or [], "source": source}


def as_jupyter(*cells: object) -> str:
    """nbformat 4 as Jupyter writes it: indent 1, sorted keys, non-ASCII kept."""
    document = {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def lines_of(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def test_cells_outputs_and_lines_as_jupyter_writes_them() -> None:
    text = as_jupyter(
        {"cell_type": "markdown", "metadata": {}, "source": lines_of("# Train\nthe model\n")},
        code_cell(lines_of("import torch\ntorch.save(m, 'model.pt')"), [
            {"name": "stdout", "output_type": "stream", "text": ["epoch 1\n", "epoch 2\n"]},
            {"data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure>"]},
             "metadata": {}, "output_type": "display_data"},
            {"ename": "KeyError", "evalue": "'x'", "output_type": "error",
             "traceback": ["Traceback\n  in <cell>", "KeyError: 'x'"]},
        ]),
        {"cell_type": "raw", "metadata": {}, "source": "raw text"},
    )
    file_lines = text.splitlines()
    markdown, code, raw = read_notebook(text.encode())
    assert (markdown.number, markdown.kind, markdown.source) == (1, "markdown", "# Train\nthe model\n")
    assert (code.number, code.kind, code.source) == (2, "code", "import torch\ntorch.save(m, 'model.pt')")
    assert [file_lines[line - 1].strip() for line in code.source_lines] == [
        '"import torch\\n",', "\"torch.save(m, 'model.pt')\""]
    assert (raw.number, raw.kind, raw.source, raw.outputs) == (3, "raw", "raw text", ())
    stream, figure, error = code.outputs
    assert (stream.kind, stream.text) == ("stream", "epoch 1\nepoch 2\n")
    assert (figure.kind, figure.text) == ("display_data", "<Figure>")
    assert (error.kind, error.text) == ("error", "Traceback\n  in <cell>\nKeyError: 'x'")
    assert all(file_lines[output.line - 1].strip() == "{" for output in code.outputs)
    assert [file_lines[line - 1].strip() for line in stream.text_lines[:2]] == [
        '"epoch 1\\n",', '"epoch 2\\n"']


def test_json_bodies_are_text_and_media_are_not() -> None:
    text = as_jupyter(code_cell("x", [
        {"data": {"application/json": {"key": "value"}, "image/svg+xml": "<svg/>",
                  "text/html": ["<b>", "hi</b>"], "video/mp4": "AAAA"},
         "metadata": {}, "output_type": "execute_result", "execution_count": 1},
    ]))
    (cell,) = read_notebook(text)
    assert cell.outputs[0].text == '{"key": "value"}\n<b>hi</b>'


@pytest.mark.parametrize("data, message", [
    (b"{not json", "not valid notebook JSON (Expecting property name enclosed in double quotes: "
                   "line 1 column 2 (char 1))"),
    (b'{"cells": []} trailing', "not valid notebook JSON (Extra data: line 1 column 15 (char 14))"),
    (b"\xff\xfe", "not valid notebook JSON ('utf-8' codec can't decode byte 0xff in position 0: "
                  "invalid start byte)"),
    (b'{"worksheets": [], "nbformat": 3}', "not a notebook: no list of cells (nbformat 4 expected)"),
    (b'[{"cells": []}]', "not a notebook: no list of cells (nbformat 4 expected)"),
    (b'{"cells": {}}', "not a notebook: no list of cells (nbformat 4 expected)"),
    (b'{"cells": [{"cell_type": "code", "source": 3}]}',
     "cell 1: source is neither text nor a list of lines"),
])
def test_what_is_not_a_notebook_is_a_value_error(data: bytes, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        read_notebook(data)
    assert str(raised.value) == message


def test_a_byte_order_mark_and_odd_cells_are_tolerated() -> None:
    text = json.dumps({"cells": ["junk", {"cell_type": "heading", "source": "x"},
                                 code_cell([])]})
    (cell,) = read_notebook(b"\xef\xbb\xbf" + text.encode())
    assert (cell.number, cell.source, cell.source_lines) == (3, "", (1,))


# --- any notebook, any layout: the walk agrees with the decoder, and every line is placed -------

line_text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"),
                    max_size=12)
sources = st.lists(line_text, max_size=5).map(lambda lines: [line + "\n" for line in lines[:-1]]
                                               + lines[-1:])
outputs = st.lists(st.one_of(
    st.builds(lambda text: {"output_type": "stream", "name": "stdout", "text": text}, sources),
    st.builds(lambda text: {"output_type": "execute_result", "data": {"text/plain": text},
                            "metadata": {}, "execution_count": 1}, sources),
), max_size=2)
cells = st.lists(st.one_of(
    st.builds(code_cell, sources, outputs),
    st.builds(lambda source: {"cell_type": "markdown", "metadata": {}, "source": source}, sources),
), max_size=4)
layouts = st.fixed_dictionaries({"indent": st.sampled_from([None, 0, 1, 2]),
                                 "sort_keys": st.booleans(), "ensure_ascii": st.booleans()})


@given(cells, layouts)
def test_any_notebook_reads_as_the_json_decoder_reads_it(
    cells: list[dict[str, object]], layout: dict[str, object]
) -> None:
    text = json.dumps({"cells": cells, "nbformat": 4}, **layout)  # type: ignore[arg-type]
    file_lines = text.split("\n")
    read = read_notebook(text)
    assert [cell.source for cell in read] == ["".join(cell["source"]) for cell in cells]  # type: ignore[arg-type]
    for cell, document in zip(read, cells):
        pieces = [piece for piece in document["source"] if piece]  # type: ignore[attr-defined]
        assert len(cell.source_lines) == cell.source.count("\n") + 1
        for number, line in enumerate(cell.source_lines):
            source_line = cell.source.split("\n")[number]
            if source_line:
                assert json.dumps(source_line, ensure_ascii=bool(layout["ensure_ascii"]))[1:-1] \
                    in file_lines[line - 1]
        assert not pieces or all(line > 0 for line in cell.source_lines)
        texts = [output.get("text", output.get("data", {}).get("text/plain"))
                 for output in document.get("outputs", [])]  # type: ignore[attr-defined]
        assert [output.text for output in cell.outputs] == ["".join(text) for text in texts]


# --- cells as Python ---------------------------------------------------------------------------

def cell(source: str) -> Cell:
    source = textwrap.dedent(source).lstrip("\n")
    return Cell(1, "code", source, (0,) * (source.count("\n") + 1))


def test_magics_shell_lines_and_help_become_pass_with_the_same_lines() -> None:
    source = """
        %matplotlib inline
        !pip install -q seaborn
        files = !ls data
        import numpy as np
        np.save?
        for name in files:
            !cp $name backup/
        %cd ../src
        x = 1  # is this a question?
    """
    python = python_source(cell(source))
    assert python.split("\n") == [
        "pass", "pass", "pass", "import numpy as np", "pass", "for name in files:", "    pass",
        f"{CHANGE_DIRECTORY}('../src')", "x = 1  # is this a question?", "",
    ]
    ast.parse(python)


def test_lines_inside_strings_and_brackets_are_python() -> None:
    source = """
        text = '''
        %not a magic
        !nor a shell line
        '''
        value = (1
        % 2)
    """
    assert python_source(cell(source)) == textwrap.dedent(source).lstrip("\n")


@pytest.mark.parametrize("first, python", [
    ("%%time", "\nprint(1)"), ("%%capture out", "\nprint(1)"), ("%%bash", "\n"),
    ("%%writefile job.yml", "\n"),
])
def test_cell_magics(first: str, python: str) -> None:
    assert python_source(cell(f"{first}\nprint(1)")) == python


def test_written_file() -> None:
    assert written_file(cell("%%writefile -a src/job.yml\ncode: .\n")) == "src/job.yml"
    assert written_file(cell("%%file job.yml\n")) == "job.yml"
    assert written_file(cell("print(1)\n")) is None


def test_the_allow_comment() -> None:
    assert allows("torch.save(m, 'm.pt')  # snapshot-guard: allow")
    assert not allows("torch.save(m, 'm.pt')  # snapshot-guard")
    for line in ("KEY=abc  # snapshot-guard: allow (a test fixture)", "// snapshot-guard: allow",
                 "<!-- snapshot-guard: allow -->", "x: 1 # snapshot-guard: allow",
                 "-- snapshot-guard: allow"):
        assert allows(line), line
    for line in ("k = 1  # snapshot-guard: allow, it's Azurite's public key",
                 "k = 1  # fake key for the unit tests, snapshot-guard: allow",
                 "k = 1  # noqa: S105 snapshot-guard: allow", "set K=1 & :: snapshot-guard: allow"):
        assert allows(line), line
    # Text in a string is not a comment: a one-line JSON file would silence every key in it.
    for line in ('{"note": "snapshot-guard: allow", "key": "abc"}', 'x = "snapshot-guard: allow"'):
        assert not allows(line), line
