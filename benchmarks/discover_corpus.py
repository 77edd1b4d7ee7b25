"""Recall and precision of root discovery on hand-labelled mini-repositories.

Builds, in a temporary folder, repositories in the shapes public Azure ML projects take (an SDK v1
MLOps template, v1 sample notebooks, CLI v2 job and component YAML, SDK v2 pipelines and mldesigner
components, and a repository full of look-alikes), each with the roots a careful reader finds by
hand, and prints what :func:`snapshot_guard.discover.discover_roots` finds against them.

A root counts per place it is declared: ``(file, root)``. An unresolved root (``root`` None) is a
miss when the reader could resolve it, and never a false positive.

    python benchmarks/discover_corpus.py [--verbose]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import textwrap
import time

from snapshot_guard.discover import discover_roots

Label = tuple[str, str]
"""``(file, root)``, both POSIX relative to the repository top."""


def _notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                   "source": textwrap.dedent(cell).lstrip("\n").splitlines(keepends=True)}
                  for cell in cells],
        "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5,
    }, indent=1)


V1_MLOPS = {
    "ml_service/util/env_variables.py": """
        import os
        class Env:
            def __init__(self):
                self.sources_directory_train = os.environ.get("SOURCES_DIR_TRAIN")
        """,
    "ml_service/pipelines/build_train_pipeline.py": """
        import os
        from azureml.core import Workspace
        from azureml.pipeline.core import Pipeline, PipelineData
        from azureml.pipeline.steps import PythonScriptStep
        from ml_service.util.env_variables import Env

        SOURCES = "diabetes_regression"

        def main():
            e = Env()
            train_step = PythonScriptStep(
                name="Train Model",
                script_name="training/train_aml.py",
                source_directory=SOURCES,
                allow_reuse=False,
            )
            evaluate_step = PythonScriptStep(
                name="Evaluate Model ",
                script_name="evaluate/evaluate_model.py",
                source_directory=SOURCES,
            )
            register_step = PythonScriptStep(
                name="Register Model ",
                script_name="register/register_model.py",
                source_directory=os.path.join(SOURCES),
            )
            pipeline = Pipeline(workspace=None, steps=[train_step, evaluate_step, register_step])

        if __name__ == "__main__":
            main()
        """,
    "ml_service/pipelines/run_parallel_batchscore.py": """
        from azureml.pipeline.steps import ParallelRunConfig, ParallelRunStep, PythonScriptStep
        SCORING = "diabetes_regression/scoring"
        config = ParallelRunConfig(
            entry_script="parallel_batchscore.py",
            source_directory=SCORING,
            error_threshold=1,
            output_action="append_row",
            environment=None,
            compute_target=None,
            node_count=1,
        )
        score = ParallelRunStep(name="score", parallel_run_config=config, inputs=[])
        copy = PythonScriptStep(name="copy", script_name="copy.py", source_directory=SCORING)
        """,
    "diabetes_regression/training/train_aml.py": "from azureml.core import Run\nrun = Run.get_context()\n",
    "diabetes_regression/scoring/parallel_batchscore.py": "",
    "experimentation/train_local.py": """
        from azureml.core import Experiment, ScriptRunConfig, Workspace
        ws = Workspace.from_config()
        config = ScriptRunConfig(source_directory="../diabetes_regression/training",
                                 script="train.py")
        Experiment(ws, "local").submit(config)
        """,
}
V1_MLOPS_LABELS = [
    ("ml_service/pipelines/build_train_pipeline.py", "diabetes_regression"),
    ("ml_service/pipelines/run_parallel_batchscore.py", "diabetes_regression/scoring"),
    ("experimentation/train_local.py", "diabetes_regression/training"),
]

V1_NOTEBOOKS = {
    "how-to-use-azureml/training/train-sklearn/train-sklearn.ipynb": _notebook(
        """
        import os
        from azureml.core import Experiment, Workspace, ScriptRunConfig
        ws = Workspace.from_config()
        script_folder = './sklearn-mnist'
        os.makedirs(script_folder, exist_ok=True)
        """,
        """
        %%writefile $script_folder/train.py
        import argparse
        print("training")
        """,
        """
        src = ScriptRunConfig(source_directory=script_folder, script='train.py',
                              compute_target=compute_target, environment=env)
        run = Experiment(ws, 'sklearn').submit(config=src)
        """,
    ),
    "how-to-use-azureml/tracking/logging-api/logging-api.ipynb": _notebook(
        """
        from azureml.core import Experiment, Workspace
        ws = Workspace.from_config()
        exp = Experiment(workspace=ws, name='logging-api-test')
        run = exp.start_logging()
        run.log('alpha', 0.1)
        """,
        "quiet = exp.start_logging(snapshot_directory=None)\n",
    ),
    "how-to-use-azureml/pipelines/intro/pipeline-intro.ipynb": _notebook(
        """
        import os
        from azureml.pipeline.core import Pipeline
        from azureml.pipeline.steps import PythonScriptStep
        source_directory = os.path.join(os.getcwd(), 'scripts')
        """,
        """
        step1 = PythonScriptStep(name="train_step", script_name="train.py",
                                 compute_target=aml_compute, source_directory=source_directory)
        step2 = PythonScriptStep(name="compare_step", script_name="compare.py",
                                 compute_target=aml_compute, source_directory=source_directory)
        step3 = PythonScriptStep(name="extract_step", script_name="extract.py",
                                 compute_target=aml_compute)
        pipeline1 = Pipeline(workspace=ws, steps=[step1, step2, step3])
        """,
    ),
    "how-to-use-azureml/pipelines/intro/scripts/train.py": "print('train')\n",
    "how-to-use-azureml/ml-frameworks/pytorch/pytorch.ipynb": _notebook(
        """
        import shutil
        from azureml.train.dnn import PyTorch
        from azureml.train.hyperdrive import HyperDriveConfig
        project_folder = './pytorch-birds'
        shutil.copy('pytorch_train.py', project_folder)
        estimator = PyTorch(source_directory=project_folder, entry_script='pytorch_train.py')
        hyperdrive_config = HyperDriveConfig(estimator=estimator, max_total_runs=8)
        """,
    ),
}
V1_NOTEBOOKS_LABELS = [
    ("how-to-use-azureml/training/train-sklearn/train-sklearn.ipynb",
     "how-to-use-azureml/training/train-sklearn/sklearn-mnist"),
    ("how-to-use-azureml/tracking/logging-api/logging-api.ipynb",
     "how-to-use-azureml/tracking/logging-api"),
    ("how-to-use-azureml/pipelines/intro/pipeline-intro.ipynb",
     "how-to-use-azureml/pipelines/intro/scripts"),
    ("how-to-use-azureml/pipelines/intro/pipeline-intro.ipynb", "how-to-use-azureml/pipelines/intro"),
    ("how-to-use-azureml/ml-frameworks/pytorch/pytorch.ipynb",
     "how-to-use-azureml/ml-frameworks/pytorch/pytorch-birds"),
]

V2_CLI = {
    "cli/jobs/single-step/lightgbm/iris/job.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
        code: src
        command: python main.py --iris-csv ${{inputs.iris_csv}}
        environment: azureml:AzureML-lightgbm-3.2-ubuntu18.04-py37-cpu@latest
        compute: azureml:cpu-cluster
        """,
    "cli/jobs/single-step/lightgbm/iris/src/main.py": "",
    "cli/jobs/single-step/lightgbm/iris-sweep/job.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
        type: sweep
        trial:
          code: ../iris/src
          command: python main.py
          environment: azureml:lightgbm:1
        sampling_algorithm: random
        """,
    "cli/jobs/pipelines/nyc-taxi/pipeline.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
        type: pipeline
        jobs:
          prep_job:
            type: command
            code: src/prep
            command: python prep.py
          transform_job:
            type: command
            code: src/transform
            command: python transform.py
          train_job:
            type: command
            component: ./train.yml
        """,
    "cli/jobs/pipelines/nyc-taxi/train.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
        type: command
        name: train
        code: ./src/train
        command: python train.py
        """,
    "cli/jobs/pipelines/nyc-taxi/src/prep/prep.py": "",
    "cli/jobs/spark/job.yml": """
        $schema: http://azureml/sdk-2-0/SparkJob.json
        type: spark
        code: ./src
        entry:
          file: titanic.py
        """,
    "cli/jobs/basics/hello-code.yml": """
        type: command
        code: .
        command: ls
        """,
    "cli/jobs/basics/hello-world.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
        command: echo "hello world"
        environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
        """,
    "cli/jobs/basics/hello-registered-code.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
        code: azureml:my-code:1
        command: python hello.py
        """,
    "cli/endpoints/online/managed/sample/blue-deployment.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
        name: blue
        code_configuration:
          code: ../../model-1/onlinescoring/
          scoring_script: score.py
        """,
    "cli/assets/environment/docker-context.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
        build:
          path: docker-contexts/python-and-pip
        """,
    ".github/workflows/cli-jobs.yml": """
        name: cli-jobs
        on: [push]
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: az ml job create -f job.yml
        """,
}
V2_CLI_LABELS = [
    ("cli/jobs/single-step/lightgbm/iris/job.yml", "cli/jobs/single-step/lightgbm/iris/src"),
    ("cli/jobs/single-step/lightgbm/iris-sweep/job.yml", "cli/jobs/single-step/lightgbm/iris/src"),
    ("cli/jobs/pipelines/nyc-taxi/pipeline.yml", "cli/jobs/pipelines/nyc-taxi/src/prep"),
    ("cli/jobs/pipelines/nyc-taxi/pipeline.yml", "cli/jobs/pipelines/nyc-taxi/src/transform"),
    ("cli/jobs/pipelines/nyc-taxi/train.yml", "cli/jobs/pipelines/nyc-taxi/src/train"),
    ("cli/jobs/spark/job.yml", "cli/jobs/spark/src"),
    ("cli/jobs/basics/hello-code.yml", "cli/jobs/basics"),
]

V2_SDK = {
    "sdk/jobs/single-step/train.ipynb": _notebook(
        """
        from azure.ai.ml import MLClient, command, Input
        from azure.identity import DefaultAzureCredential
        """,
        """
        job = command(
            code="./src",
            command="python main.py --data ${{inputs.data}}",
            inputs={"data": Input(type="uri_file", path="https://example.invalid/iris.csv")},
            environment="AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest",
        )
        ml_client.create_or_update(job)
        """,
    ),
    "sdk/jobs/pipelines/build.py": """
        from pathlib import Path
        from azure.ai.ml import load_component
        from azure.ai.ml.dsl import pipeline

        HERE = Path(__file__).parent
        prep = load_component(source=HERE / "components" / "prep.yml")
        train = load_component(source=str(HERE / "components" / "train.yml"))

        @pipeline(default_compute="cpu-cluster")
        def flow(data):
            prepped = prep(raw=data)
            train(data=prepped.outputs.out)
        """,
    "sdk/jobs/pipelines/components/prep.yml": """
        name: prep
        type: command
        code: ../src
        command: python prep.py
        """,
    "sdk/jobs/pipelines/components/train.yml": """
        $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
        name: train
        type: command
        code: ../src
        command: python train.py
        """,
    "sdk/jobs/pipelines/src/prep.py": "",
    "sdk/mldesigner/components/train/train_component.py": """
        from mldesigner import command_component, Input, Output
        @command_component(name="train_model", environment="./env.yaml")
        def train_model(data: Input(type="uri_folder"), model: Output(type="uri_folder")):
            pass
        """,
    "sdk/jobs/spark/submit.py": """
        import os
        from azure.ai.ml import spark
        job = spark(code=os.path.join(os.path.dirname(__file__), "src"), entry={"file": "a.py"})
        """,
}
V2_SDK_LABELS = [
    ("sdk/jobs/single-step/train.ipynb", "sdk/jobs/single-step/src"),
    ("sdk/jobs/pipelines/build.py", "sdk/jobs/pipelines/src"),
    ("sdk/jobs/pipelines/components/prep.yml", "sdk/jobs/pipelines/src"),
    ("sdk/jobs/pipelines/components/train.yml", "sdk/jobs/pipelines/src"),
    ("sdk/mldesigner/components/train/train_component.py", "sdk/mldesigner/components/train"),
    ("sdk/jobs/spark/submit.py", "sdk/jobs/spark/src"),
]

LOOK_ALIKES = {
    "sagemaker/train.py": """
        from sagemaker.pytorch import PyTorch
        estimator = PyTorch(entry_point="train.py", source_dir="src", role="r")
        """,
    "cli/tool.py": """
        import click
        @click.command()
        def command(code="x"):
            pass
        command(code="src")
        """,
    "docker-compose.yml": "services:\n  app:\n    build: .\n    code: ./app\n",
    "azure-pipelines.yml": "jobs:\n- job: build\n  steps:\n  - script: echo\n",
    ".venv/lib/python3.11/site-packages/azureml/core/script_run_config.py": """
        from azureml.core import ScriptRunConfig
        ScriptRunConfig(source_directory=".")
        """,
    ".venv/pyvenv.cfg": "home = /usr/bin\n",
    "notebooks/.ipynb_checkpoints/explore-checkpoint.ipynb": _notebook(
        "from azureml.core import Experiment\nrun = exp.start_logging()\n"),
    "notebooks/explore.ipynb": _notebook(
        "from azureml.core import Experiment\nrun = exp.start_logging(snapshot_directory=None)\n"),
    "training/submit.py": """
        import argparse
        from azureml.core import ScriptRunConfig
        from azureml.core.runconfig import RunConfiguration
        parser = argparse.ArgumentParser()
        parser.add_argument("--source")
        args = parser.parse_args()
        rc = RunConfiguration()
        src = ScriptRunConfig(source_directory=args.source, script="train.py")
        """,
}
LOOK_ALIKES_LABELS: list[Label] = []
"""``training/submit.py`` takes its root from the command line: a reader cannot resolve it either."""

HELPERS = {
    "pipelines/factory.py": """
        import os
        from azureml.pipeline.steps import PythonScriptStep
        from azureml.pipeline.core import Pipeline

        STEPS_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "steps")

        def make_step(name, folder=None):
            return PythonScriptStep(name=name, script_name=f"{name}.py",
                                    source_directory=os.path.join(STEPS_DIR, folder or name))

        def build():
            steps = [make_step(name) for name in ("ingest", "featurize")]
            steps.append(make_step("train", folder="training"))
            return Pipeline(workspace=None, steps=steps)
        """,
    "steps/ingest/ingest.py": "", "steps/training/train.py": "",
    "jobs/submit_all.py": """
        from azureml.core import ScriptRunConfig
        for name in ["a", "b", "c"]:
            ScriptRunConfig(source_directory="experiments/{}".format(name), script="run.py")
        """,
    "experiments/a/run.py": "",
}
HELPERS_LABELS = [
    ("pipelines/factory.py", "steps/ingest"),
    ("pipelines/factory.py", "steps/featurize"),
    ("pipelines/factory.py", "steps/training"),
    ("jobs/submit_all.py", "experiments/a"),
    ("jobs/submit_all.py", "experiments/b"),
    ("jobs/submit_all.py", "experiments/c"),
]

CROSS_MODULE = {
    "mlops/__init__.py": "",
    "mlops/settings.py": """
        from pathlib import Path
        REPO = Path(__file__).resolve().parents[1]
        COMPONENTS = REPO / "components"
        SCORING_DIR = "scoring"
        """,
    "mlops/steps.py": """
        from azureml.pipeline.steps import PythonScriptStep

        def python_step(name, folder, compute):
            return PythonScriptStep(name=name, script_name=f"{name}.py", source_directory=folder,
                                    compute_target=compute)
        """,
    "mlops/build.py": """
        from azureml.pipeline.core import Pipeline
        from mlops.settings import COMPONENTS, SCORING_DIR
        from mlops.steps import python_step

        prep = python_step("prep", COMPONENTS / "prep", "cpu")
        train = python_step("train", str(COMPONENTS / "train"), "gpu")
        score = python_step("score", SCORING_DIR, "cpu")
        pipeline = Pipeline(workspace=None, steps=[prep, train, score])
        """,
    "components/prep/prep.py": "", "components/train/train.py": "", "scoring/score.py": "",
}
CROSS_MODULE_LABELS = [
    ("mlops/steps.py", "components/prep"),
    ("mlops/steps.py", "components/train"),
    ("mlops/steps.py", "scoring"),
]

RUN_FROM_TOP = {
    "azureml/training_pipeline.py": """
        from azureml.core import Workspace
        from azureml.pipeline.core import Pipeline
        from azureml.pipeline.steps import CommandStep, PythonScriptStep

        get_raw = PythonScriptStep(name="get_raw_data", script_name="src/data/get_raw_data.py",
                                   source_directory=".")
        segregate = CommandStep(name="segregate", command="python -m src.data.segregate",
                                source_directory=".")
        pipeline = Pipeline(workspace=None, steps=[get_raw, segregate])
        """,
    "src/data/get_raw_data.py": "", "src/data/segregate.py": "",
    "jobs/train.py": """
        from azure.ai.ml import command
        job = command(code="..", command="python src/models/train.py --lr 0.1")
        """,
    "src/models/train.py": "",
}
RUN_FROM_TOP_LABELS = [
    ("azureml/training_pipeline.py", "."),
    ("jobs/train.py", "."),
]

CORPUS = {
    "v1-mlops": (V1_MLOPS, V1_MLOPS_LABELS),
    "v1-notebooks": (V1_NOTEBOOKS, V1_NOTEBOOKS_LABELS),
    "v2-cli": (V2_CLI, V2_CLI_LABELS),
    "v2-sdk": (V2_SDK, V2_SDK_LABELS),
    "look-alikes": (LOOK_ALIKES, LOOK_ALIKES_LABELS),
    "helpers": (HELPERS, HELPERS_LABELS),
    "cross-module": (CROSS_MODULE, CROSS_MODULE_LABELS),
    "run-from-top": (RUN_FROM_TOP, RUN_FROM_TOP_LABELS),
}
LARGE_FILES = 5000
"""Files of the generated repository whose walk is timed that hold no Azure ML code."""
AML_FILES = 500
_AML_MODULE = """
import os
from azureml.core import ScriptRunConfig
from azureml.pipeline.steps import PythonScriptStep

HERE = os.path.dirname(os.path.abspath(__file__))


def make_step(name, folder):
    return PythonScriptStep(name=name, script_name="run.py", source_directory=folder)


steps = [make_step(f"step{{i}}", os.path.join(HERE, "..", "src")) for i in range(3)]
config = ScriptRunConfig(source_directory="../src/{index}", script="train.py")
"""


def _build(top: str, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = os.path.join(top, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text).lstrip("\n"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list misses and false positives")
    args = parser.parse_args()
    totals = [0, 0, 0]
    with tempfile.TemporaryDirectory() as base:
        print(f"{'repository':14} {'expected':>8} {'found':>6} {'right':>6} {'unresolved':>10}")
        for name, (files, labels) in CORPUS.items():
            top = os.path.join(base, name)
            _build(top, files)
            started = time.perf_counter()
            declared = discover_roots(top)
            elapsed = time.perf_counter() - started
            found = {(item.file, item.root) for item in declared if item.root is not None}
            unresolved = sum(item.root is None for item in declared)
            expected = set(labels)
            right = expected & found
            totals = [totals[0] + len(expected), totals[1] + len(found), totals[2] + len(right)]
            print(f"{name:14} {len(expected):8} {len(found):6} {len(right):6} {unresolved:10}"
                  f"   ({elapsed * 1000:.0f} ms)")
            if args.verbose:
                for label in sorted(expected - found):
                    print(f"    missed: {label}")
                for label in sorted(found - expected):
                    print(f"    false positive: {label}")
        large = os.path.join(base, "large")
        _build(large, {f"pkg{index // 100}/module{index}.py": "import os\nVALUE = os.sep\n"
                       for index in range(LARGE_FILES)})
        _build(large, {f"jobs/job{index}.yml": "type: command\ncode: ../src\ncommand: x\n"
                       for index in range(50)})
        _build(large, {f"aml/step{index}.py": _AML_MODULE.format(index=index)
                       for index in range(AML_FILES)})
        _build(large, V1_MLOPS)
        started = time.perf_counter()
        found_large = discover_roots(large)
        elapsed = time.perf_counter() - started
        print(f"walk of {LARGE_FILES + AML_FILES + 50 + len(V1_MLOPS)} files "
              f"({AML_FILES + len(V1_MLOPS)} with Azure ML code): {elapsed:.2f} s, "
              f"{len(found_large)} roots declared")
    expected_total, found_total, right_total = totals
    recall = right_total / expected_total if expected_total else 1.0
    precision = right_total / found_total if found_total else 1.0
    print(f"recall {recall:.3f} ({right_total}/{expected_total}), "
          f"precision {precision:.3f} ({right_total}/{found_total})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
