package help

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCapacityStrategyKeepsTheBaseOnFargate(t *testing.T) {
	for _, spot := range []int{0, 1, 3} {
		assert.Equal(t, []CapacityShare{{"FARGATE", 1, 1}, {"FARGATE_SPOT", 0, spot}}, CapacityStrategy(spot))
	}
}
