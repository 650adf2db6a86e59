"""Hostile text: control sequences in what a probe read, secrets in allowed variables."""

from __future__ import annotations

from typing import Any

import pytest
from hostile_support import POSIX_ONLY, environ, path_with, run

pytestmark = POSIX_ONLY

# A GPU name that would recolour the terminal, retitle its window and ring its bell.
EVIL = "NVIDIA \x1b[31mEvil\x1b]0;pwned\x07 \x9b1m GPU"
SMI = ("printf '0, NVIDIA \\033[31mEvil\\033]0;pwned\\007 \\302\\2331m GPU, 550.54.14, 8.9, "
       "24564, 00000000:01:00.0, 0x268410DE\\n'")


@pytest.mark.parametrize("args", [("check", "--no-verify"), ("report", "--no-verify"),
                                  ("detect", "-v")], ids=["check", "report", "detect"])
def test_control_characters_of_probed_text_are_escaped(
    fake_bin: Any, args: tuple[str, ...]
) -> None:
    tool = fake_bin("nvidia-smi", SMI)
    env = environ({"PATH": path_with(tool.parent), "NO_COLOR": "1",
                   "PYTHONIOENCODING": "utf-8"})
    result = run(*args, env=env)
    assert result.exit_code in (0, 1)
    text = result.stdout
    assert "Evil" in text
    for char in ("\x1b", "\x07", "\x9b"):
        assert char not in text
    assert "\\x1b[31mEvil" in text  # visible, and still telling


def test_json_keeps_the_exact_probed_text(fake_bin: Any) -> None:
    tool = fake_bin("nvidia-smi", SMI)
    doc = run("detect", "--json", env=environ({"PATH": path_with(tool.parent)})).json()
    assert doc["facts"]["nvidia"]["gpus"][0]["name"] == EVIL  # JSON escapes it itself


PEM = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
       "-----END PRIVATE KEY-----")
TOKEN = "ghp_Zq8v3LkW9xYb2NcT7mRf4HjP1sDa6Ue0QiXo"
SECRETS = {
    "TORCH_PRIVATE_KEY_PEM": PEM,  # by name and by shape
    "TORCH_SIGNING_KEY_FILE": "/etc/keys/signing.pem",  # by name
    "TORCH_HOSTILE_VALUE": TOKEN,  # by shape: a long high-entropy token
    "PYTORCH_HOSTILE_CERT": "x " + PEM + " y",  # by shape: a PEM block inside
}


@pytest.mark.parametrize("output", ["report", "check-json"])
def test_secrets_in_allowed_variables_are_redacted(fake_python: str, output: str) -> None:
    args = {"report": ("report",), "check-json": ("check", "--json")}[output]
    result = run(*args, "--no-verify", "--python", fake_python, env=environ(SECRETS))
    assert result.exit_code in (0, 1)
    text = result.stdout
    for secret in ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", TOKEN,
                   "/etc/keys/signing.pem", "TORCH_PRIVATE_KEY_PEM", "TORCH_SIGNING_KEY_FILE"):
        assert secret not in text, secret
    # What is not a secret stays: the variable with a PEM inside is named, its value is not.
    assert "PYTORCH_HOSTILE_CERT" in text
    assert "TORCH_HOSTILE_VALUE" in text
