# Precompiled headers, to cut the build's CPU time (CI builds everything twice from scratch on
# two cores). Only third-party and standard headers go in: our own headers change too often,
# and every change to a precompiled one recompiles the whole target.
#   signatory_server_pch(TARGET [REUSE_FROM OTHER]): Boost.Asio/Beast, which most files of
#       sig_server and sig_cli include (directly or through server/http/*.h);
#   signatory_unit_pch(TARGET): GoogleTest and nlohmann/json for a unit-test executable. One
#       header is compiled for all the unit tests that have the same compile flags (those that
#       do not link sig_server), one more for those that do (unit_server, unit_cli).
# Clang only. Measured on GCC 12 (RelWithDebInfo, docs/ci.md): loading the header costs 1-5 s
# of CPU per file, as much as or more than it saves (the -O2 code generation dominates), so a GCC
# build compiles as if there were none. Clang loads a header lazily and, with
# -fpch-instantiate-templates (CMake adds it), instantiates the templates once in the header.
# A precompiled header is only valid for the exact compiler flags it was made with, so the
# sharing targets must have the same flags; CMake checks nothing, the compiler does (clang
# stops with an error).
# -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON turns all of this off (CMake's own switch).

set(SIGNATORY_SERVER_PCH_HEADERS
  <boost/asio/io_context.hpp> <boost/asio/ip/tcp.hpp> <boost/asio/ssl.hpp>
  <boost/asio/steady_timer.hpp> <boost/asio/strand.hpp> <boost/asio/write.hpp>
  <boost/asio/post.hpp> <boost/beast/core/flat_buffer.hpp> <boost/beast/http/basic_parser.hpp>
  <boost/beast/http/error.hpp> <boost/beast/http/status.hpp>
  <nlohmann/json.hpp> <string> <vector> <map> <memory> <functional> <chrono> <mutex>)

set(SIGNATORY_UNIT_PCH_HEADERS
  <gtest/gtest.h> <nlohmann/json.hpp> <filesystem> <fstream> <sstream> <string> <vector>
  <map> <algorithm> <thread>)

function(signatory_server_pch target)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    return()
  endif()
  cmake_parse_arguments(arg "" "REUSE_FROM" "" ${ARGN})
  if(arg_REUSE_FROM)
    target_precompile_headers(${target} REUSE_FROM ${arg_REUSE_FROM})
  else()
    target_precompile_headers(${target} PRIVATE ${SIGNATORY_SERVER_PCH_HEADERS})
  endif()
endfunction()

# The unit tests' headers are made in two empty object libraries, each with exactly the flags of
# the unit tests that reuse it: unit_pch for those that do not link sig_server, unit_server_pch
# (with Boost.Beast's definitions and headers) for those that do (unit_server, unit_cli).
function(signatory_unit_pch target)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    return()
  endif()
  get_target_property(libs ${target} LINK_LIBRARIES)
  if("sig_server" IN_LIST libs OR "sig_cli" IN_LIST libs)
    set(host unit_server_pch)
    set(host_lib sig_server)
    set(headers ${SIGNATORY_UNIT_PCH_HEADERS} ${SIGNATORY_SERVER_PCH_HEADERS})
  else()
    set(host unit_pch)
    set(host_lib sig_signer)
    set(headers ${SIGNATORY_UNIT_PCH_HEADERS})
  endif()
  if(NOT TARGET ${host})
    set(src ${CMAKE_BINARY_DIR}/${host}.cpp)
    file(CONFIGURE OUTPUT ${src} CONTENT "// Host of a precompiled header for unit tests (cmake/pch.cmake).\n")
    add_library(${host} OBJECT ${src})
    target_link_libraries(${host} PRIVATE ${host_lib} unit_support GTest::gtest)
    target_precompile_headers(${host} PRIVATE ${headers})
  endif()
  target_precompile_headers(${target} REUSE_FROM ${host})
endfunction()
