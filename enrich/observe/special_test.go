package observe_test

import (
	"context"
	"strings"
	"testing"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/enrich/observe"
)

// A special-purpose address is observed from the built-in table, citing
// the IANA registries, their date (not the zero time) and the range.
func TestSpecialRangeCitesTheRegistry(t *testing.T) {
	c := parsedCase(t)
	if _, err := observe.Run(context.Background(), c, observe.Options{}); err != nil {
		t.Fatal(err)
	}
	obs, err := observe.Observations(c, "10.1.2.3")
	if err != nil || len(obs) != 1 {
		t.Fatalf("%v %+v", err, obs)
	}
	o := obs[0]
	if o.SourceType != enrich.TypeBuiltin || !o.DatasetDate.Equal(indicator.SpecialRegistryDate) || o.DatasetDate.Year() < 2000 ||
		o.Network != "10.0.0.0/8" || o.Fields["special"] != "private" ||
		!strings.Contains(o.Fields["registry"].(string), "IANA") || !strings.Contains(o.Fields["reference"].(string), "iana-ipv4-special-registry") {
		t.Errorf("observation %+v", o)
	}
}
