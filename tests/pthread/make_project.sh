#!/bin/sh
# make_project.sh TRAMA_CC SOURCE_DIR WORK_DIR — `make CC=trama-cc` on a copy of the small
# Makefile project, then verify finds its race.
set -eu
rm -rf "$3"
mkdir -p "$3"
cp "$2"/Makefile "$2"/*.c "$2"/*.h "$3"
make -C "$3" CC="$1"
"$3"/counter verify --expect data_race
