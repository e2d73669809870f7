package parse_test

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/sampledata"
)

// TestDetectSamples checks that every real sample is detected as its
// format from its first 64 KiB (decompressed) and its name.
func TestDetectSamples(t *testing.T) {
	for _, c := range []struct {
		path   []string
		format string
	}{
		{[]string{"loghub", "OpenSSH", "OpenSSH_2k.log"}, "openssh"},
		{[]string{"loghub", "Linux", "Linux_2k.log"}, "syslog"},
		{[]string{"loghub", "Apache", "Apache_2k.log"}, "apache-error"},
		{[]string{"elastic-examples-apache-access", "apache_logs"}, "apache-access"},
		{[]string{"suricata-eve-surevego", "eve.json"}, "suricata-eve"},
		{[]string{"suricata-eve-surevego", "eve_broken.json"}, "suricata-eve"},
		{[]string{"cloudtrail", "trailscraper", "111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json"}, "cloudtrail"},
		{[]string{"cloudtrail", "trailscraper", "111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz"}, "cloudtrail"},
		{[]string{"cloudtrail", "trailscraper", "events-for-smoke-test.json"}, "cloudtrail"},
		{[]string{"cloudtrail", "awsdocs-iam-user-guide", "awsdocs-examples.Records.json"}, "cloudtrail"},
		{[]string{"zeek-wrccdc2018-brimdata", "conn-sample-from-brimdata-zed.log"}, "zeek"},
		{[]string{"zeek-wrccdc2018-brimdata", "zeek-default", "ssh.log"}, "zeek"},
		{[]string{"zeek-wrccdc2018-brimdata", "zeek-default", "ntlm.log.gz"}, "zeek"},
		{[]string{"zeek-wrccdc2018-brimdata", "zeek-default", "notice.log"}, "zeek"},
		{[]string{"zeek-wrccdc2018-brimdata", "zeek-default", "rdp.log.gz"}, "zeek"},
		{[]string{"zeek-wrccdc2018-brimdata", "zeek-json", "ssh.json"}, "zeek"},
		{[]string{"zeek-wrccdc2018-brimdata", "zeek-json", "notice.json.gz"}, "zeek"},
		{[]string{"zeek-wrccdc2018-brimdata", "zeek-json", "ntlm.json"}, "zeek"},
		{[]string{"zeek-wrccdc2018-brimdata", "zeek-json", "rdp.json.gz"}, "zeek"},
	} {
		path := sampledata.Path(t, c.path...)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(f)
		var r io.Reader = br
		if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
			if r, err = gzip.NewReader(br); err != nil {
				t.Fatal(err)
			}
		}
		head := make([]byte, parse.HeadSize)
		n, _ := io.ReadFull(r, head)
		f.Close()
		p, ok := parse.Detect(head[:n], filepath.Base(path))
		if !ok || p.Name() != c.format {
			name := "none"
			if ok {
				name = p.Name()
			}
			t.Errorf("%s: detected %s, want %s", filepath.Base(path), name, c.format)
		}
	}
}
