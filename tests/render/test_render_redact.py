"""Redaction and the environment allow-list, piece by piece."""

from __future__ import annotations

from torchdoctor.envfilter import filter_env, strip_credentials
from torchdoctor.render.redact import (
    RedactionContext,
    env_allowed,
    redact_data,
    redact_text,
    sanitize,
)

CTX = RedactionContext(
    homes=("/home/zoe.smith", "C:\\Users\\zoe.smith"), users=("zoe.smith",), hosts=("gpubox-17",)
)


def test_strip_credentials() -> None:
    assert strip_credentials("https://user:s3cret@pypi.example/simple") == (
        "https://***@pypi.example/simple"
    )
    assert strip_credentials("https://__token__@host/simple https://x.org/a") == (
        "https://***@host/simple https://x.org/a"
    )
    assert strip_credentials("https://h/simple?access_token=abc&x=1") == (
        "https://h/simple?access_token=***&x=1"
    )
    assert strip_credentials("git@github.com:org/repo") == "git@github.com:org/repo"


def test_filter_env_keeps_only_allow_listed() -> None:
    env = {
        "CUDA_VISIBLE_DEVICES": "0,1",
        "PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True",
        "TORCH_CUDA_ARCH_LIST": "8.9",
        "TORCH_HUB_TOKEN": "tok",
        "HF_TOKEN": "hf_abc",
        "AWS_SECRET_ACCESS_KEY": "aws",
        "PATH": "/usr/bin",
        "PIP_INDEX_URL": "https://u:p@idx.example/simple",
        "LD_LIBRARY_PATH": "/opt/app/lib:/usr/local/cuda-12.4/lib64:/home/x/lib",
    }
    assert filter_env(env) == {
        "CUDA_VISIBLE_DEVICES": "0,1",
        "LD_LIBRARY_PATH": "/usr/local/cuda-12.4/lib64",
        "PIP_INDEX_URL": "https://***@idx.example/simple",
        "PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True",
        "TORCH_CUDA_ARCH_LIST": "8.9",
    }


def test_ld_library_path_without_cuda_entries_is_left_out() -> None:
    assert filter_env({"LD_LIBRARY_PATH": "/opt/app/lib:/usr/lib"}) == {}


def test_env_allowed() -> None:
    assert env_allowed("NO_COLOR")
    assert env_allowed("UV_TORCH_BACKEND")
    assert not env_allowed("GITHUB_TOKEN")
    assert not env_allowed("PYTORCH_API_KEY")


def test_sanitize_filters_env_maps_and_sections() -> None:
    data = {
        "env": {"status": "found", "variables": {"HF_TOKEN": "x", "CUDA_HOME": "/usr/local/cuda"}},
        "python": {"environment": {"GITHUB_TOKEN": "ghp", "VIRTUAL_ENV": "/srv/v"}},
        "note": "see https://a:b@c.example/x",
    }
    assert sanitize(data) == {
        "env": {"status": "found", "variables": {"CUDA_HOME": "/usr/local/cuda"}},
        "python": {"environment": {"VIRTUAL_ENV": "/srv/v"}},
        "note": "see https://***@c.example/x",
    }


def test_redact_text_homes_users_hosts() -> None:
    assert redact_text("/home/zoe.smith/proj/.venv/bin/python", CTX) == "~/proj/.venv/bin/python"
    assert redact_text("C:\\Users\\Zoe.Smith\\venv\\python.exe", CTX) == "~\\venv\\python.exe"
    assert redact_text("zoe.smith@gpubox-17:~$", CTX) == "<user>@<host>:~$"
    assert redact_text("/home/zoe.smithers/x", CTX) == "~/x"  # any account's home
    assert redact_text("/scratch/zoe.smith/data", CTX) == "/scratch/<user>/data"


def test_redact_text_leaves_generic_accounts_readable() -> None:
    ctx = RedactionContext(homes=("/home/ubuntu",), users=("ubuntu",))
    assert redact_text("Ubuntu 22.04 at /home/ubuntu/x and /data/ubuntu/y", ctx) == (
        "Ubuntu 22.04 at ~/x and /data/<user>/y"
    )


def test_redact_text_drops_gpu_uuids() -> None:
    line = "GPU 0: NVIDIA H100 (UUID: GPU-12345678-abcd-ef01-2345-6789abcdef01)"
    assert redact_text(line, CTX) == "GPU 0: NVIDIA H100"


def test_tiny_values_are_ignored() -> None:
    ctx = RedactionContext.from_environment({"HOME": "/", "USER": "a"}, node="")
    assert ctx.homes == ()
    assert "a" not in ctx.users
    assert redact_text("/usr/bin/a", ctx) == "/usr/bin/a"


def test_from_environment_collects_values() -> None:
    ctx = RedactionContext.from_environment(
        {"HOME": "/home/zoe", "USER": "zoe", "HOSTNAME": "node7.cluster.example"}, node="node7"
    )
    assert "/home/zoe" in ctx.homes
    assert "zoe" in ctx.users
    assert {"node7", "node7.cluster.example"} <= set(ctx.hosts)


def test_redact_data_drops_uuid_keys_and_names_hosts() -> None:
    data = {
        "gpus": [{"name": "H100", "uuid": "GPU-1"}],
        "hostname": "anything",
        "/home/zoe.smith": 1,
    }
    assert redact_data(data, CTX) == {"gpus": [{"name": "H100"}], "hostname": "<host>", "~": 1}


def test_names_that_are_output_words_stay_readable() -> None:
    ctx = RedactionContext(users=("torch",), hosts=("gpu",))
    text = "GPU 0 at /srv/gpu/torch/ runs torch 2.13.0"
    assert redact_text(text, ctx) == "GPU 0 at /srv/<host>/<user>/ runs torch 2.13.0"
