#!/bin/sh
# jsii-runtime-go runs "$JSII_NODE <dir>/bin/jsii-runtime.js". That script is a relay: it starts
# <dir>/lib/program.js, the jsii kernel, as a second Node.js process with a socket on descriptor 3,
# and copies every request and response between the two. This starts the kernel in its place:
# descriptor 3 reads the Go process's requests (stdin), and kernel.js sends what the kernel writes
# on 3 to descriptor 4 (the Go process's stdout). Node.js's own stdout and stderr both go to the
# Go process's stderr as they are (the relay wrapped them in JSON lines, and sent stdout to stdout;
# cdktf writes only warnings, to stderr). Descriptor 0 is /dev/null, as under the relay: were
# it the request pipe, a read of process.stdin would make descriptor 3 non-blocking too, which the
# kernel's synchronous reads do not handle.
[ "$1" = --probe ] && { command -v node >/dev/null; exit; } # Use checks that this can run node
exec node --preserve-symlinks --require "${0%/*}/kernel.js" "${1%/*}/../lib/program.js" 3<&0 0</dev/null 4>&1 1>&2
