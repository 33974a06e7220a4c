# RSerPool headers: include/rserpool.h, rserpool-policytypes.h,
# rserpool-csp.h, rserpool-internals.h, tagitem.h and the include/rserpool/
# forwarders rsplib programs include.
#
# 1. Compile-only checks (object libraries: compiled with the build, never
#    linked, so they may name functions the library does not export yet).
#    rserpool_header_check.c as C89, C99 and C11, and .cpp as C++98, C++11
#    and C++17, all with -Wall -Wextra -Werror -pedantic -pedantic-errors,
#    plus variants with each compile-time switch of rserpool.h. C99 keeps
#    -pedantic: the .policy alias (an anonymous union, standard from C11
#    and in C++) is marked __extension__ for GCC/Clang in C89/C99 mode.
#    A header problem fails the build.
# 2. The ctest test rserpool_layout: rserpool_layout.c, built as C11 and NOT
#    linked with libnetcompat, checks sizeof/alignof/offsetof of every
#    public struct and member against ../shared/reference/rserpool.md, the
#    value of every constant, every prototype, and (at compile time) that
#    each draft-00 call shape selects its *_draft00 function. It names no
#    rsp_* symbol outside unevaluated operands, so it links without them.
set(NC_RSP_HEADER_WARNINGS -Wall -Wextra -Werror -pedantic -pedantic-errors -Wshadow -Wundef)
set(NC_RSP_C_WARNINGS ${NC_RSP_HEADER_WARNINGS}
  -Wstrict-prototypes -Wold-style-definition -Wmissing-prototypes)
set(NC_RSP_INCLUDE ${CMAKE_SOURCE_DIR}/include)

# name|language standard|compile definitions ("," between them, or "-").
set(NC_RSP_C_CHECKS
  "c89|90|-"
  "c99|99|-"
  "c11|11|-"
  "c99_rsplib_path_first|99|NC_INCLUDE_RSPLIB_PATH_FIRST"
  "c11_api_rsplib|11|RSP_API_RSPLIB"
  "c11_api_draft00|11|RSP_API_DRAFT00"
  "c99_api_draft00|99|RSP_API_DRAFT00"
  "c99_no_dispatch_draft00_bind|99|RSP_NO_ARITY_DISPATCH,RSP_DRAFT00_BIND"
  "c11_draft00_bind|11|RSP_DRAFT00_BIND"
  "c99_no_policy_alias|99|RSP_NO_POLICY_ALIAS")
foreach(check IN LISTS NC_RSP_C_CHECKS)
  string(REPLACE "|" ";" parts "${check}")
  list(GET parts 0 name)
  list(GET parts 1 std)
  list(GET parts 2 defs)
  set(target rserpool_header_check_${name})
  add_library(${target} OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/rserpool_header_check.c)
  set_target_properties(${target} PROPERTIES
    C_STANDARD ${std} C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_include_directories(${target} PRIVATE ${NC_RSP_INCLUDE})
  target_compile_options(${target} PRIVATE ${NC_RSP_C_WARNINGS})
  if(NOT defs STREQUAL "-")
    string(REPLACE "," ";" defs "${defs}")
    target_compile_definitions(${target} PRIVATE ${defs})
  endif()
endforeach()

set(NC_RSP_CXX_CHECKS
  "cxx98|98|-"
  "cxx11|11|-"
  "cxx17|17|-"
  "cxx17_api_draft00|17|RSP_API_DRAFT00"
  "cxx17_api_rsplib|17|RSP_API_RSPLIB")
foreach(check IN LISTS NC_RSP_CXX_CHECKS)
  string(REPLACE "|" ";" parts "${check}")
  list(GET parts 0 name)
  list(GET parts 1 std)
  list(GET parts 2 defs)
  set(target rserpool_header_check_${name})
  add_library(${target} OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/rserpool_header_check.cpp)
  set_target_properties(${target} PROPERTIES
    CXX_STANDARD ${std} CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
  target_include_directories(${target} PRIVATE ${NC_RSP_INCLUDE})
  target_compile_options(${target} PRIVATE ${NC_RSP_HEADER_WARNINGS} -Wold-style-cast)
  if(NOT defs STREQUAL "-")
    target_compile_definitions(${target} PRIVATE ${defs})
  endif()
endforeach()

add_executable(rserpool_layout ${CMAKE_CURRENT_SOURCE_DIR}/rserpool_layout.c)
set_target_properties(rserpool_layout PROPERTIES
  C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
target_include_directories(rserpool_layout PRIVATE ${NC_RSP_INCLUDE})
target_compile_options(rserpool_layout PRIVATE ${NC_RSP_C_WARNINGS})
# Deliberately no target_link_libraries(... netcompat): see above.
add_test(NAME rserpool_layout COMMAND rserpool_layout)
set_tests_properties(rserpool_layout PROPERTIES TIMEOUT 60 SKIP_RETURN_CODE 77)
