package observe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/enrich/rdap"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
)

// rdapKeyPrefix marks index keys of RDAP answers.
const rdapKeyPrefix = "rdap/"

// rdapFlush is how many lookups run between two recordings.
const rdapFlush = 64

// RDAPReport summarises the RDAP part of a run.
type RDAPReport struct {
	Asked    int      `json:"asked"`
	Answered int      `json:"answered"`
	Failed   int      `json:"failed"`
	Recorded int      `json:"recorded"`
	Abuse    int      `json:"with_abuse_email"` // addresses whose answer names an abuse e-mail
	Errors   []string `json:"errors,omitempty"`
}

// rdap asks RDAP about every public address not asked before, preserves
// each raw answer as an artefact and records the network and its abuse
// contact. Addresses of a network already answered in this run cite that
// one answer; lookups go one at a time, at the client's rate.
func (r *Recorder) rdap(ctx context.Context, inds []*eventstore.Summary, o Options) (*RDAPReport, error) {
	cl, err := rdap.New(rdap.Options{Server: o.RDAPServer, RateLimit: o.RDAPRate})
	if err != nil {
		return nil, err
	}
	rep := &RDAPReport{}
	preserved := map[string]evidence.Digest{} // answer URL → artefact, within this run
	type batch struct {
		src   Source
		byInd map[string][]enrich.Observation
	}
	batches := map[evidence.Digest]*batch{}
	var order []evidence.Digest
	// flush records what was answered, one entry per answer (the addresses
	// of one network go together); it runs every rdapFlush lookups too, so
	// that an interrupted run keeps most of what it learnt.
	flush := func() error {
		for _, d := range order {
			n, err := r.Record(ctx, batches[d].src, batches[d].byInd)
			if err != nil {
				return err
			}
			rep.Recorded += n
			batches[d].byInd = map[string][]enrich.Observation{}
		}
		order = order[:0]
		return nil
	}
	for _, s := range inds {
		if s.Type != indicator.TypeIP || s.Special != "" {
			continue
		}
		asked, err := Consulted(r.c, s.Value)
		if err != nil {
			return rep, err
		}
		if hasPrefix(asked, rdapKeyPrefix) {
			continue
		}
		rep.Asked++
		if rep.Asked%rdapFlush == 0 {
			if err := flush(); err != nil {
				return rep, err
			}
		}
		resp, err := cl.Lookup(ctx, s.Value)
		if resp == nil || len(resp.Raw) == 0 {
			rep.Failed++
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", s.Value, err))
				if o.Progress != nil {
					o.Progress(fmt.Sprintf("rdap %s: %v", s.Value, err))
				}
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
			}
			continue
		}
		rep.Answered++
		d, ok := preserved[resp.URL]
		if !ok {
			res, ierr := r.c.Ingest(ctx, strings.NewReader(string(resp.Raw)), evidence.ArtefactMeta{
				Name:   "rdap-" + resp.Indicator + ".json",
				Source: fmt.Sprintf("RDAP answer of %s, received %s", resp.URL, resp.Retrieved.Format(time.RFC3339)),
				Note:   "raw RDAP response body, preserved byte for byte",
			}, evidence.IngestOptions{Actor: r.actor})
			if ierr != nil {
				return rep, ierr
			}
			d = res.Digest
			preserved[resp.URL] = d
			batches[d] = &batch{src: Source{Dataset: d.String(), KeepMisses: true, Name: resp.SourceName(), Type: enrich.TypeRDAP, Date: resp.Retrieved},
				byInd: map[string][]enrich.Observation{}}
		}
		if len(batches[d].byInd) == 0 {
			order = append(order, d)
		}
		obs := resp.Observations(d.String())
		for i := range obs {
			obs[i].Indicator = s.Value
		}
		batches[d].byInd[s.Value] = obs
		if resp.Network != nil && resp.Network.AbuseEmail != "" {
			rep.Abuse++
		}
		if err != nil && !errors.Is(err, rdap.ErrNotFound) && o.Progress != nil {
			o.Progress(fmt.Sprintf("rdap %s: %v (answer preserved)", s.Value, err))
		}
	}
	return rep, flush()
}
