# common.sh — sourced by scripts/explore and scripts/check: the repository root, printed
# commands, and Debian packages installed only when missing.

TRAMA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TRAMA_JOBS=$(nproc 2>/dev/null || echo 2)

# say TEXT — a heading for the next stage.
say() { printf '\n== %s\n' "$*"; }

# run CMD... — prints the command, then runs it.
run() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    "$@"
}

trama_apt_updated=no

# need PKG[:COMMAND]... — makes sure each Debian package is there: a package given with a
# command counts as present when the command is on PATH (whatever installed it), one
# without when dpkg says so. The missing ones are installed with apt-get (apt-get update
# first, once per script; sudo only when not root). Off Debian, it names what to install.
need() {
    local item pkg cmd missing=()
    for item in "$@"; do
        pkg=${item%%:*}
        cmd=${item#*:}
        [ "$cmd" != "$item" ] || cmd=
        if [ -n "$cmd" ]; then
            command -v "$cmd" >/dev/null 2>&1 && continue
        elif command -v dpkg >/dev/null 2>&1; then
            dpkg -s "$pkg" >/dev/null 2>&1 && continue
        else
            continue # no dpkg: a library cannot be checked here; the build will say
        fi
        missing+=("$pkg")
    done
    [ ${#missing[@]} -gt 0 ] || return 0

    if ! command -v apt-get >/dev/null 2>&1; then
        echo "missing: ${missing[*]} (not a Debian system: install them, then run again)" >&2
        return 1
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "missing: ${missing[*]}; not root and no sudo: install them, then run again" >&2
            return 1
        }
        sudo=(sudo)
    fi
    say "installing ${missing[*]}"
    if [ "$trama_apt_updated" = no ]; then
        run "${sudo[@]}" apt-get update
        trama_apt_updated=yes
    fi
    run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

# skips BUILD — after ctest in BUILD: each test that skipped, with the reason it printed
# ("SKIP: ..."), which ctest's summary leaves out.
skips() {
    local log="$1/Testing/Temporary/LastTest.log"
    [ -f "$log" ] || return 0
    awk '/^[0-9]+\/[0-9]+ Test: / { name = $3 }
         /^SKIP: / { print "skipped: " name ": " substr($0, 7) }' "$log"
}

# The build's own needs: a C compiler, make, CMake, cmocka (the unit tests are configured
# by default).
need_build_tools() {
    need cmake:cmake make:make gcc:cc libc6-dev libcmocka-dev
}

# What the test suites need beside the build, so that no test skips on a fresh machine:
# pkg-config: the install test; clang + its sanitizer runtime: the TSan and ASan builds;
# valgrind: the memcheck tests; python3: the report tools; chromium: the aggregate page's
# screenshot; libdw-dev: misuse records' stacks with function, file and line (without it:
# module and offset, and test_misuse_log checks that form instead).
need_test_tools() {
    need pkg-config:pkg-config clang:clang valgrind:valgrind python3:python3 \
        chromium:chromium libdw-dev
    need "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
}
