package parse

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/casefile/casefile/evidence/rawtext"
)

// pcapMaxFlows bounds the flows held in memory. Past it, the flow with the
// oldest first packet is emitted early, flagged Fields["evicted"]="true"
// and counted in Stats.Truncated; its later packets start a new flow.
const pcapMaxFlows = 1 << 20

type pcapParser struct{ maxFlows int }

// NewPCAP returns the parser for packet captures (pcap in either byte
// order, microsecond or nanosecond, and pcapng), read in pure Go with
// gopacket's pcapgo readers.
//
// Packets are aggregated into bidirectional TCP and UDP flows by 5-tuple.
// The originator is the sender of the flow's first packet, except that the
// receiver of a first SYN-ACK is the originator (its SYN was not captured).
// A pure SYN on a TCP flow that already ended (RST, or FIN both ways) starts
// a new flow. One kind "flow" event per flow is emitted after the last
// packet, in order of each flow's first packet: Time is the first packet's
// time, Src/SrcPort the originator, Dst/DstPort the responder. Fields: proto
// (tcp, udp), packets, packets_orig, packets_resp, bytes_orig, bytes_resp
// (IP-layer bytes, headers included, as Zeek's orig_ip_bytes/resp_ip_bytes),
// end (last packet, RFC 3339), tcp_flags_seen (union of TCP flags in both
// directions, letters in bit order FSRPAUEC) and syn ("true" when the
// originator sent a pure SYN). Outcome is success for a TCP flow whose
// handshake was seen, failure when the responder answered a SYN only with
// RST, unknown otherwise.
//
// Citations: Record is the packet number (1-based, in file order) of the
// flow's first packet; Offset is the byte offset of that packet's record
// (pcap record header, or pcapng block), computed from the record and block
// lengths. Packets that cannot be decoded (truncated headers, unknown link
// type) are Malformed; non-IP packets, ICMP and IP fragments other than the
// first are not flows and are skipped silently. A capture cut short or
// damaged mid-record is reported as Malformed at that offset; the flows seen
// until then are still emitted. Memory is bounded by the flow table
// (pcapMaxFlows) and one packet.
func NewPCAP() Parser { return pcapParser{maxFlows: pcapMaxFlows} }

func (pcapParser) Name() string { return "pcap" }
func (pcapParser) Version() int { return 2 }

// pcap magic numbers as they appear in the first four bytes.
var pcapMagics = [][]byte{
	{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, // microseconds, LE / BE
	{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, // nanoseconds, LE / BE
}

const pcapngSHB = 0x0A0D0D0A

func (pcapParser) Detect(head []byte, name string) int {
	if len(head) < 4 {
		return 0
	}
	for _, m := range pcapMagics {
		if bytes.Equal(head[:4], m) {
			return 100
		}
	}
	if binary.LittleEndian.Uint32(head) == pcapngSHB && len(head) >= 12 {
		bom := binary.LittleEndian.Uint32(head[8:])
		if bom == 0x1A2B3C4D || bom == 0x4D3C2B1A {
			return 100
		}
	}
	return 0
}

// pcapPacketReader is what both pcapgo readers provide.
type pcapPacketReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

func (p pcapParser) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	var st Stats
	cite := Citation{Artefact: opts.Artefact, Parser: fmt.Sprintf("%s/%d", p.Name(), p.Version())}
	bad := func(off, rec int64, reason string) {
		st.Malformed++
		sink.Malformed(Malformed{Offset: off, Record: rec, Reason: rawtext.Encode(reason)})
	}
	src := &pcapErrReader{r: r}
	stop := func(reason string) (Stats, error) {
		if src.err != nil {
			return st, fmt.Errorf("pcap: read: %w", src.err)
		}
		bad(0, 0, reason)
		return st, nil
	}
	br := bufio.NewReader(src)
	head, _ := br.Peek(12)
	if src.err != nil {
		return st, fmt.Errorf("pcap: read header: %w", src.err)
	}

	var (
		pr       pcapPacketReader
		link     layers.LinkType
		ng       *pcapngFramer
		classic  bool
		nextOff  int64 = 24 // classic: offset of the next record
		linkFrom func(ci gopacket.CaptureInfo) layers.LinkType
	)
	if len(head) >= 4 && binary.LittleEndian.Uint32(head) == pcapngSHB {
		ng = &pcapngFramer{r: br}
		ngr, err := pcapgo.NewNgReader(ng, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return stop(fmt.Sprintf("pcap: pcapng section header: %v", err))
		}
		pr = ngr
		linkFrom = func(ci gopacket.CaptureInfo) layers.LinkType {
			if len(ci.AncillaryData) > 0 {
				if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
					return lt
				}
			}
			return ngr.LinkType()
		}
	} else {
		known := false
		for _, m := range pcapMagics {
			known = known || len(head) >= 4 && bytes.Equal(head[:4], m)
		}
		if !known {
			bad(0, 0, "pcap: not a pcap or pcapng capture (bad magic)")
			return st, nil
		}
		cr, err := pcapgo.NewReader(br)
		if err != nil {
			return stop(fmt.Sprintf("pcap: file header: %v", err))
		}
		pr, link, classic = cr, cr.LinkType(), true
		linkFrom = func(gopacket.CaptureInfo) layers.LinkType { return link }
	}

	ft := newPcapFlowTable(p.maxFlows)
	dec := newPcapDecoder()
	emit := func(f *pcapFlow) error {
		ev := f.event(cite)
		encodeText(&ev, false)
		if f.evicted {
			st.Truncated++
		}
		st.Events++
		return sink.Event(ev)
	}
	var num int64
	for {
		data, ci, err := pr.ZeroCopyReadPacketData()
		off := nextOff
		if ng != nil {
			off = ng.packetOffset()
		}
		if err != nil {
			if errors.Is(err, io.EOF) && (ng == nil || ng.err == nil || errors.Is(ng.err, io.EOF)) {
				break
			}
			if ng != nil && ng.err != nil && !errors.Is(ng.err, io.EOF) {
				err = ng.err
			}
			if src.err != nil {
				return st, fmt.Errorf("pcap: read packet %d: %w", num+1, src.err)
			}
			bad(off, num+1, fmt.Sprintf("pcap: packet %d at offset %d unreadable, capture ends here: %v", num+1, off, err))
			break
		}
		num++
		st.Records++
		if classic {
			nextOff += 16 + int64(ci.CaptureLength)
		}
		pk, reason := dec.decode(linkFrom(ci), data)
		if reason != "" {
			bad(off, num, fmt.Sprintf("pcap: packet %d: %s", num, reason))
			continue
		}
		if !pk.ok {
			continue
		}
		for _, f := range ft.add(&pk, ci.Timestamp.UTC(), num, off) {
			if err := emit(f); err != nil {
				return st, err
			}
		}
	}
	for _, f := range ft.rest() {
		if err := emit(f); err != nil {
			return st, err
		}
	}
	return st, nil
}

// pcapErrReader remembers a read error of the underlying stream, so that
// I/O failures (returned) can be told from damaged captures (Malformed).
type pcapErrReader struct {
	r   io.Reader
	err error
}

func (e *pcapErrReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}

// pcapngMaxBlock bounds a pcapng block (a packet block holds one packet).
const pcapngMaxBlock = 16 << 20

// pcapngFramer passes a pcapng stream through to pcapgo's reader block by
// block, noting the offset of every packet block on the way. pcapgo reads
// ahead through its own buffer, so the offsets are queued and taken in
// order as packets come out (each packet block yields exactly one packet
// when mixed link types are allowed).
type pcapngFramer struct {
	r       io.Reader
	off     int64 // offset of the next block
	order   binary.ByteOrder
	block   []byte
	pos     int
	packets []int64
	err     error // framing error or io.EOF
}

func (f *pcapngFramer) Read(p []byte) (int, error) {
	if f.pos == len(f.block) {
		if f.err != nil {
			return 0, f.err
		}
		if err := f.next(); err != nil {
			f.err = err
			return 0, err
		}
	}
	n := copy(p, f.block[f.pos:])
	f.pos += n
	return n, nil
}

// next reads one whole block.
func (f *pcapngFramer) next() error {
	var h [12]byte
	if _, err := io.ReadFull(f.r, h[:8]); err != nil {
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return fmt.Errorf("pcapng block at offset %d: %w", f.off, err)
	}
	hl := 8
	typ := binary.LittleEndian.Uint32(h[:4])
	if typ == pcapngSHB {
		if _, err := io.ReadFull(f.r, h[8:12]); err != nil {
			return fmt.Errorf("pcapng section header at offset %d: %w", f.off, err)
		}
		hl = 12
		switch binary.LittleEndian.Uint32(h[8:12]) {
		case 0x1A2B3C4D:
			f.order = binary.LittleEndian
		case 0x4D3C2B1A:
			f.order = binary.BigEndian
		default:
			return fmt.Errorf("pcapng section header at offset %d: bad byte-order magic", f.off)
		}
	}
	if f.order == nil {
		return fmt.Errorf("pcapng block at offset %d before any section header", f.off)
	}
	typ = f.order.Uint32(h[:4])
	n := int64(f.order.Uint32(h[4:8]))
	if n < 12 || n%4 != 0 || n > pcapngMaxBlock {
		return fmt.Errorf("pcapng block at offset %d: bad length %d", f.off, n)
	}
	if cap(f.block) < int(n) {
		f.block = make([]byte, n)
	}
	f.block = f.block[:n]
	copy(f.block, h[:hl])
	if _, err := io.ReadFull(f.r, f.block[hl:]); err != nil {
		return fmt.Errorf("pcapng block at offset %d truncated: %w", f.off, err)
	}
	switch typ {
	case 2, 3, 6: // obsolete packet, simple packet, enhanced packet
		f.packets = append(f.packets, f.off)
	}
	f.off += n
	f.pos = 0
	return nil
}

// packetOffset returns the offset of the next packet's block, or of the
// place reading stopped.
func (f *pcapngFramer) packetOffset() int64 {
	if len(f.packets) == 0 {
		return f.off
	}
	o := f.packets[0]
	f.packets = f.packets[1:]
	if len(f.packets) == 0 {
		f.packets = f.packets[:0:0]
	}
	return o
}

// pcapPacket is what a flow needs from one packet.
type pcapPacket struct {
	ok       bool
	src, dst netip.Addr
	sp, dp   uint16
	proto    uint8 // 6 or 17
	flags    uint8 // TCP flags byte
	ipBytes  int64
}

// pcapDecoder decodes link, IP and transport headers without allocating
// per packet (gopacket DecodingLayerParser).
type pcapDecoder struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	loop    layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	ext     layers.IPv6ExtensionSkipper
	tcp     layers.TCP
	udp     layers.UDP
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newPcapDecoder() *pcapDecoder {
	d := &pcapDecoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}}
	for _, first := range []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6} {
		dlp := gopacket.NewDecodingLayerParser(first, &d.eth, &d.dot1q, &d.sll, &d.loop,
			&d.ip4, &d.ip6, &d.ext, &d.tcp, &d.udp)
		dlp.IgnoreUnsupported = true
		d.parsers[first] = dlp
	}
	return d
}

// decode returns the packet's flow data; reason is non-empty when the
// packet cannot be decoded.
func (d *pcapDecoder) decode(lt layers.LinkType, data []byte) (pk pcapPacket, reason string) {
	var first gopacket.LayerType
	switch lt {
	case layers.LinkTypeEthernet:
		first = layers.LayerTypeEthernet
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		first = layers.LayerTypeLoopback
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		if len(data) == 0 {
			return pk, "empty packet"
		}
		first = layers.LayerTypeIPv4
		if data[0]>>4 == 6 {
			first = layers.LayerTypeIPv6
		}
	default:
		return pk, fmt.Sprintf("unsupported link type %d", int(lt))
	}
	d.decoded = d.decoded[:0]
	err := d.parsers[first].DecodeLayers(data, &d.decoded)
	var haveIP bool
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			haveIP = true
			pk.src, _ = netip.AddrFromSlice(d.ip4.SrcIP)
			pk.dst, _ = netip.AddrFromSlice(d.ip4.DstIP)
			pk.ipBytes = int64(d.ip4.Length)
		case layers.LayerTypeIPv6:
			haveIP = true
			pk.src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			pk.dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
			pk.ipBytes = 40 + int64(d.ip6.Length)
			if d.ip6.Length == 0 {
				pk.ipBytes = int64(len(d.ip6.Contents) + len(d.ip6.Payload))
			}
		case layers.LayerTypeTCP:
			pk.ok, pk.proto, pk.sp, pk.dp = haveIP, 6, uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			pk.flags = pcapTCPFlags(&d.tcp)
		case layers.LayerTypeUDP:
			pk.ok, pk.proto, pk.sp, pk.dp = haveIP, 17, uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
		}
	}
	if err != nil {
		return pcapPacket{}, err.Error()
	}
	pk.src, pk.dst = pk.src.Unmap(), pk.dst.Unmap()
	return pk, ""
}

func pcapTCPFlags(t *layers.TCP) uint8 {
	var f uint8
	for i, set := range []bool{t.FIN, t.SYN, t.RST, t.PSH, t.ACK, t.URG, t.ECE, t.CWR} {
		if set {
			f |= 1 << i
		}
	}
	return f
}

const (
	pcapFIN = 1 << 0
	pcapSYN = 1 << 1
	pcapRST = 1 << 2
	pcapACK = 1 << 4
)

// pcapFlowKey identifies a flow in both directions: the endpoints are
// stored in a canonical order.
type pcapFlowKey struct {
	a, b   netip.Addr
	pa, pb uint16
	proto  uint8
}

func pcapKey(pk *pcapPacket) pcapFlowKey {
	k := pcapFlowKey{a: pk.src, b: pk.dst, pa: pk.sp, pb: pk.dp, proto: pk.proto}
	if c := k.a.Compare(k.b); c > 0 || c == 0 && k.pa > k.pb {
		k.a, k.b, k.pa, k.pb = k.b, k.a, k.pb, k.pa
	}
	return k
}

type pcapFlow struct {
	key                  pcapFlowKey
	orig, resp           netip.Addr
	origPort, respPort   uint16
	first, last          time.Time
	pktsOrig, pktsResp   int64
	bytesOrig, bytesResp int64
	flags                uint8
	syn, synAck, rst     bool
	finOrig, finResp     bool
	rstResp              bool
	record, offset       int64
	evicted, gone        bool
}

func (f *pcapFlow) ended() bool { return f.rst || f.finOrig && f.finResp }

func (f *pcapFlow) event(cite Citation) Event {
	proto := "udp"
	if f.key.proto == 6 {
		proto = "tcp"
	}
	ev := Event{
		Time:    f.first,
		Kind:    KindFlow,
		Outcome: OutcomeUnknown,
		Src:     f.orig.String(),
		SrcPort: int(f.origPort),
		Dst:     f.resp.String(),
		DstPort: int(f.respPort),
		Fields: map[string]string{
			"proto":        proto,
			"packets":      strconv.FormatInt(f.pktsOrig+f.pktsResp, 10),
			"packets_orig": strconv.FormatInt(f.pktsOrig, 10),
			"packets_resp": strconv.FormatInt(f.pktsResp, 10),
			"bytes_orig":   strconv.FormatInt(f.bytesOrig, 10),
			"bytes_resp":   strconv.FormatInt(f.bytesResp, 10),
			"end":          f.last.Format(time.RFC3339Nano),
			"syn":          strconv.FormatBool(f.syn),
		},
	}
	if f.key.proto == 6 {
		var b []byte
		for i, c := range "FSRPAUEC" {
			if f.flags&(1<<i) != 0 {
				b = append(b, byte(c))
			}
		}
		ev.Fields["tcp_flags_seen"] = string(b)
		switch {
		case f.syn && f.synAck:
			ev.Outcome = OutcomeSuccess
		case f.syn && f.rstResp:
			ev.Outcome = OutcomeFailure
		}
	}
	if f.evicted {
		ev.Fields["evicted"] = "true"
	}
	c := cite
	c.Record, c.Offset = f.record, f.offset
	ev.Citation = c
	return ev
}

// pcapFlowTable holds the flows in order of first packet, bounded.
type pcapFlowTable struct {
	max    int
	active map[pcapFlowKey]*pcapFlow
	queue  []*pcapFlow // every flow not yet emitted, oldest first
	head   int
}

func newPcapFlowTable(max int) *pcapFlowTable {
	return &pcapFlowTable{max: max, active: map[pcapFlowKey]*pcapFlow{}}
}

// add accounts one packet and returns the flows that must be emitted now
// because the table is full.
func (t *pcapFlowTable) add(pk *pcapPacket, ts time.Time, num, off int64) []*pcapFlow {
	k := pcapKey(pk)
	pureSYN := pk.proto == 6 && pk.flags&(pcapSYN|pcapACK) == pcapSYN
	f := t.active[k]
	if f != nil && pureSYN && f.ended() {
		f.gone = true
		delete(t.active, k)
		f = nil
	}
	var out []*pcapFlow
	if f == nil {
		f = &pcapFlow{key: k, orig: pk.src, origPort: pk.sp, resp: pk.dst, respPort: pk.dp,
			first: ts, record: num, offset: off}
		if pk.proto == 6 && pk.flags&(pcapSYN|pcapACK) == pcapSYN|pcapACK {
			f.orig, f.origPort, f.resp, f.respPort = pk.dst, pk.dp, pk.src, pk.sp
		}
		t.active[k] = f
		t.queue = append(t.queue, f)
		for len(t.queue)-t.head > t.max {
			old := t.queue[t.head]
			t.queue[t.head] = nil
			t.head++
			old.evicted = true
			if !old.gone {
				delete(t.active, old.key)
			}
			out = append(out, old)
		}
		if t.head > 1024 && t.head > len(t.queue)/2 {
			t.queue = append(t.queue[:0], t.queue[t.head:]...)
			t.head = 0
		}
	}
	fromOrig := pk.src == f.orig && pk.sp == f.origPort
	if fromOrig {
		f.pktsOrig++
		f.bytesOrig += pk.ipBytes
	} else {
		f.pktsResp++
		f.bytesResp += pk.ipBytes
	}
	if ts.After(f.last) || f.last.IsZero() {
		f.last = ts
	}
	if pk.proto == 6 {
		f.flags |= pk.flags
		syn, ack := pk.flags&pcapSYN != 0, pk.flags&pcapACK != 0
		switch {
		case syn && !ack && fromOrig:
			f.syn = true
		case syn && ack && !fromOrig:
			f.synAck = true
		}
		if pk.flags&pcapFIN != 0 {
			if fromOrig {
				f.finOrig = true
			} else {
				f.finResp = true
			}
		}
		if pk.flags&pcapRST != 0 {
			f.rst = true
			if !fromOrig {
				f.rstResp = true
			}
		}
	}
	return out
}

// rest returns the flows still held, in order of first packet.
func (t *pcapFlowTable) rest() []*pcapFlow {
	out := t.queue[t.head:]
	t.queue, t.head = nil, 0
	return out
}
