#!/usr/bin/env bash
# The installed product, not the checkout: build the wheel from the committed files, install it (non-editable,
# with the [postgres] extra, exactly as the Dockerfile does) into a fresh virtual environment, and run the
# `pre-exhaust-coach` console script from a directory outside the checkout, with a clean environment:
#   1. --offline with `/plan push` on stdin: the seed's push day must come out in the seed's order
#      (needs the catalog YAML, the evidence base, the Alembic migrations and the emulator from the wheel);
#   2. --backup of the database the offline run created: exit 0;
#   3. DISCORD_TOKEN=bad: exit status 2 with a one-line error.
# Exits non-zero, saying which check failed and showing the output, when anything is wrong.
#
#   bash .ci/wheel-check.sh            # from anywhere; PYTHON=python3.12 to pick the interpreter
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/coach-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT

passed=0
fail() {
    echo "wheel-check: FAILED: $1" >&2
    if [ -n "${2:-}" ] && [ -f "$2" ]; then
        echo "---- output ----" >&2
        tail -n 60 "$2" >&2
        echo "----------------" >&2
    fi
    exit 1
}
ok() {
    passed=$((passed + 1))
    echo "wheel-check: ok: $1"
}

# A clean copy of what git has (tracked files plus new, non-ignored ones): no build/, egg-info or caches.
mkdir -p "$work/src" "$work/dist" "$work/run" "$work/home"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$repo" && tar --null --no-recursion --ignore-failed-read -T - -cf -) | tar -xf - -C "$work/src"

echo "== wheel-check: building the wheel"
"$python" -m venv "$work/build-venv"
"$work/build-venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/src" ||
    fail "pip wheel could not build the project"
wheels=("$work"/dist/pre_exhaust_coach-*.whl)
{ [ "${#wheels[@]}" -eq 1 ] && [ -f "${wheels[0]}" ]; } || fail "expected one pre_exhaust_coach wheel, got: ${wheels[*]}"
wheel="${wheels[0]}"
ok "built $(basename "$wheel")"

echo "== wheel-check: installing it into a fresh virtual environment"
"$python" -m venv "$work/venv"
# The same command as the Dockerfile's runtime stage.
"$work/venv/bin/pip" install --quiet "${wheel}[postgres]" || fail "pip install of the wheel failed"
[ -x "$work/venv/bin/pre-exhaust-coach" ] || fail "the wheel installed no pre-exhaust-coach console script"

# Run as an operator would: elsewhere, with only what the bot reads, so nothing comes from the checkout.
cd "$work/run"
clean_env=(env -i "PATH=$work/venv/bin:/usr/local/bin:/usr/bin:/bin" "HOME=$work/home" "LANG=C.UTF-8"
    "COACH_DATA_DIR=$work/data")

"${clean_env[@]}" python -c '
import sys, catalog, coach, db.migrate
for module in (catalog, coach, db.migrate):
    if "site-packages" not in module.__file__:
        sys.exit(f"{module.__name__} imported from {module.__file__}, not the installed wheel")
' >"$work/imports.txt" 2>&1 || fail "the installed packages are not the ones imported" "$work/imports.txt"
ok "imports come from site-packages, not the checkout"

echo "== wheel-check: pre-exhaust-coach --offline with /plan push"
status=0
printf '/plan push\nquit\n' | "${clean_env[@]}" timeout 180 pre-exhaust-coach --offline >"$work/offline.txt" 2>&1 ||
    status=$?
[ "$status" -eq 0 ] || fail "pre-exhaust-coach --offline exited with $status" "$work/offline.txt"
# The seed's push day: isolations least to most intense, then the compounds (catalog/days.yaml).
expected=$'1. Triceps Pushdown\n2. Overhead Tricep Extension\n3. Front Raise\n4. Lateral Raise\n5. Shoulder Press\n6. Dumbbell Bench Press'
got="$(sed -n 's/^[^0-9]*\([1-9]\. [A-Za-z][A-Za-z -]*[a-z]\) — .*/\1/p' "$work/offline.txt")"
if [ "$got" != "$expected" ]; then
    printf 'expected:\n%s\ngot:\n%s\n' "$expected" "$got" >>"$work/offline.txt"
    fail "/plan push did not list the seed's push day in order" "$work/offline.txt"
fi
ok "--offline answered /plan push with the seed order"

echo "== wheel-check: pre-exhaust-coach --backup"
"${clean_env[@]}" pre-exhaust-coach --backup "$work/backup.db" >"$work/backup.txt" 2>&1 ||
    fail "pre-exhaust-coach --backup failed" "$work/backup.txt"
[ -s "$work/backup.db" ] || fail "--backup wrote no file" "$work/backup.txt"
ok "--backup copied the offline run's database"

echo "== wheel-check: pre-exhaust-coach with DISCORD_TOKEN=bad"
status=0
"${clean_env[@]}" DISCORD_TOKEN=bad timeout 60 pre-exhaust-coach >"$work/bad.txt" 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "DISCORD_TOKEN=bad exited with $status, expected 2" "$work/bad.txt"
grep -q '^error: DISCORD_TOKEN does not look like a bot token' "$work/bad.txt" ||
    fail "DISCORD_TOKEN=bad did not say why" "$work/bad.txt"
[ "$(grep -c . "$work/bad.txt")" -eq 1 ] || fail "DISCORD_TOKEN=bad printed more than one line" "$work/bad.txt"
ok "DISCORD_TOKEN=bad exits with status 2 and one line"

echo "wheel-check: $passed passed, 0 failed"
