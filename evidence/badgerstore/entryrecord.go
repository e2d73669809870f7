package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// An entry record is a text header line, the run's entries ('\n' between
// them) and a closing '\n':
//
//	#casefile-entries first=<20 digits> count=<6> flags=<1> bytes=<10> crc32c=<8 hex>\n
//	{entry}\n{entry}\n…{entry}\n
//
// so that the file reads as JSON lines between header lines. bytes is the
// length of the entries without the closing '\n'; flags is 1 when the
// commit is acknowledged only with its index batch (evidence.EntryRun
// WithBatch) plus 2 on a commit's last record (EndsCommit); crc32c
// (Castagnoli) covers the header up to "crc32c=" and the entries.
const (
	recordTag     = "#casefile-entries "
	recordFormat  = recordTag + "first=%020d count=%06d flags=%d bytes=%010d crc32c="
	maxRecordBody = 64 << 20
	maxCount      = 999999
)

var (
	recordPrefixLen = len(fmt.Sprintf(recordFormat, 0, 0, 0, 0))
	recordHeaderLen = recordPrefixLen + 8 + 1
	castagnoli      = crc32.MakeTable(crc32.Castagnoli)
)

type recHeader struct {
	first uint64
	count uint32
	flags uint8
	n     uint32 // body bytes
	crc   uint32
}

const (
	flagWithBatch  = 1
	flagEndsCommit = 2
)

// encodeRecord appends the record of body to dst.
func encodeRecord(dst []byte, first uint64, count int, flags uint8, body []byte) []byte {
	dst = appendHeader(dst, first, count, flags, body)
	dst = append(dst, body...)
	return append(dst, '\n')
}

// appendHeader appends the header of the record of body to dst.
func appendHeader(dst []byte, first uint64, count int, flags uint8, body []byte) []byte {
	start := len(dst)
	dst = fmt.Appendf(dst, recordFormat, first, count, flags, len(body))
	c := crc32.Update(crc32.Checksum(dst[start:], castagnoli), castagnoli, body)
	return fmt.Appendf(dst, "%08x\n", c)
}

// errTorn is a record cut short or failing its checksum.
var errTorn = errors.New("torn or damaged record")

// decodeHeader reads a record header strictly: only the bytes
// encodeRecord writes for the values it finds are accepted.
func decodeHeader(b []byte) (recHeader, error) {
	var h recHeader
	if len(b) < recordHeaderLen {
		return h, errTorn
	}
	b = b[:recordHeaderLen]
	f := strings.Split(string(b[len(recordTag):recordHeaderLen-1]), " ")
	if len(f) != 5 {
		return h, errors.New("not a record header")
	}
	var v [5]uint64
	for i, name := range []string{"first=", "count=", "flags=", "bytes=", "crc32c="} {
		s, ok := strings.CutPrefix(f[i], name)
		base := 10
		if i == 4 {
			base = 16
		}
		n, err := strconv.ParseUint(s, base, 64)
		if !ok || err != nil {
			return h, errors.New("not a record header")
		}
		v[i] = n
	}
	first, count, flags, n, crc := v[0], v[1], v[2], v[3], v[4]
	if count < 1 || count > maxCount || flags > 3 || n > maxRecordBody || crc > 0xffffffff {
		return h, errors.New("record header out of bounds")
	}
	h = recHeader{first: first, count: uint32(count), flags: uint8(flags), n: uint32(n), crc: uint32(crc)}
	if string(encodeHeader(h)) != string(b) {
		return recHeader{}, errors.New("not a record header")
	}
	return h, nil
}

func encodeHeader(h recHeader) []byte {
	b := fmt.Appendf(nil, recordFormat, h.first, h.count, h.flags, h.n)
	return fmt.Appendf(b, "%08x\n", h.crc)
}

// size is the whole record's length.
func (h recHeader) size() int64 { return int64(recordHeaderLen) + int64(h.n) + 1 }

// decodeRecord checks a whole record (header, body, closing newline,
// checksum) at the start of b and returns its header and body. A record
// whose header reads but whose rest is short or fails the checksum is
// errTorn, and its body (what there is of it) is still returned.
func decodeRecord(b []byte) (recHeader, []byte, error) {
	h, err := decodeHeader(b)
	if err != nil {
		return h, nil, err
	}
	if int64(len(b)) < h.size() {
		return h, b[recordHeaderLen:], errTorn
	}
	body := b[recordHeaderLen : recordHeaderLen+int(h.n)]
	c := crc32.Update(crc32.Checksum(b[:recordPrefixLen], castagnoli), castagnoli, body)
	if c != h.crc || b[h.size()-1] != '\n' {
		return h, body, errTorn
	}
	return h, body, nil
}

// A pointer, the value of an er/ key for a run kept in the entry files:
// 0x01, file number (4 bytes), record offset (8), first index (8), count
// (4), body length (4), all big-endian. It never starts with '{', as every
// inline run does.
const ptrLen = 29

type pointer struct {
	file  uint32
	off   int64
	first uint64
	count uint32
	n     uint32
}

func (p pointer) encode() []byte {
	v := make([]byte, ptrLen)
	v[0] = 1
	binary.BigEndian.PutUint32(v[1:], p.file)
	binary.BigEndian.PutUint64(v[5:], uint64(p.off))
	binary.BigEndian.PutUint64(v[13:], p.first)
	binary.BigEndian.PutUint32(v[21:], p.count)
	binary.BigEndian.PutUint32(v[25:], p.n)
	return v
}

func decodePointer(v []byte) (pointer, error) {
	if len(v) != ptrLen || v[0] != 1 {
		return pointer{}, errors.New("malformed entry record pointer")
	}
	p := pointer{binary.BigEndian.Uint32(v[1:]), int64(binary.BigEndian.Uint64(v[5:])), binary.BigEndian.Uint64(v[13:]), binary.BigEndian.Uint32(v[21:]), binary.BigEndian.Uint32(v[25:])}
	if p.off < 0 || p.off > maxEntryFile || p.n > maxRecordBody || p.count == 0 {
		return pointer{}, errors.New("malformed entry record pointer")
	}
	return p, nil
}

func (p pointer) size() int64 { return int64(recordHeaderLen) + int64(p.n) + 1 }

// matches says whether a record header is the one the pointer names.
func (p pointer) matches(h recHeader) bool {
	return h.first == p.first && h.count == p.count && h.n == p.n
}
