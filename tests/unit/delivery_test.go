package unit

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/tests"
)

func TestTerraformCloudBackendUsesOneWorkspacePerStack(t *testing.T) {
	d := tests.SynthWith(prod.Env, envconfig.Backend{Kind: "cloud", CloudOrganization: "scalepayments", CloudHostname: "app.terraform.io", CloudProject: "payments"})
	tf := d.Root["terraform"].(tests.Body)
	assert.Equal(t, map[string]any{
		"organization": "scalepayments",
		"hostname":     "app.terraform.io",
		"workspaces":   map[string]any{"name": "scalepayments-prod", "project": "payments"},
	}, tf["cloud"])
	assert.NotContains(t, tf, "backend")
}

func TestS3BackendIsEncryptedAndLocked(t *testing.T) {
	d := tests.SynthWith(staging.Env, envconfig.Backend{Kind: "s3", StateBucket: "sp-state", StateKMSKeyID: "alias/state"})
	tf := d.Root["terraform"].(tests.Body)
	assert.Equal(t, map[string]any{"s3": map[string]any{
		"bucket": "sp-state", "key": "scalepayments/staging/terraform.tfstate", "region": "us-east-1",
		"encrypt": true, "kms_key_id": "alias/state", "use_lockfile": true,
	}}, tf["backend"])
	assert.NotContains(t, tf, "cloud")
}

func TestStackOutputs(t *testing.T) {
	want := map[string]bool{ // name -> sensitive
		"vpc_id": false, "public_subnet_ids": false, "private_subnet_ids": false, "database_subnet_ids": false,
		"api_url": false, "api_endpoint": false, "alb_dns_name": false, "ecs_cluster_name": false, "ecs_service_names": false,
		"aurora_writer_endpoint": false, "aurora_reader_endpoint": false, "aurora_port": false, "aurora_master_secret_arn": false, "aurora_cluster_arn": false,
		"redis_primary_endpoint": false, "redis_reader_endpoint": false, "redis_user_group_id": false, "redis_user_ids": false,
		"log_group_names": false, "release_role_arn": false,
	}
	for _, d := range []*tests.Doc{dev, staging, prod} {
		outputs := d.Root["output"].(tests.Body)
		assert.Len(t, outputs, len(want), d.Env.Name)
		for name := range want {
			o, ok := outputs[name].(tests.Body)
			if assert.True(t, ok, "%s: output %s", d.Env.Name, name) {
				assert.NotEmpty(t, o["description"], name)
				assert.NotContains(t, o, "sensitive", "%s holds no secret value", name)
			}
		}
		assert.Contains(t, outputs["aurora_master_secret_arn"].(tests.Body)["value"], "master_user_secret[0].secret_arn", "the ARN, never the value")
		assert.Equal(t, map[string]any{"api": "${aws_ecs_service.service-api_service_454F4786.name}",
			"payment": "${aws_ecs_service.service-payment_service_CFF4DD73.name}", "notification": "${aws_ecs_service.service-notification_service_9CFCF59B.name}"},
			outputs["ecs_service_names"].(tests.Body)["value"], "static logical ids")
	}
}
