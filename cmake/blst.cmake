# supranational's blst (BLS12-381, for tz4 keys), built from the C and assembly sources that the
# npm package @chainsafe/blst ships under blst/ (Apache-2.0). Nothing of blst is committed:
#   configure: `npm pack @chainsafe/blst@<version>` into the build tree (the npm cache makes a
#              second configure offline), check the tarball's sha512 against cmake/blst.sha512
#              (the same value as `npm view @chainsafe/blst@<version> dist.integrity`), extract
#              only package/blst/;
#   build:     blst's own build.sh makes libblst.a in the build tree (-fPIC, portable: ADX is
#              picked at run time, so the library runs on any x86-64), linked into sig_crypto.
# SIGNATORY_BLST_TARBALL may name an already downloaded tarball (checked the same way).
# blst is built without the sanitizers: its code is assembly and constant-time C that ASan
# builds of the rest link against as any uninstrumented library.

set(SIGNATORY_BLST_VERSION 0.2.11)
set(SIGNATORY_BLST_TARBALL "" CACHE FILEPATH
    "Pre-downloaded chainsafe-blst-${SIGNATORY_BLST_VERSION}.tgz (empty: npm pack it)")

set(_blst_dir ${CMAKE_BINARY_DIR}/_deps/blst)
set(_blst_tgz_name chainsafe-blst-${SIGNATORY_BLST_VERSION}.tgz)
set(_blst_tgz ${_blst_dir}/${_blst_tgz_name})
set(_blst_src ${_blst_dir}/package/blst)
set(_blst_lib ${_blst_dir}/lib/libblst.a)

file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/blst.sha512 _blst_sum_line LIMIT_COUNT 1)
string(REGEX MATCH "^[0-9a-f]+" _blst_expected "${_blst_sum_line}")
string(LENGTH "${_blst_expected}" _blst_expected_len)
if(NOT _blst_expected_len EQUAL 128)
  message(FATAL_ERROR "blst: cmake/blst.sha512 does not hold a sha512 checksum")
endif()

# True in OUT when FILE exists and has the recorded checksum.
function(_blst_tarball_ok file out)
  set(ok FALSE)
  if(EXISTS ${file})
    file(SHA512 ${file} actual)
    if(actual STREQUAL _blst_expected)
      set(ok TRUE)
    endif()
  endif()
  set(${out} ${ok} PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY ${_blst_dir})
_blst_tarball_ok(${_blst_tgz} _blst_have)
if(NOT _blst_have)
  file(REMOVE_RECURSE ${_blst_dir}/package)
  if(SIGNATORY_BLST_TARBALL)
    if(NOT EXISTS ${SIGNATORY_BLST_TARBALL})
      message(FATAL_ERROR "blst: SIGNATORY_BLST_TARBALL=${SIGNATORY_BLST_TARBALL} does not exist")
    endif()
    configure_file(${SIGNATORY_BLST_TARBALL} ${_blst_tgz} COPYONLY)
  else()
    find_program(SIGNATORY_NPM npm)
    if(NOT SIGNATORY_NPM)
      message(FATAL_ERROR
        "blst: npm not found. tz4 (BLS12-381) support needs the blst sources of the npm package "
        "@chainsafe/blst@${SIGNATORY_BLST_VERSION}; install node and npm (scripts/install-deps) "
        "or pass -DSIGNATORY_BLST_TARBALL=/path/to/${_blst_tgz_name}")
    endif()
    message(STATUS "blst: fetching @chainsafe/blst@${SIGNATORY_BLST_VERSION} with npm pack")
    execute_process(
      COMMAND ${SIGNATORY_NPM} pack --loglevel=error @chainsafe/blst@${SIGNATORY_BLST_VERSION}
      WORKING_DIRECTORY ${_blst_dir}
      RESULT_VARIABLE _blst_rc OUTPUT_VARIABLE _blst_out ERROR_VARIABLE _blst_err
      TIMEOUT 300)
    if(NOT _blst_rc EQUAL 0 OR NOT EXISTS ${_blst_tgz})
      message(FATAL_ERROR
        "blst: could not download @chainsafe/blst@${SIGNATORY_BLST_VERSION} from the npm "
        "registry (npm pack exited with '${_blst_rc}'):\n${_blst_err}\n"
        "tz4 (BLS12-381) support is built from that package's blst/ sources. Check the network "
        "access to the npm registry, or pass -DSIGNATORY_BLST_TARBALL=/path/to/${_blst_tgz_name}")
    endif()
  endif()
  _blst_tarball_ok(${_blst_tgz} _blst_have)
  if(NOT _blst_have)
    file(SHA512 ${_blst_tgz} _blst_actual)
    file(REMOVE ${_blst_tgz})
    message(FATAL_ERROR
      "blst: checksum mismatch for ${_blst_tgz_name}\n  expected ${_blst_expected}\n"
      "  got      ${_blst_actual}\nThe tarball was deleted; the recorded sum is in "
      "cmake/blst.sha512.")
  endif()
endif()

if(NOT EXISTS ${_blst_src}/build.sh)
  file(ARCHIVE_EXTRACT INPUT ${_blst_tgz} DESTINATION ${_blst_dir} PATTERNS package/blst)
  if(NOT EXISTS ${_blst_src}/build.sh OR NOT EXISTS ${_blst_src}/bindings/blst.h)
    message(FATAL_ERROR "blst: ${_blst_tgz_name} has no package/blst/build.sh")
  endif()
endif()

# build.sh writes libblst.a into its working directory and deletes *.o there.
file(MAKE_DIRECTORY ${_blst_dir}/lib)
add_custom_command(
  OUTPUT ${_blst_lib}
  COMMAND sh -c "CC='${CMAKE_C_COMPILER}' CFLAGS='-O2 -fno-builtin -fPIC -Wall -Wextra' \
sh '${_blst_src}/build.sh' -D__BLST_PORTABLE__ >build.log 2>&1 || { cat build.log; exit 1; }"
  WORKING_DIRECTORY ${_blst_dir}/lib
  DEPENDS ${_blst_src}/build.sh ${CMAKE_CURRENT_LIST_DIR}/blst.sha512
  COMMENT "Building blst ${SIGNATORY_BLST_VERSION} (libblst.a)"
  VERBATIM)
add_custom_target(blst_build DEPENDS ${_blst_lib})

add_library(blst STATIC IMPORTED GLOBAL)
set_target_properties(blst PROPERTIES IMPORTED_LOCATION ${_blst_lib})
# SYSTEM: blst.h is not ours to keep -Wextra-clean.
target_include_directories(blst SYSTEM INTERFACE ${_blst_src}/bindings)
add_dependencies(blst blst_build)

target_link_libraries(sig_crypto PUBLIC blst)
