package envconfig

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's environment table is derived from the values here: change a value and this test
// names the row to update.
func TestReadmeEnvironmentTableMatchesEnvconfig(t *testing.T) {
	onOff := func(b bool) string { return map[bool]string{true: "on", false: "off"}[b] }
	yesNo := func(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }
	services := func(e Environment, f func(Capacity) int) string {
		var v []string
		for _, s := range e.Services {
			v = append(v, fmt.Sprint(f(s.Capacity)))
		}
		return strings.Join(v, "/")
	}
	rows := []struct {
		label string
		value func(e Environment) string
	}{
		{"stage", func(e Environment) string { return string(e.Stage) }},
		{"region / AZs", func(e Environment) string { return fmt.Sprintf("%s / %d", e.Region, len(e.AvailabilityZones)) }},
		{"VPC CIDR", func(e Environment) string { return e.VPCCIDR }},
		{"NAT gateways / interface endpoints", func(e Environment) string {
			nat := "1 per AZ"
			if e.NATGateways == 1 {
				nat = "1 (shared)"
			}
			return nat + " / " + yesNo(e.InterfaceEndpoints)
		}},
		{"egress filtering", func(e Environment) string {
			return map[bool]string{true: "DNS Firewall + Network Firewall", false: "DNS Firewall"}[e.NetworkFirewall]
		}},
		{"Aurora class / instances", func(e Environment) string { return fmt.Sprintf("%s / %d", e.Aurora.InstanceClass, e.Aurora.Instances) }},
		{"backup retention (days)", func(e Environment) string { return fmt.Sprint(e.Aurora.BackupRetentionDays) }},
		{"deletion protection / final snapshot / prevent_destroy", func(e Environment) string {
			f := e.Stage.Floors()
			return onOff(f.Protected) + " / " + map[bool]string{true: "kept", false: "skipped"}[f.Protected] + " / " + onOff(f.PreventDestroy)
		}},
		{"Performance Insights / enhanced monitoring", func(e Environment) string {
			mon := "off"
			if e.Aurora.MonitoringInterval > 0 {
				mon = fmt.Sprintf("%d s", e.Aurora.MonitoringInterval)
			}
			return onOff(e.Aurora.PerformanceInsights) + " / " + mon
		}},
		{"Redis node type / nodes / failover + multi-AZ", func(e Environment) string {
			return fmt.Sprintf("%s / %d / %s", e.Redis.NodeType, e.Redis.Nodes, onOff(e.Redis.Failover()))
		}},
		{"AWS Backup vault lock / DR copy (days) / restore testing", func(e Environment) string {
			lock, dr := e.Backup.Lock, "none"
			if lock == "" {
				lock = "none"
			}
			if e.Backup.DRRegion != "" {
				dr = fmt.Sprintf("%s (%d)", e.Backup.DRRegion, e.Backup.DRRetentionDays)
			}
			return lock + " / " + dr + " / " + onOff(e.Backup.RestoreTesting)
		}},
		{"Redis snapshot retention (days)", func(e Environment) string { return fmt.Sprint(e.Redis.SnapshotRetentionDays) }},
		{"ECS desired api/payment/notification", func(e Environment) string { return services(e, func(c Capacity) int { return c.DesiredCount }) }},
		{"ECS cpu api/payment/notification", func(e Environment) string { return services(e, func(c Capacity) int { return c.CPU }) }},
		{"ECS memory (MiB) api/payment/notification", func(e Environment) string { return services(e, func(c Capacity) int { return c.MemoryMiB }) }},
		{"log retention (days)", func(e Environment) string { return fmt.Sprint(e.LogRetentionDays) }},
		{"KMS deletion window / secret recovery window (days)", func(e Environment) string {
			return fmt.Sprintf("%d / %d", e.KMSDeletionWindowDays, e.SecretRecoveryDays)
		}},
		{"WAF / account / public zone", func(e Environment) string { return onOff(e.WAF) + " / " + e.Account + " / " + e.HostedZone }},
		{"ECS Exec / read-only root filesystem / FARGATE_SPOT weight", func(e Environment) string {
			return fmt.Sprintf("%s / %s / %d", onOff(e.ExecuteCommand), onOff(e.ReadOnlyRootFilesystem), e.FargateSpotWeight)
		}},
		{"alarm subscriptions (security findings: the account's, below)", func(e Environment) string {
			return strings.Join(append(e.Notify.Emails, e.Notify.HTTPS...), ", ")
		}},
		{"API domain", func(e Environment) string { return e.APIDomain }},
		{"CORS origins", func(e Environment) string {
			return strings.ReplaceAll(strings.Join(e.CORSAllowedOrigins, ", "), "*", "`*`")
		}},
	}
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	text := string(readme)
	header := "| setting | dev | staging | prod |\n|---|---|---|---|\n"
	start := strings.Index(text, header)
	require.GreaterOrEqual(t, start, 0, "the README has the environment table")
	table := strings.SplitN(text[start+len(header):], "\n\n", 2)[0]
	var want []string
	for _, r := range rows {
		line := "| " + r.label
		for _, e := range All() {
			line += " | " + r.value(e)
		}
		want = append(want, line+" |")
	}
	assert.Equal(t, want, strings.Split(table, "\n"))
}
