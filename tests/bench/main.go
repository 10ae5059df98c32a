// Command bench measures, in one run on one warm build, where synthesis time goes: the jsii
// floor, the app (all environments and each alone), peak memory of the whole process tree,
// the offline terraform init/validate/plan of each stack with the real provider, and `go test`
// wall time, and how synth grows with environments and services against the floor of as many
// stacks. `make bench` runs it and fails when a budget is over (the budgets are checked here,
// never in a timed unit test).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scalepayments/infra/help/naming"
)

func main() {
	runs := flag.Int("runs", 5, "rounds of the shipped stacks' measurements")
	growthRuns := flag.Int("growth-runs", 3, "rounds per row of the growth table (median: one round is too noisy for the growth budget)")
	testRuns := flag.Int("test-runs", 3, "runs of go test")
	flag.Parse()
	dir, err := os.MkdirTemp("", "scalepayments-bench")
	must(err)
	defer os.RemoveAll(dir)

	bins := map[string]string{}
	for name, pkg := range map[string]string{"floor": "./tests/bench/floor", "app": ".", "growth": "./tests/bench/growth", "offline": "./tests/offline"} {
		bins[name] = filepath.Join(dir, name)
		must(run(nil, "go", "build", "-o", bins[name], pkg))
	}

	outdir := func(name string) string { return filepath.Join(dir, "out-"+naming.Slug(name)) }
	var rows []row
	// measure runs the programs in turns, n rounds, so a slow phase of this VM (runs of one
	// program vary by up to 30%) falls on all of them alike: compare them round by round.
	measure := func(n int, progs ...program) []row {
		out := make([]row, len(progs))
		for i := 0; i < n; i++ {
			for j, p := range progs {
				o := outdir(p.name)
				os.RemoveAll(o)
				wall, peak, stdout := timed(append(p.env, "CDKTF_OUTDIR="+o), p.bin, p.args...)
				out[j].name = p.name
				out[j].wall, out[j].rssMB, out[j].stdout = append(out[j].wall, wall), append(out[j].rssMB, peak), stdout
			}
		}
		rows = append(rows, out...)
		return out
	}
	floorOf := func(stacks int) program {
		return program{fmt.Sprintf("floor: %d near-empty stacks", stacks), bins["floor"], []string{"-stacks", fmt.Sprint(stacks)}, nil}
	}
	// The shipped stacks: 3 environments and their 2 account stacks.
	progs := []program{floorOf(5), {"app: dev+staging+prod and their accounts", bins["app"], nil, nil}}
	for _, env := range []string{"dev", "staging", "prod"} {
		progs = append(progs, program{"app: " + env + " alone (and its account)", bins["app"], nil, []string{"SCALEPAYMENTS_ENVIRONMENTS=" + env}})
	}
	shipped := measure(*runs, progs...)
	floor, app := shipped[0], shipped[1]
	// The offline plan of the stacks the app run wrote (tests/offline prints its timings).
	plan := exec.Command(bins["offline"], "-outdir", outdir(app.name), "-app", bins["app"])
	plan.Stderr = os.Stderr
	planned, err := plan.Output()
	must(err)

	// How synth grows: environments (3 services each), then services in one environment.
	var growth []grown
	for _, g := range [][2]int{{1, 3}, {3, 3}, {6, 3}, {12, 3}, {1, 6}, {1, 12}, {1, 24}} {
		grownProg := program{fmt.Sprintf("grown: %d environments x %d services", g[0], g[1]), bins["growth"],
			[]string{"-envs", fmt.Sprint(g[0]), "-services", fmt.Sprint(g[1])}, nil}
		var stacks, resources int
		_, _, counted := timed(nil, grownProg.bin, append(grownProg.args, "-count")...)
		fmt.Sscanf(counted, "stacks %d", &stacks)
		pair := measure(*growthRuns, grownProg, floorOf(stacks))
		fmt.Sscanf(pair[0].stdout, "stacks %d resources %d", &stacks, &resources)
		growth = append(growth, grown{g[0], g[1], stacks, resources, median(pair[0].wall), median(pair[1].wall),
			pairedMedian(pair[0].wall, pair[1].wall, func(a, b float64) float64 { return a - b }), median(pair[0].rssMB)})
	}

	tests := goTest(*testRuns)

	fmt.Printf("\n| measurement | wall s min / median / max | peak RSS MB (Go + node) min / median / max |\n|---|---|---|\n")
	for _, r := range rows[:5] {
		fmt.Printf("| %s | %s | %s |\n", r.name, stats(r.wall, "%.2f"), stats(r.rssMB, "%.0f"))
	}
	fmt.Printf("| go test -count=1 (warm build, %d runs) | %s | |\n", *testRuns, stats(tests, "%.1f"))
	ratio := pairedMedian(app.wall, floor.wall, func(a, b float64) float64 { return a / b })
	fmt.Printf("\napp / floor (median of the %d rounds' ratios): %.2f (medians: %.2f / %.2f = %.2f)\n",
		*runs, ratio, median(app.wall), median(floor.wall), median(app.wall)/median(floor.wall))

	fmt.Printf("\n| grown platform | stacks | resources | synth s | floor s | above floor s | ms per resource | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n")
	for _, g := range growth {
		fmt.Printf("| %d env x %d services | %d | %d | %.2f | %.2f | %.2f | %.2f | %.0f |\n",
			g.envs, g.services, g.stacks, g.resources, g.wall, g.floor, g.above, 1000*g.above/float64(g.resources), g.rss)
	}
	perEnv, twelve := growth[0].above, growth[3].above

	planSeconds := 0.0
	for _, m := range planTimes.FindAllStringSubmatch(string(planned), -1) {
		for _, v := range m[1:] {
			var f float64
			fmt.Sscan(v, &f)
			planSeconds += f
		}
	}
	fmt.Printf("\nOffline terraform with the real AWS provider, per stack:\n\n%s", planned)
	fmt.Printf("\nsynth %.1f s + init/validate/plan %.1f s: synth is %.0f%% of the loop a user feels\n",
		median(app.wall), planSeconds, 100*median(app.wall)/(median(app.wall)+planSeconds))

	failed := false
	budget := func(ok bool, format string, args ...any) {
		verdict := "ok  "
		if !ok {
			verdict, failed = "OVER", true
		}
		fmt.Printf("budget %s "+format+"\n", append([]any{verdict}, args...)...)
	}
	fmt.Println()
	budget(ratio <= 1.3, "app synth %.2f x the floor (<= 1.3)", ratio)
	budget(twelve <= 12*perEnv, "12 environments %.2f s above the floor, 12 x one environment %.2f s (no super-linear growth)", twelve, 12*perEnv)
	budget(median(app.rssMB) <= 1536, "peak memory %.0f MB (<= 1536)", median(app.rssMB))
	budget(median(tests) <= 30, "go test %.1f s warm (<= 30)", median(tests))
	if failed {
		os.Exit(1)
	}
}

var planTimes = regexp.MustCompile(`init ([0-9.]+) s, validate ([0-9.]+) s\); plan: [0-9]+ to add, 0 warnings \(([0-9.]+) s\)`)

type program struct {
	name      string
	bin       string
	args, env []string
}

type row struct {
	name        string
	wall, rssMB []float64
	stdout      string
}

type grown struct {
	envs, services, stacks, resources int
	wall, floor, above, rss           float64 // above: the median of the rounds' differences
}

// pairedMedian is the median of f over the rounds' pairs (a[i], b[i]).
func pairedMedian(a, b []float64, f func(a, b float64) float64) float64 {
	var v []float64
	for i := range a {
		v = append(v, f(a[i], b[i]))
	}
	return median(v)
}

func goTest(n int) []float64 {
	var tests []float64
	pkgs, err := exec.Command("go", "list", "./...").Output()
	must(err)
	var list []string
	for _, p := range strings.Fields(string(pkgs)) {
		if !strings.Contains(p, "/node_modules/") {
			list = append(list, p)
		}
	}
	for i := 0; i < n; i++ {
		start := time.Now()
		must(run(nil, "go", append([]string{"test", "-count=1"}, list...)...))
		tests = append(tests, time.Since(start).Seconds())
	}
	return tests
}

// timed runs bin and returns its wall time, the peak summed RSS of its process tree and what
// it printed.
func timed(env []string, bin string, args ...string) (float64, float64, string) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, nil
	start := time.Now()
	must(cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	peak := 0.0
	for {
		select {
		case err := <-done:
			must(err)
			return time.Since(start).Seconds(), peak / 1024, stdout.String()
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
