package synthesized

import (
	"regexp"
	"sort"
	"strings"
)

// The dependency graph Terraform builds from the configuration: a resource waits for every
// resource and data source its attributes reference and for each entry of its depends_on.

var traversal = regexp.MustCompile(`\b((?:data\.)?aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)`)

// interpolations are the ${...} expressions of a string, nested braces included.
func interpolations(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		depth, j := 0, i+1
		for ; j < len(s); j++ {
			if s[j] == '{' {
				depth++
			} else if s[j] == '}' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		out = append(out, s[i:min(j+1, len(s))])
		s = s[min(j+1, len(s)):]
	}
}

// Dependencies are the addresses (type.name, data.type.name) r waits for, sorted.
func (c *Config) Dependencies(r Resource) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			for _, expr := range interpolations(x) {
				for _, m := range traversal.FindAllStringSubmatch(expr, -1) {
					seen[m[1]+"."+m[2]] = true
				}
			}
		case Body:
			for k, sub := range x {
				if k != "//" && k != "depends_on" && k != "lifecycle" {
					walk(sub)
				}
			}
		case []any:
			for _, sub := range x {
				walk(sub)
			}
		}
	}
	walk(r.Body)
	for _, d := range Strings(r.Body["depends_on"]) {
		seen[strings.TrimSuffix(strings.TrimPrefix(d, "${"), "}")] = true
	}
	delete(seen, r.Address())
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Graph is the stack's dependency graph: address -> the addresses it waits for.
func (c *Config) Graph() map[string][]string {
	g := map[string][]string{}
	for _, r := range c.Each() {
		g[r.Address()] = c.Dependencies(r)
	}
	return g
}

// Closure is addrs and everything they wait for, transitively: what `terraform apply -target`
// of addrs creates.
func Closure(g map[string][]string, addrs ...string) map[string]bool {
	out := map[string]bool{}
	queue := append([]string{}, addrs...)
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		if out[a] {
			continue
		}
		out[a] = true
		queue = append(queue, g[a]...)
	}
	return out
}

// After reports whether from waits for to, directly or through other resources.
func After(g map[string][]string, from, to string) bool {
	return from != to && Closure(g, g[from]...)[to]
}
