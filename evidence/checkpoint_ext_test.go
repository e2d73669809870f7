package evidence_test

import (
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// C2SP tlog-checkpoint allows non-empty extension lines after the root;
// Casefile's reader accepts them and keeps them, and still refuses what the
// spec forbids.
func TestParseCheckpointExtensionLines(t *testing.T) {
	const root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
	body := "example.com/behind-the-sofa\n20852163\n" + root + "\nrekor.sigstore.dev - 1193050959916656506\nTimestamp: 1689177396617352539\n"
	c, err := evidence.ParseCheckpoint(body)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != 20852163 || !strings.HasPrefix(c.Extension, "rekor.sigstore.dev") || c.Body() != body {
		t.Fatalf("parsed %+v, body round trip %q", c, c.Body())
	}
	plain := "example.com/log\n0\n" + root + "\n"
	if c, err := evidence.ParseCheckpoint(plain); err != nil || c.Extension != "" || c.Body() != plain {
		t.Fatalf("plain checkpoint: %+v %v", c, err)
	}
	for _, bad := range []string{
		"example.com/log\n5\n" + root + "\n\nextension after an empty line\n",
		"example.com/log\n5\n" + root + "\nno final newline",
		"example.com/log\n5\n" + root,
		"example.com/log\n05\n" + root + "\n",
		"\n5\n" + root + "\n",
	} {
		if _, err := evidence.ParseCheckpoint(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
