package parse

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/casefile/casefile/evidence/sampledata"
)

func pcapParse(t testing.TB, p Parser, b []byte) (*evtxSink, Stats) {
	t.Helper()
	var s evtxSink
	st, err := p.Parse(bytes.NewReader(b), Options{Artefact: "sha256:test"}, &s)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != int64(len(s.events)) || st.Malformed != int64(len(s.malformed)) {
		t.Fatalf("stats %+v disagree with sink (%d events, %d malformed)", st, len(s.events), len(s.malformed))
	}
	return &s, st
}

// TestPCAPZeekSSH compares the flows of Zeek's ssh.pcap with Zeek's own
// conn.log for it: same 25 connections, originators, packet and IP byte
// counts.
func TestPCAPZeekSSH(t *testing.T) {
	raw, err := os.ReadFile(sampledata.Path(t, "zeek-testsuite", "ssh", "ssh.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	connLog, err := os.ReadFile(sampledata.Path(t, "zeek-testsuite", "ssh", "conn.log.baseline-2016"))
	if err != nil {
		t.Fatal(err)
	}
	s, st := pcapParse(t, NewPCAP(), raw)
	if st.Records != 1797 || st.Malformed != 0 {
		t.Errorf("stats %+v, want 1797 packets, 0 malformed", st)
	}
	var want []string
	for _, line := range strings.Split(string(connLog), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		// ts orig_h orig_p resp_h resp_p proto | orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes
		ts, _ := strconv.ParseFloat(f[0], 64)
		want = append(want, fmt.Sprintf("%.6f %s %s %s %s %s %s %s %s %s",
			ts, f[2], f[3], f[4], f[5], f[6], f[16], f[17], f[18], f[19]))
	}
	var got []string
	ips := map[string]bool{}
	tcp := 0
	for _, e := range s.events {
		ips[e.Src], ips[e.Dst] = true, true
		if e.Fields["proto"] == "tcp" {
			tcp++
		}
		got = append(got, fmt.Sprintf("%.6f %s %d %s %d %s %s %s %s %s",
			float64(e.Time.UnixMicro())/1e6, e.Src, e.SrcPort, e.Dst, e.DstPort, e.Fields["proto"],
			e.Fields["packets_orig"], e.Fields["bytes_orig"], e.Fields["packets_resp"], e.Fields["bytes_resp"]))
	}
	sort.Strings(want)
	gotSorted := append([]string(nil), got...)
	sort.Strings(gotSorted)
	if strings.Join(gotSorted, "\n") != strings.Join(want, "\n") {
		t.Errorf("flows differ from conn.log:\n got:\n%s\nwant:\n%s", strings.Join(gotSorted, "\n"), strings.Join(want, "\n"))
	}
	if tcp != 23 || len(s.events) != 25 || len(ips) != 12 {
		t.Errorf("%d tcp of %d flows, %d distinct IPs; want 23, 25, 12", tcp, len(s.events), len(ips))
	}
	// Emitted in order of first packet, citing that packet.
	for i := 1; i < len(s.events); i++ {
		if s.events[i].Citation.Record <= s.events[i-1].Citation.Record {
			t.Fatalf("flow %d cites packet %d after packet %d", i, s.events[i].Citation.Record, s.events[i-1].Citation.Record)
		}
	}
	// The offset of each flow's first packet record: its header holds the
	// flow's first timestamp.
	for _, e := range s.events {
		o := e.Citation.Offset
		sec := int64(binary.LittleEndian.Uint32(raw[o:]))
		if sec != e.Time.Unix() {
			t.Fatalf("record at offset %d has ts %d, flow starts %d", o, sec, e.Time.Unix())
		}
	}
	first := s.events[0]
	if first.Src != "192.168.1.79" || first.DstPort != 22 || first.Fields["syn"] != "true" ||
		first.Outcome != OutcomeSuccess || first.Fields["tcp_flags_seen"] != "FSPA" {
		t.Errorf("first flow %+v", first)
	}
}

func TestPCAPZeekFTPBruteforce(t *testing.T) {
	raw, err := os.ReadFile(sampledata.Path(t, "zeek-testsuite", "ftp-bruteforce", "bruteforce.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	s, st := pcapParse(t, NewPCAP(), raw)
	if st.Records != 606 || st.Malformed != 0 {
		t.Errorf("stats %+v, want 606 packets", st)
	}
	n := 0
	for _, e := range s.events {
		if e.Fields["proto"] == "tcp" && e.Src == "192.168.56.1" && e.Dst == "192.168.56.101" && e.DstPort == 21 {
			n++
		}
	}
	if n != 30 || len(s.events) != 30 {
		t.Errorf("%d FTP connections of %d flows, want 30 of 30", n, len(s.events))
	}
	if got := s.events[0].Time.Format(time.RFC3339); got != "2014-01-14T17:37:24Z" {
		t.Errorf("first flow at %s", got)
	}
}

// pcapFixture builds packets for the generated captures.
type pcapPkt struct {
	ts                 time.Time
	src, dst           string
	sp, dp             int
	udp                bool
	syn, ack, fin, rst bool
	payload            int
}

func (p pcapPkt) bytes(t testing.TB) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	var nl gopacket.NetworkLayer
	src, dst := net.ParseIP(p.src), net.ParseIP(p.dst)
	proto := layers.IPProtocolTCP
	if p.udp {
		proto = layers.IPProtocolUDP
	}
	var ipl gopacket.SerializableLayer
	if src.To4() != nil {
		eth.EthernetType = layers.EthernetTypeIPv4
		ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: src.To4(), DstIP: dst.To4(), Protocol: proto}
		nl, ipl = ip, ip
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: src, DstIP: dst, NextHeader: proto}
		nl, ipl = ip, ip
	}
	var l4 gopacket.SerializableLayer
	if p.udp {
		u := &layers.UDP{SrcPort: layers.UDPPort(p.sp), DstPort: layers.UDPPort(p.dp)}
		u.SetNetworkLayerForChecksum(nl)
		l4 = u
	} else {
		tc := &layers.TCP{SrcPort: layers.TCPPort(p.sp), DstPort: layers.TCPPort(p.dp), SYN: p.syn, ACK: p.ack, FIN: p.fin, RST: p.rst, Window: 1024}
		tc.SetNetworkLayerForChecksum(nl)
		l4 = tc
	}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ipl, l4, gopacket.Payload(make([]byte, p.payload)))
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var pcapT0 = time.Date(2026, 11, 20, 9, 32, 20, 123456789, time.UTC)

// pcapScenario: a TCP handshake and close, a reused port, a refused
// connection, a flow first seen at its SYN-ACK, UDP over IPv6, an ARP frame
// and a truncated TCP header.
func pcapScenario() []pcapPkt {
	at := func(ms int) time.Time { return pcapT0.Add(time.Duration(ms) * time.Millisecond) }
	c, s := "198.51.100.7", "192.0.2.10"
	return []pcapPkt{
		{ts: at(0), src: c, dst: s, sp: 40000, dp: 22, syn: true},
		{ts: at(1), src: s, dst: c, sp: 22, dp: 40000, syn: true, ack: true},
		{ts: at(2), src: c, dst: s, sp: 40000, dp: 22, ack: true, payload: 10},
		{ts: at(3), src: "2001:db8::1", dst: "2001:db8::53", sp: 5353, dp: 53, udp: true, payload: 20},
		{ts: at(4), src: s, dst: c, sp: 22, dp: 40000, ack: true, fin: true},
		{ts: at(5), src: c, dst: s, sp: 40000, dp: 22, ack: true, fin: true},
		{ts: at(6), src: c, dst: s, sp: 40000, dp: 22, syn: true}, // reuse: new flow
		{ts: at(7), src: c, dst: s, sp: 40001, dp: 23, syn: true},
		{ts: at(8), src: s, dst: c, sp: 23, dp: 40001, rst: true, ack: true},
		{ts: at(9), src: "203.0.113.9", dst: c, sp: 443, dp: 50000, syn: true, ack: true},
		{ts: at(10), src: "2001:db8::53", dst: "2001:db8::1", sp: 53, dp: 5353, udp: true, payload: 40},
	}
}

// pcapScenarioWant is the flows of pcapScenario, with 2 extra packets (ARP,
// truncated) inserted after the 3rd packet by the writers below.
var pcapScenarioWant = []string{
	"2026-11-20T09:32:20.123456789Z 198.51.100.7:40000 192.0.2.10:22 tcp pk=5 o=3/130 r=2/80 flags=FSA syn=true success rec=1",
	"2026-11-20T09:32:20.126456789Z 2001:db8::1:5353 2001:db8::53:53 udp pk=2 o=1/68 r=1/88 flags= syn=false unknown rec=6",
	"2026-11-20T09:32:20.129456789Z 198.51.100.7:40000 192.0.2.10:22 tcp pk=1 o=1/40 r=0/0 flags=S syn=true unknown rec=9",
	"2026-11-20T09:32:20.130456789Z 198.51.100.7:40001 192.0.2.10:23 tcp pk=2 o=1/40 r=1/40 flags=SRA syn=true failure rec=10",
	"2026-11-20T09:32:20.132456789Z 198.51.100.7:50000 203.0.113.9:443 tcp pk=1 o=0/0 r=1/40 flags=SA syn=false unknown rec=12",
}

func pcapSummary(e Event) string {
	f := e.Fields
	return fmt.Sprintf("%s %s:%d %s:%d %s pk=%s o=%s/%s r=%s/%s flags=%s syn=%s %s rec=%d",
		e.Time.Format(time.RFC3339Nano), e.Src, e.SrcPort, e.Dst, e.DstPort, f["proto"], f["packets"],
		f["packets_orig"], f["bytes_orig"], f["packets_resp"], f["bytes_resp"], f["tcp_flags_seen"], f["syn"], e.Outcome, e.Citation.Record)
}

// pcapExtra returns an ARP frame and a frame whose TCP header is cut short.
func pcapExtra(t testing.TB) (arp, cut []byte) {
	buf := gopacket.NewSerializeBuffer()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP}
	a := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: 1, SourceHwAddress: []byte{2, 0, 0, 0, 0, 1}, SourceProtAddress: []byte{192, 0, 2, 1},
		DstHwAddress: []byte{0, 0, 0, 0, 0, 0}, DstProtAddress: []byte{192, 0, 2, 10}}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, eth, a); err != nil {
		t.Fatal(err)
	}
	full := pcapPkt{src: "198.51.100.7", dst: "192.0.2.10", sp: 1, dp: 2, syn: true}.bytes(t)
	return buf.Bytes(), full[:14+20+8]
}

type pcapWriter interface {
	WritePacket(ci gopacket.CaptureInfo, data []byte) error
}

func pcapWriteScenario(t testing.TB, w pcapWriter) {
	arp, cut := pcapExtra(t)
	for i, p := range pcapScenario() {
		d := p.bytes(t)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(d), Length: len(d)}, d); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			for _, x := range [][]byte{arp, cut} {
				ci := gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(x), Length: len(x) + 20}
				if err := w.WritePacket(ci, x); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// pcapFixtures generates the same scenario as pcap (µs), pcap (ns) and
// pcapng.
func pcapFixtures(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, nano := range []bool{false, true} {
		var b bytes.Buffer
		w := pcapgo.NewWriter(&b)
		if nano {
			w = pcapgo.NewWriterNanos(&b)
		}
		if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			t.Fatal(err)
		}
		pcapWriteScenario(t, w)
		out[map[bool]string{false: "pcap-us", true: "pcap-ns"}[nano]] = b.Bytes()
	}
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	pcapWriteScenario(t, w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out["pcapng"] = b.Bytes()
	return out
}

func TestPCAPFixtures(t *testing.T) {
	for name, raw := range pcapFixtures(t) {
		t.Run(name, func(t *testing.T) {
			if got := NewPCAP().Detect(raw, ""); got != 100 {
				t.Errorf("Detect = %d", got)
			}
			s, st := pcapParse(t, NewPCAP(), raw)
			want := pcapScenarioWant
			if name == "pcap-us" {
				want = nil
				for _, w := range pcapScenarioWant {
					want = append(want, strings.Replace(w, "456789Z", "456Z", 1))
				}
			}
			var got []string
			for _, e := range s.events {
				got = append(got, pcapSummary(e))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if st.Records != 13 || st.Malformed != 1 || s.malformed[0].Record != 5 {
				t.Errorf("stats %+v, malformed %+v", st, s.malformed)
			}
			// Offsets point at the cited packet's record or block.
			for _, e := range s.events {
				o := e.Citation.Offset
				if name == "pcapng" {
					if typ := binary.LittleEndian.Uint32(raw[o:]); typ != 6 {
						t.Errorf("flow at record %d: block type %d at offset %d", e.Citation.Record, typ, o)
					}
					continue
				}
				if sec := int64(binary.LittleEndian.Uint32(raw[o:])); sec != e.Time.Unix() {
					t.Errorf("flow at record %d: offset %d holds ts %d", e.Citation.Record, o, sec)
				}
			}
			if m := s.malformed[0]; name != "pcapng" && int(m.Offset) != pcapRecordOffset(raw, 5) {
				t.Errorf("malformed offset %d, want %d", m.Offset, pcapRecordOffset(raw, 5))
			}
		})
	}
}

// pcapRecordOffset walks classic pcap records to the n-th (1-based).
func pcapRecordOffset(raw []byte, n int) int {
	o := 24
	for i := 1; i < n; i++ {
		o += 16 + int(binary.LittleEndian.Uint32(raw[o+8:]))
	}
	return o
}

func TestPCAPBigEndian(t *testing.T) {
	// A big-endian header with one raw-IPv4 UDP packet.
	p := pcapPkt{ts: pcapT0, src: "192.0.2.1", dst: "192.0.2.2", sp: 1000, dp: 53, udp: true, payload: 3}.bytes(t)[14:]
	var b bytes.Buffer
	be := binary.BigEndian
	hdr := make([]byte, 24)
	be.PutUint32(hdr, 0xa1b2c3d4)
	be.PutUint16(hdr[4:], 2)
	be.PutUint16(hdr[6:], 4)
	be.PutUint32(hdr[16:], 65535)
	be.PutUint32(hdr[20:], 101) // LINKTYPE_RAW
	b.Write(hdr)
	rec := make([]byte, 16)
	be.PutUint32(rec, uint32(pcapT0.Unix()))
	be.PutUint32(rec[4:], 5)
	be.PutUint32(rec[8:], uint32(len(p)))
	be.PutUint32(rec[12:], uint32(len(p)))
	b.Write(rec)
	b.Write(p)
	s, st := pcapParse(t, NewPCAP(), b.Bytes())
	if len(s.events) != 1 || st.Malformed != 0 {
		t.Fatalf("%+v %+v", s.events, s.malformed)
	}
	e := s.events[0]
	if e.Src != "192.0.2.1" || e.DstPort != 53 || e.Fields["bytes_orig"] != "31" || e.Citation.Offset != 24 || e.Citation.Record != 1 {
		t.Errorf("%s %+v", pcapSummary(e), e.Citation)
	}
}

func TestPCAPDamaged(t *testing.T) {
	fx := pcapFixtures(t)
	for name, raw := range fx {
		t.Run(name, func(t *testing.T) {
			// Cut in the middle of the 7th packet: the flows seen so far
			// are still emitted, and the cut is reported.
			cut := raw[:len(raw)-300]
			s, st := pcapParse(t, NewPCAP(), cut)
			if st.Malformed != 2 || len(s.events) == 0 {
				t.Errorf("stats %+v, malformed %+v", st, s.malformed)
			}
			if last := s.malformed[len(s.malformed)-1]; !strings.Contains(last.Reason, "capture ends here") {
				t.Errorf("last malformed %+v", last)
			}
		})
	}
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"not a capture", []byte("hello, world\n")},
		{"header only", fx["pcap-us"][:20]},
		{"pcapng bad length", append(append([]byte{}, fx["pcapng"][:28]...), 0xff, 0xff, 0xff, 0x7f)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, st := pcapParse(t, NewPCAP(), tc.raw)
			if st.Malformed != 1 || len(s.events) != 0 {
				t.Errorf("stats %+v, malformed %+v", st, s.malformed)
			}
		})
	}
}

func TestPCAPEviction(t *testing.T) {
	raw := pcapFixtures(t)["pcap-ns"]
	s, st := pcapParse(t, pcapParser{maxFlows: 2}, raw)
	if len(s.events) != 6 || st.Truncated != 4 {
		t.Fatalf("%d flows, stats %+v", len(s.events), st)
	}
	for i := 1; i < len(s.events); i++ {
		if s.events[i].Citation.Record < s.events[i-1].Citation.Record {
			t.Errorf("flow %d out of order", i)
		}
	}
	if s.events[0].Fields["evicted"] != "true" || s.events[5].Fields["evicted"] != "" {
		t.Errorf("evicted flags: %v / %v", s.events[0].Fields, s.events[5].Fields)
	}
}

func TestPCAPDetect(t *testing.T) {
	p := NewPCAP()
	for _, tc := range []struct {
		head []byte
		want int
	}{
		{[]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0}, 100},
		{[]byte{0xa1, 0xb2, 0xc3, 0xd4, 0, 2}, 100},
		{[]byte{0x4d, 0x3c, 0xb2, 0xa1, 2, 0}, 100},
		{[]byte{0xa1, 0xb2, 0x3c, 0x4d, 0, 2}, 100},
		{[]byte{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a}, 100},
		{[]byte{0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0x1c, 0x1a, 0x2b, 0x3c, 0x4d}, 100},
		{[]byte{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0, 0, 0, 0}, 0},
		{[]byte("ElfFile\x00"), 0},
		{nil, 0},
	} {
		if got := p.Detect(tc.head, "x.pcap"); got != tc.want {
			t.Errorf("Detect(% x) = %d, want %d", tc.head, got, tc.want)
		}
	}
	if p.Name() != "pcap" || p.Version() != 2 {
		t.Error("name/version")
	}
}

func FuzzPCAP(f *testing.F) {
	for _, raw := range pcapFixtures(f) {
		f.Add(raw)
		f.Add(raw[:len(raw)/2])
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s evtxSink
		st, err := pcapParser{maxFlows: 4}.Parse(bufio.NewReader(bytes.NewReader(raw)), Options{}, &s)
		if err != nil {
			t.Fatal(err)
		}
		if st.Events != int64(len(s.events)) || st.Events > st.Records {
			t.Fatalf("stats %+v, %d events", st, len(s.events))
		}
		for _, e := range s.events {
			if e.Citation.Offset < 0 || e.Citation.Offset >= int64(len(raw)) || e.Citation.Record < 1 {
				t.Fatalf("citation %+v outside %d bytes", e.Citation, len(raw))
			}
		}
	})
}
