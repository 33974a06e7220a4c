# RSVP API headers: include/rapi.h (Open Group C809 dialect by default, ISI
# dialect with RAPI_ISI_COMPAT), rapi_lib.h (the ISI dialect), rapi_err.h
# and qtoqsapi.h (IBM i QoS sockets).
#
# Compile-only checks: the sources name library functions, so they are
# compiled and never linked (nothing here needs libnetcompat).
#  1. Object libraries, built with the build (a header problem fails it):
#     rapi_header_check.c as C89, C99 and C11 and rapi_header_check.cpp as
#     C++98, C++11 and C++17, each in both dialects; the ISI-style program
#     rapi_isi_dialect.c (also as gnu11, where glibc supplies u_char) and the
#     Open Group program rapi_spec_dialect.c as C89, C99 and C11. All with
#     -Wall -Wextra -Werror -pedantic -pedantic-errors (C++: -Wold-style-cast).
#  2. The same compilations as ctest tests (rapi_hdr_*), so `ctest -R rapi`
#     reports each standard and dialect, plus two tests that must be
#     rejected by the compiler: ISI code after the Open Group rapi.h
#     (rapi_lib.h's #error), and Open Group code compiled in the ISI
#     dialect (the function-type typedef cannot be shared).
set(NC_RAPI_WARNINGS -Wall -Wextra -Werror -pedantic -pedantic-errors -Wshadow -Wundef)
set(NC_RAPI_C_WARNINGS ${NC_RAPI_WARNINGS}
  -Wstrict-prototypes -Wold-style-definition -Wmissing-prototypes)
set(NC_RAPI_CXX_WARNINGS ${NC_RAPI_WARNINGS} -Wold-style-cast)
set(NC_RAPI_INCLUDE ${CMAKE_SOURCE_DIR}/include)

# name|source|language|standard|definitions ("-" for none)
set(NC_RAPI_CHECKS
  "check_spec_c89|rapi_header_check.c|C|89|-"
  "check_spec_c99|rapi_header_check.c|C|99|-"
  "check_spec_c11|rapi_header_check.c|C|11|-"
  "check_isi_c89|rapi_header_check.c|C|89|RAPI_ISI_COMPAT"
  "check_isi_c99|rapi_header_check.c|C|99|RAPI_ISI_COMPAT"
  "check_isi_c11|rapi_header_check.c|C|11|RAPI_ISI_COMPAT"
  "check_spec_cxx98|rapi_header_check.cpp|CXX|98|-"
  "check_spec_cxx11|rapi_header_check.cpp|CXX|11|-"
  "check_spec_cxx17|rapi_header_check.cpp|CXX|17|-"
  "check_isi_cxx98|rapi_header_check.cpp|CXX|98|RAPI_ISI_COMPAT"
  "check_isi_cxx11|rapi_header_check.cpp|CXX|11|RAPI_ISI_COMPAT"
  "check_isi_cxx17|rapi_header_check.cpp|CXX|17|RAPI_ISI_COMPAT"
  "isi_dialect_c89|rapi_isi_dialect.c|C|89|-"
  "isi_dialect_c99|rapi_isi_dialect.c|C|99|-"
  "isi_dialect_c11|rapi_isi_dialect.c|C|11|-"
  "isi_dialect_gnu11|rapi_isi_dialect.c|C|gnu11|-"
  "spec_dialect_c89|rapi_spec_dialect.c|C|89|-"
  "spec_dialect_c99|rapi_spec_dialect.c|C|99|-"
  "spec_dialect_c11|rapi_spec_dialect.c|C|11|-")

foreach(check IN LISTS NC_RAPI_CHECKS)
  string(REPLACE "|" ";" parts "${check}")
  list(GET parts 0 name)
  list(GET parts 1 src)
  list(GET parts 2 lang)
  list(GET parts 3 std)
  list(GET parts 4 defs)
  set(target rapi_hdr_${name})
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${src})

  # 1. object library
  add_library(${target} OBJECT ${src})
  target_include_directories(${target} PRIVATE ${NC_RAPI_INCLUDE})
  if(NOT defs STREQUAL "-")
    target_compile_definitions(${target} PRIVATE ${defs})
  endif()
  if(lang STREQUAL "C")
    if(std STREQUAL "gnu11")
      set_target_properties(${target} PROPERTIES
        C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS ON)
      set(flag_std -std=gnu11)
    else()
      if(std EQUAL 89)
        set(cmake_std 90) # CMake's name for ISO C89/C90
      else()
        set(cmake_std ${std})
      endif()
      set_target_properties(${target} PROPERTIES
        C_STANDARD ${cmake_std} C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
      set(flag_std -std=c${std})
    endif()
    target_compile_options(${target} PRIVATE ${NC_RAPI_C_WARNINGS})
    set(compiler ${CMAKE_C_COMPILER})
    set(warnings ${NC_RAPI_C_WARNINGS})
  else()
    set_target_properties(${target} PROPERTIES
      CXX_STANDARD ${std} CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
    target_compile_options(${target} PRIVATE ${NC_RAPI_CXX_WARNINGS})
    set(flag_std -std=c++${std})
    set(compiler ${CMAKE_CXX_COMPILER})
    set(warnings ${NC_RAPI_CXX_WARNINGS})
  endif()

  # 2. the same compilation as a ctest test
  set(defflags "")
  if(NOT defs STREQUAL "-")
    set(defflags -D${defs})
  endif()
  add_test(NAME ${target}
    COMMAND ${compiler} ${flag_std} ${warnings} ${defflags} -I${NC_RAPI_INCLUDE}
            -c ${src} -o ${CMAKE_CURRENT_BINARY_DIR}/${target}.test.o)
  set_tests_properties(${target} PROPERTIES TIMEOUT 120)
endforeach()

# Dialects cannot be mixed: these compilations must fail, for the reason given.
add_test(NAME rapi_hdr_reject_isi_after_spec_rapi_h
  COMMAND ${CMAKE_C_COMPILER} -std=c11 -I${NC_RAPI_INCLUDE} -include rapi.h
          -fsyntax-only ${CMAKE_CURRENT_SOURCE_DIR}/rapi_isi_dialect.c)
set_tests_properties(rapi_hdr_reject_isi_after_spec_rapi_h PROPERTIES TIMEOUT 120
  PASS_REGULAR_EXPRESSION "rapi_lib.h \\(ISI dialect\\) included after rapi.h")
add_test(NAME rapi_hdr_reject_spec_code_in_isi_dialect
  COMMAND ${CMAKE_C_COMPILER} -std=c11 -DRAPI_ISI_COMPAT -I${NC_RAPI_INCLUDE}
          -fsyntax-only ${CMAKE_CURRENT_SOURCE_DIR}/rapi_spec_dialect.c)
set_tests_properties(rapi_hdr_reject_spec_code_in_isi_dialect PROPERTIES TIMEOUT 120
  PASS_REGULAR_EXPRESSION "my_upcall.*redeclared as different kind of symbol|my_upcall.*redefinition")
