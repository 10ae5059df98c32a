package contract

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/synthesized"
)

func doc(resources ...string) *synthesized.Config {
	c, err := synthesized.Parse([]byte(`{"resource":{` + strings.Join(resources, ",") + `}}`))
	if err != nil {
		panic(err)
	}
	return c
}

// Fixtures: a resource and what it must wait for; each bad document leaves out one depends_on,
// or one lifecycle entry, or sets one protection the stage does not want.
const (
	bucket     = `"aws_s3_bucket":{"b":{"bucket":"b"}},"aws_s3_bucket_versioning":{"v":{"bucket":"${aws_s3_bucket.b.id}"}},"aws_s3_bucket_policy":{"p":{"bucket":"${aws_s3_bucket.b.id}"}}`
	role       = `"aws_iam_role":{"r":{"name":"r"}},"aws_iam_role_policy":{"p":{"role":"${aws_iam_role.r.id}"}},"aws_iam_role_policy_attachment":{"a":{"role":"${aws_iam_role.r.name}"}}`
	waitsBoth  = `["aws_iam_role_policy.p","aws_iam_role_policy_attachment.a"]`
	waitsOne   = `["aws_iam_role_policy.p"]`
	continuous = `"aws_backup_plan":{"p":{"rule":[{"enable_continuous_backup":true,"lifecycle":{"delete_after":30}}]}},` +
		`"aws_backup_selection":{"s":{"plan_id":"${aws_backup_plan.p.id}","resources":["${aws_rds_cluster.c.arn}"]}}`
	subscription = `"aws_securityhub_standards_subscription":{"s":{"standards_arn":"arn:pci"}}`
	capacity     = `"aws_ecs_cluster":{"c":{}},"aws_ecs_cluster_capacity_providers":{"cp":{"cluster_name":"${aws_ecs_cluster.c.name}"}},` + role +
		`,"aws_ecs_task_definition":{"t":{"execution_role_arn":"${aws_iam_role.r.arn}"}}`
	dnsLogs = `"aws_cloudwatch_log_group":{"g":{"name":"g"}},"aws_cloudwatch_log_resource_policy":{"p":{"policy_document":"{\"Resource\":\"${aws_cloudwatch_log_group.g.arn}:log-stream:*\"}"}}`
)

func service(dependsOn string) string {
	return capacity + `,"aws_ecs_service":{"s":{"cluster":"${aws_ecs_cluster.c.id}","task_definition":"${aws_ecs_task_definition.t.arn}","capacity_provider_strategy":[{}],"depends_on":` + dependsOn + `}}`
}

func cluster(ignore string, retention int) string {
	return fmt.Sprintf(`"aws_rds_cluster":{"c":{"cluster_identifier":"db","backup_retention_period":%d,"deletion_protection":true,"lifecycle":{"ignore_changes":%s}}}`, retention, ignore)
}

// Every case fails on the document that breaks it, naming that case only, and passes on the
// same document mended.
func TestEachCaseFailsOnlyOnTheDocumentThatBreaksIt(t *testing.T) {
	backupIgnores := `["engine_version","backup_retention_period","preferred_backup_window"]`
	tests := []struct {
		id        string
		stage     envconfig.Stage
		protected bool
		bad, good *synthesized.Config
	}{
		{"AC-ORD-001", envconfig.StageProduction, true,
			doc(bucket, `"aws_s3_bucket_object_lock_configuration":{"o":{"bucket":"${aws_s3_bucket.b.id}"}}`),
			doc(bucket, `"aws_s3_bucket_object_lock_configuration":{"o":{"bucket":"${aws_s3_bucket.b.id}","depends_on":["aws_s3_bucket_versioning.v"]}}`)},
		{"AC-ORD-002", envconfig.StageProduction, true,
			doc(bucket, `"aws_s3_bucket_lifecycle_configuration":{"l":{"bucket":"${aws_s3_bucket.b.id}","rule":[{"noncurrent_version_expiration":[{}]}]}}`),
			doc(bucket, `"aws_s3_bucket_lifecycle_configuration":{"l":{"bucket":"${aws_s3_bucket.b.id}","rule":[{"noncurrent_version_expiration":[{}]}],"depends_on":["aws_s3_bucket_versioning.v"]}}`)},
		{"AC-ORD-003", envconfig.StageProduction, true,
			doc(bucket, `"aws_lb":{"a":{"enable_deletion_protection":true,"access_logs":{"bucket":"${aws_s3_bucket.b.id}"}}}`),
			doc(bucket, `"aws_lb":{"a":{"enable_deletion_protection":true,"access_logs":{"bucket":"${aws_s3_bucket.b.id}"},"depends_on":["aws_s3_bucket_policy.p"]}}`)},
		{"AC-ORD-004", envconfig.StageProduction, true,
			doc(dnsLogs, `"aws_route53_resolver_query_log_config":{"q":{"destination_arn":"${aws_cloudwatch_log_group.g.arn}"}}`),
			doc(dnsLogs, `"aws_route53_resolver_query_log_config":{"q":{"destination_arn":"${aws_cloudwatch_log_group.g.arn}","depends_on":["aws_cloudwatch_log_resource_policy.p"]}}`)},
		{"AC-ORD-005", envconfig.StageProduction, true,
			doc(subscription, `"aws_securityhub_standards_control_association":{"a":{"standards_arn":"arn:pci"}}`),
			doc(subscription, `"aws_securityhub_standards_control_association":{"a":{"standards_arn":"arn:pci","depends_on":["aws_securityhub_standards_subscription.s"]}}`)},
		{"AC-ORD-006", envconfig.StageProduction, true,
			doc(service(waitsBoth)), doc(service(`["aws_ecs_cluster_capacity_providers.cp",` + waitsBoth[1:]))},
		{"AC-ORD-007", envconfig.StageProduction, true,
			doc(service(`["aws_ecs_cluster_capacity_providers.cp","aws_iam_role_policy.p"]`)), doc(service(`["aws_ecs_cluster_capacity_providers.cp",` + waitsBoth[1:]))},
		{"AC-ORD-008", envconfig.StageProduction, true,
			doc(role, `"aws_backup_selection":{"s":{"iam_role_arn":"${aws_iam_role.r.arn}","depends_on":`+waitsOne+`}}`),
			doc(role, `"aws_backup_selection":{"s":{"iam_role_arn":"${aws_iam_role.r.arn}","depends_on":`+waitsBoth+`}}`)},
		{"AC-ORD-009", envconfig.StageProduction, true,
			doc(role, `"aws_rds_cluster_instance":{"i":{"monitoring_role_arn":"${aws_iam_role.r.arn}","auto_minor_version_upgrade":false}}`),
			doc(role, `"aws_rds_cluster_instance":{"i":{"monitoring_role_arn":"${aws_iam_role.r.arn}","auto_minor_version_upgrade":false,"depends_on":`+waitsBoth+`}}`)},
		{"AC-ORD-010", envconfig.StageProduction, true,
			doc(role, `"aws_cloudtrail":{"t":{"cloud_watch_logs_role_arn":"${aws_iam_role.r.arn}","depends_on":`+waitsOne+`}}`),
			doc(role, `"aws_cloudtrail":{"t":{"cloud_watch_logs_role_arn":"${aws_iam_role.r.arn}","depends_on":`+waitsBoth+`}}`)},
		{"AC-ORD-011", envconfig.StageProduction, true,
			doc(role, `"aws_config_configuration_recorder":{"r":{"role_arn":"${aws_iam_role.r.arn}"}},"aws_config_delivery_channel":{"d":{}},"aws_config_configuration_recorder_status":{"s":{"depends_on":`+waitsBoth+`}}`),
			doc(role, `"aws_config_configuration_recorder":{"r":{"role_arn":"${aws_iam_role.r.arn}"}},"aws_config_delivery_channel":{"d":{"depends_on":`+waitsBoth+`}},"aws_config_configuration_recorder_status":{"s":{"depends_on":["aws_config_delivery_channel.d"]}}`)},
		{"AC-ORD-012", envconfig.StageProduction, true,
			doc(`"aws_internet_gateway":{"i":{}},"aws_nat_gateway":{"n":{}}`),
			doc(`"aws_internet_gateway":{"i":{}},"aws_nat_gateway":{"n":{"depends_on":["aws_internet_gateway.i"]}}`)},
		{"AC-ORD-013", envconfig.StageProduction, true,
			doc(`"aws_sns_topic":{"t":{}},"aws_sns_topic_policy":{"p":{"arn":"${aws_sns_topic.t.arn}"}},"aws_cloudwatch_event_target":{"e":{"arn":"${aws_sns_topic.t.arn}"}}`),
			doc(`"aws_sns_topic":{"t":{}},"aws_sns_topic_policy":{"p":{"arn":"${aws_sns_topic.t.arn}"}},"aws_cloudwatch_event_target":{"e":{"arn":"${aws_sns_topic.t.arn}","depends_on":["aws_sns_topic_policy.p"]}}`)},
		{"AC-ORD-014", envconfig.StageProduction, true,
			doc(`"aws_cloudwatch_log_group":{"g":{"name":"/aws/rds/cluster/db/postgresql"}},"aws_rds_cluster":{"c":{"cluster_identifier":"db","deletion_protection":true,"enabled_cloudwatch_logs_exports":["postgresql"]}}`),
			doc(`"aws_cloudwatch_log_group":{"g":{"name":"/aws/rds/cluster/db/postgresql"}},"aws_rds_cluster":{"c":{"cluster_identifier":"db","deletion_protection":true,"enabled_cloudwatch_logs_exports":["postgresql"],"depends_on":["aws_cloudwatch_log_group.g"]}}`)},
		{"AC-OWN-001", envconfig.StageProduction, true,
			doc(`"aws_ecs_service":{"s":{"name":"s"}},"aws_appautoscaling_target":{"t":{"scalable_dimension":"ecs:service:DesiredCount","resource_id":"service/c/${aws_ecs_service.s.name}"}}`),
			doc(`"aws_ecs_service":{"s":{"name":"s","lifecycle":{"ignore_changes":["desired_count"]}}},"aws_appautoscaling_target":{"t":{"scalable_dimension":"ecs:service:DesiredCount","resource_id":"service/c/${aws_ecs_service.s.name}"}}`)},
		{"AC-OWN-002", envconfig.StageProduction, true,
			doc(continuous, cluster(`["engine_version"]`, 30)), doc(continuous, cluster(backupIgnores, 30))},
		{"AC-OWN-002", envconfig.StageProduction, true,
			doc(continuous, cluster(backupIgnores, 14)), doc(continuous, cluster(backupIgnores, 30))},
		{"AC-OWN-003", envconfig.StageProduction, true,
			doc(`"aws_elasticache_replication_group":{"r":{"auto_minor_version_upgrade":true}}`),
			doc(`"aws_elasticache_replication_group":{"r":{"auto_minor_version_upgrade":true,"lifecycle":{"ignore_changes":["engine_version"]}}}`)},
		{"AC-OWN-004", envconfig.StageProduction, true,
			doc(`"aws_backup_vault_lock_configuration":{"l":{"min_retention_days":30,"lifecycle":{"ignore_changes":["min_retention_days","max_retention_days"]}}}`),
			doc(`"aws_backup_vault_lock_configuration":{"l":{"min_retention_days":30,"lifecycle":{"ignore_changes":["min_retention_days","max_retention_days","changeable_for_days"]}}}`)},
		{"AC-OWN-005", envconfig.StageProduction, true,
			doc(`"aws_route53_resolver_firewall_domain_list":{"l":{"domains":["api.stripe.com.","*"]}}`),
			doc(`"aws_route53_resolver_firewall_domain_list":{"l":{"domains":["api.stripe.com.","*."]}}`)},
		{"AC-PROT-001", envconfig.StageDevelopment, false,
			doc(`"aws_route53_resolver_firewall_rule_group_association":{"a":{"mutation_protection":"ENABLED"}}`),
			doc(`"aws_route53_resolver_firewall_rule_group_association":{"a":{"mutation_protection":"DISABLED"}}`)},
		{"AC-PROT-001", envconfig.StageProduction, true,
			doc(`"aws_route53_resolver_firewall_rule_group_association":{"a":{}}`),
			doc(`"aws_route53_resolver_firewall_rule_group_association":{"a":{"mutation_protection":"ENABLED"}}`)},
		{"AC-PROT-002", envconfig.StageProduction, false, // lifted for one run
			doc(`"aws_networkfirewall_firewall":{"f":{"delete_protection":false,"subnet_change_protection":true,"firewall_policy_change_protection":false}}`),
			doc(`"aws_networkfirewall_firewall":{"f":{"delete_protection":false,"subnet_change_protection":false,"firewall_policy_change_protection":false}}`)},
		{"AC-PROT-003", envconfig.StageDevelopment, false,
			doc(`"aws_lb":{"a":{"enable_deletion_protection":true}}`), doc(`"aws_lb":{"a":{"enable_deletion_protection":false}}`)},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+string(tt.stage), func(t *testing.T) {
			bad := Check("stack", tt.bad, tt.stage, tt.protected)
			require.True(t, bad.Failed(), "the broken document fails")
			for _, v := range bad.Violations {
				assert.Equal(t, tt.id, v.Case.ID, "only the case it breaks: %s", v)
			}
			good := Check("stack", tt.good, tt.stage, tt.protected)
			assert.False(t, good.Failed(), "%s", good)
		})
	}
}

// A plan that deletes a resource the provider only forgets fails; one that keeps it (in its off
// state) passes.
func TestAPlanNeverForgetsSilently(t *testing.T) {
	plan := func(actions string) *synthesized.Config {
		c, err := synthesized.FromPlan([]byte(`{"format_version":"1.2","planned_values":{"root_module":{}},"resource_changes":[` +
			`{"address":"aws_securityhub_standards_control_association.c","type":"aws_securityhub_standards_control_association","change":{"actions":` + actions + `}}]}`))
		require.NoError(t, err)
		return c
	}
	r := Check("stack", plan(`["delete"]`), envconfig.StageProduction, true)
	require.Len(t, r.Violations, 1)
	assert.Equal(t, "[AC-DEL-001] aws_securityhub_standards_control_association.c: the plan deletes it, but the provider only forgets it: "+
		"the control keeps its last status (a DISABLED control stays disabled): keep the association with association_status = ENABLED\n    see: "+r.Violations[0].Case.Page, r.Violations[0].String())
	for _, actions := range []string{`["update"]`, `["delete","create"]`, `["forget"]`} {
		assert.False(t, Check("stack", plan(actions), envconfig.StageProduction, true).Failed(), actions)
	}
}

// Every case names the page it encodes and a distinct id; the report counts them all.
func TestCasesAreDocumented(t *testing.T) {
	var ids []string
	for _, c := range Cases {
		assert.NotEmpty(t, c.Page, c.ID)
		assert.NotEmpty(t, c.Title, c.ID)
		assert.Contains(t, []Kind{Ordering, Owned, Forgotten, Protection}, c.Kind, c.ID)
		ids = append(ids, c.ID)
	}
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(ids))), len(Cases))
	assert.Equal(t, "contract: s: 23 cases, 0 violations\n", Check("s", doc(), envconfig.StageDevelopment, false).String())
}

var update = flag.Bool("update", false, "rewrite README.md from the cases")

// README.md is generated from the cases: a case added, changed or removed shows there.
func TestREADMEIsGenerated(t *testing.T) {
	if *update {
		require.NoError(t, os.WriteFile("README.md", []byte(Markdown()), 0o644))
	}
	got, err := os.ReadFile("README.md")
	require.NoError(t, err)
	assert.Equal(t, Markdown(), string(got), "stale: go test ./stacks/contract -update")
}
