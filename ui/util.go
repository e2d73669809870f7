package ui

import (
	"fmt"
	"net/url"

	"github.com/casefile/casefile/evidence"
)

func pathEscape(s string) string { return url.PathEscape(s) }

func parseDigest(s string) (evidence.Digest, error) { return evidence.ParseDigest(s) }

func fmtAny(v any) string { return fmt.Sprint(v) }
