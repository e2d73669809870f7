package annotate_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/casefile/casefile/evidence/annotate"
)

// BenchmarkFold folds a log of 10,000 annotations (tags on events, a
// tenth withdrawn): what the workbench does once when it starts and the
// CLI does on every annotation command.
func BenchmarkFold(b *testing.B) {
	c, d := newCase(&testing.T{})
	st := &annotate.State{}
	ctx := context.Background()
	for i := range 10000 {
		tg, _ := annotate.ParseTarget(fmt.Sprintf("%s#L%d", d, i+1))
		ch, err := st.PlanTag(tg, "reviewed")
		if i%10 == 9 {
			ch, err = st.PlanWithdraw(st.Size() - 1)
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := annotate.Record(ctx, c, actor, ch); err != nil {
			b.Fatal(err)
		}
		if err := st.CatchUp(c); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := annotate.Read(c); err != nil {
			b.Fatal(err)
		}
	}
}
