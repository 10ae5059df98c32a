package policy

import (
	"fmt"
	"strings"

	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// Untaggable lists the resource types AWS cannot tag; every other type must carry tags.Name.
// A new resource type fails the tag check until it is tagged or listed here.
var Untaggable = map[string]bool{
	"aws_route":                                          true,
	"aws_route_table_association":                        true,
	"aws_kms_alias":                                      true,
	"aws_iam_role_policy":                                true,
	"aws_iam_access_key":                                 true,
	"aws_lambda_permission":                              true,
	"aws_lambda_function_event_invoke_config":            true,
	"aws_iam_role_policy_attachment":                     true,
	"aws_cloudwatch_log_data_protection_policy":          true,
	"aws_sns_topic_policy":                               true,
	"aws_config_configuration_recorder":                  true,
	"aws_config_configuration_recorder_status":           true,
	"aws_config_delivery_channel":                        true,
	"aws_guardduty_detector_feature":                     true,
	"aws_wafv2_web_acl_association":                      true,
	"aws_wafv2_web_acl_logging_configuration":            true,
	"aws_route53_record":                                 true,
	"aws_acm_certificate_validation":                     true,
	"aws_apigatewayv2_api_mapping":                       true,
	"aws_apigatewayv2_integration":                       true,
	"aws_apigatewayv2_route":                             true,
	"aws_appautoscaling_policy":                          true,
	"aws_ecr_lifecycle_policy":                           true,
	"aws_ecr_repository_policy":                          true,
	"aws_backup_selection":                               true,
	"aws_cloudwatch_dashboard":                           true,
	"aws_backup_vault_lock_configuration":                true,
	"aws_backup_restore_testing_selection":               true,
	"aws_ecs_cluster_capacity_providers":                 true,
	"aws_s3_bucket_lifecycle_configuration":              true,
	"aws_s3_bucket_ownership_controls":                   true,
	"aws_s3_bucket_object_lock_configuration":            true,
	"aws_s3_bucket_policy":                               true,
	"aws_s3_bucket_public_access_block":                  true,
	"aws_s3_bucket_server_side_encryption_configuration": true,
	"aws_s3_bucket_versioning":                           true,
	"aws_s3_bucket_logging":                              true,
	"aws_secretsmanager_secret_rotation":                 true,
	"aws_cloudwatch_event_target":                        true,
	"aws_sns_topic_subscription":                         true,
	"aws_cloudwatch_log_resource_policy":                 true,
	"aws_networkfirewall_logging_configuration":          true,
	"aws_route53_resolver_firewall_config":               true,
	"aws_route53_resolver_firewall_rule":                 true,
	"aws_route53_resolver_query_log_config_association":  true,
	"aws_ebs_encryption_by_default":                      true,
	"aws_iam_account_password_policy":                    true,
	"aws_s3_account_public_access_block":                 true,
	"aws_securityhub_account":                            true,
	"aws_securityhub_standards_subscription":             true,
	"aws_securityhub_standards_control_association":      true,
}

// NameLimits is the longest name AWS accepts, per resource type and name attribute.
// A resource with a name attribute not listed here fails the names check.
var NameLimits = map[string]map[string]int{
	"aws_vpc_security_group_ingress_rule": {},
	"aws_vpc_security_group_egress_rule":  {},
	"aws_security_group":                  {"name": naming.MaxSecurityGroupName},
	"aws_cloudwatch_log_group":            {"name": naming.MaxLogGroupName},
	"aws_kms_alias":                       {"name": naming.MaxKMSAliasName},
	"aws_iam_role":                        {"name": naming.MaxIAMRoleName},
	"aws_iam_role_policy":                 {"name": 128},
	"aws_db_subnet_group":                 {"name": naming.MaxSubnetGroupName},
	"aws_db_parameter_group":              {"name": naming.MaxParameterGroupName},
	"aws_rds_cluster_parameter_group":     {"name": naming.MaxParameterGroupName},
	"aws_rds_cluster":                     {"cluster_identifier": naming.MaxRDSIdentifier},
	"aws_rds_cluster_instance":            {"identifier": naming.MaxRDSIdentifier, "cluster_identifier": naming.MaxRDSIdentifier},
	"aws_elasticache_subnet_group":        {"name": naming.MaxSubnetGroupName},
	"aws_elasticache_parameter_group":     {"name": naming.MaxParameterGroupName},
	"aws_elasticache_replication_group":   {"replication_group_id": naming.MaxReplicationGroupID},
	"aws_elasticache_user":                {"user_id": naming.MaxElastiCacheUserID, "user_name": naming.MaxElastiCacheUserID},
	"aws_elasticache_user_group":          {"user_group_id": naming.MaxElastiCacheUserID},
	"aws_apigatewayv2_api":                {"name": naming.MaxAPIGatewayName},
	"aws_apigatewayv2_stage":              {"name": 128},
	"aws_apigatewayv2_vpc_link":           {"name": naming.MaxVPCLinkName},
	"aws_appautoscaling_policy":           {"name": naming.MaxName},
	"aws_ecr_repository":                  {"name": naming.MaxECRRepositoryName},
	"aws_ecs_cluster":                     {"name": naming.MaxECSName},
	"aws_ecs_service":                     {"name": naming.MaxECSName},
	"aws_lb":                              {"name": naming.MaxALBName},
	"aws_lb_target_group":                 {"name": naming.MaxTargetGroupName},
	"aws_s3_bucket":                       {"bucket": naming.MaxS3BucketName},
	"aws_secretsmanager_secret":           {"name": 512},
	"aws_sns_topic":                       {"name": naming.MaxSNSTopicName},
	"aws_wafv2_web_acl":                   {"name": naming.MaxWAFName},
	"aws_cloudtrail":                      {"name": naming.MaxCloudTrailName},
	"aws_config_configuration_recorder":   {"name": 256},
	"aws_config_delivery_channel":         {"name": 256},
	"aws_guardduty_detector_feature":      {"name": 64}, // AWS's feature names
	"aws_cloudwatch_event_rule":           {"name": naming.MaxEventRuleName},
	// Route 53 Resolver names: 1-64 characters; Network Firewall names: 1-128.
	"aws_route53_resolver_firewall_domain_list":            {"name": 64},
	"aws_route53_resolver_firewall_rule_group":             {"name": 64},
	"aws_route53_resolver_firewall_rule":                   {"name": 64},
	"aws_route53_resolver_firewall_rule_group_association": {"name": 64},
	"aws_route53_resolver_query_log_config":                {"name": 64},
	"aws_networkfirewall_rule_group":                       {"name": 128},
	"aws_networkfirewall_firewall_policy":                  {"name": 128},
	"aws_networkfirewall_firewall":                         {"name": 128},
	"aws_accessanalyzer_analyzer":                          {"analyzer_name": 255},
	"aws_route53_zone":                                     {"name": naming.MaxName},
	"aws_backup_vault":                                     {"name": naming.MaxBackupVaultName},
	"aws_backup_plan":                                      {"name": naming.MaxBackupVaultName},
	"aws_backup_selection":                                 {"name": naming.MaxBackupVaultName},
	"aws_backup_restore_testing_plan":                      {"name": naming.MaxRestoreTestingName},
	"aws_backup_restore_testing_selection":                 {"name": naming.MaxRestoreTestingName},
	"aws_cloudwatch_dashboard":                             {"dashboard_name": naming.MaxDashboardName},
	// DNS names: the API domain is validated in envconfig; validation records are ACM's.
	"aws_route53_record": {"name": naming.MaxName},
}

const accountToken = "${data.aws_caller_identity.caller.account_id}"

var nameAttrs = []string{"name", "analyzer_name", "name_prefix", "identifier", "cluster_identifier", "replication_group_id", "bucket", "user_id", "user_name", "user_group_id", "dashboard_name"}

// Untagged lists resources that lack an explicit Name tag although AWS can tag them.
func Untagged(c *synthesized.Config) []synthesized.Resource {
	var bad []synthesized.Resource
	for _, r := range c.Each() {
		if Untaggable[r.Type] {
			continue
		}
		tags, _ := r.Body["tags"].(synthesized.Body)
		if name, _ := tags["Name"].(string); name == "" {
			bad = append(bad, r)
		}
	}
	return bad
}

// NameViolations lists every generated name longer than its AWS limit, and every name
// attribute whose limit the table does not know.
func NameViolations(c *synthesized.Config) []string {
	var bad []string
	for _, r := range c.Each() {
		for _, attr := range nameAttrs {
			v, ok := r.Body[attr].(string)
			if !ok || synthesized.IsRef(v) {
				continue // absent, or a whole reference to a resource checked on its own
			}
			// The account id is the one token allowed in a name (global S3 uniqueness): 12 digits.
			v = strings.ReplaceAll(v, accountToken, "123456789012")
			if r.Type == "aws_route53_record" && strings.HasPrefix(v, "${tolist(") {
				continue // ACM's validation record name
			}
			limit, known := NameLimits[r.Type][attr]
			switch {
			case !known:
				bad = append(bad, fmt.Sprintf("%s.%s: no limit known (add it to policy.NameLimits)", r.Address(), attr))
			case len(v) > limit:
				bad = append(bad, fmt.Sprintf("%s.%s = %q: %d chars, limit %d", r.Address(), attr, v, len(v), limit))
			case strings.Contains(v, "${"):
				// A token's length is unknown at synth time: names must be computed in Go.
				bad = append(bad, fmt.Sprintf("%s.%s = %q: computed by Terraform, not by help/", r.Address(), attr, v))
			}
		}
	}
	return bad
}
