package witness

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
)

// Files in a witness directory.
const (
	KeyFile  = "witness-key" // "name\nbase64(Ed25519 seed)\n", mode 0600
	LogsFile = "logs"        // one log vkey per line: the logs this witness cosigns
	stateDir = "state"       // state/<hex sha256(origin)>: the latest cosigned checkpoint body
	maxBody  = 64 << 10      // bound on an add-checkpoint request
	maxProof = 63            // consistency proof lines allowed by tlog-witness
	sizeType = "text/x.tlog.size"
)

// Server is a C2SP tlog-witness. It keeps, per log origin, the latest
// checkpoint it cosigned, and cosigns a new one only when a consistency
// proof shows it extends that one.
type Server struct {
	dir    string
	signer *torchwood.CosignatureSigner
	mu     sync.Mutex // serialises check-and-persist, and the logs list
	logs   map[string][]note.Verifier
	mux    *http.ServeMux
}

// OpenServer opens the witness in dir, creating its key (named name) on
// first use. An existing key keeps its name; name may then be empty.
func OpenServer(dir, name string) (*Server, error) {
	if err := os.MkdirAll(filepath.Join(dir, stateDir), 0o700); err != nil {
		return nil, err
	}
	key, keyName, err := loadOrCreateKey(filepath.Join(dir, KeyFile), name)
	if err != nil {
		return nil, err
	}
	s, err := torchwood.NewCosignatureSigner(keyName, key)
	if err != nil {
		return nil, fmt.Errorf("witness key: %w", err)
	}
	w := &Server{dir: dir, signer: s, logs: map[string][]note.Verifier{}, mux: http.NewServeMux()}
	if err := w.loadLogs(); err != nil {
		return nil, err
	}
	w.mux.HandleFunc("POST /add-checkpoint", w.addCheckpoint)
	return w, nil
}

func loadOrCreateKey(path, name string) (ed25519.PrivateKey, string, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !validName(name) {
			return nil, "", fmt.Errorf("a new witness needs a name without spaces or '+', e.g. counsel.example/witness (got %q)", name)
		}
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, "", err
		}
		data := name + "\n" + base64.StdEncoding.EncodeToString(seed) + "\n"
		if err := writeFileSync(path, []byte(data), 0o600, true); err != nil {
			return nil, "", err
		}
		return ed25519.NewKeyFromSeed(seed), name, nil
	}
	if err != nil {
		return nil, "", err
	}
	lines := strings.Split(string(raw), "\n")
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.Join(lines[1:], "")))
	if len(lines) < 2 || err != nil || len(seed) != ed25519.SeedSize || !validName(lines[0]) {
		return nil, "", fmt.Errorf("%s: not a witness key file", path)
	}
	if name != "" && name != lines[0] {
		return nil, "", fmt.Errorf("%s holds the key of witness %q, not %q", path, lines[0], name)
	}
	return ed25519.NewKeyFromSeed(seed), lines[0], nil
}

// VKey is the witness's verifier key, which clients configure.
func (w *Server) VKey() string { return w.signer.Verifier().String() }

// Name is the witness key name.
func (w *Server) Name() string { return w.signer.Name() }

// AddLog makes the witness cosign checkpoints of the log whose checkpoint
// verifier key is vkey (its name is the log's origin) and records it.
func (w *Server) AddLog(vkey string) error {
	vkey = strings.TrimSpace(vkey)
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("log key %q: %w", vkey, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range w.logs[v.Name()] {
		if k.KeyHash() == v.KeyHash() {
			return nil
		}
	}
	f, err := os.OpenFile(filepath.Join(w.dir, LogsFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, vkey); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	w.logs[v.Name()] = append(w.logs[v.Name()], v)
	return nil
}

// Logs returns the origins the witness cosigns.
func (w *Server) Logs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for o := range w.logs {
		out = append(out, o)
	}
	return out
}

// loadLogs (re)reads the logs file; 'casefile witness add-log' may have
// added to it while the server runs.
func (w *Server) loadLogs() error {
	w.logs = map[string][]note.Verifier{}
	f, err := os.Open(filepath.Join(w.dir, LogsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		v, err := note.NewVerifier(line)
		if err != nil {
			return fmt.Errorf("%s: %w", LogsFile, err)
		}
		w.logs[v.Name()] = append(w.logs[v.Name()], v)
	}
	return sc.Err()
}

func (w *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.mux.ServeHTTP(rw, r) }

// httpError is a refusal with the tlog-witness status code.
type httpError struct {
	code  int
	msg   string
	known uint64 // for 409: the size of the latest cosigned checkpoint
}

func (e *httpError) Error() string { return e.msg }

func refuse(code int, format string, args ...any) *httpError {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

func (w *Server) addCheckpoint(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		http.Error(rw, "reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var sigs []byte
	if len(body) > maxBody {
		err = refuse(http.StatusRequestEntityTooLarge, "request larger than %d bytes", maxBody)
	} else {
		sigs, err = w.add(body)
	}
	var he *httpError
	switch {
	case errors.As(err, &he) && he.code == http.StatusConflict:
		rw.Header().Set("Content-Type", sizeType)
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", he.known)
	case errors.As(err, &he):
		http.Error(rw, he.msg, he.code)
	case err != nil:
		http.Error(rw, err.Error(), http.StatusInternalServerError)
	default:
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Write(sigs)
	}
}

// add checks one add-checkpoint request and, when it passes, records the
// checkpoint and returns the cosignature line.
func (w *Server) add(body []byte) ([]byte, error) {
	head, ckMsg, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return nil, refuse(http.StatusBadRequest, "no empty line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	v, ok := strings.CutPrefix(lines[0], "old ")
	old, okNum := parseSize(v)
	if !ok || !okNum {
		return nil, refuse(http.StatusBadRequest, "the first line must be \"old <size>\"")
	}
	if len(lines)-1 > maxProof {
		return nil, refuse(http.StatusBadRequest, "more than %d consistency proof lines", maxProof)
	}
	proof := make(tlog.TreeProof, len(lines)-1)
	for i, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != tlog.HashSize || base64.StdEncoding.EncodeToString(h) != l {
			return nil, refuse(http.StatusBadRequest, "proof line %d is not a base64 SHA-256 hash", i+1)
		}
		proof[i] = tlog.Hash(h)
	}
	origin, _, _ := strings.Cut(string(ckMsg), "\n")
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := w.logs[origin]
	if len(keys) == 0 {
		if err := w.loadLogs(); err != nil {
			return nil, err
		}
		keys = w.logs[origin]
	}
	if len(keys) == 0 {
		return nil, refuse(http.StatusNotFound, "unknown log origin %q", origin)
	}
	n, err := note.Open(ckMsg, note.VerifierList(keys...))
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &unverified), errors.As(err, &invalid):
		return nil, refuse(http.StatusForbidden, "no signature by a known key of %q", origin)
	case err != nil:
		return nil, refuse(http.StatusBadRequest, "malformed checkpoint note: %v", err)
	}
	ck, err := evidence.ParseCheckpoint(n.Text)
	if err != nil || ck.Origin != origin {
		return nil, refuse(http.StatusBadRequest, "malformed checkpoint")
	}
	if old > ck.Size {
		return nil, refuse(http.StatusBadRequest, "old size %d is larger than the checkpoint size %d", old, ck.Size)
	}
	known, err := w.state(origin)
	if err != nil {
		return nil, err
	}
	if old != known.Size {
		return nil, &httpError{code: http.StatusConflict, msg: "old size is not the latest cosigned size", known: known.Size}
	}
	switch {
	case old == 0:
		if len(proof) != 0 {
			return nil, refuse(http.StatusBadRequest, "a consistency proof from size 0 must be empty")
		}
	case old == ck.Size:
		if ck.Root != known.Root {
			return nil, &httpError{code: http.StatusConflict, msg: "a different root at the cosigned size", known: known.Size}
		}
	default:
		if err := tlog.CheckTree(proof, int64(ck.Size), ck.Root, int64(old), known.Root); err != nil {
			return nil, refuse(http.StatusUnprocessableEntity, "the consistency proof from %d to %d does not verify", old, ck.Size)
		}
	}
	if err := w.persist(ck); err != nil {
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, err
	}
	// note.Sign puts every signature line after the last blank line; with
	// only the witness signer that is the cosignature line.
	return signed[bytes.LastIndex(signed, []byte("\n\n"))+2:], nil
}

func parseSize(s string) (uint64, bool) {
	var n uint64
	if s == "" || (len(s) > 1 && s[0] == '0') || len(s) > 19 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

func (w *Server) statePath(origin string) string {
	sum := sha256.Sum256([]byte(origin))
	return filepath.Join(w.dir, stateDir, hex.EncodeToString(sum[:]))
}

// state returns the latest cosigned checkpoint of origin (size 0 if none).
func (w *Server) state(origin string) (evidence.Checkpoint, error) {
	raw, err := os.ReadFile(w.statePath(origin))
	if errors.Is(err, fs.ErrNotExist) {
		return evidence.Checkpoint{Origin: origin}, nil
	}
	if err != nil {
		return evidence.Checkpoint{}, err
	}
	ck, err := evidence.ParseCheckpoint(string(raw))
	if err != nil || ck.Origin != origin {
		return evidence.Checkpoint{}, fmt.Errorf("witness state of %q is damaged", origin)
	}
	return ck, nil
}

// persist records ck as the latest cosigned checkpoint, durably, before
// the cosignature is returned.
func (w *Server) persist(ck evidence.Checkpoint) error {
	ck.Extension = ""
	return writeFileSync(w.statePath(ck.Origin), []byte(ck.Body()), 0o600, false)
}

// writeFileSync writes data to path through a temporary file and a rename
// (or, with excl, only if path does not exist), syncing file and directory.
func writeFileSync(path string, data []byte, mode os.FileMode, excl bool) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if excl {
		if err := os.Link(tmp, path); err != nil {
			os.Remove(tmp)
			return err
		}
		os.Remove(tmp)
	} else if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
