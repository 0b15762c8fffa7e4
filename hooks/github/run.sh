#!/usr/bin/env bash
# The steps of the composite action. Inputs arrive as environment variables (never
# interpolated into this script), as GitHub's hardening guide advises.
# Usage: run.sh [check|spot|result]. The action runs the three as separate steps, because GitHub
# shows 10 annotations of each kind per step: a spot check's must not be crowded out by the
# check's. "check" and "spot" always succeed and write their exit status as the step output
# `status`; "result" fails the job from QA_CHECK_STATUS and QA_SPOT_STATUS. Without an argument,
# all three in one run.
# Environment: QA_BIN, INPUT_PATHS, INPUT_CONFIG, INPUT_CHANGED_SINCE, INPUT_SPOT_CHECK,
# INPUT_VERIFIER_URL, QA_VERIFIER_TOKEN, INPUT_ATTEST_STATEMENT, INPUT_FORMAT, INPUT_SARIF_FILE,
# INPUT_SPOT_SARIF_FILE, INPUT_FAIL_ON, RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
set -uo pipefail
mode=${1:-all}

qa=${QA_BIN:-qa-provenance}
python=${QA_PYTHON:-${qa%/*}/python}
[ -x "$python" ] || python=python3
temp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
report="$temp/qa-provenance-report.json"
output=${GITHUB_OUTPUT:-/dev/null}

common=()
[ -n "${INPUT_CONFIG:-}" ] && common+=(--config "$INPUT_CONFIG")
check=(check "${common[@]}")
[ -n "${INPUT_CHANGED_SINCE:-}" ] && check+=(--changed-since "$INPUT_CHANGED_SINCE")
paths=()
if [ -n "${INPUT_PATHS:-}" ]; then
    # Split on whitespace only, never through the shell: no globbing, no expansion.
    read -r -d '' -a paths <<<"$INPUT_PATHS" || true
fi

run_check() {
    # One run: the log format on stdout, the JSON report (and SARIF if asked) written beside it.
    rm -f "$report"
    sarif=()
    [ -n "${INPUT_SARIF_FILE:-}" ] && sarif=(--sarif-file "$INPUT_SARIF_FILE")
    errors="$temp/qa-provenance-stderr.txt"
    "$qa" "${check[@]}" --format "${INPUT_FORMAT:-github}" --json-file "$report" "${sarif[@]}" \
        -- "${paths[@]}" 2>"$errors"
    status=$?
    cat "$errors" >&2
    if [ "$status" -ge 2 ]; then
        # A usage or configuration error writes no report: say it where a reader of the run looks
        # first, as an annotation and in the job summary, not only in the log.
        "$python" - "$errors" <<'PY' || true
import os, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
said = [line for line in text if line.startswith("qa-provenance")] or text
message = said[-1] if said else "qa-provenance: usage or configuration error"
escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
print(f"::error title=qa-provenance usage or configuration error::{escaped}")
summary = os.environ.get("GITHUB_STEP_SUMMARY")
if summary:
    fence = "`" * 3
    with open(summary, "a", encoding="utf-8") as handle:
        handle.write(f"### qa-provenance check: \u274c usage or configuration error\n\n{fence}text\n"
                     + message.replace(fence, "'''") + f"\n{fence}\n")
PY
    fi
    failed=$("$python" - "$report" <<'PY' 2>/dev/null || true
import json, sys
report = json.load(open(sys.argv[1]))
def one_line(path):  # a name holding a newline or a carriage return stays one entry
    return path.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
print("\n".join(one_line(f["path"]) for f in report["files"] if not f["ok"]))
PY
    )
    {
        echo "report=$report"
        echo "failed-files<<QA_PROVENANCE_EOF"
        echo "$failed"
        echo "QA_PROVENANCE_EOF"
    } >>"$output"
}

run_spot() {
    spot=0
    if [ "${INPUT_SPOT_CHECK:-false}" = "true" ]; then
        spot_args=(spot-check "${common[@]}" --format "${INPUT_FORMAT:-github}")
        [ -n "${INPUT_SPOT_SARIF_FILE:-}" ] && spot_args+=(--sarif-file "$INPUT_SPOT_SARIF_FILE")
        if [ -n "${INPUT_VERIFIER_URL:-}" ]; then
            spot_args+=(--verifier http --verifier-url "$INPUT_VERIFIER_URL")
        fi
        if [ -n "${QA_VERIFIER_TOKEN:-}" ] || [ -n "${INPUT_VERIFIER_URL:-}" ]; then
            spot_args+=(--token-env QA_VERIFIER_TOKEN)  # empty: SKIPPED for a remote verifier
        fi
        if [ -z "${QA_VERIFIER_TOKEN:-}" ] && [ -n "${INPUT_VERIFIER_URL:-}" ]; then
            echo "qa-provenance: no verifier token (a pull request from a fork gets no secrets):" \
                 "spot checks against a remote verifier are SKIPPED, not failed."
        fi
        # The verifications as an unsigned in-toto statement, for actions/attest or cosign to sign.
        if [ -n "${INPUT_ATTEST_STATEMENT:-}" ]; then
            rm -f -- "$INPUT_ATTEST_STATEMENT"  # never hand on a statement from an earlier run
            spot_args+=(--attest-statement "$INPUT_ATTEST_STATEMENT")
        fi
        "$qa" "${spot_args[@]}" -- "${paths[@]}"
        spot=$?
        if [ -n "${INPUT_ATTEST_STATEMENT:-}" ] && [ -f "$INPUT_ATTEST_STATEMENT" ]; then
            echo "statement=$INPUT_ATTEST_STATEMENT" >>"$output"
        fi
    fi
}

run_result() {
    fail_on=${INPUT_FAIL_ON:-error}
    result=pass
    if [ "$status" -ge 2 ] || [ "$spot" -eq 2 ]; then
        result=fail  # usage or configuration error
    elif [ "$status" -eq 1 ] || [ "$spot" -eq 1 ] || [ "$spot" -eq 3 ]; then
        result=fail
    elif [ "$fail_on" = "warning" ] && "$python" - "$report" <<'PY' 2>/dev/null
import json, sys
report = json.load(open(sys.argv[1]))
sys.exit(0 if report["summary"]["warnings"] else 1)
PY
    then
        result=fail
    fi

    echo "result=$result" >>"$output"
    [ "$result" = pass ]
}

case "$mode" in
    check) run_check; echo "status=$status" >>"$output" ;;
    spot) run_spot; echo "status=$spot" >>"$output" ;;
    result) status=${QA_CHECK_STATUS:-2} spot=${QA_SPOT_STATUS:-0}; run_result ;;
    all) run_check; run_spot; run_result ;;
    *) echo "run.sh: unknown step '$mode' (check, spot or result)" >&2; exit 2 ;;
esac
