package rdap

import "errors"

// Errors callers branch on. Others are returned wrapped with context.
var (
	// ErrNotFound: the server answered 404, it holds no network for the
	// address. Lookup then also returns the Response, whose Raw is evidence.
	ErrNotFound = errors.New("no network found")
	// ErrMalformed: the answer is not an RDAP ip network object.
	ErrMalformed = errors.New("malformed response")
	// ErrTooLarge: the server sent more than Options.MaxResponse bytes.
	ErrTooLarge = errors.New("response too large")
	// ErrNotQueryable: the indicator is not a public IP address, so it was
	// not sent anywhere.
	ErrNotQueryable = errors.New("indicator not queryable")
)
