// Package stacks composes the constructs into one stack per environment.
package stacks

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecrrepository"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/alarms"
	"github.com/scalepayments/infra/constructs/backup"
	"github.com/scalepayments/infra/constructs/cache"
	"github.com/scalepayments/infra/constructs/cluster"
	"github.com/scalepayments/infra/constructs/database"
	"github.com/scalepayments/infra/constructs/edge"
	"github.com/scalepayments/infra/constructs/egress"
	"github.com/scalepayments/infra/constructs/endpoints"
	"github.com/scalepayments/infra/constructs/firewall"
	"github.com/scalepayments/infra/constructs/keys"
	"github.com/scalepayments/infra/constructs/moved"
	"github.com/scalepayments/infra/constructs/network"
	"github.com/scalepayments/infra/constructs/release"
	"github.com/scalepayments/infra/constructs/service"
	"github.com/scalepayments/infra/constructs/waf"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/stacks/synthesized"
)

// RequiredTerraform is the Terraform version floor (S3 use_lockfile needs 1.10).
const RequiredTerraform = ">= 1.10"

// AWSProviderVersion replaces the exact version cdktf writes (5.99.1, the Go bindings' provider):
// the configuration is valid for every 5.x from the bindings' version on, so a registry
// download (5.99.x and later) and the machine image's mirror (5.100.0) both satisfy it.
const AWSProviderVersion = "~> 5.99"

// Stack is the whole platform of one environment.
type Stack struct {
	Name      string // scalepayments-<env>, also the Terraform Cloud workspace
	Stack     cdktf.TerraformStack
	Env       envconfig.Environment
	Namer     naming.Namer // how every name in the stack is made
	Keys      *keys.Keys
	Network   *network.Network
	Egress    *egress.Egress
	Firewall  *firewall.Firewall
	Endpoints *endpoints.Endpoints // nil where the environment has no interface endpoints
	Database  *database.Database
	Cache     *cache.Cache
	Backup    *backup.Backup
	// DatabaseAccess and CacheAccess are the data stores' client facts, read from jsii once.
	DatabaseAccess database.Access
	CacheAccess    cache.Access
	Cluster        *cluster.Cluster
	Edge           *edge.Edge
	Services       []*service.Service
	Release        *release.Release
	WAF            *waf.WAF // nil where the environment has no WAF
	Alarms         *alarms.Alarms
}

// Name is the stack name of an environment.
func Name(env envconfig.Environment) string { return naming.StackName(env.Name) }

// Peers are every account and environment of the app: the grants between environments (a
// promotion source lets its targets pull) name them.
type Peers struct {
	Accounts []envconfig.Account
	Envs     []envconfig.Environment
}

// EnvNamer is how every name of env's stack is made.
func EnvNamer(env envconfig.Environment) naming.Namer {
	return naming.Namer{Env: env.Name, Code: env.Code, Region: env.Region, Home: env.Region}
}

// New builds the stack of env, pinned to its account, with its state in backend. env, account
// and peers must have passed envconfig validation.
func New(scope constructs.Construct, env envconfig.Environment, acct envconfig.Account, backend envconfig.Backend, peers Peers) *Stack {
	name := Name(env)
	stack, account := foundation(scope, name, acct, env.Region, env.Tags, backend, StateKey(env.Name))
	s := &Stack{Name: name, Stack: stack, Env: env}
	forgetLegacyBaseline(stack)
	namer := EnvNamer(env)
	s.Namer = namer
	s.Keys = keys.New(stack, "keys", &keys.Props{Namer: namer, Account: account, DeletionWindowDays: env.KMSDeletionWindowDays})
	moves := &moved.Blocks{}
	s.Network = network.New(stack, "network", &network.Props{
		Namer: namer, Account: account,
		CIDR: env.VPCCIDR, AvailabilityZones: env.AvailabilityZones, NATGateways: env.NATGateways,
		InspectEgress: env.NetworkFirewall, LogRetentionDays: env.LogRetentionDays, LogsKeyARN: s.Keys.Logs.Arn(), Moves: moves,
	})
	s.egress(namer, account)
	s.Firewall = firewall.New(stack, naming.FirewallID, &firewall.Props{
		Namer: namer, VPCID: s.Network.VPC.Id(), Services: env.Services,
		Endpoints: env.InterfaceEndpoints, S3PrefixListID: s.Network.S3Endpoint.PrefixListId(),
	})
	if env.InterfaceEndpoints {
		s.Endpoints = endpoints.New(stack, "endpoints", &endpoints.Props{
			Namer: namer, Region: env.Region, VPCID: s.Network.VPC.Id(),
			SubnetIDs:       s.Network.PrivateIDs,
			SecurityGroupID: s.Firewall.ID(firewall.Endpoints),
		})
	}
	s.dataStores(namer, account, acct)
	s.compute(namer, account)
	s.release(namer, account, acct, peers)
	s.security(namer, account)
	s.outputs()
	moves.Write(stack)
	return s
}

// egress filters outbound traffic by name and routes the private subnets through it.
func (s *Stack) egress(namer naming.Namer, account iam.Account) {
	env := s.Env
	props := &egress.Props{
		Namer: namer, Account: account, VPCID: s.Network.VPC.Id(), Domains: env.ExternalDomains(),
		LogsKeyARN: s.Keys.Logs.Arn(), LogRetentionDays: env.LogRetentionDays, AvailabilityZones: env.AvailabilityZones,
		Protect: env.ChangeProtected(),
	}
	if env.NetworkFirewall {
		props.FirewallSubnetIDs = map[string]*string{}
		for i, az := range env.AvailabilityZones {
			props.FirewallSubnetIDs[az] = s.Network.Firewall[i].Id()
		}
	}
	s.Egress = egress.New(s.Stack, "egress", props)
	if s.Egress.Firewall != nil {
		s.Network.RouteEgress(s.Egress.EndpointID)
	} else {
		s.Network.RouteEgress(nil)
	}
}

// DRAlias is the provider alias of an environment's disaster-recovery region.
const DRAlias = "dr"

func (s *Stack) dataStores(namer naming.Namer, account iam.Account, acct envconfig.Account) {
	env, floors := s.Env, s.Env.Stage.Floors()
	dbSubnets := s.Network.DatabaseIDs
	s.Database = database.New(s.Stack, "database", &database.Props{
		Namer: namer, Account: account, Config: env.Aurora, AvailabilityZones: env.AvailabilityZones,
		Protected: floors.Protected, PreventDestroy: floors.PreventDestroy,
		SubnetIDs: dbSubnets, SecurityGroupID: s.Firewall.ID(firewall.Aurora),
		KMSKeyARN: s.Keys.Database.Arn(), LogsKeyARN: s.Keys.Logs.Arn(), LogRetentionDays: env.LogRetentionDays,
	})
	var users []string // Redis users only for the services that use Redis
	for _, svc := range env.Services {
		if svc.Cache {
			users = append(users, svc.Name)
		}
	}
	s.Cache = cache.New(s.Stack, "cache", &cache.Props{
		Namer: namer, Account: account, Config: env.Redis, AvailabilityZones: env.AvailabilityZones,
		SubnetIDs: dbSubnets, SecurityGroupID: s.Firewall.ID(firewall.Redis),
		KMSKeyARN: s.Keys.Cache.Arn(), LogsKeyARN: s.Keys.Logs.Arn(), LogRetentionDays: env.LogRetentionDays,
		Users: users,
	})
	s.DatabaseAccess, s.CacheAccess = s.Database.Access(), s.Cache.Access()
	props := &backup.Props{
		Namer: namer, Account: account, Config: env.Backup, RetentionDays: env.Aurora.BackupRetentionDays, LockMinDays: floors.MinBackupRetentionDays,
		DeletionWindowDays: env.KMSDeletionWindowDays, KMSKeyARN: s.Keys.Backup.Arn(), ClusterARN: s.Database.Cluster.Arn(),
		SubnetGroupName: s.Database.Cluster.DbSubnetGroupName(), SecurityGroupID: s.Firewall.ID(firewall.Aurora),
	}
	if env.Backup.DRRegion != "" {
		props.DRProvider = awsProvider(s.Stack, DRAlias, s.Name, acct, env.Backup.DRRegion, env.Tags)
	}
	s.Backup = backup.New(s.Stack, "backup", props)
}

func (s *Stack) compute(namer naming.Namer, account iam.Account) {
	env := s.Env
	private := s.Network.PrivateIDs
	var names []string
	for _, svc := range env.Services {
		names = append(names, svc.Name)
	}
	s.Edge = edge.New(s.Stack, naming.EdgeID, &edge.Props{
		Namer: namer, Account: account, HostedZone: env.HostedZone, Domain: env.APIDomain,
		Services: names, CORSOrigins: env.CORSAllowedOrigins,
		RateLimit: env.APIThrottle.RateLimit, BurstLimit: env.APIThrottle.BurstLimit,
		DeletionProtect: env.Stage.Floors().Protected, SubnetIDs: private,
		ALBSecurityGroup: s.Firewall.ID(firewall.ALB), VPCLinkGroup: s.Firewall.ID(firewall.VPCLink),
		LogsKeyARN: s.Keys.Logs.Arn(), LogRetentionDays: env.LogRetentionDays,
	})
	s.Cluster = cluster.New(s.Stack, "cluster", &cluster.Props{
		Namer: namer, SpotWeight: env.FargateSpotWeight, LogsKeyARN: s.Keys.Logs.Arn(), LogRetentionDays: env.LogRetentionDays,
	})
	for _, svc := range env.Services {
		s.Services = append(s.Services, service.New(s.Stack, naming.ServiceID(svc.Name), &service.Props{
			Namer: namer, Account: account, Service: svc,
			Digest: env.Images[svc.Name].Digest, ReadOnlyRootFilesystem: env.ReadOnlyRootFilesystem, ExecuteCommand: env.ExecuteCommand,
			LogRetentionDays: env.LogRetentionDays, SecretRecoveryDays: env.SecretRecoveryDays,
			ClusterID: s.Cluster.Cluster.Id(), ClusterName: s.Cluster.Cluster.Name(),
			ClusterCapacity: s.Cluster.Capacity, CapacityStrategy: s.Cluster.Strategy,
			ExecLogGroupARN: s.Cluster.ExecLogGroup.Arn(),
			SubnetIDs:       private, VPCID: s.Network.VPC.Id(), SecurityGroupID: s.Firewall.ID(firewall.Tasks(svc.Name)),
			ListenerARN: s.Edge.Listener.Arn(), ALBARNSuffix: s.Edge.ALB.ArnSuffix(),
			Database: s.DatabaseAccess, Cache: s.CacheAccess,
			LogsKeyARN: s.Keys.Logs.Arn(), ImagesKeyARN: s.Keys.Images.Arn(), SecretsKeyARN: s.Keys.Secrets.Arn(),
		}))
	}
}

// release creates the environment's release role: it pushes the environment's images and
// pulls those of the environment it promotes from; a later environment in another account
// may pull this one's.
func (s *Stack) release(namer naming.Namer, account iam.Account, acct envconfig.Account, peers Peers) {
	props := &release.Props{Namer: namer, Account: account, Delivery: envconfig.Pipeline,
		Repositories: map[string]ecrrepository.EcrRepository{}}
	for _, svc := range s.Services {
		props.Repositories[svc.Name] = svc.Repository
	}
	for _, e := range peers.Envs {
		a, ok := envconfig.AccountOf(peers.Accounts, e)
		if !ok {
			continue
		}
		peer, en := iam.Account{ID: a.ID, Partition: account.Partition, Region: e.Region}, EnvNamer(e)
		if e.Name == s.Env.PromoteFrom {
			for _, svc := range s.Env.Services {
				props.Sources = append(props.Sources, peer.ARN("ecr", "repository/"+en.Slash(svc.Name)))
			}
		}
		if e.PromoteFrom == s.Env.Name && a.Name != acct.Name {
			props.Pullers = append(props.Pullers, release.Puller{Root: peer.Root(), Role: peer.RoleARN("/", release.RoleName(en))})
		}
	}
	s.Release = release.New(s.Stack, "release", props)
}

func (s *Stack) security(namer naming.Namer, account iam.Account) {
	env := s.Env
	if env.WAF {
		s.WAF = waf.New(s.Stack, "waf", &waf.Props{
			Namer: namer, RateLimit: env.WAFRateLimit, ALBARN: s.Edge.ALB.Arn(), LogsKeyARN: s.Keys.Logs.Arn(), LogRetentionDays: env.LogRetentionDays,
		})
	}
	targetGroups := map[string]*string{}
	for _, svc := range s.Services {
		targetGroups[svc.Name] = svc.TargetGroup.ArnSuffix()
	}
	var webACL *string
	if s.WAF != nil {
		webACL = s.WAF.WebAcl.Name()
	}
	s.Alarms = alarms.New(s.Stack, "alarms", &alarms.Props{
		Namer: namer, Account: account, KMSKeyARN: s.Keys.Alarms.Arn(), Thresholds: env.Alarms, Services: env.Services,
		Notify:       env.Notify,
		ALBARNSuffix: s.Edge.ALB.ArnSuffix(), ClusterName: s.Cluster.Cluster.Name(), APIID: s.Edge.API.Id(),
		AuroraClusterID: s.Database.ClusterID, AuroraInstances: s.Database.InstanceIDs,
		RedisNodes: s.CacheAccess.NodeIDs, TargetGroups: targetGroups, WebACLName: webACL,
	})
}

func (s *Stack) outputs() {
	out := func(id, description string, value any) {
		cdktf.NewTerraformOutput(s.Stack, jsii.String(id), &cdktf.TerraformOutputConfig{
			Value: value, Description: jsii.String(description),
		})
	}
	out("vpc_id", "VPC id", s.Network.VPC.Id())
	out("public_subnet_ids", "Public subnet ids (NAT gateways only), one per AZ", s.Network.PublicIDs)
	out("private_subnet_ids", "Private subnet ids (tasks, ALB, VPC link), one per AZ", s.Network.PrivateIDs)
	out("database_subnet_ids", "Database subnet ids (no route out), one per AZ", s.Network.DatabaseIDs)
	db, c := s.Database, s.Cache
	out("aurora_writer_endpoint", "Aurora PostgreSQL writer endpoint (TLS required)", s.DatabaseAccess.Host)
	out("aurora_reader_endpoint", "Aurora PostgreSQL reader endpoint (TLS required)", s.DatabaseAccess.ReaderHost)
	out("aurora_port", "Aurora PostgreSQL port", db.Cluster.Port())
	out("aurora_cluster_arn", "Aurora cluster ARN (RDS Data API resource for make db-users)", db.Cluster.Arn())
	out("aurora_master_secret_arn", "ARN of the RDS-managed master user secret (the value stays in Secrets Manager)", db.MasterSecretARN)
	out("redis_primary_endpoint", "Redis primary endpoint (TLS and IAM auth required)", s.CacheAccess.Host)
	out("redis_reader_endpoint", "Redis reader endpoint (TLS and IAM auth required)", s.CacheAccess.ReaderHost)
	out("redis_user_group_id", "Redis RBAC user group id", c.UserGroup.UserGroupId())
	userIDs := map[string]string{}
	for svc := range c.Users {
		userIDs[svc] = s.CacheAccess.UserID(svc)
	}
	out("redis_user_ids", "Redis IAM-authenticated user id per service", &userIDs)
	out("api_url", "Public API URL (custom domain, TLS 1.2+)", s.Edge.URL)
	out("api_endpoint", "Raw execute-api endpoint (disabled: clients must use api_url)", s.Edge.API.ApiEndpoint())
	out("alb_dns_name", "Internal ALB DNS name (reachable only through the VPC link)", s.Edge.ALB.DnsName())
	out("ecs_cluster_name", "ECS cluster name", s.Cluster.Cluster.Name())
	out("release_role_arn", "Role the application pipeline assumes (GitHub OIDC) to push and promote this environment's images", s.Release.Role.Role.Arn())
	serviceNames := map[string]*string{}
	logGroups := map[string]*string{
		"vpc_flow_logs": s.Network.FlowLogGroup.Name(), "api_access": s.Edge.AccessLogGroup.Name(),
		"ecs_exec": s.Cluster.ExecLogGroup.Name(), "aurora": s.Database.LogGroup.Name(),
	}
	for _, svc := range s.Services {
		serviceNames[svc.Name] = svc.Service.Name()
		logGroups["service_"+svc.Name] = svc.LogGroup.Name()
	}
	out("ecs_service_names", "ECS service name per service", &serviceNames)
	out("log_group_names", "CloudWatch log group names", &logGroups)
}

// Synthesized returns the stack's Terraform configuration as cdktf wrote it to outdir. In HCL
// mode there is no JSON file, so it asks jsii for the same document (slower: a second
// serialization of the whole stack).
func Synthesized(outdir, name string, stack cdktf.TerraformStack) (*synthesized.Config, error) {
	data, err := os.ReadFile(filepath.Join(outdir, "stacks", name, "cdk.tf.json"))
	if errors.Is(err, fs.ErrNotExist) {
		data, err = json.Marshal(stack.ToTerraform())
	}
	if err != nil {
		return nil, err
	}
	return synthesized.Parse(data)
}
