package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
)

// The relay: while 'casefile serve' holds a case, it listens on a Unix
// socket in the case directory, and other casefile commands on that case
// run inside the server, on the case it holds, instead of failing on the
// lock. The client sends the arguments, its working directory and the
// environment the commands read; the server runs the command and streams
// its standard output and error back as they are written, then the exit
// code. Standard input is sent only when the command reads it.
//
// Each message is a frame: one type byte, a 4-byte big-endian length, the
// data.
const (
	relaySocket = "casefile.sock"
	maxFrame    = 1 << 20

	frameRequest = 'R' // client: the JSON relayRequest, first
	frameStdin   = 'I' // client: standard input data, asked for with frameNeed
	frameEOF     = 'E' // client: standard input ended
	frameCancel  = 'K' // client: stop the command (interrupted)
	frameNeed    = 'N' // server: the command reads standard input
	frameStdout  = 'O' // server: standard output data
	frameStderr  = 'X' // server: standard error data
	frameExit    = 'C' // server: the exit code (4 bytes), last
)

// relayRequest is what the client asks the server to run.
type relayRequest struct {
	Args []string          `json:"args"`
	Cwd  string            `json:"cwd"`
	Env  map[string]string `json:"env"`
	// Exact holds the same as bytes: JSON strings are UTF-8, and an
	// argument that is not (a file name in Latin-1 is a valid Unix path)
	// would reach the server with its bytes replaced. A server reads the
	// bytes when they are there (servers before them read the strings).
	Exact *relayExact `json:"exact,omitempty"`
}

type relayExact struct {
	Args [][]byte          `json:"args"`
	Cwd  []byte            `json:"cwd"`
	Env  map[string][]byte `json:"env"`
}

// exact fills r.Exact from r's strings.
func (r *relayRequest) exact() {
	x := &relayExact{Cwd: []byte(r.Cwd), Env: map[string][]byte{}}
	for _, a := range r.Args {
		x.Args = append(x.Args, []byte(a))
	}
	for k, v := range r.Env {
		x.Env[k] = []byte(v)
	}
	r.Exact = x
}

// fromExact sets r's strings from r.Exact, when it is there.
func (r *relayRequest) fromExact() {
	x := r.Exact
	if x == nil {
		return
	}
	r.Args, r.Cwd, r.Env = nil, string(x.Cwd), map[string]string{}
	for _, a := range x.Args {
		r.Args = append(r.Args, string(a))
	}
	for k, v := range x.Env {
		r.Env[k] = string(v)
	}
}

// relayEnv names the environment variables a relayed command sees (the
// server's own environment is never shown to it). CASEFILE_PASSPHRASE is
// sent only for user management, which it authorises (relayAuth).
var relayEnv = []string{"CASEFILE_CASE", "CASEFILE_EXAMINER", "CASEFILE_TOKEN", "CASEFILE_USER_PASSWORD", "USER"}

// socketPath is where the server holding the case in dir listens.
func socketPath(dir string) string { return filepath.Join(dir, relaySocket) }

func writeFrame(w io.Writer, t byte, p []byte) error {
	var hdr [5]byte
	hdr[0] = t
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(p)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

func readFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("relay: frame of %d bytes, at most %d", n, maxFrame)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, errors.Join(errors.New("relay: frame cut short"), err)
	}
	return hdr[0], p, nil
}

// frameConn writes frames from several goroutines, one whole frame at a
// time.
type frameConn struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *frameConn) send(t byte, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(p) > maxFrame {
		if err := writeFrame(c.w, t, p[:maxFrame]); err != nil {
			return err
		}
		p = p[maxFrame:]
	}
	return writeFrame(c.w, t, p)
}

// stream is an io.Writer sending what is written as frames of type t.
type stream struct {
	c *frameConn
	t byte
}

func (s stream) Write(p []byte) (int, error) {
	if err := s.c.send(s.t, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
