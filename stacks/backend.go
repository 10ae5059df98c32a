package stacks

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/envconfig"
)

// StateKey is the S3 object key of an environment's state.
func StateKey(env string) string { return "scalepayments/" + env + "/terraform.tfstate" }

// applyBackend gives the stack named name its state in b: stateKey is its S3 object key, region
// its default state region.
func applyBackend(b envconfig.Backend, stack cdktf.TerraformStack, name, stateKey, region string) {
	switch b.Kind {
	case "cloud":
		var project *string
		if b.CloudProject != "" {
			project = jsii.String(b.CloudProject)
		}
		// One workspace per stack, named like the stack: scalepayments-<env>.
		cdktf.NewCloudBackend(stack, &cdktf.CloudBackendConfig{
			Organization: jsii.String(b.CloudOrganization),
			Hostname:     jsii.String(b.CloudHostname),
			Workspaces:   cdktf.NewNamedCloudWorkspace(jsii.String(name), project),
		})
	case "s3":
		if b.StateRegion != "" {
			region = b.StateRegion
		}
		cfg := &cdktf.S3BackendConfig{
			Bucket: jsii.String(b.StateBucket), Key: jsii.String(stateKey),
			Region: jsii.String(region), Encrypt: jsii.Bool(true),
		}
		if b.StateKMSKeyID != "" {
			cfg.KmsKeyId = jsii.String(b.StateKMSKeyID)
		}
		cdktf.NewS3Backend(stack, cfg)
		// S3-native locking (Terraform >= 1.10); cdktf 0.21's S3BackendConfig lacks the field.
		stack.AddOverride(jsii.String("terraform.backend.s3.use_lockfile"), true)
	default:
		cdktf.NewLocalBackend(stack, &cdktf.LocalBackendConfig{Path: jsii.String("terraform." + name + ".tfstate")})
	}
}
