package iam

import (
	"path"
	"slices"
	"strings"
)

// Request is one API call as IAM evaluates it: the action, the resource ARN and the request's
// condition keys (aws:RequestedRegion, kms:ViaService, aws:ResourceTag/Stack, ...). A
// multi-valued key (kms:ResourceAliases) holds its values separated by commas.
type Request struct {
	Action, Resource string
	Context          map[string]string
}

// Allows evaluates an identity policy as IAM does within one account: an explicit deny wins,
// else an allow is needed. Actions match case-insensitively with wildcards, resources with
// wildcards; conditions hold when every operator holds. The operators the project writes are
// understood (String*, Arn*, Bool, their IfExists and ForAnyValue forms); any other makes the
// statement not apply, so an Allow never passes by accident.
func Allows(statements []Statement, r Request) bool {
	allowed := false
	for _, s := range statements {
		if !s.applies(r) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func (s Statement) applies(r Request) bool {
	action := slices.ContainsFunc(s.Action, func(a string) bool { return glob(strings.ToLower(a), strings.ToLower(r.Action)) })
	resource := len(s.Resource) == 0 || slices.ContainsFunc(s.Resource, func(p string) bool { return glob(p, r.Resource) })
	if !action || !resource {
		return false
	}
	for op, keys := range s.Condition {
		for key, want := range keys {
			if !condition(op, r.Context, key, want) {
				return false
			}
		}
	}
	return true
}

// condition evaluates one operator on one key against the request.
func condition(op string, ctx map[string]string, key string, want any) bool {
	op, anyValue := strings.CutPrefix(op, "ForAnyValue:")
	op, ifExists := strings.CutSuffix(op, "IfExists")
	got, present := ctx[key]
	if !present {
		return ifExists
	}
	var match func(pattern, value string) bool
	switch op {
	case "StringEquals", "ArnEquals", "Bool":
		match = func(p, v string) bool { return p == v }
	case "StringLike", "ArnLike":
		match = glob
	default:
		return false
	}
	values := []string{got}
	if anyValue {
		values = strings.Split(got, ",")
	}
	for _, p := range patterns(want) {
		for _, v := range values {
			if match(p, v) {
				return true
			}
		}
	}
	return false
}

// patterns are a condition value's strings: one, or a list.
func patterns(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// glob matches IAM's wildcards: * any run of characters (slashes too), ? one character.
func glob(pattern, value string) bool {
	// path.Match stops * at '/': ARNs need it to run across, so match with '/' swapped out.
	const sep = "\x00"
	ok, err := path.Match(strings.ReplaceAll(escape(pattern), "/", sep), strings.ReplaceAll(value, "/", sep))
	return err == nil && ok
}

// escape quotes what path.Match reads as syntax but IAM reads as text.
func escape(p string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`).Replace(p)
}
