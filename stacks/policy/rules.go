package policy

import (
	"fmt"

	"github.com/scalepayments/infra/stacks/synthesized"
)

// Rules is the rule pack, in report order. README.md documents every rule.
var Rules = []Rule{
	{ID: "SP-ENC-001", Severity: High, PCI: "3.5.1", SecurityHub: "RDS.27", Title: "Aurora and RDS storage is encrypted with a customer-managed KMS key",
		Fix: "set storage_encrypted = true and kms_key_id to the database key (constructs/database)", Check: rdsEncrypted},
	{ID: "SP-ENC-002", Severity: High, PCI: "3.5.1", SecurityHub: "ElastiCache.4", Title: "ElastiCache is encrypted at rest with a customer-managed KMS key",
		Fix: "set at_rest_encryption_enabled = true and kms_key_id to the cache key (constructs/cache)", Check: redisEncrypted},
	{ID: "SP-ENC-003", Trivy: "AWS-0017", Severity: High, PCI: "3.5.1, 10.3.2", Title: "CloudWatch log groups are encrypted with a customer-managed KMS key",
		Fix: "create log groups with constructs/logs, which sets kms_key_id to the logs key", Check: customerKeys("aws_cloudwatch_log_group", "kms_key_id")},
	{ID: "SP-ENC-004", Trivy: "AWS-0132", Severity: High, PCI: "3.5.1", SecurityHub: "S3.17", Title: "S3 buckets are encrypted with a customer-managed KMS key",
		Fix: "create buckets with constructs/bucket and pass KMSKeyARN", Check: bucketsEncrypted},
	{ID: "SP-ENC-005", Trivy: "AWS-0136, AWS-0095", Severity: Medium, PCI: "3.5.1", SecurityHub: "SNS.1", Title: "SNS topics are encrypted with a customer-managed KMS key",
		Fix: "set kms_master_key_id to a key of constructs/keys (not alias/aws/sns)", Check: customerKeys("aws_sns_topic", "kms_master_key_id")},
	{ID: "SP-ENC-006", Severity: High, PCI: "3.5.1, 8.3.2", Title: "Secrets Manager secrets, including RDS-managed master secrets, use a customer-managed KMS key",
		Fix: "set kms_key_id on the secret, master_user_secret_kms_key_id on the cluster", Check: secretsEncrypted},
	{ID: "SP-ENC-007", Trivy: "AWS-0033", Severity: Medium, PCI: "3.5.1, 6.3.2", Title: "ECR repositories are encrypted with a customer-managed KMS key",
		Fix: "set encryption_configuration { encryption_type = KMS, kms_key = images key }", Check: ecrEncrypted},
	{ID: "SP-KMS-001", Severity: High, PCI: "3.7.4", SecurityHub: "KMS.4", Title: "KMS keys rotate automatically",
		Fix: "set enable_key_rotation = true (constructs/keys does)", Check: attrEquals("aws_kms_key", "enable_key_rotation", true)},
	{ID: "SP-TLS-001", Severity: High, PCI: "4.2.1", Title: "Aurora PostgreSQL refuses connections without TLS (rds.force_ssl = 1)",
		Fix: "attach a cluster parameter group with rds.force_ssl = 1 (constructs/database)", Check: auroraForcesTLS},
	{ID: "SP-TLS-002", Severity: High, PCI: "4.2.1", SecurityHub: "ElastiCache.5", Title: "ElastiCache requires TLS in transit",
		Fix: "set transit_encryption_enabled = true and transit_encryption_mode = required", Check: redisRequiresTLS},
	{ID: "SP-TLS-003", Severity: High, PCI: "4.2.1", Title: "Load balancer listeners use HTTPS with a TLS 1.2+ policy, or only redirect to HTTPS",
		Fix: "use protocol HTTPS with ssl_policy " + strongPolicy, Check: listenersUseTLS},
	{ID: "SP-TLS-004", Severity: High, PCI: "4.2.1", Title: "API custom domains negotiate TLS 1.2 or later",
		Fix: "set domain_name_configuration.security_policy = TLS_1_2", Check: apiDomainsTLS},
	{ID: "SP-NET-001", Severity: High, PCI: "1.3.1, 1.4.2", SecurityHub: "EC2.13, EC2.14, EC2.18, EC2.19, EC2.53, EC2.54", Title: "No security group allows ingress from 0.0.0.0/0 or ::/0, on any port",
		Fix: "reference the caller's security group instead of a CIDR (constructs/firewall.Flows)", Check: noWorldIngress},
	{ID: "SP-NET-002", Severity: High, PCI: "1.3.1, 1.4.1", Title: "No load balancer is internet-facing and every API answers only on its custom domain: API Gateway's custom domain is the only public entry",
		Fix: "set internal = true and expose routes through the API Gateway VPC link; set disable_execute_api_endpoint = true", Check: singleEntry},
	{ID: "SP-NET-003", Severity: High, PCI: "1.3.1, 1.4.4", SecurityHub: "RDS.2", Title: "Databases are not public and accept connections only from the tasks security group",
		Fix: "keep publicly_accessible = false and allow data-store ports only from the tasks group", Check: dataStoresPrivate},
	{ID: "SP-NET-004", Severity: High, PCI: "1.3.1, 7.2.1", Title: "No security group is shared by two ECS services: each service has its own",
		Fix: "give each service its own group (constructs/firewall.Tasks)", Check: tasksGroupsNotShared},
	{ID: "SP-NET-005", Trivy: "AWS-0104", Severity: High, PCI: "1.3.2, 1.4.2", Title: "No egress to 0.0.0.0/0 or ::/0 except the declared, documented exceptions",
		Fix: "reach AWS through endpoints and declare third-party hosts in envconfig ExternalDomains (stacks/judge derives the exception)", Check: noWorldEgress},
	{ID: "SP-NET-006", Severity: High, PCI: "1.3.2, 1.4.1", Title: "A Route 53 Resolver DNS Firewall rule group is associated with every VPC",
		Fix: "associate the DNS Firewall (constructs/egress) with the VPC", Check: dnsFirewallEverywhere},
	{ID: "SP-NET-007", Severity: High, PCI: "1.3.2, 1.4.1", Title: "Where the stage requires it, every task subnet's default route goes through the Network Firewall",
		Fix: "set NetworkFirewall in envconfig; the network routes private subnets through the firewall endpoint of their AZ", Check: egressInspected},
	{ID: "SP-LOG-001", Trivy: "AWS-0178", Severity: High, PCI: "10.2.1", SecurityHub: "EC2.6", Title: "Every VPC has flow logs capturing ALL traffic",
		Fix: "add an aws_flow_log with traffic_type = ALL (constructs/network)", Check: flowLogs},
	{ID: "SP-LOG-002", Severity: High, PCI: "10.5.1", Title: "Log groups keep at least their stage's retention floor (365 days in production)",
		Fix: "set LogRetentionDays to at least the stage's floor in envconfig (envconfig.Stage.Floors)", Check: retentionFloor},
	{ID: "SP-BAK-001", Severity: High, PCI: "12.10.1, 9.4.1", Title: "Data stores keep backups, and where the stage requires it are deletion-protected with final snapshots (and prevent_destroy)",
		Fix: "the stack derives protection from the stage (envconfig.Stage.Floors); keep backups and Redis snapshots at the stage's floor", Check: dataStoresBackedUp},
	{ID: "SP-BAK-002", Severity: High, PCI: "9.4.1, 12.10.1", Title: "Where the stage requires it, Aurora is selected by ARN in an AWS Backup plan with a locked vault (compliance mode in production) and a copy to another region",
		Fix: "meet envconfig.Stage.Floors for Backup (Lock, DRRegion); the stack builds constructs/backup from them", Check: backupsProtected},
	{ID: "SP-BAK-003", Severity: High, PCI: "3.5.1", SecurityHub: "Backup.1", Title: "Every AWS Backup vault is encrypted with a customer-managed KMS key",
		Fix: "set kms_key_arn to a key of the stack (keys.Backup, or the DR region's key)", Check: vaultsEncrypted},
	{ID: "SP-SEC-001", Severity: High, PCI: "8.3.2, 8.6.2", Title: "No literal secret (password, token, key material) in the configuration",
		Fix: "use manage_master_user_password, IAM authentication or a Secrets Manager reference", Check: noLiteralSecrets},
	{ID: "SP-SEC-002", Severity: High, PCI: "8.6.2, 3.5.1", SecurityHub: "ECS.8", Title: "Task definitions pass secrets only through `secrets`, never plain `environment`",
		Fix: "declare the secret on the service in envconfig; it is injected from Secrets Manager", Check: noPlainSecrets},
	{ID: "SP-IAM-001", Severity: High, PCI: "7.2.1, 7.2.2", Title: "IAM policies grant no wildcard actions",
		Fix: "list the exact actions the principal needs", Check: noWildcardActions},
	{ID: "SP-IAM-002", Severity: High, PCI: "7.2.1, 1.3.1", Title: "No resource policy (KMS key, S3 bucket, SNS topic, ECR repository, secret, log resource policy, IAM trust) allows any principal, or another account, without a condition",
		Fix: "name the principal (an account root with aws:PrincipalArn, a service host) or add a condition", Check: noOpenPolicies},
	{ID: "SP-NET-008", Severity: High, PCI: "1.3.1, 1.2.8", SecurityHub: "EC2.2", Title: "The default security group of every VPC has no rules",
		Fix: "manage it with aws_default_security_group and no ingress or egress blocks (constructs/network)", Check: defaultGroupClosed},
	{ID: "SP-NET-009", Severity: High, PCI: "1.3.1, 1.4.4", SecurityHub: "EC2.15, ECS.2", Title: "No subnet assigns public IPs on launch and no ECS service gives its tasks a public IP",
		Fix: "keep map_public_ip_on_launch and assign_public_ip false; only NAT gateways hold public addresses", Check: noPublicIPs},
	{ID: "SP-NET-010", Severity: High, PCI: "1.3.1, 1.4.4", Title: "The data stores' subnets route nowhere: their route tables hold only the local route",
		Fix: "give the database subnets their own route table without routes (constructs/network)", Check: dataTierIsolated},
	{ID: "SP-CTR-001", Severity: High, PCI: "2.2.5, 7.2.1", SecurityHub: "ECS.4", Title: "No container is privileged or runs as root",
		Fix: "keep privileged false and set a non-root user (constructs/service)", Check: containersUnprivileged},
	{ID: "SP-IMG-001", Severity: Medium, PCI: "6.3.3, 6.5.1", SecurityHub: "ECR.1, ECR.2", Title: "ECR repositories have immutable tags and scan images on push",
		Fix: "set image_tag_mutability = IMMUTABLE and image_scanning_configuration.scan_on_push = true", Check: imagesImmutableAndScanned},
	{ID: "SP-LOG-003", Severity: Medium, PCI: "10.2.1, 10.4.1", SecurityHub: "ECS.12", Title: "ECS clusters have Container Insights on",
		Fix: "set the cluster setting containerInsights = enabled (constructs/cluster)", Check: containerInsights},
	{ID: "SP-AUTH-001", Severity: High, PCI: "8.3.1, 8.2.2", SecurityHub: "RDS.12, RDS.24", Title: "Aurora accepts IAM database authentication and has no default administrator name; Redis authenticates every client through a user group whose passwordless default user is off",
		Fix: "set iam_database_authentication_enabled = true, a master_username other than postgres, and user_group_ids (constructs/database, constructs/cache)", Check: authenticationOn},
	{ID: "SP-WAF-001", Severity: High, PCI: "6.4.2", Title: "A WAF web ACL protects every ALB where the stage requires WAF",
		Fix: "set WAF = true in envconfig (the stack attaches constructs/waf)", Check: wafAttached},
	{ID: "SP-STG-001", Severity: High, PCI: "2.2.6, 6.4.3", SecurityHub: "ECS.5", Title: "The stack meets its stage's floors: named CORS origins, read-only root filesystems, no ECS Exec",
		Fix: "meet envconfig.Stage.Floors: name the CORS origins, keep ReadOnlyRootFilesystem on and ExecuteCommand off", Check: stageFloors},
	{ID: "SP-BASE-001", Severity: High, PCI: "10.2.1, 10.3.3, 11.3.1, 11.5.1", SecurityHub: "GuardDuty.1, CloudTrail.2, CloudTrail.3, CloudTrail.4", Title: "Every account hosting staging or production runs GuardDuty, AWS Config, a multi-region validated CloudTrail and Security Hub with PCI DSS v4.0.1",
		Fix: "deploy the account stack (constructs/baseline) of every account in envconfig.Accounts", Check: baselinePresent},
	{ID: "SP-BASE-002", Severity: High, PCI: "10.2.1, 10.3.3, 11.5.1", SecurityHub: "GuardDuty.6, GuardDuty.7, GuardDuty.9, GuardDuty.10, S3.15, S3.22, S3.23", Title: "Where the baseline is required, GuardDuty watches Lambda, runtime, RDS login and S3 data activity, the trail logs management and S3 object events, and the audit bucket is under Object Lock",
		Fix: "deploy the account stack (constructs/baseline): GuardDutyFeatures, the trail's advanced event selectors, the audit bucket's Lock", Check: baselineDepth},
	{ID: "SP-S3-001", Severity: High, PCI: "1.4.4, 4.2.1", SecurityHub: "S3.5, S3.8, CloudTrail.6", Title: "S3 buckets block all public access and deny every request without TLS",
		Fix: "create buckets with constructs/bucket (public access block, DenyInsecureTransport)", Check: bucketsPrivateAndTLSOnly},
	{ID: "SP-LOG-004", Trivy: "AWS-0089", Severity: High, PCI: "10.2.1, 10.2.2", SecurityHub: "S3.9, CloudTrail.7, APIGateway.9, WAF.11, ELB.5, RDS.9, RDS.37", Title: "Every access path is logged: S3 server access logs, API stages, WAF web ACLs, ALBs and Aurora PostgreSQL logs",
		Fix: "give buckets AccessLogs (constructs/bucket), stages access_log_settings, web ACLs a logging configuration, ALBs access_logs, Aurora enabled_cloudwatch_logs_exports = [postgresql]", Check: accessLogged},
	{ID: "SP-LB-001", Severity: Medium, PCI: "6.2.4", SecurityHub: "ELB.4, ELB.12", Title: "Application load balancers drop invalid header fields and mitigate HTTP desync (defensive or strictest)",
		Fix: "set drop_invalid_header_fields = true and desync_mitigation_mode = strictest (constructs/edge)", Check: loadBalancersHardened},
	{ID: "SP-PATCH-001", Severity: Medium, PCI: "6.3.3", SecurityHub: "ECS.10, ElastiCache.2, RDS.13", Title: "Fargate runs the latest platform version and Aurora and Redis apply minor versions automatically",
		Fix: "leave platform_version unset (LATEST) and auto_minor_version_upgrade on", Check: patchedAutomatically},
	{ID: "SP-TLS-005", Severity: Medium, PCI: "4.2.1", SecurityHub: "ACM.1", Title: "Certificates are issued by ACM with DNS validation (renewed automatically), never imported",
		Fix: "request the certificate with validation_method = DNS and reference it (constructs/edge)", Check: certificatesRenewed},
	{ID: "SP-SEC-003", Severity: High, PCI: "8.3.9, 8.6.3", SecurityHub: "SecretsManager.1, SecretsManager.4", Title: "Secrets rotate automatically at least every 90 days, or are a recorded exception with a manual rotation runbook",
		Fix: "add aws_secretsmanager_secret_rotation, or record the secret in stacks/judge/exceptions.go with its reason and runbook", Check: secretsRotated},
	{ID: "SP-ACC-001", Severity: High, PCI: "7.2.1, 12.5.1", Title: "Every stack's provider names the only account it may be applied to (allowed_account_ids)",
		Fix: "name the environment's Account in envconfig and set its id (SCALEPAYMENTS_ACCOUNT_<NAME>)", Check: accountPinned},
	{ID: "SP-BASE-003", Severity: High, PCI: "1.4.4, 3.5.1, 8.3.6, 8.3.7, 8.3.9, 10.2.1", SecurityHub: "S3.1, IAM.7, IAM.11, IAM.12, IAM.13, IAM.14, IAM.15, IAM.16, IAM.17, EC2.7, Config.1, IAM.28", Title: "Every account keeps IAM Access Analyzer, EBS encryption by default, AWS Config recording every supported resource type, and in its home region the account's S3 Block Public Access and a password policy of at least 14 characters, 24 remembered, 90 days",
		Fix: "deploy the account stack (constructs/baseline) as it is: accountControls, the Config recording group", Check: accountBaselineComplete},
	{ID: "SP-BASE-004", Severity: High, PCI: "10.7.1, 12.10.5", Title: "A Security Hub control is disabled only by a recorded exception, with its reason",
		Fix: "record the exception in stacks/judge/exceptions.go (the account stack disables its controls), or enable the control", Check: controlsDisabledOnlyByExceptions},
	{ID: "SP-NET-011", Severity: High, PCI: "1.3.2, 1.4.1", Title: "Every VPC's DNS Firewall fails closed and its rule group ends in a rule that blocks every domain no earlier rule allows",
		Fix: "keep constructs/egress's block-everything-else rule last and firewall_fail_open = DISABLED", Check: dnsFirewallEnforced},
	{ID: "SP-NET-012", Severity: High, PCI: "1.3.2, 1.4.1", SecurityHub: "NetworkFirewall.3, NetworkFirewall.4, NetworkFirewall.5", Title: "Every Network Firewall policy has a stateful rule group and drops by default what it does not pass",
		Fix: "keep constructs/egress's policy: stateful_default_actions aws:drop_established, stateless defaults aws:forward_to_sfe, the allowlist rule group", Check: firewallDropsByDefault},
	{ID: "SP-IAM-003", Severity: High, PCI: "7.2.1, 8.2.2", Title: "Every role trusted by an OIDC provider checks one exact audience and accepts one workspace and run phase (plan or apply), repository and environment or branch",
		Fix: "use iam.WebIdentity with delivery.TerraformSubject / delivery.GitHubSubject: StringEquals on <host>:aud, no wildcard in the subject's identity, one role per run phase", Check: federatedTrustExact},
	{ID: "SP-IMG-002", Severity: High, PCI: "6.5.1, 6.3.3", Title: "Every container runs an image by digest (repository@sha256:...), never by tag",
		Fix: "set the service's digest in envconfig/releases/<env>.json; constructs/service builds <repository>@<digest>", Check: imagesByDigest},
	{ID: "SP-IAM-004", Severity: High, PCI: "8.2.2, 8.6.2", Title: "No IAM user, access key or console password: people and pipelines use roles with temporary credentials",
		Fix: "use a role trusted by the identity provider (constructs/delivery, the human roles) instead of an IAM user or key", Check: noLongLivedKeys},
	{ID: "SP-BAK-004", Severity: High, PCI: "9.4.1, 12.10.2", Title: "Where the stage requires it, AWS Backup restores every backed-up Aurora cluster on a schedule, from the vault its plan writes to",
		Fix: "meet envconfig.Stage.Floors RestoreTesting (constructs/backup restoreTest)", Check: restoresTested},
	{ID: "SP-LOG-005", Severity: High, PCI: "3.4.1, 3.5.1", Title: "Every log group a container writes to masks payment card numbers (a data protection policy that de-identifies CreditCardNumber)",
		Fix: "create service log groups with constructs/logs MaskCardNumbers", Check: cardNumbersMasked},
	{ID: "SP-IAM-005", Severity: High, PCI: "6.5.3, 7.2.1", Title: "Every role Terraform Cloud plans assume is read-only: only Describe/Get/List, every data read (secret values, objects, image layers, log events, decryption) denied, no managed policy",
		Fix: "give plan roles delivery.PlanPermissions only (constructs/delivery); writes belong to the run_phase:apply role", Check: planRolesReadOnly},
	{ID: "SP-TAG-001", Severity: Medium, PCI: "12.5.1", Title: "Every taggable resource carries a Name tag (the common tags come from default_tags)",
		Fix: "pass Tags: naming.NameTag(name), or list the type in policy.Untaggable if AWS cannot tag it", Check: tagged},
}

func find(r synthesized.Resource, format string, args ...any) Finding {
	return Finding{Resource: r, Problem: fmt.Sprintf(format, args...)}
}

func isTrue(v any) bool { return v == true || v == "true" }

func empty(v any) bool { s, ok := v.(string); return v == nil || (ok && s == "") }

func attrEquals(typ, attr string, want any) func(*Context) []Finding {
	return func(c *Context) (out []Finding) {
		for _, r := range c.Of(typ) {
			if r.Body[attr] != want {
				out = append(out, find(r, "%s is %v, must be %v", attr, r.Body[attr], want))
			}
		}
		return out
	}
}
