package parse

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/sampledata"
)

// evtxSink collects what a parser produced.
type evtxSink struct {
	events    []Event
	malformed []Malformed
}

func (s *evtxSink) Event(e Event) error   { s.events = append(s.events, e); return nil }
func (s *evtxSink) Malformed(m Malformed) { s.malformed = append(s.malformed, m) }
func (s *evtxSink) count(f func(Event) bool) (n int) {
	for _, e := range s.events {
		if f(e) {
			n++
		}
	}
	return n
}

func evtxParseFile(t *testing.T, path string) (*evtxSink, Stats) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var s evtxSink
	st, err := NewEVTX().Parse(bufio.NewReader(f), Options{Artefact: "sha256:test"}, &s)
	if err != nil {
		t.Fatal(err)
	}
	return &s, st
}

// TestEVTXSamplesMatchDecoder compares every event with the decoder's own
// JSON output kept next to the samples: same records, same order, same
// EventID, EventRecordID and addresses.
func TestEVTXSamplesMatchDecoder(t *testing.T) {
	dir := sampledata.Path(t, "evtx-attack-samples")
	files, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
	if len(files) != 7 {
		t.Fatalf("found %d .evtx samples, want 7", len(files))
	}
	for _, path := range files {
		base := strings.TrimSuffix(filepath.Base(path), ".evtx")
		t.Run(base, func(t *testing.T) {
			s, st := evtxParseFile(t, path)
			if st.Malformed != 0 || len(s.malformed) != 0 {
				t.Errorf("malformed: %+v", s.malformed)
			}
			jf, err := os.ReadFile(filepath.Join(dir, "expected-parsed-by-velocidex-evtx", base+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(jf)), "\n")
			if len(lines) != len(s.events) || int(st.Events) != len(lines) || int(st.Records) != len(lines) {
				t.Fatalf("%d events (stats %+v), want %d", len(s.events), st, len(lines))
			}
			var prevOff int64
			for i, line := range lines {
				var want struct {
					Event struct {
						System struct {
							EventID       struct{ Value int }
							EventRecordID int64
							Computer      string
						}
						EventData map[string]any
						UserData  map[string]map[string]any
					}
				}
				if err := json.Unmarshal([]byte(line), &want); err != nil {
					t.Fatal(err)
				}
				ev := s.events[i]
				if got := ev.Fields["event_id"]; got != strconv.Itoa(want.Event.System.EventID.Value) {
					t.Errorf("record %d: event_id %s, want %d", i+1, got, want.Event.System.EventID.Value)
				}
				if got := ev.Fields["record_id"]; got != strconv.FormatInt(want.Event.System.EventRecordID, 10) {
					t.Errorf("record %d: record_id %s, want %d", i+1, got, want.Event.System.EventRecordID)
				}
				if ev.Fields["computer"] != want.Event.System.Computer {
					t.Errorf("record %d: computer %q", i+1, ev.Fields["computer"])
				}
				if ev.Citation.Record != int64(i+1) || ev.Citation.Parser != "evtx/2" || ev.Citation.Artefact != "sha256:test" {
					t.Errorf("record %d: citation %+v", i+1, ev.Citation)
				}
				if ev.Citation.Offset <= prevOff || (ev.Citation.Offset-4096)%65536 < 512 {
					t.Errorf("record %d: offset %d not after %d inside a chunk's records", i+1, ev.Citation.Offset, prevOff)
				}
				prevOff = ev.Citation.Offset
				if ip, ok := want.Event.EventData["IpAddress"].(string); ok && ip != "-" && ev.Src == "" {
					t.Errorf("record %d: IpAddress %q but no Src", i+1, ip)
				}
			}
		})
	}
}

// TestEVTXRecordOffsets checks that each cited offset holds a record header
// ("**\0\0" magic) with the cited EventRecordID.
func TestEVTXRecordOffsets(t *testing.T) {
	path := sampledata.Path(t, "evtx-attack-samples", "DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := evtxParseFile(t, path)
	for _, ev := range s.events {
		o := ev.Citation.Offset
		if string(raw[o:o+4]) != "**\x00\x00" {
			t.Fatalf("record %d: no record magic at offset %d", ev.Citation.Record, o)
		}
		id := uint64(raw[o+8]) | uint64(raw[o+9])<<8 | uint64(raw[o+10])<<16 | uint64(raw[o+11])<<24
		if fmt.Sprint(id) != ev.Fields["record_id"] {
			t.Fatalf("record %d: id %d at offset %d, event says %s", ev.Citation.Record, id, o, ev.Fields["record_id"])
		}
	}
}

func TestEVTXSampleFigures(t *testing.T) {
	t.Run("RDP tunneling 4624", func(t *testing.T) {
		s, _ := evtxParseFile(t, sampledata.Path(t, "evtx-attack-samples", "DE_RDP_Tunneling_4624.evtx"))
		if n := s.count(func(e Event) bool {
			return e.Fields["event_id"] == "4624" && e.Kind == KindAuth && e.Outcome == OutcomeSuccess
		}); n != 18 {
			t.Errorf("4624 logons = %d, want 18", n)
		}
		var rdp []Event
		for _, e := range s.events {
			if e.Fields["logon_type"] == "10" {
				rdp = append(rdp, e)
			}
		}
		if len(rdp) == 0 {
			t.Fatal("no LogonType 10")
		}
		for _, e := range rdp {
			if e.User != "IEUser" || e.Src != "127.0.0.1" {
				t.Errorf("type 10 logon: user %q src %q, want IEUser from 127.0.0.1", e.User, e.Src)
			}
		}
		if n := s.count(func(e Event) bool { return e.Src == "127.0.0.1" && e.SrcPort == 49164 }); n == 0 {
			t.Error("no logon from 127.0.0.1:49164")
		}
		if n := s.count(func(e Event) bool {
			return e.Fields["logon_type"] == "3" && e.User == "ANONYMOUS LOGON" && e.Src == "10.0.2.17"
		}); n == 0 {
			t.Error("no type 3 ANONYMOUS LOGON from 10.0.2.17")
		}
		first, last := s.events[0].Time, s.events[len(s.events)-1].Time
		if got := first.Format("2006-01-02 15:04:05"); got != "2019-02-13 15:14:52" {
			t.Errorf("first time %s", got)
		}
		if got := last.Format("2006-01-02 15:04:05"); got != "2019-02-13 15:31:31" {
			t.Errorf("last time %s", got)
		}
	})
	t.Run("logon failure", func(t *testing.T) {
		s, _ := evtxParseFile(t, sampledata.Path(t, "evtx-attack-samples", "CA_4624_4625_LogonType2_LogonProc_chrome.evtx"))
		if len(s.events) != 4 {
			t.Fatalf("%d events, want 4", len(s.events))
		}
		var fail []Event
		for _, e := range s.events {
			if e.Outcome == OutcomeFailure {
				fail = append(fail, e)
			}
		}
		if len(fail) != 1 {
			t.Fatalf("%d failures, want 1", len(fail))
		}
		f := fail[0]
		if f.Fields["status"] != "0xc000006d" || f.Fields["substatus"] != "0xc000006a" || f.User != "IEUser" || f.Fields["logon_type"] != "2" || f.Src != "" {
			t.Errorf("4625: %+v", f)
		}
	})
	t.Run("kerberos spray", func(t *testing.T) {
		s, _ := evtxParseFile(t, sampledata.Path(t, "evtx-attack-samples", "kerberos_pwd_spray_4771.evtx"))
		tgt := s.count(func(e Event) bool { return e.Action == "kerberos-tgt" && e.Src == "172.16.66.1" })
		pre := s.count(func(e Event) bool {
			return e.Action == "kerberos-preauth" && e.Src == "172.16.66.1" && e.Outcome == OutcomeFailure && e.Fields["status"] == "0x18"
		})
		clr := s.count(func(e Event) bool { return e.Action == "log-cleared" && e.User == "a-jbrown" })
		if tgt != 9 || pre != 2 || clr != 1 || len(s.events) != 12 {
			t.Errorf("4768 %d, 4771 %d, 1102 %d, total %d; want 9, 2, 1, 12", tgt, pre, clr, len(s.events))
		}
	})
	t.Run("explicit credentials", func(t *testing.T) {
		s, _ := evtxParseFile(t, sampledata.Path(t, "evtx-attack-samples", "LM_WMIC_4648_rpcss.evtx"))
		n := s.count(func(e Event) bool {
			return e.Action == "explicit-credentials" && e.User == "administrator" && e.Fields["target_server"] == "WIN-77LTAPHIQ1R.example.corp"
		})
		if n != 3 {
			t.Errorf("4648 = %d, want 3", n)
		}
		if n := s.count(func(e Event) bool { return e.Kind == KindProcess }); n != 1 {
			t.Errorf("4688 = %d, want 1", n)
		}
	})
	t.Run("pass the hash", func(t *testing.T) {
		s, _ := evtxParseFile(t, sampledata.Path(t, "evtx-attack-samples", "LM_4624_mimikatz_sekurlsa_pth_source_machine.evtx"))
		if n := s.count(func(e Event) bool { return e.Fields["logon_type"] == "9" && e.Src == "::1" }); n != 1 {
			t.Errorf("type 9 logons from ::1 = %d, want 1", n)
		}
		if n := s.count(func(e Event) bool { return e.Action == "special-privileges" && e.Kind == KindOther }); n != 1 {
			t.Errorf("4672 = %d", n)
		}
		if n := s.count(func(e Event) bool { return e.Kind == KindProcess && e.Fields["process"] != "" }); n != 3 {
			t.Errorf("4688 = %d, want 3", n)
		}
	})
	t.Run("WMI target host", func(t *testing.T) {
		s, _ := evtxParseFile(t, sampledata.Path(t, "evtx-attack-samples", "LM_WMI_4624_4688_TargetHost.evtx"))
		if n := s.count(func(e Event) bool { return e.Fields["logon_type"] == "3" }); n != 6 {
			t.Errorf("type 3 = %d, want 6", n)
		}
		if n := s.count(func(e Event) bool { return e.Src == "10.0.2.17" }); n != 4 {
			t.Errorf("from 10.0.2.17 = %d, want 4", n)
		}
	})
	t.Run("RDP 1149", func(t *testing.T) {
		s, _ := evtxParseFile(t, sampledata.Path(t, "evtx-attack-samples", "DE_RDP_Tunneling_TerminalServices-RemoteConnectionManagerOperational_1149.evtx"))
		if len(s.events) != 228 {
			t.Errorf("%d events, want 228", len(s.events))
		}
		srcs := map[string]int{}
		for _, e := range s.events {
			if e.Action == "rdp" {
				srcs[e.Src]++
			}
		}
		want := map[string]int{"10.0.2.15": 6, "10.0.2.16": 3, "127.0.0.1": 1, "fe80::80ac:4126:fa58:1b81": 1}
		if fmt.Sprint(srcs) != fmt.Sprint(want) {
			t.Errorf("1149 sources %v, want %v", srcs, want)
		}
		if n := s.count(func(e Event) bool { return e.Kind == KindOther && e.Outcome == OutcomeUnknown }); n != 228-11 {
			t.Errorf("other events = %d, want 217", n)
		}
	})
}
