package stacks

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BackendFromEnv(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, "scalepayments/prod/terraform.tfstate", StateKey("prod"))
}
