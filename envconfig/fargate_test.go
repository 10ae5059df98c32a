package envconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidateFargateSize(t *testing.T) {
	tests := []struct {
		cpu, memory int
		want        string // "" = valid
	}{
		{256, 512, ""},
		{256, 2048, ""},
		{256, 1536, "memory 1536 MiB does not fit cpu 256 (allowed: 512, 1024, 2048)"},
		{512, 4096, ""},
		{512, 512, "memory 512 MiB does not fit cpu 512 (allowed: 1024 to 4096 in steps of 1024)"},
		{1024, 8192, ""},
		{2048, 4096, ""},
		{2048, 16384, ""},
		{2048, 17408, "memory 17408 MiB does not fit cpu 2048 (allowed: 4096 to 16384 in steps of 1024)"},
		{4096, 30720, ""},
		{8192, 20480, ""},
		{8192, 18432, "memory 18432 MiB does not fit cpu 8192 (allowed: 16384 to 61440 in steps of 4096)"},
		{16384, 122880, ""},
		{300, 512, "cpu 300 is not a Fargate size (allowed: 256, 512, 1024, 2048, 4096, 8192, 16384)"},
	}
	for _, tt := range tests {
		err := ValidateFargateSize(tt.cpu, tt.memory)
		if tt.want == "" {
			assert.NoError(t, err, "%d/%d", tt.cpu, tt.memory)
		} else {
			assert.EqualError(t, err, tt.want)
		}
	}
}

func TestValidLogRetention(t *testing.T) {
	for days, want := range map[int]bool{0: true, 7: true, 30: true, 365: true, 3653: true, 2: false, 366: false, -1: false} {
		assert.Equal(t, want, ValidLogRetention(days), "%d days", days)
	}
}
