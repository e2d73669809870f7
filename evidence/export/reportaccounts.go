package export

import (
	"slices"
	"strings"
	"time"
)

// maxAccounts bounds the accounts the first page lists; sources.csv and
// section 3 carry the rest.
const maxAccounts = 20

// reportAccount is an account that sources acting against the organisation
// signed into: whoever holds it must treat it as compromised.
type reportAccount struct {
	Account string
	From    []reportFrom // the sources, earliest login first
	More    int          // sources beyond those in From
	First   string       // the first login, UTC
	Cite    string       // its log line
	Count   int64        // logins by all those sources
	first   time.Time
}

type reportFrom struct{ Indicator, RoleName string }

// maxFrom bounds the sources named per account.
const maxFrom = 3

// accounts gathers the accounts that sources which acted against the
// organisation (ActedAgainst: an external role, an examiner's verdict
// naming one, or rules catching them) signed into, earliest first. A
// login from a source that did nothing hostile is someone's ordinary work
// and is not listed; nor is one through a platform (a cloud sign-in or
// service principal) that did nothing hostile either: the platform is
// where everyone's logins come from, the account's owner's too.
func (g *reportGroups) accounts(fs []reportFinding, exhibitOf map[string]string) {
	byName := map[string]*reportAccount{}
	var order []*reportAccount
	for _, f := range fs {
		if len(f.Logins) == 0 || !f.Finding.ActedAgainst() {
			continue
		}
		if f.Role == "abused-platform" && f.Examiner == nil && len(f.Finding.Did()) == 0 {
			continue
		}
		for _, l := range f.Logins {
			a := byName[l.Account]
			if a == nil {
				a = &reportAccount{Account: l.Account}
				byName[l.Account] = a
				order = append(order, a)
			}
			a.Count += l.Count
			earlier := l.First != nil && (a.first.IsZero() || l.First.Before(a.first))
			if earlier || a.Cite == "" {
				if l.First != nil {
					a.first = *l.First
				}
				a.Cite = strings.Join(readableCites([]string{l.Evidence}, exhibitOf), "")
			}
			from := reportFrom{Indicator: f.Indicator, RoleName: f.RoleName}
			switch {
			case earlier:
				a.From = slices.Insert(a.From, 0, from)
			default:
				a.From = append(a.From, from)
			}
			if len(a.From) > maxFrom {
				a.From, a.More = a.From[:maxFrom], a.More+1
			}
		}
	}
	slices.SortStableFunc(order, func(x, y *reportAccount) int {
		switch {
		case x.first.IsZero() != y.first.IsZero():
			if x.first.IsZero() {
				return 1
			}
			return -1
		case !x.first.Equal(y.first):
			return x.first.Compare(y.first)
		}
		return strings.Compare(x.Account, y.Account)
	})
	for i, a := range order {
		if !a.first.IsZero() {
			a.First = a.first.UTC().Format("2006-01-02 15:04 UTC")
		}
		g.allAccounts = append(g.allAccounts, *a)
		if i < maxAccounts {
			g.Accounts = append(g.Accounts, *a)
		}
	}
	g.AccountsMore = len(order) - len(g.Accounts)
}
