package whois

import (
	"net"
	"testing"

	"github.com/casefile/casefile/enrich/whois/whoistest"
)

// The WHOIS server of these tests is whoistest's, on 127.0.0.1: every
// Client under test has Options.Server (or route) pointing there.

func startServer(t *testing.T, handle func(c net.Conn, query string)) *whoistest.Server {
	t.Helper()
	s, err := whoistest.Start(handle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// startRawServer serves raw, which runs instead of reading the query.
func startRawServer(t *testing.T, _ func(c net.Conn, query string), raw func(c net.Conn)) *whoistest.Server {
	t.Helper()
	s, err := whoistest.StartRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var answer = whoistest.Answer

func trimCRLF(s string) string { return whoistest.TrimCRLF(s) }

// singleHost answers any address query with a RIPE object for that one
// address, so every query is a distinct network.
func singleHost(c net.Conn, q string) {
	a := trimCRLF(q)
	_, _ = c.Write([]byte("inetnum: " + a + " - " + a + "\nnetname: HOST\ncountry: NL\nsource: RIPE\n"))
}
