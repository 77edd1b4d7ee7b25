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
import io
import json
import random
import string
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Union

ALNUM = string.ascii_letters + string.digits
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Sophia",
    "Elijah",
    "Mia",
    "Lucas",
    "Hannah",
    "Mateo",
    "Chloe",
    "Yusuf",
    "Priya",
    "Wei",
    "Fatima",
    "Jonas",
    "Ingrid",
    "Kofi",
)
LAST_NAMES = (
    "Smith",
    "Garcia",
    "Müller",
    "Nguyen",
    "Okafor",
    "Kowalski",
    "Rossi",
    "Johansson",
    "Silva",
    "Tanaka",
    "Dubois",
    "Novak",
    "Haddad",
    "Patel",
    "O'Brien",
    "Fischer",
    "Lopez",
    "Kim",
    "Andersen",
    "Moreau",
)
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

    def github_valid(self, prefix: str = "ghp_") -> str:
        """A GitHub (or npm) token whose last six characters are the CRC32 of the rest, in base62."""
        body = self.chars(ALNUM, 30)
        number, digits = zlib.crc32(body.encode()), ""
        while number:
            number, digit = divmod(number, 62)
            digits = BASE62[digit] + digits
        return prefix + body + digits.rjust(6, "0")

    def jwt(self) -> str:
        def part(document: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

        header = part({"typ": "JWT", "alg": "RS256", "kid": self.chars(ALNUM, 27)})
        payload = part(
            {
                "aud": "https://management.azure.com/",
                "iss": f"https://sts.windows.net/{self.uuid()}/",
                "exp": self.rng.randint(1_700_000_000, 1_800_000_000),
                "oid": self.uuid(),
            }
        )
        return f"{header}.{payload}.{base64.urlsafe_b64encode(self.rng.randbytes(256)).decode().rstrip('=')}"

    def slack(self) -> str:
        team, bot = self.rng.randint(10**11, 10**12), self.rng.randint(10**11, 10**12)
        return f"xoxb-{team}-{bot}-{self.chars(ALNUM, 24)}"

    def google_api(self) -> str:
        return "AIza" + self.chars(ALNUM + "_-", 35)

    def anthropic(self) -> str:
        return "sk-ant-api03-" + self.chars(ALNUM + "_-", 93) + "AA"

    def first_name(self) -> str:
        return self.rng.choice(FIRST_NAMES)

    def last_name(self) -> str:
        return self.rng.choice(LAST_NAMES)

    def phone(self) -> str:
        return (
            f"+{self.rng.choice((1, 44, 49, 33))} {self.rng.randint(200, 999)} {self.rng.randint(100, 999)} "
            f"{self.rng.randint(1000, 9999)}"
        )

    def birth_date(self) -> str:
        return f"{self.rng.randint(1940, 2005)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def ssn(self) -> str:
        return f"{self.rng.randint(100, 665)}-{self.rng.randint(10, 99)}-{self.rng.randint(1000, 9999)}"

    def iban(self) -> str:
        """A German IBAN with valid check digits (mod 97)."""
        bban = "".join(str(self.rng.randint(0, 9)) for _ in range(18))
        check = 98 - int(bban + "131400") % 97
        return f"DE{check:02d}{bban}"

    def email(self, first: str, last: str) -> str:
        return f"{first.lower()}.{last.lower()}{self.rng.randint(1, 99)}@{self.rng.choice(MAIL_DOMAINS)}"

    def certificate(self) -> str:
        return "\n".join(
            ["-----BEGIN CERTIFICATE-----", *self.pem_body(900), "-----END CERTIFICATE-----", ""]
        )


def _emulator_key() -> str:
    """The Azure Storage emulator's published development key, assembled (public, documented)."""
    return "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq" + "/K1SZFPTOtr/KBHBeksoGMGw=="


def _cosmos_emulator_key() -> str:
    """The Cosmos DB emulator's published key, assembled (public, documented)."""
    return (
        "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM" + "+4QDU5DE2nQ9nDuVTqobD4b8mGG" + "yPMbIZnqyMsEcaGQy67XIw/Jw=="
    )


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


def _xlsx(rows: list[list[str]]) -> bytes:
    """A minimal workbook of one sheet, strings shared as Excel writes them."""
    shared: list[str] = []
    cells = []
    for number, row in enumerate(rows, 1):
        refs = []
        for column, value in enumerate(row):
            shared.append(value)
            refs.append(f'<c r="{chr(65 + column)}{number}" t="s"><v>{len(shared) - 1}</v></c>')
        cells.append(f'<row r="{number}">{"".join(refs)}</row>')
    strings = "".join(f"<si><t>{value}</t></si>" for value in shared)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook><sheets><sheet name="S" sheetId="1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/sharedStrings.xml", f'<?xml version="1.0"?><sst count="{len(shared)}">{strings}</sst>'
        )
        book.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0"?><worksheet><sheetData>{"".join(cells)}</sheetData></worksheet>',
        )
    return buffer.getvalue()


def _people(v: Values, count: int) -> list[tuple[str, str, str, str, str]]:
    """(first, last, email, phone, birth date) of made-up people."""
    people = []
    for _ in range(count):
        first, last = v.first_name(), v.last_name()
        people.append((first, last, v.email(first, last), v.phone(), v.birth_date()))
    return people


def _stream(text: str) -> dict[str, object]:
    return {"output_type": "stream", "name": "stdout", "text": _lines(text)}


def _result(plain: str, html: str | None = None) -> dict[str, object]:
    data: dict[str, object] = {"text/plain": _lines(plain)}
    if html is not None:
        data["text/html"] = _lines(html)
    return {"output_type": "execute_result", "execution_count": 3, "metadata": {}, "data": data}


def _sparse(size: int, header: bytes) -> tuple[int, bytes]:
    return size, header


def issue_cases(v: Values) -> tuple[list[tuple[str, str, Content]], list[tuple[str, str, Content]]]:
    """(positives, negatives) named by issue 11: its "Misses" and its 16 false errors on real repos."""
    people = _people(v, 8)
    frame_html = (
        "<table><thead><tr><th></th><th>name</th><th>email</th><th>phone</th></tr></thead><tbody>"
        + "".join(
            f"<tr><th>{i}</th><td>{p[0]} {p[1]}</td><td>{p[2]}</td><td>{p[3]}</td></tr>"
            for i, p in enumerate(people)
        )
        + "</tbody></table>"
    )
    frame_text = "   name                 email                          phone\n" + "".join(
        f"{i}  {p[0]} {p[1]}  {p[2]}  {p[3]}\n" for i, p in enumerate(people)
    )
    k8s_key = base64.b64encode(v.rsa_pem("PRIVATE KEY").encode()).decode()
    k8s_password = base64.b64encode(v.password().encode()).decode()
    auth = base64.b64encode(f"builder:{v.password()}".encode()).decode()
    found: list[tuple[str, str, Content]] = [
        (
            "src/speech.py",
            "azure-ai-key",
            "import azure.cognitiveservices.speech as speechsdk\n\n"
            f'speech_config = speechsdk.SpeechConfig(subscription="{v.hex(32)}", region="westeurope")\n',
        ),
        (
            "src/translate.py",
            "azure-ai-key",
            "import requests\n\nheaders = {\n    'Ocp-Apim-Subscription-Key': '" + v.hex(32) + "',\n"
            "    'Ocp-Apim-Subscription-Region': 'westeurope',\n    'Content-type': 'application/json',\n}\n",
        ),
        (
            "scripts/vision.sh",
            "azure-ai-key",
            f'curl -X POST "https://westeurope.api.cognitive.microsoft.com/vision/v3.2/analyze" \\\n'
            f'  -H "Ocp-Apim-Subscription-Key: {v.hex(32)}" -H "Content-Type: application/json"\n',
        ),
        (
            "deploy/registry-auth.json",
            "registry-password",
            json.dumps({"auths": {f"ml{v.hex(4)}.azurecr.io": {"auth": auth}}}, indent=2),
        ),
        (
            "deploy/tls-secret.yaml",
            "private-key",
            f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: scoring-tls\ntype: kubernetes.io/tls\ndata:\n"
            f"  tls.crt: {base64.b64encode(v.certificate().encode()).decode()}\n  tls.key: {k8s_key}\n",
        ),
        (
            "deploy/db-secret.yaml",
            "password",
            f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: feature-db\ntype: Opaque\ndata:\n"
            f"  username: {base64.b64encode(b'mladmin').decode()}\n  password: {k8s_password}\n",
        ),
        (
            "notebooks/keys_printed.ipynb",
            "azure-storage-key",
            _notebook(
                [
                    ("code", ["print(storage_account.keys()[0])\n"], [_stream(v.storage_key() + "\n")]),
                ]
            ),
        ),
        (
            "notebooks/config_dict.ipynb",
            "azure-client-secret",
            _notebook(
                [
                    (
                        "code",
                        ["settings\n"],
                        [
                            _result(
                                "{'tenant_id': '"
                                + v.uuid()
                                + "',\n 'client_secret': '"
                                + v.aad_secret()
                                + "'}"
                            )
                        ],
                    ),
                ]
            ),
        ),
        (
            "notebooks/customers.ipynb",
            "personal-data",
            _notebook(
                [
                    (
                        "code",
                        ["df = pd.read_sql('select * from customers', engine)\n", "df.head(8)\n"],
                        [_result(frame_text, frame_html)],
                    ),
                ]
            ),
        ),
        (
            "notebooks/print_frame.ipynb",
            "personal-data",
            _notebook(
                [
                    ("code", ["print(df)\n"], [_stream(frame_text)]),
                ]
            ),
        ),
        (
            "data/customers_small.csv",
            "personal-data",
            "first_name,last_name,email,signup\n"
            + "".join(f"{p[0]},{p[1]},{p[2]},2024-0{1 + i % 9}-1{i % 9}\n" for i, p in enumerate(people[:5])),
        ),
        (
            "data/patients.tsv",
            "personal-data",
            "full_name\tphone\tdate_of_birth\n"
            + "".join(f"{p[0]} {p[1]}\t{p[3]}\t{p[4]}\n" for p in people[:6]),
        ),
        (
            "data/users.jsonl",
            "personal-data",
            "".join(
                json.dumps({"name": f"{p[0]} {p[1]}", "email": p[2], "score": i}) + "\n"
                for i, p in enumerate(people)
            ),
        ),
        (
            "data/payroll.xlsx",
            "personal-data",
            _xlsx(
                [["employee_name", "iban", "salary"]]
                + [[f"{p[0]} {p[1]}", v.iban(), "52000"] for p in people[:6]]
            ),
        ),
        (
            "data/claims.csv",
            "personal-data",
            "claim_id,ssn,amount\n"
            + "".join(f"C{i},{v.ssn()},{v.rng.randint(100, 9000)}\n" for i in range(6)),
        ),
        ("models/model.joblib", "model-weights", _sparse(300 * 1024, b"\x80\x04\x95\x12\x00\x00\x00")),
        ("data/features.sqlite", "dataset", _sparse(50 * 1024, b"SQLite format 3\x00\x10\x00")),
        ("outputs/predictions.parquet", "dataset", _sparse(24 * 1024, b"PAR1\x15\x04\x15")),
    ]
    clean: list[tuple[str, str, Content]] = [
        (
            "src/azureml_utils.R",
            "r-variable",
            "creds <- get_mlflow_creds()\nSys.setenv(\n  MLFLOW_TRACKING_USERNAME = creds$username,\n"
            "  MLFLOW_TRACKING_PASSWORD = creds$password,\n  MLFLOW_TRACKING_URI = creds$uri\n)\n",
        ),
        (
            "src/data_wrangling.py",
            "java-reference",
            "from pyspark.sql import SparkSession\nsc = SparkSession.builder.getOrCreate().sparkContext\n"
            "token_library = sc._jvm.com.microsoft.azure.synapse.tokenlibrary.TokenLibrary\n"
            'conn = token_library.getConnectionStringAsMap("blob")\n',
        ),
        (
            "notebooks/auth_doc.ipynb",
            "placeholder",
            _notebook(
                [
                    (
                        "markdown",
                        [
                            "```python\n",
                            "from azureml.core.authentication import ServicePrincipalAuthentication\n",
                            'auth = ServicePrincipalAuthentication(tenant_id="mytenantid",\n',
                            '    service_principal_id="myclientid",\n',
                            '    service_principal_password="mypassword")\n',
                            "```\n",
                        ],
                        [],
                    ),
                    (
                        "code",
                        [
                            'sp = ServicePrincipalAuthentication(tenant_id="mytenantid", '
                            'service_principal_id="myclientid",\n',
                            '                                  service_principal_password="mypassword")\n',
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "src/search_rag.py",
            "setting-name",
            "from azure.core.credentials import AzureKeyCredential\n"
            'credential = AzureKeyCredential("AZURE_SEARCH_ADMIN_KEY")\n'
            'search_key = os.environ.get("AZURE_SEARCH_ADMIN_KEY")\n',
        ),
        (
            "infra/vm.json",
            "template",
            json.dumps(
                {
                    "resources": [
                        {
                            "type": "Microsoft.Compute/virtualMachines",
                            "properties": {
                                "osProfile": {
                                    "adminUsername": "[parameters('adminUsername')]",
                                    "adminPassword": "[parameters('adminPasswordOrKey')]",
                                }
                            },
                        }
                    ]
                },
                indent=2,
            ),
        ),
        (
            "scripts/run_local.sh",
            "shell-variable",
            "#!/bin/bash\ndocker run -it -v $PWD:/mlops -e PWD=$PWD mlops:latest bash\n",
        ),
        (
            "data/wikitext/test.txt",
            "prose",
            ' = Valkyria Chronicles = \n The player must pass " important knowledge " to the next squad , '
            "and the token of trust is a key part of the story .\n"
            ' The password = " open sesame " line became a meme .\n',
        ),
    ]
    return found, clean


def wide_cases(v: Values) -> tuple[list[tuple[str, str, Content]], list[tuple[str, str, Content]]]:
    """(positives, negatives) wider than the issue: other languages and carriers, and the decoys a
    scanner meets in real repositories."""
    pw = v.password()
    found: list[tuple[str, str, Content]] = [
        (
            "src/blob_client.py",
            "secret",
            "from azure.storage.blob import BlobServiceClient\n"
            'svc = BlobServiceClient(account_url="https://acct.blob.core.windows.net",\n'
            f'                        credential="{v.storage_key()}")\n',
        ),
        (
            "src/Program.cs",
            "azure-ai-key",
            "using Azure;\nusing Azure.AI.OpenAI;\n"
            f'var client = new OpenAIClient(new Uri(endpoint), new AzureKeyCredential("{v.hex(32)}"));\n',
        ),
        (
            "web/speech.js",
            "azure-ai-key",
            f'const speechConfig = sdk.SpeechConfig.fromSubscription("{v.hex(32)}", "westeurope");\n',
        ),
        (
            "src/api.ts",
            "secret",
            f'export const config = {{ apiKey: "{v.chars(ALNUM, 40)}", region: "eu" }};\n',
        ),
        (
            "src/Settings.java",
            "password",
            f'public class Settings {{\n    private static final String DB_PASSWORD = "{pw}";\n}}\n',
        ),
        (
            "scripts/setup.ps1",
            "password",
            f'$secure = ConvertTo-SecureString "{pw}" -AsPlainText -Force\n'
            "New-AzVM -Credential (New-Object PSCredential('azureuser', $secure))\n",
        ),
        (
            "Dockerfile",
            "azure-client-secret",
            "FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04\n"
            f"ENV AZURE_CLIENT_SECRET {v.aad_secret()}\n",
        ),
        (
            "docker/Dockerfile.train",
            "secret",
            f"FROM python:3.11-slim\nARG PIP_TOKEN={v.chars(ALNUM, 40)}\n"
            "RUN pip install -r requirements.txt\n",
        ),
        (
            "scripts/export_env.sh",
            "azure-storage-key",
            f'#!/bin/bash\nexport AZURE_STORAGE_ACCOUNT=acct\nexport AZURE_STORAGE_KEY="{v.storage_key()}"\n',
        ),
        ("R/setup.R", "secret", f'Sys.setenv(OPENAI_API_KEY = "{v.openai()}")\n'),
        (
            "config/settings.toml",
            "password",
            f'[database]\nhost = "pg.contoso.net"\nuser = "ml"\npassword = "{pw}"\n',
        ),
        (
            "config/maven-settings.xml",
            "secret",
            f"<settings><servers><server><id>feed</id><username>ml</username><password>{v.ado_pat()}</password>"
            "</server></servers></settings>\n",
        ),
        (
            "config/web.config",
            "database-password",
            '<configuration><connectionStrings><add name="db" '
            'connectionString="Server=tcp:sql.database.windows.net;'
            f'Database=f;User ID=ml;Password={pw};" /></connectionStrings></configuration>\n',
        ),
        (
            "infra/main.bicep",
            "password",
            f"@secure()\nparam adminPassword string = '{pw}'\n"
            "resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {}\n",
        ),
        (
            "infra/parameters.json",
            "password",
            json.dumps(
                {"parameters": {"adminUsername": {"value": "azureuser"}, "adminPassword": {"value": pw}}},
                indent=2,
            ),
        ),
        (
            ".github/workflows/deploy.yml",
            "secret",
            "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n"
            f"      HF_TOKEN: {v.huggingface()}\n    steps:\n      - run: python deploy.py\n",
        ),
        (
            "pipelines/azure-pipelines.yml",
            "password",
            f"variables:\n- name: sqlPassword\n  value: '{pw}'\n- name: location\n  value: westeurope\n",
        ),
        (
            "k8s/deployment.yaml",
            "password",
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
            "      - name: score\n        env:\n        - name: DB_PASSWORD\n"
            f'          value: "{pw}"\n',
        ),
        (
            "k8s/registry-secret.yaml",
            "registry-password",
            "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: "
            + base64.b64encode(
                json.dumps(
                    {
                        "auths": {
                            "acr.azurecr.io": {
                                "auth": base64.b64encode(f"acr:{v.acr_password()}".encode()).decode()
                            }
                        }
                    }
                ).encode()
            ).decode()
            + "\n",
        ),
        ("helm/values.yaml", "password", f"postgresql:\n  auth:\n    username: ml\n    password: {pw}\n"),
        ("src/gh_client.py", "github-token", f'GITHUB_TOKEN = "{v.github_valid()}"\n'),
        (
            "scripts/publish.sh",
            "npm-token",
            f"npm config set //registry.npmjs.org/:_authToken {v.github_valid('npm_')}\n",
        ),
        ("src/notify.py", "slack-token", f'client = WebClient(token="{v.slack()}")\n'),
        ("src/maps.py", "google-api-key", f'GOOGLE_MAPS_KEY = "{v.google_api()}"\n'),
        ("src/claude.py", "anthropic-key", f'client = anthropic.Anthropic(api_key="{v.anthropic()}")\n'),
        (
            "notebooks/token_output.ipynb",
            "jwt",
            _notebook(
                [
                    (
                        "code",
                        [
                            "token = credential.get_token('https://management.azure.com/.default')\n",
                            "token\n",
                        ],
                        [_result(f"AccessToken(token='{v.jwt()}', expires_on=1767225600)")],
                    ),
                ]
            ),
        ),
        (
            "notebooks/env_dump.ipynb",
            "azure-client-secret",
            _notebook(
                [
                    (
                        "code",
                        ["!env | grep AZURE\n"],
                        [
                            _stream(
                                f"AZURE_TENANT_ID={v.uuid()}\nAZURE_CLIENT_ID={v.uuid()}\nAZURE_CLIENT_SECRET={v.aad_secret()}\n"
                            )
                        ],
                    ),
                ]
            ),
        ),
        (
            "notebooks/bash_cell.ipynb",
            "azure-storage-key",
            _notebook(
                [
                    (
                        "code",
                        [
                            "%%bash\n",
                            "az storage blob list --account-name acct "
                            f"--account-key {v.storage_key()} -c raw\n",
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "notebooks/writefile.ipynb",
            "password",
            _notebook(
                [
                    ("code", ["%%writefile config.yml\n", "database:\n", f"  password: {pw}\n"], []),
                ]
            ),
        ),
        (
            "notebooks/markdown_key.ipynb",
            "azure-storage-key",
            _notebook(
                [
                    (
                        "markdown",
                        [
                            "Use this connection string:\n",
                            "\n",
                            f"`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={v.storage_key()};"
                            "EndpointSuffix=core.windows.net`\n",
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "notebooks/sp_auth.ipynb",
            "service-principal-password",
            _notebook(
                [
                    (
                        "code",
                        [
                            "from azureml.core.authentication import ServicePrincipalAuthentication\n",
                            f'auth = ServicePrincipalAuthentication(tenant_id="{v.uuid()}",\n',
                            f'    service_principal_id="{v.uuid()}",\n',
                            f'    service_principal_password="{v.aad_secret()[:4]}{v.chars(ALNUM, 28)}")\n',
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "src/mlflow_env.py",
            "password",
            f'import os\nos.environ["MLFLOW_TRACKING_PASSWORD"] = "{pw}"\n'
            'os.environ["MLFLOW_TRACKING_USERNAME"] = "ml"\n',
        ),
        ("src/basic_auth.py", "password", f'requests.get(url, auth=("svc-ml", "{pw}"))\n'),
        (
            "data/contacts.csv",
            "personal-data",
            "Name;E-Mail;Telefon\n" + "".join(f"{p[0]} {p[1]};{p[2]};{p[3]}\n" for p in _people(v, 5)),
        ),
        (
            "data/cards.csv",
            "personal-data",
            "customer,card_number,expiry\n"
            + "".join(f"c{i},{_luhn_card(v)},0{1 + i}/29\n" for i in range(5)),
        ),
        ("models/classifier.pkl", "model-weights", _sparse(40 * 1024, b"\x80\x05\x95\x00\x01\x00\x00")),
        ("models/net.pt", "model-weights", _sparse(64 * 1024, b"PK\x03\x04\x00\x00\x08\x00archive/data.pkl")),
        ("models/ranker.onnx", "model-weights", _sparse(200 * 1024, b"\x08\x07\x12\x07pytorch")),
        ("data/vectors.npy", "dataset", _sparse(32 * 1024, b"\x93NUMPY\x01\x00v\x00")),
        ("data/train_small.csv", "dataset", _sparse(20 * 1024, b"feature_a,feature_b,label\n")),
        (
            "keys/server.p12",
            "private-key",
            b"\x30\x82\x0a\x3b\x02\x01\x03\x30\x82\x0a\x01" + v.rng.randbytes(2600),
        ),
        ("keys/app.jks", "private-key", b"\xfe\xed\xfe\xed\x00\x00\x00\x02" + v.rng.randbytes(2000)),
        ("keys/deploy_key", "private-key", v.rsa_pem("OPENSSH PRIVATE KEY")),
        (
            "scoring/call_function.py",
            "secret",
            f'URL = "https://fn{v.hex(4)}.azurewebsites.net/api/score?code={v.chars(ALNUM, 54)}=="\n',
        ),
        (
            "scoring/request.py",
            "secret",
            f'headers = {{"Authorization": "Bearer {v.chars(ALNUM, 32)}",\n'
            '           "Content-Type": "application/json"}\n',
        ),
        (
            "scripts/basic_auth.sh",
            "secret",
            'curl -H "Authorization: Basic '
            + base64.b64encode(f"svc:{pw}".encode()).decode()
            + '" https://api.contoso.com/v1/items\n',
        ),
        (
            "config/signalr.json",
            "secret",
            json.dumps(
                {
                    "Azure": {
                        "SignalR": {
                            "ConnectionString": f"Endpoint=https://ml.service.signalr.net;"
                            f"AccessKey={v.b64(32)};Version=1.0;"
                        }
                    }
                }
            ),
        ),
        ("src/search_admin.py", "azure-ai-key", f'ADMIN = "{v.chars(ALNUM, 42)}AzSe{v.chars(ALNUM, 6)}"\n'),
        ("home/.my.cnf", "password", f"[client]\nuser=ml\npassword={pw}\n"),
    ]
    emulator_cosmos = _cosmos_emulator_key()
    clean: list[tuple[str, str, Content]] = [
        ("tests/fixtures/users.csv", "small-fixture", "id,score\n1,0.5\n2,0.7\n"),
        ("tests/fixtures/model.pkl", "small-fixture", b"\x80\x04\x95\x10\x00\x00\x00" + v.rng.randbytes(900)),
        ("tests/fixtures/tiny.parquet", "small-fixture", b"PAR1" + v.rng.randbytes(4000) + b"PAR1"),
        (
            "tests/test_client.py",
            "test-fixture",
            'def test_auth(monkeypatch):\n    monkeypatch.setenv("AZURE_CLIENT_SECRET", "test-secret")\n'
            '    client = make_client(password="fake-password-123")\n'
            '    assert client.token == "dummy-token"\n',
        ),
        (
            "src/cosmos_local.py",
            "emulator",
            f'COSMOS_KEY = "{emulator_cosmos}"\nCOSMOS_URL = "https://localhost:8081"\n',
        ),
        (
            "docker-compose.override.yml",
            "emulator",
            "services:\n  app:\n    environment:\n      AZURE_STORAGE_CONNECTION_STRING: "
            f'"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={_emulator_key()};'
            'BlobEndpoint=http://azurite:10000/devstoreaccount1;"\n',
        ),
        ("certs/chain.pem", "certificate", v.certificate() + v.certificate()),
        (
            "keys/id_ed25519.pub",
            "public-key",
            f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{v.b64(32)[:43]} ml@build\n",
        ),
        (
            "keys/signing.pub.pem",
            "public-key",
            "-----BEGIN PUBLIC KEY-----\n" + "\n".join(v.pem_body(294)) + "\n-----END PUBLIC KEY-----\n",
        ),
        ("checksums.txt", "hashes", "".join(f"{v.hex(64)}  dist/pkg-{i}.whl\n" for i in range(8))),
        (
            "deploy/images.yaml",
            "hashes",
            "".join(f"- image: mcr.microsoft.com/azureml/base@sha256:{v.hex(64)}\n" for i in range(4)),
        ),
        ("src/git_info.py", "hashes", f'COMMIT = "{v.hex(40)}"\nTREE_HASH = "{v.hex(40)}"\n'),
        (
            ".github/workflows/ci.yml",
            "env-reference",
            "jobs:\n  ci:\n    env:\n      AZURE_CLIENT_SECRET: ${{ secrets.AZURE_CLIENT_SECRET }}\n"
            "      HF_TOKEN: ${{ secrets.HF_TOKEN }}\n    steps:\n      - run: echo $AZURE_CLIENT_SECRET\n",
        ),
        (
            "scripts/login.cmd",
            "env-reference",
            "az login --service-principal -u %CLIENT_ID% -p %CLIENT_SECRET% --tenant %TENANT_ID%\n",
        ),
        (
            "src/settings.js",
            "env-reference",
            "module.exports = { apiKey: process.env.OPENAI_API_KEY,\n"
            "  password: `${process.env.DB_PASSWORD}` };\n",
        ),
        (
            "src/config.py",
            "env-reference",
            'import os\nAPI_KEY = os.environ["AZURE_OPENAI_API_KEY"]\n'
            'PASSWORD = os.getenv("DB_PASSWORD", "")\n'
            "TOKEN = f\"{os.environ['HF_TOKEN']}\"\n",
        ),
        (
            "infra/vars.tf",
            "env-reference",
            'variable "admin_password" {\n  type      = string\n  sensitive = true\n}\n'
            'resource "x" "y" {\n  admin_password = var.admin_password\n'
            "  client_secret  = data.azurerm_key_vault_secret.sp.value\n}\n",
        ),
        (
            "config/.env.template",
            "placeholder",
            "AZURE_OPENAI_API_KEY=<your-azure-openai-key>\nAZURE_CLIENT_SECRET=\nDB_PASSWORD=changeme\n"
            "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
        ),
        (
            "app/.env",
            "placeholder",
            "AZURE_SUBSCRIPTION_ID=\nRESOURCE_GROUP=rg-ml\nWORKSPACE_NAME=mlw-dev\nLOG_LEVEL=INFO\n",
        ),
        (
            "docs/setup.md",
            "docs",
            "# Setup\n\nexport AZURE_OPENAI_API_KEY=<key>\n\n```python\n"
            'client = AzureOpenAI(api_key="YOUR_API_KEY")\n'
            'password = "P@ssw0rd1234!"\n```\n',
        ),
        ("docs/jwt.md", "docs", f"An example token from jwt.io: `{_jwt_io_sample()}`\n"),
        (
            "src/tokenizer_config.json",
            "config",
            json.dumps(
                {
                    "bos_token": "<s>",
                    "eos_token": "</s>",
                    "pad_token": "<pad>",
                    "model_max_length": 512,
                    "tokenizer_class": "GPT2Tokenizer",
                }
            ),
        ),
        (
            "src/ui_strings.py",
            "prose-code",
            'PROMPT = "Enter your password to continue"\nERROR = "The token has expired; sign in again"\n'
            'LABEL_KEY = "Primary key"\n',
        ),
        (
            "src/keys_in_code.py",
            "code",
            'cache_key = "' + v.hex(40) + '"\nsort_key = "created_at"\nsecret_name = "storage-account-key"\n'
            'token_url = "https://login.microsoftonline.com/common/oauth2/v2.0/token"\n'
            "password_min_length = 12\n",
        ),
        (
            "src/uuid_config.py",
            "uuid",
            f'subscription_id = "{v.uuid()}"\nclient_id = "{v.uuid()}"\ninstrumentation_key = "{v.uuid()}"\n',
        ),
        (
            "notebooks/run_details.ipynb",
            "uuid",
            _notebook(
                [
                    (
                        "code",
                        ["run\n"],
                        [
                            _result(
                                "Run(Experiment: train,\n"
                                f"Id: train_{v.rng.randint(10**9, 10**10)}_{v.hex(8)},\n"
                                "Type: azureml.scriptrun,\nStatus: Completed)"
                            )
                        ],
                    ),
                ]
            ),
        ),
        (
            "notebooks/explore_env.ipynb",
            "code",
            _notebook(
                [
                    ("markdown", ["# Explore\n", "Set `AZURE_STORAGE_KEY` before running.\n"], []),
                    (
                        "code",
                        [
                            "import os\n",
                            "key = os.environ['AZURE_STORAGE_KEY']\n",
                            "%pip install azure-ai-ml\n",
                            "!az login --identity\n",
                        ],
                        [_stream("Requirement already satisfied: azure-ai-ml\n")],
                    ),
                ]
            ),
        ),
        (
            "data/metrics_small.csv",
            "small-csv",
            "name,accuracy,f1\n"
            + "".join(f"model_{i},{v.rng.random():.3f},{v.rng.random():.3f}\n" for i in range(10)),
        ),
        (
            "data/products.csv",
            "business-data",
            "name,address,category\n"
            + "".join(f"Cafe {v.last_name()},{v.rng.randint(1, 99)} Main Street,food\n" for _ in range(8)),
        ),
        (
            "data/titanic_sample.csv",
            "public-dataset",
            "PassengerId,Survived,Name,Sex,Age\n"
            + "".join(
                f'{i},{i % 2},"{v.last_name()}, Mr. {v.first_name()}",male,{20 + i}\n' for i in range(10)
            ),
        ),
        (
            "scoring/request_env.py",
            "env-reference",
            'headers = {"Authorization": "Bearer " + os.environ["ENDPOINT_KEY"]}\n'
            'url = f"https://fn.azurewebsites.net/api/score?code={function_key}"\n',
        ),
        ("src/github_fake.py", "placeholder", 'EXAMPLE_TOKEN = "ghp_' + "x" * 36 + '"\n'),
    ]
    return found, clean


def _luhn_card(v: Values) -> str:
    digits = [4] + [v.rng.randint(0, 9) for _ in range(14)]
    total = sum(d if i % 2 == 1 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits)))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _jwt_io_sample() -> str:
    """jwt.io's documented example token, assembled."""

    def part(document: dict[str, object]) -> str:
        return (
            base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode())
            .decode()
            .rstrip("=")
        )

    return ".".join(
        (
            part({"alg": "HS256", "typ": "JWT"}),
            part({"sub": "1234567890", "name": "John Doe", "iat": 1516239022}),
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV" + "_adQssw5c",
        )
    )


def held_out_cases(v: Values) -> tuple[list[tuple[str, str, Content]], list[tuple[str, str, Content]]]:
    """(positives, negatives) written apart from the detector and not tuned on: benchmarks report them
    separately, as an estimate of recall and false alarms on files nobody has seen."""
    pw = v.password()
    people = _people(v, 7)
    key_pem = base64.b64encode(v.rsa_pem("EC PRIVATE KEY").encode()).decode()
    found: list[tuple[str, str, Content]] = [
        (
            "app/storage.py",
            "azure-storage-key",
            'conn_str = (\n    "DefaultEndpointsProtocol=https;"\n    "AccountName=featurestore;"\n'
            f'    "AccountKey={v.storage_key()};"\n    "EndpointSuffix=core.windows.net"\n)\n',
        ),
        (
            "jobs/score-job.yml",
            "job-secret-env",
            "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\n"
            "command: python score.py\n"
            f"environment_variables:\n  OPENAI_API_KEY: {v.hex(32)}\n  OPENAI_API_VERSION: 2024-02-01\n",
        ),
        (
            "app/seed_vault.py",
            "secret",
            "from azure.keyvault.secrets import SecretClient\n"
            "client = SecretClient(vault_url=url, credential=cred)\n"
            f'client.set_secret("sql-admin", "{pw}")\n',
        ),
        (
            "notebooks/aoai_chat.ipynb",
            "azure-ai-key",
            _notebook(
                [
                    (
                        "code",
                        [
                            "%pip install openai\n",
                            "import openai\n",
                            f'openai.api_key = "{v.hex(32)}"\n',
                            'openai.api_base = "https://aoai.openai.azure.com/"\n',
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "notebooks/blob_url.ipynb",
            "sas-token",
            _notebook(
                [
                    (
                        "code",
                        ["blob.url\n"],
                        [
                            {
                                "output_type": "display_data",
                                "metadata": {},
                                "data": {
                                    "text/plain": [
                                        f"'https://acct.blob.core.windows.net/data/train.csv?{v.sas_query()}'"
                                    ]
                                },
                            }
                        ],
                    ),
                ]
            ),
        ),
        (
            "config/appsettings.Development.json",
            "azure-client-secret",
            json.dumps(
                {
                    "AzureAd": {
                        "Instance": "https://login.microsoftonline.com/",
                        "ClientId": v.uuid(),
                        "ClientSecret": v.aad_secret(),
                    }
                },
                indent=2,
            ),
        ),
        ("config/db.ini", "password", f"[postgres]\nhost: pg.contoso.net\nuser: ml\npassword: {pw}\n"),
        (
            "web/events.js",
            "shared-access-key",
            f'const connectionString = "Endpoint=sb://ns{v.hex(4)}.servicebus.windows.net/;'
            f'SharedAccessKeyName=send;SharedAccessKey={v.b64(32)}";\n',
        ),
        (
            "deploy/sp-secret.yaml",
            "azure-client-secret",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sp\ntype: Opaque\nstringData:\n"
            f"  AZURE_CLIENT_ID: {v.uuid()}\n  AZURE_CLIENT_SECRET: {v.aad_secret()}\n",
        ),
        (
            "deploy/aks-kubeconfig.yaml",
            "private-key",
            "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n"
            f"    client-certificate-data: {base64.b64encode(v.certificate().encode()).decode()}\n"
            f"    client-key-data: {key_pem}\n",
        ),
        ("home/.pgpass", "password", f"pg.contoso.net:5432:features:ml:{pw}\n"),
        (
            "app/cache.py",
            "password",
            f'cache = redis.Redis(host="c.redis.cache.windows.net", port=6380, '
            f'password="{v.b64(32)}", ssl=True)\n',
        ),
        (
            "scripts/acr_login.sh",
            "registry-password",
            f'echo "{v.acr_password()}" | docker login mlacr.azurecr.io -u mlacr --password-stdin\n',
        ),
        (
            "app/s3_sync.py",
            "aws-access-key",
            f'session = boto3.Session(aws_access_key_id="{v.aws_id()}",\n'
            f'                        aws_secret_access_key="{v.aws_secret()}")\n',
        ),
        ("cmd/main.go", "openai-key", f'client := openai.NewClient("{v.openai()}")\n'),
        (
            "notebooks/hf.ipynb",
            "huggingface-token",
            _notebook(
                [
                    ("code", ["from huggingface_hub import login\n", f'login("{v.huggingface()}")\n'], []),
                ]
            ),
        ),
        (
            "terraform/prod.auto.tfvars.json",
            "azure-client-secret",
            json.dumps({"client_id": v.uuid(), "client_secret": v.aad_secret()}),
        ),
        (
            "config/application.properties",
            "password",
            f"spring.datasource.url=jdbc:postgresql://pg:5432/ml\nspring.datasource.password={pw}\n",
        ),
        (
            "scripts/sql.sh",
            "password",
            f"sqlcmd -S tcp:sql.database.windows.net -U mladmin -P '{pw}' -i init.sql\n",
        ),
        (
            "app/mongo_conn.py",
            "database-password",
            f'CLIENT = MongoClient("mongodb+srv://ml:{pw}@cluster0.abcde.mongodb.net/?retryWrites=true")\n',
        ),
        (
            "app/.env.production",
            "database-password",
            f"DATABASE_URL=postgres://ml:{pw}@pg.contoso.net:5432/ml\n",
        ),
        (
            "notebooks/creds_md.ipynb",
            "azure-client-secret",
            _notebook(
                [
                    (
                        "markdown",
                        [
                            "Service principal for the demo (delete later):\n",
                            f"client secret: {v.aad_secret()}\n",
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "app/cosmos.ts",
            "cosmos-key",
            f'const key = "{v.b64(64)}";\nconst client = new CosmosClient({{ endpoint, key }});\n',
        ),
        ("keys/client.key", "private-key", v.rsa_pem("EC PRIVATE KEY")),
        (
            "app/sa-key.json",
            "gcp-service-account",
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": "ml",
                    "private_key_id": v.hex(40),
                    "private_key": v.rsa_pem("PRIVATE KEY"),
                    "client_email": "sa@ml.iam.gserviceaccount.com",
                }
            ),
        ),
        (
            "data/leads.csv",
            "personal-data",
            "first name,last name,company,email address,phone number\n"
            + "".join(f"{p[0]},{p[1]},Contoso,{p[2]},{p[3]}\n" for p in people),
        ),
        (
            "data/staff.xlsx",
            "personal-data",
            _xlsx([["Name", "Birth date", "SSN"]] + [[f"{p[0]} {p[1]}", p[4], v.ssn()] for p in people]),
        ),
        (
            "data/visits.jsonl",
            "personal-data",
            "".join(
                json.dumps({"first_name": p[0], "last_name": p[1], "birth_date": p[4], "phone": p[3]}) + "\n"
                for p in people
            ),
        ),
        (
            "notebooks/pii_print.ipynb",
            "personal-data",
            _notebook(
                [
                    (
                        "code",
                        ["for row in rows[:5]:\n", "    print(row)\n"],
                        [
                            _stream(
                                "".join(
                                    str({"name": f"{p[0]} {p[1]}", "email": p[2], "phone": p[3]}) + "\n"
                                    for p in people[:5]
                                )
                            )
                        ],
                    ),
                ]
            ),
        ),
        ("models/xgb.joblib", "model-weights", _sparse(120 * 1024, b"x\x9c\xed\xbd\x07\x98")),
        (
            "models/encoder.safetensors",
            "model-weights",
            _sparse(2 * 1024 * 1024, struct.pack("<Q", 90) + b'{"a":{'),
        ),
        ("data/images.tar.gz", "data-archive", _sparse(500 * 1024, b"\x1f\x8b\x08\x00")),
        ("data/warehouse.duckdb", "dataset", _sparse(1024 * 1024, b"\x00" * 8 + b"DUCK")),
        ("models/weights.h5", "model-weights", _sparse(100 * 1024, b"\x89HDF\r\n\x1a\n")),
        ("app/ftp_upload.py", "password", f'ftp = ftplib.FTP("ftp.contoso.com", "ml", "{pw}")\n'),
    ]
    clean: list[tuple[str, str, Content]] = [
        (
            "app/auth.py",
            "variable",
            "credential = ClientSecretCredential(tenant_id, client_id, client_secret=secret)\n"
            "ml_client = MLClient(credential, subscription_id, resource_group, workspace)\n",
        ),
        (
            "config/appsettings.json",
            "placeholder",
            json.dumps(
                {
                    "AzureAd": {"ClientSecret": "<client-secret>"},
                    "ConnectionStrings": {
                        "Db": "Server=tcp:sql;Database=ml;User ID=ml;Password={your_password};"
                    },
                },
                indent=2,
            ),
        ),
        (
            "jobs/pipeline-binding.yml",
            "template",
            "jobs:\n  prep:\n    environment_variables:\n      DB_PASSWORD: ${{parent.inputs.db_password}}\n",
        ),
        (
            "deploy/secret-template.yaml",
            "template",
            "apiVersion: v1\nkind: Secret\ndata:\n  password: {{ .Values.password | b64enc }}\n"
            '  token: {{ required "token" .Values.token | b64enc }}\n',
        ),
        (
            "app/constants.py",
            "names",
            'SECRET_KEY_LENGTH = 64\nTOKEN_TYPE = "Bearer"\nAPI_KEY_HEADER = "Ocp-Apim-Subscription-Key"\n'
            'PASSWORD_FIELD = "password"\n',
        ),
        (
            "tests/conftest.py",
            "emulator",
            'TEST_CONN = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"\n'
            f'             "AccountKey={_emulator_key()};")\n',
        ),
        (
            "scripts/azurite.sh",
            "emulator",
            'export AZURE_STORAGE_CONNECTION_STRING="UseDevelopmentStorage=true"\nazurite --silent &\n',
        ),
        ("certs/root-ca.crt", "certificate", v.certificate()),
        ("keys/deploy.pub", "public-key", f"ssh-rsa {v.b64(279)} deploy@ml\n"),
        ("infra/known_hosts", "public-key", f"ssh.dev.azure.com ssh-rsa {v.b64(279)}\n"),
        (
            "requirements.lock",
            "hashes",
            "".join(f"pkg{i}==1.{i} \\\n    --hash=sha256:{v.hex(64)}\n" for i in range(6)),
        ),
        (
            "web/package-lock.json",
            "hashes",
            json.dumps(
                {"packages": {f"node_modules/m{i}": {"integrity": "sha512-" + v.b64(64)} for i in range(6)}}
            ),
        ),
        (
            "docs/model_card.md",
            "prose",
            "## Access\nAsk the owner for an API key; never share your password or token.\n"
            "The endpoint key rotates monthly.\n",
        ),
        (
            "notebooks/eval.ipynb",
            "metrics",
            _notebook(
                [
                    (
                        "code",
                        ["metrics\n"],
                        [_result("{'accuracy': 0.91, 'token_count': 51234, 'f1': 0.88}")],
                    ),
                ]
            ),
        ),
        ("app/checks.py", "hashes", f'EXPECTED_SHA256 = "{v.hex(64)}"\nBLOB_MD5 = "{v.b64(16)}"\n'),
        (
            "docs/api.md",
            "docs",
            'curl -H "Ocp-Apim-Subscription-Key: {subscription-key}" https://api.cognitive.microsoft.com/\n',
        ),
        (
            "web/settings.ts",
            "env-reference",
            'export const db = { password: process.env.DB_PASSWORD ?? "" };\n',
        ),
        ("app/.env.sample", "placeholder", "OPENAI_API_KEY=sk-...\nAZURE_CLIENT_SECRET=your-secret-here\n"),
        (
            "app/engine.py",
            "variable",
            'engine = create_engine(f"postgresql://{user}:{password}@{host}/db")\n',
        ),
        ("jobs/ids.yml", "uuid", f"tenant_id: {v.uuid()}\nclient_id: {v.uuid()}\nobject_id: {v.uuid()}\n"),
        ("tests/data/users_tiny.csv", "small-fixture", "name,score\nA,1\nB,2\n"),
        ("tests/data/model_tiny.onnx", "small-fixture", b"\x08\x07\x12\x07pytorch" + v.rng.randbytes(3000)),
        (
            "app/logo.py",
            "base64-blob",
            f'LOGO_PNG = "{base64.b64encode(b"PNG" + v.rng.randbytes(1500)).decode()}"\n',
        ),
        (
            "app/patterns.py",
            "regex",
            'SAS = re.compile(r"sig=[A-Za-z0-9%]{40,}")\n'
            'KEY = re.compile(r"AccountKey=[A-Za-z0-9+/=]{88}")\n',
        ),
        (
            "notebooks/login.ipynb",
            "code",
            _notebook(
                [
                    ("code", ["import getpass\n", 'password = getpass.getpass("Password: ")\n'], []),
                ]
            ),
        ),
        (
            ".vscode/settings.json",
            "config",
            json.dumps({"python.defaultInterpreterPath": ".venv/bin/python"}),
        ),
        (
            "app/verify.py",
            "public-key",
            'PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----\n'
            + "\n".join(v.pem_body(294))
            + '\n-----END PUBLIC KEY-----"""\n',
        ),
        (
            "infra/kv.bicep",
            "template",
            "@secure()\nparam adminPassword string\nparam location string = resourceGroup().location\n",
        ),
        ("docs/sas.md", "docs", "Append `?sv=2022-11-02&sp=r&se=...&sig=<signature>` to the blob URL.\n"),
        ("logs/run.log", "masked", "connecting with password=******** and token=[REDACTED]\n"),
        (
            "config/pip.conf",
            "env-reference",
            "[global]\nindex-url = https://ml:${AZDO_PAT}@pkgs.dev.azure.com/o/_packaging/f/pypi/simple/\n",
        ),
        ("app/theme.py", "hex", 'PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c"]\nSEED = 1234567\n'),
        ("app/version.py", "hashes", f'__version__ = "1.4.2"\nBUILD_ID = "{v.hex(40)}"\n'),
        (
            "app/cosmos_emulator.py",
            "emulator",
            f'KEY = "{_cosmos_emulator_key()}"\n',
        ),
    ]
    return found, clean


def held_out_2_cases(v: Values) -> tuple[list[tuple[str, str, Content]], list[tuple[str, str, Content]]]:
    """(positives, negatives) written after the first held-out part had been used to fix the
    detector: a second estimate on files nobody has tuned on."""
    pw = v.password()
    people = _people(v, 6)
    found: list[tuple[str, str, Content]] = [
        (
            "training/train.py",
            "azure-storage-key",
            "import argparse\nfrom azure.storage.blob import BlobServiceClient\n\n"
            "def upload(path):\n    service = BlobServiceClient.from_connection_string(\n"
            '        "DefaultEndpointsProtocol=https;AccountName=mldata;"\n'
            f'        "AccountKey={v.storage_key()};"\n    )\n',
        ),
        (
            "training/config.yaml",
            "azure-client-secret",
            f'azure:\n  tenant: {v.uuid()}\n  app_id: {v.uuid()}\n  app_secret: "{v.aad_secret()}"\n',
        ),
        (
            "training/aoai.py",
            "azure-ai-key",
            "from openai import AzureOpenAI\nclient = AzureOpenAI(\n    azure_endpoint=ENDPOINT,\n"
            f"    api_key='{v.hex(32)}',\n    api_version='2024-06-01')\n",
        ),
        (
            "scoring/score.py",
            "sas-token",
            f'MODEL_URL = "https://models.blob.core.windows.net/m/model.onnx?{v.sas_query()}"\n',
        ),
        (
            "notebooks/01-setup.ipynb",
            "azure-storage-key",
            _notebook(
                [
                    ("markdown", ["## Connect to storage\n"], []),
                    (
                        "code",
                        [
                            "from azure.storage.blob import BlobServiceClient\n",
                            f'account_key = "{v.storage_key()}"\n',
                            'svc = BlobServiceClient("https://acct.blob.core.windows.net",\n',
                            "    credential=account_key)\n",
                        ],
                        [],
                    ),
                ]
            ),
        ),
        (
            "notebooks/02-llm.ipynb",
            "openai-key",
            _notebook(
                [
                    ("code", ["import os\n", f'os.environ["OPENAI_API_KEY"] = "{v.openai()}"\n'], []),
                ]
            ),
        ),
        (
            "notebooks/03-output.ipynb",
            "azure-client-secret",
            _notebook(
                [
                    (
                        "code",
                        ["print(sp)\n"],
                        [_stream(f"appId: {v.uuid()}\npassword: {v.aad_secret()}\ntenant: {v.uuid()}\n")],
                    ),
                ]
            ),
        ),
        (
            "manifests/secret.yml",
            "azure-storage-key",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: storage\ndata:\n  azurestorageaccountname: "
            f"{base64.b64encode(b'mldata').decode()}\n  azurestorageaccountkey: "
            f"{base64.b64encode(v.storage_key().encode()).decode()}\n",
        ),
        (
            "manifests/compose.yaml",
            "password",
            f"services:\n  mssql:\n    image: mcr.microsoft.com/mssql/server:2022-latest\n    environment:\n"
            f"      - ACCEPT_EULA=Y\n      - MSSQL_SA_PASSWORD={pw}\n",
        ),
        (
            "ci/release.yml",
            "azure-devops-pat",
            f"steps:\n- script: git clone https://pat:{v.ado_pat()}@dev.azure.com/contoso/ml/_git/models\n",
        ),
        (
            "config/appsettings.Production.json",
            "database-password",
            json.dumps(
                {
                    "ConnectionStrings": {
                        "Sql": f"Server=tcp:prod.database.windows.net,1433;Initial Catalog=ml;"
                        f"User ID=mladmin;Password={pw};Encrypt=True;"
                    }
                }
            ),
        ),
        ("config/secrets.toml", "secret", f'[openai]\napi_key = "{v.chars(ALNUM, 48)}"\n'),
        ("config/.env.local", "huggingface-token", f"HUGGINGFACEHUB_API_TOKEN={v.huggingface()}\n"),
        (
            "scripts/bootstrap.sh",
            "azure-client-secret",
            f"az login --service-principal --username {v.uuid()} --password {v.aad_secret()} "
            f"--tenant {v.uuid()}\n",
        ),
        (
            "scripts/Deploy.ps1",
            "azure-storage-key",
            '$ctx = New-AzStorageContext -StorageAccountName "mldata" '
            f'-StorageAccountKey "{v.storage_key()}"\n',
        ),
        (
            "src/Client.java",
            "azure-ai-key",
            "TextAnalyticsClient client = new TextAnalyticsClientBuilder()\n"
            f'    .credential(new AzureKeyCredential("{v.hex(32)}"))\n'
            "    .endpoint(endpoint).buildClient();\n",
        ),
        ("src/db.rs", "database-password", f'let url = "postgres://ml:{pw}@db.internal:5432/features";\n'),
        (
            "infra/terraform.tfvars",
            "azure-client-secret",
            f'client_secret = "{v.aad_secret()}"\nlocation = "westeurope"\n',
        ),
        (
            "infra/deploy.parameters.json",
            "password",
            json.dumps(
                {
                    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
                    "parameters": {"sqlAdministratorLoginPassword": {"value": pw}},
                },
                indent=2,
            ),
        ),
        ("keys/github-app.pem", "private-key", v.rsa_pem("RSA PRIVATE KEY")),
        ("keys/signing.key", "private-key", v.rsa_pem("PRIVATE KEY")),
        (
            "data/survey_responses.csv",
            "personal-data",
            "respondent,email,age,comment\n"
            + "".join(f"{p[0]} {p[1]},{p[2]},{30 + i},ok\n" for i, p in enumerate(people)),
        ),
        (
            "data/members.tsv",
            "personal-data",
            "member_id\tfirst_name\tlast_name\tmobile\n"
            + "".join(f"{i}\t{p[0]}\t{p[1]}\t{p[3]}\n" for i, p in enumerate(people)),
        ),
        (
            "data/bank.csv",
            "personal-data",
            "holder,iban,balance\n"
            + "".join(f"{p[0]} {p[1]},{v.iban()},{v.rng.randint(10, 9000)}\n" for p in people),
        ),
        (
            "notebooks/04-customers.ipynb",
            "personal-data",
            _notebook(
                [
                    (
                        "code",
                        ["df[['first_name', 'last_name', 'email']].head()\n"],
                        [
                            _result(
                                "  first_name last_name                     email\n"
                                + "".join(f"{i}  {p[0]}  {p[1]}  {p[2]}\n" for i, p in enumerate(people[:5]))
                            )
                        ],
                    ),
                ]
            ),
        ),
        ("models/rf.pkl", "model-weights", _sparse(90 * 1024, b"\x80\x04\x95\x00\x10\x00\x00")),
        (
            "models/checkpoint.pth",
            "model-weights",
            _sparse(5 * 1024 * 1024, b"PK\x03\x04\x00\x00\x00\x00archive/data.pkl"),
        ),
        ("data/train.parquet", "dataset", _sparse(700 * 1024, b"PAR1\x15\x00")),
        ("data/corpus.jsonl", "dataset", _sparse(300 * 1024, b'{"text": "hello", "label": 1}\n')),
        ("data/raw.zip", "data-archive", _sparse(2 * 1024 * 1024, b"PK\x03\x04\x14\x00\x00\x00")),
    ]
    clean: list[tuple[str, str, Content]] = [
        (
            "training/train_env.py",
            "env-reference",
            "import os\nconn = os.environ['AZURE_STORAGE_CONNECTION_STRING']\n"
            "key = os.getenv('AZURE_OPENAI_API_KEY')\nclient = AzureOpenAI(api_key=key)\n",
        ),
        (
            "training/keyvault.py",
            "variable",
            "secret = kv_client.get_secret('sql-password')\nengine = connect(password=secret.value)\n",
        ),
        (
            "config/example.env",
            "placeholder",
            "AZURE_OPENAI_API_KEY=your-key\nAZURE_STORAGE_KEY=<storage-account-key>\nSQL_PASSWORD=\n",
        ),
        (
            "config/dev.yaml",
            "emulator",
            f"storage:\n  connection_string: DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            f"AccountKey={_emulator_key()};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1\n",
        ),
        (
            "manifests/secret-ref.yaml",
            "env-reference",
            "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n"
            "      name: db\n      key: password\n",
        ),
        (
            "ci/pipeline.yml",
            "env-reference",
            "variables:\n- group: ml-secrets\nsteps:\n"
            "- script: python deploy.py --client-secret $(SP_SECRET)\n",
        ),
        (
            "infra/keyvault-ref.parameters.json",
            "template",
            json.dumps(
                {
                    "parameters": {
                        "adminPassword": {
                            "reference": {"keyVault": {"id": "/subscriptions/x"}, "secretName": "vm-admin"}
                        }
                    }
                }
            ),
        ),
        ("certs/server.crt", "certificate", v.certificate()),
        ("certs/ca-bundle.pem", "certificate", v.certificate() + v.certificate() + v.certificate()),
        ("keys/ci.pub", "public-key", f"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY{v.b64(80)} ci\n"),
        (
            "src/jwks.json",
            "public-key",
            json.dumps(
                {
                    "keys": [
                        {
                            "kty": "RSA",
                            "kid": v.hex(16),
                            "use": "sig",
                            "n": base64.urlsafe_b64encode(v.rng.randbytes(256)).decode().rstrip("="),
                            "e": "AQAB",
                        }
                    ]
                }
            ),
        ),
        (
            "uv.lock",
            "hashes",
            "".join(
                f'[[package]]\nname = "p{i}"\nsdist = {{ hash = "sha256:{v.hex(64)}" }}\n' for i in range(5)
            ),
        ),
        ("src/digests.py", "hashes", f'MODEL_SHA256 = "{v.hex(64)}"\nDATA_MD5 = "{v.hex(32)}"\n'),
        (
            "Dockerfile.base",
            "hashes",
            f"FROM python:3.11-slim@sha256:{v.hex(64)}\nRUN pip install -r req.txt\n",
        ),
        (
            "tests/test_auth.py",
            "test-fixture",
            'FAKE_SECRET = "not-a-real-secret"\n\n'
            'def test_login():\n    assert login("user", "test-password")\n',
        ),
        ("tests/fixtures/sample.parquet", "small-fixture", b"PAR1" + v.rng.randbytes(2000)),
        ("tests/fixtures/people.csv", "small-fixture", "id,value\n1,2\n"),
        (
            "src/prompts.md",
            "prose",
            "You are an assistant. Never reveal the user's password or API key,\n"
            "even if asked for the token.\n",
        ),
        (
            "docs/auth.md",
            "docs",
            "```bash\n"
            "az login --service-principal -u <app-id> -p <password-or-cert> --tenant <tenant>\n```\n",
        ),
        (
            "notebooks/05-clean.ipynb",
            "code",
            _notebook(
                [
                    (
                        "code",
                        [
                            "from azure.identity import DefaultAzureCredential\n",
                            "cred = DefaultAzureCredential()\n",
                        ],
                        [_stream("Authenticated.\n")],
                    ),
                ]
            ),
        ),
        (
            "notebooks/06-metrics.ipynb",
            "metrics",
            _notebook(
                [
                    (
                        "code",
                        ["print(run.get_metrics())\n"],
                        [_stream("{'auc': 0.93, 'precision': 0.88, 'recall': 0.81}\n")],
                    ),
                ]
            ),
        ),
        (
            "src/constants.ts",
            "names",
            'export const TOKEN_STORAGE_KEY = "auth.token";\nexport const PASSWORD_MIN = 12;\n',
        ),
        (
            "src/ids.json",
            "uuid",
            json.dumps({"workspace_id": v.uuid(), "run_id": v.hex(32), "object_id": v.uuid()}),
        ),
        ("app/settings.py", "placeholder", 'SECRET_KEY = "django-insecure-change-me"\nDEBUG = True\n'),
    ]
    return found, clean


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


PARTS = ("tuned", "held-out", "held-out-2")


def cases(v: Values, part: str) -> tuple[list[tuple[str, str, Content]], list[tuple[str, str, Content]]]:
    """(positives, negatives) of one part of the corpus: ``tuned`` (the cases the detector was built
    against: the original corpus, issue 11's and the wide set) or ``held-out``."""
    if part == "held-out":
        return held_out_cases(v)
    if part == "held-out-2":
        return held_out_2_cases(v)
    issue_found, issue_clean = issue_cases(v)
    wide_found, wide_clean = wide_cases(v)
    return (
        positives(v) + issue_found + wide_found,
        negatives(v) + negative_variants(v) + issue_clean + wide_clean,
    )


def generate(dest: Path, seed: int = 0, projects: int = 12, part: str = "tuned") -> list[Labelled]:
    """Write ``projects`` projects under ``dest``; each gets a random share of the positives and negatives."""
    rng = random.Random(seed)
    labels: list[Labelled] = []
    for number in range(projects):
        values = Values(random.Random(rng.random()))
        folder = f"project{number:02d}"
        found, clean = cases(values, part)
        chosen: dict[str, tuple[bool, str, Content]] = {}
        for relpath, kind, content in values.rng.sample(clean, k=max(10, len(clean) // 2)):
            chosen[relpath] = (False, kind, content)
        for relpath, kind, content in values.rng.sample(found, k=max(12, len(found) // 3)):
            chosen[relpath] = (True, kind, content)  # where a path is in both lists, the positive wins
        for relpath, (sensitive, kind, content) in sorted(chosen.items()):
            _write(dest / folder / relpath, content)
            labels.append(Labelled(f"{folder}/{relpath}", sensitive, kind))
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--projects", type=int, default=12)
    parser.add_argument("--part", choices=PARTS, default="tuned")
    args = parser.parse_args(argv)
    labels = generate(args.dest, args.seed, args.projects, args.part)
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
