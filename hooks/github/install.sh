#!/usr/bin/env bash
# Installs qa-provenance into its own virtual environment for the composite action, with the
# attest extra (sigstore, cryptography) so that check verifies attestations, and the parquet
# extra (pyarrow) so that Parquet files have their rows counted and their records read.
# Environment: QA_VENV, QA_VERSION (empty: the action's checkout), QA_ACTION_PATH, QA_PYTHON.
set -euo pipefail
if [ -x "$QA_VENV/bin/qa-provenance" ] && "$QA_VENV/bin/qa-provenance" --version >/dev/null 2>&1; then
    echo "qa-provenance: using the cached environment ($("$QA_VENV/bin/qa-provenance" --version))"
    exit 0
fi
"${QA_PYTHON:-python3}" -m venv "$QA_VENV"
"$QA_VENV/bin/python" -m pip install --quiet --upgrade pip
if [ -n "${QA_VERSION:-}" ]; then
    "$QA_VENV/bin/python" -m pip install --quiet "qa-provenance[fast,attest,parquet]==${QA_VERSION}"
else
    "$QA_VENV/bin/python" -m pip install --quiet "${QA_ACTION_PATH}[fast,attest,parquet]"
fi
"$QA_VENV/bin/qa-provenance" --version
