package offline_test

import (
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/casefile/casefile/enrich/offline"
)

func ExampleOpen() {
	data, err := os.ReadFile("../cloud/testdata/ip-ranges.json")
	if err != nil {
		panic(err)
	}
	ds, err := offline.Open(data, "sha256:0123…", "ip-ranges.json", offline.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(offline.Sniff(data), ds.Name(), ds.Date().Format(time.DateOnly))
	for _, o := range ds.Lookup(netip.MustParseAddr("52.80.34.196"), time.Time{}) {
		fmt.Println(o.Network, o.Fields["service"], o.Fields["region"], o.Fields["services"])
	}
	// Output:
	// cloud-ranges aws-ip-ranges 2026-08-22
	// 52.80.0.0/16 EC2 cn-north-1 [AMAZON EC2]
}
