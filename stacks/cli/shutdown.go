package cli

import (
	"bytes"
	"io"
	"os"

	"github.com/aws/jsii-runtime-go"
)

// RaceLine is what jsii-runtime-go 1.112 prints when jsii.Close and its own watcher both wait for
// the Node.js process and the watcher loses (measured: 4 runs in 5): a race in the library, not a
// failure. It writes it with no newline.
const RaceLine = "Runtime process exited abnormally: waitid: no child processes"

// Close runs jsii.Close, which stops the kernel and removes the runtime jsii-runtime-go extracted
// into the temporary directory, with stderr passed through filter: every other byte reaches the
// user. Call it last: stderr stays closed after it, so a race line printed after Close returns is
// dropped too (the library's watcher prints nothing else once the kernel exits normally).
func Close() { closeFiltered(jsii.Close) }

func closeFiltered(closeJSII func()) {
	real := os.Stderr
	r, w, err := os.Pipe()
	if err != nil {
		closeJSII()
		return
	}
	done := make(chan struct{})
	go func() {
		filter(real, r)
		close(done)
	}()
	os.Stderr = w
	closeJSII()
	w.Close()
	<-done
}

// filter copies in to out without RaceLine.
func filter(out io.Writer, in io.Reader) {
	all, _ := io.ReadAll(in)
	out.Write(bytes.Replace(all, []byte(RaceLine), nil, 1))
}
