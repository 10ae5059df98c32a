package runtask

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// OfflinePlansVariable names the directory of the offline plans, <stack>/plan.json (make
// plan-offline writes cdktf.out/offline).
const OfflinePlansVariable = "SCALEPAYMENTS_OFFLINE_PLANS"

// The run task passes every stack's real plan, and fails the dev plan once one of its
// resources breaks a rule.
func TestTheOfflinePlansPassTheRunTask(t *testing.T) {
	dir := os.Getenv(OfflinePlansVariable)
	if dir == "" {
		t.Skipf("%s is not set: set it to the offline plans' directory (make plan-offline writes cdktf.out/offline) to judge them through the run task", OfflinePlansVariable)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*", "plan.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no <stack>/plan.json in %s", dir)
	s := startServer(t, RunnerConfig{Getenv: os.Getenv}) // the account ids the plans were made with
	stacks := map[string]string{}
	for i, path := range paths {
		plan, err := os.ReadFile(path)
		require.NoError(t, err)
		id := fmt.Sprint(i)
		stacks["/api/v2/task-results/taskrs-"+id+"/callback"] = filepath.Base(filepath.Dir(path))
		s.tfc.servePlan(id, plan)
		require.Equal(t, http.StatusOK, s.send(t, marshal(t, s.request(id)), ""))
	}
	for _, c := range s.tfc.waitCallbacks(t, len(paths)) {
		stack := stacks[c.Path]
		assert.Equal(t, "passed", c.Result.Data.Attributes.Status, "%s: %s %v", stack, c.Result.Data.Attributes.Message, c.Result.Data.Relationships.Outcomes.Data)
		assert.True(t, strings.HasPrefix(c.Result.Data.Attributes.Message, stack+": passed: 0 findings"), c.Result.Data.Attributes.Message)
	}

	plan, address := internetFacing(t, filepath.Join(dir, "scalepayments-dev", "plan.json"))
	s.tfc.servePlan("dev-broken", plan)
	require.Equal(t, http.StatusOK, s.send(t, marshal(t, s.request("dev-broken")), ""))
	c := s.tfc.waitCallbacks(t, 1)[0]
	assert.Equal(t, "failed", c.Result.Data.Attributes.Status)
	require.Len(t, c.Result.Data.Relationships.Outcomes.Data, 1, c.Result.Data.Attributes.Message)
	o := c.Result.Data.Relationships.Outcomes.Data[0].Attributes
	assert.Equal(t, "SP-NET-002", o.OutcomeID)
	assert.Equal(t, address+": internal is false, must be true", o.Description)
}

// internetFacing is the plan at path with its first load balancer made internet-facing, and
// that load balancer's address.
func internetFacing(t *testing.T, path string) ([]byte, string) {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var plan map[string]any
	require.NoError(t, json.Unmarshal(data, &plan))
	module := plan["planned_values"].(map[string]any)["root_module"].(map[string]any)
	resources, _ := module["resources"].([]any)
	i := slices.IndexFunc(resources, func(r any) bool { return r.(map[string]any)["type"] == "aws_lb" })
	require.GreaterOrEqual(t, i, 0, "the dev plan has no aws_lb")
	lb := resources[i].(map[string]any)
	lb["values"].(map[string]any)["internal"] = false
	return marshal(t, plan), lb["address"].(string)
}
