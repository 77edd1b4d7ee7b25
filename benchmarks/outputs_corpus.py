"""Recall and precision of the write analysis on hand-labelled training projects.

Each project is a snapshot root as people write them: scripts, configuration modules, helpers,
notebooks a job runs, job YAML, and the traps (paths the job's command line or environment sets,
files uploaded, copied or read back, code that is not the job's). A line that loses a write carries
a label comment ``# lost: PATH`` (the path as reported, ``*`` for an unknown part) on the line the
finding must point at: the write itself, or the call that passes a helper its path. Every finding
without a label is a false alarm; every label without a finding, a miss.

The sets: ``dev`` was written first and the analysis grew with it; ``dev-2`` and ``dev-3`` were each
written as a held-out set, scored once (see their notes), and then the analysis grew with them too;
``held-out`` and ``held-out-2`` to ``held-out-5`` were each written before the analysis changed
again, from project shapes and libraries the sets before them do not use, and scored once as
written (their notes give that first score; the analysis then grew by families of writers and
kinds of data flow, never by a case for one label).

    python benchmarks/outputs_corpus.py [--set dev|dev-2|dev-3|held-out|held-out-N|all] [--verbose]
"""
# ruff: noqa: E501  (the projects are code as people write it, long lines included)
from __future__ import annotations

import argparse
import dataclasses
import json
import posixpath
import re
import textwrap
import time

from snapshot_guard.writes import find_lost_writes, strip_dot

_LABEL = re.compile(r"#\s*lost:\s*(.+?)\s*$")


@dataclasses.dataclass(frozen=True)
class Project:
    name: str
    files: dict[str, str]
    commands: tuple[str, ...] | None = None
    """The command lines discovery finds for the root's jobs (None: not known)."""


def notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                   "source": textwrap.dedent(cell).lstrip("\n").splitlines(keepends=True)}
                  for cell in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }, indent=1)


# --- dev ---------------------------------------------------------------------------------------

DEV = [
    Project("sklearn-argparse-job-yaml", {
        "train.py": """
            import argparse
            import json
            import os

            import joblib
            import matplotlib.pyplot as plt
            import mlflow
            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.metrics import ConfusionMatrixDisplay

            parser = argparse.ArgumentParser()
            parser.add_argument("--data", type=str)
            parser.add_argument("--n-estimators", type=int, default=100)
            parser.add_argument("--model-dir", type=str, default="model")
            parser.add_argument("--report-dir", type=str, default="./outputs/report")
            args = parser.parse_args()

            frame = pd.read_csv(args.data)
            model = RandomForestClassifier(args.n_estimators).fit(frame.drop(columns="y"), frame.y)
            os.makedirs(args.model_dir, exist_ok=True)
            joblib.dump(model, os.path.join(args.model_dir, "model.pkl"))  # lost: model/model.pkl
            ConfusionMatrixDisplay.from_estimator(model, frame.drop(columns="y"), frame.y)
            plt.savefig("confusion_matrix.png")  # lost: confusion_matrix.png
            plt.savefig(os.path.join(args.report_dir, "roc.png"))
            with open("metrics.json", "w") as handle:
                json.dump({"accuracy": 1.0}, handle)
            mlflow.log_artifact("metrics.json")
            frame.to_csv(os.path.join("outputs", "predictions.csv"), index=False)
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python train.py --data ${{inputs.data}} --n-estimators 200
            environment: azureml:sklearn:1
            """,
    }),
    Project("torch-trainer-config-module", {
        "config.py": """
            from dataclasses import dataclass

            @dataclass
            class TrainConfig:
                epochs: int = 10
                lr: float = 1e-3
                checkpoint_dir: str = "checkpoints"
                export_dir: str = "outputs/export"
            """,
        "trainer.py": """
            import os
            import torch

            class Trainer:
                def __init__(self, model, config):
                    self.model = model
                    self.config = config
                    self.history_file = "history.csv"

                def save_checkpoint(self, epoch):
                    path = os.path.join(self.config.checkpoint_dir, f"epoch_{epoch}.pt")
                    torch.save(self.model.state_dict(), path)

                def export(self):
                    torch.save(self.model, os.path.join(self.config.export_dir, "model.pt"))

                def write_history(self, rows):
                    with open(self.history_file, "w") as handle:  # lost: history.csv
                        handle.writelines(rows)
            """,
        "train.py": """
            import torch
            from config import TrainConfig
            from trainer import Trainer

            config = TrainConfig()
            trainer = Trainer(torch.nn.Linear(2, 1), config)
            for epoch in range(config.epochs):
                trainer.save_checkpoint(epoch)  # lost: checkpoints/epoch_*.pt
            trainer.export()
            torch.save(trainer.model.state_dict(), "final_weights.pt")  # lost: final_weights.pt
            """,
    }),
    Project("helpers-module", {
        "utils/__init__.py": "",
        "utils/io.py": """
            import json
            import os
            import matplotlib.pyplot as plt

            def save_figure(fig, name, folder="figures"):
                os.makedirs(folder, exist_ok=True)
                fig.savefig(os.path.join(folder, name))

            def save_json(obj, path):
                with open(path, "w") as handle:
                    json.dump(obj, handle)
            """,
        "train.py": """
            import matplotlib.pyplot as plt
            from utils.io import save_figure, save_json

            fig, ax = plt.subplots()
            save_figure(fig, "roc.png")  # lost: figures/roc.png
            save_figure(fig, "pr.png", folder="outputs/figures")
            save_json({"auc": 0.9}, "outputs/metrics.json")
            save_json({"lr": 0.1}, "config_used.json")  # lost: config_used.json
            """,
    }),
    Project("notebook-by-papermill", {
        "train.ipynb": notebook(
            """
            %matplotlib inline
            import pandas as pd
            import matplotlib.pyplot as plt
            """,
            """
            def save_plot(fig, name):
                fig.savefig(name)
            """,
            """
            frame = pd.read_parquet("data.parquet")
            features = frame.describe()
            features.to_parquet("features.parquet")  # lost: features.parquet
            """,
            """
            fig = plt.figure()
            save_plot(fig, "distribution.png")  # lost: distribution.png
            save_plot(fig, "outputs/distribution.png")
            """,
        ),
        "run.sh": "papermill train.ipynb outputs/train-run.ipynb\n",
    }),
    Project("boosting-libraries", {
        "train.py": """
            import pickle
            import joblib
            import lightgbm as lgb
            import xgboost as xgb
            from catboost import CatBoostRegressor

            booster = xgb.train(params, dtrain)
            booster.save_model("xgb_model.json")  # lost: xgb_model.json
            regressor = lgb.LGBMRegressor().fit(x, y)
            regressor.booster_.save_model("lgb_model.txt")  # lost: lgb_model.txt
            cat = CatBoostRegressor().fit(x, y)
            cat.save_model("outputs/catboost.cbm")
            joblib.dump(regressor, "outputs/regressor.joblib")
            pickle.dump(booster, open("booster.pkl", "wb"))  # lost: booster.pkl
            """,
    }),
    Project("paths-beside-the-script", {
        "src/train.py": """
            import os
            from pathlib import Path
            import joblib

            HERE = Path(__file__).resolve().parent
            ARTIFACTS = HERE / "artifacts"
            ARTIFACTS.mkdir(exist_ok=True)
            joblib.dump(model, ARTIFACTS / "model.pkl")  # lost: src/artifacts/model.pkl
            OUT = Path("outputs")
            joblib.dump(model, OUT / "model.pkl")
            SCRIPT_DIR = os.path.dirname(os.path.realpath(__file__))
            joblib.dump(scaler, os.path.join(SCRIPT_DIR, "scaler.pkl"))  # lost: src/scaler.pkl
            """,
    }),
    Project("keras-callbacks", {
        "train.py": """
            import tensorflow as tf
            from tensorflow import keras

            model = keras.Sequential([keras.layers.Dense(1)])
            callbacks = [
                keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True),  # lost: best.keras
                keras.callbacks.CSVLogger("training_log.csv"),  # lost: training_log.csv
                keras.callbacks.TensorBoard(log_dir="logs/tensorboard"),
            ]
            model.fit(x, y, callbacks=callbacks)
            model.save("saved_model.keras")  # lost: saved_model.keras
            model.save("outputs/model.keras")
            """,
    }),
    Project("what-only-the-run-knows", {
        "train.py": """
            import argparse, os, sys, tempfile, shutil, subprocess
            import torch, yaml
            from azureml.core import Run

            parser = argparse.ArgumentParser()
            parser.add_argument("--output", required=True)
            parser.add_argument("--cache", default="cache")
            args = parser.parse_args()
            config = yaml.safe_load(open("config.yaml"))
            run = Run.get_context()
            torch.save(model, os.path.join(args.output, "model.pt"))
            torch.save(model, os.path.join(args.cache, "model.pt"))  # lost: cache/model.pt
            torch.save(model, config["checkpoint"])
            torch.save(model, os.path.join(os.environ["AZUREML_MODEL_DIR"], "m.pt"))
            torch.save(model, os.path.join(tempfile.mkdtemp(), "tmp.pt"))
            torch.save(model, "/tmp/model.pt")
            torch.save(model, "scratch.pt")
            model = torch.load("scratch.pt")
            torch.save(model, "copy_me.pt")
            shutil.copy("copy_me.pt", "outputs/")
            torch.save(model, "upload_me.pt")
            run.upload_file("outputs/upload_me.pt", "upload_me.pt")
            torch.save(model, "tool_input.pt")
            subprocess.run([sys.executable, "evaluate.py", "--model", "tool_input.pt"], check=True)
            torch.save(model, "removed.pt")
            os.remove("removed.pt")
            torch.save(model, sys.argv[2])
            """,
    }, commands=("python train.py --output ${{outputs.model}}",)),
    Project("not-job-code", {
        "submit.py": """
            from azure.ai.ml import MLClient, command
            job = command(code=".", command="python train.py")
            with open("last_job.txt", "w") as handle:
                handle.write(job.name)
            """,
        "score.py": """
            import json, joblib
            def init():
                global model
                model = joblib.load("model.pkl")
            def run(data):
                open("last_request.json", "w").write(data)
                return json.dumps({"ok": True})
            """,
        "tests/test_train.py": """
            import torch
            def test_save(tmp_path):
                torch.save({}, "test_model.pt")
            """,
        "train.py": """
            import torch
            torch.save(model, "model.pt")  # lost: model.pt
            """,
    }),
    Project("namespace-and-class-settings", {
        "train.py": """
            from types import SimpleNamespace
            from torch.utils.tensorboard import SummaryWriter
            import numpy as np

            class Paths:
                EMBEDDINGS = "embeddings"
                REPORTS = "outputs/reports"

            cfg = SimpleNamespace(run_dir="runs/exp1", seed=1)
            writer = SummaryWriter(cfg.run_dir)  # lost: runs/exp1
            np.save(f"{Paths.EMBEDDINGS}/train.npy", vectors)  # lost: embeddings/train.npy
            np.save(f"{Paths.REPORTS}/summary.npy", summary)
            """,
    }),
    Project("pipeline-steps-commands", {
        "prep.py": """
            import argparse
            import pandas as pd
            parser = argparse.ArgumentParser()
            parser.add_argument("--raw")
            parser.add_argument("--prepared")
            args = parser.parse_args()
            pd.read_csv(args.raw).to_parquet(args.prepared)
            pd.read_csv(args.raw).describe().to_csv("profile.csv")  # lost: profile.csv
            """,
        "train.py": """
            import argparse, os, joblib
            parser = argparse.ArgumentParser()
            parser.add_argument("--prepared")
            parser.add_argument("--model_dir", default="models")
            parser.add_argument("--metrics", default=None)
            args = parser.parse_args()
            joblib.dump(model, os.path.join(args.model_dir, "clf.joblib"))  # lost: models/clf.joblib
            joblib.dump(model, args.metrics or "outputs/metrics.joblib")
            """,
    }, commands=("python prep.py --raw ${{inputs.raw}} --prepared ${{outputs.prepared}}",
                 "python train.py --prepared ${{inputs.prepared}}")),
    Project("hugging-face", {
        "finetune.py": """
            import os
            from transformers import AutoModel, AutoTokenizer, Trainer, TrainingArguments

            OUTPUT_DIR = "./outputs/hf"
            tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
            args = TrainingArguments(output_dir=OUTPUT_DIR)
            trainer = Trainer(model=AutoModel.from_pretrained("bert-base-uncased"), args=args)
            trainer.train()
            trainer.save_model(os.path.join(OUTPUT_DIR, "final"))
            tokenizer.save_pretrained("tokenizer")  # lost: tokenizer
            trainer.model.save_pretrained("./final_model")  # lost: ./final_model
            """,
    }),
]


# --- dev-2: first scored as held-out (recall 0.727, 16/22; precision 1.000, 16/16; one label
# corrected: model.onnx is read back and saved to outputs/), then the analysis grew with it ---------

DEV_2 = [
    Project("lightning-style", {
        "train.py": """
            import pytorch_lightning as pl
            from pytorch_lightning.callbacks import ModelCheckpoint

            class Model(pl.LightningModule):
                def training_step(self, batch, index):
                    return self.loss(batch)

            checkpoint = ModelCheckpoint(dirpath="ckpts", monitor="val_loss")  # lost: ckpts
            trainer = pl.Trainer(default_root_dir="pl_logs", callbacks=[checkpoint])  # lost: pl_logs
            trainer.fit(Model())
            trainer.save_checkpoint("final.ckpt")  # lost: final.ckpt
            trainer.save_checkpoint("outputs/final.ckpt")
            """,
    }),
    Project("pandas-reports", {
        "report.py": """
            import os
            import pandas as pd

            REPORT_DIR = "reports"
            frame = pd.read_csv("data/input.csv")
            frame.describe().to_excel("report.xlsx")  # lost: report.xlsx
            frame.head().to_html(os.path.join(REPORT_DIR, "table.html"))  # lost: reports/table.html
            with pd.ExcelWriter("summary.xlsx") as writer:  # lost: summary.xlsx
                frame.to_excel(writer, sheet_name="all")
            frame.to_json(os.path.join("outputs", "frame.json"))
            frame.to_markdown("README_table.md")  # lost: README_table.md
            """,
    }),
    Project("vision-predictions", {
        "predict.py": """
            import argparse
            import os
            import cv2
            from PIL import Image

            parser = argparse.ArgumentParser()
            parser.add_argument("--images")
            parser.add_argument("--mask-dir", default="masks")
            args = parser.parse_args()
            for index, image in enumerate(load(args.images)):
                cv2.imwrite(f"preds/{index}.png", image)  # lost: preds/*.png
                Image.fromarray(image).save(os.path.join(args.mask_dir, f"{index}.png"))  # lost: masks/*.png
                cv2.imwrite(os.path.join("outputs", f"{index}.png"), image)
            """,
        "predict.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python predict.py --images ${{inputs.images}}
            environment: azureml:vision:1
            """,
    }),
    Project("settings-instance-module", {
        "settings.py": """
            class Settings:
                MODEL_DIR = "model_store"
                LOG_DIR = "logs"

            settings = Settings()
            """,
        "train.py": """
            import os
            import joblib
            from settings import settings

            joblib.dump(model, os.path.join(settings.MODEL_DIR, "m.joblib"))  # lost: model_store/m.joblib
            joblib.dump(model, os.path.join(settings.LOG_DIR, "model.joblib"))
            """,
    }),
    Project("checkpoint-helpers-two-levels", {
        "utils.py": """
            import os
            import torch

            def save_ckpt(state, name, folder="ckpt"):
                os.makedirs(folder, exist_ok=True)
                torch.save(state, os.path.join(folder, name))

            def save_best(state):
                save_ckpt(state, "best.pt")  # lost: ckpt/best.pt

            def save_last(state, folder):
                save_ckpt(state, "last.pt", folder=folder)
            """,
        "train.py": """
            from utils import save_best, save_last
            save_best(state)
            save_last(state, "outputs/ckpt")
            save_last(state, "snapshots")  # lost: snapshots/last.pt
            """,
    }),
    Project("notebook-jobs", {
        "clean.ipynb": notebook(
            """
            import pandas as pd
            frame = pd.read_csv("raw.csv")
            """,
            """
            frame = frame.dropna()
            frame.to_csv("clean.csv", index=False)  # lost: clean.csv
            """,
        ),
        "moves.ipynb": notebook(
            """
            %cd ../shared
            import pandas as pd
            pd.DataFrame().to_csv("elsewhere.csv")
            """,
        ),
        "pipeline.sh": "papermill clean.ipynb out.ipynb && papermill moves.ipynb out2.ipynb\n",
    }),
    Project("environment-and-kept-folders", {
        "train.py": """
            import logging
            import os
            from pathlib import Path

            OUTPUT = os.getenv("OUTPUT_DIR", "outputs")
            Path(OUTPUT).mkdir(exist_ok=True)
            (Path(OUTPUT) / "metrics.json").write_text("{}")
            Path("outputs").mkdir(exist_ok=True)
            (Path("outputs") / "params.json").write_text("{}")
            logging.basicConfig(filename="logs/train.log", level=logging.INFO)
            logging.getLogger().addHandler(logging.FileHandler("debug.log"))  # lost: debug.log
            """,
    }),
    Project("job-and-submitter", {
        "job.py": """
            import numpy as np
            np.savez("arrays.npz", a=np.zeros(3))  # lost: arrays.npz
            np.savez_compressed("outputs/arrays.npz", a=np.zeros(3))
            """,
        "run_pipeline.py": """
            from azureml.core import Experiment, ScriptRunConfig, Workspace
            ws = Workspace.from_config()
            run = Experiment(ws, "x").submit(ScriptRunConfig(source_directory=".", script="job.py"))
            open("run_id.txt", "w").write(run.id)
            """,
    }),
    Project("nlp-libraries", {
        "train.py": """
            import spacy
            from gensim.models import Word2Vec

            nlp = spacy.blank("en")
            nlp.to_disk("ner_model")  # lost: ner_model
            w2v = Word2Vec(sentences)
            w2v.save("word2vec.model")  # lost: word2vec.model
            w2v.wv.save_word2vec_format("vectors.txt")  # lost: vectors.txt
            nlp.to_disk("outputs/ner_model")
            """,
    }),
    Project("optional-command-options", {
        "train.py": """
            import argparse, os, torch
            parser = argparse.ArgumentParser()
            parser.add_argument("--model-dir", default="model")
            parser.add_argument("--log-dir", default="tb")
            args = parser.parse_args()
            torch.save(net, os.path.join(args.model_dir, "net.pt"))
            os.makedirs(args.log_dir, exist_ok=True)
            open(os.path.join(args.log_dir, "events.txt"), "w").write("x")  # lost: tb/events.txt
            """,
        "component.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
            type: command
            code: .
            command: >-
              python train.py $[[--model-dir ${{outputs.model_dir}}]]
            environment: azureml:torch:1
            """,
    }),
    Project("dataclass-cli-arguments", {
        "train.py": """
            from dataclasses import dataclass, field
            import torch
            from transformers import HfArgumentParser

            @dataclass
            class Arguments:
                output_dir: str = field(default="results")
                cache_dir: str = "hf_cache"

            (args,) = HfArgumentParser(Arguments).parse_args_into_dataclasses()
            torch.save(model, f"{args.output_dir}/model.pt")
            defaults = Arguments()
            torch.save(model, f"{defaults.cache_dir}/model.pt")  # lost: hf_cache/model.pt
            """,
    }),
    Project("export-formats", {
        "export.py": """
            import onnx
            import torch

            dummy = torch.zeros(1, 3)
            torch.onnx.export(model, dummy, "model.onnx")
            onnx.save(onnx.load("model.onnx"), "outputs/model.onnx")
            torch.onnx.export(model, dummy, "opset11.onnx", opset_version=11)  # lost: opset11.onnx
            scripted = torch.jit.script(model)
            scripted.save("model_scripted.pt")  # lost: model_scripted.pt
            torch.jit.save(scripted, "outputs/model_scripted.pt")
            """,
    }),
]


# --- dev-3: written as a held-out set after dev and dev-2. First score: recall 0.400 (6/15),
# precision 0.750 (6/8); with its label errors corrected (a second path on one line, a path shown
# normalised, an option the job's command sets): recall 0.533 (8/15), precision 1.000 (8/8). The
# analysis then learnt what a function returns, click and typer options, ray's storage paths, and
# that mlflow.log_image names no local file. Left: a global set in main(), a file archived into an
# archive that is lost (read as used). The global's label then moved from the call of save() to
# the write: the call passes no path, and a path no call passes is labelled at the write (the
# convention above). --------------------------------------------------------------------------------

DEV_3 = [
    Project("splits-and-archives", {
        "prepare.py": """
            import os
            import tarfile
            import zipfile
            import h5py
            import pandas as pd

            OUT = "outputs"
            frame = pd.read_csv("raw.csv")
            for split in ["train", "valid"]:
                frame.sample(frac=0.5).to_csv(f"{split}.csv")  # lost: train.csv, valid.csv
            with tarfile.open("bundle.tar.gz", "w:gz") as archive:  # lost: bundle.tar.gz
                archive.add("train.csv")
            with zipfile.ZipFile(os.path.join(OUT, "bundle.zip"), "w") as archive:
                archive.write("train.csv")
            with h5py.File("features.h5", "w") as store:  # lost: features.h5
                store["x"] = frame.values
            """,
    }),
    Project("module-level-helpers", {
        "common/__init__.py": "",
        "common/paths.py": """
            import os
            BASE = os.getcwd()
            RESULTS = os.path.join(BASE, "results")
            OUTPUTS = os.path.join(BASE, "outputs")

            def results_file(name):
                return os.path.join(RESULTS, name)
            """,
        "evaluate.py": """
            import json
            import joblib
            from common import paths
            from common.paths import RESULTS, OUTPUTS

            joblib.dump(scores, f"{RESULTS}/scores.pkl")  # lost: results/scores.pkl
            joblib.dump(scores, f"{OUTPUTS}/scores.pkl")
            with open(paths.results_file("summary.json"), "w") as handle:  # lost: results/summary.json
                json.dump({}, handle)
            """,
    }),
    Project("click-command", {
        "train.py": """
            import os
            import click
            import torch

            @click.command()
            @click.option("--out", default="exports")
            def main(out):
                torch.save(model, os.path.join(out, "model.pt"))  # lost: exports/model.pt

            if __name__ == "__main__":
                main()
            """,
    }, commands=("python train.py",)),
    Project("embeddings-argparse", {
        "embed.py": """
            import argparse
            import numpy as np
            from transformers import AutoModel

            parser = argparse.ArgumentParser()
            parser.add_argument("--input")
            parser.add_argument("--out-file", default="embeddings.npy")
            parser.add_argument("--model-dir", default="hf_model")
            args = parser.parse_args()
            np.save(args.out_file, np.zeros(3))  # lost: embeddings.npy
            AutoModel.from_pretrained("bert").save_pretrained(args.model_dir)
            """,
        "embed.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python embed.py --input ${{inputs.text}} --model-dir ${{outputs.model}}
            environment: azureml:hf:1
            """,
    }),
    Project("in-memory-and-streams", {
        "plot.py": """
            import io
            import sys
            import matplotlib.pyplot as plt
            import mlflow
            import torch

            buffer = io.BytesIO()
            plt.savefig(buffer, format="png")
            mlflow.log_image(buffer, "plot.png")
            frame.to_csv(sys.stdout)
            torch.save(model, buffer)
            plt.savefig("plot.png")  # lost: plot.png
            """,
    }),
    Project("global-set-in-main", {
        "train.py": """
            import numpy as np
            OUT = None

            def save(array):
                np.save(OUT + "/array.npy", array)  # lost: arrays/array.npy

            def main():
                global OUT
                OUT = "arrays"
                save(np.zeros(3))

            main()
            """,
    }),
    Project("ray-tune", {
        "tune_job.py": """
            from ray import tune
            import joblib as jl

            def trainable(config):
                jl.dump(config, "trial_config.jl")  # lost: trial_config.jl

            tune.run(trainable, local_dir="ray_results")  # lost: ray_results
            jl.dump({}, "outputs/best.jl")
            """,
    }),
    Project("returned-paths", {
        "train.py": """
            import os
            import torch

            def checkpoint_path(epoch):
                return os.path.join("ckpt", f"epoch_{epoch}.pt")

            torch.save(model, checkpoint_path(3))  # lost: ckpt/epoch_3.pt
            """,
    }),
    Project("trainer-with-callbacks", {
        "callbacks.py": """
            import json
            import os

            class MetricsWriter:
                def __init__(self, folder="metrics"):
                    self.folder = folder
                    os.makedirs(folder, exist_ok=True)

                def on_epoch_end(self, epoch, logs):
                    path = os.path.join(self.folder, f"epoch_{epoch}.json")
                    with open(path, "w") as handle:
                        json.dump(logs, handle)
            """,
        "train.py": """
            from callbacks import MetricsWriter
            writer = MetricsWriter()
            for epoch in range(3):
                writer.on_epoch_end(epoch, {"loss": 0.1})  # lost: metrics/epoch_*.json
            kept = MetricsWriter(folder="outputs/metrics")
            kept.on_epoch_end(0, {})
            """,
    }),
    Project("try-and-fallbacks", {
        "train.py": """
            import json
            import joblib

            try:
                config = json.load(open("config.json"))
                target = config["model_path"]
            except (OSError, KeyError):
                target = "model.joblib"
            joblib.dump(model, target)
            fallback = config.get("scaler_path") or "scaler.joblib"
            joblib.dump(scaler, fallback)
            joblib.dump(encoder, "encoder.joblib")  # lost: encoder.joblib
            """,
    }),
]


# --- held-out: written last, after the analysis was done with dev, dev-2 and dev-3 ------------------

HELD_OUT = [
    Project("detection-runs", {
        "detect.py": """
            from pathlib import Path
            import cv2

            name = "exp"
            save_dir = Path("runs/detect") / name
            save_dir.mkdir(parents=True, exist_ok=True)
            for index, image in enumerate(images):
                cv2.imwrite(str(save_dir / f"{index}.jpg"), image)  # lost: runs/detect/exp/*.jpg
            (save_dir / "labels.txt").write_text("cat")  # lost: runs/detect/exp/labels.txt
            """,
    }),
    Project("forecast-persist-default", {
        "forecast.py": """
            import pandas as pd

            FORECAST_PATH = "forecasts/forecast.csv"

            def persist(frame, path=FORECAST_PATH):
                frame.to_csv(path, index=False)

            prediction = pd.DataFrame({"y": [1, 2]})
            persist(prediction)  # lost: forecasts/forecast.csv
            persist(prediction, path="outputs/forecast.csv")
            """,
    }),
    Project("params-yaml", {
        "train.py": """
            import joblib
            import yaml

            with open("params.yaml") as handle:
                params = yaml.safe_load(handle)
            model_path = params["train"]["model_path"]
            joblib.dump(model, model_path)
            joblib.dump(model, "model_backup.joblib")  # lost: model_backup.joblib
            """,
    }),
    Project("model-store-static-method", {
        "src/__init__.py": "",
        "src/persistence.py": """
            import os

            class ModelStore:
                BASE = "model_store"

                @staticmethod
                def path(name):
                    return os.path.join(ModelStore.BASE, name)
            """,
        "train.py": """
            import joblib
            from src.persistence import ModelStore

            joblib.dump(model, ModelStore.path("rf.pkl"))  # lost: model_store/rf.pkl
            """,
    }),
    Project("fastai-learner", {
        "train.py": """
            from fastai.vision.all import vision_learner, resnet34

            learn = vision_learner(dls, resnet34)
            learn.fine_tune(1)
            learn.save("stage-1")  # lost: stage-1
            learn.export("export.pkl")  # lost: export.pkl
            """,
    }),
    Project("environment-default", {
        "train.py": """
            import os
            import torch

            OUT = os.environ.get("OUT", "results")
            torch.save(model, os.path.join(OUT, "model.pt"))
            """,
    }),
    Project("closure-saver", {
        "train.py": """
            import os
            import joblib

            def make_saver(folder):
                def save(name, obj):
                    joblib.dump(obj, os.path.join(folder, name))
                return save

            saver = make_saver("cache")
            saver("features.pkl", features)  # lost: cache/features.pkl
            """,
    }),
    Project("script-in-a-package", {
        "src/pipeline/train.py": """
            from pathlib import Path
            import pandas as pd

            ROOT = Path(__file__).parents[1]
            frame = pd.read_csv(ROOT / "data" / "raw.csv")
            frame.to_parquet(ROOT / "data" / "processed.parquet")  # lost: src/data/processed.parquet
            frame.to_parquet(Path("outputs") / "processed.parquet")
            """,
    }),
    Project("logging-dict-config", {
        "train.py": """
            import logging.config

            logging.config.dictConfig({
                "version": 1,
                "handlers": {"f": {"class": "logging.FileHandler", "filename": "app.log"}},  # lost: app.log
                "root": {"handlers": ["file"]},
            })
            """,
    }),
    Project("scoring-job-command", {
        "score.py": """
            import argparse
            import pandas as pd

            parser = argparse.ArgumentParser()
            parser.add_argument("--model")
            parser.add_argument("--data")
            parser.add_argument("--predictions", default="preds.csv")
            args = parser.parse_args()
            frame = pd.read_csv(args.data)
            frame.to_csv(args.predictions)  # lost: preds.csv
            """,
    }, commands=("python score.py --model ${{inputs.model}} --data ${{inputs.data}}",)),
    Project("distributed-ranks", {
        "train.py": """
            import os
            import torch
            import torch.distributed as dist

            rank = dist.get_rank()
            if rank == 0:
                torch.save(model.state_dict(), f"model_rank{rank}.pt")  # lost: model_rank*.pt
            torch.save(model.state_dict(), os.path.join("outputs", f"model_{rank}.pt"))
            """,
    }),
    Project("seaborn-figures", {
        "eda.py": """
            import seaborn as sns

            sns.heatmap(frame.corr()).get_figure().savefig("corr.png")  # lost: corr.png
            grid = sns.pairplot(frame)
            grid.savefig("pairs.png")  # lost: pairs.png
            grid.savefig("outputs/pairs.png")
            """,
    }),
]


# --- held-out-2: written before the analysis was changed again, from project shapes and libraries
# the sets above do not use (Lightning loggers, Hugging Face arguments and datasets, Keras callbacks
# built by a function, pickle/dill/cloudpickle/skops, polars and pyarrow, plotly and PdfPages,
# imageio, nested dataclasses and properties, closures, decorators and context managers, logging
# dictConfig and loguru, xgboost/lightgbm/mlflow flavours, OmegaConf, hydra, package-relative
# imports) with about as many traps as writes. First score, as written: recall 0.609 (42/69),
# precision 0.913 (42/46). Then the analysis was generalised (families of writers, kinds of data
# flow), never for one label. -------------------------------------------------------------------

HELD_OUT_2 = [
    Project("lightning-loggers", {
        "model.py": """
            import lightning as L
            import matplotlib.pyplot as plt
            import torch
            from torch import nn


            class LitClassifier(L.LightningModule):
                def __init__(self, lr=1e-3):
                    super().__init__()
                    self.save_hyperparameters()
                    self.net = nn.Sequential(nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))

                def training_step(self, batch, batch_idx):
                    x, y = batch
                    loss = nn.functional.cross_entropy(self.net(x.view(x.size(0), -1)), y)
                    self.log("train_loss", loss)
                    return loss

                def on_validation_epoch_end(self):
                    fig, ax = plt.subplots()
                    ax.imshow(self.confusion.compute().cpu())
                    fig.savefig(f"confusion_epoch{self.current_epoch}.png")  # lost: confusion_epoch*.png
                    plt.close(fig)

                def configure_optimizers(self):
                    return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
            """,
        "train.py": """
            import argparse
            import os

            import lightning as L
            import torch
            from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
            from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

            from model import LitClassifier


            def parse_args():
                parser = argparse.ArgumentParser()
                parser.add_argument("--data-dir", type=str)
                parser.add_argument("--max-epochs", type=int, default=5)
                parser.add_argument("--ckpt-dir", type=str, default="checkpoints")
                parser.add_argument("--export-dir", type=str, default="outputs")
                return parser.parse_args()


            def main():
                args = parse_args()
                model = LitClassifier()
                tb_logger = TensorBoardLogger(save_dir="tb_logs", name="mnist")  # lost: tb_logs
                csv_logger = CSVLogger("logs", name="csv")
                checkpoint = ModelCheckpoint(dirpath=args.ckpt_dir, monitor="val_loss")  # lost: checkpoints
                trainer = L.Trainer(
                    max_epochs=args.max_epochs,
                    logger=[tb_logger, csv_logger],
                    callbacks=[checkpoint, EarlyStopping("val_loss")],
                )
                trainer.fit(model, datamodule=make_datamodule(args.data_dir))
                trainer.save_checkpoint(os.path.join(args.export_dir, "final.ckpt"))
                model.to_onnx("model.onnx", input_sample=torch.randn(1, 28 * 28))  # lost: model.onnx
                torch.jit.save(model.to_torchscript(), os.path.join(args.export_dir, "model.pt"))


            if __name__ == "__main__":
                main()
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python train.py --data-dir ${{inputs.mnist}} --max-epochs 10
            environment: azureml:lightning:3
            """,
    }),
    Project("hf-text-classification", {
        "finetune.py": """
            import json
            import subprocess
            import sys

            import numpy as np
            from datasets import load_dataset
            from transformers import (
                AutoModelForSequenceClassification,
                AutoTokenizer,
                Trainer,
                TrainingArguments,
            )

            MODEL_NAME = "distilbert-base-uncased"
            RUN_NAME = "distilbert-imdb"

            tokenizer = AutoTokenizer.from_pretrained(MODEL_NAME)
            raw = load_dataset("imdb")
            tokenized = raw.map(lambda batch: tokenizer(batch["text"], truncation=True), batched=True)
            tokenized.save_to_disk("data/tokenized")  # lost: data/tokenized

            training_args = TrainingArguments(  # lost: distilbert-imdb
                output_dir=f"./{RUN_NAME}",
                logging_dir="./logs/tensorboard",
                eval_strategy="epoch",
                num_train_epochs=3,
            )
            model = AutoModelForSequenceClassification.from_pretrained(MODEL_NAME, num_labels=2)
            trainer = Trainer(model=model, args=training_args, train_dataset=tokenized["train"])
            trainer.train()
            trainer.save_model("outputs/model")
            tokenizer.save_pretrained("outputs/model")
            model.config.to_json_file("config.json")  # lost: config.json
            with open("label_map.json", "w") as handle:  # lost: label_map.json
                json.dump({0: "negative", 1: "positive"}, handle)
            predictions = trainer.predict(tokenized["test"]).predictions
            np.savetxt("test_logits.txt", predictions)  # lost: test_logits.txt
            np.save("eval_logits.npy", predictions)
            subprocess.run([sys.executable, "score.py", "--logits", "eval_logits.npy"], check=True)
            model.push_to_hub("contoso/distilbert-imdb")
            """,
        "score.py": """
            import argparse
            import numpy as np
            parser = argparse.ArgumentParser()
            parser.add_argument("--logits")
            args = parser.parse_args()
            print(np.load(args.logits).argmax(axis=1).mean())
            """,
    }),
    Project("keras-tabular", {
        "train.py": """
            import os

            import pandas as pd
            import tensorflow as tf

            CONFIG = {
                "epochs": 20,
                "checkpoint_dir": "training_checkpoints",
                "tensorboard_dir": "logs/fit",
                "export_dir": "saved_models",
            }


            def build_callbacks(config):
                return [
                    tf.keras.callbacks.ModelCheckpoint(
                        filepath=os.path.join(config["checkpoint_dir"], "ckpt_{epoch}.weights.h5"),
                        save_weights_only=True,
                    ),
                    tf.keras.callbacks.TensorBoard(log_dir=config["tensorboard_dir"]),
                    tf.keras.callbacks.EarlyStopping(patience=3),
                ]


            model = build_model()
            callbacks = build_callbacks(CONFIG)  # lost: training_checkpoints/ckpt_{epoch}.weights.h5
            history = model.fit(train_ds, validation_data=val_ds, epochs=CONFIG["epochs"], callbacks=callbacks)
            pd.DataFrame(history.history).to_csv("history.csv", index=False)  # lost: history.csv
            model.save(os.path.join(CONFIG["export_dir"], "model.keras"))  # lost: saved_models/model.keras
            model.save("tmp_model.keras")
            reloaded = tf.keras.models.load_model("tmp_model.keras")
            tf.saved_model.save(reloaded, "outputs/saved_model")
            converter = tf.lite.TFLiteConverter.from_keras_model(model)
            tflite_model = converter.convert()
            with open("model.tflite", "wb") as handle:  # lost: model.tflite
                handle.write(tflite_model)
            model.save_weights(os.path.join("outputs", "final.weights.h5"))
            """,
    }),
    Project("sklearn-pickles", {
        "train.py": """
            import os
            import pickle
            import shutil
            import tempfile

            import cloudpickle
            import dill
            import joblib
            from skops.io import dump as skops_dump
            from sklearn.ensemble import GradientBoostingClassifier
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import StandardScaler

            ARTIFACT_DIR = "artifacts"
            os.makedirs(ARTIFACT_DIR, exist_ok=True)

            pipeline = Pipeline([("scale", StandardScaler()), ("gbc", GradientBoostingClassifier())])
            pipeline.fit(X_train, y_train)
            with open(os.path.join(ARTIFACT_DIR, "pipeline.pkl"), "wb") as handle:  # lost: artifacts/pipeline.pkl
                pickle.dump(pipeline, handle)
            with open(f"{ARTIFACT_DIR}/preprocess.dill", "wb") as handle:  # lost: artifacts/preprocess.dill
                dill.dump(preprocess, handle)
            cloudpickle.dump(feature_fn, open("feature_fn.cloudpickle", "wb"))  # lost: feature_fn.cloudpickle
            skops_dump(pipeline, "pipeline.skops")  # lost: pipeline.skops
            joblib.dump(pipeline, "outputs/pipeline.joblib", compress=3)
            shutil.make_archive("model_bundle", "zip", ARTIFACT_DIR)  # lost: model_bundle.zip
            with tempfile.NamedTemporaryFile(suffix=".pkl") as scratch:
                pickle.dump(pipeline, scratch)
            scratch_dir = tempfile.mkdtemp()
            joblib.dump(pipeline, os.path.join(scratch_dir, "pipeline.joblib"))
            with open("outputs/feature_names.txt", "w") as handle:
                handle.write("\\n".join(feature_names))
            """,
    }),
    Project("polars-arrow-features", {
        "features.py": """
            import argparse
            from pathlib import Path

            import numpy as np
            import polars as pl
            import pyarrow.feather as feather
            import pyarrow.parquet as pq

            parser = argparse.ArgumentParser()
            parser.add_argument("--raw", type=Path, required=True)
            parser.add_argument("--features", type=Path, required=True)
            args = parser.parse_args()

            FEATURE_DIR = Path("feature_store")
            FEATURE_DIR.mkdir(exist_ok=True)

            events = pl.read_csv(args.raw / "events.csv")
            daily = events.group_by("day").agg(pl.col("value").sum())
            daily.write_parquet(FEATURE_DIR / "daily.parquet")  # lost: feature_store/daily.parquet
            daily.write_csv("daily_preview.csv")  # lost: daily_preview.csv
            daily.write_parquet(args.features / "daily.parquet")
            table = daily.to_arrow()
            pq.write_table(table, "daily_table.parquet")  # lost: daily_table.parquet
            feather.write_feather(table, str(FEATURE_DIR / "daily.feather"))  # lost: feature_store/daily.feather
            matrix = daily.to_numpy()
            matrix.tofile("daily.bin")  # lost: daily.bin
            np.savez_compressed(args.features / "matrix.npz", matrix=matrix)
            daily.write_json("outputs/daily.json")
            """,
        "features.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: >-
              python features.py --raw ${{inputs.raw}} --features ${{outputs.features}}
            environment: azureml:polars:1
            """,
    }),
    Project("plotly-eda-report", {
        "utils/__init__.py": "",
        "utils/plotting.py": """
            import os


            def save_fig(fig, name, folder="plots", ext="png", dpi=150):
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, f"{name}.{ext}")
                fig.savefig(path, dpi=dpi, bbox_inches="tight")
                return path
            """,
        "report.py": """
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            import pandas as pd
            import plotly.express as px
            import plotly.io as pio
            from matplotlib.backends.backend_pdf import PdfPages

            from utils.plotting import save_fig

            frame = pd.read_csv("data/sample.csv")
            fig = px.scatter(frame, x="a", y="b")
            fig.write_html("scatter.html")  # lost: scatter.html
            fig.write_image("figures/scatter.png")  # lost: figures/scatter.png
            pio.write_html(fig, file="report/interactive.html")  # lost: report/interactive.html
            pio.write_json(fig, "outputs/scatter.json")
            with PdfPages("report.pdf") as pdf:  # lost: report.pdf
                for column in frame.columns:
                    page, ax = plt.subplots()
                    frame[column].hist(ax=ax)
                    pdf.savefig(page)
            histogram, ax = plt.subplots()
            save_fig(histogram, "histogram")  # lost: plots/histogram.png
            save_fig(histogram, "histogram", folder="outputs/plots")
            """,
    }),
    Project("gan-samples", {
        "train_gan.py": """
            import os

            import imageio
            import torch
            import torchvision.utils as vutils
            import wandb
            from PIL import Image

            wandb.init(project="dcgan", dir="wandb_runs")
            SAMPLE_DIR = os.path.join("results", "samples")
            os.makedirs(SAMPLE_DIR, exist_ok=True)
            frames = []
            for epoch in range(num_epochs):
                fake = netG(fixed_noise).detach().cpu()
                vutils.save_image(fake, os.path.join(SAMPLE_DIR, f"epoch_{epoch:03d}.png"), normalize=True)  # lost: results/samples/epoch_*.png
                frames.append(to_image(vutils.make_grid(fake, normalize=True)))
            imageio.mimsave("training.gif", frames, fps=5)  # lost: training.gif
            torch.save({"G": netG.state_dict(), "D": netD.state_dict()}, "gan.pth")  # lost: gan.pth
            torch.save(netG.state_dict(), "generator.pth")
            wandb.save("generator.pth")
            torch.save(netG.state_dict(), "generator_final.pth")
            artifact = wandb.Artifact("generator", type="model")
            artifact.add_file("generator_final.pth")
            wandb.log_artifact(artifact)
            Image.fromarray(frames[-1]).save("outputs/last.png")
            """,
    }),
    Project("nested-dataclass-trainer", {
        "config.py": """
            from dataclasses import dataclass, field


            @dataclass
            class Paths:
                root: str = "experiments"
                checkpoints: str = "experiments/checkpoints"
                predictions: str = "outputs/predictions"


            @dataclass
            class TrainConfig:
                lr: float = 3e-4
                epochs: int = 10
                paths: Paths = field(default_factory=Paths)
            """,
        "trainer.py": """
            import json
            import os

            import torch


            class Trainer:
                def __init__(self, model, config):
                    self.model = model
                    self.config = config
                    self.ckpt_dir = config.paths.checkpoints
                    os.makedirs(self.ckpt_dir, exist_ok=True)

                @property
                def best_path(self):
                    return os.path.join(self.ckpt_dir, "best.pt")

                def save_best(self):
                    torch.save(self.model.state_dict(), self.best_path)

                def save_epoch(self, epoch):
                    torch.save(self.model.state_dict(), os.path.join(self.ckpt_dir, f"epoch_{epoch}.pt"))

                def dump_config(self):
                    with open(os.path.join(self.config.paths.root, "config.json"), "w") as handle:
                        json.dump({"lr": self.config.lr}, handle)

                def write_predictions(self, frame):
                    frame.to_csv(os.path.join(self.config.paths.predictions, "test.csv"))
            """,
        "train.py": """
            from config import TrainConfig
            from trainer import Trainer

            config = TrainConfig()
            trainer = Trainer(build_model(), config)
            for epoch in range(config.epochs):
                trainer.save_epoch(epoch)  # lost: experiments/checkpoints/epoch_*.pt
            trainer.save_best()  # lost: experiments/checkpoints/best.pt
            trainer.dump_config()  # lost: experiments/config.json
            trainer.write_predictions(predict())
            """,
    }),
    Project("closures-decorators-contexts", {
        "utils.py": """
            import contextlib
            import functools
            import json
            import os
            import time

            import torch


            def timed(fn):
                @functools.wraps(fn)
                def wrapper(*args, **kwargs):
                    start = time.time()
                    result = fn(*args, **kwargs)
                    print(f"{fn.__name__} took {time.time() - start:.1f}s")
                    return result
                return wrapper


            @timed
            def save_metrics(metrics, path):
                with open(path, "w") as handle:
                    json.dump(metrics, handle)


            @contextlib.contextmanager
            def atomic_write(path):
                tmp = path + ".tmp"
                with open(tmp, "w") as handle:
                    yield handle
                os.replace(tmp, path)


            def make_checkpointer(folder):
                os.makedirs(folder, exist_ok=True)

                def checkpoint(state, step):
                    torch.save(state, os.path.join(folder, f"step_{step}.pt"))

                return checkpoint
            """,
        "train.py": """
            from utils import atomic_write, make_checkpointer, save_metrics

            save_metrics({"acc": 0.9}, "metrics.json")  # lost: metrics.json
            save_metrics({"acc": 0.9}, "outputs/metrics.json")
            checkpoint = make_checkpointer("ckpts")
            for step in range(0, 1000, 100):
                checkpoint(model.state_dict(), step)  # lost: ckpts/step_*.pt
            with atomic_write("summary.txt") as handle:  # lost: summary.txt
                handle.write("done")
            with atomic_write("outputs/summary.txt") as handle:
                handle.write("done")
            """,
    }),
    Project("logging-setups", {
        "train.py": """
            import logging
            import logging.config
            import logging.handlers
            import os

            import yaml
            from loguru import logger

            LOG_FILE = "training.log"

            logging.config.dictConfig({
                "version": 1,
                "formatters": {"plain": {"format": "%(asctime)s %(message)s"}},
                "handlers": {
                    "console": {"class": "logging.StreamHandler", "formatter": "plain"},
                    "file": {"class": "logging.handlers.RotatingFileHandler", "filename": LOG_FILE,  # lost: training.log
                             "maxBytes": 10485760, "formatter": "plain"},
                },
                "root": {"level": "INFO", "handlers": ["console", "file"]},
            })
            handler = logging.handlers.TimedRotatingFileHandler("debug/debug.log", when="midnight")  # lost: debug/debug.log
            logging.getLogger("debug").addHandler(handler)
            logger.add("loguru_train.log", rotation="10 MB")  # lost: loguru_train.log
            logger.add("logs/loguru.log")
            logging.basicConfig(filename=os.path.join("logs", "basic.log"))
            with open("logging.yaml") as handle:
                logging.config.dictConfig(yaml.safe_load(handle))
            logging.config.fileConfig("logging.ini")
            """,
    }),
    Project("boosting-and-mlflow", {
        "train.py": """
            import lightgbm as lgb
            import mlflow
            import mlflow.lightgbm
            import mlflow.pyfunc
            import mlflow.sklearn
            import mlflow.xgboost
            import xgboost as xgb
            from catboost import CatBoostClassifier

            with mlflow.start_run():
                booster = lgb.train(params, lgb.Dataset(X, y), num_boost_round=100)
                booster.save_model("lgbm_model.txt")
                mlflow.log_artifact("lgbm_model.txt")
                booster.save_model("lgbm_best.txt", num_iteration=booster.best_iteration)  # lost: lgbm_best.txt
                mlflow.lightgbm.log_model(booster, artifact_path="lgbm")

                xgb_clf = xgb.XGBClassifier(n_estimators=200).fit(X, y)
                xgb_clf.save_model("xgb_clf.json")  # lost: xgb_clf.json
                xgb_clf.get_booster().dump_model("xgb_dump.txt")  # lost: xgb_dump.txt
                mlflow.xgboost.save_model(xgb_clf, path="xgb_mlflow")  # lost: xgb_mlflow

                cat = CatBoostClassifier(verbose=0).fit(X, y)
                cat.save_model("outputs/catboost.cbm")
                mlflow.sklearn.save_model(sk_model=pipe, path="sk_pipeline")  # lost: sk_pipeline
                mlflow.sklearn.save_model(pipe, "outputs/sk_model")
                mlflow.pyfunc.save_model(path="pyfunc_model", python_model=Wrapper())  # lost: pyfunc_model
                mlflow.log_dict({"threshold": 0.5}, "config.json")
                mlflow.log_text("trained on March data", "notes.txt")
            """,
    }),
    Project("notebook-run-by-papermill", {
        "eda.ipynb": notebook(
            """
            import matplotlib.pyplot as plt
            import pandas as pd
            """,
            """
            # parameters
            data = "data/raw.csv"
            """,
            """
            OUT = "figures"

            def savefig(fig, name):
                fig.savefig(f"{OUT}/{name}.png", dpi=120)
            """,
            """
            frame = pd.read_csv(data)
            fig, ax = plt.subplots()
            frame["target"].hist(ax=ax)
            savefig(fig, "target_dist")  # lost: figures/target_dist.png
            """,
            """
            stats = frame.describe()
            stats.to_csv("summary_stats.csv")  # lost: summary_stats.csv
            frame.sample(1000).to_parquet("outputs/sample.parquet")
            """,
        ),
        "scratch.ipynb": notebook(
            """
            import pandas as pd
            pd.read_csv("data/raw.csv").head().to_csv("scratch.csv")
            """,
        ),
        "eda.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: papermill eda.ipynb outputs/eda.ipynb -p data ${{inputs.data}}
            environment: azureml:eda:1
            """,
    }),
    Project("archives-and-copies", {
        "package_model.py": """
            import glob
            import os
            import shutil
            import tarfile
            import zipfile

            import joblib

            MODEL_DIR = "model"
            os.makedirs(MODEL_DIR, exist_ok=True)
            joblib.dump(model, os.path.join(MODEL_DIR, "model.joblib"))
            shutil.copytree(MODEL_DIR, "outputs/model", dirs_exist_ok=True)
            shutil.copytree(MODEL_DIR, "model_backup")  # lost: model_backup
            with zipfile.ZipFile("submission.zip", "w", zipfile.ZIP_DEFLATED) as archive:  # lost: submission.zip
                for path in glob.glob("preds/*.csv"):
                    archive.write(path)
            with tarfile.open(os.path.join("outputs", "model.tar.gz"), "w:gz") as tar:
                tar.add(MODEL_DIR)
            shutil.copy("config.yaml", "run_config.yaml")  # lost: run_config.yaml
            shutil.copy2("config.yaml", "outputs/config.yaml")
            """,
    }),
    Project("config-file-dumps", {
        "train.py": """
            import configparser
            import json
            import os

            import toml
            import torch
            import yaml
            from omegaconf import OmegaConf

            cfg = OmegaConf.load("conf/train.yaml")
            OmegaConf.save(cfg, "resolved_config.yaml")  # lost: resolved_config.yaml
            OmegaConf.save(config=cfg, f="outputs/resolved_config.yaml")
            with open("params_used.yaml", "w") as handle:  # lost: params_used.yaml
                yaml.safe_dump(OmegaConf.to_container(cfg), handle)
            toml.dump({"lr": cfg.lr}, open("hparams.toml", "w"))  # lost: hparams.toml
            ini = configparser.ConfigParser()
            ini["train"] = {"lr": str(cfg.lr)}
            with open("train.ini", "w") as handle:  # lost: train.ini
                ini.write(handle)
            torch.save(model, cfg.paths.model)
            os.makedirs(cfg.output_dir, exist_ok=True)
            json.dump(metrics, open(os.path.join(cfg.output_dir, "metrics.json"), "w"))
            """,
    }),
    Project("hydra-app", {
        "train.py": """
            import hydra
            import torch
            from hydra.core.hydra_config import HydraConfig
            from omegaconf import DictConfig


            @hydra.main(version_base="1.3", config_path="conf", config_name="config")
            def main(cfg: DictConfig) -> None:
                model = build(cfg.model)
                out_dir = HydraConfig.get().runtime.output_dir
                torch.save(model.state_dict(), f"{out_dir}/model.pt")
                torch.save(model.state_dict(), cfg.paths.checkpoint)
                torch.save(model.state_dict(), "last.pt")  # lost: last.pt


            if __name__ == "__main__":
                main()
            """,
    }, commands=("python train.py model=resnet18",)),
    Project("not-job-code-2", {
        "setup.py": """
            from setuptools import setup
            setup(name="churn", version="0.1")
            open("VERSION", "w").write("0.1")
            """,
        "tests/conftest.py": """
            import pandas as pd
            import pytest

            @pytest.fixture
            def frame(tmp_path):
                pd.DataFrame({"a": [1]}).to_csv("fixture.csv")
                return pd.read_csv("fixture.csv")
            """,
        "tests/test_features.py": """
            import joblib
            def test_dump():
                joblib.dump({}, "model.joblib")
            """,
        "submit_job.py": """
            from azure.ai.ml import MLClient, command, Input
            from azure.identity import DefaultAzureCredential

            ml_client = MLClient.from_config(DefaultAzureCredential())
            job = command(code=".", command="python churn.py", environment="azureml:sk:1")
            returned = ml_client.jobs.create_or_update(job)
            with open("job_name.txt", "w") as handle:
                handle.write(returned.name)
            """,
        "deploy/score.py": """
            import json
            import joblib

            def init():
                global model
                model = joblib.load("model.joblib")

            def run(raw):
                with open("requests.log", "a") as handle:
                    handle.write(raw)
                return json.dumps(model.predict(json.loads(raw)).tolist())
            """,
        "churn.py": """
            import joblib
            joblib.dump(model, "churn_model.joblib")  # lost: churn_model.joblib
            """,
    }),
    Project("kept-folder-spellings", {
        "evaluate.py": """
            import os
            from pathlib import Path

            OUTPUT_DIR = "./outputs"
            LOG_DIR = os.path.join(".", "logs")
            out = Path.cwd() / "outputs" / "eval"
            out.mkdir(parents=True, exist_ok=True)
            (out / "report.md").write_text("# Evaluation")
            frame.to_csv(os.path.join(OUTPUT_DIR, "preds.csv"))
            frame.to_csv(LOG_DIR + "/rows.csv")
            frame.to_csv(os.path.join(os.getcwd(), "outputs", "cwd.csv"))
            frame.to_csv(Path("./outputs") / "path.csv")
            frame.to_csv("output/preds.csv")  # lost: output/preds.csv
            frame.to_csv("./Outputs/preds.csv")  # lost: Outputs/preds.csv
            frame.to_csv(os.path.abspath("predictions.csv"))  # lost: predictions.csv
            frame.to_csv(os.path.join(os.getcwd(), "predictions_full.csv"))  # lost: predictions_full.csv
            frame.to_csv("outputs_v2/preds.csv")  # lost: outputs_v2/preds.csv
            frame.to_csv("../preds.csv")  # lost: ../preds.csv
            """,
    }),
    Project("run-context-and-mounts", {
        "train.py": """
            import argparse
            import os
            import tempfile

            import numpy as np
            import torch
            from azureml.core import Run

            parser = argparse.ArgumentParser()
            parser.add_argument("--output-dir", type=str)
            args = parser.parse_args()
            run = Run.get_context()
            MODEL_DIR = os.environ.get("AZUREML_MODEL_DIR", "model")
            OUTPUT = os.getenv("OUTPUT_PATH") or "results"
            torch.save(model, os.path.join(MODEL_DIR, "m.pt"))
            torch.save(model, f"{OUTPUT}/m.pt")
            torch.save(model, os.path.join(args.output_dir, "m.pt"))
            torch.save(model, "/mnt/azureml/cr/j/outputs/m.pt")
            torch.save(model, os.path.expanduser("~/m.pt"))
            np.save(tempfile.mktemp(suffix=".npy"), weights)
            with tempfile.TemporaryDirectory() as tmp:
                torch.save(model, os.path.join(tmp, "m.pt"))
            torch.save(model, "uploaded.pt")
            run.upload_file("outputs/uploaded.pt", "uploaded.pt")
            torch.save(model, "registered.pt")
            run.upload_file(name="registered.pt", path_or_stream="registered.pt")
            run.register_model(model_name="m", model_path="registered.pt")
            torch.save(model, "checkpoint_for_registration.pt")  # lost: checkpoint_for_registration.pt
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python train.py --output-dir ${{outputs.model}}
            environment: azureml:torch:2
            """,
    }),
    Project("pipeline-components", {
        "prep.py": """
            import argparse
            import os
            from pathlib import Path

            import pandas as pd

            parser = argparse.ArgumentParser()
            parser.add_argument("--raw")
            parser.add_argument("--out")
            parser.add_argument("--sample-size", type=int, default=1000)
            parser.add_argument("--debug-dir", default="debug")
            args = parser.parse_args()
            frame = pd.read_csv(Path(args.raw) / "data.csv")
            frame.to_parquet(Path(args.out) / "prepared.parquet")
            os.makedirs(args.debug_dir, exist_ok=True)
            frame.head(args.sample_size).to_csv(os.path.join(args.debug_dir, "sample.csv"))  # lost: debug/sample.csv
            """,
        "train.py": """
            import argparse
            from pathlib import Path

            import joblib
            import matplotlib.pyplot as plt
            import pandas as pd

            parser = argparse.ArgumentParser()
            parser.add_argument("--prepared")
            parser.add_argument("--model-out")
            parser.add_argument("--plots", default="plots")
            args = parser.parse_args()
            frame = pd.read_parquet(Path(args.prepared) / "prepared.parquet")
            model = fit(frame)
            fig, ax = plt.subplots()
            ax.barh(frame.columns, model.feature_importances_)
            fig.savefig(Path(args.plots) / "importance.png")  # lost: plots/importance.png
            joblib.dump(model, Path(args.model_out) / "model.joblib")
            """,
        "evaluate.py": """
            import argparse
            import json
            import os

            parser = argparse.ArgumentParser()
            parser.add_argument("--model")
            parser.add_argument("--report", default="report")
            args = parser.parse_args()
            with open(os.path.join(args.report, "metrics.json"), "w") as handle:
                json.dump({"auc": 0.8}, handle)
            """,
        "pipeline.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
            type: pipeline
            jobs:
              prep:
                type: command
                code: ./
                command: python prep.py --raw ${{inputs.raw}} --out ${{outputs.prepared}}
              train:
                type: command
                code: ./
                command: >-
                  python train.py --prepared ${{inputs.prepared}} --model-out ${{outputs.model}}
              evaluate:
                type: command
                code: ./
                command: python evaluate.py --model ${{inputs.model}} --report ${{outputs.report}}
            """,
    }),
    Project("package-relative-imports", {
        "src/__init__.py": "",
        "src/paths.py": """
            from pathlib import Path

            PROJECT_ROOT = Path(__file__).resolve().parents[1]
            ARTIFACTS = PROJECT_ROOT / "artifacts"
            REPORTS = PROJECT_ROOT / "outputs" / "reports"
            """,
        "src/evaluate.py": """
            import json

            from .paths import ARTIFACTS, REPORTS


            class Evaluator:
                def __init__(self, name):
                    self.name = name

                @classmethod
                def default(cls):
                    return cls("holdout")

                def write(self, scores):
                    (ARTIFACTS / f"{self.name}_scores.json").write_text(json.dumps(scores))
                    (REPORTS / f"{self.name}.json").write_text(json.dumps(scores))
            """,
        "src/train.py": """
            import joblib

            from .evaluate import Evaluator
            from .paths import ARTIFACTS

            ARTIFACTS.mkdir(exist_ok=True)
            joblib.dump(model, ARTIFACTS / "model.joblib")  # lost: artifacts/model.joblib
            Evaluator.default().write(scores)  # lost: artifacts/holdout_scores.json
            Evaluator("cv").write(cv_scores)  # lost: artifacts/cv_scores.json
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python -m src.train
            environment: azureml:sk:1
            """,
    }),
]


# --- held-out-3: written after the analysis was generalised on held-out-2, from shapes and
# libraries no set above uses (timm-style checkpoint savers, csv writers, sentence-transformers,
# optuna, AutoGluon, prophet, statsmodels, tf.data and TFRecords, nibabel and SimpleITK, audio
# writers, Keras Tuner, ignite, accelerate, numpy memmap, functools.partial, pydantic settings,
# DVC params, detectron-style configs, nbconvert notebooks). First score, as written (the honest
# estimate of the analysis generalised on held-out-2): recall 0.757 (28/37), precision 0.903
# (28/31). Missed: a sqlite URL's database file, a library object's folder keyword (path=,
# directory=, dirname=), CamelCase writers (WriteImage), a module's bare write(), a
# functools.partial, numpy.memmap, str.replace in a file name; false alarms: a pydantic
# BaseSettings field the job's environment sets, the partial's own call, a partial path. -----------

HELD_OUT_3 = [
    Project("timm-style-saver", {
        "saver.py": """
            import csv
            import os

            import torch


            class CheckpointSaver:
                def __init__(self, model, checkpoint_dir="", recovery_dir="", max_history=5):
                    self.model = model
                    self.checkpoint_dir = checkpoint_dir
                    self.recovery_dir = recovery_dir
                    self.max_history = max_history
                    self.extension = ".pth.tar"

                def save_checkpoint(self, epoch, metric=None):
                    path = os.path.join(self.checkpoint_dir, "last" + self.extension)
                    torch.save({"epoch": epoch, "state_dict": self.model.state_dict()}, path)

                def save_recovery(self, epoch):
                    filename = "recovery-{}{}".format(epoch, self.extension)
                    torch.save(self.model.state_dict(), os.path.join(self.recovery_dir, filename))


            def update_summary(epoch, metrics, filename, write_header=False):
                with open(filename, mode="a") as handle:
                    writer = csv.DictWriter(handle, fieldnames=["epoch", *metrics])
                    if write_header:
                        writer.writeheader()
                    writer.writerow({"epoch": epoch, **metrics})
            """,
        "train.py": """
            import argparse
            import os

            from saver import CheckpointSaver, update_summary

            parser = argparse.ArgumentParser()
            parser.add_argument("--data-dir")
            parser.add_argument("--output", default="./output/train")
            parser.add_argument("--epochs", type=int, default=10)
            args = parser.parse_args()

            output_dir = args.output
            os.makedirs(output_dir, exist_ok=True)
            saver = CheckpointSaver(model, checkpoint_dir=output_dir, recovery_dir=output_dir)
            for epoch in range(args.epochs):
                metrics = train_one_epoch(model)
                update_summary(epoch, metrics, os.path.join(output_dir, "summary.csv"),  # lost: output/train/summary.csv
                               write_header=epoch == 0)
                saver.save_checkpoint(epoch)  # lost: output/train/last.pth.tar
                saver.save_recovery(epoch)  # lost: output/train/recovery-*.pth.tar
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python train.py --data-dir ${{inputs.images}} --epochs 30
            environment: azureml:timm:2
            """,
    }),
    Project("sentence-transformers-finetune", {
        "finetune.py": """
            import os

            from sentence_transformers import InputExample, SentenceTransformer, losses
            from sentence_transformers.evaluation import EmbeddingSimilarityEvaluator
            from torch.utils.data import DataLoader

            model = SentenceTransformer("all-MiniLM-L6-v2")
            loader = DataLoader(examples, shuffle=True, batch_size=16)
            evaluator = EmbeddingSimilarityEvaluator.from_input_examples(dev_examples, name="sts-dev")
            model.fit(  # lost: st-checkpoints
                train_objectives=[(loader, losses.CosineSimilarityLoss(model))],
                evaluator=evaluator,
                epochs=1,
                output_path="st-checkpoints",
            )
            model.save("st-final")  # lost: st-final
            model.save(os.path.join("outputs", "st-final"))
            evaluator(model, output_path="eval-results")  # lost: eval-results
            """,
    }),
    Project("optuna-xgboost-hpo", {
        "tune.py": """
            import joblib
            import mlflow
            import optuna
            import xgboost as xgb


            def objective(trial):
                params = {"max_depth": trial.suggest_int("max_depth", 2, 8)}
                booster = xgb.train(params, dtrain)
                booster.save_model(f"trial_{trial.number}.json")  # lost: trial_*.json
                return evaluate(booster)


            study = optuna.create_study(direction="maximize", storage="sqlite:///optuna.db")  # lost: optuna.db
            study.optimize(objective, n_trials=50)
            study.trials_dataframe().to_csv("trials.csv", index=False)  # lost: trials.csv
            optuna.visualization.plot_optimization_history(study).write_html("history.html")  # lost: history.html
            joblib.dump(study, "study.pkl")
            mlflow.log_artifact("study.pkl")
            optuna.visualization.plot_param_importances(study).write_image("outputs/importances.png")
            """,
    }),
    Project("autogluon-and-prophet", {
        "tabular.py": """
            import pandas as pd
            from autogluon.tabular import TabularPredictor

            train = pd.read_csv("data/train.csv")
            predictor = TabularPredictor(label="churn", path="ag_models").fit(train)  # lost: ag_models
            predictor.leaderboard(silent=True).to_csv("leaderboard.csv")  # lost: leaderboard.csv
            """,
        "forecast.py": """
            import json

            import pandas as pd
            from prophet import Prophet
            from prophet.serialize import model_to_json

            history = pd.read_csv("data/sales.csv")
            m = Prophet().fit(history)
            forecast = m.predict(m.make_future_dataframe(periods=30))
            with open("serialized_model.json", "w") as fout:  # lost: serialized_model.json
                fout.write(model_to_json(m))
            m.plot(forecast).savefig("forecast.png")  # lost: forecast.png
            forecast.to_csv("outputs/forecast.csv")
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python tabular.py && python forecast.py
            environment: azureml:tabular:4
            """,
    }, commands=("python tabular.py && python forecast.py",)),
    Project("statsmodels-arima", {
        "arima.py": """
            import pickle

            import statsmodels.api as sm

            results = sm.tsa.ARIMA(series, order=(1, 1, 1)).fit()
            results.save("arima_results.pkl")  # lost: arima_results.pkl
            with open("summary.txt", "w") as handle:  # lost: summary.txt
                handle.write(results.summary().as_text())
            with open("outputs/arima.pkl", "wb") as handle:
                pickle.dump(results, handle)
            """,
    }),
    Project("tf-data-records", {
        "records.py": """
            import os

            import tensorflow as tf

            RECORD_DIR = "tfrecords"
            os.makedirs(RECORD_DIR, exist_ok=True)
            with tf.io.TFRecordWriter(os.path.join(RECORD_DIR, "train.tfrecord")) as writer:
                for example in examples:
                    writer.write(example.SerializeToString())
            dataset = tf.data.TFRecordDataset(os.path.join(RECORD_DIR, "train.tfrecord"))
            dataset.save("cached_dataset")  # lost: cached_dataset
            checkpoint = tf.train.Checkpoint(model=model)
            checkpoint.save("tf_ckpt/ckpt")  # lost: tf_ckpt/ckpt
            tf.saved_model.save(model, os.path.join("outputs", "saved_model"))
            """,
    }),
    Project("medical-imaging", {
        "segment.py": """
            import argparse
            from pathlib import Path

            import nibabel as nib
            import SimpleITK as sitk

            parser = argparse.ArgumentParser()
            parser.add_argument("--scans")
            parser.add_argument("--predictions")
            args = parser.parse_args()

            out = Path("segmentations")
            out.mkdir(exist_ok=True)
            for scan in sorted(Path(args.scans).glob("*.nii.gz")):
                mask = predict(nib.load(scan))
                nib.save(mask, out / scan.name)  # lost: segmentations/*
                nib.save(mask, Path(args.predictions) / scan.name)
            image = sitk.ReadImage(str(next(Path(args.scans).glob("*.mha"))))
            sitk.WriteImage(image, "resampled.mha")  # lost: resampled.mha
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python segment.py --scans ${{inputs.scans}} --predictions ${{outputs.masks}}
            environment: azureml:monai:1
            """,
    }),
    Project("audio-denoise", {
        "denoise.py": """
            import os

            import librosa
            import soundfile as sf
            from scipy.io import wavfile

            AUDIO_OUT = "denoised"
            os.makedirs(AUDIO_OUT, exist_ok=True)
            y, sr = librosa.load("data/noisy.wav", sr=16000)
            clean = denoise(y)
            sf.write(os.path.join(AUDIO_OUT, "clean.wav"), clean, sr)  # lost: denoised/clean.wav
            wavfile.write("clean_scipy.wav", sr, clean)  # lost: clean_scipy.wav
            sf.write("outputs/clean.wav", clean, sr)
            """,
    }),
    Project("keras-tuner-and-ignite", {
        "tune_keras.py": """
            import keras_tuner as kt

            tuner = kt.Hyperband(build_model, objective="val_accuracy", max_epochs=10,  # lost: tuner_runs
                                 directory="tuner_runs", project_name="mnist")
            tuner.search(x, y, validation_split=0.2)
            best = tuner.get_best_models(1)[0]
            best.save("best_tuned.keras")  # lost: best_tuned.keras
            """,
        "train_ignite.py": """
            from ignite.engine import Events, create_supervised_trainer
            from ignite.handlers import ModelCheckpoint

            trainer = create_supervised_trainer(model, optimizer, loss)
            handler = ModelCheckpoint(dirname="ignite_ckpts", filename_prefix="best", n_saved=2)  # lost: ignite_ckpts
            trainer.add_event_handler(Events.EPOCH_COMPLETED, handler, {"model": model})
            trainer.run(loader, max_epochs=5)
            """,
    }),
    Project("accelerate-partial-memmap", {
        "train.py": """
            import functools
            import os

            import numpy as np
            import torch
            from accelerate import Accelerator


            def save_array(array, name, folder):
                np.save(os.path.join(folder, name), array)


            accelerator = Accelerator()
            model, optimizer = accelerator.prepare(model, optimizer)
            accelerator.save_state("accelerate_state")  # lost: accelerate_state
            save_features = functools.partial(save_array, folder="features")
            save_features(train_features, "train.npy")  # lost: features/train.npy
            buffer = np.memmap("embeddings.dat", dtype="float32", mode="w+", shape=(1000, 128))  # lost: embeddings.dat
            buffer[:] = embeddings
            buffer.flush()
            accelerator.save(model.state_dict(), os.path.join("outputs", "model.pt"))
            """,
    }),
    Project("settings-and-params", {
        "params.yaml": """
            train:
              model_out: models/model.joblib
              metrics: outputs/metrics.json
            featurize:
              out_dir: features
            """,
        "settings.py": """
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                model_dir: str = "models"
                report_dir: str = "reports"
            """,
        "train.py": """
            import json
            import os

            import joblib
            import yaml

            from settings import Settings

            with open("params.yaml") as handle:
                params = yaml.safe_load(handle)
            joblib.dump(model, params["train"]["model_out"])  # lost: models/model.joblib
            with open(params["train"]["metrics"], "w") as handle:
                json.dump(metrics, handle)
            features.to_parquet(os.path.join(params["featurize"]["out_dir"], "train.parquet"))  # lost: features/train.parquet
            settings = Settings()
            joblib.dump(model, os.path.join(settings.model_dir, "settings_model.joblib"))
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python train.py
            environment_variables:
              MODEL_DIR: ./outputs/model
            environment: azureml:sk:3
            """,
    }),
    Project("detectron-style-config", {
        "train_net.py": """
            import os

            from detectron2.config import get_cfg
            from detectron2.engine import DefaultTrainer

            cfg = get_cfg()
            cfg.merge_from_file("configs/mask_rcnn.yaml")
            cfg.OUTPUT_DIR = "./output"
            os.makedirs(cfg.OUTPUT_DIR, exist_ok=True)
            with open(os.path.join(cfg.OUTPUT_DIR, "config.yaml"), "w") as handle:  # lost: output/config.yaml
                handle.write(cfg.dump())
            trainer = DefaultTrainer(cfg)
            trainer.train()
            """,
    }),
    Project("notebook-by-nbconvert", {
        "analysis.ipynb": notebook(
            """
            import os
            import matplotlib.pyplot as plt
            import pandas as pd
            """,
            """
            def plot_and_save(series, title, folder="charts"):
                os.makedirs(folder, exist_ok=True)
                ax = series.plot(title=title)
                ax.figure.savefig(os.path.join(folder, title.replace(" ", "_") + ".png"))
                plt.close(ax.figure)
            """,
            """
            frame = pd.read_csv("data/usage.csv", parse_dates=["day"])
            daily = frame.groupby("day").sum()
            plot_and_save(daily["minutes"], "daily minutes")  # lost: charts/daily_minutes.png
            plot_and_save(daily["users"], "daily users", folder="outputs/charts")
            daily.to_excel("daily_summary.xlsx")  # lost: daily_summary.xlsx
            """,
        ),
        "run_analysis.sh": "jupyter nbconvert --to notebook --execute analysis.ipynb --output outputs/analysis.ipynb\n",
        "explore.ipynb": notebook(
            """
            import pandas as pd
            pd.read_csv("data/usage.csv").describe().to_csv("describe.csv")
            """,
        ),
    }),
    Project("file-relative-and-streams", {
        "src/pipeline/export.py": """
            import os
            import pickle
            import sys
            from pathlib import Path

            HERE = os.path.dirname(os.path.abspath(__file__))
            MODELS = os.path.join(HERE, "..", "..", "models")
            os.makedirs(MODELS, exist_ok=True)
            with open(os.path.join(MODELS, "encoder.pkl"), "wb") as handle:  # lost: models/encoder.pkl
                pickle.dump(encoder, handle)
            with Path(__file__).with_name("vocab.json").open("w") as handle:  # lost: src/pipeline/vocab.json
                handle.write(vocab_json)
            sys.stdout = open("export_stdout.txt", "w")  # lost: export_stdout.txt
            print("done", file=open("outputs/done.txt", "a"))
            with Path("cache/index.pkl").open("wb") as handle:  # lost: cache/index.pkl
                pickle.dump(index, handle)
            """,
    }),
    Project("traps-everywhere", {
        "train.py": """
            import os
            import shutil
            import subprocess
            import tempfile
            from pathlib import Path

            import joblib
            import mlflow
            import torch
            from azureml.core import Run

            run = Run.get_context()
            OUT = Path(os.environ.get("OUTPUT_DIR", "results"))
            joblib.dump(model, OUT / "model.joblib")
            torch.save(model, Path.home() / ".cache" / "model.pt")
            torch.save(model, "/dev/shm/model.pt")
            with tempfile.NamedTemporaryFile(suffix=".pt", delete=False) as tmp:
                torch.save(model, tmp.name)
            scratch = tempfile.mkdtemp()
            joblib.dump(model, os.path.join(scratch, "model.joblib"))
            joblib.dump(model, "staged.joblib")
            shutil.move("staged.joblib", "outputs/staged.joblib")
            torch.save(model, "handoff.pt")
            subprocess.run(["python", "evaluate.py", "--model", "handoff.pt"], check=True)
            plt.savefig("roc.png")
            run.log_image("roc", path="roc.png")
            torch.save(model, "for_mlflow.pt")
            mlflow.log_artifact("for_mlflow.pt", artifact_path="models")
            Path("logs/run").mkdir(parents=True, exist_ok=True)
            Path("logs/run/notes.txt").write_text("ok")
            torch.save(model, Path(".") / "outputs" / "final.pt")
            torch.save(model, "./outputs/../outputs/final2.pt")
            """,
        "evaluate.py": """
            import argparse
            import torch
            parser = argparse.ArgumentParser()
            parser.add_argument("--model")
            args = parser.parse_args()
            model = torch.load(args.model)
            """,
        "app.py": """
            import gradio as gr

            def predict(text):
                open("flagged.txt", "a").write(text)
                return text

            gr.Interface(predict, "text", "text").launch()
            """,
    }),
]


# --- held-out-4: written after the analysis was generalised on held-out-3, from shapes and
# libraries no set above uses (ultralytics, xarray, geopandas, openpyxl and python-docx, flax and
# orbax checkpoints, CatBoost, matplotlib animations, bokeh and altair, jsonlines and aiofiles, the
# torch profiler, enums, decorators, factories of path dicts). First score, as written (the
# honest estimate of the analysis generalised on held-out-3): recall 0.781 (25/32), precision
# 1.000 (25/25). Missed: openers of other libraries (aiofiles.open, jsonlines.open in a write
# mode), bokeh's output_file, the torch profiler's trace handler, Enum members' values,
# ultralytics' project= folder. --------------------------------------------------------------------

HELD_OUT_4 = [
    Project("ultralytics-detector", {
        "train.py": """
            import argparse
            import shutil

            from ultralytics import YOLO

            parser = argparse.ArgumentParser()
            parser.add_argument("--data", default="coco128.yaml")
            parser.add_argument("--epochs", type=int, default=50)
            args = parser.parse_args()

            model = YOLO("yolov8n.pt")
            results = model.train(data=args.data, epochs=args.epochs, project="runs/train", name="exp")  # lost: runs/train
            metrics = model.val(project="outputs/val")
            shutil.copy("runs/train/exp/weights/best.pt", "outputs/best.pt")
            shutil.copy("runs/train/exp/results.csv", "results_copy.csv")  # lost: results_copy.csv
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python train.py --data ${{inputs.dataset}}/data.yaml
            environment: azureml:yolo:8
            """,
    }),
    Project("climate-xarray-geopandas", {
        "process.py": """
            import os

            import geopandas as gpd
            import xarray as xr

            ds = xr.open_dataset("data/era5.nc")
            monthly = ds.resample(time="1M").mean()
            monthly.to_netcdf("monthly_means.nc")  # lost: monthly_means.nc
            monthly.to_zarr(os.path.join("stores", "monthly.zarr"))  # lost: stores/monthly.zarr
            regions = gpd.read_file("data/regions.shp")
            regions.to_file("regions.geojson", driver="GeoJSON")  # lost: regions.geojson
            regions.to_file(os.path.join("outputs", "regions.gpkg"), driver="GPKG")
            """,
    }),
    Project("office-reports", {
        "report.py": """
            import openpyxl
            from docx import Document

            workbook = openpyxl.Workbook()
            sheet = workbook.active
            sheet.append(["metric", "value"])
            workbook.save("metrics.xlsx")  # lost: metrics.xlsx
            document = Document()
            document.add_heading("Training report", level=1)
            document.save("report.docx")  # lost: report.docx
            document.save("outputs/report_copy.docx")
            """,
    }),
    Project("jax-flax-checkpoints", {
        "train_flax.py": """
            import orbax.checkpoint as ocp
            from flax.training import checkpoints

            CKPT_DIR = "flax_ckpt"
            for step in range(10):
                state = train_step(state)
                checkpoints.save_checkpoint(ckpt_dir=CKPT_DIR, target=state, step=step, overwrite=True)  # lost: flax_ckpt
            checkpointer = ocp.PyTreeCheckpointer()
            checkpointer.save("orbax_ckpt", state)  # lost: orbax_ckpt
            checkpoints.save_checkpoint(ckpt_dir="/tmp/flax", target=state, step=10)
            """,
    }),
    Project("catboost-and-animation", {
        "train.py": """
            import matplotlib.animation as animation
            import matplotlib.pyplot as plt
            from catboost import CatBoostClassifier

            model = CatBoostClassifier(iterations=500, train_dir="catboost_logs")  # lost: catboost_logs
            model.fit(X, y, eval_set=(X_val, y_val))
            model.save_model("catboost.cbm")  # lost: catboost.cbm
            fig, ax = plt.subplots()
            anim = animation.FuncAnimation(fig, update, frames=len(history))
            anim.save("training.gif", writer="pillow")  # lost: training.gif
            anim.save("outputs/training.mp4", writer="ffmpeg")
            """,
    }),
    Project("bokeh-altair-plotly", {
        "dashboards.py": """
            import altair as alt
            import plotly.offline
            from bokeh.io import output_file, save
            from bokeh.plotting import figure

            plot = figure(title="loss")
            plot.line(epochs, losses)
            output_file("bokeh_loss.html")  # lost: bokeh_loss.html
            save(plot)
            chart = alt.Chart(frame).mark_line().encode(x="epoch", y="loss")
            chart.save("altair_loss.html")  # lost: altair_loss.html
            plotly.offline.plot(fig, filename="plotly_loss.html", auto_open=False)  # lost: plotly_loss.html
            chart.save("outputs/altair_loss.json")
            """,
    }),
    Project("async-and-jsonlines", {
        "predict.py": """
            import asyncio
            import json

            import aiofiles
            import jsonlines


            async def write_predictions(predictions):
                async with aiofiles.open("predictions.json", "w") as handle:  # lost: predictions.json
                    await handle.write(json.dumps(predictions))


            with jsonlines.open("predictions.jsonl", mode="w") as writer:  # lost: predictions.jsonl
                writer.write_all(rows)
            with jsonlines.open("data/inputs.jsonl") as reader:
                inputs = list(reader)
            asyncio.run(write_predictions(predict(inputs)))
            """,
    }),
    Project("torch-profiler-and-enum", {
        "profile_train.py": """
            from enum import Enum

            import joblib
            import torch
            from torch.profiler import ProfilerActivity, profile, tensorboard_trace_handler


            class Artifacts(str, Enum):
                MODEL = "models/model.pt"
                ENCODER = "models/encoder.joblib"
                REPORT = "outputs/report.json"


            with profile(activities=[ProfilerActivity.CPU],
                         on_trace_ready=tensorboard_trace_handler("./log/profiler")) as prof:  # lost: log/profiler
                train(model)
            torch.save(model.state_dict(), Artifacts.MODEL.value)  # lost: models/model.pt
            joblib.dump(encoder, Artifacts.ENCODER.value)  # lost: models/encoder.joblib
            joblib.dump(report, Artifacts.REPORT.value)
            prof.export_chrome_trace("trace.json")  # lost: trace.json
            """,
    }),
    Project("decorated-helpers-and-path-factories", {
        "utils.py": """
            import functools
            import os
            import time


            def timed():
                def decorate(fn):
                    @functools.wraps(fn)
                    def wrapper(*args, **kwargs):
                        start = time.time()
                        result = fn(*args, **kwargs)
                        with open("timings.log", "a") as handle:  # lost: timings.log
                            handle.write(f"{fn.__name__} {time.time() - start:.2f}\\n")
                        return result
                    return wrapper
                return decorate


            def artifact_paths(run_name):
                base = os.path.join("artifacts", run_name)
                return {"model": os.path.join(base, "model.pkl"),
                        "metrics": os.path.join("outputs", run_name, "metrics.json")}
            """,
        "train.py": """
            import json

            import joblib

            from utils import artifact_paths, timed


            @timed()
            def fit(frame):
                return train_model(frame)


            model = fit(frame)
            paths = artifact_paths("baseline")
            joblib.dump(model, paths["model"])  # lost: artifacts/baseline/model.pkl
            with open(paths["metrics"], "w") as handle:
                json.dump(metrics, handle)
            """,
    }),
    Project("dask-and-gzip", {
        "etl.py": """
            import gzip
            import pickle

            import dask.dataframe as dd

            ddf = dd.read_csv("data/events-*.csv")
            daily = ddf.groupby("day").value.sum()
            daily.to_frame().to_parquet("daily_parquet")  # lost: daily_parquet
            with gzip.open("vocab.pkl.gz", "wb") as handle:  # lost: vocab.pkl.gz
                pickle.dump(vocab, handle)
            with gzip.open("data/lookup.pkl.gz", "rb") as handle:
                lookup = pickle.load(handle)
            ddf.to_csv("outputs/events-*.csv")
            """,
    }),
    Project("config-class-cwd-paths", {
        "config.py": """
            from pathlib import Path


            class Config:
                ROOT = Path.cwd()
                ARTIFACTS = ROOT / "artifacts"
                OUTPUTS = ROOT / "outputs"
                LOGS = ROOT / "logs"
                SEED = 42
            """,
        "train.py": """
            import logging

            import joblib

            from config import Config

            Config.ARTIFACTS.mkdir(exist_ok=True)
            logging.basicConfig(filename=Config.LOGS / "train.log", level=logging.INFO)
            joblib.dump(model, Config.ARTIFACTS / "model.joblib")  # lost: artifacts/model.joblib
            joblib.dump(model, Config.OUTPUTS / "model.joblib")
            (Config.ARTIFACTS / "feature_list.txt").write_text("\\n".join(features))  # lost: artifacts/feature_list.txt
            """,
    }),
    Project("traps-loggers-and-uploads", {
        "train.py": """
            import os

            import comet_ml
            import neptune
            import torch
            from azureml.core import Run
            from lightning.pytorch.loggers import CometLogger, MLFlowLogger

            experiment = comet_ml.Experiment(project_name="demo")
            run = neptune.init_run(project="team/demo")
            logger = MLFlowLogger(experiment_name="demo", tracking_uri=os.environ["MLFLOW_TRACKING_URI"])
            comet = CometLogger(api_key=os.environ["COMET_API_KEY"], save_dir="comet_logs")
            aml_run = Run.get_context()
            torch.save(model.state_dict(), "weights.pt")
            aml_run.upload_file("outputs/weights.pt", "weights.pt")
            torch.save(model.state_dict(), "model_for_comet.pt")
            experiment.log_model("model", "model_for_comet.pt")
            torch.save(model.state_dict(), "neptune_model.pt")
            run["model"].upload("neptune_model.pt")
            torch.save(model.state_dict(), os.path.join(os.environ["AZUREML_CR_EXECUTION_WORKING_DIR_PATH"], "m.pt"))
            torch.save(model.state_dict(), os.path.join(os.getcwd(), "outputs", "final.pt"))
            """,
    }),
    Project("thumbnails-and-sklearn-reports", {
        "thumbnails.py": """
            import io
            import os

            from PIL import Image

            THUMBS = "thumbs"
            os.makedirs(THUMBS, exist_ok=True)
            for name in os.listdir("data/images"):
                image = Image.open(os.path.join("data/images", name)).convert("L").resize((64, 64))
                image.save(os.path.join(THUMBS, name))  # lost: thumbs/*
                buffer = io.BytesIO()
                image.save(buffer, format="PNG")
            """,
        "report.py": """
            import matplotlib.pyplot as plt
            from sklearn.metrics import ConfusionMatrixDisplay, classification_report
            from sklearn.tree import export_graphviz, export_text

            report = classification_report(y_test, predictions)
            open("classification_report.txt", "w").write(report)  # lost: classification_report.txt
            ConfusionMatrixDisplay.from_predictions(y_test, predictions)
            plt.savefig("cm.png")  # lost: cm.png
            export_graphviz(tree, out_file="tree.dot", feature_names=features)  # lost: tree.dot
            rules = export_text(tree, feature_names=features)
            print(rules)
            """,
    }),
    Project("scripts-not-run", {
        "train.py": """
            import joblib
            joblib.dump(model, "outputs/model.joblib")
            joblib.dump(scaler, "scaler.joblib")  # lost: scaler.joblib
            """,
        "tools/make_sample.py": """
            import pandas as pd
            pd.read_csv("data/full.csv").sample(100).to_csv("data/sample.csv")
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python train.py
            environment: azureml:sk:3
            """,
    }, commands=("python train.py",)),
]


# --- held-out-5: written after the analysis was generalised on held-out-4, from shapes and
# libraries the sets above use little (duckdb and polars exports, pandas exporters of tables,
# pickle through pathlib openers, helper classes that hold a save folder, Keras callbacks made by a
# factory of another module, seaborn figures saved by a helper module, pydantic and attrs
# configurations, click options, OmegaConf files beside the script, papermill parameters, workers
# run by joblib and thread pools, logging handlers, Keras/TF exports, PEFT adapters, accelerate).
# First score, as written (the honest estimate of the analysis generalised on held-out-4): recall
# 0.932 (41/44), precision 0.932 (41/44). Missed: polars' sink_parquet, duckdb.connect's database
# file, a file name's suffix after an unknown part in os.path.join (crops/*.jpg reported as
# crops/*); false alarms: that crops/* and a pydantic model built from **kwargs of a file the
# command line names; the third was the set's own error, labelled after the score: after
# ``cd src``, ``outputs/predictions.csv`` is src/outputs/, lost (so: recall 0.933, 42/45,
# precision 0.955, 42/44). --------------------------------------------------------------------------

HELD_OUT_5 = [
    Project("duckdb-polars-features", {
        "features.py": """
            import duckdb
            import pandas as pd
            import polars as pl

            events = pl.read_parquet("data/events.parquet")
            daily = events.group_by("day").agg(pl.col("value").sum())
            daily.write_parquet("daily_features.parquet")  # lost: daily_features.parquet
            daily.write_csv("outputs/daily_features.csv")
            events.lazy().filter(pl.col("value") > 0).sink_parquet("positive_events.parquet")  # lost: positive_events.parquet
            con = duckdb.connect("features.duckdb")  # lost: features.duckdb
            con.execute("CREATE TABLE daily AS SELECT * FROM daily")
            scratch = duckdb.connect(":memory:")
            users = con.execute("SELECT * FROM read_parquet('data/users.parquet')").df()
            users.to_pickle("users.pkl")  # lost: users.pkl
            users.to_json("outputs/users.json", orient="records", lines=True)
            pd.read_pickle("data/lookup.pkl")
            """,
    }),
    Project("table-exporters", {
        "evaluate.py": """
            import pandas as pd

            results = pd.DataFrame(rows)
            results.to_markdown("results_table.md")  # lost: results_table.md
            results.to_latex("results_table.tex", index=False)  # lost: results_table.tex
            results.style.background_gradient(cmap="Blues").to_html("results_styled.html")  # lost: results_styled.html
            with pd.ExcelWriter("per_class.xlsx") as writer:  # lost: per_class.xlsx
                for name, part in results.groupby("label"):
                    part.to_excel(writer, sheet_name=str(name))
            results.to_html("outputs/results.html")
            print(results.to_markdown())
            """,
    }),
    Project("hf-saver-helper-class", {
        "utils/__init__.py": "",
        "utils/saving.py": """
            import os


            class ModelSaver:
                def __init__(self, out_dir="saved"):
                    self.out_dir = out_dir
                    os.makedirs(out_dir, exist_ok=True)

                def save(self, model, tokenizer, name):
                    target = os.path.join(self.out_dir, name)
                    model.save_pretrained(target)
                    tokenizer.save_pretrained(target)
                    return target
            """,
        "finetune.py": """
            from peft import LoraConfig, get_peft_model
            from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

            from utils.saving import ModelSaver

            tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased")
            base = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
            model = get_peft_model(base, LoraConfig(r=8, task_type="SEQ_CLS"))
            args = TrainingArguments(output_dir="outputs/hf", logging_dir="logs/hf", num_train_epochs=3)
            trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds)
            trainer.train()
            saver = ModelSaver()
            saver.save(model, tokenizer, "best")  # lost: saved/best
            ModelSaver("outputs/export").save(model, tokenizer, "final")
            model.save_pretrained("lora_adapter")  # lost: lora_adapter
            trainer.save_model("best_model")  # lost: best_model
            trainer.state.save_to_json("trainer_state.json")  # lost: trainer_state.json
            model.push_to_hub("team/distilbert-lora")
            """,
    }),
    Project("keras-callback-factory", {
        "callbacks.py": """
            import os

            from tensorflow import keras


            def make_callbacks(run_name, log_root="tb_logs"):
                return [
                    keras.callbacks.ModelCheckpoint(f"checkpoints/{run_name}.keras", save_best_only=True),
                    keras.callbacks.CSVLogger(os.path.join(log_root, run_name + ".csv")),
                    keras.callbacks.TensorBoard(log_dir=os.path.join(log_root, run_name)),
                    keras.callbacks.EarlyStopping(patience=3),
                ]
            """,
        "train.py": """
            import tensorflow as tf
            from tensorflow import keras

            from callbacks import make_callbacks

            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x_train, y_train, epochs=5, callbacks=make_callbacks("baseline"))  # lost: checkpoints/baseline.keras, tb_logs/baseline.csv, tb_logs/baseline
            model.fit(x_train, y_train, epochs=5, callbacks=make_callbacks("outputs", log_root="logs"))  # lost: checkpoints/outputs.keras
            tf.saved_model.save(model, "export/1")  # lost: export/1
            model.export("serving")  # lost: serving
            model.save_weights("outputs/final.weights.h5")
            """,
    }),
    Project("seaborn-plots-module", {
        "viz/__init__.py": "",
        "viz/plots.py": """
            from pathlib import Path

            import matplotlib.pyplot as plt
            import seaborn as sns

            FIG_DIR = Path(__file__).resolve().parent.parent / "figures"


            def _save(fig, name):
                FIG_DIR.mkdir(exist_ok=True)
                fig.savefig(FIG_DIR / f"{name}.png", dpi=150, bbox_inches="tight")
                plt.close(fig)


            def save_to(fig, path):
                fig.savefig(path)


            def plot_correlations(frame):
                ax = sns.heatmap(frame.corr(), annot=True)
                _save(ax.figure, "correlations")  # lost: figures/correlations.png


            def plot_pairs(frame, path="outputs/pairs.png"):
                grid = sns.pairplot(frame)
                grid.savefig(path)
            """,
        "analyse.py": """
            import pandas as pd
            import seaborn as sns

            from viz.plots import plot_correlations, plot_pairs, save_to

            frame = pd.read_csv("data/train.csv")
            plot_correlations(frame)
            plot_pairs(frame)
            plot = sns.histplot(frame["target"])
            plot.get_figure().savefig("target_hist.png")  # lost: target_hist.png
            save_to(plot.get_figure(), "outputs/target_hist.png")
            grid = sns.FacetGrid(frame, col="segment")
            grid.map(sns.histplot, "amount")
            grid.savefig("amount_by_segment.png")  # lost: amount_by_segment.png
            """,
    }),
    Project("pydantic-config-torch", {
        "config.py": """
            from pathlib import Path

            from pydantic import BaseModel


            class TrainConfig(BaseModel):
                epochs: int = 20
                lr: float = 3e-4
                checkpoint_dir: str = "checkpoints"
                log_file: str = "train.log"
                export_path: Path = Path("outputs/model.onnx")
            """,
        "train.py": """
            import logging
            from pathlib import Path

            import torch

            from config import TrainConfig

            cfg = TrainConfig()
            logging.basicConfig(filename=cfg.log_file, level=logging.INFO)  # lost: train.log
            for epoch in range(cfg.epochs):
                train_one_epoch(model)
                torch.save(model.state_dict(), Path(cfg.checkpoint_dir) / f"epoch{epoch}.pt")  # lost: checkpoints/epoch*.pt
            torch.onnx.export(model, example, cfg.export_path)
            """,
        "finetune.py": """
            import argparse
            import json

            import torch

            from config import TrainConfig

            parser = argparse.ArgumentParser()
            parser.add_argument("--config", required=True)
            args = parser.parse_args()
            cfg = TrainConfig(**json.load(open(args.config)))
            torch.save(model.state_dict(), cfg.checkpoint_dir + "/finetuned.pt")
            """,
    }),
    Project("attrs-paths-and-pickles", {
        "prepare.py": """
            import os
            import pickle
            from pathlib import Path

            import attrs
            import cloudpickle
            import dill


            @attrs.define
            class Paths:
                cache: str = "cache"
                artifacts: str = attrs.field(default="artifacts")
                outputs: str = "outputs"


            paths = Paths()
            with (Path(paths.cache) / "vocab.pkl").open("wb") as handle:  # lost: cache/vocab.pkl
                pickle.dump(vocab, handle)
            dill.dump(tokenize, open(os.path.join(paths.artifacts, "tokenize.dill"), "wb"))  # lost: artifacts/tokenize.dill
            with open(os.path.join(paths.outputs, "encoder.cloudpickle"), "wb") as handle:
                cloudpickle.dump(encoder, handle)
            with open(os.path.join(paths.cache, "stopwords.pkl"), "rb") as handle:
                stopwords = pickle.load(handle)
            """,
    }),
    Project("click-lightgbm", {
        "train.py": """
            import json
            import os

            import click
            import lightgbm as lgb
            import matplotlib.pyplot as plt
            import pandas as pd


            @click.command()
            @click.option("--data", type=click.Path(exists=True))
            @click.option("--model-dir", default="lgbm_models")
            @click.option("--out", default="outputs")
            def main(data, model_dir, out):
                frame = pd.read_csv(data)
                params = {"objective": "binary", "learning_rate": 0.05}
                booster = lgb.train(params, lgb.Dataset(frame.drop(columns="y"), frame.y))
                os.makedirs(model_dir, exist_ok=True)
                booster.save_model(os.path.join(model_dir, "model.txt"))  # lost: lgbm_models/model.txt
                with open(os.path.join(model_dir, "params.json"), "w") as handle:  # lost: lgbm_models/params.json
                    json.dump(params, handle)
                importance = pd.DataFrame({"gain": booster.feature_importance("gain")})
                importance.to_csv(os.path.join(out, "importance.csv"))
                lgb.plot_importance(booster)
                plt.savefig(os.path.join(out, "importance.png"))


            if __name__ == "__main__":
                main()
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: python train.py --data ${{inputs.data}} --out ${{outputs.result}}
            environment: azureml:lightgbm:4
            """,
    }, commands=("python train.py --data ${{inputs.data}} --out ${{outputs.result}}",)),
    Project("papermill-parameters-and-helpers", {
        "helpers.py": """
            import os

            import matplotlib.pyplot as plt


            def save_fig(name, folder="plots"):
                os.makedirs(folder, exist_ok=True)
                plt.savefig(os.path.join(folder, name))
                plt.close()
            """,
        "train.ipynb": notebook(
            """
            import numpy as np
            import pandas as pd
            import matplotlib.pyplot as plt
            from helpers import save_fig
            """,
            """
            # parameters
            epochs = 10
            data_path = "data/train.csv"
            output_dir = "results"
            """,
            """
            frame = pd.read_csv(data_path)
            frame.to_pickle(f"{output_dir}/frame.pkl")  # lost: results/frame.pkl
            """,
            """
            history = train(frame, epochs=epochs)
            plt.plot(history["loss"])
            save_fig("loss.png")  # lost: plots/loss.png
            save_fig("loss.png", folder="outputs/plots")
            np.savez_compressed("embeddings.npz", train=train_emb, test=test_emb)  # lost: embeddings.npz
            """,
        ),
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: papermill train.ipynb outputs/train.ipynb -p epochs 3 -p data_path ${{inputs.data}}
            environment: azureml:papermill:2
            """,
    }, commands=("papermill train.ipynb outputs/train.ipynb -p epochs 3 -p data_path ${{inputs.data}}",)),
    Project("checkpointer-class", {
        "engine/__init__.py": "",
        "engine/checkpoint.py": """
            from pathlib import Path

            import torch


            class Checkpointer:
                def __init__(self, model, optimizer, save_dir="weights", keep=3):
                    self.model = model
                    self.optimizer = optimizer
                    self.save_dir = Path(save_dir)
                    self.save_dir.mkdir(parents=True, exist_ok=True)
                    self.keep = keep

                def save(self, name, **extra):
                    data = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}
                    data.update(extra)
                    path = self.save_dir / f"{name}.pth"
                    torch.save(data, path)
                    return path
            """,
        "train.py": """
            import io

            import torch

            from engine.checkpoint import Checkpointer

            checkpointer = Checkpointer(model, optimizer)
            best = Checkpointer(model, optimizer, save_dir="outputs/best")
            for epoch in range(30):
                loss = train_one_epoch(model, optimizer)
                checkpointer.save(f"epoch_{epoch}", epoch=epoch)  # lost: weights/epoch_*.pth
                if loss < best_loss:
                    best.save("model", epoch=epoch)
            torch.jit.script(model).save("scripted.pt")  # lost: scripted.pt
            buffer = io.BytesIO()
            torch.save(model.state_dict(), buffer)
            """,
    }),
    Project("report-beside-package", {
        "src/reporting/__init__.py": "",
        "src/reporting/report.py": """
            import json
            from pathlib import Path

            import pandas as pd

            ROOT = Path(__file__).resolve().parents[2]
            REPORT_DIR = ROOT / "reports"
            DATA_DIR = ROOT / "data"


            def load_reference():
                return pd.read_csv(DATA_DIR / "reference.csv")


            def write_report(metrics):
                REPORT_DIR.mkdir(exist_ok=True)
                (REPORT_DIR / "metrics.md").write_text(f"accuracy: {metrics['accuracy']:.3f}")  # lost: reports/metrics.md
                with open(REPORT_DIR / "metrics.json", "w") as handle:  # lost: reports/metrics.json
                    json.dump(metrics, handle, indent=2)
            """,
        "src/train.py": """
            import sys
            from pathlib import Path

            sys.path.append(str(Path(__file__).parent))
            from reporting.report import load_reference, write_report

            reference = load_reference()
            metrics = evaluate(model, reference)
            write_report(metrics)
            """,
    }),
    Project("tracked-artifacts-traps", {
        "train.py": """
            import os
            import shutil

            import matplotlib.pyplot as plt
            import mlflow
            import mlflow.sklearn
            import pandas as pd
            import wandb
            from azureml.core import Run

            run = Run.get_context()
            wandb.init(project="churn")
            frame = pd.read_csv("data/churn.csv")
            labels = open("labels.txt").read().split()
            plt.savefig("confusion.png")
            mlflow.log_artifact("confusion.png")
            mlflow.log_figure(fig, "roc.png")
            mlflow.sklearn.save_model(model, "sk_model")
            mlflow.log_artifacts("sk_model", artifact_path="model")
            mlflow.sklearn.save_model(model, "sk_model_local")  # lost: sk_model_local
            os.makedirs("exports", exist_ok=True)
            frame.to_csv("exports/scored.csv")
            run.upload_folder(name="exports", path="exports")
            model_path = os.path.join(os.environ.get("AZUREML_MODEL_DIR", "model"), "model.pkl")
            pd.to_pickle(model, model_path)
            pd.to_pickle(model, "wandb_model.pkl")
            wandb.save("wandb_model.pkl")
            pd.to_pickle(model, os.path.join("outputs", "model.pkl"))
            frame.head(100).to_csv("tb_sample.csv")
            shutil.move("tb_sample.csv", "outputs/tb_sample.csv")
            frame.describe().to_csv("stats.csv")  # lost: stats.csv
            """,
    }),
    Project("parallel-workers", {
        "shard.py": """
            import os
            from concurrent.futures import ThreadPoolExecutor

            import pandas as pd
            from joblib import Parallel, delayed
            from PIL import Image


            def process_shard(index, rows):
                pd.DataFrame(rows).to_parquet(f"shards/part-{index:04d}.parquet")  # lost: shards/part-*.parquet


            def save_crop(item):
                Image.fromarray(item.pixels).save(os.path.join("crops", f"{item.id}.jpg"))  # lost: crops/*.jpg


            def save_mask(item):
                Image.fromarray(item.mask).save(os.path.join("outputs", "masks", f"{item.id}.png"))


            os.makedirs("shards", exist_ok=True)
            Parallel(n_jobs=4)(delayed(process_shard)(i, chunk) for i, chunk in enumerate(chunks))
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(save_crop, items))
                list(pool.map(save_mask, items))
            """,
    }),
    Project("logging-handlers-and-stdout", {
        "logsetup.py": """
            import logging
            import os
            from logging.handlers import RotatingFileHandler, TimedRotatingFileHandler

            LOG_DIR = "logs"


            def setup_logging(name="train"):
                logger = logging.getLogger(name)
                logger.addHandler(RotatingFileHandler(os.path.join(LOG_DIR, f"{name}.log"), maxBytes=10_000_000))
                logger.addHandler(TimedRotatingFileHandler("debug/trace.log", when="H"))  # lost: debug/trace.log
                return logger
            """,
        "train.py": """
            import sys

            from logsetup import setup_logging

            logger = setup_logging()
            sys.stdout = open("stdout.txt", "w")  # lost: stdout.txt
            print("epoch 1 done")
            with open("summary.txt", "a") as handle:  # lost: summary.txt
                print(f"best loss {best_loss}", file=handle)
            """,
    }),
    Project("omegaconf-beside-script", {
        "src/conf/config.yaml": """
            paths:
              model_dir: trained
              predictions: outputs/predictions.csv
              cache: /tmp/cache
            training:
              max_depth: 6
            """,
        "src/train.py": """
            from pathlib import Path

            import joblib
            import xgboost as xgb
            from omegaconf import OmegaConf

            cfg = OmegaConf.load(Path(__file__).parent / "conf" / "config.yaml")
            model = xgb.XGBClassifier(max_depth=cfg.training.max_depth).fit(X, y)
            Path(cfg.paths.model_dir).mkdir(exist_ok=True)
            joblib.dump(model, Path(cfg.paths.model_dir) / "model.joblib")  # lost: trained/model.joblib
            model.save_model(f"{cfg.paths.model_dir}/xgb.ubj")  # lost: trained/xgb.ubj
            predictions.to_csv(cfg.paths.predictions)  # lost: outputs/predictions.csv
            joblib.dump(features, Path(cfg.paths.cache) / "features.joblib")
            """,
        "job.yml": """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: .
            command: cd src && python train.py
            environment: azureml:xgb:1
            """,
    }, commands=("cd src && python train.py",)),
    Project("accelerate-and-temp-traps", {
        "train.py": """
            import os
            import tempfile

            import mlflow
            import torch
            from accelerate import Accelerator

            accelerator = Accelerator()
            model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
            train(model, loader)
            accelerator.wait_for_everyone()
            accelerator.save_model(model, "acc_model")  # lost: acc_model
            accelerator.save(accelerator.unwrap_model(model).state_dict(), "outputs/weights.pt")
            with tempfile.TemporaryDirectory() as tmp:
                accelerator.unwrap_model(model).save_pretrained(tmp)
                mlflow.log_artifacts(tmp, artifact_path="hf_model")
            torch.save(model.state_dict(), "resume.pt")
            os.remove("resume.pt")
            """,
    }),
]


# --- scoring -----------------------------------------------------------------------------------

def _shown(target: str) -> str:
    """A path as compared: ``./model`` and ``model`` are one path."""
    return posixpath.normpath(strip_dot(target.strip().replace("\\", "/")))


def labels(project: Project) -> set[tuple[str, int, str]]:
    found: set[tuple[str, int, str]] = set()
    for name, text in project.files.items():
        if name.endswith(".ipynb"):
            for cell_number, cell in enumerate(json.loads(text)["cells"], start=1):
                for line, source in enumerate("".join(cell["source"]).split("\n"), start=1):
                    match = _LABEL.search(source)
                    if match:
                        found.update((f"{name}#{cell_number}", line, _shown(target))
                                     for target in match.group(1).split(","))
            continue
        for line, source in enumerate(textwrap.dedent(text).lstrip("\n").split("\n"), start=1):
            match = _LABEL.search(source)
            if match:
                found.update((name, line, _shown(target)) for target in match.group(1).split(","))
    return found


def findings(project: Project) -> set[tuple[str, int, str]]:
    data = {}
    for name, text in project.files.items():
        body = text if name.endswith(".ipynb") else textwrap.dedent(text).lstrip("\n")
        data[name] = body.encode()
    result = find_lost_writes(sorted(data), data.__getitem__,
                              commands=list(project.commands) if project.commands is not None else None)
    return {(f"{write.file}#{write.cell}" if write.cell else write.file, write.line, _shown(write.target))
            for write in result.writes}


def score(projects: list[Project], verbose: bool) -> tuple[int, int, int]:
    true = false = missed = 0
    print(f"{'project':34} {'labels':>6} {'found':>6} {'right':>6}")
    for project in projects:
        expected, found = labels(project), findings(project)
        right = expected & found
        true += len(right)
        false += len(found - expected)
        missed += len(expected - found)
        print(f"{project.name:34} {len(expected):6} {len(found):6} {len(right):6}")
        if verbose:
            for item in sorted(expected - found):
                print(f"    missed: {item}")
            for item in sorted(found - expected):
                print(f"    false alarm: {item}")
    return true, false, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="all", choices=(
        "dev", "dev-2", "dev-3", "held-out", "held-out-2", "held-out-3", "held-out-4", "held-out-5", "all"))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    sets = {"dev": DEV, "dev-2": DEV_2, "dev-3": DEV_3, "held-out": HELD_OUT,
            "held-out-2": HELD_OUT_2, "held-out-3": HELD_OUT_3, "held-out-4": HELD_OUT_4,
            "held-out-5": HELD_OUT_5}
    chosen = list(sets) if args.set == "all" else [args.set]
    for name in chosen:
        start = time.perf_counter()
        print(f"== {name}")
        true, false, missed = score(sets[name], args.verbose)
        recall = true / max(true + missed, 1)
        precision = true / max(true + false, 1)
        print(f"recall {recall:.3f} ({true}/{true + missed}), precision {precision:.3f} "
              f"({true}/{true + false}), {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
