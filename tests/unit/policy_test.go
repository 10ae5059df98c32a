package unit

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/apigatewayv2domainname"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupvault"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbsubnetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/defaultsecuritygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecrrepository"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecsservice"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecstaskdefinition"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/elasticachereplicationgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lb"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistener"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/rdscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/rdsclusterinstance"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetable"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetableassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucket"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecret"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecretversion"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygrouprule"
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
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/policy"
	"github.com/scalepayments/infra/stacks/synthesized"
	"github.com/scalepayments/infra/tests"
)

func TestPolicyPackPassesOnEveryEnvironment(t *testing.T) {
	for _, d := range []*tests.Doc{dev, staging, prod} {
		r := policy.Check(d.Stack.Name, d.Config, d.Env, stacks.Exceptions(d.Env))
		assert.Empty(t, r.Findings, "%s:\n%s", d.Env.Name, r)
		assert.Equal(t, len(policy.Rules), r.Rules)
		// The SSE-S3 log buckets, the third-party keys rotated by hand, and internet egress exactly
		// where envconfig declares it.
		var suppressed []string
		for _, s := range r.Suppressed {
			suppressed = append(suppressed, s.Finding.Rule.ID+" "+s.Finding.Resource.Path())
		}
		want := []string{"SP-ENC-004 edge/access-logs/bucket", "SP-ENC-004 edge/s3-access-logs/bucket", "SP-LOG-004 edge/s3-access-logs/bucket",
			"SP-SEC-003 service-notification/secret-email-api-key", "SP-SEC-003 service-payment/secret-processor-api-key",
			"SP-NET-005 firewall/notification-tasks-to-internet-443-out", "SP-NET-005 firewall/payment-tasks-to-internet-443-out"}
		if !d.Env.InterfaceEndpoints {
			want = append(want, "SP-NET-005 firewall/api-tasks-to-internet-443-out")
		}
		assert.ElementsMatch(t, want, suppressed, d.Env.Name)
		assert.Contains(t, r.String(), "suppressed [SP-ENC-004]", "synth lists every suppression in use")
		assert.Contains(t, r.String(), "(Security Hub S3.17: disabled in the account's PCI DSS standard)\n", "and the Security Hub control the exception disables")
	}
}

func TestEverySuppressionHasAReason(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range policy.Rules {
		ids[r.ID] = true
	}
	for _, s := range stacks.Exceptions(prod.Env) {
		assert.True(t, ids[s.Rule], "suppression of unknown rule %s", s.Rule)
		assert.GreaterOrEqual(t, len(s.Reason), 20, "a suppression needs a written reason")
		assert.NotEmpty(t, s.Path)
	}
}

// badStack breaks every rule once, in a minimal stack, synthesized once for all rule tests.
var badStack = sync.OnceValue(func() *tests.Doc {
	stack := cdktf.NewTerraformStack(tests.App(), jsii.String("bad"))
	provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("us-east-1")})
	kmskey.NewKmsKey(stack, jsii.String("key"), &kmskey.KmsKeyConfig{Tags: nameTag("key")})
	cloudwatchloggroup.NewCloudwatchLogGroup(stack, jsii.String("logs"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name: jsii.String("plain"), RetentionInDays: jsii.Number(30), Tags: nameTag("logs")})
	s3bucket.NewS3Bucket(stack, jsii.String("bucket"), &s3bucket.S3BucketConfig{Bucket: jsii.String("plain-bucket"), Tags: nameTag("bucket")})
	snstopic.NewSnsTopic(stack, jsii.String("topic"), &snstopic.SnsTopicConfig{Name: jsii.String("plain"), Tags: nameTag("topic")})
	secret := secretsmanagersecret.NewSecretsmanagerSecret(stack, jsii.String("secret"), &secretsmanagersecret.SecretsmanagerSecretConfig{Name: jsii.String("plain"), Tags: nameTag("secret")})
	secretsmanagersecretversion.NewSecretsmanagerSecretVersion(stack, jsii.String("secret-value"), &secretsmanagersecretversion.SecretsmanagerSecretVersionConfig{
		SecretId: secret.Id(), SecretString: jsii.String("hunter2")})
	ecrrepository.NewEcrRepository(stack, jsii.String("repo"), &ecrrepository.EcrRepositoryConfig{Name: jsii.String("plain"), Tags: nameTag("repo")})
	open := securitygroup.NewSecurityGroup(stack, jsii.String("open-sg"), &securitygroup.SecurityGroupConfig{
		Name: jsii.String("open"), Tags: nameTag("open-sg"),
		Ingress: []*securitygroup.SecurityGroupIngress{{FromPort: jsii.Number(443), ToPort: jsii.Number(443), Protocol: jsii.String("tcp"), CidrBlocks: jsii.Strings("0.0.0.0/0")}},
	})
	securitygrouprule.NewSecurityGroupRule(stack, jsii.String("open-rule"), &securitygrouprule.SecurityGroupRuleConfig{
		Type: jsii.String("ingress"), SecurityGroupId: open.Id(), FromPort: jsii.Number(5432), ToPort: jsii.Number(5432),
		Protocol: jsii.String("tcp"), Ipv6CidrBlocks: jsii.Strings("::/0")})
	vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(stack, jsii.String("office"), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
		SecurityGroupId: open.Id(), IpProtocol: jsii.String("tcp"), FromPort: jsii.Number(5432), ToPort: jsii.Number(5432),
		CidrIpv4: jsii.String("10.0.0.0/8"), Tags: nameTag("office")})
	cluster := rdscluster.NewRdsCluster(stack, jsii.String("db"), &rdscluster.RdsClusterConfig{
		VpcSecurityGroupIds: &[]*string{open.Id()},
		Engine:              jsii.String("aurora-postgresql"), ClusterIdentifier: jsii.String("plain"), MasterUsername: jsii.String("admin"),
		MasterPassword: jsii.String("literal-password-1"), BackupRetentionPeriod: jsii.Number(1), SkipFinalSnapshot: jsii.Bool(true), Tags: nameTag("db")})
	rdsclusterinstance.NewRdsClusterInstance(stack, jsii.String("db-instance"), &rdsclusterinstance.RdsClusterInstanceConfig{
		ClusterIdentifier: cluster.Id(), Engine: jsii.String("aurora-postgresql"), InstanceClass: jsii.String("db.t4g.medium"),
		PubliclyAccessible: jsii.Bool(true), AutoMinorVersionUpgrade: jsii.Bool(false), Tags: nameTag("db-instance")})
	elasticachereplicationgroup.NewElasticacheReplicationGroup(stack, jsii.String("redis"), &elasticachereplicationgroup.ElasticacheReplicationGroupConfig{
		ReplicationGroupId: jsii.String("plain"), Description: jsii.String("plain"), Tags: nameTag("redis")})
	alb := lb.NewLb(stack, jsii.String("alb"), &lb.LbConfig{Name: jsii.String("public"), Internal: jsii.Bool(false), Tags: nameTag("alb")})
	lblistener.NewLbListener(stack, jsii.String("http"), &lblistener.LbListenerConfig{
		LoadBalancerArn: alb.Arn(), Port: jsii.Number(80), Protocol: jsii.String("HTTP"), Tags: nameTag("http"),
		DefaultAction: []*lblistener.LbListenerDefaultAction{{Type: jsii.String("forward"), TargetGroupArn: jsii.String("arn:tg")}}})
	apigatewayv2domainname.NewApigatewayv2DomainName(stack, jsii.String("domain"), &apigatewayv2domainname.Apigatewayv2DomainNameConfig{
		DomainName: jsii.String("api.example.com"), Tags: nameTag("domain"),
		DomainNameConfiguration: &apigatewayv2domainname.Apigatewayv2DomainNameDomainNameConfiguration{
			CertificateArn: jsii.String("arn:cert"), EndpointType: jsii.String("REGIONAL"), SecurityPolicy: jsii.String("TLS_1_0")}})
	v := vpc.NewVpc(stack, jsii.String("vpc"), &vpc.VpcConfig{CidrBlock: jsii.String("10.9.0.0/16")}) // untagged, no flow logs
	vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(stack, jsii.String("open"), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
		SecurityGroupId: v.DefaultSecurityGroupId(), IpProtocol: jsii.String("tcp"), FromPort: jsii.Number(22), ToPort: jsii.Number(22),
		CidrIpv4: jsii.String("0.0.0.0/0"), Tags: nameTag("open")})
	ecstaskdefinition.NewEcsTaskDefinition(stack, jsii.String("task"), &ecstaskdefinition.EcsTaskDefinitionConfig{
		Family: jsii.String("plain"), Tags: nameTag("task"),
		ContainerDefinitions: jsii.String(`[{"name":"app","image":"app","environment":[{"name":"DB_PASSWORD","value":"from-env"}]}]`)})
	for _, name := range []string{"svc-a", "svc-b"} { // one group shared by two services
		ecsservice.NewEcsService(stack, jsii.String(name), &ecsservice.EcsServiceConfig{Name: jsii.String(name), Tags: nameTag(name),
			NetworkConfiguration: &ecsservice.EcsServiceNetworkConfiguration{Subnets: jsii.Strings("subnet-1"), SecurityGroups: &[]*string{open.Id()}}})
	}
	vpcsecuritygroupegressrule.NewVpcSecurityGroupEgressRule(stack, jsii.String("anywhere"), &vpcsecuritygroupegressrule.VpcSecurityGroupEgressRuleConfig{
		SecurityGroupId: open.Id(), IpProtocol: jsii.String("-1"), CidrIpv4: jsii.String("0.0.0.0/0"), Tags: nameTag("anywhere")})
	iamrolepolicy.NewIamRolePolicy(stack, jsii.String("admin"), &iamrolepolicy.IamRolePolicyConfig{
		Role: jsii.String("app"), Policy: jsii.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	backupvault.NewBackupVault(stack, jsii.String("vault"), &backupvault.BackupVaultConfig{Name: jsii.String("plain"), Tags: nameTag("vault")}) // AWS-managed key
	defaultsecuritygroup.NewDefaultSecurityGroup(stack, jsii.String("default-sg"), &defaultsecuritygroup.DefaultSecurityGroupConfig{VpcId: v.Id(), Tags: nameTag("default-sg"),
		Ingress: []*defaultsecuritygroup.DefaultSecurityGroupIngress{{Protocol: jsii.String("-1"), FromPort: jsii.Number(0), ToPort: jsii.Number(0), SelfAttribute: jsii.Bool(true)}}})
	public := subnet.NewSubnet(stack, jsii.String("public-ip"), &subnet.SubnetConfig{VpcId: v.Id(), CidrBlock: jsii.String("10.9.0.0/24"),
		MapPublicIpOnLaunch: jsii.Bool(true), Tags: nameTag("public-ip")})
	dbsubnetgroup.NewDbSubnetGroup(stack, jsii.String("db-subnets"), &dbsubnetgroup.DbSubnetGroupConfig{Name: jsii.String("plain"),
		SubnetIds: &[]*string{public.Id()}, Tags: nameTag("db-subnets")})
	rt := routetable.NewRouteTable(stack, jsii.String("db-rt"), &routetable.RouteTableConfig{VpcId: v.Id(), Tags: nameTag("db-rt")})
	routetableassociation.NewRouteTableAssociation(stack, jsii.String("db-rta"), &routetableassociation.RouteTableAssociationConfig{SubnetId: public.Id(), RouteTableId: rt.Id()})
	route.NewRoute(stack, jsii.String("db-out"), &route.RouteConfig{RouteTableId: rt.Id(), DestinationCidrBlock: jsii.String("0.0.0.0/0"), GatewayId: jsii.String("igw-1")})
	ecscluster.NewEcsCluster(stack, jsii.String("cluster"), &ecscluster.EcsClusterConfig{Name: jsii.String("plain"), Tags: nameTag("cluster")}) // no Container Insights
	snstopicpolicy.NewSnsTopicPolicy(stack, jsii.String("open-topic"), &snstopicpolicy.SnsTopicPolicyConfig{Arn: jsii.String("arn:topic"),
		Policy: jsii.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"*"}]}`)})
	d := tests.SynthStack(stack)
	d.Env = prod.Env // production floors, WAF and account baseline all required
	return d
})

func nameTag(name string) *map[string]*string { return &map[string]*string{"Name": jsii.String(name)} }

func TestEveryRuleFailsSynthOnAStackThatBreaksIt(t *testing.T) {
	d := badStack()
	r := policy.Check("bad", d.Config, d.Env, nil)
	require.True(t, r.Failed())
	// Judged as an account stack too: the account-wide rule applies only there.
	account := policy.CheckAccount("bad", d.Config, envconfig.ProdAccount, "us-east-1", envconfig.StageProduction, nil)
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
	assert.True(t, strings.HasPrefix(report, "policy: bad: 47 rules, "))
	assert.Contains(t, report, "aws_security_group.open-sg: inline ingress from 0.0.0.0/0")
	assert.Contains(t, report, "aws_security_group_rule.open-rule: ingress from ::/0")
	assert.Contains(t, report, "aws_rds_cluster.db: its security group admits 10.0.0.0/8 (aws_vpc_security_group_ingress_rule.office), which is not the tasks group")
}

func TestSuppressionNeedsTheRightRuleAndPath(t *testing.T) {
	d := badStack()
	only := func(s policy.Suppression) []string {
		return policy.Check("bad", d.Config, d.Env, []policy.Suppression{s}).IDs()
	}
	assert.NotContains(t, only(policy.Suppression{Rule: "SP-NET-002", Path: "alb", Reason: "test"}), "SP-NET-002")
	assert.Contains(t, only(policy.Suppression{Rule: "SP-NET-002", Path: "elsewhere", Reason: "test"}), "SP-NET-002")
	assert.Contains(t, only(policy.Suppression{Rule: "SP-NET-001", Path: "alb", Reason: "test"}), "SP-NET-002")
}

func TestReadmeDocumentsEveryRule(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, r := range policy.Rules {
		control := r.SecurityHub
		if control == "" {
			control = "—"
		}
		assert.Contains(t, string(readme), fmt.Sprintf("| %s | %s | %s | %s | %s |\n", r.ID, r.Severity, r.PCI, r.Title, control))
	}
}

// The exceptions name construct paths; in a plan only the logical name is left, which gives the
// path back except where cdktf drops a repeated segment (cluster/cluster) or an id holds "_"
// (guardduty-LAMBDA_NETWORK_LOGS). Every exception of every shipped stack still accepts exactly
// the same resources in a plan.
func TestExceptionsMatchTheSameResourcesInAPlan(t *testing.T) {
	docs := map[*tests.Doc][]policy.Suppression{dev: stacks.Exceptions(dev.Env), staging: stacks.Exceptions(staging.Env), prod: stacks.Exceptions(prod.Env)}
	for _, a := range tests.Accounts() {
		docs[a.Doc] = stacks.AccountExceptions()
	}
	for d, exceptions := range docs {
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
}
