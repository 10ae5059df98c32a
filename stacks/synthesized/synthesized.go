// Package synthesized reads a stack's synthesized Terraform configuration (cdk.tf.json) and
// answers questions about it: resources by type and address, references, moved blocks. The
// policy pack, the review report, the app and the tests all read stacks through it.
package synthesized

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
)

// Body is one resource's (or block's) attributes.
type Body = map[string]any

// Config is one synthesized stack, parsed.
type Config struct {
	Root Body
	// Plan is set when the configuration was read from a Terraform plan (FromPlan), which
	// carries no lifecycle meta-arguments.
	Plan bool
	// Deletes are the resources a plan destroys without creating them again.
	Deletes []Resource
}

// Parse reads a stack's cdk.tf.json.
func Parse(data []byte) (*Config, error) {
	c := &Config{}
	if err := json.Unmarshal(data, &c.Root); err != nil {
		return nil, fmt.Errorf("parse synthesized stack: %w", err)
	}
	return c, nil
}

// Resource is one resource with its address.
type Resource struct {
	Type, Name string
	Body       Body
}

// Address is type.name as Terraform prints it.
func (r Resource) Address() string { return r.Type + "." + r.Name }

// Path is the construct path below the stack, e.g. "edge/access-logs/bucket".
func (r Resource) Path() string {
	meta, _ := r.Body["//"].(Body)
	m, _ := meta["metadata"].(Body)
	p, _ := m["path"].(string)
	for i := range p {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// Resources returns the resources of a type by logical name.
func (c *Config) Resources(typ string) map[string]Body {
	out := map[string]Body{}
	res, _ := c.Root["resource"].(Body)
	byName, _ := res[typ].(Body)
	for name, b := range byName {
		out[name] = b.(Body)
	}
	return out
}

// List returns the resources of a type sorted by logical name.
func (c *Config) List(typ string) []Body {
	var out []Body
	for _, r := range c.Of(typ) {
		out = append(out, r.Body)
	}
	return out
}

// Of returns the resources of a type with their names, sorted.
func (c *Config) Of(typ string) []Resource {
	var out []Resource
	for name, b := range c.Resources(typ) {
		out = append(out, Resource{typ, name, b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Count is the number of resources of a type.
func (c *Config) Count(typ string) int { return len(c.Resources(typ)) }

// Each lists every resource of the stack, sorted by address.
func (c *Config) Each() []Resource {
	var out []Resource
	res, _ := c.Root["resource"].(Body)
	for typ, byName := range res {
		for name, b := range byName.(Body) {
			out = append(out, Resource{typ, name, b.(Body)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address() < out[j].Address() })
	return out
}

// Addresses lists every resource address (type.name), sorted: the stack's contract with its
// state. An address that changes is a destroy and a create unless a moved block says otherwise.
func (c *Config) Addresses() []string {
	var out []string
	for _, r := range c.Each() {
		out = append(out, r.Address())
	}
	return out
}

// Move is one moved block: the state of From now belongs to To.
type Move struct{ From, To string }

// Removal is one removed block: Terraform stops managing From, and destroys it only if Destroy
// (its default).
type Removal struct {
	From    string
	Destroy bool
}

// Removals lists the stack's removed blocks.
func (c *Config) Removals() []Removal {
	var out []Removal
	for _, b := range Blocks(c.Root["removed"]) {
		out = append(out, Removal{From: fmt.Sprint(b["from"]), Destroy: Block(b["lifecycle"])["destroy"] != false})
	}
	return out
}

// Forgotten lists the addresses of the stack's removed blocks that keep the real resource
// (lifecycle destroy = false): Terraform stops managing them and destroys nothing.
func (c *Config) Forgotten() []string {
	var out []string
	for _, r := range c.Removals() {
		if !r.Destroy {
			out = append(out, r.From)
		}
	}
	return out
}

// Moves lists the stack's moved blocks.
func (c *Config) Moves() []Move {
	var out []Move
	for _, b := range Blocks(c.Root["moved"]) {
		out = append(out, Move{fmt.Sprint(b["from"]), fmt.Sprint(b["to"])})
	}
	return out
}

var refRe = regexp.MustCompile(`^\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z0-9_]+)\}$`)

// Ref resolves "${type.name.attr}" to the resource it names; ok is false for anything else.
func (c *Config) Ref(expr any) (Resource, bool) {
	s, _ := expr.(string)
	m := refRe.FindStringSubmatch(s)
	if m == nil {
		return Resource{}, false
	}
	b, ok := c.Resources(m[1])[m[2]]
	return Resource{m[1], m[2], b}, ok
}

// IsRef reports whether v is a whole reference "${type.name.attr}".
func IsRef(v any) bool {
	s, _ := v.(string)
	return refRe.MatchString(s)
}

// RefTo is "${type.name.attr}" for a resource, as other resources reference it.
func RefTo(typ, name, attr string) string { return fmt.Sprintf("${%s.%s.%s}", typ, name, attr) }

// Unknown stands for a value a Terraform plan leaves to apply and no single reference names
// (FromPlan).
const Unknown = "${unknown}"

// Known reports whether a document attribute (a policy, container definitions) holds a value a
// rule can read. In a plan, a document built from values known only after apply is Unknown or a
// whole reference, and the rules judged its synthesized template already; a synthesized stack
// has no unknowns, so there a reference where a document belongs is read (and found wanting).
func (c *Config) Known(v any) bool { return !c.Plan || (v != Unknown && !IsRef(v)) }

// Strings converts a JSON array to []string.
func Strings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, len(arr))
	for i, x := range arr {
		out[i] = fmt.Sprint(x)
	}
	return out
}

// Providers are the stack's aws provider blocks: the default one, then any alias.
func (c *Config) Providers() []Body {
	providers, _ := c.Root["provider"].(Body)
	return Blocks(providers["aws"])
}

// DefaultTags returns the provider's default_tags.
func (c *Config) DefaultTags() map[string]string {
	out := map[string]string{}
	for _, p := range c.Providers() {
		for _, dt := range Blocks(p["default_tags"]) {
			tags, _ := dt["tags"].(Body)
			for k, v := range tags {
				out[k] = fmt.Sprint(v)
			}
		}
	}
	return out
}

// Blocks are the nested blocks of an attribute, whether the JSON holds one object or a list.
func Blocks(v any) []Body {
	switch b := v.(type) {
	case Body:
		return []Body{b}
	case []any:
		var out []Body
		for _, x := range b {
			if xb, ok := x.(Body); ok {
				out = append(out, xb)
			}
		}
		return out
	}
	return nil
}

// Block is the first (usually only) nested block of an attribute; nil when there is none.
func Block(v any) Body {
	if l := Blocks(v); len(l) > 0 {
		return l[0]
	}
	return nil
}
