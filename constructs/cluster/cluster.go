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
)

// Props configures the cluster.
type Props struct {
	Namer            help.Namer
	SpotWeight       int
	LogsKeyArn       *string // encrypts exec sessions and their log group
	LogRetentionDays int
}

// Cluster is the cluster and the log group that records every ECS Exec session.
type Cluster struct {
	Cluster      ecscluster.EcsCluster
	ExecLogGroup *logs.Logs
}

// New creates the cluster.
func New(scope constructs.Construct, id string, props *Props) *Cluster {
	scope = constructs.NewConstruct(scope, jsii.String(id))
	n := props.Namer
	execLogs := logs.New(scope, "exec-logs", &logs.Props{
		Name: n.Path("ecs", "exec"), RetentionDays: props.LogRetentionDays, KmsKeyArn: props.LogsKeyArn,
	})
	name := n.Name(help.MaxECSName, "cluster")
	c := ecscluster.NewEcsCluster(scope, jsii.String("cluster"), &ecscluster.EcsClusterConfig{
		Name:    jsii.String(name),
		Setting: []*ecscluster.EcsClusterSetting{{Name: jsii.String("containerInsights"), Value: jsii.String("enabled")}},
		Configuration: &ecscluster.EcsClusterConfiguration{
			ExecuteCommandConfiguration: &ecscluster.EcsClusterConfigurationExecuteCommandConfiguration{
				KmsKeyId: props.LogsKeyArn,
				Logging:  jsii.String("OVERRIDE"),
				LogConfiguration: &ecscluster.EcsClusterConfigurationExecuteCommandConfigurationLogConfiguration{
					CloudWatchLogGroupName:      execLogs.Group.Name(),
					CloudWatchEncryptionEnabled: jsii.Bool(true),
				},
			},
		},
		Tags: help.NameTag(name),
	})
	ecsclustercapacityproviders.NewEcsClusterCapacityProviders(scope, jsii.String("capacity"), &ecsclustercapacityproviders.EcsClusterCapacityProvidersConfig{
		ClusterName:       c.Name(),
		CapacityProviders: jsii.Strings("FARGATE", "FARGATE_SPOT"),
		DefaultCapacityProviderStrategy: []*ecsclustercapacityproviders.EcsClusterCapacityProvidersDefaultCapacityProviderStrategy{
			{CapacityProvider: jsii.String("FARGATE"), Base: jsii.Number(1), Weight: jsii.Number(1)},
			{CapacityProvider: jsii.String("FARGATE_SPOT"), Weight: jsii.Number(float64(props.SpotWeight))},
		},
	})
	return &Cluster{Cluster: c, ExecLogGroup: execLogs}
}
