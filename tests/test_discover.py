"""Root discovery: realistic repositories built in tmp_path, read without running anything."""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from conftest import git, make_repo

from snapshot_guard import cache
from snapshot_guard.discover import (
    DeclaredRoot,
    discover_roots,
    notebook_advice,
    pipeline_advice,
    roots_main,
)
from snapshot_guard.discover import files as discover_files
from snapshot_guard.discover.files import Inputs, repository_candidates


def write(top: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = top / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return top


def notebook(*cells: str) -> str:
    """An .ipynb in nbformat 4 layout (one JSON line per source line, as Jupyter writes it)."""
    document = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": textwrap.dedent(cell).lstrip("\n").splitlines(keepends=True)}
            for cell in cells
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, ensure_ascii=False)


def found(top: Path) -> set[tuple[str | None, str, int, str]]:
    return {(item.root, item.file, item.line, item.kind) for item in discover_roots(str(top))}


V1_PIPELINE = """
import os
from pathlib import Path
from azureml.core import Experiment, ScriptRunConfig
from azureml.pipeline.core import Pipeline
from azureml.pipeline.steps import EstimatorStep, PythonScriptStep
from azureml.train.estimator import Estimator
from azureml.train.hyperdrive import HyperDriveConfig

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = os.path.join(HERE, "..", "steps")

prep = PythonScriptStep(script_name="prep.py", source_directory=os.path.join(STEPS, "prep"))
train = PythonScriptStep("train.py", source_directory=f"{STEPS}/train")
score = PythonScriptStep(script_name="score.py", source_directory=STEPS + "/train")
report = PythonScriptStep(script_name="report.py")
est = Estimator(source_directory=Path(__file__).parent.parent / "src", entry_script="t.py")
tune = EstimatorStep(name="tune", estimator=est)
pipeline = Pipeline(workspace=ws, steps=[prep, train, score, report, tune])
"""


def test_v1_pipeline_steps_defaults_and_wrappers(tmp_path: Path) -> None:
    top = write(tmp_path, {"pipelines/build.py": V1_PIPELINE, "steps/prep/prep.py": "",
                           "steps/train/train.py": "", "src/t.py": ""})
    declared = discover_roots(str(top))
    assert {(d.root, d.line, d.kind) for d in declared} == {
        ("steps/prep", 12, "PythonScriptStep"),
        ("steps/train", 13, "PythonScriptStep"),
        ("steps/train", 14, "PythonScriptStep"),
        ("pipelines", 15, "PythonScriptStep"),
        ("src", 16, "Estimator"),
    }
    assert {d.pipeline for d in declared} == {"pipelines/build.py"}, "EstimatorStep makes est a step"
    assert all(d.sdk == "v1" and d.file == "pipelines/build.py" for d in declared)
    default = next(d for d in declared if d.line == 15)
    assert "no source_directory=" in default.how
    advice = pipeline_advice(declared, "steps/train")
    assert len(advice) == 1
    assert "pipelines/build.py:13, pipelines/build.py:14" in advice[0]
    assert "Use a different subdirectory for each step" in advice[0]
    assert pipeline_advice(declared, "steps/prep") == []


def test_lone_run_config_is_no_pipeline_step(tmp_path: Path) -> None:
    top = write(tmp_path, {"submit.py": """
        from azureml.core import ScriptRunConfig
        from azureml.train.hyperdrive import HyperDriveConfig
        src = ScriptRunConfig(source_directory="src", script="train.py")
        again = ScriptRunConfig(source_directory="src", script="eval.py")
        hd = HyperDriveConfig(run_config=src, max_total_runs=4)
        """, "src/train.py": ""})
    declared = discover_roots(str(top))
    assert [(d.root, d.pipeline) for d in declared] == [("src", None), ("src", None)]
    assert pipeline_advice(declared, "src") == []


def test_values_relative_to_script_folder_or_repository_top(tmp_path: Path) -> None:
    top = write(tmp_path, {
        "jobs/run.py": """
            from azureml.core import ScriptRunConfig
            a = ScriptRunConfig(source_directory="local", script="x.py")
            b = ScriptRunConfig(source_directory="shared/code", script="x.py")
            c = ScriptRunConfig(source_directory="nowhere", script="x.py")
            """,
        "jobs/local/x.py": "", "shared/code/x.py": "",
    })
    by_line = {d.line: d for d in discover_roots(str(top))}
    assert by_line[2].root == "jobs/local" and "script's folder" in by_line[2].how
    assert by_line[3].root == "shared/code" and "repository top" in by_line[3].how
    assert by_line[4].root == "jobs/nowhere" and "does not exist" in by_line[4].how


def test_names_loops_format_and_call_sites(tmp_path: Path) -> None:
    top = write(tmp_path, {"build.py": """
        import os
        from os.path import join
        from azureml.pipeline.steps import PythonScriptStep
        from azureml.core import ScriptRunConfig

        BASE = "steps"
        for name in ["prep", "train"]:
            PythonScriptStep(script_name="s.py", source_directory=join(BASE, name))

        def make_step(folder, script="run.py"):
            path = os.path.join(BASE, folder)
            return PythonScriptStep(script_name=script, source_directory=path)

        class Job:
            def __init__(self, code_dir):
                self.config = ScriptRunConfig(source_directory=code_dir)

        def main():
            make_step("score")
            make_step(folder="{}_{}".format("eval", 2))
            Job("jobs/a")

        cfg = ScriptRunConfig(source_directory=os.environ["SRC"])
        BASE = "moved"
        late = ScriptRunConfig(source_directory=BASE)
        """})
    assert found(top) == {
        ("steps/prep", "build.py", 8, "PythonScriptStep"),
        ("steps/train", "build.py", 8, "PythonScriptStep"),
        ("steps/score", "build.py", 12, "PythonScriptStep"),
        ("steps/eval_2", "build.py", 12, "PythonScriptStep"),
        ("jobs/a", "build.py", 16, "ScriptRunConfig"),
        (None, "build.py", 23, "ScriptRunConfig"),
        ("moved", "build.py", 25, "ScriptRunConfig"),
    }
    unresolved = next(d for d in discover_roots(str(top)) if d.root is None)
    assert "not a constant" in unresolved.how


def test_unresolved_parameter_without_call_site(tmp_path: Path) -> None:
    top = write(tmp_path, {"lib/steps.py": """
        from azureml.pipeline.steps import PythonScriptStep
        def get_step(src):
            return PythonScriptStep(script_name="a.py", source_directory=src)
        """})
    (item,) = discover_roots(str(top))
    assert item.root is None and "parameter of get_step()" in item.how


def test_step_subclass_super_init_and_take_snapshot(tmp_path: Path) -> None:
    top = write(tmp_path, {"steps/label.py": """
        import os
        from azureml.pipeline.steps import PythonScriptStep
        from azureml.core import Run

        class LabelStep(PythonScriptStep):
            def __init__(self, compute):
                here = os.path.dirname(os.path.abspath(__file__))
                super().__init__(name="label", script_name="label.py",
                                 source_directory=os.path.join(here, "scripts"))

        run = Run.get_context()
        run.take_snapshot("outputs/model.pkl")
        """, "steps/scripts/label.py": ""})
    assert found(top) == {
        ("steps/scripts", "steps/label.py", 8, "PythonScriptStep"),
        ("steps/outputs/model.pkl", "steps/label.py", 12, "take_snapshot"),
    }


def test_v2_python_command_components_and_loaded_yaml(tmp_path: Path) -> None:
    top = write(tmp_path, {
        "pipeline.py": """
            from azure.ai.ml import command, load_component
            from azure.ai.ml.dsl import pipeline

            prep = command(code="./components/prep", command="python prep.py")
            train = load_component(source="components/train/train.yml")
            score = load_component(source="components/score.yml")

            @pipeline()
            def flow():
                prep()
                train()
                score()
            """,
        "components/prep/prep.py": "",
        # no $schema: found only because the pipeline loads it
        "components/train/train.yml": "name: train\ncode: .\ncommand: python train.py\n",
        "components/score.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
            type: command
            code: ./train
            """,
        "mld.py": """
            from mldesigner import command_component
            @command_component(name="a")
            def a(): ...
            @command_component(name="b", code="./components")
            def b(): ...
            """,
    })
    declared = discover_roots(str(top))
    assert {(d.root, d.file, d.line, d.kind, d.sdk) for d in declared} == {
        ("components/prep", "pipeline.py", 4, "command", "v2"),
        ("components/train", "pipeline.py", 5, "load_component", "v2"),
        ("components/train", "pipeline.py", 6, "load_component", "v2"),
        ("components/train", "components/train/train.yml", 2, "code", "v2"),
        ("components/train", "components/score.yml", 3, "code", "v2"),
        (".", "mld.py", 2, "command_component", "v2"),
        ("components", "mld.py", 4, "command_component", "v2"),
    }
    in_pipeline = {d.file for d in declared if d.pipeline == "pipeline.py"}
    assert in_pipeline == {"pipeline.py", "components/train/train.yml", "components/score.yml"}
    (advice,) = pipeline_advice(declared, "components/train")
    assert advice.startswith("2 steps of the pipeline in pipeline.py")


PIPELINE_JOB = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
jobs:
  prep:
    type: command
    code: ../src
    command: python prep.py
  train:
    component: file:./train.yml
  inline:
    component:
      type: command
      code: ../src
      command: python eval.py
  registered:
    component: azureml:train:1
  sweep:
    type: sweep
    trial:
      code: ${{parent.inputs.code}}
      command: python x.py
"""


def test_yaml_jobs_components_and_includes(tmp_path: Path) -> None:
    top = write(tmp_path, {
        "jobs/pipeline.yml": PIPELINE_JOB,
        "jobs/train.yml": """
            $schema: http://azureml/sdk-2-0/CommandComponent.json
            type: command
            code: ../src/train.py
            additional_includes:
              - ../shared
            """,
        "jobs/sweep.yaml": """
            type: sweep
            trial:
              code: ../src
              command: python train.py
            """,
        "jobs/parallel.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/parallelComponent.schema.json
            type: parallel
            task:
              type: run_function
              code: ../batch
              entry_script: score.py
            """,
        "jobs/asset.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: azureml:my-code:3
            command: echo
            """,
        ".github/workflows/ci.yml": """
            jobs:
              build:
                code: not-azure-ml
                steps: [{run: echo}]
            """,
        "docker-compose.yml": "services: {app: {code: ./app}}\n",
        "src/train.py": "", "shared/util.py": "", "batch/score.py": "",
    })
    declared = discover_roots(str(top))
    assert {(d.root, d.file, d.line, d.kind) for d in declared} == {
        ("src", "jobs/pipeline.yml", 6, "jobs.prep.code"),
        ("src", "jobs/pipeline.yml", 13, "jobs.inline.component.code"),
        (None, "jobs/pipeline.yml", 20, "jobs.sweep.trial.code"),
        ("src/train.py", "jobs/train.yml", 3, "code"),
        ("shared", "jobs/train.yml", 5, "additional_includes"),
        ("src", "jobs/sweep.yaml", 3, "trial.code"),
        ("batch", "jobs/parallel.yml", 5, "task.code"),
    }
    pipelines = {(d.file, d.pipeline) for d in declared}
    assert ("jobs/train.yml", "jobs/pipeline.yml") in pipelines, "referenced by a pipeline step"
    assert ("jobs/sweep.yaml", None) in pipelines
    assert len(pipeline_advice(declared, "src")) == 1


def test_notebooks_cells_magics_and_writefile(tmp_path: Path) -> None:
    top = write(tmp_path, {
        "notebooks/explore/explore.ipynb": notebook(
            """
            from azureml.core import Experiment, Workspace
            exp = Experiment(Workspace.from_config(), "explore")
            !pip install azureml-core
            %matplotlib inline
            run = exp.start_logging()
            """,
            "quiet = exp.start_logging(snapshot_directory=None)\n",
            """
            %%writefile job.yml
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: ./src
            command: python train.py
            """,
            """
            %cd ../..
            from azureml.core import ScriptRunConfig
            src = ScriptRunConfig(source_directory="training", script="train.py")
            """,
            "this is not python(\n",
        ),
        "notebooks/explore/.ipynb_checkpoints/explore-checkpoint.ipynb": notebook(
            "from azureml.core import Experiment\nrun = exp.start_logging()\n"),
        "training/train.py": "",
    })
    declared = discover_roots(str(top))
    file = "notebooks/explore/explore.ipynb"
    assert {(d.root, d.file, d.kind) for d in declared} == {
        ("notebooks/explore", file, "start_logging"),
        ("notebooks/explore/src", file, "code"),
        ("training", file, "ScriptRunConfig"),
    }
    lines = (top / file).read_text().splitlines()
    for item in declared:
        assert any(word in lines[item.line - 1] for word in ("start_logging", "code:", "Script"))
    advice = notebook_advice(declared, "notebooks/explore")
    assert len(advice) == 1 and "new, empty, subdirectory" in advice[0]
    assert notebook_advice(declared, "training") == []


@pytest.mark.parametrize("source", [
    # a generic name without an Azure ML import
    "import click\ncommand(code='src')\n",
    # SageMaker's estimators take source_dir, and the file has no Azure ML import
    "from sagemaker.pytorch import PyTorch\nPyTorch(entry_point='t.py', source_dir='src')\n",
    # Azure ML imported, but nothing declares a root
    "from azureml.core import Workspace\nws = Workspace.from_config()\nrun.log('code', 1)\n",
    "from azureml.core import Experiment\nrun = exp.start_logging(snapshot_directory=None)\n",
    "from azure.ai.ml import command\njob = command(command='echo hi', environment='env:1')\n",
    "from azureml.core import ScriptRunConfig\ndef broken(:\n",
])
def test_precision_negatives(tmp_path: Path, source: str) -> None:
    top = write(tmp_path, {"scripts/run.py": source, "scripts/src/x.py": ""})
    assert discover_roots(str(top)) == []


def test_skips_virtualenvs_and_vendored_packages(tmp_path: Path) -> None:
    step = "from azureml.core import ScriptRunConfig\nScriptRunConfig(source_directory='.')\n"
    top = write(tmp_path, {
        "env/lib/python3.11/site-packages/azureml/core/x.py": step,
        "env/pyvenv.cfg": "home = /usr/bin\n",
        "node_modules/pkg/x.py": step,
        ".venv/x.py": step,
        "real/job.py": step,
    })
    assert [d.file for d in discover_roots(str(top))] == ["real/job.py"]


def test_roots_command_json_and_text(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, {"train/submit.py": """
        from azureml.core import ScriptRunConfig
        src = ScriptRunConfig(source_directory=".", script="train.py")
        bad = ScriptRunConfig(source_directory=args.dir)
        """})
    (repo / "train" / "deep").mkdir()
    monkeypatch.chdir(repo / "train" / "deep")
    assert roots_main(["--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {"roots": [
        {"root": "train", "file": "train/submit.py", "line": 2, "kind": "ScriptRunConfig",
         "sdk": "v1"},
        {"root": None, "file": "train/submit.py", "line": 3, "kind": "ScriptRunConfig",
         "sdk": "v1"},
    ]}
    assert roots_main([]) == 0
    text = capsys.readouterr().out
    assert "train/submit.py:2" in text and "(unresolved)" in text and "1 unresolved" in text


def test_roots_command_when_nothing_is_found(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    assert roots_main([]) == 0
    assert "the root is the repository top" in capsys.readouterr().out



def test_helpers_and_constants_from_other_modules(tmp_path: Path) -> None:
    top = write(tmp_path, {
        "pipelines/__init__.py": "",
        "pipelines/config.py": """
            import os
            ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            PREP_DIR = os.path.join(ROOT, "src", "prep")
            TRAIN_DIR = "src/train"
            """,
        "pipelines/steps/__init__.py": "",
        "pipelines/steps/factory.py": """
            from azureml.pipeline.steps import PythonScriptStep

            def get_step(name, source_dir):
                return PythonScriptStep(name=name, script_name="run.py", source_directory=source_dir)

            class ScoreStep:
                def __init__(self, folder):
                    self.step = PythonScriptStep(name="s", script_name="s.py", source_directory=folder)
            """,
        "pipelines/build.py": """
            from azureml.pipeline.core import Pipeline
            from pipelines.config import PREP_DIR, TRAIN_DIR
            from pipelines import config
            from steps.factory import get_step, ScoreStep
            import steps.factory as factory

            prep = get_step("prep", PREP_DIR)
            train = get_step("train", source_dir=TRAIN_DIR)
            score = ScoreStep(config.TRAIN_DIR)
            again = factory.get_step("again", "src/prep")
            """,
        "src/prep/run.py": "", "src/train/run.py": "",
    })
    declared = discover_roots(str(top))
    factory = "pipelines/steps/factory.py"
    assert {(d.root, d.file, d.line) for d in declared} == {
        ("src/prep", factory, 4), ("src/train", factory, 4), ("src/train", factory, 8),
    }
    assert len(declared) == 4, "one entry per call that passes a root"
    assert {d.pipeline for d in declared} == {"pipelines/build.py"}
    (advice,) = pipeline_advice(declared, "src/prep")
    assert "called at pipelines/build.py:7" in advice and "called at pipelines/build.py:10" in advice


@pytest.mark.parametrize(("setup", "value", "root"), [
    ("", "'./src/'", "jobs/src"),
    ("CFG = {'code': 'src', 'n': 3}", "CFG['code']", "jobs/src"),
    ("CFG = {'code': 'src'}", "CFG.get('missing', 'src')", "jobs/src"),
    ("", "Path(__file__).resolve().parents[1] / 'shared'", "shared"),
    ("", "os.path.join(os.path.dirname(os.path.dirname(__file__)), 'shared')", "shared"),
    ("HERE = Path(__file__).parent", "HERE.joinpath('src').as_posix()", "jobs/src"),
    ("", "'{base}/{name}'.format(base='jobs', name='src')", "jobs/src"),
    ("NAME = 'src'", "f'./{NAME}'", "jobs/src"),
    ("X = None", "X or 'src'", "jobs/src"),
    ("FLAG = True", "'src' if FLAG else 'src'", "jobs/src"),
    ("", "str(Path('src'))", "jobs/src"),
    ("", "os.getcwd()", "jobs"),
    ("", "CFG['code']", None),
    ("CFG = {'n': 3}", "CFG['n']", None),
    ("import argparse\np = argparse.ArgumentParser()\np.add_argument('--code-dir', default='src')\n"
     "args = p.parse_args()", "args.code_dir", "jobs/src"),
    ("import argparse\np = argparse.ArgumentParser()\np.add_argument('--code-dir')\n"
     "args = p.parse_args()", "args.code_dir", None),
    ("", "os.environ.get('SRC', 'src')", None),
    ("", "sys.argv[1]", None),
    ("X = None", "X or os.environ['SRC']", None),
])
def test_value_forms(tmp_path: Path, setup: str, value: str, root: str | None) -> None:
    source = (f"import os, sys\nfrom pathlib import Path\nfrom azureml.core import ScriptRunConfig\n"
              f"{setup}\nrun = ScriptRunConfig(source_directory={value}, script='t.py')\n")
    top = write(tmp_path, {"jobs/submit.py": source, "jobs/src/t.py": "", "shared/a.py": ""})
    (item,) = discover_roots(str(top))
    assert item.root == root, item.how


def test_script_argument_tells_which_folder_a_relative_root_is_from(tmp_path: Path) -> None:
    top = write(tmp_path, {
        "azureml/training_pipeline.py": """
            from azureml.pipeline.steps import PythonScriptStep
            from azure.ai.ml import command
            top_step = PythonScriptStep(name="a", script_name="src/data/get.py", source_directory=".")
            own_step = PythonScriptStep(name="b", script_name="local.py", source_directory=".")
            job = command(code=".", command="python -m src.models.train --epochs 3")
            """,
        "azureml/local.py": "", "src/data/get.py": "", "src/models/train.py": "",
    })
    by_line = {d.line: d for d in discover_roots(str(top))}
    assert by_line[3].root == "." and "src/data/get.py is" in by_line[3].how
    assert by_line[4].root == "azureml"
    assert by_line[5].root == "." and "src/models/train.py" in by_line[5].how


def test_the_command_line_of_each_job_when_it_is_known(tmp_path: Path) -> None:
    top = write(tmp_path, {
        "submit_v1.py": """
            from azureml.core import ScriptRunConfig
            from azureml.pipeline.steps import PythonScriptStep
            a = ScriptRunConfig(source_directory="src", script="train.py",
                                arguments=["--epochs", 3, "--data", dataset.as_mount()])
            b = PythonScriptStep(script_name="prep.py", source_directory="src")
            c = ScriptRunConfig(source_directory="src", script="train.py", arguments=ARGS)
            """,
        "submit_v2.py": """
            from azure.ai.ml import command
            job = command(code="./src", command="python train.py --lr ${{inputs.lr}}")
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: src
            command: >-
              python train.py
              --data ${{inputs.data}}
            environment: azureml:x:1
            """,
        "src/train.py": "", "src/prep.py": "",
    })
    assert {(d.file, d.line, d.command) for d in discover_roots(str(top))} == {
        ("submit_v1.py", 3, "python train.py --epochs 3 --data $ARG"),
        ("submit_v1.py", 5, "python prep.py"),
        ("submit_v1.py", 6, None),
        ("submit_v2.py", 2, "python train.py --lr ${{inputs.lr}}"),
        ("job.yml", 2, "python train.py --data ${{inputs.data}}"),
    }


# ---------------------------------------------------------------------------------------------
# Listing in a repository, and reuse by a later run only when it would read the same.

STEP = "from azureml.core import ScriptRunConfig\nScriptRunConfig(source_directory='{}')\n"


def fresh(top: Path, monkeypatch: pytest.MonkeyPatch) -> list[DeclaredRoot]:
    """Discovery with no cache to read or keep (what git grep lists, everything analysed)."""
    with monkeypatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", os.devnull)
        return discover_roots(str(top))


def kept() -> dict[str, int]:
    """The cache's entries and their inodes: an entry written again is a new file."""
    folder = cache.folder_path()
    assert folder is not None
    return {entry.name: entry.inode() for entry in os.scandir(folder)} if os.path.isdir(folder) else {}


def test_committed_files_are_judged_by_what_their_blob_holds(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, {
        "committed/aml.py": STEP.format("a"), "committed/plain.py": "print('no sdk')\n",
        "committed/job.yml": "command: python x.py\ncode: src\nenvironment: e\n",
        "committed/other.yml": "key: value\n",
        "committed/nb.ipynb": notebook(STEP.format("nb")),
        "dirty/gains.py": "print('later')\n", "dirty/loses.py": STEP.format("lost"),
        "typechange.py": STEP.format("t"), "deleted.py": STEP.format("d"),
        "node_modules/pkg/x.py": STEP.format("vendored"), "conflict.py": "x = 1\n",
        ".gitignore": "ignored.py\n",
    })
    (repo / "binary.py").write_bytes(b"\0" + STEP.format("binary").encode())
    (repo / "link.py").symlink_to("committed/aml.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "files")
    git(repo, "checkout", "-qb", "other")
    (repo / "conflict.py").write_text(STEP.format("theirs"))
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    (repo / "conflict.py").write_text(STEP.format("ours"))
    git(repo, "commit", "-qam", "ours")
    subprocess.run(["git", "merge", "-q", "other"], cwd=repo, capture_output=True, check=False)
    write(repo, {"dirty/gains.py": STEP.format("gained"), "dirty/loses.py": "print('lost')\n",
                 "staged.py": STEP.format("s"), "untracked/new.py": STEP.format("new"),
                 "ignored.py": STEP.format("ignored"), "intent.py": STEP.format("intent")})
    git(repo, "add", "staged.py")
    git(repo, "add", "-N", "intent.py")
    (repo / "typechange.py").unlink()
    (repo / "typechange.py").symlink_to("committed/aml.py")
    (repo / "deleted.py").unlink()

    grep = repository_candidates(str(repo), None)
    cold = repository_candidates(str(repo), {})
    assert grep is not None and cold is not None
    warm = repository_candidates(str(repo), cold.facts)
    assert warm is not None and warm.candidates == cold.candidates and warm.facts is cold.facts
    listed = {os.path.relpath(path, repo) for path in grep.candidates}
    assert listed == {"committed/aml.py", "committed/job.yml", "committed/nb.ipynb", "binary.py",
                      "dirty/gains.py", "staged.py", "untracked/new.py", "conflict.py", "intent.py"}
    assert {os.path.relpath(path, repo) for path in cold.candidates} - listed == {"dirty/loses.py"}, \
        "a changed file is listed to be read whatever it holds"
    roots = {item.root for item in fresh(repo, monkeypatch)}
    assert roots == {"committed/a", "committed/src", "committed/nb", "dirty/gained", "s",
                     "untracked/new", "intent"}
    assert {item.root for item in discover_roots(str(repo))} == roots
    assert {item.root for item in discover_roots(str(repo))} == roots


def test_a_folder_inside_a_repository_is_listed_from_itself(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, {"project/job.py": "print(1)\n", "other/job.py": STEP.format("outside")})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "two projects")
    (repo / "project/job.py").write_text(STEP.format("src"))  # changed, not staged
    assert [item.root for item in discover_roots(str(repo / "project"))] == ["src"]
    assert [item.root for item in fresh(repo / "project", monkeypatch)] == ["src"]


def test_a_partial_clone_fetches_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = make_repo(tmp_path / "origin")
    write(origin, {"here/job.py": STEP.format("src"), "away/job.py": STEP.format("far")})
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "two jobs")
    git(origin, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{origin}", str(clone))
    git(clone, "sparse-checkout", "set", "here")
    git(clone, "checkout", "-q", "main")

    def objects() -> int:
        return len(git(clone, "cat-file", "--batch-all-objects", "--batch-check").splitlines())

    before = objects()
    assert [item.root for item in discover_roots(str(clone))] == ["here/src"]
    assert [item.root for item in fresh(clone, monkeypatch)] == ["here/src"]
    assert objects() == before, "a blob was fetched"


def test_a_file_a_smudge_filter_writes_is_read_from_the_work_tree(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "config", "filter.hide.clean", "sed s/azureml/xxxxxxx/")  # committed without the word
    git(repo, "config", "filter.hide.smudge", "cat")
    write(repo, {".gitattributes": "hidden.py filter=hide\n", "hidden.py": STEP.format("src"),
                 "plain.py": "print(1)\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "filtered")
    assert "azureml" not in git(repo, "show", "HEAD:hidden.py")
    cold = repository_candidates(str(repo), {})
    assert cold is not None and [os.path.basename(path) for path in cold.candidates] == ["hidden.py"]
    assert [item.root for item in discover_roots(str(repo))] == ["src"]
    assert [item.root for item in fresh(repo, monkeypatch)] == ["src"]


def test_roots_are_reused_only_while_everything_read_is_the_same(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, {
        "jobs/settings.py": "FOLDER = 'src'\n",
        "jobs/submit.py": """
            from azureml.core import ScriptRunConfig
            from settings import FOLDER
            a = ScriptRunConfig(source_directory=FOLDER, script="train.py")
            b = ScriptRunConfig(source_directory="shared", script="run.py")
            c = ScriptRunConfig(source_directory="~/elsewhere", script="run.py")
            """,
        "jobs/src/train.py": "",
    })
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "jobs")
    first = discover_roots(str(repo))
    entries = kept()
    assert discover_roots(str(repo)) == first and kept() == entries, "not reused"
    home = os.path.expanduser("~")
    assert [item.root for item in first] == [
        "jobs/src", "jobs/shared", os.path.relpath(os.path.join(home, "elsewhere"), repo)]

    def changed() -> list[str | None]:
        found = discover_roots(str(repo))
        assert found == fresh(repo, monkeypatch)
        return [item.root for item in found]

    (repo / "jobs/settings.py").write_text("FOLDER = 'sr2'\n")  # unstaged, same size
    assert changed()[0] == "jobs/sr2"
    (repo / "shared").mkdir()  # an empty folder: nothing git lists, but where a path leads
    assert changed()[1] == "shared"
    monkeypatch.setenv("HOME", str(repo / "home"))
    assert changed()[2] == "home/elsewhere"
    settings = repo / "jobs/settings.py"
    before = settings.stat()
    settings.write_text("FOLDER = 'sr3'\n")  # same size, same modification time
    os.utime(settings, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert changed()[0] == "jobs/sr3"
    write(repo, {"more/job.py": STEP.format("extra")})  # untracked
    assert "more/extra" in changed()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "all")
    roots = changed()
    entries = kept()
    assert [item.root for item in discover_roots(str(repo))] == roots and kept() == entries


def test_a_file_changed_moments_ago_is_recorded_by_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "job.py")
    Path(path).write_text(STEP.format("src"))
    inputs = Inputs(str(tmp_path))
    assert inputs.read_text(path) == STEP.format("src")
    recorded = inputs.reads[path]
    assert recorded.identity is not None and recorded.digest is not None
    assert inputs.unchanged()
    # the same identity with other content: what a rewrite within one timestamp tick looks like
    inputs.reads[path] = dataclasses.replace(recorded, digest="0" * 64)
    assert not inputs.unchanged()
    monkeypatch.setattr(discover_files, "_RACY_NS", -10**18)  # as if the file had been written long ago
    older = Inputs(str(tmp_path))
    older.read_text(path)
    assert older.reads[path].digest is None and older.unchanged()
    Path(path).write_text(STEP.format("srd"))
    assert not older.unchanged()


def test_no_record_of_another_run_changes_a_result(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrapper exporting PRE_COMMIT, a PID namespace, a run killed while it kept its result: each
    run finds what a run without any cache finds."""
    write(repo, {f"pkg{index}/job.py": STEP.format(f"src{index}") for index in range(60)})
    script = ("import json, sys\nfrom snapshot_guard.discover import discover_roots\n"
              "print(json.dumps([item.root for item in discover_roots(sys.argv[1])]))\n")

    def run(*prefix: str) -> list[str]:
        result = subprocess.run([*prefix, sys.executable, "-c", script, str(repo)],
                                env={**os.environ, "PRE_COMMIT": "1"}, capture_output=True,
                                text=True, check=True)
        roots: list[str] = json.loads(result.stdout)
        assert roots == [item.root for item in fresh(repo, monkeypatch)]
        return roots

    assert len(run()) == 60
    (repo / "pkg7/job.py").write_text(STEP.format("other"))
    assert "pkg7/other" in run()
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "--pid", "--fork", "true"], capture_output=True,
                           check=False) if unshare else None
    if probe is not None and probe.returncode == 0:
        (repo / "pkg8/job.py").write_text(STEP.format("third"))
        assert "pkg8/third" in run(unshare or "", "--pid", "--fork")
    for delay in (0.05, 0.3):
        (repo / "pkg9/job.py").write_text(STEP.format(f"killed{delay}"))
        process = subprocess.Popen([sys.executable, "-c", script, str(repo)],
                                   stdout=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        (repo / "pkg9/job.py").write_text(STEP.format(f"after{delay}"))
        assert f"pkg9/after{delay}" in run()
    folder = cache.folder_path()
    assert folder is not None
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if not name.startswith("."):
            with open(path, "r+b") as handle:  # what a disk that lost the end of a write leaves
                handle.truncate(os.path.getsize(path) // 2)
    (repo / "pkg9/job.py").write_text(STEP.format("truncated"))
    assert "pkg9/truncated" in run()


def test_another_users_entry_is_never_read(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("runuser") is None:
        pytest.skip("creating a second user needs root, useradd and runuser")
    subprocess.run(["useradd", "--no-create-home", "sg-other"], capture_output=True, check=False)
    write(repo, {"submit.py": STEP.format("src")})
    shared = Path(tempfile.mkdtemp(prefix="sg-shared-", dir="/tmp"))
    try:
        os.chmod(shared, 0o1777)
        monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
        assert [item.root for item in discover_roots(str(repo))] == ["src"]
        folder = shared / "snapshot-guard"
        (name,) = [name for name in os.listdir(folder) if name.startswith("discover-")]
        entry = json.loads(cache.read(name) or b"")
        entry["roots"] = []  # the entry another user would plant: nothing to check here
        cache.write(name, json.dumps(entry).encode())
        assert discover_roots(str(repo)) == [], "the planted entry is well formed"
        (shared / "planted").write_bytes((folder / name).read_bytes())
        os.chmod(shared / "planted", 0o644)
        shutil.rmtree(folder)
        subprocess.run(["runuser", "-u", "sg-other", "--", "sh", "-c",
                        f"umask 022 && mkdir -m 777 {folder} && cp {shared / 'planted'} {folder / name}"
                        f" && chmod 600 {folder / name}"], check=True)
        assert [item.root for item in discover_roots(str(repo))] == ["src"]
    finally:
        shutil.rmtree(shared)


def test_a_pipe_named_like_code_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"job.py": STEP.format("src")})
    os.mkfifo(tmp_path / "waits.py")
    script = ("import sys\nfrom snapshot_guard.discover import discover_roots\n"
              "print(len(discover_roots(sys.argv[1])))\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                            text=True, timeout=120, check=True)
    assert result.stdout.strip() == "1"


CORPUS_MODULE = Path(__file__).resolve().parent.parent / "benchmarks" / "discover_corpus.py"


@pytest.mark.parametrize("state", ["committed", "staged", "untracked"])
def test_the_corpus_finds_the_same_roots_with_and_without_a_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state: str
) -> None:
    spec = importlib.util.spec_from_file_location("discover_corpus", CORPUS_MODULE)
    assert spec is not None and spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    for name, (files, _) in corpus.CORPUS.items():
        plain = tmp_path / "plain" / name
        corpus._build(str(plain), files)
        top = make_repo(tmp_path / state / name)
        corpus._build(str(top), files)
        if state != "untracked":
            git(top, "add", "-A")
        if state == "committed":
            git(top, "commit", "-qm", "corpus")
        expected = [dataclasses.astuple(item) for item in discover_roots(str(plain))]
        assert expected, name
        assert [dataclasses.astuple(item) for item in fresh(top, monkeypatch)] == expected
        assert [dataclasses.astuple(item) for item in discover_roots(str(top))] == expected
        assert [dataclasses.astuple(item) for item in discover_roots(str(top))] == expected


REAL_REPOSITORIES = Path("/work/repos")


@pytest.mark.slow  # reads every real repository three times
@pytest.mark.skipif(not REAL_REPOSITORIES.is_dir(), reason="the real repositories are not here")
@pytest.mark.parametrize("name", sorted(path.name for path in REAL_REPOSITORIES.glob("*+*"))
                         if REAL_REPOSITORIES.is_dir() else [])
def test_real_repositories_find_the_same_roots_with_and_without_a_cache(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = REAL_REPOSITORIES / name
    expected = fresh(top, monkeypatch)
    assert discover_roots(str(top)) == expected
    assert discover_roots(str(top)) == expected
