package naming

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
)

// LogicalID is the logical id cdktf gives a resource at a construct path below its stack
// (e.g. "network", "private-0" -> "network_private-0_A0649C48"): the path's parts joined by "_"
// and the first 8 hex digits of the MD5 of the path. The moves of a renamed resource need the
// old id, which no longer exists as a construct.
func LogicalID(path ...string) string {
	sum := md5.Sum([]byte(strings.Join(path, "/")))
	return strings.Join(path, "_") + "_" + strings.ToUpper(hex.EncodeToString(sum[:])[:8])
}
