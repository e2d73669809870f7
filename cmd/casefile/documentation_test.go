package main

import "testing"

// TestDocumentationNames: what a folder ingest skips as the collection's
// documentation, and the logs that merely share a name with it.
func TestDocumentationNames(t *testing.T) {
	for name, want := range map[string]bool{
		"README": true, "README.md": true, "LICENSE": true, "LICENSE-2.0": true, "LICENSE-2.0.txt": true,
		"LICENSE-brimdata-zed.txt": true, "COPYING": true, "CHANGES.rst": true, "notes.md": true,
		"notice.log": false, "notice.log.gz": false, "notice.json": false, "changes.csv": false, "auth.log": false,
		"authors.json": false, "licensed.log": false,
	} {
		if got := documentation(name); got != want {
			t.Errorf("documentation(%q) = %v, want %v", name, got, want)
		}
	}
}
