#!/usr/bin/env bash
# Type-check the tests with mypy --strict, one folder at a time: each folder has its own
# conftest.py, and the helper modules beside the tests are imported by their bare names
# (pytest puts each test folder on sys.path).
set -euo pipefail
cd "$(dirname "$0")/.."
folders=(tests/*/)
MYPYPATH="tests:$(printf '%s:' "${folders[@]%/}")"
export MYPYPATH
mypy --strict tests/*.py
for folder in "${folders[@]}"; do
  if compgen -G "${folder}*.py" >/dev/null || compgen -G "${folder}**/*.py" >/dev/null; then
    mypy --strict --no-error-summary "${folder%/}"
  fi
done
echo "tests: type-checked"
