# exports: libnetcompat.so.1 defines exactly the global names of its version
# script (capi/front/libnetcompat.map) and has SONAME libnetcompat.so.1; the
# Go core libnetcompat-go.so.1 defines only nc_* names.
add_test(NAME exports
  COMMAND ${CMAKE_COMMAND} -E env NM=${CMAKE_NM} READELF=${CMAKE_READELF}
          sh ${CMAKE_SOURCE_DIR}/scripts/check-exports.sh
          $<TARGET_FILE_DIR:netcompat>/libnetcompat.so.1
          ${NC_CORE}
          ${NC_FRONT_MAP})
set_tests_properties(exports PROPERTIES TIMEOUT 120)
