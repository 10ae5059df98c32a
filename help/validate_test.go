package help

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidators(t *testing.T) {
	tests := []struct {
		name  string
		valid func(string) bool
		good  []string
		bad   []string
	}{
		{"region", ValidRegion, []string{"us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1"},
			[]string{"mars-1", "us-east", "US-EAST-1", "us-east-1a", ""}},
		{"S3 bucket", ValidS3BucketName, []string{"scalepayments-state", "a.b-c", "abc"},
			[]string{"Bad_Bucket!", "ab", "-abc", "abc-", "a..b", "192.168.5.4", "xn--abc", "state-s3alias", "sthree-x", "abc.mrap", string(make([]byte, 64))}},
		{"KMS key", ValidKMSKey, []string{
			"1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab", "alias/terraform-state",
			"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			"arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/state"},
			[]string{"my-key", "arn:aws:kms:us-east-1:111122223333:key/not-a-key", "arn:aws:s3:::bucket", "alias/", ""}},
		{"TFC organization", ValidTFCOrganization, []string{"scalepayments", "Scale_Payments-2"}, []string{"scale payments", "org/x", ""}},
		{"TFC project", ValidTFCProject, []string{"Payments Platform", "pci_dss-1"}, []string{"ab", "a/b/c", string(make([]byte, 41))}},
		{"hostname", ValidHostname, []string{"app.terraform.io", "tfe.internal.example.com"}, []string{"https://app.terraform.io", "localhost", "App.Terraform.io"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range tt.good {
				assert.True(t, tt.valid(v), v)
			}
			for _, v := range tt.bad {
				assert.False(t, tt.valid(v), v)
			}
		})
	}
}
