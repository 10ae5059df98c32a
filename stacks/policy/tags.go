package policy

import ()

func tagged(c *Context) (out []Finding) {
	for _, r := range Untagged(c.Config) {
		out = append(out, find(r, "no Name tag"))
	}
	return out
}
