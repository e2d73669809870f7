package whois

import "errors"

// Errors callers branch on. Others are returned wrapped with context.
var (
	// ErrNotFound: the server answered, but holds no record for the query
	// (an unregistered domain, an address outside every network listed).
	// Lookup then also returns the Response, whose Raw is still evidence.
	ErrNotFound = errors.New("no record found")
	// ErrMalformed: the answer could not be read as a WHOIS record.
	ErrMalformed = errors.New("malformed response")
	// ErrTooLarge: the server sent more than Options.MaxResponse bytes.
	ErrTooLarge = errors.New("response too large")
	// ErrEmptyResponse: the server closed the connection without answering.
	ErrEmptyResponse = errors.New("empty response")
	// ErrTimeout: a server did not answer within Options.Timeout.
	ErrTimeout = errors.New("timed out")
	// ErrNotQueryable: the indicator is not a public address or a domain
	// (a private or documentation address, a bare TLD, a malformed name),
	// so it was not sent anywhere.
	ErrNotQueryable = errors.New("indicator not queryable")
)
