package tests

import (
	"fmt"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/stretchr/testify/require"

	"github.com/scalepayments/infra/envconfig"
	"github.com/scalepayments/infra/help/iam"
	"github.com/scalepayments/infra/stacks"
	"github.com/scalepayments/infra/stacks/cli"
)

// TestAccount is the account of every minimal stack, as literal values: expected ARNs in the unit
// tests read as AWS prints them.
var TestAccount = iam.Account{ID: "111122223333", Partition: "aws", Region: "us-east-1"}

// Minimal synthesizes one construct of env in a stack of its own: cdktf's test app, an AWS
// provider in env's region, and what build adds (the construct under test, given plain values
// for what it attaches to). Each (name, env) pair is built once per test process; the
// document's Env and Namer are env's, so resource addresses are the same as in the full stack
// when the construct's id is.
func Minimal(name string, env envconfig.Environment, build func(stack cdktf.TerraformStack)) *Doc {
	key := fmt.Sprintf("minimal %s %#v", name, env)
	mu.Lock()
	defer mu.Unlock()
	if d, ok := cache[key]; ok {
		return d
	}
	stack := cdktf.NewTerraformStack(App(), jsii.String(name))
	provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String(env.Region)})
	build(stack)
	d := SynthStack(stack)
	d.Env, d.Namer = env, stacks.EnvNamer(env)
	cache[key] = d
	return d
}

// Run runs a test package whose tests build what they need (Minimal, Synth), then closes jsii
// as the app does: use it as the TestMain of such a package.
func Run(m *testing.M) int {
	defer cli.Close()
	defer removeOutdirs()
	return m.Run()
}

// Has asserts with cdktf's own matcher that some resource of typ has props (a subset match,
// lists by position and length), and fails naming the document's environment when none has.
func Has(t *testing.T, d *Doc, typ string, props map[string]any) {
	t.Helper()
	require.True(t, *cdktf.Testing_ToHaveResourceWithProperties(&d.JSON, &typ, &props), "%s: no %s with %v", d.Env.Name, typ, props)
}

// HasNo asserts with cdktf's own matcher that no resource of typ has props.
func HasNo(t *testing.T, d *Doc, typ string, props map[string]any) {
	t.Helper()
	require.False(t, *cdktf.Testing_ToHaveResourceWithProperties(&d.JSON, &typ, &props), "%s: a %s has %v", d.Env.Name, typ, props)
}

// Envs runs f as one subtest per shipped environment, named after it.
func Envs(t *testing.T, f func(t *testing.T, env envconfig.Environment)) {
	for _, env := range envconfig.All() {
		t.Run(env.Name, func(t *testing.T) { f(t, env) })
	}
}
