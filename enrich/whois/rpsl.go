package whois

import (
	"bytes"
	"strings"
)

// Limits on the text the parsers accept. A response larger than maxParse is
// refused as a whole; a longer line than maxLine is skipped and counted.
const (
	maxParse = 4 << 20
	maxLine  = 16 << 10
)

// attr is one "key: value" line of a WHOIS object; key is lower case.
type attr struct {
	key, val string
}

// object is one block of attributes, as separated by blank or comment lines.
type object struct {
	attrs   []attr
	section int // index of the "% Information related to" (or ARIN NetRange) section
}

// first returns the value of the first attribute named key, or "".
func (o *object) first(key string) string {
	for _, a := range o.attrs {
		if a.key == key {
			return a.val
		}
	}
	return ""
}

// all returns the values of every attribute named key.
func (o *object) all(key string) []string {
	var vs []string
	for _, a := range o.attrs {
		if a.key == key {
			vs = append(vs, a.val)
		}
	}
	return vs
}

// kind is the key of the object's first attribute ("inetnum", "role",
// "netrange", "orgname", ...).
func (o *object) kind() string {
	if len(o.attrs) == 0 {
		return ""
	}
	return o.attrs[0].key
}

// document is a WHOIS response split into objects, with the comment lines
// that matter kept per section.
type document struct {
	objects []object
	// abuse holds the address of each "% Abuse contact for 'x' is 'y'"
	// comment, by section.
	abuse map[int]string
	// errors holds "%ERROR:..." and "% No entries found" style lines.
	errors    []string
	malformed int
}

// splitDocument splits port-43 WHOIS text (RPSL as RIPE, APNIC, AFRINIC and
// LACNIC write it, or ARIN's "Key: value" blocks) into objects. CRLF and
// lone CR line endings are accepted. A new section begins at each
// "% Information related to" comment and, in ARIN output, at each object that
// starts with NetRange, so that related objects can be found next to the
// network they describe.
func splitDocument(raw []byte) *document {
	d := &document{abuse: map[int]string{}}
	section := 0
	var cur object
	flush := func() {
		if len(cur.attrs) > 0 {
			if cur.attrs[0].key == "netrange" && len(d.objects) > 0 {
				// ARIN: each network with the blocks that follow it.
				section++
			}
			cur.section = section
			d.objects = append(d.objects, cur)
		}
		cur = object{}
	}
	for len(raw) > 0 {
		var line []byte
		i := bytes.IndexAny(raw, "\r\n")
		if i < 0 {
			line, raw = raw, nil
		} else {
			line = raw[:i]
			if raw[i] == '\r' && i+1 < len(raw) && raw[i+1] == '\n' {
				raw = raw[i+2:]
			} else {
				raw = raw[i+1:]
			}
		}
		if len(line) > maxLine {
			d.malformed++
			continue
		}
		s := string(line)
		t := strings.TrimSpace(s)
		switch {
		case t == "":
			flush()
		case t[0] == '%' || t[0] == '#':
			flush()
			d.comment(t, &section)
		case (s[0] == ' ' || s[0] == '\t' || s[0] == '+') && len(cur.attrs) > 0:
			// RPSL continuation line.
			last := &cur.attrs[len(cur.attrs)-1]
			v := strings.TrimSpace(strings.TrimPrefix(t, "+"))
			if v != "" {
				if last.val != "" {
					last.val += " "
				}
				last.val += v
			}
		case isNoMatch(strings.ToLower(t)):
			// ARIN: "No match found for n + 192.0.2.1."
			flush()
			d.addError(t)
		default:
			k, v, ok := strings.Cut(t, ":")
			if !ok || !validKey(k) {
				d.malformed++
				continue
			}
			cur.attrs = append(cur.attrs, attr{key: strings.ToLower(k), val: strings.TrimSpace(v)})
		}
	}
	flush()
	return d
}

// comment interprets the comment lines that carry information.
func (d *document) comment(t string, section *int) {
	body := strings.TrimSpace(strings.TrimLeft(t, "%#"))
	lower := strings.ToLower(body)
	switch {
	case strings.HasPrefix(lower, "information related to"):
		*section++
	case strings.HasPrefix(lower, "abuse contact for"):
		// % Abuse contact for '62.239.237.0 - 62.239.237.255' is 'protect@bt.com'
		if i := strings.LastIndex(body, " is '"); i >= 0 {
			v := strings.TrimSuffix(body[i+len(" is '"):], "'")
			if v != "" && !strings.ContainsAny(v, " '") {
				d.abuse[*section] = v
			}
		}
	case strings.HasPrefix(lower, "error:"), isNoMatch(lower):
		d.addError(body)
	}
}

func (d *document) addError(s string) {
	if len(d.errors) < 8 {
		d.errors = append(d.errors, s)
	}
}

// isNoMatch reports whether a lower-cased line says the database holds
// nothing for the query (RIPE "%ERROR:101: no entries found", ARIN "No match
// found for ...").
func isNoMatch(lower string) bool {
	return strings.HasPrefix(lower, "no entries found") || strings.HasPrefix(lower, "no match found") ||
		strings.HasPrefix(lower, "error:101")
}

// validKey reports whether k looks like an attribute name: letters, digits,
// '-' and '_', at most 64 bytes.
func validKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// find returns the object of the given kind whose first attribute equals
// handle (case-insensitively), preferring one in the given section.
func (d *document) find(kinds []string, handle string, section int) *object {
	if handle == "" {
		return nil
	}
	var other *object
	for i := range d.objects {
		o := &d.objects[i]
		match := false
		for _, k := range kinds {
			if o.kind() == k && strings.EqualFold(o.attrs[0].val, handle) {
				match = true
				break
			}
			// Contacts are named by nic-hdl, which is not their first attribute.
			if k == "nic-hdl" && strings.EqualFold(o.first("nic-hdl"), handle) {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		if o.section == section {
			return o
		}
		if other == nil {
			other = o
		}
	}
	return other
}
