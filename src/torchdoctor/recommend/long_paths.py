"""Windows' 260-character path limit against the torch wheel's deepest folder.

Since 2.13 the torch wheel carries its third-party licenses (PEP 639 `license-files`,
pytorch/pytorch#180237) nested as deep as
`torch-2.13.0+cu130.dist-info\\licenses\\third_party\\kineto\\...\\duktape-1.5.2`. Unless long paths
are enabled, Windows refuses to create a folder whose path reaches 248 characters (MAX_PATH less
room for an 8.3 file name), and pip stops with "[WinError 206] The filename or extension is too
long" (pytorch/TensorRT#4288, pytorch/test-infra#8094, Slicer/light-the-torch#176).
"""

from __future__ import annotations

from torchdoctor.knowledge import version_key

FIRST_RELEASE = "2.13"
DEEPEST = ("licenses\\third_party\\kineto\\libkineto\\third_party\\dynolog\\third_party\\"
           "prometheus-cpp\\3rdparty\\civetweb\\src\\third_party\\duktape-1.5.2")
FOLDER_LIMIT = 248
REGISTRY = "HKLM:\\SYSTEM\\CurrentControlSet\\Control\\FileSystem"
ENABLE = (f'New-ItemProperty -Path "{REGISTRY}" -Name "LongPathsEnabled" -Value 1 '
          "-PropertyType DWORD -Force")
SHOW = f'(Get-ItemProperty "{REGISTRY}").LongPathsEnabled'


def deepest_path(purelib: str, version: str, variant: str) -> str:
    """The deepest folder the torch wheel creates under this site-packages."""
    tag = "" if variant in ("", "default") else f"+{variant}"
    return f"{purelib.rstrip(chr(92))}\\torch-{version}{tag}.dist-info\\{DEEPEST}"


def too_long(os: str | None, purelib: str | None, long_paths_enabled: bool | None,
             version: str, variant: str) -> int | None:
    """The deepest folder's length when installing torch `version` here would pass Windows'
    limit (long paths not enabled, or not known to be); None when it fits or does not apply."""
    if os != "windows" or not purelib or long_paths_enabled is True:
        return None
    if version_key(version) < version_key(FIRST_RELEASE):
        return None
    length = len(deepest_path(purelib, version, variant))
    return length if length >= FOLDER_LIMIT else None


def sentence(length: int, purelib: str, long_paths_enabled: bool | None) -> str:
    state = ("long paths are not enabled" if long_paths_enabled is False
             else "whether long paths are enabled could not be told")
    return (f"the torch wheel creates folders of {length} characters under {purelib}, past "
            f"Windows' limit of {FOLDER_LIMIT - 1}, and {state}: pip would stop with "
            "\"[WinError 206] The filename or extension is too long\"")
