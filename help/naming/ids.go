package naming

import (
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"strings"
)

var disallowed = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// LogicalID is the logical id cdktf 0.21 gives an element at a construct path below its stack
// (cdktf/lib/private/unique.js makeUniqueId): a lone path part as it is; else the parts without
// one that the part before already ends with, joined by "_", and the first 8 hex digits of the
// MD5 of the whole path ("network", "private-0" -> "network_private-0_A0649C48"; "cluster",
// "cluster" -> "cluster_A4C38409"). Go computes the addresses it needs (references, moved blocks)
// instead of asking jsii for each.
func LogicalID(path ...string) string {
	var parts []string
	for _, p := range path {
		if p != "Default" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 1 {
		return disallowed.ReplaceAllString(parts[0], "")
	}
	sum := md5.Sum([]byte(strings.Join(parts, "/")))
	var kept, human []string
	for _, p := range parts {
		if len(kept) == 0 || !strings.HasSuffix(kept[len(kept)-1], p) {
			kept = append(kept, p)
		}
	}
	for _, p := range kept {
		if p != "Resource" {
			human = append(human, disallowed.ReplaceAllString(p, ""))
		}
	}
	id := strings.Join(human, "_")
	return id[:min(len(id), 240)] + "_" + strings.ToUpper(hex.EncodeToString(sum[:])[:8])
}
