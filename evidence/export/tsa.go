package export

import (
	"context"
	"crypto/x509"
	"net/http"

	"github.com/digitorus/timestamp"

	"github.com/casefile/casefile/evidence/tsa"
)

// requestTimestamp asks the RFC 3161 authority at url for a timestamp over
// data (see tsa.Request).
func requestTimestamp(ctx context.Context, client *http.Client, url string, data []byte) ([]byte, error) {
	return tsa.Request(ctx, client, url, data)
}

// checkTimestamp checks a TimeStampResp over data (see tsa.Check).
func checkTimestamp(raw, data []byte) (*timestamp.Timestamp, error) {
	return tsa.Check(raw, data)
}

// CheckTimestampRoots requires the package to hold a timestamp and every
// timestamp in it to come from an authority whose certificate chains to
// roots, the authorities the recipient trusts (tsa.Chains); otherwise the
// time a timestamp states is only its signer's word.
func (r *Report) CheckTimestampRoots(roots *x509.CertPool) {
	if len(r.stamps) == 0 {
		r.add(ProblemTimestamp, "timestamps", "the package holds no timestamp that verifies: there is no time to trust")
	}
	for _, s := range r.stamps {
		if err := tsa.Chains(s.ts, roots); err != nil {
			r.add(ProblemTimestamp, s.file, "%v", err)
			continue
		}
		r.TrustedTimestamps = append(r.TrustedTimestamps, s.file)
	}
	r.OK = r.OK && len(r.stamps) > 0 && len(r.TrustedTimestamps) == len(r.stamps)
}
