"""Privacy: which environment variables may ever be shown, and redaction of personal details.

Two layers, on purpose:
- *sanitising* always runs, in every output: credentials are stripped from URLs, and any mapping of
  environment variables is cut down to the allow-list (`filter_env`);
- *redaction* runs for `report` by default (and for the other outputs when asked): home directories
  become `~`, the user name becomes `<user>`, the host name `<host>`, and GPU UUIDs are dropped.
The values to redact come from a `RedactionContext`, so tests can plant them.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from torchdoctor.envfilter import ALLOWED_ENV as ALLOWED_ENV
from torchdoctor.envfilter import ALLOWED_PREFIXES as ALLOWED_PREFIXES
from torchdoctor.envfilter import env_allowed as env_allowed  # the renderers' privacy API
from torchdoctor.envfilter import filter_env, strip_credentials
from torchdoctor.facts import EnvFacts
from torchdoctor.report import Report

# Keys under which a facts document may carry environment variables.
ENV_KEYS = frozenset({"env", "environ", "environment", "env_vars", "environment_variables"})

# Linear whatever the text: the leading blanks are taken only from the first of them.
_GPU_UUID_NOTE = re.compile(r"(?<!\s)\s*\(UUID:\s*(?:GPU|MIG)-[0-9A-Fa-f-]+\)")
_GPU_UUID = re.compile(r"\b(?:GPU|MIG)-[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\b")
# Home directories of any account, also those in a document captured on another machine.
_ANY_HOME = re.compile(r"(?:/home|/Users|[A-Za-z]:\\Users)[/\\](?!<user>)[^/\\\s\"'`]+")
# Accounts that name nobody: redacted only as a path segment, so "Ubuntu 22.04" stays readable.
_GENERIC_ACCOUNTS = frozenset(
    {"root", "user", "admin", "administrator", "ubuntu", "ec2-user", "runner", "jovyan",
     "vscode", "codespace", "nobody", "docker", "pi", "guest", "default"}
)  # fmt: skip
_GENERIC_HOSTS = frozenset({"localhost", "localhost.localdomain", "127.0.0.1", "::1"})
# Names that are also words of torchdoctor's own output ("GPU 0", "Linux"): a user or host called
# so is redacted only where it stands alone as a path segment, or the report would be unreadable.
_OUTPUT_WORDS = frozenset(
    {"gpu", "cpu", "cuda", "torch", "pytorch", "python", "linux", "nvidia", "amd", "intel",
     "apple", "rocm", "xpu", "mps", "host", "server", "build", "driver", "found", "none"}
)  # fmt: skip
_UUID_KEYS = frozenset({"uuid", "gpu_uuid", "uuids", "gpu_uuids"})
_HOST_KEYS = frozenset({"hostname", "host_name", "node", "nodename", "fqdn"})
_USER_KEYS = frozenset({"user", "username", "user_name", "login"})


def sanitize(data: Any, _in_env: bool = False) -> Any:
    """Always-on scrubbing of JSON-like data: credentials out of strings, env maps filtered.

    A mapping of strings under an `env`-like key is a set of variables and is filtered; an `env`
    section of the facts (status, reason, variables, ...) has its `variables` member filtered.
    """
    if isinstance(data, str):
        return strip_credentials(data)
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key).lower()
            is_env = name in ENV_KEYS or (_in_env and name == "variables")
            if is_env and isinstance(value, Mapping):
                section = "status" in value and not _in_env  # the facts' env section itself
                if not section and all(isinstance(v, str) for v in value.values()):
                    out[key] = filter_env({str(k): v for k, v in value.items()})
                else:
                    out[key] = sanitize(value, _in_env=True)
            else:
                out[key] = sanitize(value)
        return out
    if isinstance(data, (list, tuple)):
        return [sanitize(item) for item in data]
    return data


@dataclass(frozen=True)
class RedactionContext:
    """The personal values to take out of output: home directories, user names, host names."""

    homes: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    # Also turn /home/<name>, /Users/<name>, C:\Users\<name> of any account into `~`: a document
    # captured on another machine carries that machine's home, not ours.
    any_home: bool = True

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, node: str | None = None
    ) -> RedactionContext:
        """The values of this process: $HOME/%USERPROFILE%, $USER/%USERNAME%, the host name."""
        env = os.environ if env is None else env
        homes = [env.get("HOME", ""), env.get("USERPROFILE", "")]
        if env is os.environ:
            homes.append(os.path.expanduser("~"))
        users = [env.get("USER", ""), env.get("USERNAME", ""), env.get("LOGNAME", "")]
        users += [os.path.basename(h.rstrip("/\\")) for h in homes if h]
        node = platform.node() if node is None else node
        hosts = [node, env.get("HOSTNAME", ""), env.get("COMPUTERNAME", "")]
        hosts += [h.split(".")[0] for h in hosts if h]
        hosts += [h.lower() for h in hosts]  # Windows reports COMPUTERNAME in capitals
        return cls(_clean(homes, path=True), _clean(users), _clean(hosts))


def _clean(values: list[str], path: bool = False) -> tuple[str, ...]:
    cleaned = {v.rstrip("/\\") if path else v.strip() for v in values}
    # A home of "/" or a one-letter name would redact half of every line: ignore those.
    return tuple(sorted((v for v in cleaned if len(v) > 1), key=len, reverse=True))


def _word(value: str) -> str:
    return r"(?<![\w.-])" + re.escape(value) + r"(?![\w-])"


def redact_text(text: str, ctx: RedactionContext) -> str:
    """Sanitise; homes become `~`, users `<user>`, hosts `<host>`; GPU UUIDs are dropped."""
    text = strip_credentials(text)
    text = _GPU_UUID.sub("", _GPU_UUID_NOTE.sub("", text))
    for home in ctx.homes:
        flags = re.I if "\\" in home else 0
        text = re.sub(re.escape(home) + r"(?=[/\\\s\"'`]|$)", "~", text, flags=flags)
    if ctx.any_home:
        text = _ANY_HOME.sub("~", text)
    for user in ctx.users:
        text = re.sub(_name_pattern(user, _GENERIC_ACCOUNTS), "<user>", text)
    for host in ctx.hosts:
        if host.lower() not in _GENERIC_HOSTS:
            text = re.sub(_name_pattern(host, frozenset()), "<host>", text)
    return text


def _name_pattern(name: str, generic: frozenset[str]) -> str:
    """Where a user or host name is replaced: as a whole word, or only as a path segment."""
    lower = name.lower()
    if lower in generic or lower in _OUTPUT_WORDS or len(name) < 3:
        return r"(?<=[/\\])" + re.escape(name) + r"(?=[/\\]|$)"
    # Case-sensitive on purpose: a host "Ada" must not eat the architecture name "ada".
    return _word(name)


def redact_data(data: Any, ctx: RedactionContext) -> Any:
    """`redact_text` over every string (and key) of JSON-like data; UUID members dropped."""
    if isinstance(data, str):
        return redact_text(data, ctx)
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key).lower()
            if name in _UUID_KEYS:
                continue
            if name in _HOST_KEYS and isinstance(value, str) and value:
                out[redact_text(str(key), ctx)] = "<host>"
            elif name in _USER_KEYS and isinstance(value, str) and value:
                out[redact_text(str(key), ctx)] = "<user>"
            else:
                out[redact_text(str(key), ctx)] = redact_data(value, ctx)
        return out
    if isinstance(data, (list, tuple)):
        return [redact_data(item, ctx) for item in data]
    return data


def _transform(value: Any, fn: Callable[[Any], Any]) -> Any:
    """Apply `fn` to every JSON-like value (str, mapping, list) inside dataclasses and tuples."""
    if isinstance(value, Enum):  # Severity and friends are str enums: keep them as they are
        return value
    if isinstance(value, EnvFacts):  # a captured document may carry any variable: allow-list
        value = dataclasses.replace(value, variables=filter_env(value.variables))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        changes = {f.name: _transform(getattr(value, f.name), fn) for f in fields}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_transform(v, fn) for v in value)
    if isinstance(value, (str, Mapping, list)):
        return fn(value)
    return value  # numbers, booleans, None


def sanitize_report(report: Report) -> Report:
    """A copy of the report with `sanitize` applied everywhere (what every renderer shows)."""
    sanitized: Report = _transform(report, sanitize)
    return sanitized


def redact_report(report: Report, ctx: RedactionContext) -> Report:
    """A copy of the report with every string and every facts value redacted."""
    redacted: Report = _transform(report, lambda data: redact_data(data, ctx))
    return redacted
