package room

import (
	"fmt"
	"testing"
	"time"
)

// TestKnockLimiterBounded: knocks from more addresses than the limiter keeps, each leaving its
// limiter in use, do not grow it past its bound.
func TestKnockLimiterBounded(t *testing.T) {
	now := time.Unix(1e9, 0)
	k := newKnockLimiter(func() time.Time { return now })
	for i := range 3 * knockLimiterMax {
		k.allow(fmt.Sprintf("person-%d", i), fmt.Sprintf("addr-%d", i))
	}
	if len(k.byID) > knockLimiterMax || len(k.byAddr) > knockLimiterMax {
		t.Errorf("%d people and %d addresses kept, want at most %d", len(k.byID), len(k.byAddr), knockLimiterMax)
	}
}
