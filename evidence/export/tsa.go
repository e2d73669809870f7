package export

import (
	"context"
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
