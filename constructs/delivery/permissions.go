package delivery

import (
	"slices"

	"github.com/scalepayments/infra/help/iam"
)

// service is what a workspace may do with one AWS service: the read verbs every plan needs and
// the write verbs of the resources its stack manages. An action is exact or one verb of one
// service (ec2:Create*); never "*" or "<service>:*".
type service struct {
	prefix string
	// global services are not bound to the workspace's region (IAM, Route 53).
	global  bool
	actions []string
}

var (
	read = []string{"Describe*", "Get*", "List*"}
	crud = []string{"Create*", "Delete*", "Update*", "Put*", "Tag*", "Untag*"}
	// keyLifecycle manages keys and aliases; kms:CreateGrant is granted apart, for AWS services only.
	keyLifecycle = []string{"CreateKey", "CreateAlias", "DeleteAlias", "Update*", "PutKeyPolicy", "TagResource", "UntagResource", "EnableKeyRotation", "ScheduleKeyDeletion"}
)

func verbs(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// environmentServices are the services an environment stack's resources belong to (a unit test
// maps every synthesized resource type to one of them).
var environmentServices = []service{
	{prefix: "ec2", actions: verbs(read, []string{"Create*", "Delete*", "Modify*", "Associate*", "Disassociate*", "Attach*", "Detach*",
		"Authorize*", "Revoke*", "Allocate*", "Release*", "Replace*", "UpdateSecurityGroupRuleDescriptions*"})},
	{prefix: "ecs", actions: verbs(read, crud, []string{"Register*", "Deregister*"})},
	{prefix: "ecr", actions: verbs(read, []string{"Create*", "Delete*", "Put*", "Set*", "Tag*", "Untag*"})},
	{prefix: "rds", actions: verbs(read, []string{"Create*", "Delete*", "Modify*", "Add*", "Remove*", "Reset*", "EnableHttpEndpoint"})},
	{prefix: "elasticache", actions: verbs(read, []string{"Create*", "Delete*", "Modify*", "Add*", "Remove*", "Reset*", "Increase*", "Decrease*"})},
	// Grants only for AWS services (keyGrants); RetireGrant: ECR retires its grant on the images
	// key when a repository is deleted.
	{prefix: "kms", actions: verbs(read, keyLifecycle, []string{"RetireGrant"})},
	{prefix: "logs", actions: verbs(read, crud, []string{"Associate*", "Disassociate*"})},
	{prefix: "s3", actions: verbs(read, []string{"CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "Put*"})},
	// Writes only to the stack's own secrets (secretsOf).
	{prefix: "secretsmanager", actions: read},
	{prefix: "sns", actions: verbs(read, []string{"Create*", "Delete*", "Set*", "Subscribe", "Unsubscribe", "TagResource", "UntagResource", "Put*"})},
	{prefix: "events", actions: verbs(read, []string{"Put*", "Delete*", "Remove*", "TagResource", "UntagResource"})},
	{prefix: "cloudwatch", actions: verbs(read, []string{"Put*", "Delete*", "TagResource", "UntagResource"})},
	{prefix: "application-autoscaling", actions: verbs(read, []string{"Put*", "Delete*", "Register*", "Deregister*", "TagResource", "UntagResource"})},
	{prefix: "elasticloadbalancing", actions: verbs(read, []string{"Create*", "Delete*", "Modify*", "Set*", "Add*", "Remove*", "Register*", "Deregister*"})},
	{prefix: "apigateway", actions: []string{"GET", "POST", "PUT", "PATCH", "DELETE"}},
	{prefix: "acm", actions: verbs(read, []string{"RequestCertificate", "DeleteCertificate", "AddTagsToCertificate", "RemoveTagsFromCertificate"})},
	{prefix: "wafv2", actions: verbs(read, crud, []string{"Associate*", "Disassociate*"})},
	{prefix: "network-firewall", actions: verbs(read, crud, []string{"Associate*", "Disassociate*"})},
	{prefix: "route53resolver", actions: verbs(read, crud, []string{"Associate*", "Disassociate*"})},
	// Associate/Disassociate: interface endpoints with private DNS attach their private zones.
	{prefix: "route53", global: true, actions: verbs(read, []string{"ChangeResourceRecordSets", "ChangeTagsForResource", "AssociateVPCWithHostedZone", "DisassociateVPCFromHostedZone"})},
	{prefix: "backup", actions: verbs(read, crud)},
	// A vault needs its storage mounted by the caller ("Access control" in the AWS Backup Developer Guide).
	{prefix: "backup-storage", actions: []string{"MountCapsule"}},
}

// accountServices are the services of the account stack's resources.
var accountServices = []service{
	{prefix: "guardduty", actions: verbs(read, crud)},
	{prefix: "config", actions: verbs(read, []string{"Put*", "Delete*", "Start*", "Stop*", "TagResource", "UntagResource"})},
	{prefix: "cloudtrail", actions: verbs(read, []string{"Create*", "Delete*", "Update*", "Put*", "Start*", "Stop*", "AddTags", "RemoveTags"})},
	{prefix: "securityhub", actions: verbs(read, []string{"Enable*", "Disable*", "Batch*", "Update*", "TagResource", "UntagResource"})},
	{prefix: "access-analyzer", actions: verbs(read, []string{"CreateAnalyzer", "DeleteAnalyzer", "UpdateAnalyzer", "TagResource", "UntagResource"})},
	{prefix: "ec2", actions: []string{"GetEbsEncryptionByDefault", "GetEbsDefaultKmsKeyId", "EnableEbsEncryptionByDefault", "DisableEbsEncryptionByDefault", "ModifyEbsDefaultKmsKeyId", "ResetEbsDefaultKmsKeyId"}},
	{prefix: "kms", actions: verbs(read, keyLifecycle)},
	{prefix: "logs", actions: verbs(read, crud, []string{"Associate*", "Disassociate*"})},
	{prefix: "s3", actions: verbs(read, []string{"CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "Put*"})},
	{prefix: "sns", actions: verbs(read, []string{"Create*", "Delete*", "Set*", "Subscribe", "Unsubscribe", "TagResource", "UntagResource", "Put*"})},
	{prefix: "events", actions: verbs(read, []string{"Put*", "Delete*", "Remove*", "TagResource", "UntagResource"})},
	{prefix: "route53", global: true, actions: verbs(read, []string{"CreateHostedZone", "DeleteHostedZone", "ChangeTagsForResource", "ChangeResourceRecordSets"})},
}

// runTaskServices are the services of the run task an account stack may serve.
var runTaskServices = []service{
	{prefix: "lambda", actions: verbs(read, crud, []string{"AddPermission", "RemovePermission"})},
	{prefix: "apigateway", actions: []string{"GET", "POST", "PUT", "PATCH", "DELETE"}},
	{prefix: "acm", actions: verbs(read, []string{"RequestCertificate", "DeleteCertificate", "AddTagsToCertificate", "RemoveTagsFromCertificate"})},
	{prefix: "cloudwatch", actions: verbs(read, []string{"Put*", "Delete*", "TagResource", "UntagResource"})},
	// Writes only to the stack's own secrets (secretsOf).
	{prefix: "secretsmanager", actions: read},
}

func servicesOf(w Workspace) []service {
	switch {
	case w.RunTask:
		return append(slices.Clone(accountServices), runTaskServices...)
	case w.Account:
		return accountServices
	}
	return environmentServices
}

// split sorts the actions of services that keep accepts into regional ones, global ones and
// S3's (granted on the workspace's own buckets only).
func split(services []service, keep func(action string) bool) (regional, global, s3 []string) {
	for _, s := range services {
		for _, v := range s.actions {
			action := s.prefix + ":" + v
			switch {
			case !keep(action):
			case s.global:
				global = append(global, action)
			case s.prefix == "s3":
				s3 = append(s3, action)
			default:
				regional = append(regional, action)
			}
		}
	}
	return regional, global, s3
}

func inRegions(sid string, actions []string, w Workspace) iam.Statement {
	s := iam.Allow(sid, actions, []string{"*"})
	s.Condition = map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": w.Regions}}
	return s
}

// PlanPermissions is the plan role's policy: what refreshing and planning the workspace's stack
// reads (the read verbs of its services in its regions, IAM's, its own buckets' settings and its
// identity) and an explicit deny of every data read (iam.DataReads): a speculative plan of any
// pull request can change nothing and read no secret, object, image or log event.
func PlanPermissions(a iam.Account, w Workspace) []iam.Statement {
	regional, global, s3 := split(servicesOf(w), iam.ReadOnly)
	out := []iam.Statement{
		inRegions("ReadItsServicesInItsRegions", regional, w),
		iam.Allow("ReadItsGlobalServices", global, []string{"*"}),
		iam.Allow("ReadItsOwnBuckets", s3, buckets(a, w.Buckets)),
		iam.Allow("WhoAmI", []string{"sts:GetCallerIdentity"}, []string{"*"}),
		iam.Allow("ReadIAM", []string{"iam:Get*", "iam:List*"}, []string{"*"}),
		iam.Deny("NoDataReads", iam.DataReads, []string{"*"}),
	}
	if w.Account {
		out = append(out, iam.Allow("ReadAccountSettings", []string{"s3:GetAccountPublicAccessBlock"}, []string{"*"}))
	}
	return out
}

// Permissions is the apply role's policy: its services in its regions, IAM only on its own
// roles, S3 only on its own buckets, and never a secret value, an object or a recovery point.
// Within a service and region it is not scoped to the workspace's own resources: in an account
// shared by two environments, each workspace could change the other's (see the README).
func Permissions(a iam.Account, w Workspace) []iam.Statement {
	regional, global, s3 := split(servicesOf(w), func(string) bool { return true })
	roles := []string{a.RoleARN("/", w.Prefix+"-*")}
	if w.Account {
		roles = append(roles, a.RoleARN(RolePath, w.Prefix+"-*"))
	}
	out := []iam.Statement{
		inRegions("ManageItsServicesInItsRegions", regional, w),
		iam.Allow("ManageItsGlobalServices", global, []string{"*"}),
		// The stack reads its account and partition (aws_caller_identity) and nothing else of STS.
		iam.Allow("WhoAmI", []string{"sts:GetCallerIdentity"}, []string{"*"}),
		iam.Allow("ReadIAM", []string{"iam:Get*", "iam:List*"}, []string{"*"}),
		// Role names are not enough: an account and an environment may share a name (prod), so
		// a role is the workspace's only if it carries the workspace's Stack tag (default tags).
		createOwnRoles(roles, w.Name),
		tagged(iam.Allow("ManageItsOwnRoles", []string{
			"iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
			"iam:PutRolePolicy", "iam:DeleteRolePolicy",
		}, roles), "aws:ResourceTag/Stack", w.Name),
		attachServiceRolePolicies(a, roles, w.Name),
		iam.Allow("PassItsOwnRoles", []string{"iam:PassRole"}, roles),
		// ECS, ELB, RDS, ElastiCache, autoscaling and others create their service-linked roles
		// on first use, with the caller's permission.
		iam.Allow("CreateServiceLinkedRoles", []string{"iam:CreateServiceLinkedRole"}, []string{a.RoleARN("/aws-service-role/", "*")}),
		iam.Allow("ManageItsOwnBuckets", s3, buckets(a, w.Buckets)),
		keyGrants(),
		// Terraform never reads or writes a secret value or an object, never shares a snapshot,
		// and never touches a recovery point or a vault lock: a stolen run token cannot read
		// cardholder data, credentials or audit logs, nor erase them or their backups.
		iam.Deny("NoDataAccess", []string{
			"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
			"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion",
			"rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute",
			"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVaultLockConfiguration",
		}, []string{"*"}),
		backupKeysKept(),
	}
	if w.Secrets != "" {
		out = append(out, secretsOf(a, w)...)
	}
	if w.Account {
		out = append(out, iam.Allow("ManageAccountSettings", []string{
			"iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy",
			"iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
			"iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider",
			"iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider",
			"s3:PutAccountPublicAccessBlock", "s3:GetAccountPublicAccessBlock",
		}, []string{"*"}))
	}
	return out
}

// secretsOf lets a workspace manage its own secrets and, for an environment, have RDS create
// the cluster's managed master secret; nothing else of Secrets Manager.
func secretsOf(a iam.Account, w Workspace) []iam.Statement {
	arn := func(name string) []string {
		var out []string
		for _, region := range w.Regions {
			out = append(out, iam.Account{ID: a.ID, Partition: a.Partition, Region: region}.ARN("secretsmanager", "secret:"+name))
		}
		return out
	}
	// RDS creates and rotates the managed master secret with the caller's permissions, and with
	// a customer managed key the caller's kms:DescribeKey (a read verb), kms:Decrypt,
	// kms:GenerateDataKey and kms:CreateGrant (keyGrants): "Permissions required for Secrets
	// Manager integration", https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html.
	// Its secrets are named rds!cluster-<id>. Never PutSecretValue: the list has no such action.
	master := iam.Allow("RDSManagedMasterSecret", []string{"secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret"}, arn("rds!cluster-*"))
	own := iam.Allow("ManageItsOwnSecrets", []string{"secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret",
		"secretsmanager:TagResource", "secretsmanager:UntagResource"}, arn(w.Secrets))
	if w.Account {
		return []iam.Statement{own} // no database: no RDS-managed secret
	}
	// Secrets Manager (for RDS) and AWS Backup (creating a vault with its key) use the key with
	// the caller's kms:Decrypt and kms:GenerateDataKey: only through those services.
	// https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
	var hosts []string
	for _, region := range w.Regions {
		r := iam.Account{Region: region}
		hosts = append(hosts, r.ServiceHost("secretsmanager"), r.ServiceHost("backup"))
	}
	via := iam.Allow("KeysThroughSecretsManagerAndBackup", []string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{"*"})
	via.Condition = map[string]map[string]any{"StringEquals": {"kms:ViaService": hosts}}
	return []iam.Statement{master, own, via}
}

// attachServiceRolePolicies lets the workspace attach AWS's service-role managed policies
// (RDS enhanced monitoring, AWS Config) to its roles, and no other managed policy.
func attachServiceRolePolicies(a iam.Account, roles []string, stack string) iam.Statement {
	s := tagged(iam.Allow("AttachServiceRolePolicies", []string{"iam:AttachRolePolicy", "iam:DetachRolePolicy"}, roles), "aws:ResourceTag/Stack", stack)
	s.Condition["ArnLike"] = map[string]any{"iam:PolicyARN": "arn:" + a.Partition + ":iam::aws:policy/service-role/*"}
	return s
}

// createOwnRoles lets the workspace create roles tagged as its own and tag them, but never
// re-tag another stack's role into its own (the role's current tag, where it has one, must be
// the workspace's already).
func createOwnRoles(roles []string, stack string) iam.Statement {
	s := tagged(iam.Allow("CreateItsOwnRoles", []string{"iam:CreateRole", "iam:TagRole"}, roles), "aws:RequestTag/Stack", stack)
	s.Condition["StringEqualsIfExists"] = map[string]any{"aws:ResourceTag/Stack": stack}
	return s
}

// keyGrants lets AWS services (RDS, ElastiCache, ECR, AWS Backup) create the grants they use
// on a key while the workspace creates their resources, and nobody else.
func keyGrants() iam.Statement {
	s := iam.Allow("GrantsForAWSServices", []string{"kms:CreateGrant"}, []string{"*"})
	s.Condition = map[string]map[string]any{"Bool": {"kms:GrantIsForAWSResource": "true"}}
	return s
}

// backupKeysKept: no run disables or deletes a key that encrypts recovery points (alias
// *-backup): the backups would become unreadable.
func backupKeysKept() iam.Statement {
	s := iam.Deny("BackupKeysKept", []string{"kms:ScheduleKeyDeletion", "kms:DisableKey"}, []string{"*"})
	s.Condition = map[string]map[string]any{"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/*-backup"}}
	return s
}

func buckets(a iam.Account, names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, a.S3ARN(n))
	}
	return out
}

func tagged(s iam.Statement, key, value string) iam.Statement {
	s.Condition = map[string]map[string]any{"StringEquals": {key: value}}
	return s
}
