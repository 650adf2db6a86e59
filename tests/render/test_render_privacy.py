"""Privacy: planted secrets, home, user and host never reach the report.

JSON shows only allow-listed environment variables, and never a credential.
"""

from __future__ import annotations

from dataclasses import replace

from torchdoctor.facts import EnvFacts, NvidiaFacts, NvidiaGpu
from torchdoctor.render.json_doc import build_document, dumps
from torchdoctor.render.markdown import render_markdown
from torchdoctor.render.redact import RedactionContext, env_allowed
from torchdoctor.render.terminal import render_terminal
from torchdoctor.report import Check, CheckStatus, Fix, Problem, Report, Severity
from torchdoctor.verdict import decide
from torchdoctor.verify.result import VerifyResult

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
    assert report.facts is not None
    gpu = NvidiaGpu(0, f"NVIDIA A100 on {HOST} (UUID: GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee)",
                    "8.0", 40960, None, None, "nvml")
    facts = replace(
        report.facts,
        env=EnvFacts("found", variables=env),
        python=replace(report.facts.python, executable=python, cwd=f"{HOME}/proj",
                       prefix=f"{HOME}/proj/.venv"),
        nvidia=NvidiaFacts("found", driver_version="550.144.03", gpus=(gpu,)),
    )
    note = f"ran as {USER} on {HOST} with PIP_INDEX_URL={env['PIP_INDEX_URL']}"
    verify = VerifyResult(python, "auto", (), notes=(note,))
    problem = Problem(
        "multiple-torch-installs", Severity.WARNING, "Several torch copies",
        f"torch is also in {HOME}/.local/lib/python3.11/site-packages ({USER}@{HOST}).",
        Fix("Remove it:", (f"{python} -m pip uninstall -y torch",)), "torch",
    )  # fmt: skip
    check = Check("torch", "PyTorch", CheckStatus.WARNING, f"2.13.0 in {HOME}", problems=(problem,))
    return replace(
        report, target_python=python, facts=facts, checks=(*report.checks, check),
        verify=verify,
    )  # fmt: skip


def context() -> RedactionContext:
    env = {"HOME": HOME, "USER": USER}
    return RedactionContext.from_environment(env, node=f"{HOST}.example.org")


def assert_clean(text: str, personal: bool = True) -> None:
    for name, value in SECRETS.items():
        assert value not in text, name
    assert PASSWORD not in text
    assert "HF_TOKEN" not in text
    assert "GITHUB_TOKEN" not in text
    if personal:
        assert HOME not in text
        assert USER not in text
        assert HOST not in text
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
    doc = build_document(report, verdict)
    variables = doc["facts"]["env"]["variables"]
    assert variables
    assert all(env_allowed(name) for name in variables)
    assert "HOME" not in variables
    assert "USER" not in variables
    assert_clean(dumps(doc), personal=False)
    redacted = build_document(report, verdict, redaction=context())
    assert_clean(dumps(redacted))


def test_terminal_hides_secrets_and_redacts_on_request(healthy_cpu: Report) -> None:
    report = planted(healthy_cpu)
    assert_clean(render_terminal(report, verbose=2), personal=False)
    assert_clean(render_terminal(report, verbose=2, redaction=context()))
