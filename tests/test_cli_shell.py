"""The CLI shell: version, help, and one-line usage errors with exit code 2."""

from __future__ import annotations

from cli_support import run_cli

from torchdoctor import __version__


def test_version() -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"torchdoctor {__version__}"


def test_help_documents_exit_codes() -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    assert "Exit codes" in result.stdout
    assert "install-command" in result.stdout


def test_unknown_flag_is_one_line_and_exit_2() -> None:
    result = run_cli("--definitely-not-a-flag")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--definitely-not-a-flag" in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_command_is_one_line_and_exit_2() -> None:
    result = run_cli("frobnicate")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "frobnicate" in result.stderr


def test_bare_torchdoctor_with_check_options_runs_check() -> None:
    result = run_cli("--no-verify", "--json")
    assert result.exit_code in (0, 1, 3), result.stderr
    document = result.json()
    assert document["command"] == "check"
    assert [c["id"] for c in document["checks"]][:2] == ["platform", "python"]
