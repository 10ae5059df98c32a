package integration

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/tests"
)

// forever treats CloudWatch's 0 ("never expire") as the longest retention.
func forever(days int) int {
	if days == 0 {
		return 1 << 30
	}
	return days
}

func b(v bool) int {
	if v {
		return 1
	}
	return 0
}

// controls are the security and resilience controls that may only grow from dev to prod.
func controls(e envconfig.Environment) map[string]int {
	return map[string]int{
		"log retention days":         forever(e.LogRetentionDays),
		"backup retention days":      e.Aurora.BackupRetentionDays,
		"deletion protection":        b(e.Stage.Floors().Protected),
		"prevent destroy":            b(e.Stage.Floors().PreventDestroy),
		"read-only root filesystem":  b(e.ReadOnlyRootFilesystem),
		"performance insights":       b(e.Aurora.PerformanceInsights),
		"enhanced monitoring":        b(e.Aurora.MonitoringInterval > 0),
		"aurora instances":           e.Aurora.Instances,
		"redis nodes":                e.Redis.Nodes,
		"redis snapshot days":        e.Redis.SnapshotRetentionDays,
		"NAT gateways":               e.NATGateways,
		"availability zones":         len(e.AvailabilityZones),
		"interface endpoints":        b(e.InterfaceEndpoints),
		"network firewall":           b(e.NetworkFirewall),
		"WAF":                        b(e.WAF),
		"account baseline":           b(e.Stage.Floors().AccountBaseline),
		"KMS deletion window":        e.KMSDeletionWindowDays,
		"secret recovery window":     e.SecretRecoveryDays,
		"no ECS Exec":                b(!e.ExecuteCommand),
		"on-demand share (1/spot+1)": 1000 / (e.FargateSpotWeight + 1),
		"CORS locked to origins":     b(e.CORSAllowedOrigins[0] != "*"),
		"backup vault lock":          map[string]int{"": 0, envconfig.LockGovernance: 1, envconfig.LockCompliance: 2}[e.Backup.Lock],
		"backup copy to DR region":   b(e.Backup.DRRegion != ""),
		"backup restore testing":     b(e.Backup.RestoreTesting),
	}
}

// Scenario 4: promotion dev -> staging -> prod only grows protection. Each subtest is named
// after the environment promoted to, and compares it with the one below.
func TestPromotionOnlyGrowsProtection(t *testing.T) {
	for _, pair := range [][2]*envconfig.Environment{{&dev.Env, &staging.Env}, {&staging.Env, &prod.Env}} {
		t.Run(pair[1].Name, func(t *testing.T) {
			lower, higher := controls(*pair[0]), controls(*pair[1])
			require.Equal(t, len(lower), len(higher))
			for name, v := range lower {
				assert.LessOrEqual(t, v, higher[name], "%s: %s -> %s", name, pair[0].Name, pair[1].Name)
			}
		})
	}
}

// The synthesized topology is the same in every environment except for the documented
// per-environment switches, each of which may only add resources going up.
var switches = map[string]string{
	"aws_subnet": "AZ count", "aws_route_table": "AZ count", "aws_route": "AZ count",
	"aws_route_table_association": "AZ count", "aws_nat_gateway": "NATGateways", "aws_eip": "NATGateways",
	"aws_vpc_endpoint":   "InterfaceEndpoints",
	"aws_security_group": "InterfaceEndpoints", "aws_vpc_security_group_ingress_rule": "InterfaceEndpoints",
	"aws_vpc_security_group_egress_rule": "InterfaceEndpoints",
	"aws_cloudwatch_event_rule":          "baseline (GuardDuty findings)", "aws_cloudwatch_event_target": "baseline (GuardDuty findings)",
	"aws_sns_topic_subscription":   "Notify",
	"aws_networkfirewall_firewall": "NetworkFirewall", "aws_networkfirewall_firewall_policy": "NetworkFirewall",
	"aws_networkfirewall_rule_group": "NetworkFirewall", "aws_networkfirewall_logging_configuration": "NetworkFirewall",
	"aws_rds_cluster_instance": "Aurora.Instances", "aws_cloudwatch_metric_alarm": "Aurora.Instances, Redis.Nodes",
	"aws_iam_role": "monitoring role, baseline roles", "aws_iam_role_policy": "baseline roles",
	"aws_iam_role_policy_attachment": "Aurora.MonitoringInterval, baseline",
	"aws_kms_key":                    "baseline audit key, Backup.DRRegion key", "aws_kms_alias": "baseline audit key, Backup.DRRegion key",
	"aws_backup_vault": "Backup.DRRegion", "aws_backup_vault_lock_configuration": "Backup.Lock, Backup.DRRegion",
	"aws_backup_restore_testing_plan": "Backup.RestoreTesting", "aws_backup_restore_testing_selection": "Backup.RestoreTesting",
	"aws_wafv2_web_acl": "WAF", "aws_wafv2_web_acl_association": "WAF", "aws_wafv2_web_acl_logging_configuration": "WAF",
	"aws_cloudwatch_log_group": "WAF, baseline",
	"aws_guardduty_detector":   "baseline", "aws_guardduty_detector_feature": "baseline",
	"aws_config_configuration_recorder": "baseline", "aws_config_configuration_recorder_status": "baseline",
	"aws_config_delivery_channel": "baseline", "aws_cloudtrail": "baseline",
	"aws_s3_bucket": "baseline", "aws_s3_bucket_policy": "baseline", "aws_s3_bucket_versioning": "baseline",
	"aws_s3_bucket_public_access_block": "baseline", "aws_s3_bucket_server_side_encryption_configuration": "baseline",
	"aws_s3_bucket_lifecycle_configuration": "baseline", "aws_s3_bucket_ownership_controls": "baseline",
}

// positions are resources that follow an environment's place in the promotion chain, not its
// protection: only a promotion source for another account lets that account pull.
var positions = map[string]string{"aws_ecr_repository_policy": "source of a promotion across accounts (a later PromoteFrom)"}

func TestTopologyDiffersOnlyByDocumentedSwitches(t *testing.T) {
	counts := func(d *tests.Doc) map[string]int {
		out := map[string]int{}
		for _, r := range d.Each() {
			out[r.Type]++
		}
		return out
	}
	for _, pair := range [][2]*tests.Doc{{dev, staging}, {staging, prod}} {
		t.Run(pair[1].Env.Name, func(t *testing.T) {
			lower, higher := counts(pair[0]), counts(pair[1])
			for typ := range positions {
				delete(lower, typ)
				delete(higher, typ)
			}
			for typ, n := range higher {
				if _, documented := switches[typ]; documented {
					assert.GreaterOrEqual(t, n, lower[typ], "%s shrinks from %s to %s", typ, pair[0].Env.Name, pair[1].Env.Name)
				} else {
					assert.Equal(t, lower[typ], n, "%s differs between %s and %s but is no documented switch", typ, pair[0].Env.Name, pair[1].Env.Name)
				}
			}
			for typ := range lower {
				assert.Contains(t, higher, typ, "%s disappears going up", typ)
			}
		})
	}
}

func TestVPCCIDRsNeverOverlap(t *testing.T) {
	want := map[string]string{"dev": "10.0.0.0/16", "staging": "10.1.0.0/16", "prod": "10.2.0.0/16"}
	var cidrs []netip.Prefix
	for _, d := range all() {
		cidr := d.One("aws_vpc")["cidr_block"].(string)
		t.Run(d.Env.Name, func(t *testing.T) {
			assert.Equal(t, want[d.Env.Name], cidr)
		})
		cidrs = append(cidrs, netip.MustParsePrefix(cidr))
	}
	for i, a := range cidrs {
		for _, c := range cidrs[:i] {
			assert.False(t, a.Overlaps(c), "%s overlaps %s: peering would be impossible", a, c)
		}
	}
}
