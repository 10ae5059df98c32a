// Package service creates one ECS Fargate microservice: its image repository, secrets, log
// group, least-privilege roles, task definition, target group and listener rule, service and
// autoscaling (PCI-DSS 2.2, 3.5, 6.3, 7.2, 10.2).
package service

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/appautoscalingpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/appautoscalingtarget"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecrlifecyclepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecrrepository"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecsservice"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecstaskdefinition"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistenerrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lbtargetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecret"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/constructs/cache"
	"github.com/scalepayments/infra/constructs/database"
	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/constructs/role"
	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/help/naming"
	"github.com/scalepayments/infra/help/netplan"
)

// Autoscaling targets: scale out well before saturation.
const (
	CPUTarget             = 60
	MemoryTarget          = 75
	RequestsPerTarget     = 1000 // ALB requests per task per minute, where ScaleOnRequests
	HealthCheckGraceSecs  = 60
	DeregistrationSeconds = 30
)

// Props configures one service: exactly the knobs it uses, as values.
type Props struct {
	Namer   naming.Namer
	Account iam.Account
	Service envconfig.Service // what it is, what it reaches, its capacity

	// Digest is the image the service runs (sha256:...), from the environment's release manifest.
	Digest                 string
	ReadOnlyRootFilesystem bool
	ExecuteCommand         bool
	LogRetentionDays       int
	SecretRecoveryDays     int

	ClusterID, ClusterName *string
	// ClusterCapacity is the cluster's capacity-provider association, which must exist before a
	// service names a provider; CapacityStrategy is the cluster default, stated again.
	ClusterCapacity  cdktf.ITerraformDependable
	CapacityStrategy []help.CapacityShare
	ExecLogGroupARN  *string // ECS Exec session logs, when Env.ExecuteCommand
	SubnetIDs        *[]*string
	VPCID            *string
	SecurityGroupID  *string
	ListenerARN      *string
	ALBARNSuffix     *string

	// Database and Cache are the data stores' client facts; read only where Service says it
	// uses them.
	Database database.Access
	Cache    cache.Access

	LogsKeyARN, ImagesKeyARN, SecretsKeyARN *string
}

// Service exposes the service's resources.
type Service struct {
	Name           string
	Repository     ecrrepository.EcrRepository
	LogGroup       *logs.Group
	Secrets        map[string]secretsmanagersecret.SecretsmanagerSecret
	ExecutionRole  *role.Role
	TaskRole       *role.Role
	TaskDefinition ecstaskdefinition.EcsTaskDefinition
	TargetGroup    lbtargetgroup.LbTargetGroup
	ListenerRule   lblistenerrule.LbListenerRule
	Service        ecsservice.EcsService
}

// HealthPath is the path the ALB and the container health check probe.
func HealthPath(service string) string { return "/" + service + "/health" }

// New creates the service.
func New(scope constructs.Construct, id string, props *Props) *Service {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n, svc := props.Namer, props.Service
	s := &Service{Name: svc.Name, Secrets: map[string]secretsmanagersecret.SecretsmanagerSecret{}}

	repoName := n.Slash(svc.Name)
	s.Repository = ecrrepository.NewEcrRepository(scope, jsii.String("repository"), &ecrrepository.EcrRepositoryConfig{
		Name:                       jsii.String(repoName),
		ImageTagMutability:         jsii.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecrrepository.EcrRepositoryImageScanningConfiguration{ScanOnPush: jsii.Bool(true)},
		EncryptionConfiguration: []*ecrrepository.EcrRepositoryEncryptionConfiguration{{
			EncryptionType: jsii.String("KMS"), KmsKey: props.ImagesKeyARN,
		}},
		Tags: naming.NameTag(repoName),
	})
	ecrlifecyclepolicy.NewEcrLifecyclePolicy(scope, jsii.String("repository-lifecycle"), &ecrlifecyclepolicy.EcrLifecyclePolicyConfig{
		Repository: s.Repository.Name(),
		Policy: jsii.String(help.MustJSON(map[string]any{"rules": []any{map[string]any{
			"rulePriority": 1, "description": "keep the last 100 images",
			"selection": map[string]any{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100},
			"action":    map[string]any{"type": "expire"},
		}}})),
	})
	s.LogGroup = logs.New(scope, "logs", &logs.Props{
		Name: n.Path("ecs", svc.Name), RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
		MaskCardNumbers: true, // any service may log a request body by mistake
	})
	for _, sec := range svc.Secrets {
		name := n.Slash(svc.Name, sec)
		s.Secrets[sec] = secretsmanagersecret.NewSecretsmanagerSecret(scope, jsii.String(naming.SecretID(sec)), &secretsmanagersecret.SecretsmanagerSecretConfig{
			Name:                 jsii.String(name),
			Description:          jsii.String(fmt.Sprintf("%s for the %s service; value set out of band, never by Terraform", sec, svc.Name)),
			KmsKeyId:             props.SecretsKeyARN,
			RecoveryWindowInDays: jsii.Number(float64(props.SecretRecoveryDays)),
			Tags:                 naming.NameTag(name),
		})
	}
	s.roles(scope, props)
	s.taskDefinition(scope, props)
	s.loadBalancing(scope, props)
	s.service(scope, props)
	s.autoscaling(scope, props)
	return s
}

func (s *Service) secretArns() []string {
	var arns []string
	for _, k := range help.SortedKeys(s.Secrets) {
		arns = append(arns, *s.Secrets[k].Arn())
	}
	return arns
}

func (s *Service) roles(scope constructs.Construct, props *Props) {
	n, svc := props.Namer, props.Service
	exec := []iam.Statement{
		// ecr:GetAuthorizationToken has no resource-level permissions: AWS requires "*".
		iam.Allow("EcrLogin", []string{"ecr:GetAuthorizationToken"}, []string{"*"}),
		iam.Allow("PullOwnImages", []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}, []string{*s.Repository.Arn()}),
		iam.Allow("WriteOwnLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{*s.LogGroup.Arn() + ":*"}),
	}
	if arns := s.secretArns(); len(arns) > 0 {
		exec = append(exec,
			iam.Allow("ReadOwnSecrets", []string{"secretsmanager:GetSecretValue"}, arns),
			viaService(iam.Allow("DecryptOwnSecrets", []string{"kms:Decrypt"}, []string{*props.SecretsKeyARN}), props.Account.ServiceHost("secretsmanager")))
	}
	// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
	s.ExecutionRole = role.New(scope, "execution-role", &role.Props{
		Name: n.Global(naming.MaxIAMRoleName, svc.Name, "execution"), Service: "ecs-tasks.amazonaws.com", Account: props.Account,
		Policies: map[string]string{"pull-log-secrets": iam.Policy(exec...)},
	})

	var task []iam.Statement
	if svc.Database {
		task = append(task, iam.Allow("ConnectAsOwnDatabaseUser", []string{"rds-db:connect"}, []string{props.Database.ConnectARN(svc.Name)}))
	}
	if svc.Cache {
		task = append(task, iam.Allow("ConnectAsOwnRedisUser", []string{"elasticache:Connect"}, props.Cache.ConnectARNs(svc.Name)))
	}
	if props.ExecuteCommand {
		task = append(task,
			// The SSM message channels are created per session and cannot be named ahead: AWS requires "*".
			iam.Allow("EcsExecChannels", []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}, []string{"*"}),
			iam.Allow("EcsExecAuditLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}, []string{*props.ExecLogGroupARN + ":*"}),
			// logs:DescribeLogGroups has no resource-level permissions: AWS requires "*".
			iam.Allow("EcsExecFindLogGroup", []string{"logs:DescribeLogGroups"}, []string{"*"}),
			// The session key: tasks only decrypt; the operator's identity generates the data key.
			// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html (IAM permissions for ECS Exec)
			iam.Allow("EcsExecSessionKey", []string{"kms:Decrypt"}, []string{*props.LogsKeyARN}))
	}
	policies := map[string]string{}
	if len(task) > 0 {
		policies["service-access"] = iam.Policy(task...)
	}
	// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
	s.TaskRole = role.New(scope, "task-role", &role.Props{
		Name: n.Global(naming.MaxIAMRoleName, svc.Name, "task"), Service: "ecs-tasks.amazonaws.com", Account: props.Account,
		Policies: policies,
	})
}

func viaService(s iam.Statement, host string) iam.Statement {
	s.Condition = map[string]map[string]any{"StringEquals": {"kms:ViaService": host}}
	return s
}

func (s *Service) taskDefinition(scope constructs.Construct, props *Props) {
	svc := props.Service
	c := container{
		Name:                   svc.Name,
		Image:                  *s.Repository.RepositoryUrl() + "@" + props.Digest,
		Essential:              true,
		ReadonlyRootFilesystem: props.ReadOnlyRootFilesystem,
		Privileged:             false,
		User:                   "10001:10001", // never root inside the container
		PortMappings:           []portMapping{{ContainerPort: netplan.ContainerPort, Protocol: "tcp"}},
		Environment:            s.environment(props),
		Secrets:                []secretRef{},
		MountPoints:            []mountPoint{{SourceVolume: tmpVolume, ContainerPath: "/tmp"}},
		LinuxParameters:        linuxParams{Capabilities: capabilities{Drop: []string{"ALL"}}, InitProcessEnabled: true},
		LogConfiguration: logConfig{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group": *s.LogGroup.Name(), "awslogs-region": props.Account.Region, "awslogs-stream-prefix": svc.Name,
		}},
		HealthCheck: containerCheck{
			Command:  []string{"CMD-SHELL", fmt.Sprintf("curl -fsS http://localhost:%d%s || exit 1", netplan.ContainerPort, HealthPath(svc.Name))},
			Interval: 30, Timeout: 5, Retries: 3, StartPeriod: 30,
		},
	}
	for _, k := range help.SortedKeys(s.Secrets) {
		c.Secrets = append(c.Secrets, secretRef{Name: envName(k), ValueFrom: *s.Secrets[k].Arn()})
	}
	family := props.Namer.Name(naming.MaxName, svc.Name)
	s.TaskDefinition = ecstaskdefinition.NewEcsTaskDefinition(scope, jsii.String("task"), &ecstaskdefinition.EcsTaskDefinitionConfig{
		Family:                  jsii.String(family),
		RequiresCompatibilities: jsii.Strings("FARGATE"),
		NetworkMode:             jsii.String("awsvpc"),
		Cpu:                     jsii.String(strconv.Itoa(svc.CPU)),
		Memory:                  jsii.String(strconv.Itoa(svc.MemoryMiB)),
		ExecutionRoleArn:        s.ExecutionRole.Role.Arn(),
		TaskRoleArn:             s.TaskRole.Role.Arn(),
		RuntimePlatform: &ecstaskdefinition.EcsTaskDefinitionRuntimePlatform{
			OperatingSystemFamily: jsii.String("LINUX"), CpuArchitecture: jsii.String("X86_64"),
		},
		Volume:               []*ecstaskdefinition.EcsTaskDefinitionVolume{{Name: jsii.String(tmpVolume)}},
		ContainerDefinitions: jsii.String(help.Document([]container{c})),
		Tags:                 naming.NameTag(family),
	})
}

// tmpVolume is a task-scoped scratch volume at /tmp: with a read-only root filesystem it is the
// only writable path.
const tmpVolume = "tmp"

// environment holds only non-secret settings; credentials come from IAM, secrets from `secrets`.
func (s *Service) environment(props *Props) []nameValue {
	svc := props.Service
	vars := []nameValue{
		{"APP_ENV", props.Namer.Env}, {"SERVICE_NAME", svc.Name}, {"AWS_REGION", props.Account.Region},
		{"PORT", strconv.Itoa(netplan.ContainerPort)},
	}
	if svc.Database {
		vars = append(vars,
			nameValue{"DB_HOST", props.Database.Host},
			nameValue{"DB_READER_HOST", props.Database.ReaderHost},
			nameValue{"DB_PORT", strconv.Itoa(netplan.PostgresPort)},
			nameValue{"DB_NAME", props.Database.Name},
			nameValue{"DB_USER", svc.Name},
			nameValue{"DB_IAM_AUTH", "true"},
			nameValue{"DB_SSLMODE", "verify-full"})
	}
	if svc.Cache {
		vars = append(vars,
			nameValue{"REDIS_HOST", props.Cache.Host},
			nameValue{"REDIS_READER_HOST", props.Cache.ReaderHost},
			nameValue{"REDIS_PORT", strconv.Itoa(netplan.RedisPort)},
			nameValue{"REDIS_USER", props.Cache.UserID(svc.Name)},
			// IAM auth tokens are signed for the replication group id, not the endpoint host.
			nameValue{"REDIS_REPLICATION_GROUP_ID", props.Cache.GroupID},
			nameValue{"REDIS_TLS", "true"},
			nameValue{"REDIS_KEY_PREFIX", svc.Name + ":"})
	}
	return vars
}

// envName turns a secret name into its environment variable: processor-api-key -> PROCESSOR_API_KEY.
func envName(secret string) string { return strings.ToUpper(strings.ReplaceAll(secret, "-", "_")) }

func (s *Service) loadBalancing(scope constructs.Construct, props *Props) {
	name := props.Namer.Short(naming.MaxTargetGroupName, props.Service.Name)
	s.TargetGroup = lbtargetgroup.NewLbTargetGroup(scope, jsii.String("target-group"), &lbtargetgroup.LbTargetGroupConfig{
		Name:                jsii.String(name),
		Port:                jsii.Number(netplan.ContainerPort),
		Protocol:            jsii.String("HTTP"),
		TargetType:          jsii.String("ip"),
		VpcId:               props.VPCID,
		DeregistrationDelay: jsii.String(strconv.Itoa(DeregistrationSeconds)),
		HealthCheck: &lbtargetgroup.LbTargetGroupHealthCheck{
			Enabled: jsii.Bool(true), Path: jsii.String(HealthPath(props.Service.Name)), Matcher: jsii.String("200"),
			Interval: jsii.Number(15), Timeout: jsii.Number(5), HealthyThreshold: jsii.Number(2), UnhealthyThreshold: jsii.Number(3),
		},
		Tags: naming.NameTag(name),
	})
	s.ListenerRule = lblistenerrule.NewLbListenerRule(scope, jsii.String("listener-rule"), &lblistenerrule.LbListenerRuleConfig{
		ListenerArn: props.ListenerARN,
		Priority:    jsii.Number(float64(props.Service.Priority)),
		Condition: []*lblistenerrule.LbListenerRuleCondition{{
			PathPattern: &lblistenerrule.LbListenerRuleConditionPathPattern{Values: jsii.Strings("/" + props.Service.Name + "/*")},
		}},
		Action: []*lblistenerrule.LbListenerRuleAction{{Type: jsii.String("forward"), TargetGroupArn: s.TargetGroup.Arn()}},
		Tags:   naming.NameTag(name),
	})
}

func (s *Service) service(scope constructs.Construct, props *Props) {
	svc := props.Service
	var strategy []*ecsservice.EcsServiceCapacityProviderStrategy
	for _, c := range props.CapacityStrategy {
		strategy = append(strategy, &ecsservice.EcsServiceCapacityProviderStrategy{
			CapacityProvider: jsii.String(c.Provider), Base: jsii.Number(float64(c.Base)), Weight: jsii.Number(float64(c.Weight)),
		})
	}
	s.Service = ecsservice.NewEcsService(scope, jsii.String("service"), &ecsservice.EcsServiceConfig{
		Name:                     jsii.String(svc.Name),
		Cluster:                  props.ClusterID,
		TaskDefinition:           s.TaskDefinition.Arn(),
		DesiredCount:             jsii.Number(float64(svc.DesiredCount)),
		CapacityProviderStrategy: strategy,
		// Lets a strategy change (a new Spot weight) update the service in place; without it
		// provider 5.x replaces the service.
		ForceNewDeployment: jsii.Bool(true),
		NetworkConfiguration: &ecsservice.EcsServiceNetworkConfiguration{
			Subnets: props.SubnetIDs, SecurityGroups: &[]*string{props.SecurityGroupID}, AssignPublicIp: jsii.Bool(false),
		},
		LoadBalancer: []*ecsservice.EcsServiceLoadBalancer{{
			TargetGroupArn: s.TargetGroup.Arn(), ContainerName: jsii.String(svc.Name), ContainerPort: jsii.Number(netplan.ContainerPort),
		}},
		DeploymentCircuitBreaker:        &ecsservice.EcsServiceDeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		DeploymentMinimumHealthyPercent: jsii.Number(100),
		DeploymentMaximumPercent:        jsii.Number(200),
		HealthCheckGracePeriodSeconds:   jsii.Number(HealthCheckGraceSecs),
		AvailabilityZoneRebalancing:     jsii.String("ENABLED"),
		EnableExecuteCommand:            jsii.Bool(props.ExecuteCommand),
		EnableEcsManagedTags:            jsii.Bool(true),
		PropagateTags:                   jsii.String("SERVICE"),
		// Autoscaling owns the task count after creation.
		Lifecycle: &cdktf.TerraformResourceLifecycle{IgnoreChanges: jsii.Strings("desired_count")},
		// The target group serves nothing until its listener rule exists: ECS rejects a service
		// whose target group has no load balancer. Its tasks pull, log and read secrets with the
		// roles' policies, which the task definition does not wait for (it names the roles only);
		// after them, a destroy also keeps them until the tasks are gone (the provider's
		// ecs_service page: depends_on the role policy, else the service hangs in DRAINING).
		DependsOn: s.dependencies(props),
		Tags:      naming.NameTag(props.Namer.Name(naming.MaxName, svc.Name)),
	})
}

// dependencies are what the service waits for besides its references.
func (s *Service) dependencies(props *Props) *[]cdktf.ITerraformDependable {
	deps := []cdktf.ITerraformDependable{props.ClusterCapacity, s.ListenerRule}
	deps = append(append(deps, s.ExecutionRole.Grants...), s.TaskRole.Grants...)
	return &deps
}

type scalingMetric struct {
	value float64
	label *string // ALB and target group, for request-count scaling
}

func (s *Service) autoscaling(scope constructs.Construct, props *Props) {
	svc := props.Service
	target := appautoscalingtarget.NewAppautoscalingTarget(scope, jsii.String("scaling-target"), &appautoscalingtarget.AppautoscalingTargetConfig{
		ServiceNamespace:  jsii.String("ecs"),
		ScalableDimension: jsii.String("ecs:service:DesiredCount"),
		ResourceId:        jsii.String(fmt.Sprintf("service/%s/%s", *props.ClusterName, *s.Service.Name())),
		MinCapacity:       jsii.Number(float64(svc.DesiredCount)),
		MaxCapacity:       jsii.Number(float64(svc.MaxCount)),
		Tags:              naming.NameTag(props.Namer.Name(naming.MaxName, svc.Name, "scaling")),
	})
	metrics := map[string]scalingMetric{
		"ECSServiceAverageCPUUtilization":    {CPUTarget, nil},
		"ECSServiceAverageMemoryUtilization": {MemoryTarget, nil},
	}
	if svc.ScaleOnRequests {
		label := *props.ALBARNSuffix + "/" + *s.TargetGroup.ArnSuffix()
		metrics["ALBRequestCountPerTarget"] = scalingMetric{RequestsPerTarget, &label}
	}
	for _, metric := range help.SortedKeys(metrics) {
		m := metrics[metric]
		appautoscalingpolicy.NewAppautoscalingPolicy(scope, jsii.String("scale-"+metric), &appautoscalingpolicy.AppautoscalingPolicyConfig{
			Name:              jsii.String(props.Namer.Name(naming.MaxName, svc.Name, metric)),
			PolicyType:        jsii.String("TargetTrackingScaling"),
			ServiceNamespace:  target.ServiceNamespace(),
			ScalableDimension: target.ScalableDimension(),
			ResourceId:        target.ResourceId(),
			TargetTrackingScalingPolicyConfiguration: &appautoscalingpolicy.AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration{
				TargetValue:      jsii.Number(m.value),
				ScaleInCooldown:  jsii.Number(300),
				ScaleOutCooldown: jsii.Number(60),
				PredefinedMetricSpecification: &appautoscalingpolicy.AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification{
					PredefinedMetricType: jsii.String(metric), ResourceLabel: m.label,
				},
			},
		})
	}
}
