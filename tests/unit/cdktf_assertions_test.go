package unit

import (
	"testing"

	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsroute53zone"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ecsservice"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/rdscluster"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/assert"
)

// cdktf's own matchers where they say it best ("some resource of this type has these
// properties"); each is checked for true where it must hold and false where it must not, so
// none can pass by accident. "All", "none" and exact counts are asserted on the parsed JSON.
func TestCdktfMatchers(t *testing.T) {
	has := func(d string, typ *string, props map[string]any) bool {
		return *cdktf.Testing_ToHaveResourceWithProperties(&d, typ, &props)
	}
	prodCluster := map[string]any{"deletion_protection": true, "skip_final_snapshot": false, "storage_encrypted": true,
		"iam_database_authentication_enabled": true, "manage_master_user_password": true, "enable_http_endpoint": true}
	assert.True(t, has(prod.JSON, rdscluster.RdsCluster_TfResourceType(), prodCluster))
	assert.False(t, has(dev.JSON, rdscluster.RdsCluster_TfResourceType(), prodCluster), "dev's cluster is not deletion-protected")

	spotless := map[string]any{"capacity_provider_strategy": []any{
		map[string]any{"capacity_provider": "FARGATE", "base": 1, "weight": 1},
		map[string]any{"capacity_provider": "FARGATE_SPOT", "base": 0, "weight": 0},
	}}
	assert.True(t, has(prod.JSON, ecsservice.EcsService_TfResourceType(), spotless), "prod never runs on Spot")
	assert.False(t, has(dev.JSON, ecsservice.EcsService_TfResourceType(), spotless), "dev uses Spot")

	providerProps := map[string]any{"region": "us-east-1", "default_tags": []any{map[string]any{"tags": map[string]any{
		"Project": "ScalePayments", "ManagedBy": "cdktf", "Stack": "scalepayments-prod", "Environment": "Production",
		"CostCenter": "Operations", "Compliance": "PCI-DSS", "DataClassification": "Sensitive"}}}}
	assert.True(t, *cdktf.Testing_ToHaveProviderWithProperties(&prod.JSON, provider.AwsProvider_TfResourceType(), &providerProps))
	assert.False(t, *cdktf.Testing_ToHaveProviderWithProperties(&dev.JSON, provider.AwsProvider_TfResourceType(), &providerProps))

	zone := map[string]any{"name": "scalepayments.com", "private_zone": false}
	assert.True(t, *cdktf.Testing_ToHaveDataSourceWithProperties(&prod.JSON, dataawsroute53zone.DataAwsRoute53Zone_TfResourceType(), &zone))
	private := map[string]any{"private_zone": true}
	assert.False(t, *cdktf.Testing_ToHaveDataSourceWithProperties(&prod.JSON, dataawsroute53zone.DataAwsRoute53Zone_TfResourceType(), &private))
}
