package integration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/tests"
)

var newPayment = "sha256:" + strings.Repeat("9", 64)

// changed lists the addresses whose configuration differs between two synths of one stack.
func changed(t *testing.T, before, after *tests.Doc) []string {
	require.Equal(t, before.Addresses(), after.Addresses(), "a release adds or removes nothing")
	var out []string
	a := after.Resources
	for _, r := range before.Each() {
		was, _ := json.Marshal(r.Body)
		is, _ := json.Marshal(a(r.Type)[r.Name])
		if string(was) != string(is) {
			out = append(out, r.Type+"."+r.Name)
		}
	}
	return out
}

func image(t *testing.T, d *tests.Doc, service string) string {
	var defs []struct{ Image string }
	require.NoError(t, json.Unmarshal([]byte(d.Resources("aws_ecs_task_definition")[d.NameOf("aws_ecs_task_definition", "scalepayments-"+d.Env.Name+"-"+service)]["container_definitions"].(string)), &defs))
	return defs[0].Image
}

// Scenario: a pipeline releases payment alone to staging (SCALEPAYMENTS_IMAGE_PAYMENT for one
// run). Exactly payment's task definition changes; api and notification keep their images, and
// the override cannot reach another environment.
func TestReleasingPaymentOnlyChangesItsTaskDefinition(t *testing.T) {
	envs, err := envconfig.OverrideImages([]envconfig.Environment{envconfig.Staging}, []string{envconfig.ImageVariable("payment") + "=" + newPayment})
	require.NoError(t, err)
	t.Run("staging", func(t *testing.T) {
		released := tests.Synth(envs[0])
		assert.Equal(t, []string{"aws_ecs_task_definition.service-payment_task_BACEC7F1"}, changed(t, staging, released))
		assert.True(t, strings.HasSuffix(image(t, released, "payment"), "@"+newPayment))
		assert.False(t, strings.HasSuffix(image(t, staging, "payment"), "@"+newPayment), "the shipped staging runs another digest")
		for _, svc := range []string{"api", "notification"} {
			assert.Equal(t, image(t, staging, svc), image(t, released, svc), "%s keeps its image", svc)
		}
	})

	_, err = envconfig.OverrideImages(envconfig.All(), []string{envconfig.ImageVariable("payment") + "=" + newPayment})
	assert.ErrorContains(t, err, "allowed with exactly one", "an override never changes several environments")
}

// Scenario: promote staging to prod. Prod's task definitions then reference exactly the digests
// staging runs (each in prod's own repository), and nothing else in prod changes.
func TestPromotingStagingToProd(t *testing.T) {
	tested := envconfig.Staging.Clone()
	tested.Images["payment"] = envconfig.Image{Digest: newPayment, Tag: "v1.4.2"}
	promoted, err := envconfig.Promote(envconfig.Manifest{Services: tested.Images}, envconfig.Manifest{Services: envconfig.Prod.Images}, nil)
	require.NoError(t, err)
	env := envconfig.Prod.Clone()
	env.Images = promoted.Services
	require.NoError(t, env.Validate())
	t.Run("prod", func(t *testing.T) {
		d := tests.Synth(env)
		for _, svc := range []string{"api", "notification", "payment"} {
			img := image(t, d, svc)
			assert.True(t, strings.HasSuffix(img, "@"+tested.Images[svc].Digest), "%s runs staging's digest: %s", svc, img)
			assert.True(t, strings.HasPrefix(img, "${aws_ecr_repository.service-"+svc+"_repository_"), "%s pulls from prod's own repository: %s", svc, img)
		}
		assert.Equal(t, []string{"aws_ecs_task_definition.service-payment_task_BACEC7F1"}, changed(t, prod, d))
	})
}
