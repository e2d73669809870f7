package parse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/Velocidex/ordereddict"
	"www.velocidex.com/golang/evtx"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence/rawtext"
)

// EVTX layout (MS-EVEN6 / libevtx): a 4096-byte file header block, then
// chunks of exactly 64 KiB, each with a 512-byte header followed by event
// records. Chunks are self-contained (string and template tables are
// per-chunk), so the parser reads the stream one chunk at a time with
// bounded memory (64 KiB plus the decoded records of one chunk) and needs
// neither random access nor a temporary file, whatever the file's size.
const (
	evtxMagic          = "ElfFile\x00"
	evtxChunkMagic     = "ElfChnk\x00"
	evtxFileHeaderSize = 128  // the part of the header block that has fields
	evtxHeaderBlock    = 4096 // the usual header block size
	evtxChunkSize      = 0x10000
	evtxChunkHeader    = 0x200
	// evtxMaxHeaderBlock bounds the header block size a file may declare.
	evtxMaxHeaderBlock = evtxChunkSize
)

type evtxParser struct{}

// NewEVTX returns the parser for Windows XML event logs (.evtx), decoded with
// www.velocidex.com/golang/evtx.
//
// Every record becomes one event, in file order. Security logons (4624,
// 4625), explicit-credential logons (4648), Kerberos TGT requests and
// pre-authentication failures (4768, 4771) and RDP authentications from the
// TerminalServices RemoteConnectionManager log (1149) are kind "auth" with
// the source address in Src (normalised: "::ffff:" forms reduced, zone ids
// dropped; "-" means none). 4688 is kind "process"; 4672, 1102 and every other
// event are kind "other" with outcome "unknown". Fields carry event_id,
// channel, computer, provider, record_id and, where the event has them,
// logon_type, workstation, status, substatus (hex, as Windows shows them),
// target_server, process and command_line.
//
// Citations: Record is the record's 1-based position in the file (not the
// EventRecordID, which is in Fields["record_id"] and restarts or jumps when a
// log is cleared or wraps); Offset is the byte offset of the record in the
// file (chunk offset plus the record's offset in the chunk, found by walking
// the record sizes the way the decoder does).
//
// Damage is reported, never fatal: a chunk with a bad magic, a header or
// records checksum that does not match, records the decoder could not read,
// or a decoder failure on hostile bytes is a Malformed entry naming the
// chunk's offset; the other chunks are still read. Chunks that were never
// used (all zero bytes, or with the "no records" marker) are skipped silently,
// as Windows preallocates them.
func NewEVTX() Parser { return evtxParser{} }

func (evtxParser) Name() string { return "evtx" }
func (evtxParser) Version() int { return 2 }

func (evtxParser) Detect(head []byte, name string) int {
	if bytes.HasPrefix(head, []byte(evtxMagic)) {
		return 100
	}
	return 0
}

func (p evtxParser) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	var st Stats
	cite := Citation{Artefact: opts.Artefact, Parser: fmt.Sprintf("%s/%d", p.Name(), p.Version())}
	bad := func(off, rec int64, reason string) {
		st.Malformed++
		sink.Malformed(Malformed{Offset: off, Record: rec, Reason: rawtext.Encode(reason)})
	}

	hdr := make([]byte, evtxFileHeaderSize)
	if n, err := io.ReadFull(r, hdr); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			bad(0, 0, fmt.Sprintf("evtx: file header truncated (%d of %d bytes)", n, evtxFileHeaderSize))
			return st, nil
		}
		return st, fmt.Errorf("evtx: read file header: %w", err)
	}
	if string(hdr[:8]) != evtxMagic {
		bad(0, 0, "evtx: not an EVTX file (bad magic)")
		return st, nil
	}
	minor, major := binary.LittleEndian.Uint16(hdr[36:]), binary.LittleEndian.Uint16(hdr[38:])
	if major != 3 || minor > 2 {
		bad(0, 0, fmt.Sprintf("evtx: unsupported format version %d.%d", major, minor))
		return st, nil
	}
	if crc32.ChecksumIEEE(hdr[:120]) != binary.LittleEndian.Uint32(hdr[124:]) {
		bad(0, 0, "evtx: file header checksum mismatch (records still read)")
	}
	block := int64(binary.LittleEndian.Uint16(hdr[40:]))
	if block < evtxFileHeaderSize || block > evtxMaxHeaderBlock {
		bad(0, 0, fmt.Sprintf("evtx: implausible header block size %d, assuming %d", block, evtxHeaderBlock))
		block = evtxHeaderBlock
	}
	if _, err := io.CopyN(io.Discard, r, block-evtxFileHeaderSize); err != nil {
		if errors.Is(err, io.EOF) {
			bad(0, 0, "evtx: file header block truncated")
			return st, nil
		}
		return st, fmt.Errorf("evtx: read file header: %w", err)
	}

	buf := make([]byte, evtxChunkSize)
	var rec int64
	for off := block; ; off += evtxChunkSize {
		n, err := io.ReadFull(r, buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			if !evtxAllZero(buf[:n]) {
				bad(off, 0, fmt.Sprintf("evtx: chunk at offset %d truncated (%d of %d bytes)", off, n, evtxChunkSize))
			}
			break
		}
		if err != nil {
			return st, fmt.Errorf("evtx: read chunk at offset %d: %w", off, err)
		}
		if err := p.chunk(buf, off, &rec, &st, cite, sink, bad); err != nil {
			return st, err
		}
	}
	return st, nil
}

// chunk decodes one 64 KiB chunk that starts at file offset off.
func (p evtxParser) chunk(buf []byte, off int64, rec *int64, st *Stats, cite Citation, sink Sink, bad func(off, rec int64, reason string)) error {
	if string(buf[:8]) != evtxChunkMagic {
		if !evtxAllZero(buf) {
			bad(off, 0, fmt.Sprintf("evtx: chunk at offset %d has a bad magic, skipped", off))
		}
		return nil
	}
	var h evtx.ChunkHeader
	if err := binary.Read(bytes.NewReader(buf[:evtxChunkHeader]), binary.LittleEndian, &h); err != nil {
		return fmt.Errorf("evtx: chunk header at offset %d: %w", off, err) // cannot happen: buf is 64 KiB
	}
	if h.LastEventRecID == math.MaxUint64 {
		return nil // never used
	}
	hcrc := crc32.NewIEEE()
	hcrc.Write(buf[:120])
	hcrc.Write(buf[128:evtxChunkHeader])
	if hcrc.Sum32() != h.CheckSum {
		bad(off, 0, fmt.Sprintf("evtx: chunk at offset %d: header checksum mismatch (records still read)", off))
	}
	free := binary.LittleEndian.Uint32(buf[48:])
	if free < evtxChunkHeader || free > evtxChunkSize {
		bad(off, 0, fmt.Sprintf("evtx: chunk at offset %d: free space offset %d out of range", off, free))
	} else if crc32.ChecksumIEEE(buf[evtxChunkHeader:free]) != h.EventRecordCheckSum {
		bad(off, 0, fmt.Sprintf("evtx: chunk at offset %d: records checksum mismatch (records still read)", off))
	}

	records, err := evtxDecodeChunk(buf, h)
	if err != nil {
		bad(off, 0, fmt.Sprintf("evtx: chunk at offset %d: %v", off, err))
	}
	want := uint64(0)
	if h.LastEventRecNumber >= h.FirstEventRecNumber {
		want = h.LastEventRecNumber - h.FirstEventRecNumber + 1
	}
	pos := int64(evtxChunkHeader)
	for _, r := range records {
		*rec++
		st.Records++
		c := cite
		c.Offset = off + pos
		c.Record = *rec
		pos += int64(r.Header.Size)
		ev, reason := evtxEvent(r)
		if reason != "" {
			bad(c.Offset, c.Record, fmt.Sprintf("evtx: record %d: %s", c.Record, reason))
			continue
		}
		ev.Citation = c
		encodeText(&ev, false)
		st.Events++
		if err := sink.Event(ev); err != nil {
			return err
		}
	}
	if err == nil && uint64(len(records)) < want {
		bad(off+pos, 0, fmt.Sprintf("evtx: chunk at offset %d: %d of %d records unreadable from offset %d",
			off, want-uint64(len(records)), want, off+pos))
	}
	return nil
}

// evtxDecodeChunk runs the decoder on one chunk, turning a decoder panic on
// hostile bytes into an error.
func evtxDecodeChunk(buf []byte, h evtx.ChunkHeader) (records []*evtx.EventRecord, err error) {
	defer func() {
		if v := recover(); v != nil {
			records, err = nil, fmt.Errorf("decoder failed: %v", v)
		}
	}()
	c := &evtx.Chunk{Header: h, Offset: 0, Fd: bytes.NewReader(buf)}
	records, err = c.Parse(0)
	if err != nil {
		err = fmt.Errorf("decoder stopped: %v", err)
	}
	return records, err
}

func evtxAllZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// evtxEvent maps one decoded record; reason is non-empty when the record has
// no usable System element.
func evtxEvent(r *evtx.EventRecord) (Event, string) {
	root, _ := r.Event.(*ordereddict.Dict)
	evd := evtxDict(root, "Event")
	sys := evtxDict(evd, "System")
	if sys == nil {
		return Event{}, "no Event/System element"
	}
	id, err := strconv.Atoi(evtxStr(evtxGet(sys, "EventID")))
	if err != nil {
		if d := evtxDict(sys, "EventID"); d != nil {
			id, err = strconv.Atoi(evtxStr(evtxGet(d, "Value")))
		}
		if err != nil {
			return Event{}, "no EventID"
		}
	}
	provider := evtxStr(evtxGet(evtxDict(sys, "Provider"), "Name"))
	ev := Event{
		Time:    evtxTime(r.Header.FileTime, evtxGet(evtxDict(sys, "TimeCreated"), "SystemTime")),
		Kind:    KindOther,
		Outcome: OutcomeUnknown,
		Fields: map[string]string{
			"event_id":  strconv.Itoa(id),
			"channel":   evtxStr(evtxGet(sys, "Channel")),
			"computer":  evtxStr(evtxGet(sys, "Computer")),
			"provider":  provider,
			"record_id": evtxStr(evtxGet(sys, "EventRecordID")),
		},
	}
	data := evtxData(evd)
	get := func(k string) string { return strings.TrimSpace(evtxStr(evtxGet(data, k))) }
	set := func(k, v string) {
		if v != "" && v != "-" {
			ev.Fields[k] = v
		}
	}
	src := func(addr, port string) {
		if addr == "" || addr == "-" {
			return
		}
		a, ok := indicator.NormalizeIP(addr)
		if !ok {
			set("src_raw", addr)
			return
		}
		ev.Src = a.String()
		if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 65536 {
			ev.SrcPort = n
		}
	}
	user := func(u string) {
		if u != "-" {
			ev.User = u
		}
	}
	security := provider == "Microsoft-Windows-Security-Auditing"
	switch {
	case security && (id == 4624 || id == 4625):
		ev.Kind, ev.Action, ev.Outcome = KindAuth, "logon", OutcomeSuccess
		if id == 4625 {
			ev.Outcome = OutcomeFailure
			set("status", evtxHex(evtxGet(data, "Status")))
			set("substatus", evtxHex(evtxGet(data, "SubStatus")))
		}
		user(get("TargetUserName"))
		set("domain", get("TargetDomainName"))
		set("logon_type", get("LogonType"))
		set("workstation", get("WorkstationName"))
		set("logon_process", get("LogonProcessName"))
		set("auth_package", get("AuthenticationPackageName"))
		src(get("IpAddress"), get("IpPort"))
	case security && id == 4648:
		ev.Kind, ev.Action = KindAuth, "explicit-credentials"
		user(get("TargetUserName"))
		set("domain", get("TargetDomainName"))
		set("subject_user", get("SubjectUserName"))
		set("target_server", get("TargetServerName"))
		set("process", get("ProcessName"))
		src(get("IpAddress"), get("IpPort"))
	case security && (id == 4768 || id == 4771):
		ev.Kind, ev.Action, ev.Outcome = KindAuth, "kerberos-tgt", OutcomeFailure
		status := evtxHex(evtxGet(data, "Status"))
		if id == 4771 {
			ev.Action = "kerberos-preauth"
		} else if status == "0x0" {
			ev.Outcome = OutcomeSuccess
		}
		set("status", status)
		user(get("TargetUserName"))
		set("domain", get("TargetDomainName"))
		set("service", get("ServiceName"))
		src(get("IpAddress"), get("IpPort"))
	case id == 1149 && strings.HasSuffix(provider, "TerminalServices-RemoteConnectionManager"):
		ev.Kind, ev.Action, ev.Outcome = KindAuth, "rdp", OutcomeSuccess
		user(get("Param1"))
		set("domain", get("Param2"))
		src(get("Param3"), "")
	case security && id == 4672:
		ev.Action = "special-privileges"
		user(get("SubjectUserName"))
	case security && id == 4688:
		ev.Kind, ev.Action = KindProcess, "process-create"
		user(get("SubjectUserName"))
		set("process", get("NewProcessName"))
		set("command_line", get("CommandLine"))
		set("parent_process", get("ParentProcessName"))
	case id == 1102 && provider == "Microsoft-Windows-Eventlog":
		ev.Action = "log-cleared"
		user(get("SubjectUserName"))
	}
	for k, v := range ev.Fields {
		if v == "" {
			delete(ev.Fields, k)
		} else if len(v) > MaxLine {
			ev.Fields[k] = v[:MaxLine]
			ev.Fields["truncated"] = "true"
		}
	}
	return ev, ""
}

// evtxData returns the event's data as a flat name → value dictionary:
// EventData (already flattened by the decoder when it has several Data
// elements, or a single {Name, Value} Data element), or the first element
// under UserData (e.g. EventXML, LogFileCleared).
func evtxData(evd *ordereddict.Dict) *ordereddict.Dict {
	if d := evtxDict(evd, "EventData"); d != nil {
		// Not flattened by the decoder: one {Name, Value} Data element,
		// or several outside a template.
		var items []any
		switch x := evtxGet(d, "Data").(type) {
		case *ordereddict.Dict:
			items = []any{x}
		case []any:
			items = x
		default:
			return d
		}
		out := ordereddict.NewDict()
		for _, it := range items {
			if one, ok := it.(*ordereddict.Dict); ok {
				if name, ok := evtxGet(one, "Name").(string); ok {
					out.Set(name, evtxGet(one, "Value"))
				}
			}
		}
		return out
	}
	if d := evtxDict(evd, "UserData"); d != nil {
		for _, k := range d.Keys() {
			if sub := evtxDict(d, k); sub != nil {
				return sub
			}
		}
	}
	return nil
}

func evtxGet(d *ordereddict.Dict, k string) any {
	if d == nil {
		return nil
	}
	v, _ := d.Get(k)
	return v
}

func evtxDict(d *ordereddict.Dict, k string) *ordereddict.Dict {
	v, _ := evtxGet(d, k).(*ordereddict.Dict)
	return v
}

// evtxStr renders a scalar value; structures render as "".
func evtxStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// evtxHex renders an NTSTATUS or Kerberos status as Windows shows it
// ("0xc000006d"); the decoder gives hex-typed values as integers.
func evtxHex(v any) string {
	switch x := v.(type) {
	case uint8, uint16, uint32, uint64:
		n, _ := strconv.ParseUint(evtxStr(x), 10, 64)
		return "0x" + strconv.FormatUint(n, 16)
	case int32, int64, int:
		n, _ := strconv.ParseInt(evtxStr(x), 10, 64)
		return "0x" + strconv.FormatUint(uint64(n)&math.MaxUint32, 16)
	}
	return strings.ToLower(strings.TrimSpace(evtxStr(v)))
}

// evtxFileTimeEpoch is 1970-01-01 in FILETIME ticks (100 ns since 1601).
const evtxFileTimeEpoch = 116444736000000000

// evtxTime returns the record's time: the exact FILETIME of the record
// header when it agrees with System/TimeCreated (which the decoder gives as
// float seconds, ~0.2 µs precision) to within a millisecond, else
// TimeCreated rounded to the microsecond, else the header time.
func evtxTime(ft uint64, created any) time.Time {
	ticks := int64(ft) - evtxFileTimeEpoch
	hdr := time.Unix(ticks/1e7, (ticks%1e7)*100).UTC()
	f, ok := created.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e11 {
		return hdr
	}
	us := int64(math.Round(f * 1e6))
	tc := time.UnixMicro(us).UTC()
	if d := tc.Sub(hdr); d < time.Millisecond && d > -time.Millisecond {
		return hdr
	}
	return tc
}
