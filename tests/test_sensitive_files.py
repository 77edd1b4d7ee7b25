"""``snapshot-sensitive-files``: the detector on realistic files (every kind, positives and hard
negatives), the hook on real git repositories, and a few runs through the real pre-commit.

Secret-looking values are assembled at test time from random pieces in the real formats: this file
holds no literal key, so nothing here looks like a credential to a push-protection scanner.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import HookRepo, git, unwrapped
from hypothesis import given, settings
from hypothesis import strategies as st

from snapshot_guard import plan, sensitive
from snapshot_guard.errors import View
from snapshot_guard.sensitive import ScanSettings, mask, scan_file
from snapshot_guard.sensitive_files import findings_for, main
from snapshot_guard.snapshot import take_snapshot

RNG = random.Random(20261202)
ALNUM = string.ascii_letters + string.digits


def chars(alphabet: str, length: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(length))


def b64(nbytes: int) -> str:
    return base64.b64encode(RNG.randbytes(nbytes)).decode()


def hexs(length: int) -> str:
    return chars("0123456789abcdef", length)


def uuid() -> str:
    h = hexs(32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def storage_key() -> str:
    return b64(64)


def aad_secret() -> str:
    return chars(ALNUM, 3) + "8Q" + "~" + chars(ALNUM + "_-", 34)


def sas_query() -> str:
    sig = b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    return f"sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-01-01T00:00:00Z&spr=https&sig={sig}"


def password() -> str:
    return chars(ALNUM, 9) + "#" + chars(ALNUM, 6)


def pem(label: str = "RSA PRIVATE KEY", nbytes: int = 1190) -> str:
    body = b64(nbytes)
    return "\n".join(
        [
            f"-----BEGIN {label}-----",
            *(body[i : i + 64] for i in range(0, len(body), 64)),
            f"-----END {label}-----",
            "",
        ]
    )


def emulator_key() -> str:
    """The Azure Storage emulator's published development key (public, in Microsoft's docs)."""
    return "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq" + "/K1SZFPTOtr/KBHBeksoGMGw=="


def connection_string(key: str) -> str:
    return (
        f"DefaultEndpointsProtocol=https;AccountName=mlstore{hexs(4)};AccountKey={key};"
        f"EndpointSuffix=core.windows.net"
    )


def notebook(*cells: tuple[list[str], list[dict[str, object]]]) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": 1,
                    "metadata": {},
                    "source": source,
                    "outputs": outputs,
                }
                for source, outputs in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def write(path: Path, content: str | bytes = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def scan(
    tmp_path: Path, relpath: str, content: str | bytes, settings: ScanSettings | None = None
) -> list[sensitive.Detection]:
    path = write(tmp_path / relpath, content)
    return scan_file(str(path), relpath, path.stat().st_size, settings or ScanSettings())


def kinds(tmp_path: Path, relpath: str, content: str | bytes) -> list[str]:
    return [detection.kind for detection in scan(tmp_path, relpath, content)]


# --- credentials by content: one realistic file per kind ---------------------------------------

Positive = tuple[str, Callable[[], str | bytes], str]
POSITIVES: list[Positive] = [
    (
        "src/settings.py",
        lambda: f'"""Job settings."""\nimport os\n\nSTORAGE = "{connection_string(storage_key())}"\n',
        "azure-storage-key",
    ),
    (
        "src/upload.py",
        lambda: f'URL = "https://acct.blob.core.windows.net/raw/x.csv?{sas_query()}"\n',
        "sas-token",
    ),
    (
        "src/bus.py",
        lambda: (
            f'CONN = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;'
            f'SharedAccessKey={b64(32)}"\n'
        ),
        "shared-access-key",
    ),
    ("src/cosmos.py", lambda: f'COSMOS_KEY = "{b64(64)}"\n', "cosmos-key"),
    (
        "src/sp.yaml",
        lambda: f"tenant_id: {uuid()}\nclient_id: {uuid()}\nclient_secret: {aad_secret()}\n",
        "azure-client-secret",
    ),
    (
        "src/llm.py",
        lambda: f'client = AzureOpenAI(\n    api_key="{hexs(32)}",\n    api_version="2024-02-01",\n)\n',
        "azure-ai-key",
    ),
    (
        "src/requirements.txt",
        lambda: (
            f"--extra-index-url https://build:{chars(string.ascii_lowercase + '234567', 52)}"
            f"@pkgs.dev.azure.com/contoso/_packaging/ml/pypi/simple/\nnumpy==1.26.4\n"
        ),
        "azure-devops-pat",
    ),
    (
        "env/conda.yaml",
        lambda: (
            f"dependencies:\n  - pip:\n    - --index-url https://x:{chars(ALNUM, 52)}"
            f"@contoso.pkgs.visualstudio.com/_packaging/f/pypi/simple/\n"
        ),
        "azure-devops-pat",
    ),
    (
        "deploy/push.sh",
        lambda: f"docker login acr.azurecr.io -u acr -p {chars(ALNUM, 42)}+ACR{chars(ALNUM, 6)}\n",
        "registry-password",
    ),
    ("src/dbx.py", lambda: f'TOKEN = "dapi{hexs(32)}"\n', "databricks-token"),
    (
        "src/db.py",
        lambda: f'conn = "Server=tcp:sql.database.windows.net,1433;Database=f;Uid=ml;Pwd={password()};"\n',
        "database-password",
    ),
    (
        "src/engine.py",
        lambda: f'engine = create_engine("postgresql+psycopg2://ml:{password()}@pg.example.net/db")\n',
        "database-password",
    ),
    ("src/s3.py", lambda: f'ID = "AKIA{chars(string.ascii_uppercase + "234567", 16)}"\n', "aws-access-key"),
    (
        "src/aws.ini",
        lambda: f"[default]\naws_secret_access_key = {chars(ALNUM + '/+', 40)}\n",
        "aws-secret-key",
    ),
    (
        "src/sa.json",
        lambda: json.dumps(
            {
                "type": "service_account",
                "project_id": "p",
                "private_key_id": hexs(40),
                "private_key": pem("PRIVATE KEY"),
            },
            indent=2,
        ),
        "gcp-service-account",
    ),
    (
        "src/clone.sh",
        lambda: f"git clone https://ghp_{chars(ALNUM, 36)}@github.com/o/r.git\n",
        "github-token",
    ),
    ("src/ci.py", lambda: f'TOKEN = "glpat-{chars(ALNUM, 20)}"\n', "gitlab-token"),
    ("src/hub.py", lambda: f'login(token="hf_{chars(string.ascii_letters, 34)}")\n', "huggingface-token"),
    (
        "src/oai.py",
        lambda: f'openai.api_key = "sk-proj-{chars(ALNUM, 40)}T3BlbkFJ{chars(ALNUM, 40)}"\n',
        "openai-key",
    ),
    ("keys/deploy.pem", lambda: pem(), "private-key"),
    ("src/embedded.py", lambda: 'KEY = "' + pem("PRIVATE KEY").replace("\n", "\\n") + '"\n', "private-key"),
    (
        "keys/box.txt",
        lambda: (
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 2\n"
            + b64(60)
            + "\nPrivate-Lines: 1\n"
            + b64(48)
            + "\n"
        ),
        "private-key",
    ),
    (
        "src/register.py",
        lambda: (
            "Datastore.register_azure_blob_container(\n    workspace=ws,\n"
            f'    account_name="acct",\n    account_key="{storage_key()}",\n)\n'
        ),
        "azureml-datastore-credential",
    ),
    (
        "src/auth.py",
        lambda: f'auth = ServicePrincipalAuthentication("{uuid()}", "{uuid()}", "{password()}")\n',
        "service-principal-password",
    ),
    (
        "datastores/blob.yml",
        lambda: (
            f"name: raw\ntype: azure_blob\naccount_name: acct\ncredentials:\n"
            f"  sas_token: {chars(ALNUM, 30)}\n"
        ),
        "datastore-credentials",
    ),
    (
        "jobs/train.yml",
        lambda: (
            "command: python train.py\nenvironment_variables:\n  LOG_LEVEL: info\n"
            f'  FEATURE_DB_PASSWORD: "{password()}"\n'
        ),
        "job-secret-env",
    ),
    ("src/.env.production", lambda: f"API_URL=https://api\nAPI_KEY={chars(ALNUM, 32)}\n", "secret"),
]


@pytest.mark.parametrize(
    ("relpath", "content", "kind"), POSITIVES, ids=[item[2] + ":" + item[0] for item in POSITIVES]
)
def test_each_credential_kind_is_found_in_a_realistic_file(
    tmp_path: Path, relpath: str, content: Callable[[], str | bytes], kind: str
) -> None:
    assert kind in kinds(tmp_path, relpath, content())


# --- hard negatives ----------------------------------------------------------------------------

NEGATIVES: list[tuple[str, Callable[[], str | bytes]]] = [
    (
        "src/train.py",
        lambda: (
            "import os\nkey = os.environ['AZURE_STORAGE_KEY']\n"
            "client_secret = os.getenv('AZURE_CLIENT_SECRET')\npassword = getpass.getpass()\n"
            "token = credential.get_token(SCOPE).token\napi_key = settings.openai_key\n"
        ),
    ),
    (
        "src/.env.example",
        lambda: (
            "AZURE_CLIENT_SECRET=<your-client-secret>\n"
            "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=<a>;"
            "AccountKey=<key>\n"
        ),
    ),
    (
        "README.md",
        lambda: (
            "Put `AccountKey=<your-account-key>` in the connection string.\n"
            "export AZURE_CLIENT_SECRET=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
            "A SAS looks like `?sv=2022-11-02&se=...&sig=<signature>`.\n"
            "A key file starts with -----BEGIN RSA PRIVATE KEY----- and base64 lines.\n"
        ),
    ),
    (
        "local.settings.json",
        lambda: json.dumps(
            {
                "Values": {
                    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
                    "Blob": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                    f"AccountKey={emulator_key()};",
                }
            }
        ),
    ),
    ("src/requirements.txt", lambda: "".join(f"p{i}==1.0 --hash=sha256:{hexs(64)}\n" for i in range(5))),
    (
        "jobs/ids.yml",
        lambda: (
            f"subscription_id: {uuid()}\nclient_id: {uuid()}\nrun_id: {hexs(32)}\n"
            f"commit: {hexs(40)}\nmodel_hash: {hexs(64)}\n"
        ),
    ),
    (
        "jobs/score.yml",
        lambda: (
            'environment_variables:\n  MAX_TOKENS: "4096"\n  TOKENIZERS_PARALLELISM: "false"\n'
            "  AZURE_CLIENT_SECRET: ${{secrets.AZURE_CLIENT_SECRET}}\n  SECRET_NAME: storage-key\n"
        ),
    ),
    (
        "env/pip.conf",
        lambda: (
            "[global]\nextra-index-url = https://b:${AZURE_DEVOPS_PAT}@pkgs.dev.azure.com/o/_packaging/"
            "f/pypi/simple/\n"
        ),
    ),
    ("certs/DigiCertGlobalRootCA.crt.pem", lambda: pem("CERTIFICATE", 900)),
    ("src/pub.py", lambda: "PUBLIC = '''" + pem("PUBLIC KEY", 270) + "'''\n"),
    (
        "web/package-lock.json",
        lambda: json.dumps({"packages": {"node_modules/a": {"integrity": "sha512-" + b64(64)}}}),
    ),
    ("src/icon.json", lambda: json.dumps({"name": "icon", "data": b64(600)})),
    (
        "src/schema.py",
        lambda: (
            "id = Column(Integer, primary_key=True)\npassword_hash = Column(String(128))\n"
            "token_type = 'bearer'\nmax_tokens = 512\n"
        ),
    ),
    (
        "tests/docker-compose.yml",
        lambda: "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: postgres\n",
    ),
    (
        "azure-pipelines.yml",
        lambda: "- script: az login --service-principal -u $(CLIENT_ID) -p $(CLIENT_SECRET)\n",
    ),
    (
        "src/kv.py",
        lambda: (
            "secret = client.get_secret('db').value\n"
            'conn = f"Server=tcp:sql;Database=f;Uid=ml;Pwd={secret};"\n'
        ),
    ),
    (
        "infra/app.json",
        lambda: json.dumps(
            {"DB_PASSWORD": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db/)"}
        ),
    ),
    (
        "src/datastore.py",
        lambda: (
            "AccountKeyConfiguration(account_key=os.environ['KEY'])\n"
            "ServicePrincipalAuthentication(tenant_id=t, service_principal_id=c,\n"
            "    service_principal_password=os.environ['AZUREML_PASSWORD'])\n"
        ),
    ),
    (
        "data/sample.csv",
        lambda: "x,y\n" + "".join(f"{RNG.random():.5f},{RNG.random():.5f}\n" for _ in range(200)),
    ),
    ("models/encoder.pkl", lambda: b"\x80\x04\x95" + RNG.randbytes(2000)),
    ("deploy/id_rsa.pub", lambda: f"ssh-rsa {b64(270)} user@host\n"),
    ("src/.env.example.md", lambda: "AZURE_CLIENT_SECRET=\n"),
    (
        "notebooks/plot.ipynb",
        lambda: notebook(
            (
                ["plt.plot(x)\n"],
                [{"output_type": "display_data", "metadata": {}, "data": {"image/png": b64(3000)}}],
            )
        ),
    ),
    ("src/fake.py", lambda: 'aws = "AKIAIOSFODNN7EXAMPLE"\nkey = "sk-..."\nprint("ghp_" + "x" * 36)\n'),
]


@pytest.mark.parametrize(("relpath", "content"), NEGATIVES, ids=[item[0] for item in NEGATIVES])
def test_placeholders_docs_hashes_and_public_material_are_not_findings(
    tmp_path: Path, relpath: str, content: Callable[[], str | bytes]
) -> None:
    assert scan(tmp_path, relpath, content()) == []


# --- names --------------------------------------------------------------------------------------


CREDENTIAL_FILES = [
    (".env", lambda: f"AZURE_CLIENT_SECRET={aad_secret()}\n"),
    ("deep/a/b/c/d/e/.env", lambda: f"DB_PASSWORD={password()}\n"),
    (".env.local", lambda: f"export API_KEY='{chars(ALNUM, 32)}'\n"),
    ("home/.ssh/id_rsa", lambda: pem("OPENSSH PRIVATE KEY", 300)),
    ("keys/id_ed25519", lambda: pem("OPENSSH PRIVATE KEY", 300)),
    ("cert.pfx", lambda: b"\x30\x82\x0a\x01\x02\x01\x03" + RNG.randbytes(2000)),
    ("c.p12", lambda: b"\x30\x82\x0a\x01\x02\x01\x03" + RNG.randbytes(2000)),
    (
        "k.ppk",
        lambda: f"PuTTY-User-Key-File-3: ssh-rsa\nPublic-Lines: 1\n{b64(60)}\nPrivate-Lines: 1\n{b64(48)}",
    ),
    (".netrc", lambda: f"machine api.contoso.com login ml password {password()}\n"),
    (".git-credentials", lambda: f"https://b:{chars(string.ascii_lowercase + '234567', 52)}@dev.azure.com\n"),
    ("infra/terraform.tfstate", lambda: json.dumps({"attributes": {"primary_access_key": storage_key()}})),
    ("infra/prod.tfvars", lambda: f'sql_admin_password = "{password()}"\n'),
    (
        ".azure/msal_token_cache.json",
        lambda: json.dumps({"RefreshToken": {"x": {"secret": chars(ALNUM, 60)}}}),
    ),
    (".aws/credentials", lambda: f"[default]\naws_secret_access_key = {chars(ALNUM + '/+', 40)}\n"),
    ("deploy/kubeconfig", lambda: f"apiVersion: v1\nkind: Config\nusers:\n- user:\n    token: {hexs(64)}\n"),
    (".kube/config", lambda: f"apiVersion: v1\nkind: Config\nusers:\n- user:\n    password: {password()}\n"),
]


@pytest.mark.parametrize(("relpath", "content"), CREDENTIAL_FILES, ids=[item[0] for item in CREDENTIAL_FILES])
def test_credential_files_are_found_by_their_content_not_their_name(
    tmp_path: Path, relpath: str, content: Callable[[], str | bytes]
) -> None:
    found = scan(tmp_path, relpath, content())
    assert found and all(d.category == "credential" and d.severity == "error" for d in found)
    assert scan(tmp_path, relpath, "content\n") == []


def test_config_files_that_need_their_content_to_decide(tmp_path: Path) -> None:
    auth = base64.b64encode(f"acr:{password()}".encode()).decode()
    assert "registry-password" in kinds(
        tmp_path, ".docker/config.json", json.dumps({"auths": {"a.azurecr.io": {"auth": auth}}})
    )
    assert kinds(tmp_path, "b/.docker/config.json", json.dumps({"credsStore": "desktop"})) == []
    assert "secret" in kinds(tmp_path, ".npmrc", f"//pkgs.dev.azure.com/o/:_authToken={chars(ALNUM, 52)}\n")
    assert kinds(tmp_path, "b/.npmrc", "registry=https://registry.npmjs.org/\n") == []
    pypirc = f"[pypi]\nusername = __token__\npassword = {chars(ALNUM, 60)}\n"
    assert "password" in kinds(tmp_path, ".pypirc", pypirc)
    assert kinds(tmp_path, "b/.pypirc", "[distutils]\nindex-servers = pypi\n") == []
    assert kinds(tmp_path, "ca.pem", pem("CERTIFICATE", 600)) == []
    assert kinds(tmp_path, "server.key", pem("PRIVATE KEY")) == ["private-key"]


def test_workspace_config_is_a_warning_not_a_credential(tmp_path: Path) -> None:
    found = scan(
        tmp_path,
        ".azureml/config.json",
        json.dumps({"subscription_id": uuid(), "resource_group": "rg", "workspace_name": "ws"}),
    )
    assert [(d.kind, d.category) for d in found] == [("workspace-config", "config")]


# --- data ----------------------------------------------------------------------------------------


def sparse(path: Path, size: int, header: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(header)
        handle.truncate(size)
    return path


@pytest.mark.parametrize(
    ("relpath", "header", "kind"),
    [
        ("data/train.csv", b"a,b\n1,2\n", "dataset"),
        ("data/features.parquet", b"PAR1", "dataset"),
        ("data/blob_0001", b"PAR1", "dataset"),
        ("data/store.h5", b"\x89HDF\r\n\x1a\n", "dataset"),
        ("data/x.npy", b"\x93NUMPY\x01\x00", "dataset"),
        ("data/db.sqlite", b"SQLite format 3\x00", "dataset"),
        ("models/model.pt", b"PK\x03\x04", "model-weights"),
        ("models/w.safetensors", struct.pack("<Q", 64) + b'{"w":{"dtype":"F16"}}', "model-weights"),
        ("models/clf.joblib", b"\x80\x04\x95", "model-weights"),
        ("models/model.onnx", b"\x08\x07\x12\x07pytorch", "model-weights"),
        ("raw/archive", b"\x1f\x8b\x08", "data-archive"),
    ],
)
def test_data_above_the_threshold_is_found_by_name_or_magic(
    tmp_path: Path, relpath: str, header: bytes, kind: str
) -> None:
    path = sparse(tmp_path / relpath, 3 * 1024 * 1024, header)
    found = scan_file(str(path), relpath, path.stat().st_size)
    assert [(d.kind, d.category) for d in found] == [(kind, "data")]
    assert "3.0 MiB" in found[0].detail


def test_the_threshold_is_an_option_and_small_data_is_fine(tmp_path: Path) -> None:
    path = sparse(tmp_path / "data" / "f.parquet", 16 * 1024 - 1, b"PAR1")
    assert scan_file(str(path), "data/f.parquet", path.stat().st_size) == []
    path = sparse(tmp_path / "data" / "f.parquet", 16 * 1024, b"PAR1")
    assert [d.kind for d in scan_file(str(path), "data/f.parquet", path.stat().st_size)] == ["dataset"]
    high = ScanSettings(data_threshold=100 * 1024)
    assert scan_file(str(path), "data/f.parquet", path.stat().st_size, high) == []


def test_binary_files_are_not_read_as_text(tmp_path: Path) -> None:
    key = storage_key()
    assert kinds(tmp_path, "img.png", b"\x89PNG\r\n\x1a\n\x00\x00" + f"AccountKey={key}".encode()) == []


def test_personal_data_in_a_small_csv(tmp_path: Path) -> None:
    rows = "".join(
        f"{i},{chars(string.ascii_lowercase, 6)},{chars(string.ascii_lowercase, 7)}@outlook.com,"
        f"+44 20 {RNG.randint(1000, 9999)} {RNG.randint(1000, 9999)}\n"
        for i in range(40)
    )
    found = scan(tmp_path, "data/customers.csv", "id,first_name,email,phone\n" + rows)
    assert [(d.kind, d.category) for d in found] == [("personal-data", "data")]
    assert kinds(tmp_path, "data/metrics.csv", "epoch,loss,accuracy\n" + "1,0.5,0.9\n" * 40) == []


# --- notebooks, encodings, streaming -------------------------------------------------------------


def test_a_secret_split_over_notebook_json_strings_is_found_on_its_line(tmp_path: Path) -> None:
    line = f'conn = "{connection_string(storage_key())}"\n'
    text = notebook((["import pandas as pd\n", line[:40], line[40:]], []))
    found = scan(tmp_path, "notebooks/explore.ipynb", text)
    assert [d.kind for d in found] == ["azure-storage-key"]
    raw_line = text.splitlines()[(found[0].line or 0) - 1]
    assert json.dumps(line[:40])[1:20] in raw_line
    assert "(cell 1)" in found[0].detail


def test_a_secret_in_a_saved_output_and_in_a_checkpoint_copy(tmp_path: Path) -> None:
    secret = aad_secret()
    text = notebook(
        (
            ["print(cfg)\n"],
            [
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": ["{'client_secret': '", secret[:10], secret[10:] + "'}\n"],
                }
            ],
        )
    )
    for relpath in ("nb/token.ipynb", "nb/.ipynb_checkpoints/token-checkpoint.ipynb"):
        found = scan(tmp_path, relpath, text)
        assert [d.kind for d in found] == ["azure-client-secret"]
        assert "(cell 1 output)" in found[0].detail


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_text_is_decoded(tmp_path: Path, encoding: str) -> None:
    text = f'$env:AZURE_STORAGE_CONNECTION_STRING = "{connection_string(storage_key())}"\r\n'
    found = scan(tmp_path, "scripts/out.txt", ("# setup\r\n" + text).encode(encoding))
    assert [(d.kind, d.line) for d in found] == [("azure-storage-key", 2)]


def test_the_read_is_capped_and_chunks_overlap(tmp_path: Path) -> None:
    filler = "# nothing to see here, just a long generated module\n" * 30000
    path = write(tmp_path / "gen.py", filler + pem())
    size = path.stat().st_size
    assert size > 1024 * 1024
    assert [d.kind for d in scan_file(str(path), "gen.py", size)] == ["private-key"]
    assert [d.line for d in scan_file(str(path), "gen.py", size)] == [30001]
    assert scan_file(str(path), "gen.py", size, ScanSettings(max_read=1024 * 1024)) == []


def test_yaml_folded_values_are_matched_as_one_value(tmp_path: Path) -> None:
    key = storage_key()
    text = (
        f'storage:\n  connection_string: "DefaultEndpointsProtocol=https;AccountName=a;\\\n'
        f'    AccountKey={key[:44]}\\\n    {key[44:]};EndpointSuffix=core.windows.net"\n'
    )
    assert "azure-storage-key" in kinds(tmp_path, "config/app.yaml", text)


# --- masking and suppression ---------------------------------------------------------------------


def test_findings_never_hold_the_secret(tmp_path: Path) -> None:
    secrets = [storage_key(), aad_secret(), password()]
    text = (
        f'STORAGE = "{connection_string(secrets[0])}"\nAZURE_CLIENT_SECRET = "{secrets[1]}"\n'
        f'engine = "postgresql://u:{secrets[2]}@h/db"\n'
    )
    found = scan(tmp_path, "settings.py", text)
    assert len(found) == 3
    for detection in found:
        assert all(secret[:6] not in detection.detail for secret in secrets)


@given(st.text(alphabet=ALNUM + "+/=", min_size=1, max_size=200))
@settings(max_examples=200)
def test_mask_shows_at_most_four_characters_and_the_length(secret: str) -> None:
    masked = mask(secret)
    prefix = masked.split("***")[0]
    assert len(prefix) <= 4 and secret.startswith(prefix)
    assert masked.endswith(f"({len(secret)} chars)")
    if len(secret) >= 8:
        assert secret not in masked


@given(st.integers(min_value=0, max_value=2**64))
def test_every_random_storage_key_is_found_and_every_uuid_is_not(seed: int) -> None:
    data = random.Random(seed).randbytes(64)  # random, as a key is: a run of zeros is a placeholder
    key = base64.b64encode(data).decode()
    assert [d.kind for d in sensitive.scan_text(f'CONN = "{connection_string(key)}"\n')] == [
        "azure-storage-key"
    ]
    identifier = data[:16].hex()
    text = (
        "client_id = "
        f'"{identifier[:8]}-{identifier[8:12]}-{identifier[12:16]}-{identifier[16:20]}-{identifier[20:]}"\n'
    )
    assert sensitive.scan_text(text + f'run_token_hash = "{data.hex()}"\n') == []


def test_an_inline_allow_comment_suppresses_its_line_only(tmp_path: Path) -> None:
    text = (
        f'TEST_KEY = "{connection_string(storage_key())}"  # snapshot-guard: allow\n'
        f'REAL = "{connection_string(storage_key())}"\n'
    )
    assert [(d.kind, d.line) for d in scan(tmp_path, "conf.py", text)] == [("azure-storage-key", 2)]


# --- the hook on real git repositories ------------------------------------------------------------


def hook(
    cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_gitignored_env_is_uploaded_once_an_amlignore_exists(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = aad_secret()
    write(repo / ".gitignore", ".env\n")
    write(repo / ".env", f"AZURE_CLIENT_SECRET={secret}\n")
    write(repo / "train.py", "import os\nprint(os.environ['AZURE_CLIENT_SECRET'])\n")
    git(repo, "add", ".gitignore", "train.py")
    assert hook(repo, monkeypatch, capsys, "train.py") == (0, "")
    write(repo / ".amlignore", "data/\n")
    git(repo, "add", ".amlignore")
    code, out = hook(repo, monkeypatch, capsys, ".amlignore")
    assert code == 1
    text = unwrapped(out)
    assert ".env:1: error: azure-client-secret\n    Microsoft Entra ID (Azure AD) client secret: " in text
    assert (
        "why: not committed, but uploaded by a job submitted from this checkout (git ignores it, but "
        "Azure ML reads .amlignore, not .gitignore; no pattern in .amlignore excludes it)\n    fix: "
        "add `/.env` to .amlignore; keep the secret in an environment variable set at submission, a "
        "key vault or a workspace connection, and read it at run time"
    ) in text
    assert secret not in out and secret[:8] not in out
    assert hook(repo, monkeypatch, capsys, "--no-worktree", ".amlignore") == (0, "")
    write(repo / ".amlignore", "data/\n.env\n")
    assert hook(repo, monkeypatch, capsys, ".amlignore") == (0, "")


def test_staged_secret_fails_and_untracked_data_only_warns(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "src" / "settings.py", f'STORAGE = "{connection_string(storage_key())}"\n')
    write(repo / "src" / "train.py", "print('train')\n")
    sparse(repo / "src" / "data" / "train.parquet", 2 * 1024 * 1024, b"PAR1")
    git(repo, "add", "src/settings.py", "src/train.py")
    git(repo, "commit", "-qm", "code")  # nothing staged: the files named are what is judged
    code, out = hook(repo, monkeypatch, capsys, "--root", "src", "src/train.py")
    assert code == 1 - 1
    assert "src/data/train.parquet: warning: dataset\n    dataset (Parquet, 2.0 MiB) (rule data-file: " \
        in out
    assert "\n    why: not committed" in unwrapped(out)
    assert "create src/.amlignore with the line `/data/train.parquet`" in unwrapped(out)
    code, out = hook(repo, monkeypatch, capsys, "--root", "src", "src/settings.py", "src/train.py")
    assert code == 1
    assert "src/settings.py:1: error: azure-storage-key\n    Azure storage account key: " in out
    assert ("why: staged: git publishes it, and a job uploads it with snapshot root src (the root has "
            "no .amlignore or .gitignore)") in unwrapped(out)
    assert "fix: git rm --cached src/settings.py; add `/src/settings.py` to .gitignore" in unwrapped(out)
    code, out = hook(
        repo,
        monkeypatch,
        capsys,
        "--root",
        "src",
        "--allow",
        "settings.py",
        "--data-threshold",
        "4MB",
        "src/settings.py",
    )
    assert (code, out) == (0, "")


def test_the_index_is_judged_as_staged_not_as_on_disk(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "conf.py", f'KEY = "{connection_string(storage_key())}"\n')
    git(repo, "add", "conf.py")
    write(repo / "conf.py", "KEY = os.environ['KEY']\n")
    code, out = hook(repo, monkeypatch, capsys, "--source", "index", "conf.py")
    assert code == 1 and "conf.py:1: error: azure-storage-key" in out


def test_configured_allow_list_and_bad_input(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / "tests" / "fixtures" / "client.pem", pem())
    write(repo / ".snapshot-guard.yaml", "sensitive:\n  allow: ['tests/fixtures/*.pem']\n")
    git(repo, "add", "-A")
    assert hook(repo, monkeypatch, capsys) == (0, "")
    write(repo / ".snapshot-guard.yaml", "sensitive:\n  allow: tests\n")
    code, out = hook(repo, monkeypatch, capsys)
    assert code == 2 and len(out.strip().splitlines()) == 1 and ".snapshot-guard.yaml" in out


def test_scan_findings_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "job"
    write(
        folder / "config.json",
        json.dumps({"subscription_id": uuid(), "resource_group": "rg", "workspace_name": "ws"}),
    )
    write(folder / "id_rsa", pem("OPENSSH PRIVATE KEY", 300))
    monkeypatch.chdir(tmp_path)
    run = plan.make_plan(_args("--root", "job"))
    found = findings_for(take_snapshot(str(folder), "v1", "worktree", None), run)
    assert [(f.check, f.path, f.kind, f.line, f.severity) for f in found] == [
        ("snapshot-sensitive-files", "job/config.json", "workspace-config", None, "warning"),
        ("snapshot-sensitive-files", "job/id_rsa", "private-key", 1, "error"),
    ]


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    plan.add_common_options(parser)
    return parser.parse_args(list(argv))


# --- end to end, through the real pre-commit ------------------------------------------------------


def test_pre_commit_blocks_a_secret_and_passes_once_fixed(hook_repo: HookRepo, repo: Path) -> None:
    key = storage_key()
    write(repo / "src" / "settings.py", f'STORAGE = "{connection_string(key)}"\n')
    write(repo / "src" / "train.py", "import settings\n")
    git(repo, "add", "-A")
    blocked = hook_repo.run(repo, "snapshot-sensitive-files")
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "src/settings.py:1: error: azure-storage-key\n    Azure storage account key: " \
        in blocked.stdout
    assert key not in blocked.stdout and key[:8] not in blocked.stdout
    write(
        repo / "src" / "settings.py", "import os\nSTORAGE = os.environ['AZURE_STORAGE_CONNECTION_STRING']\n"
    )
    git(repo, "add", "-A")
    passed = hook_repo.run(repo, "snapshot-sensitive-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_pre_commit_catches_the_uncommitted_env_and_notebook_outputs(hook_repo: HookRepo, repo: Path) -> None:
    write(repo / ".gitignore", ".env\n.ipynb_checkpoints/\n")
    write(repo / ".amlignore", "data/\n")
    write(repo / ".env", f"AZURE_STORAGE_KEY={storage_key()}\n")
    secret = aad_secret()
    write(
        repo / "nb" / ".ipynb_checkpoints" / "a-checkpoint.ipynb",
        notebook(
            (
                ["print(cfg)\n"],
                [{"output_type": "stream", "name": "stdout", "text": [secret[:7], secret[7:] + "\n"]}],
            )
        ),
    )
    write(repo / "nb" / "a.ipynb", notebook((["print(1)\n"], [])))
    git(repo, "add", ".gitignore", ".amlignore", "nb/a.ipynb")
    result = hook_repo.run(repo, "snapshot-sensitive-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert ".env:1: error: azure-storage-key" in result.stdout
    assert "nb/.ipynb_checkpoints/a-checkpoint.ipynb (cell 1, line " in result.stdout
    assert "add `.ipynb_checkpoints/` to .amlignore" in unwrapped(result.stdout)
    assert secret[:8] not in result.stdout


def test_the_worktree_snapshot_of_a_both_run_leaves_committed_files_to_the_index(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo / "conf.py", f'KEY = "{connection_string(storage_key())}"\n')
    write(repo / "id_rsa", pem())
    git(repo, "add", "conf.py")
    monkeypatch.chdir(repo)
    run = plan.make_plan(_args("--source", "both"))
    views: tuple[View, ...] = ("index", "worktree")
    found = {
        view: [(f.path, f.kind)
               for f in findings_for(take_snapshot(run.roots[0].path, "v1", view, run.repo), run)]
        for view in views
    }
    assert found == {
        "index": [("conf.py", "azure-storage-key")],
        "worktree": [("id_rsa", "private-key")],
    }


def test_a_staged_secret_below_no_root_fails_too(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / ".snapshot-guard.yaml", "roots: [src]\n")
    write(repo / "src" / "train.py", "print('train')\n")
    write(repo / "tools" / "deploy.env", f"AZURE_CLIENT_SECRET={aad_secret()}\n")
    git(repo, "add", "-A")
    code, out = hook(repo, monkeypatch, capsys, "tools/deploy.env")
    text = unwrapped(out)
    assert code == 1 and "tools/deploy.env:1: error: azure-client-secret" in text, text
    assert "git rm --cached tools/deploy.env" in text and ".amlignore" not in text
    git(repo, "rm", "-q", "--cached", "tools/deploy.env")
    write(repo / "tools" / "deploy.py", "print('deploy')\n")
    git(repo, "add", "tools/deploy.py")
    assert hook(repo, monkeypatch, capsys, "tools/deploy.py") == (0, "")


def test_every_root_judged_includes_staged_secrets_below_no_root_but_not_their_data(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo / ".snapshot-guard.yaml", "roots: [src]\n")
    write(repo / "src" / "train.py", "print('train')\n")
    write(repo / "docs" / "big.csv", "a,b\n" + "1.5,2.5\n" * 5000)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "project")
    assert hook(repo, monkeypatch, capsys) == (0, "")  # not under pre-commit: every root, all files
    write(repo / "docs" / "example.env", f"AZURE_CLIENT_SECRET={aad_secret()}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "an example")
    code, out = hook(repo, monkeypatch, capsys)
    assert code == 1 and "docs/example.env:1: error: azure-client-secret" in unwrapped(out), out
