# rsplib_real_headers: a program built against rsplib's OWN installed
# headers (Debian's librsplib-dev: /usr/include/rserpool) runs unchanged on
# netcompat. tests/c/rsplib_real_headers.c is compiled at test time (the
# headers may be installed after configuring; scripts/deps.sh installs them
# when run as root, so `make test` has them) and linked three ways, each run
# against the registrar (RSPREGISTRAR) with LD_BIND_NOW=1:
#
#   newbuild  -L<build> -lrsplib: netcompat's ld script, so DT_NEEDED
#             libnetcompat.so.1 (how programs built now link);
#   binary    against Debian's real librsplib.so (DT_NEEDED librsplib.so.3,
#             as every program built against rsplib has), then run with
#             LD_LIBRARY_PATH=<build>: netcompat's librsplib.so.3 serves
#             the unchanged binary;
#   both      DT_NEEDED librsplib.so.3 and libnetcompat.so.1: one copy.
#
# The program itself checks that libnetcompat.so.1 of the build directory
# and its Go core serve it, once, and that nothing of the real rsplib is
# mapped. Without the headers the test is skipped (exit 77).
#
# This file is included by tests/c/CMakeLists.txt (registers the test) and
# run by the test as `cmake -P` (the steps).

if(NOT CMAKE_SCRIPT_MODE_FILE)
  set(NC_RSPLIB_INCLUDE_DIR /usr/include/rserpool CACHE PATH
    "rsplib's installed headers (Debian librsplib-dev) for the rsplib_real_headers test")
  if(TARGET tool_rspregistrar AND TARGET netcompat_rsplib3)
    add_test(NAME rsplib_real_headers
      COMMAND sh -c "if ! [ -f \"$1/rserpool.h\" ]; then echo \"SKIP: rsplib's own headers are not installed ($1/rserpool.h is missing): apt-get install librsplib-dev (scripts/deps.sh does as root)\"; exit 77; fi; shift; exec \"$@\""
              sh ${NC_RSPLIB_INCLUDE_DIR}
              ${CMAKE_COMMAND}
              -DCC=${CMAKE_C_COMPILER} -DREADELF=${CMAKE_READELF}
              -DINC=${NC_RSPLIB_INCLUDE_DIR}
              -DLIBDIR=$<TARGET_FILE_DIR:netcompat>
              -DSRC=${CMAKE_CURRENT_SOURCE_DIR}/rsplib_real_headers.c
              -DOUT=${CMAKE_CURRENT_BINARY_DIR}/rsplib_real_headers
              -P ${CMAKE_CURRENT_LIST_FILE})
    set_tests_properties(rsplib_real_headers PROPERTIES
      SKIP_RETURN_CODE 77 TIMEOUT 300
      ENVIRONMENT "RSPREGISTRAR=${CMAKE_BINARY_DIR}/rspregistrar;NETCOMPAT_LOG=${CMAKE_CURRENT_BINARY_DIR}/rsplib_real_headers.log")
  endif()
  return()
endif()

# ---------------------------------------------------------------------------
# cmake -P: CC READELF INC LIBDIR SRC OUT
# ---------------------------------------------------------------------------
cmake_minimum_required(VERSION 3.21)
foreach(v CC READELF INC LIBDIR SRC OUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "rsplib_headers.cmake: -D${v}= is missing")
  endif()
endforeach()

# Debian's real library, for the "binary" build.
execute_process(COMMAND ${CC} -print-file-name=librsplib.so
  OUTPUT_VARIABLE debian_rsplib OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT IS_ABSOLUTE "${debian_rsplib}" OR NOT EXISTS "${debian_rsplib}")
  message(FATAL_ERROR "rsplib's headers are in ${INC} but ${CC} finds no librsplib.so (librsplib-dev is incomplete)")
endif()
get_filename_component(debian_rsplib "${debian_rsplib}" REALPATH)
message(STATUS "rsplib headers: ${INC}; real rsplib: ${debian_rsplib}; netcompat: ${LIBDIR}")

# No -I of netcompat's include/: only rsplib's headers (the program #errors
# if netcompat's rserpool.h reaches it).
set(cflags -std=gnu11 -Wall -Wextra -Werror -I${INC})
set(link_newbuild -L${LIBDIR} -lrsplib -Wl,-rpath,${LIBDIR})
set(link_binary ${debian_rsplib})
set(link_both -Wl,--no-as-needed ${LIBDIR}/librsplib.so.3 -L${LIBDIR} -lrsplib -Wl,-rpath,${LIBDIR})
# DT_NEEDED wanted / not wanted, NC_EXPECT_STUB, extra environment
set(needed_newbuild libnetcompat.so.1)
set(unneeded_newbuild librsplib.so.3)
set(stub_newbuild 0)
set(env_newbuild --unset=LD_LIBRARY_PATH)
set(needed_binary librsplib.so.3)
set(unneeded_binary libnetcompat.so.1)
set(stub_binary 1)
set(env_binary LD_LIBRARY_PATH=${LIBDIR})
set(needed_both librsplib.so.3 libnetcompat.so.1)
set(unneeded_both)
set(stub_both 1)
set(env_both --unset=LD_LIBRARY_PATH)

set(failed)
foreach(way newbuild binary both)
  set(exe ${OUT}-${way})
  string(REPLACE ";" " " shown "${link_${way}}")
  message(STATUS "---- ${way}: ${CC} ${SRC} ${shown}")
  execute_process(COMMAND ${CC} ${cflags} -o ${exe} ${SRC} ${link_${way}} -ldl
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(APPEND failed "${way}: does not compile and link")
    continue()
  endif()
  execute_process(COMMAND ${READELF} -d ${exe} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
  string(REGEX MATCHALL "\\(NEEDED\\)[^[]*\\[[^]]*\\]" needed_lines "${dyn}")
  set(needed)
  foreach(l IN LISTS needed_lines)
    string(REGEX REPLACE ".*\\[(.*)\\]" "\\1" n "${l}")
    list(APPEND needed ${n})
  endforeach()
  message(STATUS "${way}: DT_NEEDED ${needed}")
  foreach(n IN LISTS needed_${way})
    if(NOT n IN_LIST needed)
      list(APPEND failed "${way}: DT_NEEDED lacks ${n} (${needed})")
    endif()
  endforeach()
  foreach(n IN LISTS unneeded_${way})
    if(n IN_LIST needed)
      list(APPEND failed "${way}: DT_NEEDED has ${n} (${needed})")
    endif()
  endforeach()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env_${way}} LD_BIND_NOW=1
      NC_EXPECT_DIR=${LIBDIR} NC_EXPECT_STUB=${stub_${way}} ${exe}
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(APPEND failed "${way}: the program failed (${rc})")
  else()
    message(STATUS "${way}: ok")
  endif()
endforeach()

if(failed)
  string(REPLACE ";" "\n  " failed "${failed}")
  message(FATAL_ERROR "rsplib_real_headers FAILED:\n  ${failed}")
endif()
message(STATUS "rsplib_real_headers: all three ways ran on netcompat")
