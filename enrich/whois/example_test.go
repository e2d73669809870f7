package whois_test

import (
	"fmt"
	"net/netip"
	"os"

	"github.com/casefile/casefile/enrich/whois"
)

func ExampleParseIP() {
	raw, err := os.ReadFile("testdata/ip/lacnic-short-crlf.txt") // "inetnum: 177.10/15", CRLF
	if err != nil {
		panic(err)
	}
	r, err := whois.ParseIP(raw, netip.MustParseAddr("177.11.0.1"))
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Registry, r.Network(), r.Country, r.Org)
	fmt.Println(r.AbuseEmail, r.Created.Format("2006-01-02"))
	// Output:
	// LACNIC 177.10.0.0/15 BR Example Provedor Ltda
	// abuse@provedor.example 2011-09-30
}
