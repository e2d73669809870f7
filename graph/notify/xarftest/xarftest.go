// Package xarftest validates X-ARF reports against the v4 schemas in
// ../shared/data/xarf, for the tests of the packages that write them.
package xarftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/casefile/casefile/evidence/sampledata"
)

// Master is the $id of the schema every v4 report must satisfy: the core
// fields plus the type-specific schema its category and type select.
const Master = "https://xarf.org/schemas/v4/xarf-v4-master.json"

// Validator compiles the v4 schemas, each registered under its own $id,
// with formats asserted (uuid, date-time, email, hostname, ipv4/6). It
// skips t when the shared data is missing.
func Validator(t testing.TB) func(report []byte) error {
	t.Helper()
	root := sampledata.Path(t, "xarf", "xarf-spec", "schemas", "v4")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		var head struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(b, &head); err != nil || head.ID == "" {
			return fmt.Errorf("%s: no $id", p)
		}
		return c.AddResource(head.ID, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(Master)
	if err != nil {
		t.Fatal(err)
	}
	return func(report []byte) error {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(report))
		if err != nil {
			return err
		}
		return sch.Validate(v)
	}
}
