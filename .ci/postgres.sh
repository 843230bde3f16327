# shellcheck shell=bash
# Start a throw-away PostgreSQL server for the test suite and export TEST_POSTGRES_URL.
#
#   source .ci/postgres.sh      # starts it; `coach_pg_stop` stops it and deletes its files
#
# - Uses the newest server found in /usr/lib/postgresql/*/bin (or on PATH); when there is none,
#   installs Debian's `postgresql` package (needs root and network).
# - initdb refuses to run as root, so as root the server runs as the `postgres` system user the
#   Debian package creates (or a `coachpg` user created here when that doesn't exist).
# - Data and the unix socket live in a fresh temporary directory; the server listens on 127.0.0.1
#   only, on a free port, trusts local connections (test data only!) and skips fsync for speed.
# - Stops the server on shell exit unless an EXIT trap is already set (then call coach_pg_stop).
#
# Written for being sourced, also under `set -euo pipefail`: it never calls `exit` or changes the
# caller's shell options, and returns non-zero (failing such a caller) when no server could be started.

coach_pg__find_bin() {
    local dir best=""
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V || true); do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && best="$dir"
    done
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    printf '%s' "$best"
}

coach_pg__free_port() {
    local py
    for py in python3 python; do
        if command -v "$py" >/dev/null 2>&1; then
            "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
            return
        fi
    done
    # No Python: pick a random high port; pg_ctl start fails loudly if it happens to be taken.
    printf '%s\n' $((20000 + RANDOM % 20000))
}

coach_pg__as_owner() {
    # Run a command as the server's owner (a no-op wrapper when we aren't root).
    if [ "$(id -u)" != "0" ]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$COACH_PG_USER" -- "$@"
    else
        su -s /bin/sh "$COACH_PG_USER" -c "$(printf '%q ' "$@")"
    fi
}

coach_pg_stop() {
    # Stop the server started by coach_pg_start and delete its temporary directory.
    if [ -n "${COACH_PG_DIR:-}" ] && [ -d "$COACH_PG_DIR" ]; then
        coach_pg__as_owner "$COACH_PG_BIN/pg_ctl" -D "$COACH_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$COACH_PG_DIR"
    fi
    unset COACH_PG_DIR TEST_POSTGRES_URL
}

coach_pg_start() {
    local bin port version
    bin="$(coach_pg__find_bin)"
    if [ -z "$bin" ]; then
        if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
            echo "postgres.sh: no PostgreSQL server binaries and can't apt-get install them (need root on Debian)" >&2
            return 1
        fi
        echo "postgres.sh: installing PostgreSQL from the Debian packages…" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends postgresql >&2 || {
            echo "postgres.sh: apt-get install postgresql failed" >&2
            return 1
        }
        bin="$(coach_pg__find_bin)"
        [ -n "$bin" ] || { echo "postgres.sh: installed, but no initdb found" >&2; return 1; }
    fi
    COACH_PG_BIN="$bin"

    if [ "$(id -u)" = "0" ]; then
        if id postgres >/dev/null 2>&1; then
            COACH_PG_USER=postgres
        else
            COACH_PG_USER=coachpg
            id "$COACH_PG_USER" >/dev/null 2>&1 ||
                useradd --system --no-create-home --shell /usr/sbin/nologin "$COACH_PG_USER" ||
                { echo "postgres.sh: cannot create user $COACH_PG_USER" >&2; return 1; }
        fi
    else
        COACH_PG_USER="$(id -un)"
    fi

    # /tmp, not $TMPDIR: the server user must be able to reach the directory (TMPDIR may be under /root).
    COACH_PG_DIR="$(mktemp -d /tmp/coach-pg.XXXXXX)" || return 1
    mkdir -p "$COACH_PG_DIR/sock"
    [ "$(id -u)" = "0" ] && chown -R "$COACH_PG_USER" "$COACH_PG_DIR"

    # C.UTF-8 where the OS has it; otherwise the plain C locale (only sort order differs).
    if ! coach_pg__as_owner "$bin/initdb" -D "$COACH_PG_DIR/data" -U coach --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$COACH_PG_DIR/initdb.log" 2>&1 &&
        ! { rm -rf "$COACH_PG_DIR/data" &&
            coach_pg__as_owner "$bin/initdb" -D "$COACH_PG_DIR/data" -U coach --auth=trust -E UTF8 --no-locale \
                >"$COACH_PG_DIR/initdb.log" 2>&1; }; then
        echo "postgres.sh: initdb failed:" >&2
        cat "$COACH_PG_DIR/initdb.log" >&2
        coach_pg_stop
        return 1
    fi

    local attempt
    for attempt in 1 2 3; do
        port="$(coach_pg__free_port)"
        if coach_pg__as_owner "$bin/pg_ctl" -D "$COACH_PG_DIR/data" -l "$COACH_PG_DIR/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $COACH_PG_DIR/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null; then
            break
        fi
        port=""
    done
    if [ -z "$port" ]; then
        echo "postgres.sh: the server didn't start:" >&2
        tail -n 30 "$COACH_PG_DIR/server.log" >&2
        coach_pg_stop
        return 1
    fi
    if [ -x "$bin/pg_isready" ]; then
        for attempt in $(seq 1 60); do
            "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U coach && break
            sleep 0.5
        done
    fi

    export COACH_PG_DIR COACH_PG_BIN COACH_PG_USER
    export TEST_POSTGRES_URL="postgresql+asyncpg://coach@127.0.0.1:$port/postgres"
    version="$("$bin/postgres" --version 2>/dev/null || true)"
    echo "postgres.sh: started ${version:-PostgreSQL} on 127.0.0.1:$port (data in $COACH_PG_DIR); TEST_POSTGRES_URL=$TEST_POSTGRES_URL"
    if [ -z "$(trap -p EXIT)" ]; then
        trap coach_pg_stop EXIT
    fi
}

if (return 0 2>/dev/null); then
    coach_pg_start
else
    # Executed rather than sourced: start it and say how to use and stop it.
    if coach_pg_start; then
        stop_cmd="$COACH_PG_BIN/pg_ctl -D $COACH_PG_DIR/data -m fast stop"
        [ "$(id -u)" = "0" ] && stop_cmd="runuser -u $COACH_PG_USER -- $stop_cmd"
        echo "Not sourced, so the server keeps running. Stop it with: $stop_cmd; rm -rf $COACH_PG_DIR"
    fi
    trap - EXIT
fi
