# install: `cmake --install` into a scratch prefix, then build and run a
# program against it through find_package(netcompat), pkg-config, and the
# legacy -lssextagent link line (scripts/test-install.sh).
find_program(NC_PKG_CONFIG NAMES pkg-config pkgconf)
if(NOT NC_PKG_CONFIG)
  set(NC_PKG_CONFIG pkg-config) # the test then fails, saying so
endif()
add_test(NAME install
  COMMAND ${CMAKE_COMMAND} -E env
          CC=${CMAKE_C_COMPILER} CMAKE=${CMAKE_COMMAND}
          READELF=${CMAKE_READELF} PKG_CONFIG=${NC_PKG_CONFIG}
          sh ${CMAKE_SOURCE_DIR}/scripts/test-install.sh
          ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(install PROPERTIES TIMEOUT 600)
