#!/bin/sh
# The VM has no Go toolchain, but core/rserpool/session's TestMain builds
# the registrar with `go build -o OUT netcompat/cmd/rspregistrar`
# (registrartest.Build). This stand-in for `go` copies the rspregistrar that
# run.sh shipped (the build tree's, named by RSPREGISTRAR) instead, and
# refuses anything else so that a new use of the toolchain shows up.
if [ "$1" = build ] && [ "$2" = -o ] && [ "$4" = netcompat/cmd/rspregistrar ] && [ $# -eq 4 ]; then
	exec cp "$RSPREGISTRAR" "$3"
fi
echo "go (VM stand-in): cannot run: go $*" >&2
exit 2
