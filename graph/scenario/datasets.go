package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/enrich/geoip/geoiptest"
)

// Dataset file names under dir.
const (
	fileCity     = "datasets/GeoIP2-City.mmdb"
	fileASN      = "datasets/GeoLite2-ASN.mmdb"
	fileAnon     = "datasets/GeoIP2-Anonymous-IP.mmdb"
	fileConnType = "datasets/GeoIP2-Connection-Type.mmdb"
	fileTor      = "datasets/tor/exit-addresses"
	fileAWS      = "datasets/aws/ip-ranges.json"
	fileRelay    = "datasets/apple/egress-ip-ranges.csv"
	fileScan     = "datasets/scan/exposed-services.jsonl"
)

// datasets collects what the dataset files will say beyond the networks.
type datasets struct {
	tor       []torExit
	torAsOf   time.Time // Downloaded line; zero: derived from the incident
	misp      map[string]*mispList
	relay     []relayRange
	scan      []scanRecord
	whois     map[string]string
	awsDecoys int
	noDecoys  bool
}

type torExit struct {
	addr      netip.Addr
	fp        string
	published time.Time
	status    time.Time
	times     []time.Time
}

type mispList struct {
	Description        string   `json:"description"`
	List               []string `json:"list"`
	MatchingAttributes []string `json:"matching_attributes"`
	Name               string   `json:"name"`
	Type               string   `json:"type"`
	Version            int64    `json:"version"`
}

type relayRange struct {
	prefix netip.Prefix
	p      place
}

type scanRecord struct {
	IP        string   `json:"ip"`
	Timestamp string   `json:"timestamp"`
	Ports     []int    `json:"ports"`
	Tags      []string `json:"tags"`
	ASN       uint32   `json:"asn"`
	Org       string   `json:"org"`
}

// torExitAt lists h in the exit list with ExitAddress times near ts, and
// (unless gap) flags it in the Anonymous-IP database.
func (g *gen) torExitAt(h *host, ts []time.Time, mmFlag bool) {
	e := torExit{addr: h.addr, fp: strings.ToUpper(g.hex(40))}
	for _, t := range ts {
		e.times = append(e.times, t.Truncate(time.Second))
	}
	slices.SortFunc(e.times, func(a, b time.Time) int { return a.Compare(b) })
	last := e.times[len(e.times)-1]
	e.published = last.Add(-g.secs(3600, 30*3600))
	e.status = last.Truncate(time.Hour).Add(time.Hour)
	g.ds.tor = append(g.ds.tor, e)
	h.torMM = mmFlag
}

// mispAdd puts entries on a MISP warninglist, creating it on first use.
func (g *gen) mispAdd(id, name, desc, typ string, matching []string, entries ...string) {
	if g.ds.misp == nil {
		g.ds.misp = map[string]*mispList{}
	}
	l, ok := g.ds.misp[id]
	if !ok {
		l = &mispList{Name: name, Description: desc, Type: typ, MatchingAttributes: matching, List: []string{}}
		g.ds.misp[id] = l
	}
	l.List = append(l.List, entries...)
}

var ipAttrs = []string{"ip-src", "ip-dst", "domain|ip"}

func (g *gen) scannerList(entries ...string) {
	g.mispAdd("research-scanners", "List of known IPv4 addresses of internet research scanners",
		"Addresses used by research projects and search engines that scan the whole Internet (benign scanning).",
		"cidr", ipAttrs, entries...)
}

func (g *gen) writeDatasets(files map[string][]byte) error {
	if !g.ds.noDecoys {
		g.decoys()
	}
	mmEpoch := g.t0.Add(-time.Duration(2+g.rng.IntN(8)) * 24 * time.Hour).Truncate(24 * time.Hour).Add(time.Duration(g.rng.IntN(6)) * time.Hour)
	var city []geoiptest.CityRecord
	var asn []geoiptest.ASNRecord
	var anon []geoiptest.AnonymousIPRecord
	var conn []geoiptest.ConnectionTypeRecord
	cityRec := func(network string, p place, radius uint16) geoiptest.CityRecord {
		return geoiptest.CityRecord{Network: network, ContinentCode: p.continent, CountryISO: p.cc, CountryName: p.country,
			RegisteredCountryISO: p.cc, CityName: p.city, Latitude: p.lat, Longitude: p.lon, AccuracyRadius: radius, TimeZone: p.tz}
	}
	for _, n := range g.nets {
		pfx := n.prefix.String()
		city = append(city, cityRec(pfx, n.place, n.radius))
		asn = append(asn, geoiptest.ASNRecord{Network: pfx, Number: n.asn, Organization: n.asOrg})
		if n.hosting {
			anon = append(anon, geoiptest.AnonymousIPRecord{Network: pfx, Anonymous: true, HostingProvider: true})
		}
		if n.conn != "" {
			conn = append(conn, geoiptest.ConnectionTypeRecord{Network: pfx, ConnectionType: n.conn})
		}
	}
	keys := make([]string, 0, len(g.hosts))
	for k := range g.hosts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return netip.MustParseAddr(a).Compare(netip.MustParseAddr(b))
	})
	for _, k := range keys {
		h := g.hosts[k]
		one := netip.PrefixFrom(h.addr, 32).String()
		if h.geoPlace != nil {
			city = append(city, cityRec(one, *h.geoPlace, 20))
		}
		if h.vpn || h.resProxy || h.pubProxy || h.torMM {
			anon = append(anon, geoiptest.AnonymousIPRecord{Network: one, Anonymous: true, AnonymousVPN: h.vpn,
				HostingProvider: h.net.hosting, PublicProxy: h.pubProxy, ResidentialProxy: h.resProxy, TorExitNode: h.torMM})
		}
	}
	epoch := mmEpoch.Unix()
	for _, w := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{fileCity, func(b *bytes.Buffer) error { return geoiptest.WriteCity(b, city, epoch) }},
		{fileASN, func(b *bytes.Buffer) error { return geoiptest.WriteASN(b, asn, epoch) }},
		{fileAnon, func(b *bytes.Buffer) error { return geoiptest.WriteAnonymousIP(b, anon, epoch) }},
		{fileConnType, func(b *bytes.Buffer) error { return geoiptest.WriteConnectionType(b, conn, epoch) }},
	} {
		var b bytes.Buffer
		if err := w.write(&b); err != nil {
			return fmt.Errorf("%s: %w", w.file, err)
		}
		files[w.file] = b.Bytes()
	}
	files[fileTor] = g.torFile()
	aws, err := g.awsFile()
	if err != nil {
		return err
	}
	files[fileAWS] = aws
	ids := make([]string, 0, len(g.ds.misp))
	for id := range g.ds.misp {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		l := g.ds.misp[id]
		l.Version, _ = versionOf(g.t0.Add(-time.Duration(3+g.rng.IntN(20)) * 24 * time.Hour))
		slices.Sort(l.List)
		l.List = slices.Compact(l.List)
		b, err := json.MarshalIndent(l, "", "  ")
		if err != nil {
			return err
		}
		files["datasets/misp/"+id+"/list.json"] = append(b, '\n')
	}
	if len(g.ds.relay) > 0 {
		var b strings.Builder
		for _, r := range g.ds.relay {
			fmt.Fprintf(&b, "%s,%s,%s-%s,%s,\n", r.prefix, r.p.cc, r.p.cc, strings.ToUpper(r.p.city[:2]), r.p.city)
		}
		files[fileRelay] = []byte(b.String())
	}
	if len(g.ds.scan) > 0 {
		var b bytes.Buffer
		for _, r := range g.ds.scan {
			j, _ := json.Marshal(r)
			b.Write(j)
			b.WriteByte('\n')
		}
		files[fileScan] = b.Bytes()
	}
	for ind, text := range g.ds.whois {
		text = strings.ReplaceAll(text, collectedMark, g.collected.UTC().Format("2006-01-02T15:04:05Z"))
		files["whois/"+ind+".txt"] = []byte(text)
	}
	return nil
}

func versionOf(t time.Time) (int64, error) {
	var v int64
	_, err := fmt.Sscanf(t.Format("20060102"), "%d", &v)
	return v, err
}

// decoys adds networks nobody in the logs uses, so that the datasets are
// not a list of answers: other Tor exits, other hosting and ISP networks,
// other AWS ranges.
func (g *gen) decoys() {
	for i := 0; i < 12; i++ {
		n := g.newNet(pick(g, []string{kindHosting, kindResidential, kindCellular, kindBusiness, kindUniversity}), pick(g, places))
		if n.kind == kindHosting && g.chance(0.4) {
			h := g.addr(n)
			h.vpn = true
		}
	}
	for i := 0; i < 8; i++ {
		h := g.hostIn(kindHosting)
		at := g.t0.Add(g.secs(-20*3600, 20*3600))
		if g.ds.torAsOf.IsZero() {
			g.torExitAt(h, []time.Time{at}, g.chance(0.7))
		} else {
			g.torExitAt(h, []time.Time{g.ds.torAsOf.Add(-g.secs(3600, 40*3600))}, false)
		}
	}
	for i := 0; i < 6+g.ds.awsDecoys; i++ {
		n := g.newNet(kindCloud, pick(g, places))
		n.service = pick(g, []string{"EC2", "EC2", "S3", "CLOUDFRONT", "ROUTE53_HEALTHCHECKS", "API_GATEWAY"})
		n.region = awsRegion(g, n.place)
		if n.service == "CLOUDFRONT" {
			n.kind, n.hosting, n.region = kindCDN, false, "GLOBAL"
		}
	}
}

func awsRegion(g *gen, p place) string {
	switch p.continent {
	case "EU":
		return pick(g, []string{"eu-central-1", "eu-west-1", "eu-west-2", "eu-north-1", "eu-west-3"})
	case "NA":
		return pick(g, []string{"us-east-1", "us-east-2", "us-west-2", "ca-central-1"})
	case "SA":
		return "sa-east-1"
	case "AF":
		return "af-south-1"
	}
	return pick(g, []string{"ap-northeast-1", "ap-southeast-1", "ap-south-1", "ap-northeast-2"})
}

func (g *gen) torFile() []byte {
	asOf := g.ds.torAsOf
	if asOf.IsZero() {
		asOf = g.collected.Add(-g.secs(600, 6*3600))
	}
	for _, e := range g.ds.tor {
		if last := e.times[len(e.times)-1]; last.After(asOf) {
			asOf = last.Add(g.secs(60, 3600))
		}
	}
	exits := slices.Clone(g.ds.tor)
	slices.SortFunc(exits, func(a, b torExit) int { return strings.Compare(a.fp, b.fp) })
	const layout = "2006-01-02 15:04:05"
	var b strings.Builder
	fmt.Fprintf(&b, "@type tordnsel 1.0\nDownloaded %s\n", asOf.UTC().Format(layout))
	for _, e := range exits {
		fmt.Fprintf(&b, "ExitNode %s\nPublished %s\nLastStatus %s\n", e.fp, e.published.UTC().Format(layout), e.status.UTC().Format(layout))
		for _, t := range e.times {
			fmt.Fprintf(&b, "ExitAddress %s %s\n", e.addr, t.UTC().Format(layout))
		}
	}
	return []byte(b.String())
}

type awsPrefix struct {
	IPPrefix           string `json:"ip_prefix"`
	Region             string `json:"region"`
	Service            string `json:"service"`
	NetworkBorderGroup string `json:"network_border_group"`
}

type awsPrefix6 struct {
	IPv6Prefix         string `json:"ipv6_prefix"`
	Region             string `json:"region"`
	Service            string `json:"service"`
	NetworkBorderGroup string `json:"network_border_group"`
}

func (g *gen) awsFile() ([]byte, error) {
	created := g.t0.Add(-time.Duration(1+g.rng.IntN(14)) * 24 * time.Hour).Add(g.secs(0, 86399))
	doc := struct {
		SyncToken    string       `json:"syncToken"`
		CreateDate   string       `json:"createDate"`
		Prefixes     []awsPrefix  `json:"prefixes"`
		IPv6Prefixes []awsPrefix6 `json:"ipv6_prefixes"`
	}{SyncToken: fmt.Sprint(created.Unix()), CreateDate: created.UTC().Format("2006-01-02-15-04-05")}
	for _, n := range g.nets {
		if n.kind != kindCloud && n.kind != kindCDN {
			continue
		}
		region := n.region
		if region == "" {
			region = "GLOBAL"
		}
		p := n.prefix.String()
		doc.Prefixes = append(doc.Prefixes,
			awsPrefix{p, region, "AMAZON", region},
			awsPrefix{p, region, n.service, region})
	}
	slices.SortStableFunc(doc.Prefixes, func(a, b awsPrefix) int {
		return netip.MustParsePrefix(a.IPPrefix).Addr().Compare(netip.MustParsePrefix(b.IPPrefix).Addr())
	})
	doc.IPv6Prefixes = []awsPrefix6{
		{"2600:1f18:" + g.hex(3) + "::/40", "us-east-1", "AMAZON", "us-east-1"},
		{"2a05:d014:" + g.hex(3) + "::/40", "eu-central-1", "EC2", "eu-central-1"},
	}
	for i := range doc.IPv6Prefixes {
		p, err := netip.ParsePrefix(doc.IPv6Prefixes[i].IPv6Prefix)
		if err != nil {
			return nil, err
		}
		doc.IPv6Prefixes[i].IPv6Prefix = p.Masked().String()
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
