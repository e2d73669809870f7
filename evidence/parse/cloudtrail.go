package parse

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// NewCloudTrail returns the parser for AWS CloudTrail: a delivery file
// {"Records":[...]} (or a bare JSON array of events), read record by record
// with a streaming decoder so that the file is never loaded whole; or one
// event (or one delivery object) per line.
//
// Each record becomes one api event: action eventName; outcome failure
// when errorCode is set or responseElements.ConsoleLogin is "Failure",
// success otherwise; User from userIdentity (userName, else the arn, else
// the session issuer's userName, else principalId); Src when
// sourceIPAddress is an address, otherwise SrcService (a service principal
// such as "config.amazonaws.com" is never an address). Fields:
// event_source, region, user_agent, account, user_type, arn, error_code,
// error_message, event_id, event_type, invoked_by, access_key_id (the
// key the call was signed with: which credential, not just which account).
// Version 2 added access_key_id.
//
// Citations of delivery files give Record (1-based index in Records) and
// the byte offset of the record's opening brace; line mode gives Line.
// A record larger than maxRecord bytes stops the parse with a malformed
// report, since the decoder cannot skip it.
func NewCloudTrail() Parser { return cloudTrail{} }

type cloudTrail struct{}

func (cloudTrail) Name() string { return "cloudtrail" }
func (cloudTrail) Version() int { return 3 }

// maxRecord bounds one CloudTrail record.
const maxRecord = 4 << 20

func (cloudTrail) Detect(head []byte, name string) int {
	h := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if r, ok := cut(h, "{"); ok && bytes.HasPrefix(bytes.TrimLeft(r, " \t\r\n"), []byte(`"Records"`)) {
		if has(head, `"eventSource"`) || has(head, `"eventVersion"`) || has(head, `"eventName"`) {
			return 95
		}
		return 60
	}
	if len(h) > 0 && (h[0] == '{' || h[0] == '[') && has(head, `"eventSource"`) && has(head, `"eventName"`) && has(head, `"awsRegion"`) {
		return 90
	}
	return 0
}

type ctRecord struct {
	EventTime        string          `json:"eventTime"`
	EventSource      string          `json:"eventSource"`
	EventName        string          `json:"eventName"`
	AWSRegion        string          `json:"awsRegion"`
	SourceIPAddress  string          `json:"sourceIPAddress"`
	UserAgent        string          `json:"userAgent"`
	ErrorCode        string          `json:"errorCode"`
	ErrorMessage     string          `json:"errorMessage"`
	EventID          string          `json:"eventID"`
	EventType        string          `json:"eventType"`
	RecipientAccount string          `json:"recipientAccountId"`
	ResponseElements json.RawMessage `json:"responseElements"`
	UserIdentity     *ctIdentity     `json:"userIdentity"`
}

type ctIdentity struct {
	Type           string `json:"type"`
	PrincipalID    string `json:"principalId"`
	ARN            string `json:"arn"`
	AccountID      string `json:"accountId"`
	UserName       string `json:"userName"`
	AccessKeyID    string `json:"accessKeyId"`
	InvokedBy      string `json:"invokedBy"`
	SessionContext *struct {
		SessionIssuer *struct {
			UserName string `json:"userName"`
			ARN      string `json:"arn"`
		} `json:"sessionIssuer"`
	} `json:"sessionContext"`
}

func (p cloudTrail) Parse(r io.Reader, opts Options, sink Sink) (Stats, error) {
	e := newEmitter(p, opts, sink)
	br := bufio.NewReaderSize(r, HeadSize)
	peek, err := br.Peek(HeadSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return e.stats, fmt.Errorf("read: %w", err)
	}
	trimmed := bytes.TrimLeft(peek, " \t\r\n")
	if t := bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf")); len(t) != len(trimmed) {
		trimmed = bytes.TrimLeft(t, " \t\r\n")
	}
	lead := len(peek) - len(trimmed)
	if r, ok := cut(trimmed, "{"); (ok && bytes.HasPrefix(bytes.TrimLeft(r, " \t\r\n"), []byte(`"Records"`))) || bytes.HasPrefix(trimmed, []byte("[")) {
		br.Discard(lead)
		return p.stream(br, int64(lead), e)
	}
	return lineLoop(br, e, true, func(line []byte, off, num int64, trunc bool) error {
		line = bytes.TrimSpace(line)
		return p.record(e, line, off, num, 0, trunc)
	})
}

// boundedReader fails when the decoder reads more than maxRecord bytes
// past the start of the current record.
type boundedReader struct {
	r     io.Reader
	read  int64
	start int64
}

var errRecordTooLarge = errors.New("record too large")

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.read-b.start > maxRecord+HeadSize {
		return 0, errRecordTooLarge
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

func (p cloudTrail) stream(br *bufio.Reader, lead int64, e *emitter) (Stats, error) {
	bounded := &boundedReader{r: br}
	dec := json.NewDecoder(bounded)
	fail := func(rec int64, err error) (Stats, error) {
		var syn *json.SyntaxError
		if errors.Is(err, errRecordTooLarge) || errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
			e.malformed(lead+dec.InputOffset(), 0, rec, "bad JSON: "+capString(err.Error(), 200))
			return e.stats, nil
		}
		return e.stats, fmt.Errorf("read record %d: %w", rec, err)
	}
	var n int64
	for {
		tok, err := dec.Token()
		if err == io.EOF && n > 0 {
			return e.stats, nil
		}
		if err != nil {
			return fail(n, err)
		}
		inObject := tok == json.Delim('{')
		if inObject {
			// Find the "Records" key; skip any other member.
			found := false
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return fail(n, err)
				}
				if k == "Records" {
					found = true
					break
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return fail(n, err)
				}
			}
			if !found {
				e.malformed(lead+dec.InputOffset(), 0, n, "object without Records")
				return e.stats, nil
			}
			if tok, err = dec.Token(); err != nil {
				return fail(n, err)
			}
		} else if tok != json.Delim('[') {
			e.malformed(lead+dec.InputOffset(), 0, n, "not a CloudTrail delivery file")
			return e.stats, nil
		}
		if tok != json.Delim('[') {
			e.malformed(lead+dec.InputOffset(), 0, n, "Records is not an array")
			return e.stats, nil
		}
		for dec.More() {
			n++
			off := dec.InputOffset()
			// InputOffset is before the separating comma and white space.
			rest, _ := io.ReadAll(io.LimitReader(dec.Buffered(), 64))
			for _, c := range rest {
				if c != ',' && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
					break
				}
				off++
			}
			bounded.start = bounded.read
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fail(n, err)
			}
			e.stats.Records++
			if err := p.record(e, raw, lead+off, 0, n, false); err != nil {
				return e.stats, err
			}
		}
		if _, err := dec.Token(); err != nil { // ']'
			return fail(n, err)
		}
		for inObject && dec.More() { // members after Records
			if _, err := dec.Token(); err != nil {
				return fail(n, err)
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fail(n, err)
			}
		}
		if inObject {
			if _, err := dec.Token(); err != nil { // '}'
				return fail(n, err)
			}
		}
	}
}

// record turns one CloudTrail record into an event.
func (p cloudTrail) record(e *emitter, raw []byte, off, line, rec int64, trunc bool) error {
	var r ctRecord
	raw, e.marked = markJSON(raw)
	if err := json.Unmarshal(raw, &r); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			e.malformed(off, line, rec, "bad JSON: "+capString(err.Error(), 200))
			return nil
		}
	}
	if r.EventName == "" && r.EventSource == "" {
		e.malformed(off, line, rec, "not a CloudTrail record (no eventName)")
		return nil
	}
	ev := Event{Kind: KindAPI, Action: r.EventName, Outcome: OutcomeSuccess, Fields: make(map[string]string, 8)}
	set := func(k, v string) {
		if v != "" {
			ev.Fields[k] = capString(v, 1024)
		}
	}
	if t, _, ok := jsonTime(r.EventTime); ok {
		ev.Time = t
	}
	if ip := e.ip([]byte(r.SourceIPAddress)); ip != "" {
		ev.Src = ip
	} else {
		ev.SrcService = capString(r.SourceIPAddress, 256)
	}
	if r.ErrorCode != "" {
		ev.Outcome = OutcomeFailure
	}
	if len(r.ResponseElements) > 0 && r.ResponseElements[0] == '{' {
		var re struct {
			ConsoleLogin string `json:"ConsoleLogin"`
		}
		if json.Unmarshal(r.ResponseElements, &re) == nil && re.ConsoleLogin != "" {
			set("console_login", re.ConsoleLogin)
			if re.ConsoleLogin == "Failure" {
				ev.Outcome = OutcomeFailure
			}
		}
	}
	if id := r.UserIdentity; id != nil {
		switch {
		case id.UserName != "":
			ev.User = id.UserName
		case id.ARN != "":
			ev.User = id.ARN
		case id.SessionContext != nil && id.SessionContext.SessionIssuer != nil && id.SessionContext.SessionIssuer.UserName != "":
			ev.User = id.SessionContext.SessionIssuer.UserName
		default:
			ev.User = id.PrincipalID
		}
		ev.User = capString(ev.User, 512)
		set("user_type", id.Type)
		set("arn", id.ARN)
		set("invoked_by", id.InvokedBy)
		set("access_key_id", id.AccessKeyID)
		set("account", id.AccountID)
	}
	if ev.Fields["account"] == "" {
		set("account", r.RecipientAccount)
	}
	set("event_source", r.EventSource)
	set("region", r.AWSRegion)
	set("user_agent", r.UserAgent)
	set("error_code", r.ErrorCode)
	set("error_message", r.ErrorMessage)
	set("event_id", r.EventID)
	set("event_type", r.EventType)
	return e.event(&ev, off, line, rec, trunc)
}
