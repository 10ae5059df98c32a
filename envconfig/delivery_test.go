package envconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRunTaskHostIsInTheProductionZone(t *testing.T) {
	for _, tt := range []struct {
		name string
		envs []Environment
		host string
		ok   bool
	}{
		{"shipped", All(), "run-task.scalepayments.com", true},
		{"production listed last", []Environment{Dev, Prod}, "run-task.scalepayments.com", true},
		{"no production", []Environment{Dev, Staging}, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			host, env, ok := RunTaskHost(tt.envs)
			assert.Equal(t, tt.host, host)
			assert.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, "prod", env.Name)
			}
		})
	}
}
