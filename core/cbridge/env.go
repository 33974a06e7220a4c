package cbridge

import "os"

// Getenv reads the process environment as the C program sees it; every
// package reads its settings through it.
//
// Inside a C program os.Getenv sees only the environment the process
// started with, not what the program set with setenv(3) before its first
// call into the library (golang/go#44108), and a legacy program configuring
// itself that way is normal. The C layer (capi) sets this to getenv(3)
// when the core loads; pure Go tests keep os.Getenv.
var Getenv = os.Getenv
