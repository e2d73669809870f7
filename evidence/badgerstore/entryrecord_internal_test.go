package badgerstore

import (
	"bytes"
	"errors"
	"testing"
)

func TestEntryRecordRoundTrip(t *testing.T) {
	body := []byte("{\"a\":1}\n{\"b\":2}")
	rec := encodeRecord(nil, 41, 2, flagEndsCommit, body)
	if !bytes.HasPrefix(rec, []byte("#casefile-entries first=00000000000000000041 count=000002 flags=2 bytes=0000000015 crc32c=")) || !bytes.HasSuffix(rec, []byte("\n{\"a\":1}\n{\"b\":2}\n")) {
		t.Fatalf("record:\n%s", rec)
	}
	h, got, err := decodeRecord(append(rec, "#casefile-entries next"...))
	if err != nil || h.first != 41 || h.count != 2 || h.flags != flagEndsCommit || !bytes.Equal(got, body) || h.size() != int64(len(rec)) {
		t.Fatalf("decode: %+v %q %v", h, got, err)
	}
	// Every single byte changed, and every cut, is refused.
	for i := range rec {
		bad := bytes.Clone(rec)
		bad[i] ^= 0x01
		if _, _, err := decodeRecord(bad); err == nil {
			t.Fatalf("byte %d flipped: accepted", i)
		}
		if _, _, err := decodeRecord(rec[:i]); err == nil {
			t.Fatalf("cut at %d: accepted", i)
		}
	}
	// A cut body is torn, not some other header.
	if _, _, err := decodeRecord(rec[:len(rec)-3]); !errors.Is(err, errTorn) {
		t.Fatalf("cut body: %v", err)
	}
}

func TestEntryRecordHeaderStrict(t *testing.T) {
	good := encodeHeader(recHeader{first: 7, count: 1, flags: 1, n: 10, crc: 0xabcdef01})
	if h, err := decodeHeader(good); err != nil || h.first != 7 || h.crc != 0xabcdef01 {
		t.Fatalf("good header: %+v %v", h, err)
	}
	for _, bad := range []string{
		"#casefile-entries first=00000000000000000007 count=000000 flags=1 bytes=0000000010 crc32c=abcdef01\n", // no entries
		"#casefile-entries first=00000000000000000007 count=000001 flags=4 bytes=0000000010 crc32c=abcdef01\n", // unknown flag
		"#casefile-entries first=00000000000000000007 count=000001 flags=1 bytes=0000000010 crc32c=ABCDEF01\n", // not as written
		"#casefile-entries first=+0000000000000000007 count=000001 flags=1 bytes=0000000010 crc32c=abcdef01\n",
		"#casefile-entries first=00000000000000000007 count=000001 flags=1 bytes=0000000010 crc32c=abcdef01 ",
		"#casefile-entries first=00000000000000000007 count=000001 flags=1 bytes=9999999999 crc32c=abcdef01\n", // too long
	} {
		if len(bad) != len(good) {
			t.Fatalf("test header of %d bytes, want %d: %q", len(bad), len(good), bad)
		}
		if _, err := decodeHeader([]byte(bad)); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
}

func TestEntryPointerRoundTrip(t *testing.T) {
	p := pointer{file: 3, off: 12345, first: 99, count: 7, n: 2000}
	v := p.encode()
	if v[0] == '{' {
		t.Fatal("a pointer reads as an inline run")
	}
	if got, err := decodePointer(v); err != nil || got != p {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range [][]byte{v[:ptrLen-1], append(bytes.Clone(v), 0), append([]byte{'{'}, v[1:]...)} {
		if _, err := decodePointer(bad); err == nil {
			t.Fatalf("accepted %x", bad)
		}
	}
}

// FuzzDecodeRecord: the decoder never panics, and what it accepts is
// exactly what encodeRecord writes for the values it returns.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(nil, 0, 1, flagEndsCommit, []byte(`{"index":0}`)))
	f.Add(encodeRecord(nil, 1<<40, 2, flagWithBatch|flagEndsCommit, []byte("{}\n{}")))
	f.Add(encodeRecord(nil, 5, 1, 0, nil))
	f.Add([]byte("#casefile-entries first="))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, err := decodeRecord(b)
		if err != nil {
			return
		}
		again := encodeRecord(nil, h.first, int(h.count), h.flags, body)
		if !bytes.Equal(again, b[:len(again)]) || int64(len(again)) != h.size() {
			t.Fatalf("accepted bytes it would not write: %q", b)
		}
	})
}
