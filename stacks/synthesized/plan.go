package synthesized

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/scalepayments/infra/help"
)

// plan is the part of `terraform show -json PLAN` the pack reads.
type plan struct {
	FormatVersion string `json:"format_version"`
	PlannedValues struct {
		RootModule planModule `json:"root_module"`
	} `json:"planned_values"`
	ResourceChanges []struct {
		Address string
		Type    string
		Change  struct {
			Actions      []string
			AfterUnknown any `json:"after_unknown"`
		}
	} `json:"resource_changes"`
	Configuration struct {
		ProviderConfig map[string]struct {
			Alias       string
			Expressions Body
		} `json:"provider_config"`
		RootModule struct {
			Resources []struct {
				Address           string
				ProviderConfigKey string `json:"provider_config_key"`
				Expressions       Body
			}
		} `json:"root_module"`
	}
}

type planModule struct {
	Resources    []planResource
	ChildModules []planModule `json:"child_modules"`
}

type planResource struct {
	Address, Mode, Type, Name string
	Values                    Body
}

// all lists the resources of m and its child modules, in the plan's order.
func (m planModule) all() []planResource {
	out := slices.Clone(m.Resources)
	for _, c := range m.ChildModules {
		out = append(out, c.all()...)
	}
	return out
}

// ErrNotPlan is FromPlan's answer to JSON that is not `terraform show -json` output of a plan.
var ErrNotPlan = errors.New("parse plan: no format_version: not `terraform show -json` output of a plan")

// FromPlan reads a plan in `terraform show -json` form as the configuration it will apply: each
// managed resource's planned values, where a value is known only after apply the reference its
// configuration names ("${type.name.attr}", so the rules follow references as in a synthesized
// stack) or Unknown, and the provider blocks' constant settings. The construct path comes from
// cdktf's logical name (edge_access-logs_bucket_63BF96C2 is edge/access-logs/bucket), so the
// exceptions apply to plans of cdktf stacks as to their synthesized JSON.
func FromPlan(data []byte) (*Config, error) {
	var p plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("parse plan: %w", err)
	}
	if p.FormatVersion == "" {
		return nil, ErrNotPlan
	}
	unknown := map[string]any{}
	var deletes []Resource
	for _, rc := range p.ResourceChanges {
		unknown[rc.Address] = rc.Change.AfterUnknown
		if slices.Equal(rc.Change.Actions, []string{"delete"}) {
			deletes = append(deletes, Resource{Type: rc.Type, Name: strings.TrimPrefix(rc.Address, rc.Type+".")})
		}
	}
	config := map[string]Body{}
	providerOf := map[string]string{}
	for _, r := range p.Configuration.RootModule.Resources {
		config[r.Address], providerOf[r.Address] = r.Expressions, r.ProviderConfigKey
	}
	all := p.PlannedValues.RootModule.all()
	planned := map[string]Body{} // address -> planned values as the plan has them
	for _, r := range all {
		planned[r.Address] = r.Values
	}
	resources := Body{}
	for _, r := range all {
		if r.Mode != "managed" {
			continue
		}
		// The configuration of a counted instance is its resource's (k[0] is k); a child
		// module's resources are judged by their planned values alone.
		cfgAddr := instanceIndex.ReplaceAllString(r.Address, "")
		values := referenced(r.Values, config[cfgAddr], planned)
		body, _ := fill(values, unknown[r.Address], config[cfgAddr]).(Body)
		if body == nil {
			body = Body{}
		}
		if key := providerOf[cfgAddr]; strings.Contains(key, ".") {
			body["provider"] = key // an aliased provider, as cdktf writes it
		}
		// Every instance keeps its own name: module.m.k[0] for aws_x.k[0] in module m.
		name := strings.Replace(r.Address, r.Type+".", "", 1)
		body["//"] = Body{"metadata": Body{"path": "plan/" + PathOf(name)}}
		byName, _ := resources[r.Type].(Body)
		if byName == nil {
			byName = Body{}
			resources[r.Type] = byName
		}
		byName[name] = body
	}
	var providers []any
	for _, key := range help.SortedKeys(p.Configuration.ProviderConfig) {
		pc := p.Configuration.ProviderConfig[key]
		if key != "aws" && !strings.HasPrefix(key, "aws.") {
			continue // another provider (awscc, a module's): not the one the pack judges
		}
		block, _ := constants(pc.Expressions).(Body)
		if block == nil {
			block = Body{}
		}
		if pc.Alias != "" {
			block["alias"] = pc.Alias
		}
		providers = append(providers, block)
	}
	return &Config{Root: Body{"resource": resources, "provider": Body{"aws": providers}}, Plan: true, Deletes: deletes}, nil
}

var (
	logicalSuffix = regexp.MustCompile(`_[0-9A-F]{8}$`)
	instanceIndex = regexp.MustCompile(`\[[^\]]*\]$`)
)

// PathOf turns a cdktf logical name back into its construct path below the stack.
func PathOf(name string) string {
	return strings.ReplaceAll(logicalSuffix.ReplaceAllString(name, ""), "_", "/")
}

// referenced gives back the references a plan resolved: a known value that is exactly the
// attribute its configuration references becomes "${type.name.attr}" again, so the rules follow
// it as in a synthesized stack (the value itself is the referenced resource's, judged there).
func referenced(values any, expr any, planned map[string]Body) any {
	switch v := values.(type) {
	case Body:
		out := Body{}
		for k, sub := range v {
			if sub != nil { // unset, as a synthesized stack leaves it out
				out[k] = referenced(sub, child(expr, k), planned)
			}
		}
		return out
	case []any:
		e, _ := expr.(Body)
		refs := attributeRefs(e)
		out := make([]any, len(v))
		for i, sub := range v {
			if len(refs) == len(v) && resolves(refs[i], sub, planned) {
				out[i] = "${" + refs[i] + "}"
			} else {
				out[i] = referenced(sub, child(expr, i), planned)
			}
		}
		return out
	case nil:
		return nil
	}
	e, _ := expr.(Body)
	if refs := attributeRefs(e); len(refs) == 1 && resolves(refs[0], values, planned) {
		return "${" + refs[0] + "}"
	}
	return values
}

// resolves reports whether v is the planned value of the attribute ref (type.name.attr).
func resolves(ref string, v any, planned map[string]Body) bool {
	i := strings.LastIndex(ref, ".")
	target, ok := planned[ref[:i]][ref[i+1:]]
	return ok && target != nil && fmt.Sprint(target) == fmt.Sprint(v)
}

// fill puts into planned values what the plan leaves unknown: the configuration's own template
// where it is JSON syntax (Terraform shows it as the constant value), else its single reference
// where it names one, else Unknown. Computed attributes the configuration does not set
// stay unset, as in a synthesized stack.
func fill(values, unknown any, expr any) any {
	switch u := unknown.(type) {
	case bool:
		if !u {
			return values
		}
		e, _ := expr.(Body)
		refs := attributeRefs(e)
		switch {
		case e == nil:
			return nil
		case e["constant_value"] != nil: // JSON syntax (a cdktf stack): the template as synthesized
			return e["constant_value"]
		case len(refs) == 1:
			return "${" + refs[0] + "}"
		}
		return Unknown
	case map[string]any:
		m, _ := values.(Body)
		if m == nil {
			m = Body{}
		}
		for k, sub := range u {
			if v := fill(m[k], sub, child(expr, k)); v != nil {
				m[k] = v
			}
		}
		return m
	case []any:
		l, _ := values.([]any)
		for len(l) < len(u) {
			l = append(l, nil)
		}
		e, _ := expr.(Body)
		refs := attributeRefs(e)
		templates, _ := e["constant_value"].([]any)
		for i, sub := range u {
			switch {
			case sub != true:
				l[i] = fill(l[i], sub, child(expr, i))
			case len(templates) == len(u): // JSON syntax: the element's own template
				l[i] = templates[i]
			case len(refs) == len(u): // a list of references, one per element
				l[i] = "${" + refs[i] + "}"
			default:
				l[i] = Unknown
			}
		}
		return l
	}
	return values
}

// child is the expression of a nested attribute or block (blocks are lists in the configuration).
func child(expr any, key any) any {
	switch k := key.(type) {
	case string:
		switch e := expr.(type) {
		case Body:
			return e[k]
		case []any:
			if len(e) > 0 {
				return child(e[0], k)
			}
		}
	case int:
		if e, ok := expr.([]any); ok && k < len(e) {
			return e[k]
		}
	}
	return nil
}

// attributeRefs are the references of an expression that name a managed resource's top-level
// attribute (type.name.attr). Terraform lists each reference with its prefixes (aws_x.y.attr and
// aws_x.y; a nested aws_x.y.block[0].arn with aws_x.y.block[0] and aws_x.y.block): a prefix of
// another reference, data sources, modules, variables and the like are not one.
func attributeRefs(e Body) []string {
	all := Strings(e["references"])
	var out []string
	for _, r := range all {
		if !resourceAttr.MatchString(r) || slices.Contains(notResources, strings.Split(r, ".")[0]) {
			continue
		}
		nested := slices.ContainsFunc(all, func(o string) bool { return strings.HasPrefix(o, r+".") || strings.HasPrefix(o, r+"[") })
		if !nested && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

var (
	resourceAttr = regexp.MustCompile(`^[a-z0-9_]+\.[^.\[]+\.[a-z0-9_]+$`)
	notResources = []string{"data", "module", "var", "local", "each", "count", "path", "self", "terraform"}
)

// constants turns configuration expressions into their constant values.
func constants(expr any) any {
	switch e := expr.(type) {
	case Body:
		if v, ok := e["constant_value"]; ok {
			return v
		}
		if _, ok := e["references"]; ok {
			return nil // not a constant: unknown to the pack
		}
		out := Body{}
		for k, sub := range e {
			if v := constants(sub); v != nil {
				out[k] = v
			}
		}
		return out
	case []any:
		var out []any
		for _, sub := range e {
			out = append(out, constants(sub))
		}
		return out
	}
	return nil
}
