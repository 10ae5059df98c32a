package integration

import (
	"flag"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2domainname"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupplan"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupselection"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupvault"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsroute53zone"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbsubnetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/defaultsecuritygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecrrepository"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecsservice"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecstaskdefinition"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticachereplicationgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamuser"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lb"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistener"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/networkfirewallfirewallpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/rdscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/rdsclusterinstance"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53resolverfirewallrulegroupassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetable"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetableassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucket"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecret"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecretversion"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygrouprule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securityhubstandardscontrolassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopic"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopicpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/subnet"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupegressrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/stacks/judge"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

// What holds for an environment's stack as a whole: its Terraform settings and backend, its
// provider (account pin, tags), its outputs, its names, and the policy pack over it.

// stackTags are each environment's default tags, every one of them.
var stackTags = map[string]map[string]any{
	"dev": {"Project": "ScalePayments", "ManagedBy": "cdktf", "Stack": "scalepayments-dev", "Environment": "Development", "CostCenter": "Engineering"},
	"staging": {"Project": "ScalePayments", "ManagedBy": "cdktf", "Stack": "scalepayments-staging", "Environment": "Staging", "CostCenter": "Engineering",
		"Compliance": "PCI-DSS"},
	"prod": {"Project": "ScalePayments", "ManagedBy": "cdktf", "Stack": "scalepayments-prod", "Environment": "Production", "CostCenter": "Operations",
		"Compliance": "PCI-DSS", "DataClassification": "Sensitive"},
}

// stackAccounts are the account each environment's stack is pinned to.
var stackAccounts = map[string]string{"dev": "111122223333", "staging": "111122223333", "prod": "444455556666"}

func TestTerraformCloudBackendUsesOneWorkspacePerStack(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.SynthWith(env, envconfig.Backend{Kind: "cloud", CloudOrganization: "scalepayments", CloudHostname: "app.terraform.io", CloudProject: "payments"})
		tf := d.Root["terraform"].(tests.Body)
		assert.Equal(t, map[string]any{
			"organization": "scalepayments",
			"hostname":     "app.terraform.io",
			"workspaces":   map[string]any{"name": "scalepayments-" + env.Name, "project": "payments"},
		}, tf["cloud"])
		assert.NotContains(t, tf, "backend")
	})
}

func TestS3BackendIsEncryptedAndLocked(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.SynthWith(env, envconfig.Backend{Kind: "s3", StateBucket: "sp-state", StateKMSKeyID: "alias/state"})
		tf := d.Root["terraform"].(tests.Body)
		assert.Equal(t, map[string]any{"s3": map[string]any{
			"bucket": "sp-state", "key": "scalepayments/" + env.Name + "/terraform.tfstate", "region": "us-east-1",
			"encrypt": true, "kms_key_id": "alias/state", "use_lockfile": true,
		}}, tf["backend"])
		assert.NotContains(t, tf, "cloud")
	})
}

func TestStackOutputs(t *testing.T) {
	want := []string{
		"vpc_id", "public_subnet_ids", "private_subnet_ids", "database_subnet_ids",
		"api_url", "api_endpoint", "alb_dns_name", "ecs_cluster_name", "ecs_service_names",
		"aurora_writer_endpoint", "aurora_reader_endpoint", "aurora_port", "aurora_master_secret_arn", "aurora_cluster_arn",
		"redis_primary_endpoint", "redis_reader_endpoint", "redis_user_group_id", "redis_user_ids",
		"log_group_names", "release_role_arn",
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.Synth(env)
		outputs := d.Root["output"].(tests.Body)
		assert.Len(t, outputs, len(want))
		for _, name := range want {
			o, ok := outputs[name].(tests.Body)
			if assert.True(t, ok, "output %s", name) {
				assert.NotEmpty(t, o["description"], name)
				assert.NotContains(t, o, "sensitive", "%s holds no secret value", name)
			}
		}
		assert.Equal(t, "${aws_rds_cluster.database_cluster_FAF2FB92.master_user_secret[0].secret_arn}", outputs["aurora_master_secret_arn"].(tests.Body)["value"], "the ARN, never the value")
		assert.Equal(t, map[string]any{"api": "${aws_ecs_service.service-api_service_454F4786.name}",
			"payment": "${aws_ecs_service.service-payment_service_CFF4DD73.name}", "notification": "${aws_ecs_service.service-notification_service_9CFCF59B.name}"},
			outputs["ecs_service_names"].(tests.Body)["value"], "static logical ids")
		assert.Equal(t, tests.RefTo("aws_iam_role", d.NameOf("aws_iam_role", "scalepayments-"+env.Name+"-release"), "arn"), outputs["release_role_arn"].(tests.Body)["value"])
	})
}

func TestEveryTaggableResourceIsTagged(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.Synth(env)
		assert.Empty(t, policy.Untagged(d.Config))
		want := map[string]string{}
		for k, v := range stackTags[env.Name] {
			want[k] = v.(string)
		}
		assert.Equal(t, want, d.DefaultTags())
		for _, p := range d.Providers() {
			assert.Equal(t, []any{map[string]any{"tags": stackTags[env.Name]}}, p["default_tags"], "every provider of the stack, the DR region's too")
		}
	})
}

func TestEnvironmentTagsMatchTheDesign(t *testing.T) {
	want := map[string]struct {
		environment, classification string
		compliance                  bool
	}{
		"dev":     {"Development", "", false},
		"staging": {"Staging", "", true},
		"prod":    {"Production", "Sensitive", true},
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		tags, w := tests.Synth(env).DefaultTags(), want[env.Name]
		assert.Equal(t, w.environment, tags["Environment"])
		assert.Equal(t, w.classification, tags["DataClassification"])
		if w.compliance {
			assert.Equal(t, "PCI-DSS", tags["Compliance"])
		} else {
			assert.NotContains(t, tags, "Compliance")
		}
	})
}

func TestAllNamesWithinLimits(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		assert.Empty(t, policy.NameViolations(tests.Synth(env).Config))
	})
}

func TestStackSettings(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.Synth(env)
		tf := d.Root["terraform"].(tests.Body)
		assert.Equal(t, ">= 1.10", tf["required_version"])
		assert.Equal(t, map[string]any{"aws": map[string]any{"source": "aws", "version": "~> 5.99"}}, tf["required_providers"], "accepts the bindings' 5.99.1 and the mirror's 5.100.0")
		assert.Equal(t, map[string]any{"local": map[string]any{"path": "terraform.scalepayments-" + env.Name + ".tfstate"}}, tf["backend"])
		p := d.Provider()
		assert.Equal(t, "us-east-1", p["region"])
		assert.NotContains(t, p, "alias", "the default provider comes first")
		for _, o := range []string{"vpc_id", "public_subnet_ids", "private_subnet_ids", "database_subnet_ids"} {
			assert.Contains(t, d.Root["output"], o)
		}
	})
}

// Every stack refuses any account but its own: the environment's account id from envconfig,
// on each of its providers (prod's DR region's too). Prod's is the prod account, never nonprod's.
func TestEveryStackIsPinnedToItsAccount(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.Synth(env)
		require.NotEmpty(t, d.Providers())
		for _, p := range d.Providers() {
			assert.Equal(t, []any{stackAccounts[env.Name]}, p["allowed_account_ids"], p["alias"])
		}
	})
}

// The longest environment name and code envconfig allows still yields names within limits.
func TestNamesFitForTheLongestEnvironment(t *testing.T) {
	env := envconfig.Prod.Clone()
	env.Name, env.Code, env.APIDomain = "performance1", "perf", "api.performance1.scalepayments.com"
	require.NoError(t, env.Validate())
	d := tests.Synth(env)
	assert.Empty(t, policy.NameViolations(d.Config))
	for _, tg := range d.List("aws_lb_target_group") {
		assert.LessOrEqual(t, len(tg["name"].(string)), 32, tg["name"])
	}
	assert.Equal(t, "sp-perf-notification", d.Resources("aws_lb_target_group")[d.NameOf("aws_lb_target_group", "sp-perf-notification")]["name"])
	assert.Equal(t, "scalepayments-performance1-redis", d.One("aws_elasticache_replication_group")["replication_group_id"])
}

// The policy pack passes on every environment's stack, every rule judged, suppressing exactly
// the recorded exceptions in use, each with its reason: the SSE-S3 log buckets, the third-party
// keys rotated by hand, and internet egress exactly where envconfig declares it.
func TestPolicyPackPassesOnEveryEnvironment(t *testing.T) {
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d := tests.Synth(env)
		r := policy.Check(d.Stack.Name, d.Config, d.Env, judge.Exceptions(d.Env))
		assert.False(t, r.Failed(), "%s", r)
		assert.Empty(t, r.Findings, "%s", r)
		assert.Equal(t, len(policy.Rules), r.Rules)
		var suppressed []string
		for _, s := range r.Suppressed {
			assert.NotEmpty(t, s.Suppression.Reason)
			suppressed = append(suppressed, s.Finding.Rule.ID+" "+s.Finding.Resource.Path())
		}
		want := []string{"SP-ENC-004 edge/access-logs/bucket", "SP-ENC-004 edge/s3-access-logs/bucket", "SP-LOG-004 edge/s3-access-logs/bucket",
			"SP-SEC-003 service-notification/secret-email-api-key", "SP-SEC-003 service-payment/secret-processor-api-key",
			"SP-NET-005 firewall/notification-tasks-to-internet-443-out", "SP-NET-005 firewall/payment-tasks-to-internet-443-out"}
		if env.Name == "dev" { // the only environment without interface endpoints
			want = append(want, "SP-NET-005 firewall/api-tasks-to-internet-443-out")
		}
		assert.ElementsMatch(t, want, suppressed)
		assert.Contains(t, r.String(), "suppressed [SP-ENC-004]", "synth lists every suppression in use")
		assert.Contains(t, r.String(), "(Security Hub S3.17: disabled in the account's PCI DSS standard)\n", "and the Security Hub control the exception disables")
	})
}

// stackBadStack breaks every rule once, in a minimal stack, synthesized once for all rule tests.
var stackBadStack = sync.OnceValue(func() *tests.Doc {
	stack := cdktf.NewTerraformStack(tests.App(), jsii.String("bad"))
	provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("us-east-1")})
	kmskey.NewKmsKey(stack, jsii.String("key"), &kmskey.KmsKeyConfig{Tags: stackNameTag("key")})
	cloudwatchloggroup.NewCloudwatchLogGroup(stack, jsii.String("logs"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name: jsii.String("plain"), RetentionInDays: jsii.Number(30), Tags: stackNameTag("logs")})
	s3bucket.NewS3Bucket(stack, jsii.String("bucket"), &s3bucket.S3BucketConfig{Bucket: jsii.String("plain-bucket"), Tags: stackNameTag("bucket")})
	snstopic.NewSnsTopic(stack, jsii.String("topic"), &snstopic.SnsTopicConfig{Name: jsii.String("plain"), Tags: stackNameTag("topic")})
	secret := secretsmanagersecret.NewSecretsmanagerSecret(stack, jsii.String("secret"), &secretsmanagersecret.SecretsmanagerSecretConfig{Name: jsii.String("plain"), Tags: stackNameTag("secret")})
	secretsmanagersecretversion.NewSecretsmanagerSecretVersion(stack, jsii.String("secret-value"), &secretsmanagersecretversion.SecretsmanagerSecretVersionConfig{
		SecretId: secret.Id(), SecretString: jsii.String("hunter2")})
	ecrrepository.NewEcrRepository(stack, jsii.String("repo"), &ecrrepository.EcrRepositoryConfig{Name: jsii.String("plain"), Tags: stackNameTag("repo")})
	open := securitygroup.NewSecurityGroup(stack, jsii.String("open-sg"), &securitygroup.SecurityGroupConfig{
		Name: jsii.String("open"), Tags: stackNameTag("open-sg"),
		Ingress: []*securitygroup.SecurityGroupIngress{{FromPort: jsii.Number(443), ToPort: jsii.Number(443), Protocol: jsii.String("tcp"), CidrBlocks: jsii.Strings("0.0.0.0/0")}},
	})
	securitygrouprule.NewSecurityGroupRule(stack, jsii.String("open-rule"), &securitygrouprule.SecurityGroupRuleConfig{
		Type: jsii.String("ingress"), SecurityGroupId: open.Id(), FromPort: jsii.Number(5432), ToPort: jsii.Number(5432),
		Protocol: jsii.String("tcp"), Ipv6CidrBlocks: jsii.Strings("::/0")})
	vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(stack, jsii.String("office"), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
		SecurityGroupId: open.Id(), IpProtocol: jsii.String("tcp"), FromPort: jsii.Number(5432), ToPort: jsii.Number(5432),
		CidrIpv4: jsii.String("10.0.0.0/8"), Tags: stackNameTag("office")})
	cluster := rdscluster.NewRdsCluster(stack, jsii.String("db"), &rdscluster.RdsClusterConfig{
		VpcSecurityGroupIds: &[]*string{open.Id()},
		Engine:              jsii.String("aurora-postgresql"), ClusterIdentifier: jsii.String("plain"), MasterUsername: jsii.String("admin"),
		MasterPassword: jsii.String("literal-password-1"), BackupRetentionPeriod: jsii.Number(1), SkipFinalSnapshot: jsii.Bool(true), Tags: stackNameTag("db")})
	rdsclusterinstance.NewRdsClusterInstance(stack, jsii.String("db-instance"), &rdsclusterinstance.RdsClusterInstanceConfig{
		ClusterIdentifier: cluster.Id(), Engine: jsii.String("aurora-postgresql"), InstanceClass: jsii.String("db.t4g.medium"),
		PubliclyAccessible: jsii.Bool(true), AutoMinorVersionUpgrade: jsii.Bool(false), Tags: stackNameTag("db-instance")})
	elasticachereplicationgroup.NewElasticacheReplicationGroup(stack, jsii.String("redis"), &elasticachereplicationgroup.ElasticacheReplicationGroupConfig{
		ReplicationGroupId: jsii.String("plain"), Description: jsii.String("plain"), Tags: stackNameTag("redis")})
	alb := lb.NewLb(stack, jsii.String("alb"), &lb.LbConfig{Name: jsii.String("public"), Internal: jsii.Bool(false), Tags: stackNameTag("alb")})
	lblistener.NewLbListener(stack, jsii.String("http"), &lblistener.LbListenerConfig{
		LoadBalancerArn: alb.Arn(), Port: jsii.Number(80), Protocol: jsii.String("HTTP"), Tags: stackNameTag("http"),
		DefaultAction: []*lblistener.LbListenerDefaultAction{{Type: jsii.String("forward"), TargetGroupArn: jsii.String("arn:tg")}}})
	apigatewayv2domainname.NewApigatewayv2DomainName(stack, jsii.String("domain"), &apigatewayv2domainname.Apigatewayv2DomainNameConfig{
		DomainName: jsii.String("api.example.com"), Tags: stackNameTag("domain"),
		DomainNameConfiguration: &apigatewayv2domainname.Apigatewayv2DomainNameDomainNameConfiguration{
			CertificateArn: jsii.String("arn:cert"), EndpointType: jsii.String("REGIONAL"), SecurityPolicy: jsii.String("TLS_1_0")}})
	v := vpc.NewVpc(stack, jsii.String("vpc"), &vpc.VpcConfig{CidrBlock: jsii.String("10.9.0.0/16")}) // untagged, no flow logs
	vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(stack, jsii.String("open"), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
		SecurityGroupId: v.DefaultSecurityGroupId(), IpProtocol: jsii.String("tcp"), FromPort: jsii.Number(22), ToPort: jsii.Number(22),
		CidrIpv4: jsii.String("0.0.0.0/0"), Tags: stackNameTag("open")})
	ecstaskdefinition.NewEcsTaskDefinition(stack, jsii.String("task"), &ecstaskdefinition.EcsTaskDefinitionConfig{
		Family: jsii.String("plain"), Tags: stackNameTag("task"),
		ContainerDefinitions: jsii.String(`[{"name":"app","image":"app","environment":[{"name":"DB_PASSWORD","value":"from-env"}],` +
			`"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"plain"}}}]`)}) // card numbers unmasked
	for _, name := range []string{"svc-a", "svc-b"} { // one group shared by two services
		ecsservice.NewEcsService(stack, jsii.String(name), &ecsservice.EcsServiceConfig{Name: jsii.String(name), Tags: stackNameTag(name),
			NetworkConfiguration: &ecsservice.EcsServiceNetworkConfiguration{Subnets: jsii.Strings("subnet-1"), SecurityGroups: &[]*string{open.Id()}}})
	}
	vpcsecuritygroupegressrule.NewVpcSecurityGroupEgressRule(stack, jsii.String("anywhere"), &vpcsecuritygroupegressrule.VpcSecurityGroupEgressRuleConfig{
		SecurityGroupId: open.Id(), IpProtocol: jsii.String("-1"), CidrIpv4: jsii.String("0.0.0.0/0"), Tags: stackNameTag("anywhere")})
	iamrolepolicy.NewIamRolePolicy(stack, jsii.String("admin"), &iamrolepolicy.IamRolePolicyConfig{
		Role: jsii.String("app"), Policy: jsii.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	vault := backupvault.NewBackupVault(stack, jsii.String("vault"), &backupvault.BackupVaultConfig{Name: jsii.String("plain"), Tags: stackNameTag("vault")}) // AWS-managed key
	plan := backupplan.NewBackupPlan(stack, jsii.String("backups"), &backupplan.BackupPlanConfig{Name: jsii.String("plain"), Tags: stackNameTag("backups"),
		Rule: []*backupplan.BackupPlanRule{{RuleName: jsii.String("daily"), TargetVaultName: vault.Name()}}})
	backupselection.NewBackupSelection(stack, jsii.String("backed-up"), &backupselection.BackupSelectionConfig{ // never restore-tested
		Name: jsii.String("plain"), PlanId: plan.Id(), IamRoleArn: jsii.String("arn:role"), Resources: &[]*string{cluster.Arn()}})
	iamuser.NewIamUser(stack, jsii.String("ci-user"), &iamuser.IamUserConfig{Name: jsii.String("ci"), Tags: stackNameTag("ci-user")})
	defaultsecuritygroup.NewDefaultSecurityGroup(stack, jsii.String("default-sg"), &defaultsecuritygroup.DefaultSecurityGroupConfig{VpcId: v.Id(), Tags: stackNameTag("default-sg"),
		Ingress: []*defaultsecuritygroup.DefaultSecurityGroupIngress{{Protocol: jsii.String("-1"), FromPort: jsii.Number(0), ToPort: jsii.Number(0), SelfAttribute: jsii.Bool(true)}}})
	public := subnet.NewSubnet(stack, jsii.String("public-ip"), &subnet.SubnetConfig{VpcId: v.Id(), CidrBlock: jsii.String("10.9.0.0/24"),
		MapPublicIpOnLaunch: jsii.Bool(true), Tags: stackNameTag("public-ip")})
	dbsubnetgroup.NewDbSubnetGroup(stack, jsii.String("db-subnets"), &dbsubnetgroup.DbSubnetGroupConfig{Name: jsii.String("plain"),
		SubnetIds: &[]*string{public.Id()}, Tags: stackNameTag("db-subnets")})
	rt := routetable.NewRouteTable(stack, jsii.String("db-rt"), &routetable.RouteTableConfig{VpcId: v.Id(), Tags: stackNameTag("db-rt")})
	routetableassociation.NewRouteTableAssociation(stack, jsii.String("db-rta"), &routetableassociation.RouteTableAssociationConfig{SubnetId: public.Id(), RouteTableId: rt.Id()})
	route.NewRoute(stack, jsii.String("db-out"), &route.RouteConfig{RouteTableId: rt.Id(), DestinationCidrBlock: jsii.String("0.0.0.0/0"), GatewayId: jsii.String("igw-1")})
	ecscluster.NewEcsCluster(stack, jsii.String("cluster"), &ecscluster.EcsClusterConfig{Name: jsii.String("plain"), Tags: stackNameTag("cluster")}) // no Container Insights
	snstopicpolicy.NewSnsTopicPolicy(stack, jsii.String("open-topic"), &snstopicpolicy.SnsTopicPolicyConfig{Arn: jsii.String("arn:topic"),
		Policy: jsii.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"*"}]}`)})
	// The egress controls and trusts weakened without being removed.
	route53resolverfirewallrulegroupassociation.NewRoute53ResolverFirewallRuleGroupAssociation(stack, jsii.String("dns"), &route53resolverfirewallrulegroupassociation.Route53ResolverFirewallRuleGroupAssociationConfig{
		Name: jsii.String("dns"), VpcId: jsii.String("vpc-other"), FirewallRuleGroupId: jsii.String("rslvr-frg-1"), Priority: jsii.Number(101), Tags: stackNameTag("dns")})
	networkfirewallfirewallpolicy.NewNetworkfirewallFirewallPolicy(stack, jsii.String("nfw"), &networkfirewallfirewallpolicy.NetworkfirewallFirewallPolicyConfig{
		Name: jsii.String("pass"), Tags: stackNameTag("nfw"), FirewallPolicy: &networkfirewallfirewallpolicy.NetworkfirewallFirewallPolicyFirewallPolicy{
			StatelessDefaultActions: jsii.Strings("aws:pass"), StatelessFragmentDefaultActions: jsii.Strings("aws:pass")}})
	anyWorkspace := iamrole.NewIamRole(stack, jsii.String("any-workspace"), &iamrole.IamRoleConfig{Name: jsii.String("any-workspace"), Tags: stackNameTag("any-workspace"),
		AssumeRolePolicy: jsii.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::444455556666:oidc-provider/app.terraform.io"},` +
			`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"app.terraform.io:sub":"organization:sp:project:*:workspace:*:run_phase:*"}}}]}`)})
	iamrolepolicy.NewIamRolePolicy(stack, jsii.String("plans-write"), &iamrolepolicy.IamRolePolicyConfig{ // plans may write
		Role: anyWorkspace.Id(), Policy: jsii.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}`)})
	securityhubstandardscontrolassociation.NewSecurityhubStandardsControlAssociation(stack, jsii.String("quiet"), &securityhubstandardscontrolassociation.SecurityhubStandardsControlAssociationConfig{
		StandardsArn: jsii.String("arn:aws:securityhub:us-east-1::standards/pci-dss/v/4.0.1"), SecurityControlId: jsii.String("EC2.19"),
		AssociationStatus: jsii.String("DISABLED"), UpdatedReason: jsii.String("too noisy")})
	d := tests.SynthStack(stack)
	d.Env = envconfig.Prod // production floors, WAF and account baseline all required
	return d
})

func stackNameTag(name string) *map[string]*string {
	return &map[string]*string{"Name": jsii.String(name)}
}

func TestEveryRuleFailsSynthOnAStackThatBreaksIt(t *testing.T) {
	d := stackBadStack()
	r := policy.Check("bad", d.Config, d.Env, nil)
	require.True(t, r.Failed())
	// Judged as an account stack too: the account-wide rule applies only there.
	account := policy.CheckAccount("bad", d.Config, envconfig.ProdAccount, "us-east-1", envconfig.StageProduction, nil, nil)
	report := r.String() + account.String()
	for _, rule := range policy.Rules {
		t.Run(rule.ID, func(t *testing.T) {
			assert.Contains(t, append(r.IDs(), account.IDs()...), rule.ID)
			assert.Contains(t, report, "["+rule.ID+"] "+string(rule.Severity)+" (PCI-DSS "+rule.PCI+")")
			assert.Contains(t, report, "fix: "+rule.Fix)
		})
	}
	// Findings name the resource address, so an operator can find it in the JSON.
	assert.Contains(t, report, "[SP-NET-001] HIGH (PCI-DSS 1.3.1, 1.4.2) aws_vpc_security_group_ingress_rule.open: ingress from 0.0.0.0/0")
	assert.Contains(t, report, "[SP-IAM-001] HIGH (PCI-DSS 7.2.1, 7.2.2) aws_iam_role_policy.admin: allows \"s3:*\"")
	assert.Contains(t, report, `[SP-SEC-002] HIGH (PCI-DSS 8.6.2, 3.5.1) aws_ecs_task_definition.task: container app has DB_PASSWORD in plain environment`)
	assert.True(t, strings.HasPrefix(report, "policy: bad: 57 rules, "))
	assert.Contains(t, report, "aws_security_group.open-sg: inline ingress from 0.0.0.0/0")
	assert.Contains(t, report, "aws_security_group_rule.open-rule: ingress from ::/0")
	assert.Contains(t, report, "aws_rds_cluster.db: its security group admits 10.0.0.0/8 (aws_vpc_security_group_ingress_rule.office), which is not the tasks group")
}

func TestSuppressionNeedsTheRightRuleAndPath(t *testing.T) {
	d := stackBadStack()
	only := func(s policy.Suppression) []string {
		return policy.Check("bad", d.Config, d.Env, []policy.Suppression{s}).IDs()
	}
	assert.NotContains(t, only(policy.Suppression{Rule: "SP-NET-002", Path: "alb", Reason: "test"}), "SP-NET-002")
	assert.Contains(t, only(policy.Suppression{Rule: "SP-NET-002", Path: "elsewhere", Reason: "test"}), "SP-NET-002")
	assert.Contains(t, only(policy.Suppression{Rule: "SP-NET-001", Path: "alb", Reason: "test"}), "SP-NET-002")
}

// The exceptions name construct paths; in a plan only the logical name is left, which gives the
// path back except where cdktf drops a repeated segment (cluster/cluster) or an id holds "_"
// (guardduty-LAMBDA_NETWORK_LOGS). Every exception of every shipped stack, environment or
// account, still accepts exactly the same resources in a plan.
func TestExceptionsMatchTheSameResourcesInAPlan(t *testing.T) {
	check := func(t *testing.T, d *tests.Doc, exceptions []policy.Suppression) {
		each := d.Each()
		for _, x := range exceptions {
			var synth, plan []string
			for _, r := range each {
				if strings.HasPrefix(r.Path(), x.Path) {
					synth = append(synth, r.Address())
				}
				if strings.HasPrefix(synthesized.PathOf(r.Name), x.Path) {
					plan = append(plan, r.Address())
				}
			}
			assert.NotEmpty(t, synth, "%s %s matches a resource", x.Rule, x.Path)
			assert.Equal(t, synth, plan, "%s %s", x.Rule, x.Path)
		}
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) { check(t, tests.Synth(env), judge.Exceptions(env)) })
	for _, a := range tests.Accounts() {
		t.Run(a.Stack.Name, func(t *testing.T) {
			check(t, a.Doc, judge.AccountExceptions(judge.Host{Account: a.Stack.Account, Region: a.Stack.Region, Envs: a.Stack.Envs}))
		})
	}
}

// cdktf's own matchers on the whole stacks ("some resource of this type has these
// properties"), each checked for true where it must hold and false where it must not, so none
// can pass by accident: the cluster's loss protection, Spot capacity, the provider's region and
// tags, and the public zone the stack looks up.
func TestCdktfMatchers(t *testing.T) {
	protectedCluster := map[string]any{"deletion_protection": true, "skip_final_snapshot": false, "storage_encrypted": true,
		"iam_database_authentication_enabled": true, "manage_master_user_password": true, "enable_http_endpoint": true}
	want := map[string]struct {
		protected bool
		spot      int
		zone      string
	}{
		"dev":     {false, 3, "dev.scalepayments.com"},
		"staging": {true, 1, "staging.scalepayments.com"},
		"prod":    {true, 0, "scalepayments.com"}, // prod never runs on Spot
	}
	tests.Envs(t, func(t *testing.T, env envconfig.Environment) {
		d, w := tests.Synth(env), want[env.Name]
		if w.protected {
			tests.Has(t, d, *rdscluster.RdsCluster_TfResourceType(), protectedCluster)
		} else {
			tests.HasNo(t, d, *rdscluster.RdsCluster_TfResourceType(), protectedCluster)
		}
		strategy := func(spot int) map[string]any {
			return map[string]any{"capacity_provider_strategy": []any{
				map[string]any{"capacity_provider": "FARGATE", "base": 1, "weight": 1},
				map[string]any{"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": spot},
			}}
		}
		tests.Has(t, d, *ecsservice.EcsService_TfResourceType(), strategy(w.spot))
		if w.spot > 0 {
			tests.HasNo(t, d, *ecsservice.EcsService_TfResourceType(), strategy(0))
		}

		for name, tags := range stackTags {
			props := map[string]any{"region": "us-east-1", "allowed_account_ids": []any{stackAccounts[name]}, "default_tags": []any{map[string]any{"tags": tags}}}
			assert.Equal(t, name == env.Name, *cdktf.Testing_ToHaveProviderWithProperties(&d.JSON, provider.AwsProvider_TfResourceType(), &props), "%s's provider", name)
		}

		zone := map[string]any{"name": w.zone, "private_zone": false}
		assert.True(t, *cdktf.Testing_ToHaveDataSourceWithProperties(&d.JSON, dataawsroute53zone.DataAwsRoute53Zone_TfResourceType(), &zone))
		private := map[string]any{"private_zone": true}
		assert.False(t, *cdktf.Testing_ToHaveDataSourceWithProperties(&d.JSON, dataawsroute53zone.DataAwsRoute53Zone_TfResourceType(), &private))
	})
}

var updateTrivy = flag.Bool("update-trivy", false, "rewrite .trivyignore.yaml from the exceptions")

// The scanner's ignore file is generated from the one exception list: an exception added,
// changed or removed shows there, and nothing else is ignored.
func TestTrivyIgnoreIsGenerated(t *testing.T) {
	var reports []policy.Report
	for _, d := range all() {
		reports = append(reports, policy.Check(d.Stack.Name, d.Config, d.Env, judge.Exceptions(d.Env)))
	}
	for _, h := range judge.Hosts(envconfig.Accounts(), envconfig.All()) {
		a := tests.SynthAccount(h.Account, h.Region, h.Envs)
		reports = append(reports, policy.CheckAccount(a.Stack.Name, a.Config, h.Account, h.Region, a.Stack.Stage(), judge.SecurityHubExceptions(h), judge.AccountExceptions(h)))
	}
	want := policy.TrivyIgnore(reports)
	if *updateTrivy {
		require.NoError(t, os.WriteFile("../../.trivyignore.yaml", []byte(want), 0o644))
	}
	got, err := os.ReadFile("../../.trivyignore.yaml")
	require.NoError(t, err)
	assert.Equal(t, want, string(got), "stale: go test ./tests/integration -run TrivyIgnore -update-trivy")
	for _, id := range []string{"AWS-0132", "AWS-0104", "AWS-0089"} {
		assert.Contains(t, want, "  - id: "+id+"\n", "the SSE-S3 log buckets, the declared egress and the log bucket that cannot log itself")
	}
}
