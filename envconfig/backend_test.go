package envconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBackendFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Backend
		err  string
	}{
		{"nothing set: local", nil, Backend{Kind: "local"}, ""},
		{"cloud with defaults", map[string]string{"TF_CLOUD_ORGANIZATION": "scalepayments"},
			Backend{Kind: "cloud", CloudOrganization: "scalepayments", CloudHostname: "app.terraform.io"}, ""},
		{"cloud with host and project", map[string]string{"TF_CLOUD_ORGANIZATION": "sp", "TF_CLOUD_HOSTNAME": "tfe.example.com", "TF_CLOUD_PROJECT": "payments"},
			Backend{Kind: "cloud", CloudOrganization: "sp", CloudHostname: "tfe.example.com", CloudProject: "payments"}, ""},
		{"s3", map[string]string{"SCALEPAYMENTS_STATE_BUCKET": "sp-state", "SCALEPAYMENTS_STATE_REGION": "eu-west-1", "SCALEPAYMENTS_STATE_KMS_KEY_ID": "alias/state"},
			Backend{Kind: "s3", StateBucket: "sp-state", StateRegion: "eu-west-1", StateKMSKeyID: "alias/state"}, ""},
		{"both is an error", map[string]string{"TF_CLOUD_ORGANIZATION": "sp", "SCALEPAYMENTS_STATE_BUCKET": "sp-state"}, Backend{},
			`backend: TF_CLOUD_ORGANIZATION="sp" and SCALEPAYMENTS_STATE_BUCKET="sp-state" are both set: allowed one of them (Terraform Cloud or S3), or neither (local state)`},
		{"empty values are unset", map[string]string{"TF_CLOUD_ORGANIZATION": "", "SCALEPAYMENTS_STATE_BUCKET": "sp-state", "SCALEPAYMENTS_STATE_REGION": ""},
			Backend{Kind: "s3", StateBucket: "sp-state"}, ""},
		{"bad bucket", map[string]string{"SCALEPAYMENTS_STATE_BUCKET": "Bad_Bucket!"}, Backend{},
			`backend: SCALEPAYMENTS_STATE_BUCKET="Bad_Bucket!": allowed an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit`},
		{"bad region", map[string]string{"SCALEPAYMENTS_STATE_BUCKET": "sp-state", "SCALEPAYMENTS_STATE_REGION": "mars-1"}, Backend{},
			`backend: SCALEPAYMENTS_STATE_REGION="mars-1": allowed an AWS region name such as us-east-1`},
		{"bad key", map[string]string{"SCALEPAYMENTS_STATE_BUCKET": "sp-state", "SCALEPAYMENTS_STATE_KMS_KEY_ID": "my-key"}, Backend{},
			`backend: SCALEPAYMENTS_STATE_KMS_KEY_ID="my-key": allowed a KMS key id, alias/<name>, or the ARN of a key or alias`},
		{"bad organization", map[string]string{"TF_CLOUD_ORGANIZATION": "scale payments"}, Backend{},
			`backend: TF_CLOUD_ORGANIZATION="scale payments": allowed a Terraform Cloud organization name: letters, digits, underscores and hyphens`},
		{"bad project and host", map[string]string{"TF_CLOUD_ORGANIZATION": "sp", "TF_CLOUD_PROJECT": "x/y", "TF_CLOUD_HOSTNAME": "https://app.terraform.io"}, Backend{},
			`backend: TF_CLOUD_HOSTNAME="https://app.terraform.io": allowed a host name such as app.terraform.io (no scheme or path)` + "\n" +
				`backend: TF_CLOUD_PROJECT="x/y": allowed a Terraform Cloud project name: 3-40 letters, digits, spaces, underscores and hyphens`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BackendFromEnv(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				assert.Zero(t, got)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
