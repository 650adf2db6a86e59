"""The limits behind the hostile cases, in process: what is kept of a child's output, which files
are read, which text is escaped or redacted, and that nothing common is redacted by mistake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_support import REPO
from hostile_support import POSIX_ONLY

from torchdoctor.children import OUTPUT_CAP, Capture
from torchdoctor.cli.options import BENCH_SECONDS_RANGE, TIMEOUT_RANGE, VERIFY_TIMEOUT_RANGE
from torchdoctor.documents import MAX_DEPTH, MAX_DOCUMENT_BYTES, DocumentError, parse_json
from torchdoctor.envfilter import env_allowed, strip_credentials, strip_tokens
from torchdoctor.exitcodes import EXIT_CODES_HELP, ExitCode
from torchdoctor.host import READ_CAP, RealHost
from torchdoctor.render.style import asciify, escape_controls


def test_capture_keeps_the_first_and_last_half() -> None:
    capture = Capture(10)
    for chunk in (b"abc", b"defgh", b"ijklmnop", b"qrstuvwxyz"):
        capture.add(chunk)
    assert capture.total == 26
    assert capture.dropped == 16
    assert capture.text() == "abcde\n[… 16 bytes of output left out …]\nvwxyz"
    small = Capture(10)
    small.add(b"tiny")
    assert small.text() == "tiny"


def test_capture_of_a_flood_stays_within_the_cap() -> None:
    capture = Capture()
    for _ in range(200):
        capture.add(b"y\n" * 32_768)
    text = capture.text()
    assert capture.total == 200 * 65_536
    assert len(text) < OUTPUT_CAP + 100
    assert text.startswith("y\ny\n")
    assert text.endswith("y\ny\n")


@POSIX_ONLY
def test_files_that_never_end_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    with pytest.raises(OSError, match="not a regular file"):
        RealHost().read_text(str(fifo))
    big = tmp_path / "big"
    big.write_text("x" * (READ_CAP + 10), encoding="utf-8")
    assert len(RealHost().read_text(str(big))) == READ_CAP


def test_controls_are_escaped_and_text_is_kept() -> None:
    assert escape_controls("NVIDIA \x1b[31mRTX\x07") == "NVIDIA \\x1b[31mRTX\\x07"
    assert escape_controls("a\tb\nc\rd\x9be\u202ef") == "a\tb\nc\\x0dd\\x9be\\u202ef"
    assert escape_controls("GeForce RTX™ 4090 · é") == "GeForce RTX™ 4090 · é"


def test_ascii_fallback_spells_out_instead_of_question_marks() -> None:
    assert asciify("✅ ok · ⚠️ warn → fix ≤ 12.4") == "[ok] ok - [!!] warn -> fix <= 12.4"
    assert asciify("/home/zoë/env") == "/home/zo\\xeb/env"
    assert asciify("❌❔ℹ️ RTX™ 環境") == "[xx][??][i] RTX(TM) \\u74b0\\u5883"


def test_deep_nesting_is_refused_and_shallow_kept() -> None:
    shallow = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_json("doc", shallow) is not None
    deeper = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(DocumentError, match="nested more than"):
        parse_json("doc", deeper)


@pytest.mark.parametrize(
    "value",
    [
        "/usr/local/cuda-12.4/lib64:/opt/NVIDIA/cudnn/lib",
        "8.0 8.6 9.0+PTX",
        "https://download.pytorch.org/whl/cu124",
        "expandable_segments:True,garbage_collection_threshold:0.6",
        "libcudnn_cnn_infer_so_9_1_0_and_a_long_name",
        "sha256-0123456789abcdef0123456789abcdef0123456789abcdef",
        "TORCH_CUDA_ARCH_LIST_ENTRY_IN_CAPITALS_1234",
    ],
)
def test_ordinary_values_are_not_taken_for_tokens(value: str) -> None:
    assert strip_tokens(value) == value


@pytest.mark.parametrize(
    "value",
    ["ghp_Zq8v3LkW9xYb2NcT7mRf4HjP1sDa6Ue0QiXo", "Bearer eyJhbGciOiJIUzI1NiJ9aBcD3fGh1jKl",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+a9b8c7d6e5f4"],
)
def test_token_shaped_runs_are_redacted(value: str) -> None:
    assert "<redacted>" in strip_tokens(value)


def test_pem_blocks_and_secret_names() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----"
    assert strip_credentials(f"a {pem} b") == "a <redacted PEM block> b"
    assert strip_credentials("-----BEGIN CERTIFICATE-----\nMIIB (cut)") == "<redacted PEM block>"
    for name in ("TORCH_PRIVATE_KEY_PEM", "TORCH_SIGNING_KEY_FILE", "PYTORCH_API_TOKEN",
                 "TORCH_CERT_PEM", "TORCH_SECRET"):
        assert not env_allowed(name), name
    for name in ("TORCH_HOME", "PYTORCH_CUDA_ALLOC_CONF", "TORCH_CUDA_ARCH_LIST"):
        assert env_allowed(name), name


def test_the_limits_and_exit_codes_are_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    output = (REPO / "docs" / "output.md").read_text(encoding="utf-8")
    for text in (readme, output):
        assert f"{MAX_DOCUMENT_BYTES // 1_000_000} MB" in text
        assert f"{MAX_DEPTH} levels" in text
        assert f"{OUTPUT_CAP // 2000} kB" in text  # each half of what is kept
        for low, high in (TIMEOUT_RANGE, VERIFY_TIMEOUT_RANGE, BENCH_SECONDS_RANGE):
            assert f"{low:g} to {high:g} s" in text
    for code in ExitCode:
        assert f"\n| {int(code)} |" in readme
        assert f" {int(code)} " in EXIT_CODES_HELP
