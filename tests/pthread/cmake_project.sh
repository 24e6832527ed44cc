#!/bin/sh
# cmake_project.sh TRAMA_CC SOURCE_DIR WORK_DIR — the small project configured by CMake with
# trama-cc as its C compiler and built; verify finds its race.
set -eu
rm -rf "$3"
cmake -S "$2" -B "$3" -DCMAKE_C_COMPILER="$1"
cmake --build "$3"
"$3"/counter verify --expect data_race
