package graph

import (
	"fmt"
	"math"

	"github.com/casefile/casefile/graph/attrib"
)

// roleShort names a role in a phrase ("strongly for relay").
var roleShort = map[string]string{
	attrib.Perpetrator:  "perpetrator infrastructure",
	attrib.Relay:        "relay",
	attrib.Compromised:  "compromised third party",
	attrib.Platform:     "abused platform",
	attrib.Undetermined: "undetermined",
}

// RoleShort is the short name of a role for labels and sentences.
func RoleShort(role string) string {
	if s, ok := roleShort[role]; ok {
		return s
	}
	return role
}

// WeightWords says what n nats do to a role, in words a reader without
// the model can follow. The bands follow likelihood ratios: ≥ 10 (2.3
// nats) strongly, ≥ 3 (1.1) moderately, ≥ 1.5 (0.4) weakly, else slightly.
func WeightWords(n float64, role string) string {
	a := math.Abs(n)
	strength := "slightly"
	switch {
	case a >= 2.3:
		strength = "strongly"
	case a >= 1.1:
		strength = "moderately"
	case a >= 0.4:
		strength = "weakly"
	}
	dir := "for"
	if n < 0 {
		dir = "against"
	}
	return strength + " " + dir + " " + RoleShort(role)
}

// WeightLabel is WeightWords with the number: "strongly for relay (+3.00 nats)".
func WeightLabel(n float64, role string) string {
	return fmt.Sprintf("%s (%+.2f nats)", WeightWords(n, role), n)
}
