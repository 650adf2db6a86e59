"""Privacy: planted secrets, home, user and host never reach the report.

JSON shows only allow-listed environment variables, and never a credential.
"""

from __future__ import annotations

import json
from dataclasses import replace

from torchdoctor.model import Check, CheckStatus, Fix, Problem, Report, Severity
from torchdoctor.render.json_doc import build_document, dumps
from torchdoctor.render.markdown import render_markdown
from torchdoctor.render.redact import RedactionContext, env_allowed
from torchdoctor.render.terminal import render_terminal
from torchdoctor.verdict import decide

HOME, USER, HOST = "/home/kwasniewska", "kwasniewska", "lab-gpu-node-042"
SECRETS = {
    "HF_TOKEN": "hf_abcDEFghiJKLmnoPQR",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "GITHUB_TOKEN": "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "OPENAI_API_KEY": "sk-proj-plantedsecret",
    "PYTORCH_SECRET_TOKEN": "pt-planted",
}
PASSWORD = "s3cretPassw0rd"


def planted(report: Report) -> Report:
    """The report of a machine whose environment and paths hold everything we must not show."""
    env = {
        **SECRETS,
        "PIP_INDEX_URL": f"https://user:{PASSWORD}@pypi.example/simple",
        "CUDA_VISIBLE_DEVICES": "0",
        "HOME": HOME,
        "USER": USER,
        "VIRTUAL_ENV": f"{HOME}/proj/.venv",
    }
    python = f"{HOME}/proj/.venv/bin/python"
    facts = json.loads(json.dumps(report.facts))
    facts["env"] = {"status": "found", "reason": None, "variables": env, "ld_library_path_cuda": []}
    facts["python"]["executable"] = python
    facts["python"]["cwd"] = f"{HOME}/proj"
    facts["python"]["hostname"] = HOST
    facts["nvidia"] = {
        "status": "found",
        "driver_version": "550.144.03",
        "gpus": [{"index": 0, "name": f"NVIDIA A100 on {HOST}", "uuid": "GPU-aaaa"}],
    }
    problem = Problem(
        "multiple-torch-installs", Severity.WARNING, "Several torch copies",
        f"torch is also in {HOME}/.local/lib/python3.11/site-packages ({USER}@{HOST}).",
        Fix("Remove it:", (f"{python} -m pip uninstall -y torch",)), "torch",
    )  # fmt: skip
    check = Check("torch", "PyTorch", CheckStatus.WARNING, f"2.13.0 in {HOME}", problems=(problem,))
    return replace(
        report, target_python=python, facts=facts, checks=(*report.checks, check),
        verify={"host": HOST, "note": f"ran as {USER} with PIP_INDEX_URL={env['PIP_INDEX_URL']}"},
    )  # fmt: skip


def context() -> RedactionContext:
    env = {"HOME": HOME, "USER": USER}
    return RedactionContext.from_environment(env, node=f"{HOST}.example.org")


def assert_clean(text: str, personal: bool = True) -> None:
    for name, value in SECRETS.items():
        assert value not in text, name
    assert PASSWORD not in text
    assert "HF_TOKEN" not in text and "GITHUB_TOKEN" not in text
    if personal:
        assert HOME not in text and USER not in text and HOST not in text
        assert "GPU-aaaa" not in text


def test_markdown_report_shows_nothing_private(healthy_cpu: Report) -> None:
    text = render_markdown(planted(healthy_cpu), context=context())
    assert_clean(text)
    assert "~/proj/.venv/bin/python" in text  # the path shape survives
    assert "| CUDA_VISIBLE_DEVICES | `0` |" in text
    assert "https://***@pypi.example/simple" in text


def test_markdown_default_context_is_this_process(healthy_cpu: Report) -> None:
    # Without a context the real environment is used; planted values still never show.
    assert_clean(render_markdown(planted(healthy_cpu)), personal=False)


def test_no_redact_still_hides_secrets(healthy_cpu: Report) -> None:
    text = render_markdown(planted(healthy_cpu), redact=False, context=context())
    assert_clean(text, personal=False)
    assert HOME in text  # --no-redact keeps paths


def test_json_shows_only_allow_listed_variables(healthy_cpu: Report) -> None:
    report = planted(healthy_cpu)
    verdict = decide(report)
    doc = build_document(report, verdict.status, verdict.exit_code)
    variables = doc["facts"]["env"]["variables"]
    assert variables and all(env_allowed(name) for name in variables)
    assert "HOME" not in variables and "USER" not in variables
    assert_clean(dumps(doc), personal=False)
    redacted = build_document(report, verdict.status, verdict.exit_code, redaction=context())
    assert_clean(dumps(redacted))


def test_terminal_hides_secrets_and_redacts_on_request(healthy_cpu: Report) -> None:
    report = planted(healthy_cpu)
    assert_clean(render_terminal(report, verbose=2), personal=False)
    assert_clean(render_terminal(report, verbose=2, redaction=context()))
