package runtask

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The local server's settings.
const (
	// KeyVariable holds the run task's HMAC key (the local server; the Lambda reads a secret).
	KeyVariable = "SCALEPAYMENTS_RUN_TASK_HMAC_KEY"
	// PortVariable is the port to listen on, DefaultPort when unset.
	PortVariable = "PORT"
	DefaultPort  = 8080
	// Workers jobs are judged at once (a plan is parsed whole into memory), and at most
	// PendingJobs wait or run before requests are answered 503.
	Workers     = 4
	PendingJobs = 64

	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	// drainTimeout is how long a stopping server waits for running jobs: inside the 30 s a
	// container gets between SIGTERM and SIGKILL.
	drainTimeout = 25 * time.Second
)

// Main is `scalepayments run-task`: the local run task server on PORT until ctx ends (the
// caller cancels it on SIGINT or SIGTERM). It refuses to start without a valid PORT and an HMAC
// key of at least MinKeyBytes, one line per problem on stderr; logs are JSON lines on stdout.
func Main(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "scalepayments: %s\n", line)
		}
		return 1
	}
	port, key, err := settings(getenv)
	if err != nil {
		return fail(err)
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	runner := NewRunner(RunnerConfig{Getenv: getenv, Logger: log})
	pool := NewPool(runner.Run, Workers, PendingJobs, log)
	h, err := New(Config{Key: StaticKey(key), Dispatch: pool.Dispatch, Logger: log})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "run-task: listening on :%d\n", port)
	if err := Serve(ctx, ln, h, pool); err != nil {
		return fail(err)
	}
	return 0
}

// settings reads the port and the key, every problem at once.
func settings(getenv func(string) string) (port int, key []byte, err error) {
	var errs []error
	port = DefaultPort
	if v := getenv(PortVariable); v != "" {
		p, perr := strconv.Atoi(v)
		if perr != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("%s=%q: allowed a port number from 1 to 65535 (default %d)", PortVariable, v, DefaultPort))
		}
		port = p
	}
	key = []byte(getenv(KeyVariable))
	if len(key) == 0 {
		errs = append(errs, fmt.Errorf("%s is not set: the run task refuses to start without the HMAC key HCP Terraform signs its requests with (at least %d bytes)", KeyVariable, MinKeyBytes))
	} else if kerr := CheckKey(key); kerr != nil {
		errs = append(errs, fmt.Errorf("%s: %v", KeyVariable, kerr))
	}
	return port, key, errors.Join(errs...)
}

// Serve answers on ln until ctx ends, then stops taking requests and gives running jobs up to
// drainTimeout to call back.
func Serve(ctx context.Context, ln net.Listener, h *Handler, pool *Pool) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer cancel()
	err := srv.Shutdown(stop)
	<-served
	return errors.Join(err, pool.Drain(stop))
}
