package sigma

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BuiltinName names the embedded rule set.
const BuiltinName = "casefile-rules/2"

//go:embed rules/*.yml
var builtinFS embed.FS

// Builtin compiles the embedded rule set (rules/*.yml), written for
// Casefile's event fields.
func Builtin() *Engine {
	files, err := readFS(builtinFS, "rules", "builtin/")
	if err == nil {
		var e *Engine
		if e, err = New(BuiltinName, files); err == nil {
			return e
		}
	}
	panic("sigma: the built-in rules are invalid: " + err.Error())
}

// BuiltinFiles returns the embedded rule files, for --print-rules.
func BuiltinFiles() []Source {
	files, err := readFS(builtinFS, "rules", "builtin/")
	if err != nil {
		panic("sigma: " + err.Error())
	}
	return files
}

func readFS(fsys fs.FS, dir, prefix string) ([]Source, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Source
	for _, e := range ents {
		if e.IsDir() || !isRuleFile(e.Name()) {
			continue
		}
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Source{Name: prefix + e.Name(), Data: b})
	}
	return out, nil
}

func isRuleFile(n string) bool {
	return strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml")
}

// MaxRuleFiles bounds the files LoadDir reads.
const MaxRuleFiles = 10000

// LoadDir compiles every .yml and .yaml file under dir (recursively, in
// lexical order; symbolic links are not followed). Errors name the file
// (as found under dir) and the line.
func LoadDir(dir string) (*Engine, error) {
	var files []Source
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || !isRuleFile(d.Name()) {
			return nil
		}
		if len(files) >= MaxRuleFiles {
			return fmt.Errorf("more than %d rule files", MaxRuleFiles)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > MaxRuleFile {
			return &Error{File: p, Msg: fmt.Sprintf("larger than %d bytes", MaxRuleFile)}
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, Source{Name: p, Data: b})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .yml or .yaml rule file", dir)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return New(dir, files)
}
