package contract

import (
	"slices"
	"strings"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/stacks/synthesized"
)

const registry = "https://registry.terraform.io/providers/hashicorp/aws/5.99.1/docs/resources/"

// Cases is the contract, in report order. stacks/contract/README.md lists them.
var Cases = []Case{
	{ID: "AC-ORD-001", Kind: Ordering, Title: "S3 Object Lock is configured after the bucket's versioning is on",
		Page: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html, " + registry + "s3_bucket_object_lock_configuration", Check: afterVersioning("aws_s3_bucket_object_lock_configuration")},
	{ID: "AC-ORD-002", Kind: Ordering, Title: "A lifecycle with noncurrent-version rules is configured after the bucket's versioning is on",
		Page: registry + "s3_bucket_lifecycle_configuration (\"Must have bucket versioning enabled first\")", Check: afterVersioning("aws_s3_bucket_lifecycle_configuration")},
	{ID: "AC-ORD-003", Kind: Ordering, Title: "A service delivers into a bucket only after the bucket's policy lets it (CloudTrail, AWS Config, ALB access logs, S3 server access logs)",
		Page: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html, https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html, " +
			"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html, https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
		Check: deliveriesAfterBucketPolicy},
	{ID: "AC-ORD-004", Kind: Ordering, Title: "A vended log delivery (Network Firewall, Resolver query logs) is set up after the log resource policy that admits it",
		Page: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html", Check: vendedLogsAfterPolicy},
	{ID: "AC-ORD-005", Kind: Ordering, Title: "A Security Hub control association is made after its standard is subscribed",
		Page: "https://docs.aws.amazon.com/securityhub/latest/userguide/disable-controls-standard.html", Check: associationsAfterStandard},
	{ID: "AC-ORD-006", Kind: Ordering, Title: "An ECS service naming capacity providers is created after the cluster's capacity providers are associated",
		Page: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html, " + registry + "ecs_cluster_capacity_providers", Check: servicesAfterCapacity},
	{ID: "AC-ORD-007", Kind: Ordering, Title: "An ECS service starts after the policies of its task and execution roles exist (and keeps them until it is gone)",
		Page: registry + "ecs_service (note: depends_on the role policy, else the service hangs in DRAINING)", Check: servicesAfterRoles},
	{ID: "AC-ORD-008", Kind: Ordering, Title: "AWS Backup selections and restore-testing selections are made after their role holds its policies",
		Page: "https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html", Check: roleUsersAfterGrants(map[string]string{"aws_backup_selection": "iam_role_arn", "aws_backup_restore_testing_selection": "iam_role_arn"})},
	{ID: "AC-ORD-009", Kind: Ordering, Title: "An RDS instance with enhanced monitoring is created after its monitoring role holds AmazonRDSEnhancedMonitoringRole",
		Page: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html", Check: roleUsersAfterGrants(map[string]string{"aws_rds_cluster_instance": "monitoring_role_arn"})},
	{ID: "AC-ORD-010", Kind: Ordering, Title: "A trail delivering to CloudWatch Logs is created after its role may write the log group",
		Page: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html", Check: roleUsersAfterGrants(map[string]string{"aws_cloudtrail": "cloud_watch_logs_role_arn"})},
	{ID: "AC-ORD-011", Kind: Ordering, Title: "AWS Config starts recording after its delivery channel exists and its role holds its policies",
		Page: "https://docs.aws.amazon.com/config/latest/APIReference/API_StartConfigurationRecorder.html, https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html", Check: configRecordsAfterChannel},
	{ID: "AC-ORD-012", Kind: Ordering, Title: "A NAT gateway is created after the VPC's internet gateway",
		Page: registry + "nat_gateway (\"depends on the Internet Gateway for the VPC\")", Check: natAfterInternetGateway},
	{ID: "AC-ORD-013", Kind: Ordering, Title: "An EventBridge rule targets an SNS topic only after the topic's policy lets EventBridge publish",
		Page: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html", Check: eventTargetsAfterTopicPolicy},
	{ID: "AC-ORD-014", Kind: Ordering, Title: "An Aurora cluster exporting logs is created after its log group (else RDS creates it, unencrypted and kept forever)",
		Page: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html", Check: clusterAfterLogGroup},
	{ID: "AC-OWN-001", Kind: Owned, Title: "An ECS service under Application Auto Scaling leaves desired_count to it",
		Page: registry + "ecs_service (desired_count: lifecycle ignore_changes with autoscaling)", Check: autoscaledCountIgnored},
	{ID: "AC-OWN-002", Kind: Owned, Title: "An Aurora cluster under AWS Backup continuous backup leaves its backup retention and window to AWS Backup, and starts with the plan's retention",
		Page: "https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery-retention-period.html, https://docs.aws.amazon.com/aws-backup/latest/devguide/rds-backup.html", Check: backupSettingsOwned},
	{ID: "AC-OWN-003", Kind: Owned, Title: "Aurora and ElastiCache that upgrade minor versions themselves leave engine_version to AWS",
		Page: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_UpgradeDBInstance.Maintenance.html, https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/VersionManagement.html", Check: minorVersionsOwned},
	{ID: "AC-OWN-004", Kind: Owned, Title: "A backup vault lock's retention is set once: AWS refuses to remove a compliance lock after its grace period and the provider replaces a lock on any change",
		Page: "https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html, " + registry + "backup_vault_lock_configuration", Check: vaultLocksSetOnce},
	{ID: "AC-OWN-005", Kind: Owned, Title: "DNS Firewall domain lists hold fully qualified names (trailing dot), as AWS returns them",
		Page: "https://github.com/hashicorp/terraform-provider-aws/issues/23543", Check: domainListsQualified},
	{ID: "AC-DEL-001", Kind: Forgotten, Title: "A plan never deletes a resource whose provider delete only forgets it: it is set to its off state instead",
		Page:  "hashicorp/terraform-provider-aws: internal/service/securityhub/standards_control_association.go (WithNoOpDelete), internal/service/guardduty/detector_feature.go and internal/service/ec2/vpc_default_security_group.go (NoopContext)",
		Check: nothingForgotten},
	{ID: "AC-PROT-001", Kind: Protection, Title: "The DNS Firewall association's mutation protection is on exactly where the stage protects changes (it blocks a VPC replacement and a destroy)",
		Page: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_FirewallRuleGroupAssociation.html, https://github.com/hashicorp/terraform-provider-aws/issues/21278", Check: dnsMutationProtection},
	{ID: "AC-PROT-002", Kind: Protection, Title: "The Network Firewall's delete, subnet-change and policy-change protections are on exactly where the stage protects changes (they block adding or dropping an AZ)",
		Page: "https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_UpdateSubnetChangeProtection.html, " + registry + "networkfirewall_firewall", Check: firewallProtection},
	{ID: "AC-PROT-003", Kind: Protection, Title: "Aurora and the ALB are deletion-protected exactly where the stage protects data (development is destroyed at will)",
		Page: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#deletion-protection", Check: deletionProtection},
}

// ForgottenOnDelete are the resource types whose provider delete leaves the AWS object as it is,
// with what stays behind.
var ForgottenOnDelete = map[string]string{
	"aws_securityhub_standards_control_association": "the control keeps its last status (a DISABLED control stays disabled): keep the association with association_status = ENABLED",
	"aws_guardduty_detector_feature":                "the protection keeps its last status: keep it with status = DISABLED",
	"aws_default_security_group":                    "the default security group keeps its last rules",
}

func afterVersioning(typ string) func(*Context) []Violation {
	return func(c *Context) (out []Violation) {
		for _, r := range c.Of(typ) {
			if typ == "aws_s3_bucket_lifecycle_configuration" && !noncurrentRules(r) {
				continue
			}
			if b, ok := c.Ref(r.Body["bucket"]); ok {
				out = append(out, c.waits(r, c.referencing("aws_s3_bucket_versioning", "bucket", b), "the bucket's versioning")...)
			}
		}
		return out
	}
}

func noncurrentRules(r synthesized.Resource) bool {
	for _, rule := range synthesized.Blocks(r.Body["rule"]) {
		if rule["noncurrent_version_expiration"] != nil || rule["noncurrent_version_transition"] != nil {
			return true
		}
	}
	return false
}

// deliveries are the attributes through which AWS services write into a bucket.
var deliveries = map[string]func(synthesized.Body) any{
	"aws_cloudtrail":              func(b synthesized.Body) any { return b["s3_bucket_name"] },
	"aws_config_delivery_channel": func(b synthesized.Body) any { return b["s3_bucket_name"] },
	"aws_s3_bucket_logging":       func(b synthesized.Body) any { return b["target_bucket"] },
	"aws_lb":                      func(b synthesized.Body) any { return synthesized.Block(b["access_logs"])["bucket"] },
}

func deliveriesAfterBucketPolicy(c *Context) (out []Violation) {
	for _, typ := range []string{"aws_cloudtrail", "aws_config_delivery_channel", "aws_lb", "aws_s3_bucket_logging"} {
		for _, r := range c.Of(typ) {
			if b, ok := c.Ref(deliveries[typ](r.Body)); ok {
				out = append(out, c.waits(r, c.referencing("aws_s3_bucket_policy", "bucket", b), "the destination bucket's policy")...)
			}
		}
	}
	return out
}

func vendedLogsAfterPolicy(c *Context) (out []Violation) {
	groupsOf := map[string]func(synthesized.Body) []any{
		"aws_route53_resolver_query_log_config": func(b synthesized.Body) []any { return []any{b["destination_arn"]} },
		"aws_networkfirewall_logging_configuration": func(b synthesized.Body) []any {
			var gs []any
			for _, d := range synthesized.Blocks(synthesized.Block(b["logging_configuration"])["log_destination_config"]) {
				gs = append(gs, synthesized.Block(d["log_destination"])["logGroup"])
			}
			return gs
		},
	}
	for _, typ := range help.SortedKeys(groupsOf) {
		for _, r := range c.Of(typ) {
			for _, g := range groupsOf[typ](r.Body) {
				group, ok := c.Ref(g)
				if !ok || group.Type != "aws_cloudwatch_log_group" {
					continue
				}
				var policies []synthesized.Resource
				for _, p := range c.Of("aws_cloudwatch_log_resource_policy") {
					if s, _ := p.Body["policy_document"].(string); strings.Contains(s, "${"+group.Address()+".arn}") {
						policies = append(policies, p)
					}
				}
				if len(policies) == 0 {
					out = append(out, violation(r, "no log resource policy admits delivery to %s", group.Address()))
				}
				out = append(out, c.waits(r, policies, "the log resource policy")...)
			}
		}
	}
	return out
}

func associationsAfterStandard(c *Context) (out []Violation) {
	for _, a := range c.Of("aws_securityhub_standards_control_association") {
		for _, s := range c.Of("aws_securityhub_standards_subscription") {
			if s.Body["standards_arn"] == a.Body["standards_arn"] {
				out = append(out, c.waits(a, []synthesized.Resource{s}, "the standard's subscription")...)
			}
		}
	}
	return out
}

func servicesAfterCapacity(c *Context) (out []Violation) {
	for _, s := range c.Of("aws_ecs_service") {
		cluster, ok := c.Ref(s.Body["cluster"])
		if !ok || s.Body["capacity_provider_strategy"] == nil {
			continue
		}
		out = append(out, c.waits(s, c.referencing("aws_ecs_cluster_capacity_providers", "cluster_name", cluster), "the cluster's capacity providers")...)
	}
	return out
}

func servicesAfterRoles(c *Context) (out []Violation) {
	for _, s := range c.Of("aws_ecs_service") {
		task, ok := c.Ref(s.Body["task_definition"])
		if !ok {
			continue
		}
		deps := append(c.grants(task.Body["execution_role_arn"]), c.grants(task.Body["task_role_arn"])...)
		out = append(out, c.waits(s, deps, "its roles' policy")...)
	}
	return out
}

// roleUsersAfterGrants: each resource of a type (key) that hands AWS the role its attribute
// (value) names waits until the role holds its policies.
func roleUsersAfterGrants(users map[string]string) func(*Context) []Violation {
	return func(c *Context) (out []Violation) {
		for _, typ := range help.SortedKeys(users) {
			for _, r := range c.Of(typ) {
				out = append(out, c.waits(r, c.grants(r.Body[users[typ]]), "its role's policy")...)
			}
		}
		return out
	}
}

func configRecordsAfterChannel(c *Context) (out []Violation) {
	for _, status := range c.Of("aws_config_configuration_recorder_status") {
		deps := c.Of("aws_config_delivery_channel")
		for _, rec := range c.Of("aws_config_configuration_recorder") {
			deps = append(deps, c.grants(rec.Body["role_arn"])...)
		}
		out = append(out, c.waits(status, deps, "the delivery channel or the recorder role's policy")...)
	}
	return out
}

func natAfterInternetGateway(c *Context) (out []Violation) {
	for _, nat := range c.Of("aws_nat_gateway") {
		out = append(out, c.waits(nat, c.Of("aws_internet_gateway"), "the internet gateway")...)
	}
	return out
}

func eventTargetsAfterTopicPolicy(c *Context) (out []Violation) {
	for _, t := range c.Of("aws_cloudwatch_event_target") {
		topic, ok := c.Ref(t.Body["arn"])
		if ok && topic.Type == "aws_sns_topic" {
			out = append(out, c.waits(t, c.referencing("aws_sns_topic_policy", "arn", topic), "the topic's policy")...)
		}
	}
	return out
}

func clusterAfterLogGroup(c *Context) (out []Violation) {
	for _, cl := range c.Of("aws_rds_cluster") {
		id, _ := cl.Body["cluster_identifier"].(string)
		for _, export := range synthesized.Strings(cl.Body["enabled_cloudwatch_logs_exports"]) {
			name := "/aws/rds/cluster/" + id + "/" + export
			i := slices.IndexFunc(c.Of("aws_cloudwatch_log_group"), func(g synthesized.Resource) bool { return g.Body["name"] == name })
			if i < 0 {
				out = append(out, violation(cl, "exports %s logs but the stack has no log group %s", export, name))
				continue
			}
			out = append(out, c.waits(cl, []synthesized.Resource{c.Of("aws_cloudwatch_log_group")[i]}, "its log group")...)
		}
	}
	return out
}
