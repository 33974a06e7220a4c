# WebTP (include/webtp.h).
#
# test_webtp_options reads its traffic classes from a file given through
# WEBTP_CLASSES (the variable a real program would also honour).
set(NC_WEBTP_CLASSES ${CMAKE_CURRENT_BINARY_DIR}/webtp_classes.test)
file(WRITE ${NC_WEBTP_CLASSES}
"# WebTP traffic classes for test_webtp_options: name share [rate]
interactive               4
bulk                      1
realtime_stream           2   20mbit
realtime_stream.elastic   1
realtime_stream.inelastic 3   10mbit
buffered_stream           1
test_video                1   10mbit
test_video.layer          1
test_video.layer.base     1
")
set_tests_properties(test_webtp_options PROPERTIES
  ENVIRONMENT "NETCOMPAT_LOG=${CMAKE_CURRENT_BINARY_DIR}/test_webtp_options.log;WEBTP_CLASSES=${NC_WEBTP_CLASSES}")
# Transfers of tens of MiB: generous, but not ctest's default.
set_tests_properties(test_webtp_adu test_webtp_flow PROPERTIES TIMEOUT 300)
