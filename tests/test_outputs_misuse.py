"""``snapshot-outputs-misuse``: the write analysis on realistic training code, the folder rules on real
git repositories, and the hook through the real pre-commit."""
from __future__ import annotations

import argparse
import json
import os
import posixpath
import textwrap
from pathlib import Path

import pytest
from conftest import HookRepo, git
from hypothesis import given
from hypothesis import strategies as st

from snapshot_guard import plan
from snapshot_guard.outputs_misuse import findings_for, main
from snapshot_guard.snapshot import take_snapshot
from snapshot_guard.writes import LostWrite, analyse_source, find_lost_writes


def lost(source: str) -> list[tuple[int, str, str]]:
    return [(write.line, write.call, write.target)
            for write in analyse_source(textwrap.dedent(source), "train.py")]


# --- the write analysis: realistic scripts -----------------------------------------------------

TORCH_SCRIPT = """
import argparse
import os

import matplotlib.pyplot as plt
import pandas as pd
import torch

CHECKPOINTS = "checkpoints"


def train(model, loader, epochs):
    losses = []
    for epoch in range(epochs):
        losses.append(sum(model(batch).item() for batch in loader))
        torch.save(model.state_dict(), os.path.join(CHECKPOINTS, f"epoch_{epoch}.pt"))
    return losses


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    model = torch.nn.Linear(4, 1)
    losses = train(model, [], 3)
    plt.plot(losses)
    plt.savefig("loss.png")
    torch.save(model, "model.pt")
    pd.DataFrame({"loss": losses}).to_csv("predictions.csv", index=False)
    torch.save(model, "outputs/model.pt")
    plt.savefig(os.path.join("logs", "loss.png"))


if __name__ == "__main__":
    main()
"""


def test_the_plain_cases_of_a_torch_script_are_caught() -> None:
    assert lost(TORCH_SCRIPT) == [
        (16, "torch.save", "checkpoints/epoch_*.pt"),
        (27, "plt.savefig", "loss.png"),
        (28, "torch.save", "model.pt"),
        (29, "pd.DataFrame(...).to_csv", "predictions.csv"),
    ]


def test_the_plain_cases_are_caught_in_a_snippet_without_imports() -> None:
    assert lost("""
        torch.save(model, "model.pt")
        df.to_csv("predictions.csv")
        plt.savefig("loss.png")
    """) == [(2, "torch.save", "model.pt"), (3, "df.to_csv", "predictions.csv"),
             (4, "plt.savefig", "loss.png")]


def test_each_report_says_where_to_write_instead() -> None:
    writes = analyse_source(TORCH_SCRIPT, "src/train.py")
    assert [write.fix for write in writes] == [
        "outputs/checkpoints/epoch_*.pt", "outputs/loss.png", "outputs/model.pt",
        "outputs/predictions.csv",
    ]
    assert {write.file for write in writes} == {"src/train.py"}


ARGPARSE_V2_SCRIPT = """
import argparse
import os
from pathlib import Path

import joblib
import mlflow
import pandas as pd
from sklearn.ensemble import RandomForestClassifier


def main(args):
    frame = pd.read_csv(Path(args.data) / "train.csv")
    model = RandomForestClassifier().fit(frame.drop(columns="y"), frame["y"])
    joblib.dump(model, Path(args.model_output) / "model.pkl")
    joblib.dump(model, os.path.join(args.model_output, "model.pkl"))
    frame.to_csv(args.predictions, index=False)
    frame.to_parquet(f"{args.output_dir}/scored.parquet")
    with open(os.path.join(os.environ["AZUREML_OUTPUT_DIR"], "metrics.json"), "w") as handle:
        handle.write("{}")
    mlflow.sklearn.save_model(model, path=args.model_output)
    output = Path(args.output_dir)
    (output / "done.txt").write_text("ok")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data")
    parser.add_argument("--model_output", default="model")
    parser.add_argument("--predictions", default="predictions.csv")
    parser.add_argument("--output_dir", default="out")
    main(parser.parse_args())
"""


def test_argparse_and_environment_outputs_are_never_reported() -> None:
    assert lost(ARGPARSE_V2_SCRIPT) == []


SKLEARN_SCRIPT = """
import json
import os
import pickle

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression

OUTPUT_DIR = "./outputs"
MODEL_DIR = "models"
os.makedirs(OUTPUT_DIR, exist_ok=True)

model = LogisticRegression().fit(np.zeros((2, 2)), [0, 1])
joblib.dump(model, os.path.join(OUTPUT_DIR, "model.joblib"))
joblib.dump(model, os.path.join(MODEL_DIR, "model.joblib"))
with open("model.pkl", "wb") as handle:
    pickle.dump(model, handle)
with open(os.path.join(OUTPUT_DIR, "metrics.json"), "w") as handle:
    json.dump({"accuracy": 1.0}, handle)
np.savetxt("coefficients.txt", model.coef_)
np.save("/tmp/cache.npy", model.coef_)
with open("config.json") as handle:
    config = json.load(handle)
"""


def test_sklearn_script_module_constants_resolve() -> None:
    assert lost(SKLEARN_SCRIPT) == [
        (16, "joblib.dump", "models/model.joblib"),
        (17, "open", "model.pkl"),
        (21, "np.savetxt", "coefficients.txt"),
    ]


KERAS_SCRIPT = """
import tensorflow as tf
from tensorflow import keras

model = keras.Sequential([keras.layers.Dense(1)])
model.fit(x, y, callbacks=[keras.callbacks.TensorBoard(log_dir="./logs")])
model.save("saved_model")
model.save_weights("outputs/weights.h5")
tf.saved_model.save(model, "export/1")
keras.models.save_model(model, filepath="model.keras")
"""


def test_keras_saves_are_caught() -> None:
    assert lost(KERAS_SCRIPT) == [
        (7, "model.save", "saved_model"),
        (9, "tf.saved_model.save", "export/1"),
        (10, "keras.models.save_model", "model.keras"),
    ]


def test_hugging_face_and_mlflow_saves() -> None:
    assert lost("""
        import mlflow
        trainer.save_model("./results")
        tokenizer.save_pretrained(training_args.output_dir)
        model.save_pretrained("outputs/model")
        mlflow.pytorch.save_model(model, "mlflow_model")
    """) == [(3, "trainer.save_model", "./results"),
             (6, "mlflow.pytorch.save_model", "mlflow_model")]


def test_pathlib_shutil_logging_and_openers() -> None:
    assert lost("""
        import logging, shutil, h5py
        from pathlib import Path
        RESULTS = Path("results")
        (RESULTS / "summary.txt").write_text("done")
        Path("outputs", "summary.txt").write_text("done")
        with (RESULTS / "log.csv").open("a") as handle:
            handle.write("1\\n")
        Path("notes.txt").open().read()
        shutil.copy("config.yaml", "artifacts/config.yaml")
        shutil.copy("config.yaml", "outputs/")
        logging.basicConfig(filename="train.log", level=logging.INFO)
        h5py.File("features.h5", "w")
        h5py.File("inputs.h5")
    """) == [(5, "(...).write_text", "results/summary.txt"), (7, "(...).open", "results/log.csv"),
             (10, "shutil.copy", "artifacts/config.yaml"), (12, "logging.basicConfig", "train.log"),
             (13, "h5py.File", "features.h5")]


def test_logs_go_to_logs() -> None:
    writes = analyse_source('import logging\nlogging.FileHandler("run.log")\n', "train.py")
    assert [write.fix for write in writes] == ["logs/run.log"]


def test_string_formatting_keeps_what_is_known() -> None:
    assert lost("""
        import numpy as np
        FOLDER = "embeddings"
        np.save("emb_%03d.npy" % epoch, array)
        np.save("emb_{}.npy".format(epoch), array)
        np.save("emb_" + str(epoch) + ".npy", array)
        np.save(f"{run_dir}/emb.npy", array)
        np.save(f"out{suffix}.npy", array)
        np.save("{}/emb_{}.npy".format(FOLDER, epoch), array)
        np.save("%s/emb.npy" % FOLDER, array)
        np.save("{folder}/emb.npy".format(folder="outputs"), array)
        np.save("{}/emb.npy".format(run_dir), array)
    """) == [(4, "np.save", "emb_*.npy"), (5, "np.save", "emb_*.npy"), (6, "np.save", "emb_*.npy"),
             (9, "np.save", "embeddings/emb_*.npy"), (10, "np.save", "embeddings/emb.npy")]


def test_absolute_home_and_remote_paths_are_deliberate() -> None:
    assert lost("""
        df.to_csv("/tmp/predictions.csv")
        df.to_csv("~/predictions.csv")
        df.to_csv("s3://bucket/predictions.csv")
        df.to_parquet("abfss://data@account.dfs.core.windows.net/scored")
        df.to_csv("C:\\\\results\\\\predictions.csv")
        df.to_csv("outputs\\\\predictions.csv")
        df.to_csv(".\\\\logs\\\\predictions.csv")
    """) == []


def test_names_rebound_or_shadowed_are_unknown() -> None:
    assert lost("""
        import torch
        PATH = "model.pt"
        def by_parameter(PATH):
            torch.save(model, PATH)
        def rebound(best):
            path = "last.pt"
            if best:
                path = "best.pt"
            torch.save(model, path)
        def loop(paths):
            for path in paths:
                torch.save(model, path)
            [torch.save(model, PATH) for PATH in paths]
        def local():
            name = "local.pt"
            torch.save(model, name)
        torch.save(model, PATH)
    """) == [(17, "torch.save", "local.pt"), (18, "torch.save", "model.pt")]


def test_files_uploaded_moved_read_back_or_deleted_are_not_lost() -> None:
    assert lost("""
        import os, shutil, mlflow, torch, subprocess, joblib
        import matplotlib.pyplot as plt
        from azureml.core import Run
        run = Run.get_context()
        plt.savefig("loss.png")
        mlflow.log_artifact("loss.png")
        plt.savefig("plots/accuracy.png")
        mlflow.log_artifacts("plots")
        df.to_csv("scores.csv")
        run.upload_file(name="outputs/scores.csv", path_or_stream="scores.csv")
        torch.save(model, "model.pt")
        shutil.move("model.pt", "outputs/model.pt")
        torch.save(model.state_dict(), "best.pt")
        model.load_state_dict(torch.load("best.pt"))
        with open("tool.yaml", "w") as handle:
            handle.write(config)
        subprocess.run(["tool", "--config", "tool.yaml"], check=True)
        joblib.dump(model, "model.joblib")
        mlflow.pyfunc.log_model("model", artifacts={"model": "model.joblib"})
        df.to_csv("scratch.csv")
        os.remove("scratch.csv")
        df.to_csv("kept_nowhere.csv")
        print("wrote", "kept_nowhere.csv")
    """) == [(23, "df.to_csv", "kept_nowhere.csv")]


def test_the_allow_comment_silences_its_line() -> None:
    assert lost("""
        torch.save(model, "model.pt")  # snapshot-guard: allow
        df.to_csv(
            "predictions.csv",
            index=False,  # snapshot-guard: allow
        )
        img.save("prediction.png")
    """) == [(7, "img.save", "prediction.png")]


@pytest.mark.parametrize("submitter", [
    "from azureml.core import ScriptRunConfig\nconfig = ScriptRunConfig(source_directory='.')\n",
    "from azureml.core import Experiment\nExperiment(ws, 'train').submit(config)\n",
    "from azureml.pipeline.core import Pipeline\nPipeline(ws, steps=[step]).submit('train')\n",
    "from azure.ai.ml import MLClient, command\njob = command(code='./src', command='python t.py')\n",
    "from azure.ai.ml import MLClient\nml_client.jobs.create_or_update(job)\n",
    "import json\ndef init():\n    global model\ndef run(raw):\n    return json.loads(raw)\n",
    "import streamlit as st\nst.title('demo')\n",
])
def test_files_that_submit_jobs_score_or_serve_are_not_job_code(submitter: str) -> None:
    assert lost(submitter + "open('run_id.txt', 'w').write(run.id)\n") == []


def test_a_job_script_using_the_run_and_sklearn_pipelines_is_job_code() -> None:
    assert lost("""
        from azureml.core import Run
        from sklearn.pipeline import Pipeline
        from concurrent.futures import ThreadPoolExecutor
        run = Run.get_context()
        pipeline = Pipeline([("model", model)])
        ThreadPoolExecutor().submit(print, 1)
        pipeline.fit(x, y)
        import joblib
        joblib.dump(pipeline, "pipeline.pkl")
    """) == [(10, "joblib.dump", "pipeline.pkl")]


def test_a_file_that_changes_directory_is_not_judged() -> None:
    assert lost("import os\nos.chdir(os.path.dirname(__file__))\ndf.to_csv('x.csv')\n") == []


def test_self_save_is_the_users_own_method() -> None:
    assert lost("""
        class Agent:
            def checkpoint(self):
                self.save("best")
                self.model.save("agent_model")
    """) == [(5, "self.model.save", "agent_model")]


segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=8)


@given(st.lists(segment, min_size=1, max_size=3), st.sampled_from(["", "./"]))
def test_a_constant_relative_path_is_lost_unless_under_outputs_or_logs(
    parts: list[str], prefix: str
) -> None:
    path = prefix + "/".join(parts)
    found = lost(f"import torch\ntorch.save(model, {path!r})\n")
    if parts[0] in ("outputs", "logs"):
        assert found == []
    else:
        assert found == [(2, "torch.save", path)]


@given(st.sampled_from(["outputs", "logs", "/tmp", "/mnt/azureml"]), st.lists(segment, max_size=3))
def test_a_kept_or_absolute_folder_is_never_reported(folder: str, parts: list[str]) -> None:
    joined = ", ".join(repr(part) for part in [folder, *parts])
    assert lost(f"import os, joblib\njoblib.dump(m, os.path.join({joined}))\n") == []


STATEMENTS = [
    "import os", "import torch", "import numpy as np", "from pathlib import Path",
    "import matplotlib.pyplot as plt", "import mlflow", "import shutil",
    "{name} = {path!r}", "{name} = os.path.join({path!r}, 'x.bin')", "{name} = Path({path!r}) / 'y'",
    "{name} = f'{{{other}}}/{path}'", "{name} += 'suffix'", "for {name} in range(3):\n    pass",
    "def f({name}):\n    torch.save(m, {name})", "torch.save(m, {name})", "np.save({path!r}, a)",
    "plt.savefig(os.path.join({name}, {path!r}))", "mlflow.log_artifact({name})",
    "shutil.move({name}, {path!r})", "with open({name}, 'w') as h:\n    h.write('')",
    "df.to_csv({path!r} + {name})", "open({path!r}).read()",
    "class C:\n    {name} = {path!r}\n    def m(self):\n        self.save({name})",
    "[torch.save(m, {name}) for {name} in paths]", "del {name}", "global {name}",
]
path_text = st.one_of(
    st.builds("/".join, st.lists(segment, min_size=1, max_size=3)),
    st.sampled_from(["outputs/m.pt", "./logs/x", "/tmp/x", "~/x", "s3://b/x", "..", ".", ""]),
)


@given(st.lists(st.tuples(st.sampled_from(STATEMENTS), st.sampled_from(["a", "b", "p"]),
                          st.sampled_from(["a", "b", "p"]), path_text), max_size=12))
def test_any_mix_of_statements_reports_only_relative_paths_outside_outputs_and_logs(
    statements: list[tuple[str, str, str, str]]
) -> None:
    source = "\n".join(template.format(name=name, other=other, path=path)
                       for template, name, other, path in statements) + "\n"
    try:
        writes = analyse_source(source, "mix.py")
    except SyntaxError:
        return  # ``global`` after a use, for one: Python rejects it too
    for write in writes:
        first = posixpath.normpath(write.target).split("/", 1)[0]
        assert first not in (".", "outputs", "logs") and not write.target.startswith(("/", "~", "s3:"))
        assert 1 <= write.line <= source.count("\n")
        assert write.fix.startswith(("outputs/", "logs/"))


# --- job code: notebooks, tests, files that do not parse ---------------------------------------


def notebook(*cells: str, markdown: str = "# Training") -> bytes:
    document = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": [markdown]}] + [
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
             "source": textwrap.dedent(cell).lstrip("\n").splitlines(keepends=True)}
            for cell in cells
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    return json.dumps(document).encode()


TRAIN_NOTEBOOK = notebook(
    """
    %matplotlib inline
    !pip install -q seaborn
    import matplotlib.pyplot as plt
    files = !ls data
    """,
    """
    %%time
    plt.plot([1, 2, 3])
    plt.savefig("loss.png")
    """,
    """
    %%bash
    echo "not python" > notes.txt
    """,
    "df.to_csv('outputs/predictions.csv')\ndf.to_csv('predictions.csv')\n",
)


def analyse(files: dict[str, bytes]) -> tuple[list[LostWrite], list[tuple[str, str]]]:
    result = find_lost_writes(sorted(files), files.__getitem__)
    return result.writes, [(item.file, item.reason) for item in result.skipped]


def test_a_notebook_the_job_runs_with_papermill_is_job_code() -> None:
    writes, skipped = analyse({
        "notebooks/train.ipynb": TRAIN_NOTEBOOK,
        "notebooks/explore.ipynb": TRAIN_NOTEBOOK,
        "run.sh": b"papermill notebooks/train.ipynb outputs/train.ipynb -p epochs 3\n",
    })
    assert [(w.file, w.cell, w.line, w.target) for w in writes] == [
        ("notebooks/train.ipynb", 3, 3, "loss.png"),
        ("notebooks/train.ipynb", 5, 2, "predictions.csv"),
    ]
    assert skipped == []


@pytest.mark.parametrize("runner", [
    ("job.yml", b"command: jupyter nbconvert --to notebook --execute train.ipynb\n"),
    ("src/run.py", b"import papermill as pm\npm.execute_notebook('train.ipynb', 'outputs/t.ipynb')\n"),
    ("Makefile", b"train:\n\tpapermill ./train.ipynb outputs/train.ipynb\n"),
])
def test_nbconvert_or_papermill_anywhere_in_the_root_makes_a_notebook_job_code(
    runner: tuple[str, bytes]
) -> None:
    writes, _ = analyse({"train.ipynb": TRAIN_NOTEBOOK, runner[0]: runner[1]})
    assert len(writes) == 2


def test_notebooks_nobody_runs_tests_and_vendored_code_are_not_job_code() -> None:
    bad = b"import torch\ntorch.save(model, 'model.pt')\n"
    writes, skipped = analyse({
        "explore.ipynb": TRAIN_NOTEBOOK,
        "tests/test_train.py": bad,
        "test_model.py": bad,
        "conftest.py": bad,
        ".venv/lib/site.py": bad,
        "train.py": bad,
    })
    assert [write.file for write in writes] == ["train.py"]
    assert skipped == []


def test_files_that_cannot_be_parsed_are_skipped_with_one_line() -> None:
    writes, skipped = analyse({
        "broken.py": b"def train(:\n    torch.save(model, 'model.pt')\n",
        "legacy.py": b"print 'python 2'\n",
        "latin.py": b"x = '\xff'\n",
        "bad.ipynb": b"{not json",
        "old.ipynb": json.dumps({"worksheets": [], "nbformat": 3}).encode(),
        "half.ipynb": notebook("def broken(:\n", "df.to_csv('x.csv')\n"),
        "run.sh": b"papermill bad.ipynb o.ipynb; papermill old.ipynb o.ipynb; papermill half.ipynb o\n",
    })
    assert [(write.file, write.target) for write in writes] == [("half.ipynb", "x.csv")]
    assert skipped == [
        ("bad.ipynb", "not valid notebook JSON (Expecting property name enclosed in double quotes: "
                      "line 1 column 2 (char 1))"),
        ("broken.py", "syntax error at line 1 (invalid syntax)"),
        ("half.ipynb", "cell 2: syntax error, the other cells analysed"),
        ("latin.py", "syntax error (invalid or missing encoding declaration)"),
        ("legacy.py", "syntax error at line 1 (Missing parentheses in call to 'print'. Did you mean "
                      "print(...)?)"),
        ("old.ipynb", "not a notebook: no list of cells (nbformat 4 expected)"),
    ]


# --- the hook: folders and writes in real repositories -----------------------------------------


def write(path: Path, text: str = "x\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_main(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
             *argv: str) -> tuple[int, str]:
    monkeypatch.chdir(repo)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def findings_of(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                *argv: str) -> tuple[int, list[str]]:
    """The hook's findings, from its JSON, as ``path: severity: kind: message`` lines."""
    code, out = run_main(repo, monkeypatch, capsys, *argv, "--format", "json")
    return code, [f"{item['path']}{'' if item['line'] is None else ':' + str(item['line'])}: "
                  f"{item['severity']}: {item['kind']}: {item['message']}"
                  for item in json.loads(out)["findings"]]


def test_committed_outputs_fail_and_say_how_to_fix(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "src" / "train.py", "print('train')\n")
    write(repo / "src" / "outputs" / "model.pkl")
    write(repo / "src" / "outputs" / "metrics.json")
    write(repo / "src" / "logs" / ".gitkeep", "")
    write(repo / "src" / ".amlignore", "*.tmp\n")
    git(repo, "add", "-A")
    code, found = findings_of(repo, monkeypatch, capsys, "--root", "src")
    assert code == 1
    assert found == [
        "src/outputs: error: committed-run-folder: 2 files (4 B) committed into outputs/ "
        "(outputs/metrics.json, outputs/model.pkl): the run writes its own outputs there; these "
        "travel in every snapshot, count against its limits and end up mixed with the run's "
        "artifacts; fix: git rm -r --cached src/outputs and add `/outputs/` to src/.amlignore",
    ]
    code, out = run_main(repo, monkeypatch, capsys, "--root", "src")
    assert code == 1
    assert out.splitlines()[:2] == [
        "src/outputs: error: committed-run-folder",
        "    2 files (4 B) committed into outputs/ (outputs/metrics.json,",
    ]
    assert "    fix: git rm -r --cached src/outputs and add `/outputs/` to src/.amlignore\n" in out
    assert "snapshot-outputs-misuse --fix would add to src/.amlignore: /outputs/\n" in out


def test_ignored_or_allowed_run_folders_pass(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "outputs" / "README.md", "what the run writes here\n")
    write(repo / "logs" / "old.log")
    write(repo / ".amlignore", "/logs/\n")
    git(repo, "add", "-A")
    assert run_main(repo, monkeypatch, capsys, "--allow", "outputs/README.md") == (0, "")
    write(repo / ".snapshot-guard.yaml", "outputs:\n  allow: [outputs/README.md]\n")
    git(repo, "add", "-A")
    assert run_main(repo, monkeypatch, capsys) == (0, "")
    code, out = run_main(repo, monkeypatch, capsys, "--config", str(repo / "none.yaml"))
    assert code == 2
    assert "none.yaml: configuration file does not exist" in out


def test_local_run_leftovers_on_disk_warn_with_their_size_and_the_line_to_add(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "train.py", "print('train')\n")
    write(repo / ".gitignore", "*.pyc\n")
    (repo / "azureml-logs").mkdir()
    (repo / "azureml-logs" / "70_driver_log.txt").write_bytes(b"x" * 3000)
    write(repo / "outputs" / "model.pkl")
    write(repo / "data" / "outputs" / "deep.csv")
    git(repo, "add", "train.py", ".gitignore")
    code, found = findings_of(repo, monkeypatch, capsys)
    assert code == 0
    assert found == [
        "azureml-logs: warning: uploaded-run-folder: 1 file (2.9 KiB) on disk in azureml-logs/ "
        "(azureml-logs/70_driver_log.txt) will be uploaded with the snapshot: local Azure ML files "
        "(run logs, setup, workspace configuration), not the job's code; they travel in every "
        "snapshot and count against its limits; fix: add `/azureml-logs/` to .gitignore (Azure ML "
        "reads it because the root has no .amlignore)",
        "outputs: warning: uploaded-run-folder: 1 file (2 B) on disk in outputs/ (outputs/model.pkl) "
        "will be uploaded with the snapshot: the run writes its own outputs there; these travel in "
        "every snapshot, count against its limits and end up mixed with the run's artifacts; fix: "
        "add `/outputs/` to .gitignore (Azure ML reads it because the root has no .amlignore)",
    ]
    write(repo / ".gitignore", "/outputs/\n/azureml-logs/\n")
    assert run_main(repo, monkeypatch, capsys) == (0, "")
    assert run_main(repo, monkeypatch, capsys, "--source", "index") == (0, "")


def test_lost_writes_warn_and_strict_fails(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "src" / "train.py", TORCH_SCRIPT)
    write(repo / "src" / "score.py", "import pandas as pd\npd.DataFrame().to_csv('scores.csv')\n")
    write(repo / "submit.py", "open('job.txt', 'w')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "code")  # nothing staged: the files named are what is judged
    code, found = findings_of(repo, monkeypatch, capsys, "--root", "src", "src/train.py")
    assert code == 0
    assert found[:2] == [
        "src/train.py:16: warning: lost-write: torch.save writes checkpoints/epoch_*.pt, outside "
        "./outputs and ./logs: the run loses it when the job ends; write under "
        "./outputs/checkpoints/epoch_*.pt",
        "src/train.py:27: warning: lost-write: plt.savefig writes loss.png, outside ./outputs and "
        "./logs: the run loses it when the job ends; write under ./outputs/loss.png",
    ]
    assert len(found) == 4, "only the files passed, only below the root"
    code, out = run_main(repo, monkeypatch, capsys, "--root", "src", "--strict",
                         "--allow", "checkpoints/", "--allow", "*.csv")
    assert code == 1
    assert [line.split(": ")[:2] for line in out.splitlines() if not line.startswith(" ")] == [
        ["src/train.py:27", "error"], ["src/train.py:28", "error"],
        ["snapshot-outputs-misuse", "2 errors, 0 warnings"],
    ]
    write(repo / ".snapshot-guard.yaml", "outputs: {strict: true}\n")
    code, out = run_main(repo, monkeypatch, capsys, "--root", "src", "src/score.py")
    assert (code, out.split(": ")[:2]) == (1, ["src/score.py:2", "error"])


def test_index_source_reads_the_staged_code(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "train.py", "import torch\ntorch.save(model, 'model.pt')\n")
    git(repo, "add", "train.py")
    write(repo / "train.py", "import torch\ntorch.save(model, 'outputs/model.pt')\n")
    code, out = run_main(repo, monkeypatch, capsys, "--source", "index")
    assert (code, out.split(": ")[0]) == (0, "train.py:2")
    assert run_main(repo, monkeypatch, capsys, "--source", "worktree") == (0, "")


def test_findings_for_a_scan(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "job" / "train.py", "import matplotlib.pyplot as plt\nplt.savefig('loss.png')\n")
    write(repo / "job" / "outputs" / "old.png")
    git(repo, "add", "-A")
    monkeypatch.chdir(repo)
    parser = argparse.ArgumentParser()
    plan.add_common_options(parser)
    run = plan.make_plan(parser.parse_args(["--root", "job"]))
    snapshot = take_snapshot(str(repo / "job"), "v1", "worktree", run.repo)
    found = findings_for(snapshot, run)
    assert [(f.check, f.path, f.kind, f.line, f.severity) for f in found] == [
        ("snapshot-outputs-misuse", "job/outputs", "committed-run-folder", None, "error"),
        ("snapshot-outputs-misuse", "job/train.py", "lost-write", 2, "warning"),
    ]
    assert found[1].as_json()["message"] == (
        "plt.savefig writes loss.png, outside ./outputs and ./logs: the run loses it when the job "
        "ends; write under ./outputs/loss.png"
    )


# --- end to end, through the real pre-commit ---------------------------------------------------


def test_pre_commit_blocks_committed_outputs(hook_repo: HookRepo, repo: Path) -> None:
    hook_repo.install(repo, "snapshot-outputs-misuse")
    write(repo / "train.py", "import torch\ntorch.save(model, 'outputs/model.pt')\n")
    write(repo / "outputs" / "model.pt")
    git(repo, "add", "-A")
    blocked = hook_repo.commit(repo, "-m", "model")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "outputs: error: committed-run-folder\n    1 file (2 B) committed into outputs/" \
        in blocked.stdout
    git(repo, "rm", "-q", "-r", "--cached", "outputs")
    write(repo / ".amlignore", "/outputs/\n")
    git(repo, "add", ".amlignore", ".pre-commit-config.yaml")
    passed = hook_repo.commit(repo, "-m", "ignore outputs")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_pre_commit_warns_on_lost_writes_and_strict_blocks(hook_repo: HookRepo, repo: Path) -> None:
    write(repo / "src" / "train.py", TORCH_SCRIPT)
    write(repo / "src" / "submit.py",
          "from azureml.core import ScriptRunConfig\nScriptRunConfig(source_directory='src')\n"
          "open('run.txt', 'w')\n")
    write(repo / "src" / "broken.py", "def (\n")
    git(repo, "add", "-A")
    warned = hook_repo.run(repo, "snapshot-outputs-misuse", "--verbose")
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "src/train.py:28: warning: lost-write\n    torch.save writes model.pt" in warned.stdout
    assert "src/broken.py: warning: skipped\n    syntax error at line 1 (invalid syntax)" \
        in warned.stdout
    assert "submit.py:3" not in warned.stdout
    write(repo / ".snapshot-guard.yaml", "outputs:\n  strict: true\n")
    git(repo, "add", ".snapshot-guard.yaml")
    blocked = hook_repo.run(repo, "snapshot-outputs-misuse")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "src/train.py:28: error: lost-write\n    torch.save writes model.pt" in blocked.stdout


def test_pre_commit_bad_configuration_is_one_line(hook_repo: HookRepo, repo: Path) -> None:
    write(repo / "train.py", "print('train')\n")
    write(repo / ".snapshot-guard.yaml", "outputs:\n  allow: outputs/x\n")
    git(repo, "add", "-A")
    result = hook_repo.run(repo, "snapshot-outputs-misuse")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "- exit code: 2" in result.stdout
    assert "snapshot-outputs-misuse: .snapshot-guard.yaml: outputs.allow: must be a list of " \
           "patterns, not 'outputs/x'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert os.path.exists(repo / "train.py")
