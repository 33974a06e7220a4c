# Header conformance of include/webtp.h: C89, C99, C11 (and gnu11 with
# _GNU_SOURCE, glibc's transparent sockaddr arguments), C++98, C++11 and
# C++17, all with -Wall -Wextra -Werror -pedantic. Each is an executable
# (a header problem fails the build) and a ctest test (it runs calls that
# fall through to the C library).
set(NC_WEBTP_HDR_WARNINGS -Wall -Wextra -Werror -pedantic -pedantic-errors -Wshadow -Wundef)

foreach(std 89 99 11 gnu11)
  set(target webtp_header_c${std})
  add_executable(${target} ${CMAKE_CURRENT_SOURCE_DIR}/webtp_header_check.c)
  if(std STREQUAL "gnu11")
    set_target_properties(${target} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS ON)
    target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  else()
    if(std EQUAL 89)
      set(cmake_std 90)
    else()
      set(cmake_std ${std})
    endif()
    set_target_properties(${target} PROPERTIES
      C_STANDARD ${cmake_std} C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  endif()
  target_compile_options(${target} PRIVATE ${NC_WEBTP_HDR_WARNINGS}
    -Wstrict-prototypes -Wold-style-definition -Wno-declaration-after-statement)
  target_link_libraries(${target} PRIVATE netcompat)
  add_test(NAME ${target} COMMAND ${target})
  set_tests_properties(${target} PROPERTIES TIMEOUT 60)
endforeach()

foreach(std 98 11 17)
  set(target webtp_header_cxx${std})
  add_executable(${target} ${CMAKE_CURRENT_SOURCE_DIR}/webtp_header_check.cpp)
  set_target_properties(${target} PROPERTIES
    CXX_STANDARD ${std} CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE ${NC_WEBTP_HDR_WARNINGS} -Wold-style-cast)
  target_link_libraries(${target} PRIVATE netcompat)
  add_test(NAME ${target} COMMAND ${target})
  set_tests_properties(${target} PROPERTIES TIMEOUT 60)
endforeach()
