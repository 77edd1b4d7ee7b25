"""The write analysis of ``snapshot-outputs-misuse``: realistic training code, paths followed through
names, functions, modules and configuration objects, and what is not job code."""
from __future__ import annotations

import json
import posixpath
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapshot_guard.writes import LostWrite, analyse_source, find_lost_writes
from snapshot_guard.writes.calls import (
    CLASS_FAMILIES,
    DATABASES,
    FUNCTIONS,
    METHODS,
    MLFLOW_SAVE,
    OPENERS,
    TRIGGERS,
    UPLOADS,
)


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


def test_names_rebound_in_branches_hold_either_value_and_shadowed_names_are_unknown() -> None:
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
    """) == [(10, "torch.save", "best.pt"), (10, "torch.save", "last.pt"),
             (17, "torch.save", "local.pt"), (18, "torch.save", "model.pt")]


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
        "legacy.py": b"print 'saved'\nopen('log.txt', 'w')\n",
        "quiet.py": b"print 'nothing to see'\n",  # no word of a write: not parsed
        "constants.py": b"print 'saved'\n",  # nor a call
        "latin.py": b"x = '\xff'  # save(x)\n",
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


# --- paths followed further: functions, modules, attributes, the file's folder ------------------

def lost_in(files: dict[str, str], commands: list[str] | None = None,
            ) -> list[tuple[str, int, str, str]]:
    """(file, line, call, target) of the lost writes of a root made of ``files``."""
    data = {name: textwrap.dedent(text).lstrip("\n").encode() for name, text in files.items()}
    result = find_lost_writes(sorted(data), data.__getitem__, commands=commands)
    assert result.skipped == []
    return [(write.file, write.line, write.call, write.target) for write in result.writes]


def test_a_helper_that_writes_its_parameter_is_reported_where_the_path_is_passed() -> None:
    assert lost("""
        import matplotlib.pyplot as plt

        def save(fig, path):
            fig.savefig(path)

        def report(fig):
            save(fig, "plots/roc.png")
            save(fig, "outputs/roc.png")
            save(fig, ARGS.plot)
    """) == [(8, "save", "plots/roc.png")]


def test_a_parameter_joined_into_a_path_resolves_at_each_call() -> None:
    writes = analyse_source(textwrap.dedent("""
        import os
        import numpy as np

        def dump_features(features, out_dir, name="feats.npy"):
            np.save(os.path.join(out_dir, name), features)

        dump_features(train, "cache")
        dump_features(test, out_dir="outputs")
        dump_features(test, "cache", name="test.npy")
    """), "train.py")
    assert [(w.line, w.call, w.target, w.through) for w in writes] == [
        (8, "dump_features", "cache/feats.npy", "np.save at line 6"),
        (10, "dump_features", "cache/test.npy", "np.save at line 6"),
    ]


def test_helpers_through_two_calls_and_methods_of_the_same_class() -> None:
    assert lost("""
        import torch

        def save_model(model, folder):
            torch.save(model, f"{folder}/model.pt")

        def finish(model, folder):
            save_model(model, folder)

        class Trainer:
            def checkpoint(self, name):
                torch.save(self.model, name)

            def fit(self):
                self.checkpoint("last.ckpt")

        finish(net, "artifacts")
    """) == [(15, "self.checkpoint", "last.ckpt"), (17, "finish", "artifacts/model.pt")]


def test_a_notebook_helper_defined_in_one_cell_and_called_in_another() -> None:
    writes, skipped = analyse({
        "train.ipynb": notebook(
            "import matplotlib.pyplot as plt\n\ndef save_plot(fig, name):\n    fig.savefig(name)\n",
            "fig = plt.figure()\nsave_plot(fig, 'confusion.png')\n",
        ),
        "job.yml": b"command: papermill train.ipynb outputs/train.ipynb\n",
    })
    assert [(w.cell, w.line, w.call, w.target) for w in writes] == [
        (3, 2, "save_plot", "confusion.png")]
    assert skipped == []


def test_constants_of_a_config_module_of_the_root() -> None:
    assert lost_in({
        "config.py": """
            import os
            OUTPUT_DIR = "results"
            MODEL_PATH = os.path.join(OUTPUT_DIR, "model.pkl")
            KEPT = "outputs/model.pkl"
            """,
        "src/__init__.py": "",
        "src/settings.py": "CHECKPOINTS = 'checkpoints'\n",
        "train.py": """
            import joblib
            import config
            from config import MODEL_PATH, KEPT
            from src.settings import CHECKPOINTS
            from src import settings
            joblib.dump(model, MODEL_PATH)
            joblib.dump(model, KEPT)
            joblib.dump(model, config.OUTPUT_DIR + "/scaler.pkl")
            joblib.dump(model, f"{CHECKPOINTS}/last.pkl")
            joblib.dump(model, settings.CHECKPOINTS + "/best.pkl")
            """,
    }) == [("train.py", 6, "joblib.dump", "results/model.pkl"),
           ("train.py", 8, "joblib.dump", "results/scaler.pkl"),
           ("train.py", 9, "joblib.dump", "checkpoints/last.pkl"),
           ("train.py", 10, "joblib.dump", "checkpoints/best.pkl")]


def test_a_helper_of_another_module_is_reported_where_this_module_calls_it() -> None:
    assert lost_in({
        "utils.py": """
            import os
            import matplotlib.pyplot as plt

            def save_figure(fig, name, folder="figures"):
                os.makedirs(folder, exist_ok=True)
                fig.savefig(os.path.join(folder, name))
            """,
        "train.py": """
            import utils
            from utils import save_figure
            save_figure(fig, "loss.png")
            utils.save_figure(fig, "roc.png", folder="outputs")
            """,
    }) == [("train.py", 3, "save_figure", "figures/loss.png")]


def test_dataclass_class_and_namespace_settings() -> None:
    assert lost("""
        import dataclasses
        import types
        import torch

        @dataclasses.dataclass
        class Config:
            epochs: int = 3
            checkpoint_dir: str = "checkpoints"
            log_dir: str = dataclasses.field(default="outputs/tb")

        class Paths:
            MODELS = "models"

        settings = Config()
        custom = Config(epochs=1, checkpoint_dir="outputs/ckpt")
        ns = types.SimpleNamespace(out="results", kept="logs")
        torch.save(model, f"{settings.checkpoint_dir}/last.pt")
        torch.save(model, f"{custom.checkpoint_dir}/last.pt")
        torch.save(model, settings.log_dir + "/x.pt")
        torch.save(model, Paths.MODELS + "/best.pt")
        torch.save(model, ns.out + "/final.pt")
        torch.save(model, ns.kept + "/final.pt")
    """) == [(18, "torch.save", "checkpoints/last.pt"), (21, "torch.save", "models/best.pt"),
             (22, "torch.save", "results/final.pt")]


def test_self_attributes_set_in_init() -> None:
    assert lost("""
        import os
        import torch

        class Trainer:
            def __init__(self, model, out_dir="weights"):
                self.model = model
                self.out_dir = out_dir
                self.plots = "plots"

            def save(self):
                torch.save(self.model, os.path.join(self.out_dir, "model.pt"))
                self.figure.savefig(os.path.join(self.plots, "loss.png"))

        Trainer(net).save()
        Trainer(net, out_dir="outputs").save()
    """) == [(13, "self.figure.savefig", "plots/loss.png"),
             (15, "Trainer(...).save", "weights/model.pt")]


def test_an_attribute_set_again_elsewhere_is_not_known() -> None:
    assert lost("""
        import torch

        class Trainer:
            def __init__(self):
                self.out = "weights"

            def resume(self, folder):
                self.out = folder

            def save(self):
                torch.save(self.model, self.out + "/model.pt")
    """) == []


ARGPARSE_TRAIN = """
    import argparse, os, torch
    parser = argparse.ArgumentParser()
    parser.add_argument("--data")
    parser.add_argument("--model-dir", default="model")
    parser.add_argument("--plots", default="outputs/plots")
    args = parser.parse_args()
    torch.save(net, os.path.join(args.model_dir, "net.pt"))
    torch.save(net, os.path.join(args.plots, "net.pt"))
"""


@pytest.mark.parametrize(("command", "found"), [
    (None, []),
    ("python train.py --data ${{inputs.data}}", [("train.py", 7, "torch.save", "model/net.pt")]),
    ("python train.py --data ${{inputs.data}} --model-dir ${{outputs.model}}", []),
    ("python train.py --model-dir checkpoints", [("train.py", 7, "torch.save", "checkpoints/net.pt")]),
    ("python train.py --model-dir=./outputs/model", []),
    ("python train.py ${{inputs.extra_args}}", []),
    ("python other.py --data x", []),
])
def test_argparse_defaults_count_where_the_jobs_command_line_is_known(
    command: str | None, found: list[tuple[str, int, str, str]]
) -> None:
    assert lost_in({"train.py": ARGPARSE_TRAIN}, None if command is None else [command]) == found


def test_the_command_line_of_a_job_yaml_in_the_root() -> None:
    assert lost_in({
        "train.py": ARGPARSE_TRAIN,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: >-
              python train.py --data ${{inputs.data}}
            environment: azureml:sklearn:1
            """,
    }) == [("train.py", 7, "torch.save", "model/net.pt")]


def test_paths_relative_to_the_files_own_folder() -> None:
    assert lost_in({
        "src/train.py": """
            import os
            from pathlib import Path
            import joblib
            HERE = os.path.dirname(os.path.abspath(__file__))
            ROOT = Path(__file__).resolve().parent.parent
            joblib.dump(model, os.path.join(HERE, "model.pkl"))
            joblib.dump(model, ROOT / "outputs" / "model.pkl")
            joblib.dump(model, ROOT / "artifacts" / "model.pkl")
            """,
    }) == [("src/train.py", 6, "joblib.dump", "src/model.pkl"),
           ("src/train.py", 8, "joblib.dump", "artifacts/model.pkl")]


def test_more_save_flavours() -> None:
    assert lost("""
        import mlflow
        import xgboost as xgb
        import lightgbm as lgb
        from catboost import CatBoostClassifier
        from sklearn.externals import joblib
        from sklearn.externals.joblib import dump
        mlflow.sklearn.save_model(model, "sk_model")
        mlflow.pyfunc.save_model("pyfunc_model", python_model=wrapper)
        mlflow.lightgbm.save_model(booster, path="outputs/lgb")
        CatBoostClassifier().fit(x, y).save_model("model.cbm")
        booster = lgb.train(params, data)
        booster.save_model("lgb.txt")
        xgb.Booster.save_model(bst, "booster.json")
        clf.get_booster().save_model("xgb.json")
        joblib.dump(model, "model.joblib")
        dump(model, "scaler.joblib")
    """) == [(8, "mlflow.sklearn.save_model", "sk_model"),
             (9, "mlflow.pyfunc.save_model", "pyfunc_model"),
             (11, "CatBoostClassifier(...).fit(...).save_model", "model.cbm"),
             (13, "booster.save_model", "lgb.txt"),
             (14, "xgb.Booster.save_model", "booster.json"),
             (15, "clf.get_booster(...).save_model", "xgb.json"),
             (16, "joblib.dump", "model.joblib"), (17, "dump", "scaler.joblib")]


def test_a_file_opened_and_left_empty_is_not_a_lost_result() -> None:
    assert lost("""
        import joblib
        with open("model.pkl", "wb") as handle:
            joblib.dump(model, "outputs/model.pkl")
        open("done.flag", "w").close()
        with open("model2.pkl", "wb") as handle:
            joblib.dump(model, handle)
    """) == [(6, "open", "model2.pkl")]


def test_what_only_the_run_knows_stays_unreported() -> None:
    assert lost("""
        import os, sys, datetime, torch
        out = os.environ.get("OUT_DIR", "models")
        torch.save(model, os.path.join(out, "a.pt"))
        torch.save(model, sys.argv[1])
        torch.save(model, os.path.join(os.getenv("AZUREML_MODEL_DIR"), "b.pt"))
        name = row["name"]
        torch.save(model, name)
        torch.save(model, f"{datetime.date.today()}/c.pt")
        torch.save(model, input("where? "))
    """) == []


def test_a_saved_path_returned_and_uploaded_and_a_local_copy_of_a_logged_model() -> None:
    assert lost("""
        import mlflow
        from azureml.core import Run
        run = Run.get_context()
        path = explainer.save("scoring_explainer")
        run.upload_file("explainer.pkl", path)
        mlflow.keras.log_model(keras_model=model, artifact_path="model")
        mlflow.keras.save_model(keras_model=model, path="model_copy")
        mlflow.sklearn.save_model(other, "other_model")
    """) == [(9, "mlflow.sklearn.save_model", "other_model")]


def test_a_path_a_function_of_the_root_returns() -> None:
    assert lost_in({
        "paths.py": """
            import os
            RESULTS = "results"

            def results_file(name):
                return os.path.join(RESULTS, name)
            """,
        "train.py": """
            import os, torch
            import paths

            def checkpoint_path(epoch, folder="ckpt"):
                return os.path.join(folder, f"epoch_{epoch}.pt")

            torch.save(model, checkpoint_path(3))
            torch.save(model, checkpoint_path(3, folder="outputs"))
            torch.save(model, paths.results_file("model.pt"))
            """,
    }) == [("train.py", 7, "torch.save", "ckpt/epoch_3.pt"),
           ("train.py", 9, "torch.save", "results/model.pt")]


def test_a_method_called_on_an_instance_of_a_class_of_another_module() -> None:
    assert lost_in({
        "saver.py": """
            import os, joblib
            class Saver:
                def __init__(self, root="artifacts"):
                    self.root = root
                def save(self, obj, name):
                    joblib.dump(obj, os.path.join(self.root, name))
            """,
        "train.py": """
            from saver import Saver
            saver = Saver()
            saver.save(model, "model.pkl")
            Saver("outputs").save(model, "model.pkl")
            """,
    }) == [("train.py", 3, "saver.save", "artifacts/model.pkl")]


@pytest.mark.parametrize(("command", "found"), [
    (None, []), ("python train.py", [("train.py", 6, "torch.save", "exports/model.pt")]),
    ("python train.py --out ${{outputs.model}}", []),
])
def test_click_and_typer_option_defaults(
    command: str | None, found: list[tuple[str, int, str, str]]
) -> None:
    commands = None if command is None else [command]
    assert lost_in({"train.py": """
        import os, click, torch

        @click.command()
        @click.option("--out", default="exports")
        def main(out):
            torch.save(model, os.path.join(out, "model.pt"))
        """}, commands) == found
    typer_found = [(file, 4, call, target) for file, _, call, target in found]
    assert lost_in({"train.py": """
        import os, typer, torch

        def main(out: str = typer.Option("exports", "--out")):
            torch.save(model, os.path.join(out, "model.pt"))
        """}, commands) == typer_found


def test_ray_and_objects_logged_under_a_name() -> None:
    assert lost("""
        import io, mlflow
        import matplotlib.pyplot as plt
        from ray import tune
        tune.run(trainable, local_dir="ray_results")
        buffer = io.BytesIO()
        plt.savefig(buffer, format="png")
        mlflow.log_image(buffer, "plot.png")
        plt.savefig("plot.png")
    """) == [(5, "tune.run", "ray_results"), (9, "plt.savefig", "plot.png")]


def test_a_file_copied_out_through_a_name_another_line_assigns() -> None:
    assert lost("""
        import mlflow
        from distutils.dir_util import copy_tree
        mlflow.sklearn.save_model(model, "model")
        source = "model"
        copy_tree(source, ARGS.model_output)
        mlflow.sklearn.save_model(model, "other_model")
    """) == [(7, "mlflow.sklearn.save_model", "other_model")]


# --- writers no table lists: by family, by output keyword --------------------------------------

def test_writers_known_by_their_name_need_a_path_like_value() -> None:
    assert lost("""
        import polars as pl
        import srsly
        frame = pl.read_csv("raw.csv")
        frame.write_ipc("frame.arrow")
        frame.write_ndjson("records/frame.ndjson")
        srsly.write_json("labels.json", labels)
        learner.export("export.pkl")
        frame.to_sql("schema.table", connection)
        frame.to_dict("records")
        handle.write("done.")
        results.save_hyperparameters("model.lr")
        writer.write_summary("epoch/loss.txt")
        frame.write_ipc("outputs/frame.arrow")
        accelerator.save(model.state_dict(), "model.pt")
    """) == [(5, "frame.write_ipc", "frame.arrow"), (6, "frame.write_ndjson", "records/frame.ndjson"),
             (7, "srsly.write_json", "labels.json"), (8, "learner.export", "export.pkl"),
             (15, "accelerator.save", "model.pt")]


def test_output_keywords_of_library_calls_are_writes_but_not_of_readers_or_trackers() -> None:
    assert lost("""
        import wandb
        from transformers import Seq2SeqTrainingArguments, TrainingArguments
        from huggingface_hub import snapshot_download
        from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger, WandbLogger
        args = TrainingArguments(output_dir="results", logging_dir="logs/tb")
        s2s = Seq2SeqTrainingArguments("./t5-finetuned")
        snapshot_download("bert-base-uncased", local_dir="bert")
        wandb.init(project="p", dir="wandb_runs")
        WandbLogger(save_dir="wandb_logs")
        TensorBoardLogger(save_dir="tb_logs")
        CSVLogger("csv_logs", name="run")
        load_dataset("imdb", cache_dir="hf_cache")
        run_training(train_file="train.csv", output_dir="checkpoints")
        settings = dict(output_dir="not_written_here")
    """) == [(6, "TrainingArguments", "results"), (11, "TensorBoardLogger", "tb_logs"),
             (12, "CSVLogger", "csv_logs"), (14, "run_training", "checkpoints")]


def test_more_library_writers() -> None:
    assert lost("""
        import shutil, tarfile
        import imageio
        import plotly.io as pio
        import pyarrow.parquet as pq
        from loguru import logger
        from matplotlib.backends.backend_pdf import PdfPages
        from omegaconf import OmegaConf
        from skops.io import dump
        pq.write_table(table, "table.parquet")
        pio.write_html(fig, file="report/plot.html")
        imageio.mimsave("train.gif", frames)
        pdf = PdfPages("report.pdf")
        OmegaConf.save(cfg, "config.yaml")
        dump(model, "model.skops")
        logger.add("train.log")
        logger.add("logs/train.log")
        shutil.make_archive("bundle", "gztar", "model")
        datasets.save_to_disk("tokenized")
        model.config.to_json_file("config.json")
        lit_model.to_onnx("model.onnx", sample)
    """) == [(10, "pq.write_table", "table.parquet"), (11, "pio.write_html", "report/plot.html"),
             (12, "imageio.mimsave", "train.gif"), (13, "PdfPages", "report.pdf"),
             (14, "OmegaConf.save", "config.yaml"), (15, "dump", "model.skops"),
             (16, "logger.add", "train.log"), (18, "shutil.make_archive", "bundle.tar.gz"),
             (19, "datasets.save_to_disk", "tokenized"),
             (20, "model.config.to_json_file", "config.json"), (21, "lit_model.to_onnx", "model.onnx")]


def test_a_dict_config_is_reported_at_each_handlers_file_name() -> None:
    assert lost("""
        import logging.config
        LOG = "app.log"
        CONFIG = {
            "version": 1,
            "handlers": {
                "file": {"class": "logging.FileHandler", "filename": LOG},
                "kept": {"class": "logging.FileHandler", "filename": "logs/kept.log"},
                "console": {"class": "logging.StreamHandler"},
            },
        }
        logging.config.dictConfig(CONFIG)
    """) == [(7, "logging.config.dictConfig", "app.log")]


def test_a_handler_object_passed_on_is_not_its_file_used_again() -> None:
    assert lost("""
        import logging
        handler = logging.FileHandler("debug/debug.log")
        logging.getLogger("debug").addHandler(handler)
    """) == [(3, "logging.FileHandler", "debug/debug.log")]


# --- moves, copies out, what is said elsewhere ---------------------------------------------------

def test_a_file_moved_is_lost_where_it_is_moved_to() -> None:
    assert lost("""
        import contextlib, json, os
        from pathlib import Path

        @contextlib.contextmanager
        def atomic_write(path, suffix=".part"):
            partial = f"{path}{suffix}"
            with open(partial, "w") as handle:
                yield handle
            os.replace(partial, path)

        with atomic_write("summary.json") as handle:
            json.dump({}, handle)
        with atomic_write("outputs/summary.json") as handle:
            json.dump({}, handle)
        Path("draft.txt").write_text("x")
        Path("draft.txt").rename("final.txt")
        open("staged.csv", "w").write("a,b")
        os.rename("staged.csv", "outputs/staged.csv")
    """) == [(12, "atomic_write", "summary.json"), (17, "Path(...).rename", "final.txt")]


def test_a_copy_out_from_an_unknown_folder_is_known_by_its_file_name() -> None:
    assert lost("""
        import os, shutil
        learner.export("classifier.pth")
        shutil.copyfile(os.path.join(learner.path, "classifier.pth"), "outputs/classifier.pth")
        learner.export("other.pth")
    """) == [(5, "learner.export", "other.pth")]


def test_a_write_no_call_of_its_module_reaches_is_reported_at_the_write_unless_a_caller_is() -> None:
    files = {
        "plots.py": """
            def save(fig, name):
                fig.savefig(f"plots/{name}.png")
            """,
        "train.py": """
            from plots import save
            save(fig, "roc")
            """,
    }
    assert lost_in(files) == [("train.py", 2, "save", "plots/roc.png")]
    del files["train.py"]
    assert lost_in(files) == [("plots.py", 2, "fig.savefig", "plots/*.png")]


# --- objects followed: closures, factories, properties, dicts ----------------------------------

def test_a_closure_writes_with_the_folder_its_factory_was_given() -> None:
    files = {
        "utils.py": """
            import os, torch

            def make_checkpointer(folder):
                def checkpoint(state, step):
                    torch.save(state, os.path.join(folder, f"step_{step}.pt"))
                return checkpoint
            """,
        "train.py": """
            from utils import make_checkpointer
            checkpoint = make_checkpointer("ckpts")
            kept = make_checkpointer("outputs/ckpts")
            for step in range(3):
                checkpoint(model.state_dict(), step)
                kept(model.state_dict(), step)
            """,
    }
    assert lost_in(files) == [("train.py", 5, "checkpoint", "ckpts/step_*.pt")]


def test_factories_classmethods_properties_and_arguments_parsed_in_a_function() -> None:
    assert lost_in({
        "train.py": """
            import argparse, os, torch

            def main():
                args = parse_args()
                torch.save(model, os.path.join(args.ckpt_dir, "last.pt"))
                store = Store.named()
                store.save_best(model)

            def parse_args():
                parser = argparse.ArgumentParser()
                parser.add_argument("--ckpt-dir", default="checkpoints")
                parser.add_argument("--data")
                return parser.parse_args()

            class Store:
                def __init__(self, folder, keep=3):
                    self.folder, self.keep = folder, keep

                @classmethod
                def named(cls, name="store"):
                    return cls(name, keep=1)

                @property
                def best(self):
                    return os.path.join(self.folder, "best.pt")

                def save_best(self, model):
                    torch.save(model, self.best)

            if __name__ == "__main__":
                main()
            """,
    }, ["python train.py --data ${{inputs.data}}"]) == [
        ("train.py", 5, "torch.save", "checkpoints/last.pt"),
        ("train.py", 7, "store.save_best", "store/best.pt"),
    ]


def test_dicts_passed_to_functions_and_nested_dataclasses() -> None:
    assert lost("""
        import os
        from dataclasses import dataclass, field
        import tensorflow as tf

        CONFIG = {"paths": {"checkpoints": "ckpt"}, "epochs": 3}

        def callbacks(config):
            folder = config["paths"]["checkpoints"]
            return [tf.keras.callbacks.ModelCheckpoint(os.path.join(folder, "best.keras"))]

        @dataclass
        class Paths:
            exports: str = "exports"

        @dataclass
        class Config:
            paths: Paths = field(default_factory=Paths)

        found = callbacks(CONFIG)
        for name, frame in {"train": a, "test": b}.items():
            frame.to_csv(os.path.join(Config().paths.exports, f"{name}.csv"))
        for split, frame in zip(["valid", "holdout"], frames):
            frame.to_csv("/".join(["splits", split + ".csv"]))
    """) == [(20, "callbacks", "ckpt/best.keras"), (22, "frame.to_csv", "exports/test.csv"),
             (22, "frame.to_csv", "exports/train.csv"), (24, "frame.to_csv", "splits/holdout.csv"),
             (24, "frame.to_csv", "splits/valid.csv")]


# --- configuration files, inheritance, command-line objects --------------------------------------

def test_values_of_the_roots_configuration_files() -> None:
    files = {
        "conf/train.yaml": """
            paths:
              root: experiments
              model: ${paths.root}/model.pt
              kept: outputs/model.pt
            output_dir: results
            """,
        "params.json": '{"report": "reports/summary.json", "other": "plots"}',
        "train.py": """
            import json, os, yaml, torch
            from omegaconf import OmegaConf

            cfg = OmegaConf.load("conf/train.yaml")
            torch.save(model, cfg.paths.model)
            torch.save(model, cfg.paths.kept)
            with open("conf/train.yaml") as handle:
                config = yaml.safe_load(handle)
            torch.save(model, os.path.join(config["output_dir"], "m.pt"))
            params = json.load(open("params.json"))
            with open(params["report"], "w") as out:
                json.dump({}, out)
            params.update(json.load(open(os.environ["OVERRIDES"])))
            open(os.path.join(params["other"], "x.txt"), "w").write("x")
            missing = yaml.safe_load(open("not_in_the_root.yaml"))
            torch.save(model, missing["model"])
            """,
    }
    assert lost_in(files) == [("train.py", 5, "torch.save", "experiments/model.pt"),
                              ("train.py", 9, "torch.save", "results/m.pt"),
                              ("train.py", 11, "open", "reports/summary.json")]


def test_methods_attributes_and_fields_a_class_inherits() -> None:
    assert lost("""
        import os, torch
        from dataclasses import dataclass

        class BaseTrainer:
            def __init__(self, out_dir="runs"):
                self.out_dir = out_dir

            def save(self, model, name):
                torch.save(model, os.path.join(self.out_dir, name))

        class MyTrainer(BaseTrainer):
            def fit(self):
                pass

        @dataclass
        class Base:
            root: str = "artifacts"

        @dataclass
        class Paths(Base):
            sub: str = "x.pt"

        MyTrainer().save(net, "net.pt")
        MyTrainer("outputs").save(net, "net.pt")
        torch.save(net, os.path.join(Paths().root, Paths().sub))
    """) == [(24, "MyTrainer(...).save", "runs/net.pt"), (26, "torch.save", "artifacts/x.pt")]


@pytest.mark.parametrize(("command", "found"), [
    ("python train.py --data x", [("train.py", 5, "torch.save", "models/net.pt"),
                                  ("train.py", 7, "torch.save", "models/net2.pt")]),
    ("python train.py --data x --out ${{outputs.model}}", []),
])
def test_arguments_passed_whole_and_as_a_dict(command: str,
                                              found: list[tuple[str, int, str, str]]) -> None:
    assert lost_in({"train.py": """
        import argparse, os, torch

        def main(args):
            torch.save(net, os.path.join(args.out, "net.pt"))
            options = vars(args)
            torch.save(net, os.path.join(options["out"], "net2.pt"))

        def parse_args():
            parser = argparse.ArgumentParser()
            parser.add_argument("--out", default="models")
            parser.add_argument("--data")
            return parser.parse_args()

        if __name__ == "__main__":
            main(parse_args())
        """}, [command]) == [(file, 15, "main", target) for file, _, _, target in found]


def test_fire_exposes_a_functions_parameters_as_options() -> None:
    files = {"train.py": """
        import os, fire, torch

        def main(data, out_dir="exports", epochs=3):
            torch.save(net, os.path.join(out_dir, "net.pt"))

        fire.Fire(main)
        """}
    assert lost_in(files, ["python train.py --data x"]) == [
        ("train.py", 4, "torch.save", "exports/net.pt")]
    assert lost_in(files, ["python train.py --data x --out_dir ${{outputs.m}}"]) == []
    assert lost_in(files) == []


# --- what the job runs, and where -----------------------------------------------------------------

def test_only_the_scripts_the_jobs_run_and_what_they_import_are_judged() -> None:
    files = {
        "train.py": """
            from helpers import convert
            import joblib
            joblib.dump(model, "model.pkl")
            """,
        "helpers.py": """
            def convert(rows):
                return rows

            def list_images(images):
                open("train_list.txt", "w").write("\\n".join(images))
            """,
        "prepare_data.py": """
            open("wikipedia.txt", "w").write(text)
            """,
    }
    assert lost_in(files, ["python train.py --epochs 3"]) == [
        ("train.py", 3, "joblib.dump", "model.pkl")]
    assert [file for file, *_ in lost_in(files)] == ["helpers.py", "prepare_data.py", "train.py"]


def test_a_job_that_changes_directory_writes_relative_to_it() -> None:
    files = {"src/app.py": """
        from pathlib import Path
        Path("../outputs/hello.txt").write_text("hi")
        Path("model.txt").write_text("m")
        """}
    assert lost_in(files, ["cd src && python app.py"]) == [
        ("src/app.py", 3, "Path(...).write_text", "model.txt")]
    assert lost_in(files, ["cd $HOME && python src/app.py"]) == []


def test_code_that_builds_jobs_to_submit_is_not_job_code() -> None:
    assert lost_in({"inputs.py": """
        import shutil
        from pathlib import Path
        from azure.ai.ml import Input

        def staged(path):
            stage = Path.cwd() / ".staging"
            shutil.copy2(path, stage / "data.csv")
            return Input(type="uri_folder", path=str(stage))
        """}) == []


def test_a_writer_method_of_a_store_writes_no_local_file() -> None:
    assert lost("""
        store_url.write_file(content, "summary.json")
        blob_client.save_json("metrics.json", data)
        fs.write_text("remote/metrics.json", data)
        frame.write_json("frame.json")
    """) == [(5, "frame.write_json", "frame.json")]


HYDRA_FILES = {
    "conf/config.yaml": """
        defaults:
          - model: resnet
          - _self_
        paths:
          checkpoint: ckpt/last.pt
          export: outputs/model.onnx
        """,
    "conf/model/resnet.yaml": "weights: weights/resnet.pt\n",
    "train.py": """
        import hydra, torch

        @hydra.main(version_base="1.3", config_path="conf", config_name="config")
        def main(cfg):
            torch.save(model, cfg.paths.checkpoint)
            torch.save(model, cfg.paths.export)
            torch.save(model, cfg.model.weights)
            torch.save(model, "last.pt")

        main()
        """,
}


@pytest.mark.parametrize(("command", "found"), [
    ("python train.py", ["ckpt/last.pt", "weights/resnet.pt", "last.pt"]),
    ("python train.py model.weights=${{outputs.weights}}", ["ckpt/last.pt", "last.pt"]),
    (None, ["last.pt"]),
])
def test_a_hydra_config_composed_from_the_roots_files_and_the_command_line(
    command: str | None, found: list[str]
) -> None:
    commands = None if command is None else [command]
    assert [target for *_, target in lost_in(HYDRA_FILES, commands)] == found


def test_hydra_11_defaults_run_in_a_folder_under_outputs() -> None:
    legacy = {"train.py": HYDRA_FILES["train.py"].replace('version_base="1.3", ', "")}
    assert lost_in(legacy, ["python train.py"]) == []
    assert [target for *_, target in lost_in(legacy, ["python train.py hydra.job.chdir=False"])] \
        == ["last.pt"]


def test_the_namespace_parse_known_args_returns_first() -> None:
    assert lost_in({"train.py": """
        import argparse, torch
        parser = argparse.ArgumentParser()
        parser.add_argument("--out", default="models")
        args = parser.parse_known_args()[0]
        torch.save(model, args.out + "/model.pt")
        """}, ["python train.py"]) == [("train.py", 5, "torch.save", "models/model.pt")]


# --- more families: CamelCase writers, library objects' folders, databases, partials ------------

def test_camel_case_writers_a_modules_write_and_writer_classes() -> None:
    assert lost("""
        import SimpleITK as sitk
        import tensorflow as tf
        from scipy.io import wavfile
        sitk.WriteImage(image, "resampled.mha")
        wavfile.write("clean.wav", 16000, signal)
        handle.write("not/a/file.txt")
        with tf.io.TFRecordWriter("records/train.tfrecord") as writer:
            writer.write(record)
        sys.stdout.write("epoch 1/10 done")
    """) == [(5, "sitk.WriteImage", "resampled.mha"), (6, "wavfile.write", "clean.wav"),
             (8, "tf.io.TFRecordWriter", "records/train.tfrecord")]


def test_the_folders_library_objects_are_told_to_write_to() -> None:
    assert lost("""
        import keras_tuner as kt
        import optuna
        from autogluon.tabular import TabularPredictor
        from ignite.handlers import ModelCheckpoint
        from torchvision.datasets import ImageFolder
        TabularPredictor(label="y", path="ag_models").fit(train)
        kt.Hyperband(build, objective="val_loss", directory="tuner_runs", project_name="x")
        ModelCheckpoint(dirname="ignite_ckpts", filename_prefix="best")
        ImageFolder(root="images")
        optuna.create_study(storage="sqlite:///optuna.db")
        optuna.create_study(storage="sqlite:////mnt/shared/optuna.db")
        optuna.create_study(storage="postgresql://host/optuna")
    """) == [(7, "TabularPredictor", "ag_models"), (8, "kt.Hyperband", "tuner_runs"),
             (9, "ModelCheckpoint", "ignite_ckpts"), (11, "optuna.create_study", "optuna.db")]


def test_a_partial_a_memmap_and_string_methods_in_a_name() -> None:
    assert lost("""
        import functools, os
        import numpy as np

        def save_array(array, name, folder):
            np.save(os.path.join(folder, name), array)

        save_features = functools.partial(save_array, folder="features")
        save_features(train, "train.npy")
        np.memmap("embeddings.dat", dtype="float32", mode="w+", shape=(10, 4))
        np.memmap("existing.dat", dtype="float32")
        title = "daily minutes"
        fig.savefig(os.path.join("charts", title.replace(" ", "_") + ".png"))
    """) == [(9, "save_features", "features/train.npy"), (10, "np.memmap", "embeddings.dat"),
             (13, "fig.savefig", "charts/daily_minutes.png")]


def test_settings_an_environment_sets_are_not_known() -> None:
    assert lost("""
        import os, joblib
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            model_dir: str = "models"

        joblib.dump(model, os.path.join(Settings().model_dir, "model.joblib"))
    """) == []


def test_parameters_an_unpacked_call_may_pass_are_not_their_defaults() -> None:
    assert lost("""
        import torch

        def run(model, output="model", log="logs"):
            torch.save(model, output + "/model.pt")

        settings = {"model": net, "output": "exports"}
        run(**settings)
        run(**options)
        run(net, *rest)
        run(net)
    """) == [(8, "run", "exports/model.pt"), (11, "run", "model/model.pt")]


def test_a_tool_that_rewrites_the_projects_own_files_is_not_a_run() -> None:
    assert lost_in({
        "README.md": "# Labs\n",
        "scripts/update_readme.py": """
            from pathlib import Path
            Path("README.md").write_text("# Labs, updated")
            Path("labs-summary.md").write_text("# Summary")
            """,
    }) == [("scripts/update_readme.py", 3, "Path(...).write_text", "labs-summary.md")]


def test_every_writer_of_the_tables_has_a_word_the_line_filter_finds() -> None:
    entries = [*FUNCTIONS.items(), *CLASS_FAMILIES.items(), *MLFLOW_SAVE.items(),
               *((name, where) for name, (where, _, _) in OPENERS.items()),
               *((name, where) for name, (where, *_) in DATABASES.items())]
    for name, where in [*entries, *METHODS.items()]:
        last = name.rsplit(".", 1)[-1]
        by_keyword = where.position is None and all(
            any(word in keyword for word in TRIGGERS) for keyword in where.keywords)
        assert any(word in last or word == f".{last}(" for word in TRIGGERS) or by_keyword, name
    assert all(any(word in name for word in TRIGGERS) for name in UPLOADS)


def test_other_libraries_openers_in_a_write_mode_enums_and_trace_handlers() -> None:
    assert lost("""
        import aiofiles, jsonlines
        from enum import Enum
        from bokeh.io import output_file
        from torch.profiler import tensorboard_trace_handler

        class Paths(str, Enum):
            MODEL = "models/model.pt"

        async def write(rows):
            async with aiofiles.open("rows.json", "w") as handle:
                await handle.write(rows)
        with jsonlines.open("preds.jsonl", mode="w") as writer:
            writer.write_all(rows)
        with jsonlines.open("inputs.jsonl") as reader:
            rows = list(reader)
        torch.save(model, Paths.MODEL.value)
        output_file("dashboard.html")
        tensorboard_trace_handler("./log/profiler")
    """) == [(11, "aiofiles.open", "rows.json"), (13, "jsonlines.open", "preds.jsonl"),
             (17, "torch.save", "models/model.pt"), (18, "output_file", "dashboard.html"),
             (19, "tensorboard_trace_handler", "./log/profiler")]


def test_embedded_databases_are_written_where_they_are_opened_unless_read_or_in_memory() -> None:
    assert lost_in({"data/lookup.db": "", "features.py": """
        import dbm, shelve, sqlite3
        import duckdb, lmdb

        con = duckdb.connect("features.duckdb")
        con.execute("CREATE TABLE t AS SELECT 1")
        duckdb.connect(":memory:")
        duckdb.connect()
        duckdb.connect("ref.duckdb", read_only=True)
        sqlite3.connect("data/lookup.db")
        sqlite3.connect(os.path.join("cache", "runs.sqlite"))
        sqlite3.connect("outputs/runs.sqlite")
        shelve.open("state.shelf")
        shelve.open("ref.shelf", flag="r")
        dbm.open("ref.dbm")
        lmdb.open("images.lmdb", map_size=2**30)
        lmdb.open("ref.lmdb", readonly=True)
        """}) == [
        ("features.py", 4, "duckdb.connect", "features.duckdb"),
        ("features.py", 10, "sqlite3.connect", "cache/runs.sqlite"),
        ("features.py", 12, "shelve.open", "state.shelf"),
        ("features.py", 15, "lmdb.open", "images.lmdb")]


def test_lazy_frames_sink_to_files() -> None:
    assert lost("""
        import polars as pl
        frame = pl.scan_parquet("data/*.parquet")
        frame.filter(pl.col("v") > 0).sink_parquet("positive.parquet")
        frame.sink_csv("outputs/all.csv")
        frame.sink_ipc(path="frame.arrow")
    """) == [(4, "frame.filter(...).sink_parquet", "positive.parquet"),
             (6, "frame.sink_ipc", "frame.arrow")]


def test_a_file_name_after_an_unknown_part_keeps_its_suffix() -> None:
    assert lost("""
        import os
        from PIL import Image

        def save_crop(item):
            Image.fromarray(item.pixels).save(os.path.join("crops", f"{item.id}.jpg"))

        def save_mask(item):
            Image.fromarray(item.mask).save(os.path.join("masks", f"{item.id}_{item.kind}.png"))

        def save_thumb(item):
            Image.fromarray(item.small).save(os.path.join("thumbs", str(item.id) + "_t.jpg"))

        pool.map(save_crop, items)
        pool.map(save_mask, items)
        pool.map(save_thumb, items)
    """) == [(6, "Image.fromarray(...).save", "crops/*.jpg"),
             (9, "Image.fromarray(...).save", "masks/*_*.png"),
             (12, "Image.fromarray(...).save", "thumbs/*_t.jpg")]


def test_a_config_built_from_unpacked_values_has_no_default_fields() -> None:
    files = {
        "config.py": """
            from dataclasses import dataclass
            from pydantic import BaseModel

            class TrainConfig(BaseModel):
                checkpoint_dir: str = "checkpoints"
                log_dir: str = "tb"

            @dataclass
            class Paths:
                cache: str = "cache"
            """,
        "train.py": """
            import json, sys
            import torch
            from config import Paths, TrainConfig

            cfg = TrainConfig(**json.load(open(sys.argv[1])))
            torch.save(model, cfg.checkpoint_dir + "/last.pt")
            overrides = {"log_dir": "outputs/tb"}
            known = TrainConfig(**overrides)
            torch.save(model, known.checkpoint_dir + "/best.pt")
            torch.save(model, known.log_dir + "/x.pt")
            paths = Paths(*sys.argv[2:])
            torch.save(model, paths.cache + "/m.pt")
            given = Paths("outputs/cache")
            torch.save(model, given.cache + "/g.pt")
            """,
    }
    assert lost_in(files) == [("train.py", 9, "torch.save", "checkpoints/best.pt")]


def test_a_parser_default_set_by_set_defaults_counts_where_no_command_line_sets_it() -> None:
    files = {"train.py": """
        import argparse, torch
        parser = argparse.ArgumentParser()
        parser.add_argument("--out", default="ignored")
        parser.add_argument("--cache")
        parser.set_defaults(out="exp", cache="cache", scratch="tmp_scratch")
        args = parser.parse_args()
        torch.save(model, f"{args.out}/m.pt")
        torch.save(model, f"{args.cache}/m.pt")
        torch.save(model, f"{args.scratch}/m.pt")
        """}
    assert lost_in(files, ["python train.py --cache ${{outputs.cache}}"]) == [
        ("train.py", 7, "torch.save", "exp/m.pt"), ("train.py", 9, "torch.save", "tmp_scratch/m.pt")]
    assert lost_in(files, ["python train.py $[[--out ${{inputs.out}}]]"]) == [
        ("train.py", 8, "torch.save", "cache/m.pt"), ("train.py", 9, "torch.save", "tmp_scratch/m.pt")]


def test_output_file_keywords_prefix_writers_and_keyword_only_paths() -> None:
    assert lost("""
        import sentencepiece as spm, tf2onnx
        import tensorflow as tf
        tf.keras.utils.plot_model(model, to_file="model.png", show_shapes=True)
        export_tree(tree, out_file="tree.dot")
        spm.SentencePieceTrainer.train(input="data/text.txt", model_prefix="spm", vocab_size=8000)
        spm.SentencePieceTrainer.train(input="data/text.txt", model_prefix="outputs/spm")
        frame.to_csv(path_or_buf="frame.csv")
        frame.to_parquet(path="outputs/frame.parquet")
        tf2onnx.convert.from_keras(model, opset=13, output_path="model.onnx")
    """) == [(4, "tf.keras.utils.plot_model", "model.png"), (5, "export_tree", "tree.dot"),
             (6, "spm.SentencePieceTrainer.train", "spm.model"),
             (8, "frame.to_csv", "frame.csv"),
             (10, "tf2onnx.convert.from_keras", "model.onnx")]


def test_a_class_or_static_method_called_on_its_class_gets_the_call_s_arguments() -> None:
    assert lost("""
        import torch

        class Store:
            DIR = "weights"

            @classmethod
            def put(cls, obj, name):
                torch.save(obj, f"{cls.DIR}/{name}.pt")

            @staticmethod
            def dump(obj, path):
                torch.save(obj, path)

        Store.put(model, "final")
        Store.dump(model, "static.pt")
        Store.dump(model, "outputs/static.pt")
    """) == [(15, "Store.put", "weights/final.pt"), (16, "Store.dump", "static.pt")]


def test_names_unpacked_from_a_tuple_of_paths_are_not_paths_handed_on() -> None:
    assert lost("""
        import joblib
        model_path, report_path = "m.pkl", "outputs/r.pkl"
        joblib.dump(model, model_path)
        joblib.dump(report, report_path)
        files = ("a.pkl", "b.pkl")
        joblib.dump(model, "a.pkl")
        subprocess.run(["python", "upload.py", *files])
    """) == [(4, "joblib.dump", "m.pkl")]


def test_a_path_that_goes_up_from_the_script_s_folder_is_reported_normalised() -> None:
    assert lost_in({"src/train.py": """
        import os, joblib
        BASE = os.path.dirname(os.path.abspath(__file__))
        joblib.dump(model, os.path.join(BASE, "..", "models", "m.pkl"))
        joblib.dump(model, os.path.join(BASE, "..", "outputs", "m.pkl"))
        """}) == [("src/train.py", 3, "joblib.dump", "models/m.pkl")]


def test_a_class_method_of_a_class_imported_from_the_root_gets_the_call_s_arguments() -> None:
    assert lost_in({"store.py": """
        import torch

        class Store:
            DIR = "weights"

            @classmethod
            def put(cls, obj, name):
                torch.save(obj, f"{cls.DIR}/{name}.pt")
        """, "train.py": """
        from store import Store
        Store.put(model, "final")
        """}) == [("train.py", 2, "Store.put", "weights/final.pt")]


def test_an_object_init_keeps_from_its_parameter_is_the_one_the_constructor_call_passes() -> None:
    assert lost("""
        from dataclasses import dataclass
        from torch.utils.tensorboard import SummaryWriter

        @dataclass
        class Config:
            log_dir: str = "tb"

        class Trainer:
            def __init__(self, config):
                self.config = config
                self.writer = SummaryWriter(log_dir=self.config.log_dir)

        Trainer(Config())
        Trainer(Config(log_dir="logs/tb"))
    """) == [(14, "Trainer", "tb")]


def test_a_value_or_its_fallback_written_as_a_conditional_expression() -> None:
    files = {"train.py": """
        import argparse, os, joblib
        parser = argparse.ArgumentParser()
        parser.add_argument("--out-dir", default=None)
        parser.add_argument("--cache-dir", default=None)
        args = parser.parse_args()
        out = args.out_dir if args.out_dir else "default_out"
        cache = "cache" if args.cache_dir is None else args.cache_dir
        joblib.dump(model, os.path.join(out, "m.pkl"))
        joblib.dump(model, os.path.join(cache, "c.pkl"))
        joblib.dump(model, os.path.join("a" if flag else "b", "f.pkl"))
        """}
    assert lost_in(files, ["python train.py"]) == [
        ("train.py", 8, "joblib.dump", "default_out/m.pkl"),
        ("train.py", 9, "joblib.dump", "cache/c.pkl"),
        ("train.py", 10, "joblib.dump", "a/f.pkl"), ("train.py", 10, "joblib.dump", "b/f.pkl")]
    assert lost_in(files, ["python train.py --out-dir ${{outputs.o}} --cache-dir ${{outputs.c}}"]) \
        == [("train.py", 10, "joblib.dump", "a/f.pkl"), ("train.py", 10, "joblib.dump", "b/f.pkl")]


def test_tensorflow_file_openers_in_a_write_mode_and_saved_model_exports() -> None:
    assert lost("""
        import tensorflow as tf
        with tf.io.gfile.GFile("labels.txt", "w") as handle:
            handle.write("a")
        with tf.io.gfile.GFile("data/in.txt") as handle:
            text = handle.read()
        estimator.export_saved_model("export", serving_input_fn)
    """) == [(3, "tf.io.gfile.GFile", "labels.txt"),
             (7, "estimator.export_saved_model", "export")]


def test_a_global_main_assigns_is_what_the_functions_it_calls_see() -> None:
    files = {"train.py": """
        import argparse, os, joblib
        args = None
        OUT = "local"

        def save(model):
            joblib.dump(model, os.path.join(args.model_dir, "m.pkl"))
            joblib.dump(model, os.path.join(OUT, "m.pkl"))

        def main():
            global args, OUT
            parser = argparse.ArgumentParser()
            parser.add_argument("--model-dir", default="models")
            args = parser.parse_args()
            OUT = "outputs"
            save(model)

        if __name__ == "__main__":
            main()
        """}
    assert lost_in(files, ["python train.py"]) == [("train.py", 6, "joblib.dump", "models/m.pkl")]
    assert lost_in(files, ["python train.py --model-dir ${{outputs.m}}"]) == []


def test_names_a_star_import_brings_from_a_module_of_the_root() -> None:
    assert lost_in({"settings.py": """
        MODEL_DIR = "models"
        _PRIVATE = "private"
        """, "train.py": """
        import joblib
        from settings import *
        joblib.dump(model, MODEL_DIR + "/m.pkl")
        """}) == [("train.py", 3, "joblib.dump", "models/m.pkl")]


def test_a_script_a_notebook_runs_with_percent_run_brings_its_names() -> None:
    writes, skipped = analyse({
        "helpers.py": textwrap.dedent("""
            import os
            import matplotlib.pyplot as plt
            FIGURES = "figures"
            def save(name):
                plt.savefig(os.path.join(FIGURES, name))
            """).encode(),
        "train.ipynb": notebook("%run helpers.py\n", "save('loss.png')\n",
                                "%run -i ./helpers.py\nsave('acc.png')\n", "%run train.py --epochs 3\n"),
        "run.sh": b"papermill train.ipynb outputs/train.ipynb\n",
    })
    assert [(w.file, w.cell, w.line, w.target) for w in writes] == [
        ("train.ipynb", 3, 1, "figures/loss.png"), ("train.ipynb", 4, 2, "figures/acc.png")]
    assert skipped == []


def test_a_key_a_known_dict_has_not_is_none_to_get_and_its_fallback_counts() -> None:
    assert lost_in({"config.yaml": "lr: 0.1\n", "train.py": """
        import os, joblib, yaml
        cfg = yaml.safe_load(open("config.yaml"))
        joblib.dump(model, os.path.join(cfg.get("out_dir") or "fallback", "m.pkl"))
        joblib.dump(model, os.path.join(cfg.get("out_dir"), "n.pkl"))
        changed = {"lr": 1}
        changed["out_dir"] = "outputs"
        joblib.dump(model, os.path.join(changed.get("out_dir") or "other", "o.pkl"))
        updated = {"lr": 1}
        updated.update(extra)
        joblib.dump(model, os.path.join(updated.get("out_dir") or "other", "p.pkl"))
        """}) == [("train.py", 3, "joblib.dump", "fallback/m.pkl")]
