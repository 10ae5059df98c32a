// Package cluster creates the ECS cluster: container insights, audited ECS Exec sessions,
// FARGATE as the base capacity with optional FARGATE_SPOT beside it.
package cluster

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecsclustercapacityproviders"

	"github.com/scalepayments/infra/constructs/logs"
	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/naming"
)

// Props configures the cluster.
type Props struct {
	Namer            naming.Namer
	SpotWeight       int
	LogsKeyARN       *string // encrypts exec sessions and their log group
	LogRetentionDays int
}

// Cluster is the cluster, its capacity providers and the log group that records every ECS
// Exec session.
type Cluster struct {
	Cluster      ecscluster.EcsCluster
	Capacity     ecsclustercapacityproviders.EcsClusterCapacityProviders // services depend on it
	Strategy     []help.CapacityShare                                    // the default every service states
	ExecLogGroup *logs.Group
}

// New creates the cluster.
func New(scope constructs.Construct, id string, props *Props) *Cluster {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n := props.Namer
	execLogs := logs.New(scope, "exec-logs", &logs.Props{
		Name: n.Path("ecs", "exec"), RetentionDays: props.LogRetentionDays, KMSKeyARN: props.LogsKeyARN,
	})
	name := n.Name(naming.MaxECSName, "cluster")
	c := ecscluster.NewEcsCluster(scope, jsii.String("cluster"), &ecscluster.EcsClusterConfig{
		Name:    jsii.String(name),
		Setting: []*ecscluster.EcsClusterSetting{{Name: jsii.String("containerInsights"), Value: jsii.String("enabled")}},
		Configuration: &ecscluster.EcsClusterConfiguration{
			ExecuteCommandConfiguration: &ecscluster.EcsClusterConfigurationExecuteCommandConfiguration{
				KmsKeyId: props.LogsKeyARN,
				Logging:  jsii.String("OVERRIDE"),
				LogConfiguration: &ecscluster.EcsClusterConfigurationExecuteCommandConfigurationLogConfiguration{
					CloudWatchLogGroupName:      execLogs.Name(),
					CloudWatchEncryptionEnabled: jsii.Bool(true),
				},
			},
		},
		Tags: naming.NameTag(name),
	})
	strategy := help.CapacityStrategy(props.SpotWeight)
	var defaults []*ecsclustercapacityproviders.EcsClusterCapacityProvidersDefaultCapacityProviderStrategy
	var providers []string
	for _, s := range strategy {
		providers = append(providers, s.Provider)
		defaults = append(defaults, &ecsclustercapacityproviders.EcsClusterCapacityProvidersDefaultCapacityProviderStrategy{
			CapacityProvider: jsii.String(s.Provider), Base: jsii.Number(float64(s.Base)), Weight: jsii.Number(float64(s.Weight)),
		})
	}
	capacity := ecsclustercapacityproviders.NewEcsClusterCapacityProviders(scope, jsii.String("capacity"), &ecsclustercapacityproviders.EcsClusterCapacityProvidersConfig{
		ClusterName:                     c.Name(),
		CapacityProviders:               jsii.Strings(providers...),
		DefaultCapacityProviderStrategy: defaults,
	})
	return &Cluster{Cluster: c, Capacity: capacity, Strategy: strategy, ExecLogGroup: execLogs}
}
