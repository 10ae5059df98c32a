// Command bench measures, in one run on one warm build, where synthesis time goes: the jsii
// floor, the app (all environments and each alone), peak memory of the whole process tree,
// the offline terraform init/validate/plan of each stack with the real provider, and `go test`
// wall time. `make bench` runs it; nothing here asserts a timing.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 3, "runs per measurement")
	testRuns := flag.Int("test-runs", 3, "runs of go test")
	flag.Parse()
	dir, err := os.MkdirTemp("", "scalepayments-bench")
	must(err)
	defer os.RemoveAll(dir)

	bins := map[string]string{}
	for name, args := range map[string][]string{
		"floor": {"build", "-o", filepath.Join(dir, "floor"), "./tests/bench/floor"},
		"app":   {"build", "-o", filepath.Join(dir, "app"), "."},
	} {
		must(run(nil, "go", args...))
		bins[name] = args[len(args)-2]
	}

	type row struct {
		name        string
		wall, rssMB []float64
	}
	var rows []row
	measure := func(name, bin string, env ...string) row {
		r := row{name: name}
		out := filepath.Join(dir, "out-"+name)
		for i := 0; i < *runs; i++ {
			os.RemoveAll(out)
			wall, peak := timed(append(env, "CDKTF_OUTDIR="+out), bin)
			r.wall = append(r.wall, wall)
			r.rssMB = append(r.rssMB, peak)
		}
		rows = append(rows, r)
		return r
	}
	floor := measure("floor: 3 near-empty stacks", bins["floor"])
	app := measure("app: dev+staging+prod", bins["app"])
	for _, env := range []string{"dev", "staging", "prod"} {
		measure("app: "+env+" alone", bins["app"], "SCALEPAYMENTS_ENVIRONMENTS="+env)
	}
	// The offline plan of the stacks the last app run wrote (tests/offline prints its timings).
	plan := exec.Command("go", "run", "./tests/offline", "-outdir", filepath.Join(dir, "out-app"))
	plan.Stderr = os.Stderr
	planned, err := plan.Output()
	must(err)

	var tests []float64
	pkgs, err := exec.Command("go", "list", "./...").Output()
	must(err)
	var list []string
	for _, p := range strings.Fields(string(pkgs)) {
		if !strings.Contains(p, "/node_modules/") {
			list = append(list, p)
		}
	}
	for i := 0; i < *testRuns; i++ {
		start := time.Now()
		must(run(nil, "go", append([]string{"test", "-count=1"}, list...)...))
		tests = append(tests, time.Since(start).Seconds())
	}

	fmt.Printf("\n| measurement (%d runs) | wall s min / median / max | peak RSS MB (Go + node) min / median / max |\n|---|---|---|\n", *runs)
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s |\n", r.name, stats(r.wall, "%.2f"), stats(r.rssMB, "%.0f"))
	}
	fmt.Printf("| go test -count=1 (warm build, %d runs) | %s | |\n", *testRuns, stats(tests, "%.1f"))
	fmt.Printf("\napp / floor (median wall): %.2f\n", median(app.wall)/median(floor.wall))
	fmt.Printf("\nOffline terraform with the real AWS provider, per stack:\n\n%s", planned)
}

// timed runs bin and returns its wall time and the peak summed RSS of its process tree.
func timed(env []string, bin string) (float64, float64) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = nil, nil
	start := time.Now()
	must(cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	peak := 0.0
	for {
		select {
		case err := <-done:
			must(err)
			return time.Since(start).Seconds(), peak / 1024
		case <-time.After(20 * time.Millisecond):
			peak = max(peak, treeRSSKiB(cmd.Process.Pid))
		}
	}
}

// treeRSSKiB sums VmRSS over pid and all its descendants, read from /proc.
func treeRSSKiB(root int) float64 {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if ppid, err := strconv.Atoi(fields[1]); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	total := 0.0
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = append(queue[1:], children[pid]...)
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
				total += kb
			}
		}
	}
	return total
}

func stats(v []float64, format string) string {
	s := slices.Clone(v)
	slices.Sort(s)
	return fmt.Sprintf(format+" / "+format+" / "+format, s[0], median(s), s[len(s)-1])
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func run(env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
