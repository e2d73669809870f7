// Command benchmmdb writes the City and ASN databases scripts/bench enriches
// its generated cases with: one record per /16 of 11.0.0.0–210.255.255.255,
// the addresses scripts/bench's gen_auth draws from, so that every source
// is observed by both (two observations per source, as with the GeoLite2
// databases an analyst would use). Usage: go run ./scripts/benchmmdb DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/casefile/casefile/enrich/geoip/geoiptest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchmmdb DIR")
		os.Exit(2)
	}
	var city []geoiptest.CityRecord
	var asn []geoiptest.ASNRecord
	for a := 11; a <= 210; a++ {
		for b := range 256 {
			n := fmt.Sprintf("%d.%d.0.0/16", a, b)
			city = append(city, geoiptest.CityRecord{Network: n, ContinentCode: "EU", CountryISO: "DE", CountryName: "Germany",
				CityName: fmt.Sprintf("Town %d-%d", a, b), Latitude: 48 + float64(b)/64, Longitude: 6 + float64(a)/32, AccuracyRadius: 50, TimeZone: "Europe/Berlin"})
			asn = append(asn, geoiptest.ASNRecord{Network: n, Number: uint32(64512 + a*256 + b), Organization: fmt.Sprintf("Hoster %d-%d GmbH", a, b)})
		}
	}
	write := func(name string, fn func(f *os.File) error) {
		f, err := os.Create(filepath.Join(os.Args[1], name))
		if err == nil {
			err = fn(f)
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchmmdb:", err)
			os.Exit(1)
		}
	}
	write("City.mmdb", func(f *os.File) error { return geoiptest.WriteCity(f, city, 1764000000) })
	write("ASN.mmdb", func(f *os.File) error { return geoiptest.WriteASN(f, asn, 1764000000) })
}
