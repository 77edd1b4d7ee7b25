"""A labelled corpus of Azure ML style projects for the sensitive-files detector, generated at run time.

Every secret-looking value is drawn from a seeded random generator in the format of the real thing
(length, alphabet, fixed markers); none is, or was ever, a real credential. Each project holds the
usual code, configuration, notebooks and data, some planted positives, and hard negatives: values
that look like secrets to a regex or an entropy test but are placeholders, documentation, hashes,
identifiers or harmless base64.

    python benchmarks/sensitive_corpus.py DEST [--seed N]   # writes DEST/labels.json too
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import random
import string
import struct
import sys
from pathlib import Path
from typing import Union

ALNUM = string.ascii_letters + string.digits
BASE32_LOWER = string.ascii_lowercase + "234567"
MAIL_DOMAINS = ("gmail.com", "outlook.com", "contoso.com")


@dataclasses.dataclass(frozen=True)
class Labelled:
    path: str
    """POSIX, relative to the corpus folder."""
    sensitive: bool
    kind: str


class Values:
    """Random values in the formats of real credentials."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chars(self, alphabet: str, length: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.rng.randbytes(nbytes)).decode()

    def hex(self, length: int) -> str:
        return self.chars("0123456789abcdef", length)

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def storage_key(self) -> str:
        return self.b64(64)

    def sas_sig(self) -> str:
        return self.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")

    def sas_query(self) -> str:
        return (
            f"sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-12-31T18:00:00Z"
            f"&st=2025-01-01T10:00:00Z&spr=https&sig={self.sas_sig()}"
        )

    def aad_secret(self) -> str:
        return self.chars(ALNUM, 3) + str(self.rng.randint(0, 9)) + "Q~" + self.chars(ALNUM + "_~.-", 34)

    def ado_pat(self) -> str:
        return self.chars(BASE32_LOWER, 52)

    def openai_azure_key(self) -> str:
        return self.hex(32)

    def acr_password(self) -> str:
        return self.chars(ALNUM + "+/", 42) + "+ACR" + self.chars(ALNUM, 6)

    def databricks(self) -> str:
        return "dapi" + self.hex(32)

    def password(self) -> str:
        return self.chars(ALNUM, 10) + self.rng.choice("!#%*-_") + self.chars(ALNUM, 5)

    def aws_id(self) -> str:
        return "AKIA" + self.chars(string.ascii_uppercase + "234567", 16)

    def aws_secret(self) -> str:
        return self.chars(ALNUM + "+/", 40)

    def github(self) -> str:
        return "ghp_" + self.chars(ALNUM, 36)

    def gitlab(self) -> str:
        return "glpat-" + self.chars(ALNUM + "_-", 20)

    def huggingface(self) -> str:
        return "hf_" + self.chars(string.ascii_letters, 34)

    def openai(self) -> str:
        return "sk-proj-" + self.chars(ALNUM + "_-", 56) + "T3BlbkFJ" + self.chars(ALNUM + "_-", 56)

    def pem_body(self, nbytes: int = 1190) -> list[str]:
        body = self.b64(nbytes)
        return [body[i : i + 64] for i in range(0, len(body), 64)]

    def rsa_pem(self, label: str = "RSA PRIVATE KEY") -> str:
        return "\n".join([f"-----BEGIN {label}-----", *self.pem_body(), f"-----END {label}-----", ""])

    def certificate(self) -> str:
        return "\n".join(
            ["-----BEGIN CERTIFICATE-----", *self.pem_body(900), "-----END CERTIFICATE-----", ""]
        )


def _emulator_key() -> str:
    """The Azure Storage emulator's published development key, assembled (public, documented)."""
    return "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq" + "/K1SZFPTOtr/KBHBeksoGMGw=="


def _notebook(cells: list[tuple[str, list[str], list[dict[str, object]]]]) -> str:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": kind,
                    "metadata": {},
                    "source": source,
                    **({"outputs": outputs, "execution_count": 1} if kind == "code" else {}),
                }
                for kind, source, outputs in cells
            ],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


Content = Union[str, bytes, tuple[int, bytes]]
"""Text, bytes, or (size, header): a file of that size that starts with the header, sparse unless the
header is a line of text (then filled with numeric CSV rows)."""


def positives(v: Values) -> list[tuple[str, str, Content]]:
    """(relative path, kind, content) of files a snapshot must not carry."""
    key = v.storage_key()
    conn = (
        f"DefaultEndpointsProtocol=https;AccountName=mlstore{v.hex(6)};AccountKey={key};"
        "EndpointSuffix=core.windows.net"
    )
    split_at = 30
    nb_conn = f'conn_str = "{conn}"\n'
    rng = v.rng
    items: list[tuple[str, str, Content]] = [
        (
            "src/settings.py",
            "azure-storage-key",
            f'"""Settings for the training job."""\nimport os\n\nSTORAGE_CONNECTION_STRING = "{conn}"\n'
            f'CONTAINER = "raw"\n',
        ),
        (
            "src/.env",
            "credentials-file",
            f"AZURE_TENANT_ID={v.uuid()}\nAZURE_CLIENT_ID={v.uuid()}\nAZURE_CLIENT_SECRET={v.aad_secret()}\n",
        ),
        (
            "src/config/secrets.yaml",
            "azure-client-secret",
            f"service_principal:\n  tenant_id: {v.uuid()}\n  client_id: {v.uuid()}\n"
            f'  client_secret: "{v.aad_secret()}"\n',
        ),
        (
            "src/upload.py",
            "sas-token",
            'from azure.storage.blob import BlobClient\n\nURL = "https://acct.blob.core.windows.net/'
            "data/x.csv?"
            f'{v.sas_query()}"\nclient = BlobClient.from_blob_url(URL)\n',
        ),
        (
            "src/events.py",
            "shared-access-key",
            f'EVENTHUB = "Endpoint=sb://ns-{v.hex(5)}.servicebus.windows.net/;'
            "SharedAccessKeyName=RootManageSharedAccessKey;"
            f'SharedAccessKey={v.b64(32)}"\n',
        ),
        (
            "src/cosmos_client.py",
            "cosmos-key",
            f'from azure.cosmos import CosmosClient\n\nCOSMOS_KEY = "{v.b64(64)}"\n'
            f'client = CosmosClient("https://db-{v.hex(5)}.documents.azure.com:443/", '
            "credential=COSMOS_KEY)\n",
        ),
        (
            "src/llm.py",
            "azure-ai-key",
            "from openai import AzureOpenAI\n\nclient = AzureOpenAI(\n    "
            f'api_key="{v.openai_azure_key()}",\n'
            '    api_version="2024-02-01",\n    azure_endpoint="https://'
            f'aoai-{v.hex(4)}.openai.azure.com",\n)\n',
        ),
        (
            "src/requirements.txt",
            "azure-devops-pat",
            f"--extra-index-url https://build:{v.ado_pat()}@pkgs.dev.azure.com/contoso/_packaging/ml/"
            "pypi/simple/\n"
            f"azureml-core==1.61.0\npandas==2.2.2\n",
        ),
        (
            "env/conda.yaml",
            "azure-devops-pat",
            f"name: train\ndependencies:\n  - python=3.10\n  - pip\n  - pip:\n    - --extra-index-url "
            f"https://x:{v.ado_pat()}@contoso.pkgs.visualstudio.com/_packaging/ml/pypi/simple/\n    - "
            "mlflow\n",
        ),
        (
            "env/pip.conf",
            "azure-devops-pat",
            f"[global]\nextra-index-url = https://az:{v.ado_pat()}@pkgs.dev.azure.com/org/proj/"
            "_packaging/feed/pypi/simple/\n",
        ),
        (
            "deploy/push.sh",
            "registry-password",
            f"#!/bin/sh\ndocker login myacr{v.hex(4)}.azurecr.io -u myacr -p {v.acr_password()}\n",
        ),
        ("deploy/registry.py", "registry-password", f'ACR_PASSWORD = "{v.b64(24)}"\n'),
        (
            "src/spark_job.py",
            "databricks-token",
            f'import requests\nHOST = "https://adb-1.azuredatabricks.net"\nTOKEN = "{v.databricks()}"\n',
        ),
        (
            "src/db.py",
            "database-password",
            f'import pyodbc\nconn = pyodbc.connect("Driver={{ODBC Driver 18 for SQL Server}};'
            f"Server=tcp:sql-{v.hex(4)}"
            f'.database.windows.net,1433;Database=features;Uid=mladmin;Pwd={v.password()};Encrypt=yes;")\n',
        ),
        (
            "src/features.py",
            "database-password",
            'from sqlalchemy import create_engine\nengine = create_engine("postgresql+psycopg2://'
            f"ml:{v.password()}"
            f'@pg-{v.hex(4)}.postgres.database.azure.com:5432/features")\n',
        ),
        (
            "src/aws_copy.py",
            "aws-access-key",
            f'import boto3\ns3 = boto3.client("s3", aws_access_key_id="{v.aws_id()}",\n'
            f'                  aws_secret_access_key="{v.aws_secret()}")\n',
        ),
        (
            "src/gcp-sa.json",
            "gcp-service-account",
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": f"ml-{v.hex(6)}",
                    "private_key_id": v.hex(40),
                    "private_key": v.rsa_pem("PRIVATE KEY"),
                    "client_email": f"sa@ml-{v.hex(6)}.iam.gserviceaccount.com",
                    "client_id": str(rng.randint(10**20, 10**21)),
                    "token_uri": "https://oauth2.googleapis.com/token",
                },
                indent=2,
            ),
        ),
        ("src/clone.sh", "github-token", f"git clone https://{v.github()}@github.com/contoso/features.git\n"),
        ("src/ci_token.py", "gitlab-token", f'GITLAB_TOKEN = "{v.gitlab()}"\n'),
        (
            "src/hub.py",
            "huggingface-token",
            f'from huggingface_hub import login\nlogin(token="{v.huggingface()}")\n',
        ),
        ("src/openai_eval.py", "openai-key", f'import openai\nopenai.api_key = "{v.openai()}"\n'),
        (
            "src/register_ds.py",
            "azureml-datastore-credential",
            f"from azureml.core import Datastore, Workspace\nws = Workspace.from_config()\n"
            f'Datastore.register_azure_blob_container(\n    workspace=ws, datastore_name="raw",\n'
            f'    container_name="raw", account_name="acct{v.hex(4)}",\n    '
            f'account_key="{v.storage_key()}",\n)\n',
        ),
        (
            "src/auth.py",
            "service-principal-password",
            f"from azureml.core.authentication import ServicePrincipalAuthentication\n"
            f'auth = ServicePrincipalAuthentication("{v.uuid()}", "{v.uuid()}", '
            f'"{v.password()}{v.hex(8)}")\n',
        ),
        (
            "datastores/blob.yml",
            "datastore-credentials",
            "$schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json\nname: raw\n"
            "type: azure_blob\n"
            f"account_name: acct{v.hex(4)}\ncontainer_name: raw\ncredentials:\n  account_key: "
            f"{v.storage_key()}\n",
        ),
        (
            "datastores/adls.yml",
            "datastore-credentials",
            f"name: lake\ntype: azure_data_lake_gen2\naccount_name: lake{v.hex(4)}\nfilesystem: raw\n"
            f"credentials:\n  tenant_id: {v.uuid()}\n  client_id: {v.uuid()}\n  client_secret: "
            f"{v.password()}{v.hex(6)}\n",
        ),
        (
            "jobs/train.yml",
            "job-secret-env",
            "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncommand: "
            "python train.py\n"
            f"code: ../src\nenvironment: azureml:sklearn:1\nenvironment_variables:\n  LOG_LEVEL: info\n"
            f'  FEATURE_STORE_PASSWORD: "{v.password()}"\ncompute: azureml:cpu\n',
        ),
        ("keys/deploy_rsa.pem", "private-key", v.rsa_pem()),
        (
            "keys/id_ed25519",
            "credentials-file",
            "\n".join(
                [
                    "-----BEGIN OPENSSH PRIVATE KEY-----",
                    *v.pem_body(300),
                    "-----END OPENSSH PRIVATE KEY-----",
                    "",
                ]
            ),
        ),
        (
            "keys/server.ppk",
            "credentials-file",
            "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: rsa-key\nPublic-Lines: 6\n"
            + "\n".join(v.pem_body(200))
            + "\nPrivate-Lines: 14\n"
            + "\n".join(v.pem_body(800))
            + "\n",
        ),
        ("keys/client.pfx", "credentials-file", bytes([0x30, 0x82]) + v.rng.randbytes(2500)),
        ("home/.netrc", "credentials-file", f"machine api.contoso.com\nlogin ml\npassword {v.password()}\n"),
        (
            "home/.pypirc",
            "credentials-file",
            "[distutils]\nindex-servers = internal\n[internal]\nrepository = https://"
            "pkgs.dev.azure.com/x/_packaging/y/pypi/upload\n"
            f"username = build\npassword = {v.ado_pat()}\n",
        ),
        (
            "web/.npmrc",
            "credentials-file",
            f"registry=https://pkgs.dev.azure.com/org/_packaging/feed/npm/registry/\n"
            "//pkgs.dev.azure.com/org/_packaging/feed/npm/registry/"
            f":_password={base64.b64encode(v.ado_pat().encode()).decode()}\n",
        ),
        (
            "home/.docker/config.json",
            "credentials-file",
            json.dumps(
                {
                    "auths": {
                        f"acr{v.hex(4)}.azurecr.io": {
                            "auth": base64.b64encode(f"acr:{v.acr_password()}".encode()).decode()
                        }
                    }
                },
                indent=2,
            ),
        ),
        (
            "deploy/kubeconfig",
            "credentials-file",
            "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://"
            f"aks-{v.hex(4)}.hcp.westeurope.azmk8s.io:443\n"
            f"  name: aks\nusers:\n- name: clusterUser\n  user:\n    token: {v.hex(64)}\n",
        ),
        (
            "home/.azure/msal_token_cache.json",
            "credentials-file",
            json.dumps({"AccessToken": {"x": {"secret": "eyJ0eXAiOiJKV1Qi." + v.b64(300)}}}),
        ),
        (
            "home/.aws/credentials",
            "credentials-file",
            f"[default]\naws_access_key_id = {v.aws_id()}\naws_secret_access_key = {v.aws_secret()}\n",
        ),
        (
            "infra/terraform.tfstate",
            "credentials-file",
            json.dumps(
                {
                    "version": 4,
                    "resources": [
                        {
                            "type": "azurerm_storage_account",
                            "instances": [
                                {"attributes": {"name": "acct", "primary_access_key": v.storage_key()}}
                            ],
                        }
                    ],
                }
            ),
        ),
        (
            "infra/prod.tfvars",
            "credentials-file",
            f'location = "westeurope"\nsql_admin_password = "{v.password()}"\n',
        ),
        (
            "src/config.json",
            "workspace-config",
            json.dumps(
                {"subscription_id": v.uuid(), "resource_group": "rg-ml", "workspace_name": "mlw-prod"},
                indent=4,
            ),
        ),
        (
            "notebooks/explore.ipynb",
            "azure-storage-key",
            _notebook(
                [
                    ("markdown", ["# Explore the raw data\n"], []),
                    (
                        "code",
                        [
                            "import pandas as pd\n",
                            nb_conn[:split_at],
                            nb_conn[split_at:],
                            "df = pd.read_csv(url)\n",
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "notebooks/token.ipynb",
            "azure-client-secret",
            _notebook(
                [
                    (
                        "code",
                        ["from azure.identity import DefaultAzureCredential\n", "print(cfg)\n"],
                        [
                            {
                                "output_type": "stream",
                                "name": "stdout",
                                "text": [
                                    "{'tenant': '" + v.uuid() + "', 'client_secret': '",
                                    v.aad_secret() + "'}\n",
                                ],
                            }
                        ],
                    ),
                ]
            ),
        ),
        (
            "notebooks/.ipynb_checkpoints/explore-checkpoint.ipynb",
            "sas-token",
            _notebook(
                [
                    (
                        "code",
                        ["url = blob.url\n", "url\n"],
                        [
                            {
                                "output_type": "execute_result",
                                "execution_count": 2,
                                "metadata": {},
                                "data": {
                                    "text/plain": [
                                        "'https://acct.blob.core.windows.net/raw/a.parquet?"
                                        + v.sas_query()
                                        + "'"
                                    ]
                                },
                            }
                        ],
                    ),
                ]
            ),
        ),
        (
            "scripts/setenv.ps1.txt",
            "azure-storage-key",
            ('$env:AZURE_STORAGE_CONNECTION_STRING = "' + conn + '"\r\n').encode("utf-16"),
        ),
        (
            "scripts/env_dump.txt",
            "azure-client-secret",
            (f"AZURE_CLIENT_ID={v.uuid()}\r\nAZURE_CLIENT_SECRET={v.aad_secret()}\r\n").encode("utf-16-le"),
        ),
        (
            "config/app.yaml",
            "azure-storage-key",
            "storage:\n  connection_string: >-\n    DefaultEndpointsProtocol=https;"
            f"AccountName=acct{v.hex(4)};\n"
            f"    AccountKey={v.storage_key()};EndpointSuffix=core.windows.net\n",
        ),
        (
            "src/deep/a/b/c/d/e/settings_prod.py",
            "azure-client-secret",
            f'AZURE_CLIENT_SECRET = "{v.aad_secret()}"\n',
        ),
        ("data/train.csv", "dataset", (1536 * 1024, b"age,income,score\n")),
        ("data/features.parquet", "dataset", (2 * 1024 * 1024, b"PAR1\x15\x04")),
        ("data/embeddings.npy", "dataset", (1024 * 1024, b"\x93NUMPY\x01\x00v\x00{'descr': '<f4'")),
        ("data/store.h5", "dataset", (2 * 1024 * 1024, b"\x89HDF\r\n\x1a\n")),
        ("data/raw.zip", "data-archive", (1536 * 1024, b"PK\x03\x04\x14\x00")),
        ("data/blob_0001", "dataset", (1200 * 1024, b"PAR1\x15\x04")),
        ("models/model.pt", "model-weights", (3 * 1024 * 1024, b"PK\x03\x04\x00\x00\x08\x08")),
        ("models/model.onnx", "model-weights", (1024 * 1024, b"\x08\x07\x12\x07pytorch")),
        (
            "models/model.safetensors",
            "model-weights",
            (2 * 1024 * 1024, struct.pack("<Q", 120) + b'{"weight":{"dtype":"F32"'),
        ),
        ("models/clf.pkl", "model-weights", (2 * 1024 * 1024, b"\x80\x04\x95")),
        (
            "data/customers.csv",
            "personal-data",
            "customer_id,first_name,last_name,email,phone\n"
            + "".join(
                f"{i},{v.chars(string.ascii_lowercase, 6).title()},"
                f"{v.chars(string.ascii_lowercase, 8).title()},"
                f"{v.chars(string.ascii_lowercase, 7)}@{v.rng.choice(MAIL_DOMAINS)},"
                f"+1 {v.rng.randint(200, 999)} {v.rng.randint(200, 999)} {v.rng.randint(1000, 9999)}\n"
                for i in range(60)
            ),
        ),
        *variants(v),
    ]
    return items


def variants(v: Values) -> list[tuple[str, str, Content]]:
    """Other carriers of the same credentials: config formats, shells, CLIs, other clients."""
    pw = v.password()
    old_aad = (
        v.chars(ALNUM, 6) + "]" + v.chars(ALNUM, 8) + ":" + v.chars(ALNUM, 6) + "=?" + v.chars(ALNUM, 10)
    )
    return [
        (
            "src/appsettings.json",
            "database-password",
            json.dumps(
                {
                    "ConnectionStrings": {
                        "Default": f"Server=tcp:sql-{v.hex(4)}.database.windows.net;Database=d;User "
                        f"ID=u;Password={pw};"
                    }
                },
                indent=2,
            ),
        ),
        (
            "src/config.ini",
            "azure-client-secret",
            f"[azure]\ntenant_id = {v.uuid()}\nclient_secret = {v.aad_secret()}\n",
        ),
        (
            "notebooks/setup.ipynb",
            "azure-ai-key",
            _notebook(
                [
                    (
                        "code",
                        [
                            f"%env AZURE_OPENAI_API_KEY={v.openai_azure_key()}\n",
                            "%env AZURE_OPENAI_ENDPOINT=https://x\n",
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "notebooks/keys.ipynb",
            "azure-storage-key",
            _notebook(
                [
                    (
                        "code",
                        ["!az storage account keys list -n acct -g rg\n"],
                        [
                            {
                                "output_type": "stream",
                                "name": "stdout",
                                "text": _lines(
                                    json.dumps(
                                        [
                                            {
                                                "keyName": "key1",
                                                "permissions": "FULL",
                                                "value": v.storage_key(),
                                            }
                                        ],
                                        indent=2,
                                    )
                                    + "\n"
                                ),
                            }
                        ],
                    ),
                ]
            ),
        ),
        (
            "scripts/login.sh",
            "secret",
            f"#!/bin/bash\naz login --service-principal -u {v.uuid()} -p {old_aad} --tenant {v.uuid()}\n",
        ),
        (
            ".github/workflows/train.yml",
            "azure-client-secret",
            "jobs:\n  train:\n    steps:\n      - uses: azure/login@v2\n        with:\n          creds: "
            '\'{"clientId": "'
            + v.uuid()
            + '", "clientSecret": "'
            + v.aad_secret()
            + '", "tenantId": "'
            + v.uuid()
            + "\"}'\n",
        ),
        (
            "infra/main.tf",
            "azure-client-secret",
            f'provider "azurerm" {{\n  features {{}}\n  client_id     = "{v.uuid()}"\n'
            f'  client_secret = "{v.aad_secret()}"\n}}\n',
        ),
        (
            "docker-compose.yml",
            "password",
            f"services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: {pw}\n",
        ),
        (
            "src/jdbc.properties",
            "database-password",
            f"url=jdbc:sqlserver://x.database.windows.net:1433;database=db;user=u@x;password={pw};"
            "encrypt=true\n",
        ),
        (
            "src/mongo.py",
            "database-password",
            f'MONGO = "mongodb://acct:{v.storage_key()}@acct.mongo.cosmos.azure.com:10255/?ssl=true"\n',
        ),
        (
            "src/cache.py",
            "database-password",
            f'REDIS = "cache-{v.hex(4)}.redis.cache.windows.net:6380,password={v.b64(32)},ssl=True,'
            'abortConnect=False"\n',
        ),
        ("src/search.py", "azure-ai-key", f'SEARCH_ADMIN_KEY = "{v.chars(ALNUM, 52)}"\n'),
        (
            "scripts/upload.ps1",
            "azure-storage-key",
            f'$key = "{v.storage_key()}"\naz storage blob upload-batch -d raw -s ./data --account-key $key\n',
        ),
        (
            "scripts/copy.sh",
            "secret",
            f"az storage blob upload --account-name acct --account-key {v.storage_key()} -f data.csv -c "
            "raw\n",
        ),
        (
            "src/requirements-git.txt",
            "azure-devops-pat",
            f"git+https://{v.ado_pat()}@dev.azure.com/contoso/ml/_git/features@v1.2\n",
        ),
        (
            "nuget.config",
            "secret",
            '<configuration>\n  <packageSourceCredentials>\n    <feed>\n      <add key="Username" '
            'value="build" />\n'
            f'      <add key="ClearTextPassword" value="{v.ado_pat()}" />\n    </feed>\n  </'
            "packageSourceCredentials>\n"
            f"</configuration>\n",
        ),
        (
            "src/client_secret.json",
            "secret",
            json.dumps(
                {
                    "installed": {
                        "client_id": f"{v.rng.randint(10**11, 10**12)}-x.apps.googleusercontent.com",
                        "client_secret": "GOCSPX-" + v.chars(ALNUM + "_-", 28),
                    }
                }
            ),
        ),
        ("src/legacy_auth.py", "azure-client-secret", f'AZURE_CLIENT_SECRET = "{old_aad}"\n'),
        (
            "deploy/acr_login.sh",
            "registry-password",
            f"docker login acr{v.hex(4)}.azurecr.io --username acr --password {v.chars(ALNUM + '/+', 32)}\n",
        ),
        (
            "src/kafka.properties",
            "shared-access-key",
            "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
            'username="$ConnectionString" '
            'password="Endpoint=sb://n.servicebus.windows.net/;SharedAccessKeyName=k;'
            f'SharedAccessKey={v.b64(32)}";\n',
        ),
        (
            "src/env_setup.py",
            "azure-storage-key",
            f'os.environ["AZURE_STORAGE_ACCOUNT_KEY"] = "{v.storage_key()}"\n',
        ),
        (
            "home/.databrickscfg",
            "databricks-token",
            f"[DEFAULT]\nhost = https://adb-{v.hex(6)}.azuredatabricks.net\ntoken = {v.databricks()}\n",
        ),
        (
            "jobs/data.yml",
            "sas-token",
            "inputs:\n  raw:\n    type: uri_file\n    path: https://a.blob.core.windows.net/c/f.csv?"
            + v.sas_query()
            + "\n",
        ),
        (
            "src/token_out.ipynb",
            "secret",
            _notebook(
                [
                    (
                        "code",
                        ["credential.get_token('https://ml.azure.com/.default')\n"],
                        [
                            {
                                "output_type": "execute_result",
                                "execution_count": 1,
                                "metadata": {},
                                "data": {
                                    "text/plain": [
                                        "AccessToken(token='eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9."
                                        + v.b64(180).rstrip("=")
                                        + "."
                                        + v.b64(120).rstrip("=")
                                        + "', expires_on=1767225600)"
                                    ]
                                },
                            }
                        ],
                    ),
                ]
            ),
        ),
    ]


def negative_variants(v: Values) -> list[tuple[str, str, Content]]:
    return [
        (
            "tests/test_settings.py",
            "placeholder",
            'client_secret = "test-secret"\npassword = "test_password"\napi_key = "fake-api-key-for-tests"\n',
        ),
        ("deploy/values.yaml", "template", 'password: "{{ .Values.db.password }}"\ntoken: !ENV ${TOKEN}\n'),
        ("docs/keys.md", "docs", "Copy `AccountKey=abc123...==` from the portal; never commit it.\n"),
        (
            "deploy/known_hosts",
            "public",
            f"github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{v.b64(32)[:43]}\n",
        ),
        ("src/patterns.py", "regex", 'STORAGE_KEY = r"AccountKey=[A-Za-z0-9+/]{86}=="\n'),
        ("src/defaults.py", "placeholder", 'client_secret = "00000000-0000-0000-0000-000000000000"\n'),
        ("jobs/kv.yml", "keyvault", f"secret_uri: https://kv.vault.azure.net/secrets/name/{v.hex(32)}\n"),
        ("logs/redacted.log", "masked", "AccountKey=****;\npassword=********\nsig=REDACTED\n"),
        ("docs/proxy.md", "docs", "export HTTPS_PROXY=http://user:password@proxy.example.com:8080\n"),
        (
            "src/settings_base.py",
            "code",
            "max_tokens = 4096\nsecret_name = 'kv-secret'\npassword_file = '/run/secrets/db'\n"
            "token_url = 'https://login.microsoftonline.com/t/oauth2/v2.0/token'\n",
        ),
        (
            "src/secrets_from_kv.py",
            "code",
            'key = client.get_secret("storage-key").value\npassword = dbutils.secrets.get(scope="kv", '
            'key="db-pw")\n',
        ),
        ("src/cache_keys.py", "hash", f'cache_key = "{v.hex(40)}"\nidempotency_key = "{v.hex(64)}"\n'),
        ("src/sample.env.txt", "placeholder", "API_KEY=your_api_key_here\n"),
        (
            "src/cli.py",
            "code",
            'parser.add_argument("--password", default=None)\nparser.add_argument("--token", help="the '
            'token")\n'
            'password = input("Password: ")\n',
        ),
        (
            "scripts/ci_upload.sh",
            "placeholder",
            'az storage blob upload --account-key "$ACCOUNT_KEY" --sas-token "$SAS"\n'
            "echo $ACR_PASSWORD | docker login x.azurecr.io -u x --password-stdin\n",
        ),
        (
            "web/index.html",
            "integrity",
            f'<script src="x.js" integrity="sha384-{v.b64(48)}" crossorigin="anonymous"></script>\n',
        ),
        (
            "web.config",
            "xml",
            '<add key="TokenEndpoint" value="https://login.microsoftonline.com/common" />\n',
        ),
        ("src/cert.py", "thumbprint", f'certificate_thumbprint = "{v.hex(40).upper()}"\n'),
        (
            "src/model_config.json",
            "config",
            json.dumps({"hidden_size": 768, "vocab_size": 30522, "pad_token_id": 0}),
        ),
        (
            "data/metrics.csv",
            "small-csv",
            "epoch,loss,accuracy\n"
            + "".join(f"{i},{v.rng.random():.4f},{v.rng.random():.4f}\n" for i in range(50)),
        ),
    ]


def negatives(v: Values) -> list[tuple[str, str, Content]]:
    """(relative path, kind, content) of files that look risky to a naive scanner but are fine."""
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + v.rng.randbytes(3000)).decode()
    return [
        (
            "src/train.py",
            "code",
            "import os\nimport argparse\nfrom azure.identity import DefaultAzureCredential\n\n"
            "def main():\n    parser = argparse.ArgumentParser()\n    parser.add_argument('--data')\n"
            "    args = parser.parse_args()\n    key = os.environ['AZURE_STORAGE_KEY']\n"
            "    client_secret = os.getenv('AZURE_CLIENT_SECRET')\n    password = getpass.getpass()\n"
            "    token = credential.get_token('https://management.azure.com/.default').token\n"
            "    api_key = os.environ[\"AZURE_OPENAI_API_KEY\"]\n\nif __name__ == '__main__':\n    main()\n",
        ),
        (
            "src/.env.example",
            "placeholder",
            "AZURE_CLIENT_ID=<your-client-id>\nAZURE_CLIENT_SECRET=<your-client-secret>\n"
            "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=<account>;"
            "AccountKey=<key>\n",
        ),
        (
            "README.md",
            "docs",
            "# Training\n\nSet `AccountKey=<your-account-key>` in your connection string, or better, "
            "use a datastore.\n\n"
            "```\nexport AZURE_CLIENT_SECRET=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
            'az storage blob upload --sas-token "?sv=2022-11-02&ss=b&sp=r&se=...&sig=<signature>"\n```\n'
            "A key looks like `-----BEGIN RSA PRIVATE KEY-----` followed by base64 lines.\n",
        ),
        (
            "local.settings.json",
            "emulator",
            json.dumps(
                {
                    "IsEncrypted": False,
                    "Values": {
                        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
                        "Emulator": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
                        + _emulator_key()
                        + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
                    },
                },
                indent=2,
            ),
        ),
        (
            "src/requirements.txt",
            "hashes",
            "".join(f"pkg{i}=={i}.0 --hash=sha256:{v.hex(64)}\n" for i in range(12)),
        ),
        (
            "jobs/pipeline.yml",
            "uuids",
            f"subscription: {v.uuid()}\nclient_id: {v.uuid()}\ntenant_id: {v.uuid()}\n"
            f"run_id: {v.hex(32)}\ncommit: {v.hex(40)}\nmodel_hash: {v.hex(64)}\n",
        ),
        (
            "notebooks/plots.ipynb",
            "base64-image",
            _notebook(
                [
                    (
                        "code",
                        ["import matplotlib.pyplot as plt\n", "plt.plot([1, 2, 3])\n"],
                        [
                            {
                                "output_type": "display_data",
                                "metadata": {},
                                "data": {"image/png": png, "text/plain": ["<Figure>"]},
                            }
                        ],
                    ),
                ]
            ),
        ),
        (
            "data/sample.csv",
            "small-csv",
            "x,y,z\n"
            + "".join(
                f"{v.rng.random():.6f},{v.rng.random():.6f},{v.rng.randint(0, 9)}\n" for _ in range(300)
            ),
        ),
        ("certs/DigiCertGlobalRootCA.crt.pem", "certificate", v.certificate()),
        (
            "web/package-lock.json",
            "integrity",
            json.dumps(
                {
                    "packages": {
                        f"node_modules/p{i}": {"version": "1.0.0", "integrity": "sha512-" + v.b64(64)}
                        for i in range(20)
                    }
                },
                indent=2,
            ),
        ),
        (
            "tests/test_mask.py",
            "placeholder",
            'def test_mask():\n    assert mask("xxxxxxxxxxxxxxxxxxxxxxxx") == "xxxx***"\n'
            "    fake_key = "
            '"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="\n',
        ),
        (
            "env/conda.yaml",
            "config",
            "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip:\n    - "
            "azureml-mlflow\n",
        ),
        (
            "jobs/score.yml",
            "env-vars",
            'command: python score.py\nenvironment_variables:\n  LOG_LEVEL: debug\n  MAX_TOKENS: "4096"\n'
            '  TOKENIZERS_PARALLELISM: "false"\n  AZURE_CLIENT_SECRET: ${{secrets.AZURE_CLIENT_SECRET}}\n'
            "  SECRET_NAME: storage-account-key\n",
        ),
        (
            "env/pip.conf",
            "placeholder",
            "[global]\nextra-index-url = https://build:${AZURE_DEVOPS_PAT}@pkgs.dev.azure.com/org/"
            "_packaging/f/pypi/simple/\n",
        ),
        (
            "src/kv.py",
            "code",
            "from azure.keyvault.secrets import SecretClient\nsecret = "
            "client.get_secret('db-password').value\n"
            'conn = f"Server=tcp:sql.database.windows.net;Database=f;Uid=ml;Pwd={secret};"\n',
        ),
        (
            "infra/app_settings.json",
            "keyvault-ref",
            json.dumps(
                {
                    "DB_PASSWORD": "@Microsoft.KeyVault(SecretUri=https://kv-ml.vault.azure.net/secrets/"
                    "db-password/)"
                }
            ),
        ),
        (
            "azure-pipelines.yml",
            "placeholder",
            "steps:\n- script: az login --service-principal -u $(CLIENT_ID) -p $(AZURE_CLIENT_SECRET) "
            "--tenant $(TENANT)\n",
        ),
        ("models/label_encoder.pkl", "small-model", b"\x80\x04\x95" + v.rng.randbytes(3000)),
        (
            "docs/sas.md",
            "docs",
            "A SAS URL: `https://acct.blob.core.windows.net/c?sv=2022-11-02&se=2024-01-01&sp=r&"
            "sig=XXXXXXXXXXXXXXXX`\n",
        ),
        ("src/prompts.py", "code", 'OPENAI_MODEL = "gpt-4o"\napi_key = "sk-..."\nmax_tokens = 512\n'),
        (
            "src/schema.py",
            "code",
            "from sqlalchemy import Column, Integer, String\nclass User(Base):\n    id = Column(Integer,"
            " primary_key=True)\n"
            "    password_hash = Column(String(128))\n    token_type = 'bearer'\n",
        ),
        ("src/icon.json", "base64-blob", json.dumps({"name": "icon", "data": v.b64(600)})),
        (".amlignore", "ignore", ".env\n*.pem\ndata/\n.ipynb_checkpoints\n"),
        (
            "tests/docker-compose.yml",
            "local-default",
            "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: postgres\n"
            "    # DATABASE_URL: postgresql://postgres:postgres@localhost:5432/test\n",
        ),
        ("src/version.txt", "uuid", f"build {v.uuid()} {v.hex(40)}\n"),
        (
            "src/keys_public.py",
            "code",
            "PUBLIC_KEY = '''-----BEGIN PUBLIC KEY-----\n"
            + "\n".join(v.pem_body(270))
            + "\n-----END PUBLIC KEY-----\n'''\n",
        ),
        ("deploy/ssh/id_rsa.pub", "public-key", f"ssh-rsa {v.b64(270)} user@host\n"),
        (
            "src/utf16_readme.txt",
            "utf16",
            "Use a datastore; never paste an AccountKey here.\r\n".encode("utf-16"),
        ),
        (
            "src/datastore.py",
            "code",
            "from azure.ai.ml.entities import AzureBlobDatastore, AccountKeyConfiguration\n"
            "store = AzureBlobDatastore(name='raw', account_name='acct', container_name='raw',\n"
            "    credentials=AccountKeyConfiguration(account_key=os.environ['KEY']))\n",
        ),
        (
            "src/auth_env.py",
            "code",
            "auth = ServicePrincipalAuthentication(tenant_id=os.environ['T'], service_principal_id=cid,\n"
            "    service_principal_password=os.environ['AZUREML_PASSWORD'])\n",
        ),
    ]


def _write(path: Path, content: Content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        size, header = content
        with open(path, "wb") as handle:
            handle.write(header)
            if header.isascii() and header.endswith(b"\n"):
                filler = b"0.1234,5.678,9\n"
                handle.write(filler * ((size - len(header)) // len(filler) + 1))
            handle.truncate(size)


def generate(dest: Path, seed: int = 0, projects: int = 12) -> list[Labelled]:
    """Write ``projects`` projects under ``dest``; each gets a random share of the positives and negatives."""
    rng = random.Random(seed)
    labels: list[Labelled] = []
    for number in range(projects):
        values = Values(random.Random(rng.random()))
        folder = f"project{number:02d}"
        pos = values.rng.sample(positives(values), k=max(12, len(positives(values)) // 3))
        everything = negatives(values) + negative_variants(values)
        neg = values.rng.sample(everything, k=max(10, len(everything) // 2))
        chosen: dict[str, tuple[bool, str, Content]] = {}
        for relpath, kind, content in neg:
            chosen[relpath] = (False, kind, content)
        for relpath, kind, content in pos:
            chosen[relpath] = (True, kind, content)
        for relpath, (sensitive, kind, content) in sorted(chosen.items()):
            _write(dest / folder / relpath, content)
            labels.append(Labelled(f"{folder}/{relpath}", sensitive, kind))
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--projects", type=int, default=12)
    args = parser.parse_args(argv)
    labels = generate(args.dest, args.seed, args.projects)
    (args.dest / "labels.json").write_text(
        json.dumps([dataclasses.asdict(item) for item in labels], indent=1)
    )
    print(
        f"{len(labels)} files ({sum(item.sensitive for item in labels)} sensitive) in {args.dest}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
