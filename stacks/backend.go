package stacks

import (
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// Backend is where a stack keeps its Terraform state, chosen per run from environment
// variables. Only names are read: credentials come from the Terraform/AWS credential chain.
type Backend struct {
	Kind string // "local", "cloud" or "s3"

	CloudOrganization, CloudHostname, CloudProject string

	StateBucket, StateRegion, StateKMSKeyID string
}

// DefaultCloudHostname is Terraform Cloud's SaaS host.
const DefaultCloudHostname = "app.terraform.io"

// BackendFromEnv selects the backend: TF_CLOUD_ORGANIZATION for Terraform Cloud,
// SCALEPAYMENTS_STATE_BUCKET for S3, neither for local state. Both set is an error.
func BackendFromEnv(getenv func(string) string) (Backend, error) {
	org, bucket := getenv("TF_CLOUD_ORGANIZATION"), getenv("SCALEPAYMENTS_STATE_BUCKET")
	switch {
	case org != "" && bucket != "":
		return Backend{}, fmt.Errorf("backend: TF_CLOUD_ORGANIZATION=%q and SCALEPAYMENTS_STATE_BUCKET=%q are both set: allowed one of them (Terraform Cloud or S3), or neither (local state)", org, bucket)
	case org != "":
		host := getenv("TF_CLOUD_HOSTNAME")
		if host == "" {
			host = DefaultCloudHostname
		}
		return Backend{Kind: "cloud", CloudOrganization: org, CloudHostname: host, CloudProject: getenv("TF_CLOUD_PROJECT")}, nil
	case bucket != "":
		return Backend{Kind: "s3", StateBucket: bucket, StateRegion: getenv("SCALEPAYMENTS_STATE_REGION"), StateKMSKeyID: getenv("SCALEPAYMENTS_STATE_KMS_KEY_ID")}, nil
	}
	return Backend{Kind: "local"}, nil
}

// StateKey is the S3 object key of an environment's state.
func StateKey(env string) string { return "scalepayments/" + env + "/terraform.tfstate" }

func (b Backend) apply(s *Stack) {
	switch b.Kind {
	case "cloud":
		var project *string
		if b.CloudProject != "" {
			project = jsii.String(b.CloudProject)
		}
		// One workspace per stack, named like the stack: scalepayments-<env>.
		cdktf.NewCloudBackend(s.Stack, &cdktf.CloudBackendConfig{
			Organization: jsii.String(b.CloudOrganization),
			Hostname:     jsii.String(b.CloudHostname),
			Workspaces:   cdktf.NewNamedCloudWorkspace(jsii.String(s.Name), project),
		})
	case "s3":
		region := b.StateRegion
		if region == "" {
			region = s.Env.Region
		}
		cfg := &cdktf.S3BackendConfig{
			Bucket: jsii.String(b.StateBucket), Key: jsii.String(StateKey(s.Env.Name)),
			Region: jsii.String(region), Encrypt: jsii.Bool(true),
		}
		if b.StateKMSKeyID != "" {
			cfg.KmsKeyId = jsii.String(b.StateKMSKeyID)
		}
		cdktf.NewS3Backend(s.Stack, cfg)
		// S3-native locking (Terraform >= 1.10); cdktf 0.21's S3BackendConfig lacks the field.
		s.Stack.AddOverride(jsii.String("terraform.backend.s3.use_lockfile"), true)
	default:
		cdktf.NewLocalBackend(s.Stack, &cdktf.LocalBackendConfig{Path: jsii.String("terraform." + s.Name + ".tfstate")})
	}
}
