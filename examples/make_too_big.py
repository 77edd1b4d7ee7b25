"""Fill examples/too-big with what a few local runs leave behind: data, a model, an .env file.

The data files are sparse: they take no disk space, but Azure ML (and snapshot-guard) see their size.
Nothing here is committed: examples/too-big/.gitignore hides it from git, while the .amlignore, which
Azure ML reads instead of the .gitignore, lets most of it into the snapshot.
"""
from __future__ import annotations

import os
import secrets
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "too-big"
MIB = 1024 * 1024


def sparse(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)


def main() -> None:
    sparse(ROOT / "data" / "raw" / "download.zip", 900 * MIB)
    sparse(ROOT / "data" / "train.csv", 240 * MIB)
    sparse(ROOT / "data" / "valid.csv", 60 * MIB)
    sparse(ROOT / "outputs" / "model.pt", 45 * MIB)
    for index in range(2100):
        sparse(ROOT / "data" / "images" / f"{index:05}.png", 2048)
    # A made-up key in the real format, random each time: never a real credential.
    key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(86)) + "=="
    (ROOT / ".env").write_text(
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=mlstore;"
        f"AccountKey={key};EndpointSuffix=core.windows.net\n"
    )
    print(f"filled {os.path.relpath(ROOT)}: data/, outputs/model.pt and .env (sparse files)")


if __name__ == "__main__":
    main()
