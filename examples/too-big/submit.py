"""Submits train.py with this folder as the snapshot (azureml-core, SDK v1)."""
from azureml.core import Experiment, ScriptRunConfig, Workspace

workspace = Workspace.from_config()
config = ScriptRunConfig(source_directory=".", script="train.py", compute_target="cpu-cluster")
Experiment(workspace, "too-big").submit(config)
