package policy

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// Minimal resources that satisfy every rule; each case changes one thing.
const (
	paramGroup = `"aws_rds_cluster_parameter_group":{"pg":{"parameter":[{"name":"rds.force_ssl","value":"%s"}],"tags":{"Name":"pg"}}}`
	cluster    = `"aws_rds_cluster":{"db":{"storage_encrypted":%s,"kms_key_id":"k","db_cluster_parameter_group_name":"${aws_rds_cluster_parameter_group.pg.name}","backup_retention_period":%d,"iam_database_authentication_enabled":true,"tags":{"Name":"db"}}}`
	redis      = `"aws_elasticache_replication_group":{"r":{"at_rest_encryption_enabled":%s,"kms_key_id":"k","transit_encryption_enabled":%s,"user_group_ids":["g"],"tags":{"Name":"r"}}}`

	logGroup  = `"aws_cloudwatch_log_group":{"l":{"name":"l",%s"retention_in_days":%d,"tags":{"Name":"l"}}}`
	bucketSSE = `"aws_s3_bucket":{"b":{"bucket":"b","tags":{"Name":"b"}}},"aws_s3_bucket_server_side_encryption_configuration":{"s":{"bucket":"${aws_s3_bucket.b.id}","rule":[{"apply_server_side_encryption_by_default":{"sse_algorithm":"%s","kms_master_key_id":"k"}}]}},` + bucketGuards
	// bucketGuards are what every bucket needs besides encryption; the policy denies requests
	// whose aws:SecureTransport is the %s.
	bucketGuards = `"aws_s3_bucket_public_access_block":{"p":{"bucket":"${aws_s3_bucket.b.id}","block_public_acls":true,"block_public_policy":true,"ignore_public_acls":true,"restrict_public_buckets":true}},` +
		`"aws_s3_bucket_policy":{"bp":{"bucket":"${aws_s3_bucket.b.id}","policy":"{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"s3:*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"%s\"}}}]}"}},` +
		`"aws_s3_bucket_logging":{"lg":{"bucket":"${aws_s3_bucket.b.id}","target_bucket":"logs"}}`
	alb      = `"aws_lb":{"a":{"internal":%v,"enable_deletion_protection":true,"drop_invalid_header_fields":%v,"access_logs":{"enabled":true,"bucket":"logs"},"tags":{"Name":"a"}}}`
	secret   = `"aws_secretsmanager_secret":{"s":{%s"tags":{"Name":"s"}}},"aws_secretsmanager_secret_rotation":{"r":{"secret_id":"${aws_secretsmanager_secret.s.id}","rotation_rules":{"automatically_after_days":%d}}}`
	baseline = accountControls + `,"aws_guardduty_detector":{"g":{"enable":true,"tags":{"Name":"g"}}},"aws_config_configuration_recorder":{"r":{"recording_group":{"all_supported":true,"include_global_resource_types":true}}},"aws_config_delivery_channel":{"d":{}},` +
		`"aws_config_configuration_recorder_status":{"s":{"is_enabled":true}},` +
		`"aws_cloudtrail":{"t":{"is_multi_region_trail":%s,"enable_log_file_validation":true,"kms_key_id":"k","cloud_watch_logs_group_arn":"a","tags":{"Name":"t"},` +
		`"advanced_event_selector":[{"field_selector":[{"field":"eventCategory","equals":["Management"]}]},` +
		`{"field_selector":[{"field":"eventCategory","equals":["Data"]},{"field":"resources.type","equals":["AWS::S3::Object"]}]}]}},` +
		`"aws_guardduty_detector_feature":{"l":{"name":"LAMBDA_NETWORK_LOGS","status":"ENABLED"},"r":{"name":"RUNTIME_MONITORING","status":"ENABLED"},` +
		`"d":{"name":"RDS_LOGIN_EVENTS","status":"ENABLED"},"s":{"name":"S3_DATA_EVENTS","status":"ENABLED"}}`
	auditLock = `"aws_s3_bucket_object_lock_configuration":{"o":{"object_lock_enabled":"Enabled","rule":{"default_retention":{"mode":"GOVERNANCE","days":30}}}}`
	vpc       = `"aws_vpc":{"v":{"tags":{"Name":"v"}}},"aws_flow_log":{"f":{"vpc_id":"${aws_vpc.v.id}","traffic_type":"%s","tags":{"Name":"f"}}}`
	// accountControls are the account-wide settings every account stack keeps (SP-BASE-003).
	accountControls = `"aws_accessanalyzer_analyzer":{"aa":{"type":"ACCOUNT","tags":{"Name":"aa"}}},"aws_ebs_encryption_by_default":{"e":{"enabled":true}},` +
		`"aws_s3_account_public_access_block":{"p":{"block_public_acls":true,"block_public_policy":true,"ignore_public_acls":true,"restrict_public_buckets":true}},` +
		`"aws_iam_account_password_policy":{"pp":{"minimum_password_length":14,"password_reuse_prevention":24,"max_password_age":90,` +
		`"require_lowercase_characters":true,"require_uppercase_characters":true,"require_numbers":true,"require_symbols":true}}`
	// dnsAssociation is a DNS Firewall that fails closed and blocks what it does not allow.
	dnsAssociation = `"aws_route53_resolver_firewall_domain_list":{"all":{"domains":["*."],"tags":{"Name":"all"}}},` +
		`"aws_route53_resolver_firewall_rule":{"allow":{"action":"ALLOW","priority":100,"firewall_rule_group_id":"g","firewall_domain_list_id":"declared"},` +
		`"block":{"action":"BLOCK","priority":200,"firewall_rule_group_id":"g","firewall_domain_list_id":"${aws_route53_resolver_firewall_domain_list.all.id}","block_response":"NXDOMAIN"}},` +
		`"aws_route53_resolver_firewall_config":{"c":{"resource_id":"${aws_vpc.v.id}","firewall_fail_open":"DISABLED"}},` +
		`"aws_route53_resolver_firewall_rule_group_association":{"a":{"vpc_id":"${aws_vpc.v.id}","firewall_rule_group_id":"g","tags":{"Name":"a"}}}`
	// firewallPolicy drops by default (%s) after one strict-order rule group of allowed names.
	firewallPolicy = `"aws_networkfirewall_rule_group":{"g":{"type":"STATEFUL","rule_group":{"rules_source":{"rules_source_list":{"generated_rules_type":"ALLOWLIST",` +
		`"target_types":["TLS_SNI","HTTP_HOST"],"targets":["api.stripe.com"]}},"stateful_rule_options":{"rule_order":"STRICT_ORDER"}},"tags":{"Name":"g"}}},` +
		`"aws_networkfirewall_firewall_policy":{"p":{"firewall_policy":{"stateful_default_actions":["%s"],"stateless_default_actions":["aws:forward_to_sfe"],` +
		`"stateless_fragment_default_actions":["aws:forward_to_sfe"],"stateful_engine_options":{"rule_order":"STRICT_ORDER"},` +
		`"stateful_rule_group_reference":[{"resource_arn":"${aws_networkfirewall_rule_group.g.arn}"}]},"tags":{"Name":"p"}}}`
	federated = `"aws_iam_role":{"r":{"assume_role_policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::1:oidc-provider/app.terraform.io\"},` +
		`\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"app.terraform.io:aud\":\"%s\"},\"StringLike\":{\"app.terraform.io:sub\":\"%s\"}}}]}","tags":{"Name":"r"}}}`
	workspace  = "organization:sp:project:platform:workspace:scalepayments-prod:run_phase:apply"
	image      = `"aws_ecs_task_definition":{"t":{"container_definitions":"[{\"name\":\"app\",\"user\":\"10001\",\"image\":\"%s\",\"linuxParameters\":{\"capabilities\":{\"drop\":[\"ALL\"]}}}]","tags":{"Name":"t"}}}`
	digest     = "111122223333.dkr.ecr.us-east-1.amazonaws.com/scalepayments/prod/api@sha256:6252f07ef1c51d5cdeaa3ad1a9151a7e4c0e6d61cfe0b2f3a82d6a3b19f18f84"
	taskEgress = `"aws_ecs_service":{"s":{"network_configuration":{"subnets":["${aws_subnet.p.id}"],"security_groups":["${aws_security_group.g.id}"]},"tags":{"Name":"s"}}},` +
		`"aws_route_table_association":{"a":{"subnet_id":"${aws_subnet.p.id}","route_table_id":"${aws_route_table.r.id}"}},` +
		`"aws_route":{"d":{"route_table_id":"${aws_route_table.r.id}","destination_cidr_block":"0.0.0.0/0","%s":"x"}}`
	// A production cluster that meets every other rule, and its AWS Backup protection: the lock's
	// extra attributes and the copy's destination vault vary.
	prodCluster = `"aws_rds_cluster_parameter_group":{"pg":{"parameter":[{"name":"rds.force_ssl","value":"1"}],"tags":{"Name":"pg"}}},` +
		`"aws_rds_cluster":{"db":{"storage_encrypted":true,"kms_key_id":"k","db_cluster_parameter_group_name":"${aws_rds_cluster_parameter_group.pg.name}",` +
		`"backup_retention_period":30,"iam_database_authentication_enabled":true,"deletion_protection":true,"skip_final_snapshot":false,"lifecycle":{"prevent_destroy":true},"tags":{"Name":"db"}}}`
	backups = `"aws_kms_key":{"k":{"enable_key_rotation":true,"tags":{"Name":"k"}}},` +
		`"aws_backup_vault":{"v":{"kms_key_arn":"${aws_kms_key.k.arn}","tags":{"Name":"v"}},"dr":{"provider":"aws.dr","kms_key_arn":"${aws_kms_key.k.arn}","tags":{"Name":"dr"}}},` +
		`"aws_backup_vault_lock_configuration":{"l":{"backup_vault_name":"${aws_backup_vault.v.name}"%s}},` +
		`"aws_backup_plan":{"p":{"rule":[{"target_vault_name":"${aws_backup_vault.v.name}","copy_action":[{"destination_vault_arn":"${aws_backup_vault.%s.arn}"}]}],"tags":{"Name":"p"}}},` +
		`"aws_backup_selection":{"s":{"plan_id":"${aws_backup_plan.p.id}","resources":["${aws_rds_cluster.db.arn}"]}},` + restoreTest
	// restoreTest restores the cluster from vault v every week.
	restoreTest = `"aws_backup_restore_testing_plan":{"rt":{"recovery_point_selection":{"include_vaults":["${aws_backup_vault.v.arn}"]},"tags":{"Name":"rt"}}},` +
		`"aws_backup_restore_testing_selection":{"rs":{"restore_testing_plan_name":"${aws_backup_restore_testing_plan.rt.name}","protected_resource_arns":["${aws_rds_cluster.db.arn}"]}}`
	scanned  = `"image_tag_mutability":"IMMUTABLE","image_scanning_configuration":{"scan_on_push":true},"tags":{"Name":"r"}`
	dataTier = `"aws_db_subnet_group":{"g":{"subnet_ids":["${aws_subnet.db.id}"],"tags":{"Name":"g"}}},"aws_route_table":{"db":{"tags":{"Name":"db"}}},` +
		`"aws_route_table_association":{"a":{"subnet_id":"${aws_subnet.db.id}","route_table_id":"${aws_route_table.db.id}"}}`
	pci     = `"aws_securityhub_standards_subscription":{"p":{"standards_arn":"arn:aws:securityhub:us-east-1::standards/pci-dss/v/4.0.1"}}`
	taskDef = `"aws_ecs_task_definition":{"t":{"container_definitions":"[{\"name\":\"app\",\"user\":\"10001\",\"readonlyRootFilesystem\":true,\"image\":\"r@sha256:6252f07ef1c51d5cdeaa3ad1a9151a7e4c0e6d61cfe0b2f3a82d6a3b19f18f84\",\"linuxParameters\":{\"capabilities\":{\"drop\":[\"ALL\"]}},\"environment\":[{\"name\":\"%s\",\"value\":\"x\"}]}]","tags":{"Name":"t"}}}`
)

// loggedTask's container logs to group l; masking de-identifies card numbers in it.
var (
	loggedTask = `"aws_cloudwatch_log_group":{"l":{"name":"l","kms_key_id":"k","retention_in_days":7,"tags":{"Name":"l"}}},` +
		strings.Replace(fmt.Sprintf(image, digest), `\"user\":\"10001\",`, `\"user\":\"10001\",\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"${aws_cloudwatch_log_group.l.name}\"}},`, 1)
	masking = `"aws_cloudwatch_log_data_protection_policy":{"m":{"log_group_name":"${aws_cloudwatch_log_group.l.name}","policy_document":"{\"Statement\":[` +
		`{\"DataIdentifier\":[\"` + CardNumbers + `\"],\"Operation\":{\"Audit\":{}}},{\"DataIdentifier\":[\"` + CardNumbers + `\"],\"Operation\":{\"Deidentify\":{\"MaskConfig\":{}}}}]}"}}`
)

// planRole is a role trusted by Terraform Cloud plans with one inline policy document.
func planRole(document string) string {
	policy, _ := json.Marshal(document)
	return fmt.Sprintf(federated, "aws.workload.identity", strings.Replace(workspace, "run_phase:apply", "run_phase:plan", 1)) +
		`,"aws_iam_role_policy":{"p":{"role":"${aws_iam_role.r.id}","policy":` + string(policy) + `}}`
}

var (
	reads      = iam.Allow("Read", []string{"ec2:Describe*", "s3:Get*", "logs:Get*"}, []string{"*"})
	noDataRead = iam.Deny("NoDataReads", iam.DataReads, []string{"*"})
	readOnly   = iam.Policy(reads, noDataRead)
)

// doc is a stack pinned to its account (SP-ACC-001) holding resources.
func doc(resources ...string) string {
	return `{"provider":{"aws":[{"allowed_account_ids":["111122223333"]}]},"resource":{` + strings.Join(resources, ",") + `}}`
}

// Every rule has a document that breaks only it and a clean one that passes, judged for the
// stage the rule concerns.
func TestEachRuleFailsOnlyOnTheDocumentThatBreaksIt(t *testing.T) {
	production := envconfig.Prod.Clone()
	dev, staging := envconfig.Dev, envconfig.Staging
	scheduled := func(expr string) string { // an encrypted secret rotating on a schedule expression
		return doc(strings.Replace(fmt.Sprintf(secret, `"kms_key_id":"k",`, 30), `"automatically_after_days":30`, `"schedule_expression":"`+expr+`"`, 1))
	}
	tests := []struct {
		rule      string
		env       envconfig.Environment
		bad, good string
	}{
		{"SP-ENC-001", dev, doc(fmt.Sprintf(paramGroup, "1"), fmt.Sprintf(cluster, "false", 7)), doc(fmt.Sprintf(paramGroup, "1"), fmt.Sprintf(cluster, "true", 7))},
		{"SP-ENC-002", dev, doc(fmt.Sprintf(redis, "false", "true")), doc(fmt.Sprintf(redis, "true", "true"))},
		{"SP-ENC-003", dev, doc(fmt.Sprintf(logGroup, ``, 7)), doc(fmt.Sprintf(logGroup, `"kms_key_id":"k",`, 7))},
		{"SP-ENC-004", dev, doc(fmt.Sprintf(bucketSSE, "AES256", "false")), doc(fmt.Sprintf(bucketSSE, "aws:kms", "false"))},
		{"SP-ENC-005", dev, doc(`"aws_sns_topic":{"t":{"kms_master_key_id":"alias/aws/sns","tags":{"Name":"t"}}}`),
			doc(`"aws_sns_topic":{"t":{"kms_master_key_id":"k","tags":{"Name":"t"}}}`)},
		{"SP-ENC-006", dev, doc(fmt.Sprintf(secret, ``, 30)), doc(fmt.Sprintf(secret, `"kms_key_id":"k",`, 30))},
		{"SP-ENC-007", dev, doc(`"aws_ecr_repository":{"r":{"encryption_configuration":[{"encryption_type":"AES256"}],` + scanned + `}}`),
			doc(`"aws_ecr_repository":{"r":{"encryption_configuration":[{"encryption_type":"KMS","kms_key":"k"}],` + scanned + `}}`)},
		{"SP-KMS-001", dev, doc(`"aws_kms_key":{"k":{"enable_key_rotation":false,"tags":{"Name":"k"}}}`), doc(`"aws_kms_key":{"k":{"enable_key_rotation":true,"tags":{"Name":"k"}}}`)},
		{"SP-TLS-001", dev, doc(fmt.Sprintf(paramGroup, "0"), fmt.Sprintf(cluster, "true", 7)), doc(fmt.Sprintf(paramGroup, "1"), fmt.Sprintf(cluster, "true", 7))},
		{"SP-TLS-002", dev, doc(fmt.Sprintf(redis, "true", "false")), doc(fmt.Sprintf(redis, "true", "true"))},
		{"SP-TLS-003", dev, doc(`"aws_lb_listener":{"l":{"protocol":"HTTPS","ssl_policy":"ELBSecurityPolicy-2016-08","tags":{"Name":"l"}}}`),
			doc(`"aws_lb_listener":{"l":{"protocol":"HTTPS","ssl_policy":"` + strongPolicy + `","tags":{"Name":"l"}}}`)},
		{"SP-TLS-004", dev, doc(`"aws_apigatewayv2_domain_name":{"d":{"domain_name_configuration":{"security_policy":"TLS_1_0"},"tags":{"Name":"d"}}}`),
			doc(`"aws_apigatewayv2_domain_name":{"d":{"domain_name_configuration":{"security_policy":"TLS_1_2"},"tags":{"Name":"d"}}}`)},
		{"SP-NET-001", dev, doc(`"aws_vpc_security_group_ingress_rule":{"i":{"cidr_ipv4":"0.0.0.0/0","tags":{"Name":"i"}}}`),
			doc(`"aws_vpc_security_group_ingress_rule":{"i":{"cidr_ipv4":"10.0.0.0/8","tags":{"Name":"i"}}}`)},
		{"SP-NET-002", dev, doc(fmt.Sprintf(alb, false, true)), doc(fmt.Sprintf(alb, true, true))},
		{"SP-NET-003", dev, doc(`"aws_rds_cluster_instance":{"i":{"publicly_accessible":true,"tags":{"Name":"i"}}}`),
			doc(`"aws_rds_cluster_instance":{"i":{"publicly_accessible":false,"tags":{"Name":"i"}}}`)},
		{"SP-NET-004", dev, doc(`"aws_ecs_service":{"a":{"network_configuration":{"security_groups":["${aws_security_group.g.id}"]},"tags":{"Name":"a"}},"b":{"network_configuration":{"security_groups":["${aws_security_group.g.id}"]},"tags":{"Name":"b"}}}`),
			doc(`"aws_ecs_service":{"a":{"network_configuration":{"security_groups":["${aws_security_group.g.id}"]},"tags":{"Name":"a"}},"b":{"network_configuration":{"security_groups":["${aws_security_group.h.id}"]},"tags":{"Name":"b"}}}`)},
		{"SP-NET-005", dev, doc(`"aws_vpc_security_group_egress_rule":{"e":{"cidr_ipv4":"0.0.0.0/0","tags":{"Name":"e"}}}`),
			doc(`"aws_vpc_security_group_egress_rule":{"e":{"cidr_ipv4":"10.0.0.0/8","tags":{"Name":"e"}}}`)},
		{"SP-NET-006", dev, doc(fmt.Sprintf(vpc, "ALL")), doc(fmt.Sprintf(vpc, "ALL"), dnsAssociation)},
		{"SP-NET-007", production, doc(fmt.Sprintf(taskEgress, "nat_gateway_id"), `"aws_networkfirewall_firewall":{"f":{"tags":{"Name":"f"}}}`),
			doc(fmt.Sprintf(taskEgress, "vpc_endpoint_id"), `"aws_networkfirewall_firewall":{"f":{"tags":{"Name":"f"}}}`)},
		{"SP-NET-007", production, doc(fmt.Sprintf(vpc, "ALL"), dnsAssociation), doc(fmt.Sprintf(vpc, "ALL"), dnsAssociation, `"aws_networkfirewall_firewall":{"f":{"tags":{"Name":"f"}}}`)},
		{"SP-LOG-001", dev, doc(fmt.Sprintf(vpc, "REJECT"), dnsAssociation), doc(fmt.Sprintf(vpc, "ALL"), dnsAssociation)},
		{"SP-LOG-002", production, doc(fmt.Sprintf(logGroup, `"kms_key_id":"k",`, 30)), doc(fmt.Sprintf(logGroup, `"kms_key_id":"k",`, 365))},
		{"SP-BAK-001", dev, doc(fmt.Sprintf(paramGroup, "1"), fmt.Sprintf(cluster, "true", 1)), doc(fmt.Sprintf(paramGroup, "1"), fmt.Sprintf(cluster, "true", 7))},
		{"SP-BAK-002", production, doc(prodCluster, fmt.Sprintf(backups, ``, "dr")), doc(prodCluster, fmt.Sprintf(backups, `,"changeable_for_days":3`, "dr"))},
		{"SP-BAK-002", production, doc(prodCluster, fmt.Sprintf(backups, `,"changeable_for_days":3`, "v")), doc(prodCluster, fmt.Sprintf(backups, `,"changeable_for_days":3`, "dr"))},
		{"SP-BAK-002", staging, doc(prodCluster), doc(prodCluster, fmt.Sprintf(backups, ``, "v"))},
		{"SP-BAK-003", dev, doc(`"aws_backup_vault":{"v":{"kms_key_arn":"alias/aws/backup","tags":{"Name":"v"}}}`),
			doc(`"aws_kms_key":{"k":{"enable_key_rotation":true,"tags":{"Name":"k"}}},"aws_backup_vault":{"v":{"kms_key_arn":"${aws_kms_key.k.arn}","tags":{"Name":"v"}}}`)},
		{"SP-SEC-001", dev, doc(`"aws_ssm_parameter":{"p":{"value":"password=hunter22","tags":{"Name":"p"}}}`),
			doc(`"aws_ssm_parameter":{"p":{"value":"feature-flag-on","tags":{"Name":"p"}}}`, `"aws_iam_role_policy":{"s":{"policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"secretsmanager:TagResource\",\"Resource\":\"arn:aws:secretsmanager:us-east-1:1:secret:rds!cluster-*\"}]}"}}`)},
		{"SP-SEC-002", dev, doc(fmt.Sprintf(taskDef, "DB_PASSWORD")), doc(fmt.Sprintf(taskDef, "DB_HOST"))},
		{"SP-IAM-001", dev, doc(`"aws_iam_role_policy":{"p":{"policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}}`),
			doc(`"aws_iam_role_policy":{"p":{"policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"}}`)},
		{"SP-IAM-002", dev, doc(`"aws_sns_topic_policy":{"p":{"policy":"{\"Statement\":[{\"Sid\":\"Open\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"sns:Publish\"]}]}"}}`),
			doc(`"aws_sns_topic_policy":{"p":{"policy":"{\"Statement\":[{\"Sid\":\"Open\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"sns:Publish\"],\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"111122223333\"}}}]}"}}`)},
		{"SP-IAM-002", dev, doc(`"aws_kms_key":{"k":{"enable_key_rotation":true,"policy":"{\"Statement\":[{\"Sid\":\"Other\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::999988887777:root\"},\"Action\":\"kms:Decrypt\"}]}","tags":{"Name":"k"}}}`),
			doc(`"aws_kms_key":{"k":{"enable_key_rotation":true,"policy":"{\"Statement\":[{\"Sid\":\"Own\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"kms:*\"}]}","tags":{"Name":"k"}}}`)},
		{"SP-AUTH-001", dev, doc(fmt.Sprintf(redis, "true", "true"), `"aws_elasticache_user":{"u":{"user_name":"default","access_string":"on ~* +@all","authentication_mode":{"type":"no-password-required"},"tags":{"Name":"u"}}}`),
			doc(fmt.Sprintf(redis, "true", "true"), `"aws_elasticache_user":{"u":{"user_name":"default","access_string":"off -@all","authentication_mode":{"type":"no-password-required"},"tags":{"Name":"u"}}}`)},
		{"SP-NET-008", dev, doc(`"aws_default_security_group":{"d":{"ingress":[{"from_port":0,"to_port":0,"protocol":"-1","self":true}],"tags":{"Name":"d"}}}`),
			doc(`"aws_default_security_group":{"d":{"tags":{"Name":"d"}}}`)},
		{"SP-NET-009", dev, doc(`"aws_subnet":{"s":{"map_public_ip_on_launch":true,"tags":{"Name":"s"}}}`), doc(`"aws_subnet":{"s":{"map_public_ip_on_launch":false,"tags":{"Name":"s"}}}`)},
		{"SP-NET-009", dev, doc(`"aws_ecs_service":{"s":{"network_configuration":{"assign_public_ip":true},"tags":{"Name":"s"}}}`),
			doc(`"aws_ecs_service":{"s":{"network_configuration":{"assign_public_ip":false},"tags":{"Name":"s"}}}`)},
		{"SP-NET-010", dev, doc(dataTier, `"aws_route":{"out":{"route_table_id":"${aws_route_table.db.id}","destination_cidr_block":"0.0.0.0/0","nat_gateway_id":"n"}}`), doc(dataTier)},
		{"SP-CTR-001", dev, doc(strings.Replace(fmt.Sprintf(image, digest), `\"user\":\"10001\"`, `\"user\":\"0\"`, 1)), doc(fmt.Sprintf(image, digest))},
		{"SP-CTR-001", dev, doc(strings.Replace(fmt.Sprintf(image, digest), `[\"ALL\"]`, `[\"NET_RAW\"]`, 1)), doc(fmt.Sprintf(image, digest))},
		{"SP-IMG-002", dev, doc(fmt.Sprintf(image, "111122223333.dkr.ecr.us-east-1.amazonaws.com/scalepayments/prod/api:v1.0.0")), doc(fmt.Sprintf(image, digest))},
		{"SP-IMG-002", dev, doc(fmt.Sprintf(image, "scalepayments/prod/api:latest")), doc(fmt.Sprintf(image, digest))},
		{"SP-IMG-001", dev, doc(`"aws_ecr_repository":{"r":{"image_tag_mutability":"MUTABLE","image_scanning_configuration":{"scan_on_push":true},"encryption_configuration":[{"encryption_type":"KMS","kms_key":"k"}],"tags":{"Name":"r"}}}`),
			doc(`"aws_ecr_repository":{"r":{"image_tag_mutability":"IMMUTABLE","image_scanning_configuration":{"scan_on_push":true},"encryption_configuration":[{"encryption_type":"KMS","kms_key":"k"}],"tags":{"Name":"r"}}}`)},
		{"SP-LOG-003", dev, doc(`"aws_ecs_cluster":{"c":{"setting":[{"name":"containerInsights","value":"disabled"}],"tags":{"Name":"c"}}}`),
			doc(`"aws_ecs_cluster":{"c":{"setting":[{"name":"containerInsights","value":"enabled"}],"tags":{"Name":"c"}}}`)},
		{"SP-AUTH-001", dev, doc(`"aws_elasticache_replication_group":{"r":{"at_rest_encryption_enabled":true,"kms_key_id":"k","transit_encryption_enabled":true,"tags":{"Name":"r"}}}`),
			doc(fmt.Sprintf(redis, "true", "true"))},
		{"SP-AUTH-001", dev, doc(fmt.Sprintf(paramGroup, "1"), strings.Replace(fmt.Sprintf(cluster, "true", 7), `"tags"`, `"master_username":"postgres","tags"`, 1)),
			doc(fmt.Sprintf(paramGroup, "1"), strings.Replace(fmt.Sprintf(cluster, "true", 7), `"tags"`, `"master_username":"spadmin","tags"`, 1))},
		{"SP-S3-001", dev, doc(fmt.Sprintf(bucketSSE, "aws:kms", "true")), doc(fmt.Sprintf(bucketSSE, "aws:kms", "false"))},
		{"SP-LOG-004", dev, doc(`"aws_apigatewayv2_stage":{"s":{"tags":{"Name":"s"}}}`),
			doc(`"aws_apigatewayv2_stage":{"s":{"access_log_settings":{"destination_arn":"${aws_cloudwatch_log_group.l.arn}","format":"{}"},"tags":{"Name":"s"}}}`)},
		{"SP-LOG-004", dev, doc(`"aws_wafv2_web_acl":{"w":{"tags":{"Name":"w"}}}`),
			doc(`"aws_wafv2_web_acl":{"w":{"tags":{"Name":"w"}}},"aws_wafv2_web_acl_logging_configuration":{"l":{"resource_arn":"${aws_wafv2_web_acl.w.arn}"}}`)},
		{"SP-LB-001", dev, doc(fmt.Sprintf(alb, true, false)), doc(fmt.Sprintf(alb, true, true))},
		{"SP-PATCH-001", dev, doc(`"aws_rds_cluster_instance":{"i":{"publicly_accessible":false,"auto_minor_version_upgrade":false,"tags":{"Name":"i"}}}`),
			doc(`"aws_rds_cluster_instance":{"i":{"publicly_accessible":false,"auto_minor_version_upgrade":true,"tags":{"Name":"i"}}}`)},
		{"SP-PATCH-001", dev, doc(`"aws_ecs_service":{"s":{"platform_version":"1.3.0","tags":{"Name":"s"}}}`), doc(`"aws_ecs_service":{"s":{"platform_version":"LATEST","tags":{"Name":"s"}}}`)},
		{"SP-TLS-005", dev, doc(`"aws_acm_certificate":{"c":{"validation_method":"EMAIL","tags":{"Name":"c"}}}`), doc(`"aws_acm_certificate":{"c":{"validation_method":"DNS","tags":{"Name":"c"}}}`)},
		{"SP-TLS-005", dev, doc(`"aws_apigatewayv2_domain_name":{"d":{"domain_name_configuration":{"security_policy":"TLS_1_2","certificate_arn":"arn:aws:acm:us-east-1:111122223333:certificate/imported"},"tags":{"Name":"d"}}}`),
			doc(`"aws_acm_certificate":{"c":{"validation_method":"DNS","tags":{"Name":"c"}}},"aws_apigatewayv2_domain_name":{"d":{"domain_name_configuration":{"security_policy":"TLS_1_2","certificate_arn":"${aws_acm_certificate.c.arn}"},"tags":{"Name":"d"}}}`)},
		{"SP-SEC-003", dev, doc(fmt.Sprintf(secret, `"kms_key_id":"k",`, 365)), doc(fmt.Sprintf(secret, `"kms_key_id":"k",`, 90))},
		{"SP-SEC-003", dev, scheduled("rate(365 days)"), scheduled("cron(0 4 1 * ? *)")},
		{"SP-SEC-003", dev, scheduled("cron(0 4 1 1 ? *)"), scheduled("rate(12 hours)")},
		{"SP-WAF-001", production, doc(fmt.Sprintf(alb, true, true)), doc(fmt.Sprintf(alb, true, true), `"aws_wafv2_web_acl_association":{"w":{"resource_arn":"${aws_lb.a.arn}"}}`)},
		{"SP-STG-001", production, doc(`"aws_apigatewayv2_api":{"a":{"disable_execute_api_endpoint":true,"cors_configuration":{"allow_origins":["*"]},"tags":{"Name":"a"}}}`),
			doc(`"aws_apigatewayv2_api":{"a":{"disable_execute_api_endpoint":true,"cors_configuration":{"allow_origins":["https://scalepayments.com"]},"tags":{"Name":"a"}}}`)},
		{"SP-BASE-001", staging, doc(fmt.Sprintf(baseline, "false"), pci, auditLock), doc(fmt.Sprintf(baseline, "true"), pci, auditLock)},
		{"SP-BASE-001", staging, doc(fmt.Sprintf(baseline, "true"), auditLock), doc(fmt.Sprintf(baseline, "true"), pci, auditLock)},
		{"SP-BASE-002", staging, doc(fmt.Sprintf(baseline, "true"), pci), doc(fmt.Sprintf(baseline, "true"), pci, auditLock)},
		{"SP-BASE-003", staging, doc(strings.Replace(fmt.Sprintf(baseline, "true"), `"type":"ACCOUNT"`, `"type":"ACCOUNT_UNUSED_ACCESS"`, 1), pci, auditLock), doc(fmt.Sprintf(baseline, "true"), pci, auditLock)},
		{"SP-BASE-003", dev, doc(strings.Replace(fmt.Sprintf(baseline, "true"), `"enabled":true`, `"enabled":false`, 1)), doc(fmt.Sprintf(baseline, "true"))},
		{"SP-BASE-003", dev, doc(strings.Replace(fmt.Sprintf(baseline, "true"), `"restrict_public_buckets":true`, `"restrict_public_buckets":false`, 1)), doc(fmt.Sprintf(baseline, "true"))},
		{"SP-BASE-003", dev, doc(strings.Replace(fmt.Sprintf(baseline, "true"), `"all_supported":true`, `"all_supported":false`, 1)), doc(fmt.Sprintf(baseline, "true"))},
		{"SP-BASE-003", dev, doc(strings.Replace(fmt.Sprintf(baseline, "true"), `"minimum_password_length":14`, `"minimum_password_length":8`, 1)), doc(fmt.Sprintf(baseline, "true"))},
		{"SP-BASE-003", dev, doc(strings.Replace(fmt.Sprintf(baseline, "true"), `"password_reuse_prevention":24`, `"password_reuse_prevention":5`, 1)), doc(fmt.Sprintf(baseline, "true"))},
		{"SP-BASE-003", dev, doc(strings.Replace(fmt.Sprintf(baseline, "true"), `"max_password_age":90`, `"max_password_age":365`, 1)), doc(fmt.Sprintf(baseline, "true"))},
		{"SP-BASE-004", dev, doc(fmt.Sprintf(baseline, "true"), `"aws_securityhub_standards_control_association":{"c":{"security_control_id":"S3.1","association_status":"DISABLED","updated_reason":"noise"}}`),
			doc(fmt.Sprintf(baseline, "true"), `"aws_securityhub_standards_control_association":{"c":{"security_control_id":"S3.1","association_status":"ENABLED"}}`)},
		{"SP-NET-011", dev, doc(fmt.Sprintf(vpc, "ALL"), strings.Replace(dnsAssociation, `"firewall_fail_open":"DISABLED"`, `"firewall_fail_open":"ENABLED"`, 1)), doc(fmt.Sprintf(vpc, "ALL"), dnsAssociation)},
		{"SP-NET-011", dev, doc(fmt.Sprintf(vpc, "ALL"), strings.Replace(dnsAssociation, `"action":"BLOCK","priority":200`, `"action":"ALERT","priority":200`, 1)), doc(fmt.Sprintf(vpc, "ALL"), dnsAssociation)},
		{"SP-NET-011", dev, doc(fmt.Sprintf(vpc, "ALL"), strings.Replace(dnsAssociation, `"priority":100`, `"priority":300`, 1)), doc(fmt.Sprintf(vpc, "ALL"), dnsAssociation)},
		{"SP-NET-012", dev, doc(fmt.Sprintf(firewallPolicy, "aws:pass")), doc(fmt.Sprintf(firewallPolicy, "aws:drop_established"))},
		{"SP-NET-012", dev, doc(strings.Replace(fmt.Sprintf(firewallPolicy, "aws:drop_established"), `,"stateful_rule_group_reference":[{"resource_arn":"${aws_networkfirewall_rule_group.g.arn}"}]`, ``, 1)), doc(fmt.Sprintf(firewallPolicy, "aws:drop_established"))},
		{"SP-IAM-003", dev, doc(fmt.Sprintf(federated, "aws.workload.identity", "organization:sp:project:platform:workspace:*:run_phase:apply")), doc(fmt.Sprintf(federated, "aws.workload.identity", workspace))},
		{"SP-IAM-003", dev, doc(fmt.Sprintf(federated, "*", workspace)), doc(fmt.Sprintf(federated, "aws.workload.identity", workspace))},
		{"SP-IAM-003", dev, doc(fmt.Sprintf(federated, "aws.workload.identity", "repo:scalepayments/*:environment:prod")), doc(fmt.Sprintf(federated, "aws.workload.identity", "repo:scalepayments/services:environment:prod"))},
		{"SP-IAM-003", dev, doc(fmt.Sprintf(federated, "aws.workload.identity", "repo:scalepayments/services:ref:refs/heads/*")), doc(fmt.Sprintf(federated, "aws.workload.identity", "repo:scalepayments/services:ref:refs/heads/main"))},
		{"SP-NET-011", dev, doc(fmt.Sprintf(vpc, "ALL"), strings.Replace(dnsAssociation, `"block_response":"NXDOMAIN"`, `"block_response":"OVERRIDE"`, 1)), doc(fmt.Sprintf(vpc, "ALL"), dnsAssociation)},
		{"SP-NET-012", dev, doc(strings.Replace(fmt.Sprintf(firewallPolicy, "aws:drop_established"), `"ALLOWLIST"`, `"DENYLIST"`, 1)), doc(fmt.Sprintf(firewallPolicy, "aws:drop_established"))},
		{"SP-NET-012", dev, doc(strings.Replace(fmt.Sprintf(firewallPolicy, "aws:drop_established"), `["TLS_SNI","HTTP_HOST"]`, `["TLS_SNI","HTTP_HOST","IP"]`, 1)), doc(fmt.Sprintf(firewallPolicy, "aws:drop_established"))},
		{"SP-NET-012", dev, doc(strings.Replace(fmt.Sprintf(firewallPolicy, "aws:drop_established"), `"stateful_rule_options":{"rule_order":"STRICT_ORDER"}`, `"stateful_rule_options":{"rule_order":"DEFAULT_ACTION_ORDER"}`, 1)), doc(fmt.Sprintf(firewallPolicy, "aws:drop_established"))},
		{"SP-NET-012", dev, doc(strings.Replace(fmt.Sprintf(firewallPolicy, "aws:drop_established"), `"stateful_engine_options":{"rule_order":"STRICT_ORDER"},`, ``, 1)), doc(fmt.Sprintf(firewallPolicy, "aws:drop_established"))},
		{"SP-NET-002", dev, doc(`"aws_apigatewayv2_api":{"a":{"tags":{"Name":"a"}}}`), doc(`"aws_apigatewayv2_api":{"a":{"disable_execute_api_endpoint":true,"tags":{"Name":"a"}}}`)},
		{"SP-ENC-006", dev, doc(fmt.Sprintf(secret, `"kms_key_id":"alias/aws/secretsmanager",`, 30)), doc(fmt.Sprintf(secret, `"kms_key_id":"k",`, 30))},
		{"SP-ENC-001", dev, doc(fmt.Sprintf(paramGroup, "1"), strings.Replace(fmt.Sprintf(cluster, "true", 7), `"kms_key_id":"k"`, `"kms_key_id":"arn:aws:kms:us-east-1:111122223333:alias/aws/rds"`, 1)), doc(fmt.Sprintf(paramGroup, "1"), fmt.Sprintf(cluster, "true", 7))},
		{"SP-IAM-004", dev, doc(`"aws_iam_user":{"u":{"name":"ci","tags":{"Name":"u"}}}`), doc()},
		{"SP-IAM-004", dev, doc(`"aws_iam_access_key":{"k":{"user":"ci"}}`), doc()},
		{"SP-BAK-004", production, doc(prodCluster, strings.Replace(fmt.Sprintf(backups, `,"changeable_for_days":3`, "dr"), `"include_vaults":["${aws_backup_vault.v.arn}"]`, `"include_vaults":["${aws_backup_vault.dr.arn}"]`, 1)),
			doc(prodCluster, fmt.Sprintf(backups, `,"changeable_for_days":3`, "dr"))},
		{"SP-BAK-004", staging, doc(prodCluster, strings.Replace(fmt.Sprintf(backups, ``, "v"), `"protected_resource_arns":["${aws_rds_cluster.db.arn}"]`, `"protected_resource_arns":["${aws_rds_cluster.other.arn}"]`, 1)),
			doc(prodCluster, fmt.Sprintf(backups, ``, "v"))},
		{"SP-LOG-005", dev, doc(loggedTask), doc(loggedTask, masking)},
		{"SP-LOG-005", dev, doc(loggedTask, strings.Replace(masking, `\"Deidentify\":{\"MaskConfig\":{}}`, `\"Audit\":{}`, 1)), doc(loggedTask, masking)},
		{"SP-IAM-003", dev, doc(fmt.Sprintf(federated, "aws.workload.identity", strings.Replace(workspace, "run_phase:apply", "run_phase:*", 1))), doc(fmt.Sprintf(federated, "aws.workload.identity", workspace))},
		{"SP-IAM-005", dev, doc(planRole(iam.Policy(reads, noDataRead, iam.Allow("Write", []string{"ec2:CreateVpc"}, []string{"*"})))), doc(planRole(readOnly))},
		{"SP-IAM-005", dev, doc(planRole(iam.Policy(reads))), doc(planRole(readOnly))},
		{"SP-IAM-005", dev, doc(planRole(readOnly), `"aws_iam_role_policy_attachment":{"a":{"role":"${aws_iam_role.r.name}","policy_arn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}`), doc(planRole(readOnly))},
		{"SP-IAM-005", dev, doc(planRole(`{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`)), doc(planRole(readOnly))},
		{"SP-ACC-001", dev, `{"provider":{"aws":[{"region":"us-east-1"}]},"resource":{}}`, doc()},
		{"SP-TAG-001", dev, doc(`"aws_kms_key":{"k":{"enable_key_rotation":true}}`), doc(`"aws_kms_key":{"k":{"enable_key_rotation":true,"tags":{"Name":"k"}}}`)},
	}
	var covered []string
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			account := strings.HasPrefix(tt.rule, "SP-BASE-") // judged on an account stack
			assert.Equal(t, []string{tt.rule}, ids(t, tt.bad, tt.env, account), "the bad document breaks exactly this rule")
			assert.Empty(t, ids(t, tt.good, tt.env, account), "the clean document passes every rule")
		})
		covered = append(covered, tt.rule)
	}
	for _, r := range Rules {
		assert.True(t, slices.Contains(covered, r.ID), "%s has no fixture", r.ID)
	}
}

func ids(t *testing.T, document string, env envconfig.Environment, account bool) []string {
	t.Helper()
	c, err := synthesized.Parse([]byte(document))
	require.NoError(t, err)
	r := Check("fixture", c, env, nil)
	if account {
		r = CheckAccount("fixture", c, envconfig.NonProdAccount, "us-east-1", env.Stage, nil, nil)
	}
	found := map[string]bool{}
	for _, f := range r.Findings {
		found[f.Rule.ID] = true
	}
	return sortedIDs(found)
}

func sortedIDs(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A rule that meets a shape it does not expect reports it as a finding instead of crashing synth.
func TestARuleThatCannotReadAShapeIsAFindingNotACrash(t *testing.T) {
	c, err := synthesized.Parse([]byte(doc(`"aws_s3_bucket":{"b":{"bucket":"b","tags":{"Name":"b"}}},` + fmt.Sprintf(bucketGuards, "false") + `,` +
		`"aws_s3_bucket_server_side_encryption_configuration":{"s":{"bucket":"${aws_s3_bucket.b.id}","rule":["not a block"]}}`)))
	require.NoError(t, err)
	r := Check("odd", c, envconfig.Dev, nil)
	require.Equal(t, []string{"SP-ENC-004"}, r.IDs())
	assert.Equal(t, "stack.configuration", r.Findings[0].Resource.Address())
	assert.Contains(t, r.Findings[0].Problem, "rule could not read the configuration: interface conversion")
}

// An exception can name the one problem it accepts: the same rule still fails on another.
func TestAnExceptionCanBeNarrowedToOneProblem(t *testing.T) {
	c, err := synthesized.Parse([]byte(doc(`"aws_kms_key":{"k":{"enable_key_rotation":true,"tags":{"Name":"k"},"policy":"{\"Statement\":[` +
		`{\"Sid\":\"Elb\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::127311923021:root\"},\"Action\":\"kms:Decrypt\"},` +
		`{\"Sid\":\"Open\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:Decrypt\"}]}"}}`)))
	require.NoError(t, err)
	r := Check("fixture", c, envconfig.Dev, []Suppression{{Rule: "SP-IAM-002", Problem: `statement "Elb" allows account `, Reason: "the ELB account"}})
	require.Len(t, r.Suppressed, 1)
	assert.Equal(t, `statement "Elb" allows account 127311923021 without a condition`, r.Suppressed[0].Finding.Problem)
	require.Len(t, r.Findings, 1)
	assert.Equal(t, `statement "Open" allows any principal without a condition`, r.Findings[0].Problem)
}

// Under AWS Backup the continuous rule keeps the point-in-time backups (it owns the cluster's
// setting, which the cluster ignores after creation): SP-BAK-001 judges the rule's retention.
func TestBackupRetentionIsTheContinuousRules(t *testing.T) {
	withRule := func(days int) *synthesized.Config {
		plan := fmt.Sprintf(`"aws_backup_plan":{"p":{"rule":[{"enable_continuous_backup":true,"lifecycle":{"delete_after":%d}}],"tags":{"Name":"p"}}},`+
			`"aws_backup_selection":{"s":{"plan_id":"${aws_backup_plan.p.id}","resources":["${aws_rds_cluster.db.arn}"]}}`, days)
		c, err := synthesized.Parse([]byte(doc(fmt.Sprintf(paramGroup, "1"), fmt.Sprintf(cluster, "true", 30), plan)))
		require.NoError(t, err)
		return c
	}
	production := envconfig.Prod.Clone()
	var problems []string
	for _, f := range Check("s", withRule(14), production, nil).Findings {
		if f.Rule.ID == "SP-BAK-001" && strings.Contains(f.Problem, "delete_after") {
			problems = append(problems, f.Problem)
		}
	}
	assert.Equal(t, []string{"the AWS Backup continuous rule's lifecycle.delete_after = 14, stage production needs 30 days"}, problems, "the cluster's own 30 days do not count")
	for _, f := range Check("s", withRule(30), production, nil).Findings {
		assert.False(t, f.Rule.ID == "SP-BAK-001" && strings.Contains(f.Problem, "days"), f.Problem)
	}
}

var update = flag.Bool("update", false, "rewrite README.md from the rules")

// README.md is generated from the rules: a rule added, changed or removed shows there.
func TestREADMEIsGenerated(t *testing.T) {
	if *update {
		require.NoError(t, os.WriteFile("README.md", []byte(Markdown()), 0o644))
	}
	got, err := os.ReadFile("README.md")
	require.NoError(t, err)
	assert.Equal(t, Markdown(), string(got), "stale: go test ./stacks/policy -update")
}
