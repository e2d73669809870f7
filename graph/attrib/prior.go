package attrib

// PriorLogOdds is each role's prior as log-odds against undetermined, in
// nats: the score a role starts from before any factor. A role's score is
// this plus the nats its counted factors add (Factor.Nats), and the
// probabilities are the clamped softmax of the scores, so an explanation
// can show why the chosen role is the heaviest side. Undetermined is the
// reference and is always 0.
func (m *Model) PriorLogOdds() (RoleValues, error) {
	r, err := m.resolve()
	if err != nil {
		return RoleValues{}, err
	}
	return RoleValues(r.lnPrior), nil
}

// Scores is what the probabilities of s were computed from: the prior
// log-odds plus the counted nats of every factor, per role.
func (s *Source) Scores(prior RoleValues) RoleValues {
	sc := prior
	for _, f := range s.Factors {
		for j := 0; j < nDiag; j++ {
			sc[j] += f.Nats[j]
		}
	}
	return sc
}

// Posterior turns scores into probabilities the way Assess does (softmax,
// then clamped to the model's bounds).
func (m *Model) Posterior(scores RoleValues) RoleValues {
	return RoleValues(posterior(scores, m.Clamp.Min, m.Clamp.Max))
}
