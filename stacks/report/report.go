// Package report writes the review report (cdktf.out/report.md): resource counts per
// environment, every setting that differs between environments, and the policy summary.
package report

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// Stack is what the report needs of one synthesized environment.
type Stack struct {
	Env    envconfig.Environment
	Config *synthesized.Config
	Policy policy.Report
}

// Write renders the report as Markdown.
func Write(w io.Writer, stacks []Stack) {
	fmt.Fprintln(w, "# ScalePayments review report")
	header := func(first string) {
		fmt.Fprintf(w, "\n| %s |", first)
		for _, s := range stacks {
			fmt.Fprintf(w, " %s |", s.Env.Name)
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(stacks)))
	}

	fmt.Fprintln(w, "\n## Resources by type")
	header("resource type")
	counts := make([]map[string]int, len(stacks))
	types := map[string]bool{}
	for i, s := range stacks {
		counts[i] = map[string]int{}
		for _, r := range s.Config.Each() {
			counts[i][r.Type]++
			types[r.Type] = true
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(types)) {
		fmt.Fprintf(w, "| %s |", typ)
		for i := range stacks {
			fmt.Fprintf(w, " %d |", counts[i][typ])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| **total** |")
	for _, s := range stacks {
		fmt.Fprintf(w, " **%d** |", len(s.Config.Each()))
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "\n## Releases (envconfig/releases: make promote FROM= TO= [SERVICE=])")
	header("service")
	writeRows(w, Releases(stacks))

	fmt.Fprintln(w, "\n## Recovery objectives (computed from envconfig; sources in stacks/report/recovery.go)")
	var envs []envconfig.Environment
	for _, s := range stacks {
		envs = append(envs, s.Env)
	}
	fmt.Fprint(w, "\n"+Table(envs))

	fmt.Fprintln(w, "\n## Settings that differ between environments")
	header("setting")
	writeRows(w, Differences(stacks))

	fmt.Fprintln(w, "\n## Policy pack")
	for _, s := range stacks {
		r := s.Policy
		fmt.Fprintf(w, "\n- **%s**: %d rules, %d findings, %d suppressed\n", r.Stack, r.Rules, len(r.Findings), len(r.Suppressed))
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  - finding [%s] `%s`: %s\n", f.Rule.ID, f.Resource.Address(), f.Problem)
		}
		for _, sup := range r.Suppressed {
			fmt.Fprintf(w, "  - suppressed [%s] `%s`: %s\n", sup.Finding.Rule.ID, sup.Finding.Resource.Address(), sup.Suppression.Explained())
		}
	}
}

func writeRows(w io.Writer, rows []Row) {
	for _, row := range rows {
		fmt.Fprintf(w, "| %s |", row.Setting)
		for _, v := range row.Values {
			fmt.Fprintf(w, " %s |", v)
		}
		fmt.Fprintln(w)
	}
}

// Row is one setting and its value in each environment.
type Row struct {
	Setting string
	Values  []string
}

// Releases lists, per service, the image each environment runs (digest and tag); a service
// whose digests are not all equal is marked "differs".
func Releases(stacks []Stack) []Row {
	services := map[string]bool{}
	for _, s := range stacks {
		for name := range s.Env.Images {
			services[name] = true
		}
	}
	var rows []Row
	for _, name := range slices.Sorted(maps.Keys(services)) {
		row, digests := Row{Setting: name}, map[string]bool{}
		for _, s := range stacks {
			img, ok := s.Env.Images[name]
			digests[img.Digest] = true
			v := "—"
			if ok {
				v = "`" + img.Digest + "`"
				if img.Tag != "" {
					v += " (" + img.Tag + ")"
				}
			}
			row.Values = append(row.Values, v)
		}
		if len(digests) > 1 {
			row.Setting += " (differs)"
		}
		rows = append(rows, row)
	}
	return rows
}

// Differences lists, in a stable order, every envconfig setting whose value is not the same
// in all environments.
func Differences(stacks []Stack) []Row {
	flat := make([]map[string]string, len(stacks))
	settings := map[string]bool{}
	for i, s := range stacks {
		flat[i] = map[string]string{}
		flatten("", reflect.ValueOf(s.Env), flat[i])
		for k := range flat[i] {
			settings[k] = true
		}
	}
	var rows []Row
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		row := Row{Setting: k}
		for i := range stacks {
			v, ok := flat[i][k]
			if !ok {
				v = "—"
			}
			row.Values = append(row.Values, v)
		}
		if slices.ContainsFunc(row.Values, func(v string) bool { return v != row.Values[0] }) {
			rows = append(rows, row)
		}
	}
	return rows
}

func flatten(prefix string, v reflect.Value, out map[string]string) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			name := v.Type().Field(i).Name
			if !v.Type().Field(i).IsExported() || (prefix == "" && name == "Images") { // Images: see Releases
				continue
			}
			if v.Type().Field(i).Anonymous { // embedded: its fields read as the outer struct's
				name = ""
			}
			flatten(join(prefix, name), v.Field(i), out)
		}
	case reflect.Map:
		ks := v.MapKeys()
		sort.Slice(ks, func(i, j int) bool { return ks[i].String() < ks[j].String() })
		for _, k := range ks {
			flatten(join(prefix, k.String()), v.MapIndex(k), out)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct { // Services: keyed by name
			for i := 0; i < v.Len(); i++ {
				flatten(join(prefix, v.Index(i).FieldByName("Name").String()), v.Index(i), out)
			}
			return
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		out[prefix] = strings.Join(parts, ", ")
	default:
		out[prefix] = fmt.Sprint(v.Interface())
	}
}

func join(prefix, name string) string {
	if prefix == "" || name == "" {
		return prefix + name
	}
	return prefix + "." + name
}
