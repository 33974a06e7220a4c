# Header conformance: include/ssextagent.h and include/extagent.h compile
# cleanly as C89, C99, C11, C++98, C++11 and C++17 with -Wall -Wextra
# -Werror -pedantic, and every function has its exact legacy prototype.
# A header problem fails the build; each executable is also a ctest test
# (it makes a few calls that need no peer, proving the names link and load).
set(NC_HEADER_WARNINGS -Wall -Wextra -Werror -pedantic -pedantic-errors)

foreach(std 89 99 11)
  set(target header_conformance_c${std})
  if(std EQUAL 89)
    set(cmake_std 90) # CMake's name for ISO C89/C90
  else()
    set(cmake_std ${std})
  endif()
  add_executable(${target} ${CMAKE_CURRENT_SOURCE_DIR}/header_conformance.c)
  set_target_properties(${target} PROPERTIES
    C_STANDARD ${cmake_std} C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE ${NC_HEADER_WARNINGS}
    -Wstrict-prototypes -Wold-style-definition -Wmissing-prototypes
    -Wshadow -Wundef)
  target_link_libraries(${target} PRIVATE netcompat)
  add_test(NAME ${target} COMMAND ${target})
  set_tests_properties(${target} PROPERTIES TIMEOUT 60
    ENVIRONMENT "NETCOMPAT_LOG=${CMAKE_CURRENT_BINARY_DIR}/${target}.log")
endforeach()

foreach(std 98 11 17)
  set(target header_conformance_cxx${std})
  add_executable(${target} ${CMAKE_CURRENT_SOURCE_DIR}/header_conformance.cpp)
  set_target_properties(${target} PROPERTIES
    CXX_STANDARD ${std} CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE ${NC_HEADER_WARNINGS}
    -Wshadow -Wundef -Wold-style-cast)
  target_link_libraries(${target} PRIVATE netcompat)
  add_test(NAME ${target} COMMAND ${target})
  set_tests_properties(${target} PROPERTIES TIMEOUT 60
    ENVIRONMENT "NETCOMPAT_LOG=${CMAKE_CURRENT_BINARY_DIR}/${target}.log")
endforeach()
