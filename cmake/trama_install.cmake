# trama_install.cmake — the installed package: the CMake export set, trama-config.cmake and
# its version file, and trama.pc. Included from the root CMakeLists.txt after the
# subdirectories; the per-target install() rules sit next to each target.
#
# What users get:
#   find_package(trama) + target_link_libraries(x PRIVATE trama::trama)
#   cc x.c $(pkg-config --cflags --libs trama)
# Both mean "everything a case file needs": the harness and the primitives.
#
# Why an INTERFACE target: in the build tree the target `trama` is the primitives alone
# (and the harness links it), so `trama::trama` cannot simply be the exported `trama`
# without pulling the harness into the primitives or renaming build targets. The
# libraries are exported under their own names, trama::primitives and trama::harness, and
# trama_package (exported as trama::trama) links both. A user who wants the primitives
# alone links trama::primitives. (In the build tree the alias trama::trama still names the
# primitives only; projects that add_subdirectory(trama) link trama::harness for cases.)
include(CMakePackageConfigHelpers)

set(TRAMA_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/trama")

add_library(trama_package INTERFACE)
set_target_properties(trama_package PROPERTIES EXPORT_NAME trama)
if(TARGET trama_harness)
  target_link_libraries(trama_package INTERFACE trama_harness)
endif()
target_link_libraries(trama_package INTERFACE trama)

# trama_warnings is linked PRIVATE by the libraries; a static library still lists its
# private dependencies (as $<LINK_ONLY:...>), so the export set must carry it. Link-only:
# none of its -W flags reach users.
set_target_properties(trama_warnings PROPERTIES EXPORT_NAME warnings)
install(TARGETS trama_package trama_warnings EXPORT trama-targets)

install(EXPORT trama-targets
  NAMESPACE trama::
  FILE trama-targets.cmake
  DESTINATION "${TRAMA_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/trama-config.cmake.in"
  "${PROJECT_BINARY_DIR}/trama-config.cmake"
  INSTALL_DESTINATION "${TRAMA_INSTALL_CMAKEDIR}")
# 0.x: a minor release may break the API, so only the same minor version matches.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/trama-config-version.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/trama-config.cmake"
  "${PROJECT_BINARY_DIR}/trama-config-version.cmake"
  DESTINATION "${TRAMA_INSTALL_CMAKEDIR}")

# trama.pc names the prefix given at install time (`cmake --install build --prefix P`),
# not the one configured, so it is written in two stages: here everything but the prefix,
# then the prefix when installing.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(TRAMA_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(TRAMA_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(TRAMA_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(TRAMA_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(TRAMA_PC_PREFIX "@TRAMA_PC_PREFIX@") # kept for the install-time stage
# What libtrama.a's misuse stacks link (primitives/CMakeLists.txt): libdw when found, libdl.
set(TRAMA_PC_EXTRA_LIBS "")
if(TRAMA_LIBDW_LIBRARY)
  string(APPEND TRAMA_PC_EXTRA_LIBS " -ldw")
endif()
foreach(lib IN LISTS CMAKE_DL_LIBS)
  string(APPEND TRAMA_PC_EXTRA_LIBS " -l${lib}")
endforeach()
configure_file("${CMAKE_CURRENT_LIST_DIR}/trama.pc.in" "${PROJECT_BINARY_DIR}/trama.pc.in" @ONLY)
install(CODE "
  set(TRAMA_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${PROJECT_BINARY_DIR}/trama.pc.in\" \"${PROJECT_BINARY_DIR}/trama.pc\" @ONLY)
")
install(FILES "${PROJECT_BINARY_DIR}/trama.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
