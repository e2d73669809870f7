package parse

import "io"

// Parser reads one log or capture format.
//
// Implementations must be deterministic, must not panic on any input, must
// bound memory per line or record (MaxLine), and must report every line or
// record they cannot read through Sink.Malformed. Parse may be called
// concurrently on different readers.
type Parser interface {
	// Name is the stable format name used by --format and in citations.
	Name() string
	// Version changes whenever the parser's output for some input changes.
	Version() int
	// Detect returns how sure the parser is (0..100) that head, the first
	// bytes of the decompressed artefact (up to 64 KiB), is its format.
	// name is the artefact's original file name and may be empty.
	Detect(head []byte, name string) int
	// Parse reads r to the end, sending events and malformed lines to sink.
	// It returns an error only when reading r fails or sink.Event fails.
	Parse(r io.Reader, opts Options, sink Sink) (Stats, error)
}
