"""The sensitive-files detector, unit by unit: what is an error, what is a warning, what is nothing,
and what every detection says. Secret-looking values are assembled at test time from random pieces
(``sensitive_corpus.Values``); this file holds no literal key.
"""

from __future__ import annotations

import base64
import io
import json
import random
import shutil
import string
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CHECKOUT
from hypothesis import given, settings
from hypothesis import strategies as st

from snapshot_guard.sensitive import Detection, ScanSettings, scan_content, scan_text, text_encoding
from snapshot_guard.sensitive.named import credential_kind
from snapshot_guard.sensitive.values import is_placeholder, is_reference, mask, strength

sys.path.insert(0, str(CHECKOUT / "benchmarks"))
import sensitive_corpus as corpus

V = corpus.Values(random.Random(20261204))


def scan(relpath: str, content: str | bytes, size: int | None = None) -> list[Detection]:
    data = content.encode() if isinstance(content, str) else content
    return scan_content(lambda: io.BytesIO(data), relpath, len(data) if size is None else size)


def errors(relpath: str, content: str | bytes) -> list[Detection]:
    return [detection for detection in scan(relpath, content) if detection.severity == "error"]


def notebook(*cells: tuple[str, list[str], list[dict[str, object]]]) -> str:
    return corpus._notebook(list(cells))


# --- issue 11: the false errors on real repositories, each now silent --------------------------------

FALSE_ERRORS = [
    (
        "R/azureml_utils.R",
        "Sys.setenv(\n  MLFLOW_TRACKING_PASSWORD = creds$password,\n  MLFLOW_TRACKING_URI = uri\n)\n",
    ),
    ("src/wrangling.py", "token_library = sc._jvm.com.microsoft.azure.synapse.tokenlibrary.TokenLibrary\n"),
    (
        "nb/wrangling.ipynb",
        notebook(
            ("code", ["token_library = sc._jvm.com.microsoft.azure.synapse.tokenlibrary.TokenLibrary\n"], [])
        ),
    ),
    (
        "nb/automl.ipynb",
        notebook(
            (
                "code",
                [
                    'auth = ServicePrincipalAuthentication(tenant_id="mytenantid",\n',
                    '    service_principal_id="myclientid", service_principal_password="mypassword")\n',
                ],
                [],
            ),
            (
                "markdown",
                [
                    'ServicePrincipalAuthentication(tenant_id="mytenantid",\n',
                    'service_principal_password="mypassword")\n',
                ],
                [],
            ),
        ),
    ),
    ("src/rag.py", 'credential = AzureKeyCredential("AZURE_SEARCH_ADMIN_KEY")\n'),
    (
        "arm/vm.json",
        json.dumps(
            {
                "osProfile": {
                    "adminUsername": "azureuser",
                    "adminPassword": "[parameters('adminPasswordOrKey')]",
                }
            }
        ),
    ),
    ("ml_service/util/run.sh", "#!/bin/bash\ndocker run -v $PWD:/mlops -w /mlops mlops:latest\n"),
    (
        "data/wikitext/test.txt",
        ' The player must pass " important knowledge " to the next squad , the token of trust .\n'
        ' The password = " open sesame " line became a meme .\n',
    ),
]


@pytest.mark.parametrize(("relpath", "content"), FALSE_ERRORS, ids=[relpath for relpath, _ in FALSE_ERRORS])
def test_the_false_errors_of_issue_11_are_silent(relpath: str, content: str) -> None:
    assert scan(relpath, content) == []


# Seen on Azure-Samples/openai at ea16289 and cognitive-services-speech-sdk at af304cc: setting names,
# template tokens, Razor, interpolation, XML setting names, and documentation embedded in JSON.
def _pyjwt_sample() -> str:
    def part(document: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'some': 'payload'})}.{V.chars(corpus.ALNUM, 43)}"


MORE_REAL_DECOYS = [
    ("config_reader.py", 'JIRA_SERVER_PASSWORD = "JIRA-SERVER-PASSWORD"\n'),
    ("Web.config", '<appSettings>\n  <add key="webpages:Enabled" value="false" />\n</appSettings>\n'),
    ("appsettings.json", json.dumps({"BOT_ID": "$botId$", "BOT_PASSWORD": "$bot-password$"})),
    ("Index.cshtml", "let speechToken = '@ViewData[\"SpeechToken\"]';\n"),
    ("qa.ipynb", notebook(("code", ['api_key="{azureOpenAIKey.GetClearTextPassword()}",\n'], []))),
    ("pip-report.json", json.dumps({"description": f"Usage:\n\n    jwt.decode('{_pyjwt_sample()}', key)\n"})),
    (
        "pip-report2.json",
        json.dumps({"description": "[rsa]\n  username = __token__\n  password = pypi-token\n```\n"}),
    ),
]


@pytest.mark.parametrize(
    ("relpath", "content"), MORE_REAL_DECOYS, ids=[relpath for relpath, _ in MORE_REAL_DECOYS]
)
def test_decoys_from_other_real_repositories_are_silent(relpath: str, content: str) -> None:
    assert scan(relpath, content) == []


# --- issue 11: the misses, each found as an error (data files as warnings) ----------------------------

ISSUE_FOUND, ISSUE_CLEAN = corpus.issue_cases(V)


@pytest.mark.parametrize(
    ("relpath", "kind", "content"), ISSUE_FOUND, ids=[relpath for relpath, _, _ in ISSUE_FOUND]
)
def test_the_misses_of_issue_11_are_found(relpath: str, kind: str, content: corpus.Content) -> None:
    if isinstance(content, tuple):
        size, header = content
        found = scan(relpath, header, size)
        assert [(d.kind, d.severity, d.category) for d in found] == [(kind, "warning", "data")]
        return
    found = scan(relpath, content)
    assert kind in {d.kind for d in found}
    assert all(d.severity == "error" for d in found)


@pytest.mark.parametrize(
    ("relpath", "kind", "content"), ISSUE_CLEAN, ids=[relpath for relpath, _, _ in ISSUE_CLEAN]
)
def test_the_issue_11_decoys_in_the_corpus_are_silent(
    relpath: str, kind: str, content: corpus.Content
) -> None:
    assert not isinstance(content, tuple)
    assert scan(relpath, content) == []


# --- confidence decides severity ------------------------------------------------------------------------


def test_a_github_token_is_an_error_only_when_its_checksum_holds() -> None:
    token = V.github_valid()
    [valid] = scan("gh.py", f'TOKEN = "{token}"\n')
    assert (valid.kind, valid.severity, valid.rule) == ("github-token", "error", "github-token")
    broken = token[:-1] + ("A" if token[-1] != "A" else "B")
    [invalid] = scan("gh.py", f'TOKEN = "{broken}"\n')
    assert (invalid.kind, invalid.severity) == ("github-token", "warning")
    assert "checksum" in invalid.why


def test_a_storage_key_must_decode_to_64_bytes() -> None:
    key = V.storage_key()
    assert [d.rule for d in scan("a.py", f'C = "AccountKey={key};"\n')] == ["azure-storage-account-key"]
    for size in (32, 48, 66):
        assert scan("a.py", f'C = "AccountKey={V.b64(size)};"\n') == []


def test_a_pem_block_needs_a_body() -> None:
    assert [d.kind for d in errors("k.pem", V.rsa_pem())] == ["private-key"]
    assert scan("README.md", "A key starts with -----BEGIN RSA PRIVATE KEY-----\n...\n") == []
    assert scan("k.pem", "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n") == []


def real_key(algorithm: str) -> tuple[str, str]:
    """A private key made now (PKCS#8 PEM) and its public key: with ``cryptography`` when installed
    (azure-identity needs it), else with the openssl command."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, x448, x25519
    except ImportError:
        return openssl_key(algorithm)
    makers: dict[str, Callable[[], Any]] = {
        "ed25519": ed25519.Ed25519PrivateKey.generate, "x25519": x25519.X25519PrivateKey.generate,
        "ed448": ed448.Ed448PrivateKey.generate, "x448": x448.X448PrivateKey.generate,
        "ec": lambda: ec.generate_private_key(ec.SECP256R1()),
    }
    key = makers[algorithm]()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def openssl_key(algorithm: str) -> tuple[str, str]:
    options = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] if algorithm == "ec" \
        else ["-algorithm", algorithm]
    private = subprocess.run(["openssl", "genpkey", *options], capture_output=True, text=True,
                             check=True).stdout
    public = subprocess.run(["openssl", "pkey", "-pubout"], input=private, capture_output=True, text=True,
                            check=True).stdout
    return private, public


def pem_body(pem: str) -> str:
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


@pytest.mark.parametrize(("algorithm", "name", "body"),
                         [("ed25519", "Ed25519", 64), ("x25519", "X25519", 64), ("x448", "X448", 96),
                          ("ed448", "Ed448", 100)])
def test_a_short_pkcs8_private_key_is_found_by_its_structure(algorithm: str, name: str, body: int) -> None:
    private, public = real_key(algorithm)
    assert len(pem_body(private)) == body
    found = errors("deploy/signing.pem", private)
    assert [(d.kind, d.rule) for d in found] == [("private-key", "pem-private-key")]
    assert f"body of {body} characters that decodes to a whole DER {name} private key (PKCS#8)" \
        in found[0].why
    # embedded in code with escaped line ends, and base64-encoded as in a kubeconfig
    assert [d.kind for d in errors("sign.py", "KEY = " + json.dumps(private) + "\n")] == ["private-key"]
    encoded = base64.b64encode(private.encode()).decode()
    assert [d.rule for d in errors("kubeconfig", f"users:\n- user:\n    client-key-data: {encoded}\n")] \
        == ["base64-pem-private-key"]
    # its public key is no secret, nor is a certificate
    assert scan("deploy/signing.pub.pem", public) == []
    certificate = public.replace("PUBLIC KEY", "CERTIFICATE")
    assert scan("deploy/signing.crt", certificate) == []


def test_a_short_pem_body_that_is_no_whole_key_stays_silent() -> None:
    private, _ = real_key("ed25519")
    body = pem_body(private)

    def block(text: str, label: str = "PRIVATE KEY") -> str:
        return f"-----BEGIN {label}-----\n{text}\n-----END {label}-----\n"

    header = base64.b64decode(body)[:16]
    for text in ("MIIE...", "<your key>", "x" * 64, "X" * 100, body[:60], body + "AAAA",
                 base64.b64encode(header + bytes(32)).decode(),  # a key of zeros: a fixture
                 base64.b64encode(b"\x30\x2e" + random.Random(3).randbytes(46)).decode(),  # no version
                 "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC" + "x" * 13):  # a truncated RSA key
        assert scan("key.pem", block(text)) == [], text
    assert scan("README.md", "Paste it as:\n" + block("<your key>", "OPENSSH PRIVATE KEY")) == []


def test_a_real_ec_key_and_an_openssh_ed25519_key_are_found(tmp_path: Path) -> None:
    private, _ = real_key("ec")
    assert [d.kind for d in errors("tls/server.key", private)] == ["private-key"]
    keygen = shutil.which("ssh-keygen")
    if keygen is None:  # the OpenSSH format, written by hand: the same layout ssh-keygen writes
        key = openssh_ed25519()
    else:
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id")], check=True)
        key = (tmp_path / "id").read_text()
    assert [d.kind for d in errors(".ssh/id_ed25519", key)] == ["private-key"]


def openssh_ed25519() -> str:
    def string(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    rng = random.Random(11)
    public, secret, check = rng.randbytes(32), rng.randbytes(32), rng.randbytes(4)
    public_blob = string(b"ssh-ed25519") + string(public)
    private = check + check + public_blob + string(secret + public) + string(b"test") + bytes(range(1, 4))
    blob = (b"openssh-key-v1\x00" + string(b"none") + string(b"none") + string(b"") + (1).to_bytes(4, "big")
            + string(public_blob) + string(private))
    body = base64.b64encode(blob).decode()
    lines = "\n".join(body[i: i + 70] for i in range(0, len(body), 70))
    return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{lines}\n-----END OPENSSH PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ('password = "{strong}"\n', "error"),
        ('password = "hunter42"\n', "warning"),
        ('password = "postgres"\n', None),
        ('password = "mypassword"\n', None),
        ('password = "P@ssw0rd123"\n', None),
        ('password = "changeme"\n', None),
    ],
)
def test_a_literal_password_is_an_error_when_strong_a_warning_when_weak(
    text: str, severity: str | None
) -> None:
    found = scan("settings.py", text.format(strong=V.password()))
    assert [d.severity for d in found] == ([severity] if severity else [])


def test_connection_strings_carry_their_key() -> None:
    bus = f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey={V.b64(32)}"
    sas = f"https://a.blob.core.windows.net/c/f.csv?{V.sas_query()}"
    assert [d.rule for d in errors("a.py", f'BUS = "{bus}"\n')] == ["azure-shared-access-key"]
    assert [d.rule for d in errors("a.py", f'URL = "{sas}"\n')] == ["azure-sas-signature"]
    assert scan("a.py", 'BUS = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k"\n') == []


def test_keys_in_urls_headers_and_service_connection_strings() -> None:
    cases = {
        "a.py": f'URL = "https://fn.azurewebsites.net/api/score?code={V.chars(corpus.ALNUM, 54)}=="\n',
        "b.py": f'headers = {{"Authorization": "Bearer {V.chars(corpus.ALNUM, 32)}"}}\n',
        "c.json": json.dumps({"SignalR": f"Endpoint=https://x.service.signalr.net;AccessKey={V.b64(32)};"}),
        "d.py": f'ADMIN = "{V.chars(corpus.ALNUM, 42)}AzSe{V.chars(corpus.ALNUM, 6)}"\n',
    }
    rules = [d.rule for relpath, text in cases.items() for d in errors(relpath, text)]
    assert rules == [
        "azure-function-key",
        "authorization-header",
        "azure-access-key",
        "azure-search-key-identifiable",
    ]
    assert scan("e.py", 'headers = {"Authorization": "Bearer " + token}\n') == []


# --- values, not words ----------------------------------------------------------------------------------

REFERENCES = [
    "$ACCOUNT_KEY",
    "${ACCOUNT_KEY}",
    "$(AZURE_CLIENT_SECRET)",
    "%CLIENT_SECRET%",
    "${{ secrets.AZURE_CLIENT_SECRET }}",
    "{{ .Values.password }}",
    "[parameters('adminPassword')]",
    "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db/)",
    "$env:AZURE_CLIENT_SECRET",
    "{password}",
]


@pytest.mark.parametrize("value", REFERENCES)
def test_references_are_not_secrets(value: str) -> None:
    assert is_reference(value)
    assert scan("conf.yml", f"client_secret: '{value}'\npassword: \"{value}\"\n") == []
    assert scan("set.sh", f'export AZURE_CLIENT_SECRET="{value}"\n') == []


PLACEHOLDERS = [
    "<your-client-secret>",
    "your_api_key_here",
    "mypassword",
    "xxxxxxxxxxxxxxxx",
    "changeme",
    "example-secret-value",
    "dummy-token-123",
    "aaaaaaaaaaaaaaaaaaaa",
    "0000000000000000",
    "********",
    "sk-...",
]


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholders_are_not_secrets(value: str) -> None:
    assert is_placeholder(value)
    assert strength(value, password=True) is None
    assert scan("settings.py", f'client_secret = "{value}"\napi_key = "{value}"\n') == []


def test_the_storage_emulator_key_is_a_documented_sample() -> None:
    conn = f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={corpus._emulator_key()};"
    assert scan("local.settings.json", json.dumps({"Values": {"Storage": conn}})) == []
    assert scan("cosmos.py", f'COSMOS_KEY = "{corpus._cosmos_emulator_key()}"\n') == []


@pytest.mark.parametrize(
    "source",
    [
        "password = os.environ['DB_PASSWORD']\n",
        "password = settings.db.password\n",
        "client_secret = get_secret('sp')\n",
        'password = f"{prefix}{suffix}"\n',
        "token = credential.get_token(SCOPE).token\n",
        '"""Example::\n\n    login(password="S3cr3t-Example!")\n"""\n',
        'def f():\n    # password = "Xk9#mQ2vL7pRt"\n    pass\n',
    ],
)
def test_python_expressions_variables_and_docstrings_are_not_secrets(source: str) -> None:
    assert scan("app.py", source) == []


@pytest.mark.parametrize(
    ("relpath", "line"),
    [
        ("app.R", 'db_password <- "{pw}"\n'),
        ("app.js", 'const dbPassword = "{pw}";\n'),
        ("App.cs", 'var password = "{pw}";\n'),
        ("deploy.sh", 'export DB_PASSWORD="{pw}"\n'),
        ("main.go", 'var password string = "{pw}"\n'),
        ("main.bicep", "param adminPassword string = '{pw}'\n"),
    ],
)
def test_other_languages_need_a_quoted_literal(relpath: str, line: str) -> None:
    pw = V.password()
    assert [d.severity for d in scan(relpath, line.format(pw=pw))] == ["error"]
    unquoted = line.format(pw="settings$password").replace('"', "").replace("'", "")
    assert scan(relpath, unquoted) == []


def test_markdown_and_prose_are_read_only_for_formats() -> None:
    pw = V.password()
    prose = f'Set password = "{pw}" and --password {pw} in the portal.\n'
    assert scan("docs/setup.md", prose) == []
    key = f"AccountKey={V.storage_key()};"
    assert [d.kind for d in scan("docs/setup.md", key)] == ["azure-storage-key"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("AZURE_CLIENT_SECRET", "azure-client-secret"),
        ("clientSecret", "azure-client-secret"),
        ("Ocp-Apim-Subscription-Key", "azure-ai-key"),
        ("storage_account_key", "azure-storage-key"),
        ("db.password", "password"),
        ("api_key", "secret"),
        ("secret_name", None),
        ("max_tokens", None),
        ("token_url", None),
        ("cache_key", None),
        ("subscription_id", None),
        ("password_min_length", None),
    ],
)
def test_credential_names(name: str, kind: str | None) -> None:
    assert credential_kind(name) == kind


# --- name rules only with content ---------------------------------------------------------------------


def test_an_env_file_is_reported_for_what_it_holds_not_for_its_name() -> None:
    assert (
        scan(".env", "AZURE_CLIENT_ID=<id>\nAZURE_CLIENT_SECRET=\nDB_PASSWORD=changeme\nLOG_LEVEL=info\n")
        == []
    )
    [found] = scan(".env", f"LOG_LEVEL=info\nAZURE_CLIENT_SECRET={V.aad_secret()}\n")
    assert (found.kind, found.severity, found.line) == ("azure-client-secret", "error", 2)


def test_key_files_by_name_only_where_the_content_confirms_a_key() -> None:
    assert scan("certs/ca.pem", V.certificate()) == []
    assert scan("id_rsa", "placeholder\n") == []
    assert [d.kind for d in errors("id_rsa", V.rsa_pem("OPENSSH PRIVATE KEY"))] == ["private-key"]
    pfx = b"\x30\x82\x0a\x3b\x02\x01\x03\x30\x82" + V.rng.randbytes(2000)
    [container] = scan("client.pfx", pfx)
    assert (container.kind, container.severity, container.rule) == ("private-key", "error", "key-container")
    assert scan("client.pfx", "not a key store\n") == []
    assert [d.rule for d in scan("app.jks", b"\xfe\xed\xfe\xed\x00\x00\x00\x02" + V.rng.randbytes(100))] == [
        "key-container"
    ]


# --- data and model files, personal data ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "header", "kind", "runs_code"),
    [
        ("models/model.joblib", b"\x80\x04\x95", "model-weights", True),
        ("models/model.pt", b"PK\x03\x04\x00\x00archive/data.pkl", "model-weights", True),
        ("models/clf.pkl", b"\x80\x05\x95", "model-weights", True),
        ("models/xgb.joblib", b"x\x9c\xed", "model-weights", True),
        ("data/features.sqlite", b"SQLite format 3\x00", "dataset", False),
        ("out/predictions.parquet", b"PAR1", "dataset", False),
        ("data/blob", b"PAR1", "dataset", False),
    ],
)
def test_data_and_model_files_from_16_kib_are_warnings(
    relpath: str, header: bytes, kind: str, runs_code: bool
) -> None:
    assert scan(relpath, header, 16 * 1024 - 1) == []
    [found] = scan(relpath, header, 16 * 1024)
    assert (found.kind, found.category, found.severity, found.rule) == (kind, "data", "warning", "data-file")
    assert ("loading it runs code" in found.detail) == runs_code
    high = ScanSettings(data_threshold=1024 * 1024)
    assert scan_content(lambda: io.BytesIO(header), relpath, 16 * 1024, high) == []


@pytest.mark.parametrize("first", ["MZ_REGION=westeurope", "ID3_TAGS=1", "PAR1=x", "RIFF_MODE=on", "GIF8=2",
                                   "%PDF_DPI=300", "OggS=1", "SQLite format=3"])
def test_a_text_file_that_starts_like_a_binary_format_is_read(first: str) -> None:
    line = f"AZURE_STORAGE_KEY={V.storage_key()}\n"
    assert [d.kind for d in errors(".env", f"{first}\n{line}")] == ["azure-storage-key"]


def test_a_text_file_with_a_stray_zero_byte_is_read() -> None:
    line = f"AZURE_STORAGE_KEY={V.storage_key()}\n"
    for content in (line + "\0", "\0" + line, "A=1\n\0\0" + line, line + "\0\n# " + "é" * 3000):
        assert [d.kind for d in errors(".env", content.encode())] == ["azure-storage-key"], repr(content[:30])
    # but zero bytes throughout, or bytes that are no UTF-8, make it binary
    assert scan(".env", b"\0\0\0\0".join(line.encode()[i: i + 4] for i in range(0, len(line), 4))) == []
    assert scan(".env", line.encode() + b"\0" + bytes(range(0x80, 0x100))) == []


def binary_files() -> list[tuple[str, bytes]]:
    """Files of the formats whose magic number is printable, laid out as their writers lay them out,
    each holding a credential as a string."""
    secret = f"AccountKey={V.storage_key()};".encode()
    sound = io.BytesIO()
    with wave.open(sound, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(secret + random.Random(5).randbytes(6000))
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xfe" + bytes([len(secret)]) + secret \
        + b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(44) + b"\x80\x00\x00\x00" \
        + secret
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Title (" + secret + b") >>\nendobj\n"
    mp3 = b"ID3\x04\x00\x00\x00\x00\x01\x00TXXX\x00\x00\x00\x40\x00\x00\x03" + secret
    parquet = b"PAR1\x15\x04\x15\x80\x01\x15\x80\x01L\x15\x02\x15\x00\x12\x00\x00" + secret + bytes(64)
    return [("media/beep.wav", sound.getvalue()), ("media/dot.gif", gif), ("bin/tool.exe", exe),
            ("docs/paper.pdf", pdf), ("media/song.mp3", mp3), ("out/part-0.parquet", parquet)]


def test_binary_files_with_a_printable_magic_number_stay_binary() -> None:
    for relpath, content in binary_files():
        assert text_encoding(content[:8192]) is None, relpath
        assert scan(relpath, content) == [], relpath
    # and data files are still data files, by their magic, whatever is read of them
    [parquet] = [content for relpath, content in binary_files() if relpath.endswith(".parquet")]
    assert [d.kind for d in scan("out/part-0.parquet", parquet, 16 * 1024)] == ["dataset"]


def test_office_documents_and_packages_are_not_data() -> None:
    assert scan("docs/architecture.vsdx", b"PK\x03\x04\x14\x00", 300 * 1024) == []
    assert scan("wheels/pkg-1.0-py3-none-any.whl", b"PK\x03\x04\x14\x00", 300 * 1024) == []


def people_rows(count: int) -> list[tuple[str, str, str, str, str]]:
    return corpus._people(V, count)


def test_personal_data_is_an_error_at_any_size() -> None:
    rows = people_rows(4)
    text = "name,email\n" + "".join(f"{p[0]} {p[1]},{p[2]}\n" for p in rows)
    [found] = scan("data/tiny.csv", text)
    assert (found.kind, found.category, found.severity) == ("personal-data", "data", "error")
    assert "email" in found.detail and "name" in found.detail


@pytest.mark.parametrize(
    ("relpath", "content"),
    [
        ("data/metrics.csv", "epoch,loss,accuracy\n" + "1,0.5,0.9\n" * 40),
        (
            "data/passengers.csv",
            "PassengerId,Name,Age\n" + "".join(f'{i},"Smith, Mr. John",{i}\n' for i in range(9)),
        ),
        ("data/shops.csv", "name,address\n" + "".join(f"Cafe {i},{i} Main Street\n" for i in range(9))),
        ("data/codes.csv", "code,amount\n" + "".join(f"C{i},{i * 7}\n" for i in range(9))),
    ],
)
def test_tables_without_people_are_not_personal_data(relpath: str, content: str) -> None:
    assert scan(relpath, content) == []


def test_names_are_recognised_by_their_values_beside_a_contact_column() -> None:
    rows = people_rows(5)
    text = "respondent,email,age\n" + "".join(f"{p[0]} {p[1]},{p[2]},{30 + i}\n" for i, p in enumerate(rows))
    assert [d.kind for d in scan("data/survey.csv", text)] == ["personal-data"]
    assert scan("data/survey.csv", "respondent,age\n" + "".join(f"{p[0]} {p[1]},30\n" for p in rows)) == []


def test_personal_data_in_an_xlsx_workbook_and_in_json_lines() -> None:
    rows = people_rows(5)
    book = corpus._xlsx([["employee", "iban"]] + [[f"{p[0]} {p[1]}", V.iban()] for p in rows])
    assert [d.kind for d in scan("data/payroll.xlsx", book)] == ["personal-data"]
    lines = "".join(json.dumps({"name": f"{p[0]} {p[1]}", "phone": p[3], "dob": p[4]}) + "\n" for p in rows)
    assert [d.kind for d in scan("data/visits.jsonl", lines)] == ["personal-data"]


# --- notebooks -----------------------------------------------------------------------------------------


def test_a_notebook_finding_names_its_cell_and_its_line_in_the_ipynb_file() -> None:
    secret = V.aad_secret()
    text = notebook(
        ("markdown", ["# Title\n"], []),
        ("code", ["import os\n", f'CLIENT_SECRET = "{secret}"\n'], []),
    )
    [found] = scan("nb/a.ipynb", text)
    assert (found.cell, found.kind, found.severity) == (2, "azure-client-secret", "error")
    assert '"CLIENT_SECRET = ' in text.splitlines()[(found.line or 0) - 1]


def test_keys_and_personal_data_in_saved_outputs() -> None:
    key = V.storage_key()
    rows = people_rows(5)
    printed = "".join(str({"name": f"{p[0]} {p[1]}", "email": p[2], "phone": p[3]}) + "\n" for p in rows)
    text = notebook(
        (
            "code",
            ["keys = list_keys()\n", "keys\n"],
            [corpus._result(json.dumps([{"keyName": "key1", "value": key}]))],
        ),
        ("code", ["for r in rows: print(r)\n"], [corpus._stream(printed)]),
    )
    found = scan("nb/out.ipynb", text)
    assert [(d.cell, d.kind, d.severity) for d in found] == [
        (1, "azure-storage-key", "error"),
        (2, "personal-data", "error"),
    ]
    assert key[4:12] not in text.splitlines()[(found[0].line or 0) - 1] or "keyName" in text


def test_compose_environment_lists_are_settings() -> None:
    text = "services:\n  db:\n    environment:\n      - ACCEPT_EULA=Y\n"
    text += f"      - MSSQL_SA_PASSWORD={V.password()}\n"
    assert [(d.kind, d.line) for d in scan("compose.yaml", text)] == [("password", 5)]
    assert scan("compose.yaml", text.replace("MSSQL_SA_PASSWORD=", "MSSQL_SA_PASSWORD=${SA_PASSWORD}#")) == []


def test_shell_and_env_magics_are_read_as_shell() -> None:
    key = V.storage_key()
    text = notebook(
        ("code", ["%%bash\n", f"az storage blob list --account-key {key} -c raw\n"], []),
        ("code", [f"%env AZURE_OPENAI_API_KEY={V.hex(32)}\n", "!pip install openai\n"], []),
    )
    assert [(d.cell, d.severity) for d in scan("nb/magics.ipynb", text)] == [(1, "error"), (2, "error")]


# --- what every detection says, and never says ------------------------------------------------------------


SECRETS: list[Callable[[], str]] = [V.storage_key, V.aad_secret, V.password, V.github_valid, V.jwt]


@pytest.mark.parametrize("make", SECRETS, ids=["storage-key", "entra", "password", "github", "jwt"])
def test_a_detection_has_a_rule_a_reason_and_a_preview_of_four_characters(make: Callable[[], str]) -> None:
    secret = make()
    text = (
        f'conn = "AccountKey={secret};"\n'
        if make == V.storage_key
        else f'client_secret = "{secret}"\n'
        if make != V.jwt
        else f'token = "{secret}"\n'
    )
    [found] = scan("app.py", text)
    assert found.rule and found.why.startswith(found.rule) and found.line == 1 and found.cell is None
    assert found.preview == mask(secret)
    assert found.preview.startswith(secret[:4]) and found.preview.endswith(f"({len(secret)} chars)")
    for field in (found.detail, found.why, found.preview, found.rule):
        assert secret[:5] not in field and secret[-5:] not in field


@given(st.text(alphabet=string.ascii_letters + string.digits + "+/=", min_size=1, max_size=200))
@settings(max_examples=200)
def test_mask_shows_at_most_four_characters_and_the_length(secret: str) -> None:
    masked = mask(secret)
    shown = masked.split("***")[0]
    assert len(shown) <= 4 and secret.startswith(shown) and masked.endswith(f"({len(secret)} chars)")


def test_the_allow_comment_silences_its_line_only() -> None:
    text = (
        f'KEY = "AccountKey={V.storage_key()};"  # snapshot-guard: allow\n'
        f'OTHER = "AccountKey={V.storage_key()};"\n'
    )
    assert [d.line for d in scan_text(text, "conf.py")] == [2]


def test_findings_of_a_file_on_disk(tmp_path: Path) -> None:
    from snapshot_guard.sensitive import scan_file

    path = tmp_path / "settings.py"
    path.write_text(f'DB_PASSWORD = "{V.password()}"\n')
    [found] = scan_file(str(path), "settings.py", path.stat().st_size)
    assert (found.kind, found.rule) == ("password", "credential-named-literal")


def test_a_key_written_with_json_escaped_slashes_is_the_same_key() -> None:
    key = V.storage_key()
    while "/" not in key:
        key = V.storage_key()
    plain = json.dumps({"storage_key": key})
    escaped = plain.replace("/", "\\/")
    assert json.loads(escaped) == json.loads(plain)
    assert [found.kind for found in scan("conf/settings.json", plain)] == \
        [found.kind for found in scan("conf/settings.json", escaped)] != []
