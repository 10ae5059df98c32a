package help

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIDs(t *testing.T) {
	ids := *IDs([]fakeResource{"a", "b"})
	assert.Equal(t, []string{"a", "b"}, []string{*ids[0], *ids[1]})
	assert.Empty(t, *IDs([]fakeResource{}))
}

type fakeResource string

func (f fakeResource) Id() *string { s := string(f); return &s }

func TestUnique(t *testing.T) {
	for _, tt := range []struct{ in, want []string }{
		{nil, []string{}},
		{[]string{"b", "a", "b"}, []string{"a", "b"}},
	} {
		assert.Equal(t, tt.want, append([]string{}, Unique(tt.in)...))
	}
}
