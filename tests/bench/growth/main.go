// Command growth synthesizes a platform grown on purpose, for `make bench`: -envs copies of the
// shipped environments (non-overlapping CIDRs, their own zones) with -services services each,
// through the app's own path (stacks.Build, synth, the policy pack over what cdktf wrote). It
// prints the resource count; bench measures its time and memory.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/judge"
)

var (
	n     = flag.Int("envs", 3, "environments")
	m     = flag.Int("services", 3, "services per environment")
	count = flag.Bool("count", false, "print the number of stacks only, without jsii (bench sizes the floor by it)")
)

func main() {
	flag.Parse()
	code := run()
	jsii.Close() // every path closes jsii: it extracts its runtime into /tmp at init
	os.Exit(code)
}

func run() int {
	envs := Grown(*n, *m)
	var accounts []envconfig.Account // the accounts the grown environments use
	for _, a := range envconfig.Accounts() {
		if slices.ContainsFunc(envs, func(e envconfig.Environment) bool { return e.Account == a.Name }) {
			accounts = append(accounts, a)
		}
	}
	if err := envconfig.ValidateAll(envs, accounts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if *count {
		fmt.Printf("stacks %d\n", len(envs)+len(judge.Hosts(accounts, envs)))
		return 0
	}
	app := cdktf.NewApp(nil)
	built := stacks.Build(app, accounts, envs, envs, envconfig.Backend{Kind: "local"})
	app.Synth()
	resources := 0
	for _, b := range built {
		cfg, err := stacks.Synthesized(*app.Outdir(), b.Name, b.Stack)
		if err != nil {
			panic(err)
		}
		if r := b.Judge(cfg); r.Failed() {
			fmt.Fprint(os.Stderr, r)
			return 1
		}
		resources += len(cfg.Each())
	}
	fmt.Printf("stacks %d resources %d\n", len(built), resources)
	return 0
}

// Grown is n environments cycling through dev, staging and prod, each with m services cycling
// through the shipped three.
func Grown(n, m int) []envconfig.Environment {
	templates := envconfig.All()
	var out []envconfig.Environment
	for i := 0; i < n; i++ {
		e := templates[i%len(templates)].Clone()
		e.Name, e.Code = fmt.Sprintf("g%02d", i), fmt.Sprintf("g%02d", i)
		e.VPCCIDR = fmt.Sprintf("10.%d.0.0/16", 16+i)
		e.HostedZone = e.Name + ".scalepayments.com"
		e.APIDomain = "api." + e.HostedZone
		if e.PromoteFrom != "" {
			e.PromoteFrom = out[i-1].Name
		}
		shipped, images := e.Services, e.Images
		e.Services, e.Images = nil, map[string]envconfig.Image{}
		for j := 0; j < m; j++ {
			s := shipped[j%len(shipped)]
			e.Images[fmt.Sprintf("%s%02d", s.Name[:3], j)] = images[s.Name]
			s.Name, s.Priority = fmt.Sprintf("%s%02d", s.Name[:3], j), 10*(j+1)
			e.Services = append(e.Services, s)
		}
		out = append(out, e)
	}
	return out
}
