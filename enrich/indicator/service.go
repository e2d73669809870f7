package indicator

import "strings"

// IsServicePrincipal reports whether s names a cloud provider's own service
// rather than a network address: what CloudTrail writes in sourceIPAddress
// when AWS acted on the account's behalf ("config.amazonaws.com",
// "ec2.amazonaws.com", "states.eu-west-1.amazonaws.com", "AWS Internal").
// Such a value is never an IP indicator and never the perpetrator's host.
//
// Host names under amazonaws.com that name a customer's machine or endpoint
// ("ec2-203-0-113-5.compute-1.amazonaws.com", "bucket.s3.amazonaws.com") are
// not service principals: only "<service>.amazonaws.com" and
// "<service>.<region>.amazonaws.com" with a service label that is not a
// machine name count.
func IsServicePrincipal(s string) bool {
	s = normalizeService(s)
	switch s {
	case "":
		return false
	case "aws internal":
		return true
	}
	rest, ok := strings.CutSuffix(s, ".amazonaws.com")
	if !ok {
		if rest, ok = strings.CutSuffix(s, ".amazonaws.com.cn"); !ok {
			return false
		}
	}
	labels := strings.Split(rest, ".")
	switch len(labels) {
	case 1:
	case 2:
		if !isAWSRegion(labels[1]) {
			return false
		}
	default:
		return false
	}
	svc := labels[0]
	if svc == "" || strings.HasPrefix(svc, "ec2-") || strings.HasPrefix(svc, "ip-") {
		return false
	}
	for i := 0; i < len(svc); i++ {
		c := svc[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// normalizeService lower-cases and trims a service principal.
func normalizeService(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 253 {
		return ""
	}
	return s
}

// isAWSRegion matches region names such as us-east-1, eu-central-2,
// us-gov-west-1, cn-north-1, ap-southeast-4.
func isAWSRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts) > 4 || len(parts[0]) != 2 {
		return false
	}
	for _, p := range parts[1 : len(parts)-1] {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < 'a' || p[i] > 'z' {
				return false
			}
		}
	}
	n := parts[len(parts)-1]
	if n == "" || len(n) > 2 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}
