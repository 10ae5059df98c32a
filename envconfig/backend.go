package envconfig

import (
	"errors"
	"fmt"

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
