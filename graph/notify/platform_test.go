package notify_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/enrich/rdap"
	"github.com/casefile/casefile/enrich/rdap/rdaptest"
	"github.com/casefile/casefile/enrich/whois"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/evidence/sampledata"
	"github.com/casefile/casefile/graph/attrib"
	"github.com/casefile/casefile/graph/notify"
	"github.com/casefile/casefile/graph/notify/xarftest"
)

var obsDate = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// sampleRDAP is a real RDAP answer of ../shared/data/rdap, as JSON to
// change for a reassigned range.
func sampleRDAP(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampledata.Path(t, "rdap"), file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(rdaptest.Body(b), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// reassigned is the real ARIN answer for Amazon's NET-3-0-0-0-1 turned
// into what ARIN shows for a range Amazon reassigned: a /24 of type
// REASSIGNED under that parent, registered to a customer with its own
// abuse contact.
func reassigned(t *testing.T) map[string]any {
	m := sampleRDAP(t, "JakubOnderka-rdap_client/ip_network_arin_3_3_3_3.json")
	m["handle"], m["name"], m["type"], m["parentHandle"] = "NET-3-3-3-0-1", "EXAMPLE-STREAM", "REASSIGNED", "NET-3-0-0-0-1"
	m["startAddress"], m["endAddress"] = "3.3.3.0", "3.3.3.255"
	vcard := func(fn, email string) []any {
		props := []any{[]any{"version", map[string]any{}, "text", "4.0"}, []any{"fn", map[string]any{}, "text", fn}}
		if email != "" {
			props = append(props, []any{"email", map[string]any{}, "text", email})
		}
		return []any{"vcard", props}
	}
	m["entities"] = []any{map[string]any{"objectClassName": "entity", "handle": "C0561234", "roles": []any{"registrant"},
		"vcardArray": vcard("Example Streaming Ltd", ""),
		"entities": []any{map[string]any{"objectClassName": "entity", "handle": "ESA1-ARIN", "roles": []any{"abuse"},
			"vcardArray": vcard("Example Streaming Abuse", "abuse@example-streaming.example")}}}}
	return m
}

// rdapObs is what casefile enrich --rdap records for ind from an answer.
func rdapObs(t *testing.T, ind string, answer map[string]any, dataset string) []enrich.Observation {
	t.Helper()
	b, _ := json.Marshal(answer)
	n, err := rdap.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	r := &rdap.Response{Indicator: ind, URL: "https://rdap.arin.net/registry/ip/" + ind, Retrieved: obsDate, Network: n}
	return r.Observations(dataset)
}

// platformCase records, for each address, the registry answer and the
// cloud range it is in, and returns the findings (all abused platforms).
type platformSource struct {
	ind, provider, service string
	answer                 map[string]any
}

func platformCase(t *testing.T, srcs []platformSource) (*evidence.Case, []export.Finding) {
	t.Helper()
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	rec := observe.NewRecorder(c, "T", nil)
	var fs []export.Finding
	at := time.Date(2026, 11, 21, 10, 6, 0, 0, time.UTC)
	for i, s := range srcs {
		ds := "sha256:" + strings.Repeat(string("0123456789abcdef"[i]), 64)
		if _, err := rec.Record(ctx, observe.Source{Dataset: ds, KeepMisses: true, Name: "rdap:rdap.arin.net", Type: enrich.TypeRDAP, Date: obsDate},
			map[string][]enrich.Observation{s.ind: rdapObs(t, s.ind, s.answer, ds)}); err != nil {
			t.Fatal(err)
		}
		if s.provider != "" {
			cl := enrich.Observation{Indicator: s.ind, Source: "aws-ip-ranges", SourceType: enrich.TypeCloudRanges, Dataset: "sha256:" + strings.Repeat("f", 64),
				DatasetDate: obsDate, Network: "3.3.0.0/16", Fields: map[string]any{enrich.FieldProvider: s.provider, enrich.FieldService: s.service}}
			if _, err := rec.Record(ctx, observe.Source{Dataset: cl.Dataset, Name: cl.Source, Type: enrich.TypeCloudRanges, Date: obsDate},
				map[string][]enrich.Observation{s.ind: {cl}}); err != nil {
				t.Fatal(err)
			}
		}
		fs = append(fs, export.Finding{Indicator: s.ind, Type: "ip", Role: attrib.Platform, Probability: 0.8, Words: "likely", Confidence: "moderate",
			Events: 1, FirstSeen: &at, LastSeen: &at})
	}
	return c, fs
}

// oneLine is text with every run of white space one space, for phrases a
// line break may fall in.
func oneLine(b []byte) string { return strings.Join(strings.Fields(string(b)), " ") }

// TestCloudFrontEnd: an address inside AWS's published ranges that ARIN
// shows reassigned to a customer is reported to Amazon's abuse desk, read
// from the case's own registry answer for Amazon's network holding it
// (the real ARIN answer for 3.3.3.3), and the e-mail names the customer
// and its own contact as the party the platform must reach; no report
// goes to the customer. Amazon's own address (no reassignment) keeps the
// registry's contact, and shares the report.
func TestCloudFrontEnd(t *testing.T) {
	amazon := sampleRDAP(t, "JakubOnderka-rdap_client/ip_network_arin_3_3_3_3.json")
	c, fs := platformCase(t, []platformSource{
		{"3.3.3.3", "aws", "EC2", amazon},
		{"3.3.3.7", "aws", "CLOUDFRONT", reassigned(t)},
	})
	o := opts
	o.Out = filepath.Join(t.TempDir(), "out")
	res, err := notify.Prepare(context.Background(), c, fs, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reports) != 1 || res.Reports[0].To != "abuse@amazonaws.com" || strings.Join(res.Reports[0].Sources, " ") != "3.3.3.3 3.3.3.7" {
		t.Fatalf("reports %+v, unreached %+v", res.Reports, res.Unreached)
	}
	mail, err := os.ReadFile(filepath.Join(o.Out, "abuse@amazonaws.com", "email.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"The registry lists you as the abuse contact",     // for 3.3.3.3
		"published address ranges of Amazon Web Services", // for 3.3.3.7
		"3.3.3.7 (Amazon Web Services CLOUDFRONT)",
		"Your customer: Example Streaming Ltd, to whom the registry shows 3.3.3.0/24 reassigned",
		"the customer's own abuse contact there: abuse@example-streaming.example",
		"the registry's answer for AT-88-Z 3.0.0.0/9, a network of Amazon Web Services holding the address (rdap:rdap.arin.net, preserved as sha256:0000",
	} {
		if !strings.Contains(oneLine(mail), want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, mail)
		}
	}
	e, _ := c.Entry(res.Reports[0].Entry)
	var p notify.Prepared
	json.Unmarshal(e.Payload, &p)
	if len(p.Contacts) != 2 || p.Contacts[1].Source != "rdap:rdap.arin.net" || p.Contacts[1].Dataset != "sha256:"+strings.Repeat("0", 64) {
		t.Errorf("the custody entry does not cite Amazon's answer for the reassigned address: %+v", p.Contacts)
	}
}

// TestCloudFrontEndTable: without Amazon's own answer in the case the
// desk comes from the built-in table, and the e-mail says so and where it
// is published; for Azure the case holds Microsoft's own answer, which
// gives the desk; Google Cloud, for which the table holds
// no e-mail, is listed unreached with what to do, not sent to the
// customer; a reassigned range outside any cloud range stays with its
// registry contact.
func TestCloudFrontEndTable(t *testing.T) {
	msft := reassigned(t)
	msft["startAddress"], msft["endAddress"], msft["handle"] = "13.64.9.0", "13.64.9.255", "NET-13-64-9-0-1"
	gcp := reassigned(t)
	gcp["startAddress"], gcp["endAddress"] = "34.1.2.0", "34.1.2.255"
	plain := reassigned(t)
	plain["startAddress"], plain["endAddress"] = "198.51.100.0", "198.51.100.255"
	c, fs := platformCase(t, []platformSource{
		{"3.3.3.7", "aws", "CLOUDFRONT", reassigned(t)},
		{"13.64.1.1", "azure", "AzureCloud", sampleRDAP(t, "meeb-whoisit/data_rdap_response_ip_v4_3.json")},
		{"13.64.9.9", "azure", "AzureCloud", msft},
		{"34.1.2.3", "gcp", "Google Cloud", gcp},
		{"198.51.100.7", "", "", plain},
	})
	o := opts
	o.Out = filepath.Join(t.TempDir(), "out")
	res, err := notify.Prepare(context.Background(), c, fs, o)
	if err != nil {
		t.Fatal(err)
	}
	to := map[string]string{}
	for _, r := range res.Reports {
		to[strings.Join(r.Sources, " ")] = r.To
	}
	want := map[string]string{"3.3.3.7": "abuse@amazonaws.com", "13.64.1.1 13.64.9.9": "abuse@microsoft.com", "198.51.100.7": "abuse@example-streaming.example"}
	for s, w := range want {
		if to[s] != w {
			t.Errorf("%s reported to %q, want %s (all: %v)", s, to[s], w, to)
		}
	}
	if len(res.Reports) != 3 || len(res.Unreached) != 1 || res.Unreached[0].Indicator != "34.1.2.3" || !strings.Contains(res.Unreached[0].Why, "Google Cloud's abuse desk") {
		t.Fatalf("reports %v, unreached %+v", to, res.Unreached)
	}
	mail, _ := os.ReadFile(filepath.Join(o.Out, "abuse@amazonaws.com", "email.txt"))
	for _, want := range []string{"Casefile's table of platform abuse desks", "AEA8-ARIN", "report-aws-abuse", "Example Streaming Ltd"} {
		if !strings.Contains(oneLine(mail), want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, mail)
		}
	}
	// Microsoft's own network (the real ARIN answer for 13.64.0.0 -
	// 13.107.255.255) is the provider's, and is where the desk for the
	// range reassigned inside it is read, not the table.
	mail, _ = os.ReadFile(filepath.Join(o.Out, "abuse@microsoft.com", "email.txt"))
	for _, want := range []string{"1. 13.64.1.1 (network 13.64.0.0 - 13.107.255.255 MSFT)", "2. 13.64.9.9 (Microsoft Azure AzureCloud)", "the registry's answer for MSFT 13.64.0.0 - 13.107.255.255, a network of Microsoft Azure holding the address"} {
		if !strings.Contains(oneLine(mail), want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, mail)
		}
	}
	if strings.Contains(string(mail), "platform abuse desks") {
		t.Errorf("the Microsoft desk was taken from the table although the case holds Microsoft's answer:\n%s", mail)
	}
}

// TestServicePrincipalNotNotified: a cloud service principal with an
// external verdict (the real case's config.amazonaws.com) gets no report,
// is not shared as an indicator, and summary.txt says why.
func TestServicePrincipalNotNotified(t *testing.T) {
	c, fs := platformCase(t, []platformSource{{"3.3.3.3", "aws", "EC2", sampleRDAP(t, "JakubOnderka-rdap_client/ip_network_arin_3_3_3_3.json")}})
	fs = append(fs, export.Finding{Indicator: "config.amazonaws.com", Type: "service", Role: attrib.Platform, Probability: 0.7, Words: "likely"})
	o := opts
	o.Out = filepath.Join(t.TempDir(), "out")
	res, err := notify.Prepare(context.Background(), c, fs, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NotNotified) != 1 || res.NotNotified[0].Indicator != "config.amazonaws.com" || res.NotNotified[0].Why != notify.WhyServicePrincipal {
		t.Fatalf("not notified %+v", res.NotNotified)
	}
	for _, r := range append(res.Reports, *res.MISP, *res.STIX) {
		if strings.Contains(strings.Join(r.Sources, " "), "config.amazonaws.com") {
			t.Errorf("%s is about the service principal", r.To)
		}
	}
	if len(res.Unreached) != 0 || len(res.Reports) != 1 {
		t.Errorf("reports %+v, unreached %+v", res.Reports, res.Unreached)
	}
	sum, _ := os.ReadFile(filepath.Join(o.Out, "summary.txt"))
	if !strings.Contains(string(sum), "config.amazonaws.com (abused-platform): not notified: the provider's own service acting for your account; review the account's IAM activity instead") {
		t.Errorf("summary:\n%s", sum)
	}
	// The service principal alone (the real case): no report, no MISP
	// event or STIX bundle, and the summary says so.
	o.Out = filepath.Join(t.TempDir(), "alone")
	res, err = notify.Prepare(context.Background(), c, fs[1:], o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reports) != 0 || res.MISP != nil || res.STIX != nil || len(res.NotNotified) != 1 {
		t.Errorf("the service principal alone: %+v", res)
	}
	sum, _ = os.ReadFile(filepath.Join(o.Out, "summary.txt"))
	if !strings.Contains(string(sum), "No abuse report: the sources with an external verdict are all the provider's own services") {
		t.Errorf("summary:\n%s", sum)
	}
}

// TestDomainRegistrarContact: a domain's report goes to the registrar's
// abuse contact its WHOIS answer names (the real answer for google.com);
// the e-mail says it writes to the registrar; the X-ARF report validates.
// A domain without a WHOIS answer is listed with what to run.
func TestDomainRegistrarContact(t *testing.T) {
	validate := xarftest.Validator(t)
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(sampledata.Path(t, "whois-parser-likexian", "noterror"), "com_google.com"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := whois.ParseDomain(raw)
	if err != nil {
		t.Fatal(err)
	}
	ds := "sha256:" + strings.Repeat("d", 64)
	obs := (&whois.Response{Indicator: "google.com", Query: "google.com", Server: "whois.markmonitor.com:43", Retrieved: obsDate, Domain: d}).Observations(ds)
	if _, err := observe.NewRecorder(c, "T", nil).Record(ctx, observe.Source{Dataset: ds, KeepMisses: true, Name: "whois:whois.markmonitor.com", Type: enrich.TypeWHOIS, Date: obsDate},
		map[string][]enrich.Observation{"google.com": obs}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 21, 10, 6, 0, 0, time.UTC)
	fs := []export.Finding{
		{Indicator: "google.com", Type: "domain", Role: attrib.Platform, Probability: 0.7, Words: "likely", Events: 1, FirstSeen: &at, LastSeen: &at},
		{Indicator: "evil.example", Type: "domain", Role: attrib.Perpetrator, Probability: 0.7, Words: "likely", Events: 1, FirstSeen: &at, LastSeen: &at},
	}
	o := opts
	o.Out = filepath.Join(t.TempDir(), "out")
	res, err := notify.Prepare(ctx, c, fs, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reports) != 1 || res.Reports[0].To != "abusecomplaints@markmonitor.com" {
		t.Fatalf("reports %+v", res.Reports)
	}
	if len(res.Unreached) != 1 || res.Unreached[0].Indicator != "evil.example" || !strings.Contains(res.Unreached[0].Why, "enrich --whois") {
		t.Errorf("unreached %+v", res.Unreached)
	}
	dir := filepath.Join(o.Out, "abusecomplaints@markmonitor.com")
	mail, _ := os.ReadFile(filepath.Join(dir, "email.txt"))
	for _, want := range []string{"Subject: Abuse report: domain in MarkMonitor, Inc.", "names you as the abuse contact of their registrar", "1. google.com (registrar MarkMonitor, Inc.)", "one per domain"} {
		if !strings.Contains(oneLine(mail), want) {
			t.Errorf("the e-mail lacks %q:\n%s", want, mail)
		}
	}
	x, err := os.ReadFile(filepath.Join(dir, "xarf-google.com.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(x); err != nil {
		t.Errorf("the domain's X-ARF report: %v", err)
	}
}
