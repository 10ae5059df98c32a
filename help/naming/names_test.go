package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNamer(t *testing.T) {
	n := Namer{Env: "staging", Code: "stg"}
	tests := []struct {
		name, got, want string
	}{
		{"long form", n.Name(255, "aurora"), "scalepayments-staging-aurora"},
		{"short form", n.Short(MaxTargetGroupName, "payment"), "sp-stg-payment"},
		{"path", n.Path("ecs", "api"), "/scalepayments/staging/ecs/api"},
		{"stack", StackName("prod"), "scalepayments-prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.got) })
	}
}

func TestFit(t *testing.T) {
	long := "scalepayments-verylongenv-notification-execution-role-with-extra"
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits unchanged", "sp-prd-api", 32, "sp-prd-api"},
		{"exactly at limit", strings.Repeat("a", 32), 32, strings.Repeat("a", 32)},
		{"truncated with hash", long, 32, "scalepayments-verylongenv-" + sha6(long)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fit(tt.in, tt.max)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), tt.max)
		})
	}
	assert.Len(t, Fit(long, 32), 32)
	assert.NotEqual(t, Fit(long, 32), Fit(long+"x", 32), "different names must stay different")
	assert.Equal(t, Fit(long, 32), Fit(long, 32), "deterministic")
}

func TestCommonTags(t *testing.T) {
	got := CommonTags("scalepayments-dev", map[string]string{"Environment": "Development"})
	assert.Equal(t, map[string]string{
		"Project": "ScalePayments", "ManagedBy": "cdktf", "Stack": "scalepayments-dev", "Environment": "Development",
	}, got)
}

// sha6 is the documented suffix: the first 6 hex digits of the full name's SHA-256.
func sha6(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:6]
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"platform-alerts@scalepayments.com":          "platform-alerts-scalepayments-com",
		"https://events.example.com/integration/sns": "https-events-example-com-integration-sns",
		"Ops--Team@X.io.":                            "ops-team-x-io",
	} {
		assert.Equal(t, want, Slug(in), in)
	}
}

func TestLogicalIDIsCdktfs(t *testing.T) {
	for path, want := range map[string]string{ // from synthesized stacks
		"network/private-0":   "network_private-0_A0649C48",
		"network/nat-0":       "network_nat-0_D2F55FEE",
		"database/instance-1": "database_instance-1_95FDBD23",
		// The rest computed by cdktf 0.21's makeUniqueId itself (node_modules/cdktf/lib/private/unique.js).
		"cluster/cluster":                "cluster_A4C38409", // a part the one before ends with
		"edge/access-logs/access-logs":   "edge_access-logs_354D0C3D",
		"caller":                         "caller", // a lone part
		"net.work":                       "network",
		"baseline/control-s3-9/x.y":      "baseline_control-s3-9_xy_46980AE3",
		"service-api/task-role/Resource": "service-api_task-role_B332DC93",
		"a/Default/b":                    "a_b_A7E86136",
	} {
		assert.Equal(t, want, LogicalID(strings.Split(path, "/")...))
	}
}

func TestGlobalNamesCarryTheRegionOutsideHome(t *testing.T) {
	home := Namer{Env: "prod", Code: "prd", Region: "us-east-1", Home: "us-east-1"}
	dr := Namer{Env: "prod", Code: "prd", Region: "us-west-2", Home: "us-east-1"}
	tests := []struct{ name, got, want string }{
		{"role at home", home.Global(MaxIAMRoleName, "api", "task"), "scalepayments-prod-api-task"},
		{"role elsewhere", dr.Global(MaxIAMRoleName, "api", "task"), "scalepayments-prod-api-task-us-west-2"},
		{"bucket at home", home.Bucket("${account}", "audit"), "scalepayments-prod-audit-${account}"},
		{"bucket elsewhere", dr.Bucket("111122223333", "audit"), "scalepayments-prod-audit-us-west-2-111122223333"},
		{"regional names never change", dr.Name(MaxName, "vpc"), "scalepayments-prod-vpc"},
		{"slash", home.Slash("payment", "processor-api-key"), "scalepayments/prod/payment/processor-api-key"},
		{"WAF log group", home.WAFLogGroup(), "aws-waf-logs-scalepayments-prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.got) })
	}
	long := Namer{Env: "verylongenvx", Region: "ap-southeast-4", Home: "us-east-1"}
	assert.Len(t, long.Bucket("111122223333", "alb-logs", "extra-long-part"), MaxS3BucketName, "fitted with the account id")
}
