package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTestConfigFixesEveryDataSourceAndFakesCredentials(t *testing.T) {
	cfg := map[string]any{
		"provider": map[string]any{"aws": []any{
			map[string]any{"region": "eu-west-1", "allowed_account_ids": []any{"210987654321"}},
			map[string]any{"alias": "dr", "region": "eu-central-1", "allowed_account_ids": []any{"210987654321"}},
		}},
		"data": map[string]any{
			"aws_caller_identity": map[string]any{"caller": map[string]any{}},
			"aws_route53_zone":    map[string]any{"zone": map[string]any{"name": "scalepayments.com"}},
		},
	}
	out, err := TestConfig(cfg)
	require.NoError(t, err)
	var test struct {
		Provider     map[string][]map[string]any
		OverrideData []struct {
			Target string
			Values map[string]any
		} `json:"override_data"`
		Run map[string]map[string]any
	}
	require.NoError(t, json.Unmarshal(out, &test))
	require.Len(t, test.Provider["aws"], 2, "the default provider and the second region's alias")
	for i, region := range []string{"eu-west-1", "eu-central-1"} {
		p := test.Provider["aws"][i]
		assert.Equal(t, region, p["region"])
		assert.Equal(t, true, p["skip_credentials_validation"])
		assert.Equal(t, true, p["skip_requesting_account_id"])
		assert.NotContains(t, p, "allowed_account_ids")
	}
	assert.Equal(t, "dr", test.Provider["aws"][1]["alias"])
	require.Len(t, test.OverrideData, 2)
	assert.Equal(t, "data.aws_caller_identity.caller", test.OverrideData[0].Target)
	assert.Equal(t, "210987654321", test.OverrideData[0].Values["account_id"], "the pinned account")
	assert.Equal(t, "scalepayments.com", test.OverrideData[1].Values["name"])
	assert.Equal(t, "plan", test.Run["plan"]["command"])
}

func TestTestConfigRefusesADataSourceWithoutFixture(t *testing.T) {
	_, err := TestConfig(map[string]any{"data": map[string]any{"aws_ami": map[string]any{"x": map[string]any{}}}})
	assert.EqualError(t, err, "no offline fixture for data source type aws_ami: add one to tests/offline")
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
