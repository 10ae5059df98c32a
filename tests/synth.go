// Package tests synthesizes environment stacks once per test process and gives typed
// access to the resulting Terraform JSON.
package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/cli"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// Body is one resource's (or block's) attributes.
type Body = synthesized.Body

// Shorthands for the JSON helpers tests use most.
var (
	RefTo   = synthesized.RefTo
	Strings = synthesized.Strings
	Block   = synthesized.Block
	Blocks  = synthesized.Blocks
)

// Doc is one synthesized stack.
type Doc struct {
	*synthesized.Config
	Env   envconfig.Environment
	Stack *stacks.Stack
	Namer naming.Namer // the namer the stack was built with: tests derive names as the app does
	JSON  string
}

var (
	mu    sync.Mutex
	cache = map[string]*Doc{}
)

// Synth returns env's synthesized stack with local state, built at most once per process.
func Synth(env envconfig.Environment) *Doc { return SynthWith(env, envconfig.Backend{Kind: "local"}) }

// SynthWith synthesizes env in its shipped account with a backend, at most once per process.
func SynthWith(env envconfig.Environment, backend envconfig.Backend) *Doc {
	acct, ok := envconfig.AccountOf(envconfig.Accounts(), env)
	if !ok {
		panic(fmt.Sprintf("environment %s names unknown account %q", env.Name, env.Account))
	}
	return SynthIn(env, acct, backend)
}

// SynthIn synthesizes env in account acct, at most once per process for equal values.
func SynthIn(env envconfig.Environment, acct envconfig.Account, backend envconfig.Backend) *Doc {
	key := fmt.Sprintf("%#v %#v %#v", env, acct, backend)
	mu.Lock()
	defer mu.Unlock()
	if d, ok := cache[key]; ok {
		return d
	}
	s := stacks.New(App(), env, acct, backend, stacks.Peers{Accounts: envconfig.Accounts(), Envs: envconfig.All()})
	d := SynthStack(s.Stack)
	d.Env, d.Stack, d.Namer = env, s, s.Namer
	cache[key] = d
	return d
}

// SynthStack synthesizes any stack (a minimal one built by a test) and parses it. It writes
// the stack exactly as `cdktf synth` does (aspects, validations, construct-path metadata that
// policy suppressions match), unlike Testing_Synth, which strips the metadata.
func SynthStack(stack cdktf.TerraformStack) *Doc {
	dir := *cdktf.Testing_FullSynth(stack)
	defer os.RemoveAll(dir)
	out, err := os.ReadFile(filepath.Join(dir, "stacks", *stack.Node().Id(), "cdk.tf.json"))
	if err != nil {
		panic(err)
	}
	cfg, err := synthesized.Parse(out)
	if err != nil {
		panic(err)
	}
	return &Doc{Config: cfg, JSON: string(out)}
}

// All returns the three shipped environments, synthesized.
func All() []*Doc {
	var docs []*Doc
	for _, e := range envconfig.All() {
		docs = append(docs, Synth(e))
	}
	return docs
}

// One returns the only resource of a type, panicking (failing the test) if there is not exactly one.
func (d *Doc) One(typ string) Body {
	return d.Resources(typ)[d.OneName(typ)]
}

// OneName returns the logical name of the only resource of a type.
func (d *Doc) OneName(typ string) string {
	res := d.Of(typ)
	if len(res) != 1 {
		panic(fmt.Sprintf("%s: want exactly one %s, have %d", d.Env.Name, typ, len(res)))
	}
	return res[0].Name
}

// NameOf returns the logical name of the resource of typ whose tags.Name is name.
func (d *Doc) NameOf(typ, name string) string {
	for _, r := range d.Of(typ) {
		if tags, ok := r.Body["tags"].(Body); ok && tags["Name"] == name {
			return r.Name
		}
	}
	panic(fmt.Sprintf("%s: no %s tagged Name=%s", d.Env.Name, typ, name))
}

// Main synthesizes the three shipped environments once for a test package, assigns them to
// the package's variables, then runs its tests: use it as the package's TestMain. It closes jsii
// at the end, as the app does.
func Main(m *testing.M, dev, staging, prod **Doc) int {
	defer cli.Close()
	defer removeOutdirs()
	if err := Bundle(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	docs := All()
	*dev, *staging, *prod = docs[0], docs[1], docs[2]
	return m.Run()
}

// Bundle builds the run task's Lambda zip the production account stack references, as make
// lambda does, when it is missing: go test works on a fresh clone.
func Bundle() error {
	root := help.ModuleRoot()
	if _, err := os.Stat(filepath.Join(root, stacks.RunTaskBundle)); err == nil {
		return nil
	}
	cmd := exec.Command("go", "run", "./stacks/runtask/bundle", "-o", stacks.RunTaskBundle)
	cmd.Dir, cmd.Stderr = root, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building %s: %v", stacks.RunTaskBundle, err)
	}
	return nil
}

func removeOutdirs() {
	for _, dir := range outdirs {
		os.RemoveAll(dir)
	}
}

var (
	outdirsMu sync.Mutex
	outdirs   []string
)

// App is cdktf's test app; the temporary output directory it makes is removed when Main ends.
func App() cdktf.App {
	app := cdktf.Testing_App(nil)
	keep(*app.Outdir())
	return app
}

// keep leaves dir for the package's tests and has Main remove it when they end.
func keep(dir string) {
	outdirsMu.Lock()
	defer outdirsMu.Unlock()
	outdirs = append(outdirs, dir)
}

// Clone is a deep copy of the document, for a scenario that breaks it on purpose.
func (d *Doc) Clone() *Doc {
	cfg, err := synthesized.Parse([]byte(d.JSON))
	if err != nil {
		panic(err)
	}
	return &Doc{Config: cfg, Env: d.Env, Stack: d.Stack, Namer: d.Namer, JSON: d.JSON}
}

// Account is an account stack, synthesized.
type Account struct {
	*Doc
	Stack *stacks.AccountStack
}

var accountCache = map[string]*Account{}

// SynthAccount synthesizes the stack of an account in region hosting envs, at most once per
// process for equal values.
func SynthAccount(acct envconfig.Account, region string, envs []envconfig.Environment) *Account {
	key := fmt.Sprintf("%#v %s %#v", acct, region, envs)
	mu.Lock()
	defer mu.Unlock()
	if a, ok := accountCache[key]; ok {
		return a
	}
	s := stacks.NewAccount(App(), envconfig.Accounts(), acct, region, envs, envconfig.Backend{Kind: "local"})
	a := &Account{Doc: SynthStack(s.Stack), Stack: s}
	a.Namer = s.Namer
	a.Env = envconfig.Environment{Name: acct.Name, Region: region} // names the stack in failure messages
	accountCache[key] = a
	return a
}

// Accounts returns the shipped account stacks, synthesized.
func Accounts() []*Account {
	var out []*Account
	for _, h := range judge.Hosts(envconfig.Accounts(), envconfig.All()) {
		out = append(out, SynthAccount(h.Account, h.Region, h.Envs))
	}
	return out
}
