#!/bin/sh
# jsii-runtime-go runs "$JSII_NODE <dir>/bin/jsii-runtime.js". That script is a relay: it starts
# <dir>/lib/program.js, the jsii kernel, as a second Node.js process with a socket on descriptor 3,
# and copies every request and response between the two. This starts the kernel in its place:
# descriptor 3 reads the Go process's requests (stdin), kernel.js sends what the kernel writes on
# 3 to descriptor 4 (the Go process's stdout), and Node.js's own stdout goes to stderr, which the
# Go runtime passes through.
[ "$1" = --probe ] && exit 0 # Use checks that the temporary directory lets it run
exec node --preserve-symlinks --require "$(dirname "$0")/kernel.js" "$(dirname "$1")/../lib/program.js" 3<&0 4>&1 1>&2
