package main

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanConfigReplacesDataSourcesAndFakesCredentials(t *testing.T) {
	cfg := map[string]any{
		"terraform": map[string]any{"required_version": ">= 1.10", "cloud": map[string]any{"organization": "sp"}},
		"provider": map[string]any{"aws": []any{
			map[string]any{"region": "eu-west-1", "allowed_account_ids": []any{"210987654321"}},
			map[string]any{"alias": "dr", "region": "eu-central-1", "allowed_account_ids": []any{"210987654321"}},
		}},
		"data": map[string]any{
			"aws_caller_identity": map[string]any{"caller": map[string]any{}},
			"aws_route53_zone":    map[string]any{"zone": map[string]any{"name": "scalepayments.com"}},
		},
		"resource": map[string]any{"aws_iam_role": map[string]any{"r": map[string]any{
			"assume_role_policy": `{"Principal":{"AWS":"arn:aws:iam::${data.aws_caller_identity.caller.account_id}:root"}}`,
			"name":               "${upper(data.aws_route53_zone.zone.name)}",
		}}},
	}
	out, account, err := PlanConfig(cfg)
	require.NoError(t, err)
	assert.Equal(t, "210987654321", account, "the pinned account, which the local STS reports")
	var plan struct {
		Terraform map[string]any
		Provider  map[string][]map[string]any
		Data      any
		Resource  map[string]map[string]map[string]string
	}
	require.NoError(t, json.Unmarshal(out, &plan))
	assert.Equal(t, map[string]any{"required_version": ">= 1.10"}, plan.Terraform, "no backend: local state")
	assert.Nil(t, plan.Data, "no data source is read")
	require.Len(t, plan.Provider["aws"], 2, "the default provider and the second region's alias")
	for i, region := range []string{"eu-west-1", "eu-central-1"} {
		p := plan.Provider["aws"][i]
		assert.Equal(t, region, p["region"])
		assert.Equal(t, true, p["skip_credentials_validation"])
		assert.Equal(t, []any{"210987654321"}, p["allowed_account_ids"], "the pin stays: the local STS reports the pinned account")
	}
	role := plan.Resource["aws_iam_role"]["r"]
	assert.Equal(t, `{"Principal":{"AWS":"arn:aws:iam::210987654321:root"}}`, role["assume_role_policy"], "a whole interpolation becomes the text")
	assert.Equal(t, `${upper("scalepayments.com")}`, role["name"], "any other use, an HCL literal")
}

func TestPlanConfigRefusesADataSourceWithoutFixture(t *testing.T) {
	_, _, err := PlanConfig(map[string]any{"data": map[string]any{"aws_ami": map[string]any{"x": map[string]any{}}}})
	assert.EqualError(t, err, "no offline fixture for data source type aws_ami: add one to tests/offline")
}

func TestTheLocalSTSReportsTheAccountOfItsPath(t *testing.T) {
	w := httptest.NewRecorder()
	callerIdentity(w, httptest.NewRequest("POST", "/210987654321", nil))
	assert.Contains(t, w.Body.String(), "<Account>210987654321</Account>")
}

func TestPlanOutputIsReadStrictly(t *testing.T) {
	n, err := planned("...\nPlan: 168 to add, 0 to change, 0 to destroy.\n")
	require.NoError(t, err)
	assert.Equal(t, 168, n)
	_, err = planned("Warning: Deprecated attribute\nPlan: 1 to add, 0 to change, 0 to destroy.")
	assert.ErrorContains(t, err, "printed warnings")
	_, err = planned("no plan here")
	assert.ErrorContains(t, err, "no plan summary")
	assert.ErrorContains(t, validation(`{"valid":true,"diagnostics":[{"severity":"warning","summary":"Quoted references are deprecated"}]}`), "Quoted references")
	assert.NoError(t, validation(`{"valid":true,"diagnostics":[]}`))
}
