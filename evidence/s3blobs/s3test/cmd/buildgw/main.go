// Command buildgw builds the versitygw the S3 tests run against into its
// cache (see package s3test), so that CI fails here, with go install's
// output, when it cannot be built, rather than in the middle of the tests.
package main

import (
	"fmt"
	"os"

	"github.com/casefile/casefile/evidence/s3blobs/s3test"
)

func main() {
	bin, err := s3test.Binary()
	if err != nil {
		fmt.Fprintln(os.Stderr, "buildgw:", err)
		os.Exit(1)
	}
	fmt.Println("versitygw", s3test.Version+":", bin)
}
