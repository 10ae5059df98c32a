// Package tests synthesizes environment stacks once per test process and gives typed
// access to the resulting Terraform JSON.
package tests

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks"
)

// Body is one resource's (or block's) attributes.
type Body = map[string]any

// Doc is one synthesized stack.
type Doc struct {
	Env  envconfig.Environment
	JSON string
	Root Body
}

var (
	mu    sync.Mutex
	cache = map[string]*Doc{}
)

// Synth returns env's synthesized stack, built at most once per process for equal values.
func Synth(env envconfig.Environment) *Doc {
	key := fmt.Sprintf("%#v", env)
	mu.Lock()
	defer mu.Unlock()
	if d, ok := cache[key]; ok {
		return d
	}
	s := stacks.New(cdktf.Testing_App(nil), env)
	out := *cdktf.Testing_Synth(s.Stack, jsii.Bool(true))
	d := &Doc{Env: env, JSON: out}
	if err := json.Unmarshal([]byte(out), &d.Root); err != nil {
		panic(err)
	}
	cache[key] = d
	return d
}

// All returns the three shipped environments, synthesized.
func All() []*Doc {
	var docs []*Doc
	for _, e := range envconfig.All() {
		docs = append(docs, Synth(e))
	}
	return docs
}

// Resources returns the resources of a type by logical name.
func (d *Doc) Resources(typ string) map[string]Body {
	out := map[string]Body{}
	res, _ := d.Root["resource"].(Body)
	byName, _ := res[typ].(Body)
	for name, b := range byName {
		out[name] = b.(Body)
	}
	return out
}

// List returns the resources of a type sorted by logical name.
func (d *Doc) List(typ string) []Body {
	byName := d.Resources(typ)
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Body, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out
}

// One returns the only resource of a type, panicking (failing the test) if there is not exactly one.
func (d *Doc) One(typ string) Body {
	l := d.List(typ)
	if len(l) != 1 {
		panic(fmt.Sprintf("%s: want exactly one %s, have %d", d.Env.Name, typ, len(l)))
	}
	return l[0]
}

// OneName returns the logical name of the only resource of a type.
func (d *Doc) OneName(typ string) string {
	d.One(typ)
	for n := range d.Resources(typ) {
		return n
	}
	return ""
}

// Count is the number of resources of a type.
func (d *Doc) Count(typ string) int { return len(d.Resources(typ)) }

// Resource is one resource with its address.
type Resource struct {
	Type, Name string
	Body       Body
}

// Address is type.name as Terraform prints it.
func (r Resource) Address() string { return r.Type + "." + r.Name }

// Each lists every resource of the stack, sorted by address.
func (d *Doc) Each() []Resource {
	var out []Resource
	res, _ := d.Root["resource"].(Body)
	for typ, byName := range res {
		for name, b := range byName.(Body) {
			out = append(out, Resource{typ, name, b.(Body)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address() < out[j].Address() })
	return out
}

var refRe = regexp.MustCompile(`^\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z0-9_]+)\}$`)

// Ref resolves "${type.name.attr}" to the resource it names; ok is false for anything else.
func (d *Doc) Ref(expr any) (Resource, bool) {
	s, _ := expr.(string)
	m := refRe.FindStringSubmatch(s)
	if m == nil {
		return Resource{}, false
	}
	b, ok := d.Resources(m[1])[m[2]]
	return Resource{m[1], m[2], b}, ok
}

// RefTo is "${type.name.attr}" for a resource, as other resources reference it.
func RefTo(typ, name, attr string) string { return fmt.Sprintf("${%s.%s.%s}", typ, name, attr) }

// NameOf returns the logical name of the resource of typ whose tags.Name is name.
func (d *Doc) NameOf(typ, name string) string {
	for n, b := range d.Resources(typ) {
		if tags, ok := b["tags"].(Body); ok && tags["Name"] == name {
			return n
		}
	}
	panic(fmt.Sprintf("%s: no %s tagged Name=%s", d.Env.Name, typ, name))
}

// Strings converts a JSON array to []string.
func Strings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, len(arr))
	for i, x := range arr {
		out[i] = fmt.Sprint(x)
	}
	return out
}
