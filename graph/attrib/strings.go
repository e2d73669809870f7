package attrib

// sharedStrings gives the strings that repeat across the assessments of a
// case's sources one copy each, for a result held whole (Collect):
// recommendations, the would-change lists, the factors' texts, their
// reliability reasoning and sources. Over 100,000 enriched sources
// these came to 90 MB of strings, of which 1,978 were distinct. At most
// maxShared distinct strings are kept; past that, only those already kept
// are shared (a source's own citations are mostly its own).
type sharedStrings struct{ m map[string]string }

const maxShared = 1 << 16

func (st *sharedStrings) share(s *string) {
	if *s == "" {
		return
	}
	if c, ok := st.m[*s]; ok {
		*s = c
		return
	}
	if st.m == nil {
		st.m = map[string]string{}
	}
	if len(st.m) < maxShared {
		st.m[*s] = *s
	}
}

// source makes the strings of s share the copies kept so far.
func (st *sharedStrings) source(s *Source) {
	for _, p := range []*string{&s.Type, &s.Role, &s.Words, &s.Confidence, &s.Recommendation, &s.Because, &s.Campaign, &s.Special} {
		st.share(p)
	}
	for i := range s.WouldChange {
		st.share(&s.WouldChange[i])
	}
	for i := range s.Factors {
		f := &s.Factors[i]
		for _, p := range []*string{&f.ID, &f.Text, &f.RhoWhy, &f.Source, &f.Family} {
			st.share(p)
		}
		for j := range f.Evidence {
			st.share(&f.Evidence[j])
		}
		for j := range f.Rules {
			r := &f.Rules[j]
			for _, p := range []*string{&r.ID, &r.Title, &r.Level, &r.File, &r.Detail} {
				st.share(p)
			}
			for k := range r.Tags {
				st.share(&r.Tags[k])
			}
		}
	}
	for i := range s.Logins {
		st.share(&s.Logins[i].Account)
	}
}
