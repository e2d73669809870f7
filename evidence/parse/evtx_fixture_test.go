package parse

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"
	"unicode/utf16"
)

// The EVTX samples are GPL-3.0 and stay outside the repository. These
// helpers write small EVTX files from scratch (plain BinXML, no templates),
// so that the parser's paths are tested on a fresh clone.

// evtxXML is an element: name, attributes (in order), text, children.
type evtxXML struct {
	name     string
	attrs    [][2]string
	text     string
	children []evtxXML
}

func evtxEl(name, text string, attrs ...string) evtxXML {
	x := evtxXML{name: name, text: text}
	for i := 0; i+1 < len(attrs); i += 2 {
		x.attrs = append(x.attrs, [2]string{attrs[i], attrs[i+1]})
	}
	return x
}

// evtxBinXML encodes elements for a record whose BinXML starts at chunk
// offset base; names are written inline (their offset is their position).
type evtxBinXML struct {
	base int
	b    bytes.Buffer
}

func (w *evtxBinXML) u8(v byte)    { w.b.WriteByte(v) }
func (w *evtxBinXML) u16(v uint16) { binary.Write(&w.b, binary.LittleEndian, v) }
func (w *evtxBinXML) u32(v uint32) { binary.Write(&w.b, binary.LittleEndian, v) }
func (w *evtxBinXML) str(s string, nul bool) {
	u := utf16.Encode([]rune(s))
	w.u16(uint16(len(u)))
	for _, c := range u {
		w.u16(c)
	}
	if nul {
		w.u16(0)
	}
}
func (w *evtxBinXML) name(s string) {
	w.u32(uint32(w.base + w.b.Len() + 4)) // inline: points just past itself
	w.u32(0)                              // next string offset
	w.u16(0)                              // hash
	w.str(s, true)
}
func (w *evtxBinXML) element(x evtxXML) {
	if len(x.attrs) > 0 {
		w.u8(0x41)
	} else {
		w.u8(0x01)
	}
	w.u32(0) // element length (unused by the decoder)
	w.name(x.name)
	if len(x.attrs) > 0 {
		w.u32(0) // attribute list length
		for i, a := range x.attrs {
			tok := byte(0x06)
			if i < len(x.attrs)-1 {
				tok = 0x46
			}
			w.u8(tok)
			w.name(a[0])
			w.u8(0x05)
			w.u8(0x01)
			w.str(a[1], false)
		}
	}
	if x.text == "" && len(x.children) == 0 {
		w.u8(0x03) // close empty element
		return
	}
	w.u8(0x02)
	if x.text != "" {
		w.u8(0x05)
		w.u8(0x01)
		w.str(x.text, false)
	}
	for _, c := range x.children {
		w.element(c)
	}
	w.u8(0x04)
}

// evtxRecordSpec is one event for the generated file.
type evtxRecordSpec struct {
	id       uint64
	t        time.Time
	provider string
	eventID  string
	channel  string
	data     [][2]string
}

func (r evtxRecordSpec) xml() evtxXML {
	sys := evtxXML{name: "System", children: []evtxXML{
		evtxEl("Provider", "", "Name", r.provider),
		evtxEl("EventID", r.eventID),
		evtxEl("EventRecordID", "1"),
		evtxEl("Channel", r.channel),
		evtxEl("Computer", "WS01.example.org"),
	}}
	data := evtxXML{name: "EventData"}
	for _, d := range r.data {
		data.children = append(data.children, evtxEl("Data", d[1], "Name", d[0]))
	}
	return evtxXML{name: "Event", children: []evtxXML{sys, data}}
}

// evtxChunk builds one 64 KiB chunk holding the records.
func evtxChunk(recs []evtxRecordSpec) []byte {
	c := make([]byte, evtxChunkSize)
	off := evtxChunkHeader
	var last uint32
	for _, r := range recs {
		w := &evtxBinXML{base: off + 24}
		w.b.Write([]byte{0x0f, 0x01, 0x01, 0x00})
		w.element(r.xml())
		w.u8(0x00)
		size := 24 + w.b.Len() + 4
		copy(c[off:], "**\x00\x00")
		binary.LittleEndian.PutUint32(c[off+4:], uint32(size))
		binary.LittleEndian.PutUint64(c[off+8:], r.id)
		ft := uint64(r.t.UnixNano()/100 + evtxFileTimeEpoch)
		binary.LittleEndian.PutUint64(c[off+16:], ft)
		copy(c[off+24:], w.b.Bytes())
		binary.LittleEndian.PutUint32(c[off+size-4:], uint32(size))
		last = uint32(off)
		off += size
	}
	copy(c, evtxChunkMagic)
	binary.LittleEndian.PutUint64(c[8:], 1)
	binary.LittleEndian.PutUint64(c[16:], uint64(len(recs)))
	binary.LittleEndian.PutUint64(c[24:], recs[0].id)
	binary.LittleEndian.PutUint64(c[32:], recs[len(recs)-1].id)
	binary.LittleEndian.PutUint32(c[40:], 128)
	binary.LittleEndian.PutUint32(c[44:], last)
	binary.LittleEndian.PutUint32(c[48:], uint32(off))
	binary.LittleEndian.PutUint32(c[52:], crc32.ChecksumIEEE(c[evtxChunkHeader:off]))
	h := crc32.NewIEEE()
	h.Write(c[:120])
	h.Write(c[128:evtxChunkHeader])
	binary.LittleEndian.PutUint32(c[124:], h.Sum32())
	return c
}

// evtxFile builds a file: header block, then the chunks.
func evtxFile(chunks ...[]byte) []byte {
	h := make([]byte, evtxHeaderBlock)
	copy(h, evtxMagic)
	binary.LittleEndian.PutUint64(h[16:], uint64(len(chunks)-1))
	binary.LittleEndian.PutUint32(h[32:], 128)
	binary.LittleEndian.PutUint16(h[36:], 1)
	binary.LittleEndian.PutUint16(h[38:], 3)
	binary.LittleEndian.PutUint16(h[40:], evtxHeaderBlock)
	binary.LittleEndian.PutUint16(h[42:], uint16(len(chunks)))
	binary.LittleEndian.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	out := h
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}

var evtxT0 = time.Date(2026, 11, 20, 9, 32, 20, 123456700, time.UTC)

const evtxSecurity = "Microsoft-Windows-Security-Auditing"

func evtxFixtureRecords() []evtxRecordSpec {
	return []evtxRecordSpec{
		{id: 100, t: evtxT0, provider: evtxSecurity, eventID: "4624", channel: "Security", data: [][2]string{
			{"TargetUserName", "alice"}, {"LogonType", "10"}, {"WorkstationName", "KALI"},
			{"IpAddress", "::ffff:198.51.100.7"}, {"IpPort", "49164"}}},
		{id: 101, t: evtxT0.Add(time.Second), provider: evtxSecurity, eventID: "4625", channel: "Security", data: [][2]string{
			{"TargetUserName", "bob"}, {"Status", "0xC000006D"}, {"SubStatus", "0xC000006A"}, {"IpAddress", "-"}, {"IpPort", "-"}}},
		{id: 102, t: evtxT0.Add(2 * time.Second), provider: "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
			eventID: "1149", channel: "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
			data: [][2]string{{"Param1", "carol"}, {"Param2", "CORP"}, {"Param3", "fe80::1%10"}}},
		{id: 103, t: evtxT0.Add(3 * time.Second), provider: evtxSecurity, eventID: "4688", channel: "Security", data: [][2]string{
			{"SubjectUserName", "alice"}, {"NewProcessName", `C:\Windows\System32\cmd.exe`}}},
		{id: 104, t: evtxT0.Add(4 * time.Second), provider: "Some-Provider", eventID: "7", channel: "Application",
			data: [][2]string{{"Only", "one"}}},
	}
}

func TestEVTXGenerated(t *testing.T) {
	recs := evtxFixtureRecords()
	raw := evtxFile(evtxChunk(recs[:3]), make([]byte, evtxChunkSize), evtxChunk(recs[3:]))
	if NewEVTX().Detect(raw[:512], "") != 100 || NewEVTX().Detect([]byte("ElfChnk\x00"), "") != 0 {
		t.Error("Detect")
	}
	s, st := pcapParse(t, NewEVTX(), raw)
	if st.Malformed != 0 || st.Records != 5 || st.Events != 5 {
		t.Fatalf("stats %+v, malformed %+v", st, s.malformed)
	}
	e := s.events
	if e[0].Kind != KindAuth || e[0].Outcome != OutcomeSuccess || e[0].User != "alice" || e[0].Src != "198.51.100.7" ||
		e[0].SrcPort != 49164 || e[0].Fields["logon_type"] != "10" || e[0].Fields["workstation"] != "KALI" ||
		e[0].Fields["record_id"] != "1" || e[0].Fields["computer"] != "WS01.example.org" || !e[0].Time.Equal(evtxT0) {
		t.Errorf("4624: %+v", e[0])
	}
	if e[1].Outcome != OutcomeFailure || e[1].Src != "" || e[1].Fields["status"] != "0xc000006d" || e[1].Fields["substatus"] != "0xc000006a" {
		t.Errorf("4625: %+v", e[1])
	}
	if e[2].Action != "rdp" || e[2].User != "carol" || e[2].Src != "fe80::1" {
		t.Errorf("1149: %+v", e[2])
	}
	if e[3].Kind != KindProcess || e[3].Fields["process"] != `C:\Windows\System32\cmd.exe` {
		t.Errorf("4688: %+v", e[3])
	}
	if e[4].Kind != KindOther || e[4].Outcome != OutcomeUnknown || e[4].Fields["event_id"] != "7" {
		t.Errorf("other: %+v", e[4])
	}
	// Records are numbered across chunks; offsets point at record magic.
	for i, ev := range e {
		if ev.Citation.Record != int64(i+1) || string(raw[ev.Citation.Offset:ev.Citation.Offset+4]) != "**\x00\x00" {
			t.Errorf("event %d citation %+v", i, ev.Citation)
		}
	}
	if e[3].Citation.Offset != evtxHeaderBlock+2*evtxChunkSize+evtxChunkHeader {
		t.Errorf("first record of the third chunk at %d", e[3].Citation.Offset)
	}
}

func TestEVTXDamaged(t *testing.T) {
	recs := evtxFixtureRecords()
	good := evtxFile(evtxChunk(recs[:3]), evtxChunk(recs[3:]))
	flip := func(off int) []byte {
		b := bytes.Clone(good)
		b[off] ^= 0x40
		return b
	}
	c2 := evtxHeaderBlock + evtxChunkSize
	// The second record's magic broken: the decoder stops in that chunk.
	rec2 := int(s0RecordOffset(good, 2))
	tests := []struct {
		name      string
		raw       []byte
		events    int
		malformed int
	}{
		{"empty", nil, 0, 1},
		{"short header", good[:100], 0, 1},
		{"not evtx", bytes.Repeat([]byte("x"), 5000), 0, 1},
		{"bad version", func() []byte { b := bytes.Clone(good); b[38] = 9; return b }(), 0, 1},
		{"file header checksum", flip(20), 5, 1},
		{"chunk magic", flip(c2), 3, 1},
		{"chunk header checksum", flip(c2 + 24), 5, 1},
		{"records checksum", flip(c2 + evtxChunkHeader + 100), 5, 1},
		{"record magic", flip(rec2), 3, 2}, // 1 + 2 in the next chunk; checksum and 2 of 3 unreadable
		{"truncated chunk", good[:len(good)-1000], 3, 1},
		{"trailing zeros", append(bytes.Clone(good), make([]byte, 3000)...), 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, st := pcapParse(t, NewEVTX(), tc.raw)
			if len(s.events) != tc.events || int(st.Malformed) != tc.malformed {
				t.Errorf("%d events, %d malformed (%+v); want %d, %d", len(s.events), st.Malformed, s.malformed, tc.events, tc.malformed)
			}
		})
	}
}

// s0RecordOffset finds the n-th record magic in the first chunk.
func s0RecordOffset(raw []byte, n int) int64 {
	o := evtxHeaderBlock + evtxChunkHeader
	for i := 1; i < n; i++ {
		o += int(binary.LittleEndian.Uint32(raw[o+4:]))
	}
	return int64(o)
}

// FuzzEVTX feeds the input both as a whole file and as the content of the
// one chunk of a valid file (the fuzzer handles small inputs far better than
// the 68 KiB of a minimal file).
func FuzzEVTX(f *testing.F) {
	recs := evtxFixtureRecords()
	c := evtxChunk(recs)
	f.Add(c[:binary.LittleEndian.Uint32(c[48:])])
	f.Add(evtxFile(c)[:evtxFileHeaderSize])
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > evtxChunkSize {
			return
		}
		chunk := make([]byte, evtxChunkSize)
		copy(chunk, raw)
		for _, b := range [][]byte{raw, evtxFile(chunk)} {
			var s evtxSink
			st, err := NewEVTX().Parse(bytes.NewReader(b), Options{}, &s)
			if err != nil {
				t.Fatal(err)
			}
			if st.Events != int64(len(s.events)) || st.Malformed != int64(len(s.malformed)) {
				t.Fatalf("stats %+v disagree with sink", st)
			}
			for _, e := range s.events {
				if e.Citation.Offset < evtxHeaderBlock || e.Citation.Offset >= int64(len(b)) {
					t.Fatalf("offset %d outside file of %d bytes", e.Citation.Offset, len(b))
				}
			}
		}
	})
}
