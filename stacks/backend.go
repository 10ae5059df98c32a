package stacks

import (
	"errors"
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/scalepayments/infra/help"
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
// SCALEPAYMENTS_STATE_BUCKET for S3, neither for local state. Both set is an error, and so is
// any value Terraform would refuse only at init. An empty value means unset.
func BackendFromEnv(getenv func(string) string) (Backend, error) {
	org, bucket := getenv("TF_CLOUD_ORGANIZATION"), getenv("SCALEPAYMENTS_STATE_BUCKET")
	var b Backend
	switch {
	case org != "" && bucket != "":
		return Backend{}, fmt.Errorf("backend: TF_CLOUD_ORGANIZATION=%q and SCALEPAYMENTS_STATE_BUCKET=%q are both set: allowed one of them (Terraform Cloud or S3), or neither (local state)", org, bucket)
	case org != "":
		b = Backend{Kind: "cloud", CloudOrganization: org, CloudHostname: getenv("TF_CLOUD_HOSTNAME"), CloudProject: getenv("TF_CLOUD_PROJECT")}
		if b.CloudHostname == "" {
			b.CloudHostname = DefaultCloudHostname
		}
	case bucket != "":
		b = Backend{Kind: "s3", StateBucket: bucket, StateRegion: getenv("SCALEPAYMENTS_STATE_REGION"), StateKMSKeyID: getenv("SCALEPAYMENTS_STATE_KMS_KEY_ID")}
	default:
		return Backend{Kind: "local"}, nil
	}
	if err := b.validate(); err != nil {
		return Backend{}, err
	}
	return b, nil
}

// validate checks each setting the backend uses, naming the variable that holds it.
func (b Backend) validate() error {
	var errs []error
	check := func(variable, value string, ok func(string) bool, allowed string) {
		if value != "" && !ok(value) {
			errs = append(errs, fmt.Errorf("backend: %s=%q: allowed %s", variable, value, allowed))
		}
	}
	check("TF_CLOUD_ORGANIZATION", b.CloudOrganization, help.ValidTFCOrganization, "a Terraform Cloud organization name: letters, digits, underscores and hyphens")
	check("TF_CLOUD_HOSTNAME", b.CloudHostname, help.ValidHostname, "a host name such as app.terraform.io (no scheme or path)")
	check("TF_CLOUD_PROJECT", b.CloudProject, help.ValidTFCProject, "a Terraform Cloud project name: 3-40 letters, digits, spaces, underscores and hyphens")
	check("SCALEPAYMENTS_STATE_BUCKET", b.StateBucket, help.ValidS3BucketName, "an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit")
	check("SCALEPAYMENTS_STATE_REGION", b.StateRegion, help.ValidRegion, "an AWS region name such as us-east-1")
	check("SCALEPAYMENTS_STATE_KMS_KEY_ID", b.StateKMSKeyID, help.ValidKMSKey, "a KMS key id, alias/<name>, or the ARN of a key or alias")
	return errors.Join(errs...)
}

// StateKey is the S3 object key of an environment's state.
func StateKey(env string) string { return "scalepayments/" + env + "/terraform.tfstate" }

// apply gives the stack named name its state: stateKey is its S3 object key, region its default
// state region.
func (b Backend) apply(stack cdktf.TerraformStack, name, stateKey, region string) {
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
