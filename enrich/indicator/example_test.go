package indicator_test

import (
	"fmt"

	"github.com/casefile/casefile/enrich/indicator"
)

func ExampleExtractIPs() {
	line := "rhost=dsl-Chn-static-059.45.101.203.example.com; retry from [fe80::1%10]:22, closed by 10.0.0.1."
	for _, a := range indicator.ExtractIPs(line) {
		fmt.Println(a, indicator.Special(a))
	}
	// Output:
	// fe80::1 link-local
	// 10.0.0.1 private
}

func ExampleFromFields() {
	for _, in := range indicator.FromFields("::ffff:172.16.66.1", "", "IEUser", map[string]string{"user_agent": " curl/8.0 "}) {
		fmt.Println(in.Type, in.Value)
	}
	// Output:
	// ip 172.16.66.1
	// user IEUser
	// user-agent curl/8.0
}
