package observe

import (
	"fmt"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence"
)

// Kind is a kind of dataset file that enrichment accepts: the CLI flag
// that names it and the source type the file must turn out to be. The CLI
// and the workbench offer the same list.
type Kind struct {
	Flag  string // casefile enrich --FLAG
	Type  string // enrich.Type…
	Label string // what files it takes
}

// Kinds are the dataset files enrichment accepts, in the CLI's order.
var Kinds = []Kind{
	{"mmdb", enrich.TypeMMDB, "MaxMind database (City, Country, ASN, ISP, Connection-Type, Anonymous-IP, Enterprise)"},
	{"tor-exits", enrich.TypeTorExits, "Tor exit list (TorDNSEL exit-addresses or the bulk exit list)"},
	{"ranges", enrich.TypeCloudRanges, "cloud ranges (AWS ip-ranges.json, GCP cloud.json, Azure Service Tags, Apple private relay egress CSV)"},
	{"warninglist", enrich.TypeWarninglist, "MISP warninglist (list.json)"},
	{"scan", enrich.TypeScan, "scan results (Shodan banner export or aggregated JSON Lines: open ports and tags per address)"},
}

// KindOf is the kind whose source type is typ (nil: none).
func KindOf(typ string) *Kind {
	for i := range Kinds {
		if Kinds[i].Type == typ {
			return &Kinds[i]
		}
	}
	return nil
}

// Ingested is what the first artefact.ingested entry of an artefact says.
type Ingested struct {
	Entry   uint64
	Name    string
	Source  string
	ModTime time.Time // zero when it was not recorded
}

// FirstIngest reads the first artefact.ingested entry of d.
func FirstIngest(c *evidence.Case, d evidence.Digest) (*Ingested, error) {
	var found *Ingested
	err := c.Entries(0, func(e *evidence.Entry) error {
		if found != nil || e.Kind != evidence.KindArtefactIngested {
			return nil
		}
		in, art, err := readIngest(e)
		if err == nil && art == d.String() {
			found = in
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("%s is not preserved in this case", d)
	}
	return found, nil
}

func readIngest(e *evidence.Entry) (*Ingested, string, error) {
	var p evidence.IngestPayload
	if err := e.DecodePayload(&p); err != nil {
		return nil, "", fmt.Errorf("entry %d: %w", e.Index, err)
	}
	in := &Ingested{Entry: e.Index, Name: p.Name, Source: p.Source}
	if p.NameEscaped {
		in.Name = evidence.UnescapeName(p.Name)
	}
	if p.ModTime != "" {
		t, err := time.Parse(evidence.TimeFormat, p.ModTime)
		if err != nil {
			t, err = time.Parse(time.RFC3339Nano, p.ModTime)
		}
		if err == nil {
			in.ModTime = t
		}
	}
	return in, p.Artefact, nil
}

// PreservedDataset is a dataset file preserved in the case: preserved as
// one, or cited by observations it gave. WHOIS and RDAP answers are not
// listed: they are answers, not datasets to consult again.
type PreservedDataset struct {
	Artefact string    `json:"artefact"`
	Name     string    `json:"name"`             // as first preserved
	Entry    uint64    `json:"entry,omitempty"`  // the first artefact.ingested entry
	ModTime  time.Time `json:"mtime,omitzero"`   // its file time, as recorded then
	Type     string    `json:"type,omitempty"`   // its source type, once used
	Source   string    `json:"source,omitempty"` // its source name, once used
	Date     time.Time `json:"date,omitzero"`
	Used     uint64    `json:"used,omitempty"`   // the first observations.recorded entry citing it
	Failed   string    `json:"failed,omitempty"` // why it could not be used (dataset.failed)
}

// Preserved lists the datasets preserved in the case, first preserved first.
func Preserved(c *evidence.Case) ([]*PreservedDataset, error) {
	var out []*PreservedDataset
	byArt := map[string]*PreservedDataset{}
	ingested := map[string]*Ingested{}
	get := func(art string) *PreservedDataset {
		if p := byArt[art]; p != nil {
			return p
		}
		p := &PreservedDataset{Artefact: art}
		if in := ingested[art]; in != nil {
			p.Name, p.Entry, p.ModTime = in.Name, in.Entry, in.ModTime
		}
		byArt[art] = p
		out = append(out, p)
		return p
	}
	err := c.Entries(0, func(e *evidence.Entry) error {
		switch e.Kind {
		case evidence.KindArtefactIngested:
			in, art, err := readIngest(e)
			if err != nil {
				return err
			}
			if ingested[art] == nil {
				ingested[art] = in
			}
			if strings.HasPrefix(in.Source, DatasetSource) {
				get(art)
			}
		case KindObservations:
			var p Payload
			if err := e.DecodePayload(&p); err != nil {
				return fmt.Errorf("entry %d: %w", e.Index, err)
			}
			if p.Dataset == "" || KindOf(p.SourceType) == nil {
				return nil // WHOIS, RDAP, the built-in ranges
			}
			d := get(p.Dataset)
			if d.Used == 0 {
				d.Used, d.Type, d.Source = e.Index, p.SourceType, p.Source
				if t, err := time.Parse(time.RFC3339, p.DatasetDate); err == nil {
					d.Date = t
				}
			}
		case KindDatasetFailed:
			var p map[string]string
			if err := e.DecodePayload(&p); err != nil {
				return fmt.Errorf("entry %d: %w", e.Index, err)
			}
			if p["artefact"] != "" {
				get(p["artefact"]).Failed = p["error"]
			}
		}
		return nil
	})
	return out, err
}
