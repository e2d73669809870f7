package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/casefile/casefile/evidence/badgerstore/storeedit"
)

// TestMain makes the test binary double as the casefile command, so the
// scripts in testdata/script run the real CLI end to end.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"casefile": func() {
			os.Exit(runWithSignals(os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv))
		},
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CASEFILE_PASSPHRASE", "script passphrase")
			env.Setenv("CASEFILE_EXAMINER", "Script Examiner <script@example.org>")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"jsonshape": jsonShape, // jsonshape [-lines] FILE PATH:TYPE… (jsonshape_test.go)
			// flipbyte GLOB flips the middle byte of the largest file matching
			// GLOB, as an attacker (or a failing disk) would.
			"flipbyte": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: flipbyte GLOB")
				}
				matches, err := filepath.Glob(ts.MkAbs(args[0]))
				ts.Check(err)
				var p string
				var size int64
				for _, m := range matches {
					if st, err := os.Stat(m); err == nil && st.Size() > size {
						p, size = m, st.Size()
					}
				}
				if p == "" {
					ts.Fatalf("no file matches %s", args[0])
				}
				b, err := os.ReadFile(p)
				ts.Check(err)
				b[len(b)/2] ^= 0x01
				ts.Check(os.WriteFile(p, b, 0o644))
			},
			// storeedit CASE flip|delete PREFIX flips a byte of, or deletes,
			// the first value stored under PREFIX in the case's store: an
			// attacker who can write to the case directory.
			"storeedit": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 3 || args[1] != "flip" && args[1] != "delete" {
					ts.Fatalf("usage: storeedit CASE flip|delete PREFIX")
				}
				dir := filepath.Join(ts.MkAbs(args[0]), "store")
				key, val, err := storeedit.First(dir, []byte(args[2]))
				ts.Check(err)
				if args[1] == "delete" {
					ts.Check(storeedit.Delete(dir, key))
					return
				}
				val[len(val)/2] ^= 0x01
				ts.Check(storeedit.Set(dir, key, val))
			},
			// waitsock PATH waits (10 s at most) until a server listens on
			// the Unix socket PATH.
			"waitsock": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: waitsock PATH")
				}
				for range 200 {
					if c, err := net.Dial("unix", ts.MkAbs(args[0])); err == nil {
						c.Close()
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				ts.Fatalf("nothing listens on %s", args[0])
			},
			// genfile NAME SIZE writes SIZE bytes of deterministic text.
			"genfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: genfile NAME SIZE")
				}
				n, err := strconv.Atoi(args[1])
				ts.Check(err)
				var b strings.Builder
				for i := 0; b.Len() < n; i++ {
					fmt.Fprintf(&b, "line %d of a generated artefact\n", i)
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()[:n]), 0o644))
			},
		},
	})
}
