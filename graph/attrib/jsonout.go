package attrib

import (
	"bytes"
	"encoding/json"
	"io"
)

// JSONWriter writes a Result as JSON one source at a time, byte for byte
// what a json.Encoder with SetEscapeHTML(false) writes for the whole
// Result (`assess --json`), without holding the whole text, nor every
// source, in memory: on a case of a million sources the text alone is near
// a gigabyte.
type JSONWriter struct {
	w    io.Writer
	head *Result
	n    int
	buf  bytes.Buffer
	enc  *json.Encoder
	err  error
}

// NewJSONWriter writes head's fields up to its sources; head's own
// Sources are not written (give them to Source).
func NewJSONWriter(w io.Writer, head *Result) *JSONWriter {
	j := &JSONWriter{w: w, head: head}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	j.raw(`{"model":`)
	j.value(head.Model)
	j.raw(`,"model_digest":`)
	j.value(head.ModelDigest)
	j.raw(`,"rules":`)
	j.value(head.Rules)
	j.raw(`,"rules_digest":`)
	j.value(head.RulesDigest)
	j.raw(`,"sources":[`)
	return j
}

// Source writes the next source.
func (j *JSONWriter) Source(s *Source) error {
	if j.n > 0 {
		j.raw(",")
	}
	j.n++
	j.value(s)
	return j.err
}

// Close writes the rest of the result (campaigns, rules not evaluated)
// and the final newline.
func (j *JSONWriter) Close() error {
	j.raw("]")
	if len(j.head.Campaigns) > 0 {
		j.raw(`,"campaigns":`)
		j.value(j.head.Campaigns)
	}
	if len(j.head.NotEvaluated) > 0 {
		j.raw(`,"not_evaluated":`)
		j.value(j.head.NotEvaluated)
	}
	j.raw("}\n")
	return j.err
}

func (j *JSONWriter) raw(s string) {
	if j.err == nil {
		_, j.err = io.WriteString(j.w, s)
	}
}

// value writes v as the encoder would inside the whole result (its
// trailing newline dropped).
func (j *JSONWriter) value(v any) {
	if j.err != nil {
		return
	}
	j.buf.Reset()
	if j.err = j.enc.Encode(v); j.err != nil {
		return
	}
	_, j.err = j.w.Write(bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")))
}
