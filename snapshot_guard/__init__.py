"""pre-commit hooks that keep Azure Machine Learning job snapshots small, clean and free of secrets."""
