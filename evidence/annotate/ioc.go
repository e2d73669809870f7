package annotate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/casefile/casefile/enrich/indicator"
)

// TLP levels (TLP 2.0) an indicator on the list may carry; "white" is
// read as "clear".
var TLPLevels = []string{"clear", "green", "amber", "amber+strict", "red"}

// DefaultTLP marks an indicator listed without a TLP: shared with the
// recipient's organisation only, until the team decides otherwise.
const DefaultTLP = "amber"

// IOCTypes are the indicator types the list takes (those of
// `casefile indicators`).
var IOCTypes = []string{"ip", "domain", "url", "email", "user", "ssh-key", "user-agent", "hash", "service"}

// MaxIOCComment bounds an IOC's comment.
const MaxIOCComment = 1024

// IOCDraft is an indicator as the team lists it. Type "" is inferred.
type IOCDraft struct {
	Indicator string
	Type      string
	TLP       string
	Comment   string
}

// PlanIOC lists an indicator, or changes the TLP or comment of one
// already listed (the new entry supersedes the listing).
func (s *State) PlanIOC(d IOCDraft) (Change, error) {
	ind, typ, err := normalizeIOC(strings.TrimSpace(d.Indicator), d.Type)
	if err != nil {
		return Change{}, err
	}
	tlp := strings.ToLower(strings.TrimSpace(d.TLP))
	switch tlp {
	case "":
		tlp = DefaultTLP
	case "white":
		tlp = "clear"
	}
	if !slices.Contains(TLPLevels, tlp) {
		return Change{}, fmt.Errorf("%w: TLP %q: want one of %s", ErrRefused, d.TLP, strings.Join(TLPLevels, ", "))
	}
	d.Comment = strings.TrimSpace(d.Comment)
	if d.Comment != "" {
		if err := plainText("comment", d.Comment, MaxIOCComment, false); err != nil {
			return Change{}, err
		}
	}
	p := IOCPayload{Indicator: ind, Type: typ, TLP: tlp, Comment: d.Comment,
		Summary: fmt.Sprintf("listed %s %s as an IOC to share (TLP:%s)", typ, ind, strings.ToUpper(tlp))}
	if old := s.IOC(ind); old != nil {
		if old.TLP == tlp && old.Comment == d.Comment && old.Type == typ {
			return Change{}, fmt.Errorf("%w: %s is already listed so (TLP:%s)", ErrRefused, ind, strings.ToUpper(tlp))
		}
		p.Supersedes = old.Entry
		p.Summary = fmt.Sprintf("changed the IOC listing of %s: TLP:%s (replaces entry %d)", ind, strings.ToUpper(tlp), old.Entry)
	}
	return Change{Kind: KindIOC, Payload: &p}, nil
}

// PlanUnlistIOC takes an indicator off the list.
func (s *State) PlanUnlistIOC(ind string) (Change, error) {
	if a, ok := indicator.NormalizeIP(strings.TrimSpace(ind)); ok {
		ind = a.String()
	}
	x := s.IOC(strings.TrimSpace(ind))
	if x == nil {
		return Change{}, fmt.Errorf("%w: %s is not on the IOC list", ErrRefused, ind)
	}
	return withdrawChange(x.Entry, "indicator "+x.Indicator+" from the IOC list"), nil
}

// normalizeIOC returns the indicator in its normal form and its type,
// inferred when typ is "".
func normalizeIOC(s, typ string) (string, string, error) {
	if err := plainText("indicator", s, maxRef, false); err != nil {
		return "", "", err
	}
	if typ != "" && !slices.Contains(IOCTypes, typ) {
		return "", "", fmt.Errorf("%w: indicator type %q: want one of %s", ErrRefused, typ, strings.Join(IOCTypes, ", "))
	}
	try := func(t string, norm func(string) (string, bool)) (string, bool) {
		if typ != "" && typ != t {
			return "", false
		}
		return norm(s)
	}
	for _, c := range []struct {
		t    string
		norm func(string) (string, bool)
	}{
		{"ip", func(s string) (string, bool) { a, ok := indicator.NormalizeIP(s); return a.String(), ok }},
		{"url", indicator.NormalizeURL},
		{"email", indicator.NormalizeEmail},
		{"hash", func(s string) (string, bool) {
			for _, n := range []int{32, 40, 64} {
				if v, ok := indicator.NormalizeHash(s, n); ok {
					return v, true
				}
			}
			return "", false
		}},
		{"ssh-key", indicator.NormalizeSSHFingerprint},
		{"domain", indicator.NormalizeDomain},
	} {
		if v, ok := try(c.t, c.norm); ok {
			return v, c.t, nil
		}
	}
	switch typ {
	case "":
		return "", "", fmt.Errorf("%w: cannot tell what kind of indicator %q is; give --type (%s)", ErrRefused, s, strings.Join(IOCTypes, ", "))
	case "ip", "url", "email", "hash", "ssh-key", "domain":
		return "", "", fmt.Errorf("%w: %q is not a valid %s", ErrRefused, s, typ)
	}
	return s, typ, nil
}
