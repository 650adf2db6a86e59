"""The documents named on the command line: files, and the `*.json` files of folders.

Each file is read like every other input (at most MAX_DOCUMENT_BYTES, nesting bounded, UTF-8 or
UTF-16 with a byte-order mark); a file that cannot be used is one line in `skipped`, never the
end of the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from torchdoctor.documents import MAX_DOCUMENT_BYTES, DocumentError, decode_text, parse_json
from torchdoctor.fleet.nodes import Node, NotADocument, nodes_of

MAX_FILES = 10_000  # documents in one fleet: far more nodes than any one view can show


@dataclass(frozen=True)
class Loaded:
    """What the sources gave: the nodes, and a line for each file that gave none."""

    nodes: tuple[Node, ...]
    skipped: tuple[tuple[str, str], ...]  # (path, why)
    documents: int


def expand(sources: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The files to read: each file as given, each folder's `*.json` files in name order."""
    files: list[str] = []
    skipped: list[tuple[str, str]] = []
    for source in sources:
        if os.path.isdir(source):
            try:
                names = sorted(os.listdir(source))
            except OSError as exc:
                skipped.append((source, f"cannot list it ({exc.strerror or exc})"))
                continue
            found = [os.path.join(source, n) for n in names if n.lower().endswith(".json")]
            if not found:
                skipped.append((source, "a folder without .json files"))
            files += [f for f in found if os.path.isfile(f)]
        else:
            files.append(source)
    return files, skipped


def _name(path: str, taken: set[str]) -> str:
    """The node's name: the file's name without `.json` (`$(hostname).json`), made unique."""
    base = os.path.basename(path)
    stem = base[:-5] if base.lower().endswith(".json") else base
    name, n = stem or path, 2
    while name in taken:
        name, n = f"{stem} ({n})", n + 1
    taken.add(name)
    return name


def load(sources: list[str]) -> Loaded:
    """Every node the sources describe."""
    files, skipped = expand(sources)
    if len(files) > MAX_FILES:
        skipped += [(f, f"more than {MAX_FILES} documents: left out") for f in files[MAX_FILES:]]
        files = files[:MAX_FILES]
    nodes: list[Node] = []
    taken: set[str] = set()
    documents = 0
    for path in files:
        try:
            document = read_json(path)
            found = nodes_of(document, path, _name(path, taken))
        except (DocumentError, NotADocument) as exc:
            text = str(exc)
            skipped.append((path, text.split(": ", 1)[1] if text.startswith(path + ": ")
                            else text))
            continue
        documents += 1
        nodes += found
    return Loaded(tuple(nodes), tuple(skipped), documents)


def read_json(path: str) -> object:
    """The JSON value of the file at `path`; DocumentError (one line) when it has none."""
    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO or a device never ends
        raise DocumentError(f"{path}: not a regular file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{path}: larger than {MAX_DOCUMENT_BYTES // 1_000_000} MB, the most "
                            "a check document may be")
    try:
        text = decode_text(raw)
    except UnicodeDecodeError:
        raise DocumentError(f"{path}: not a text file") from None
    return parse_json(path, text)
