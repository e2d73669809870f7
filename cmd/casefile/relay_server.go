package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/ui"
)

// relayServer runs commands for clients on the case the server holds.
type relayServer struct {
	ctx  context.Context
	h    *casedir.Handle
	srv  *ui.Server
	cwd  string
	path string
	ln   net.Listener
	wg   sync.WaitGroup
}

// startRelay listens on the case's socket (mode 0600) until stop is
// called, which removes the socket and waits for the commands running. A
// socket already there was left by a server that died: the caller holds
// the case's lock, so nothing else listens on it.
func (a *app) startRelay(ctx context.Context, h *casedir.Handle, srv *ui.Server) (stop func(), err error) {
	path := socketPath(h.Dir)
	if st, err := os.Lstat(path); err == nil {
		if st.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket: leaving it alone", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing the socket a stopped server left: %w", err)
		}
	}
	ln, err := listenPrivate(h.Dir, path)
	if err != nil {
		return nil, err
	}
	cwd, _ := os.Getwd()
	ctx, cancel := context.WithCancel(ctx)
	rs := &relayServer{ctx: ctx, h: h, srv: srv, cwd: cwd, path: path, ln: ln}
	rs.wg.Go(rs.accept)
	return func() {
		ln.Close()
		os.Remove(path)
		cancel()
		rs.wg.Wait()
	}, nil
}

// listenPrivate binds the socket in a new directory only its owner can
// enter, makes it 0600, and only then moves it to path: no other user can
// connect between the bind and the chmod.
func listenPrivate(dir, path string) (net.Listener, error) {
	tmp, err := os.MkdirTemp(dir, ".sock-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	p := filepath.Join(tmp, "s")
	ln, err := net.Listen("unix", p)
	if err != nil {
		return nil, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := os.Chmod(p, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	if err := os.Rename(p, path); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func (rs *relayServer) accept() {
	for {
		conn, err := rs.ln.Accept()
		if err != nil {
			return
		}
		rs.wg.Go(func() { rs.handle(conn) })
	}
}

// handle runs one client's command and sends its exit code.
func (rs *relayServer) handle(conn net.Conn) {
	defer conn.Close()
	t, p, err := readFrame(conn)
	var req relayRequest
	if err != nil || t != frameRequest || json.Unmarshal(p, &req) != nil {
		return
	}
	req.fromExact()
	ctx, cancel := context.WithCancel(rs.ctx)
	defer cancel()
	fc := &frameConn{w: conn}
	in := &relayStdin{fc: fc, ctx: ctx, data: make(chan []byte, 1)}
	go func() {
		defer cancel() // the client went away: stop the command
		for {
			t, p, err := readFrame(conn)
			if err != nil || t == frameCancel {
				return
			}
			if t == frameEOF {
				p = nil
			} else if t != frameStdin {
				continue
			} else if p == nil {
				p = []byte{}
			}
			select {
			case in.data <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	code := rs.run(ctx, req, stdio{in: in, out: stream{fc, frameStdout}, err: stream{fc, frameStderr}})
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(int32(code)))
	fc.send(frameExit, b[:])
}

// run runs the request's command on the case held, as 'run' would in the
// client's process: same arguments, the client's environment (never the
// server's), the case opened through relayed.open.
func (rs *relayServer) run(ctx context.Context, req relayRequest, io stdio) (code int) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(io.err, "casefile: error: the command failed inside the server: %v\n", v)
			code = exitFailure
		}
	}()
	getenv := func(k string) string { return req.Env[k] }
	probe := &app{stdio: io, getenv: getenv}
	root := probe.rootCmd()
	cmd, rest, err := root.Find(req.Args)
	if err != nil || cmd == root {
		return (&app{stdio: io, getenv: getenv}).execute(ctx, req.Args)
	}
	path := commandPath(cmd)
	if notRelayed[strings.Fields(path)[0]] {
		fmt.Fprintf(io.err, "casefile: error: 'casefile %s' does not run through a server; stop 'casefile serve' to run it\n", path)
		return exitUsage
	}
	cmd.ParseFlags(rest)
	if !rs.holds(probe.caseDir, req.Cwd) {
		fmt.Fprintf(io.err, "casefile: error: this server holds case %s, not %s\n", rs.h.Dir, probe.caseDir)
		return exitUsage
	}
	args, dir := req.Args, probe.caseDir
	if req.Cwd != rs.cwd {
		// Relative paths name files from the client's directory.
		args = append(strings.Fields(path), absolutePaths(rest, req.Cwd)...)
		dir, _ = filepath.Abs(rs.h.Dir)
	}
	rel := &relayed{h: rs.h, srv: rs.srv, dir: dir, path: path}
	if tok := getenv("CASEFILE_TOKEN"); tok != "" {
		rel.who, rel.tokenErr = rs.srv.TokenIdentity(tok)
	}
	rel.passphrase = getenv("CASEFILE_PASSPHRASE")
	defer rel.release()
	return (&app{stdio: io, getenv: getenv, relay: rel}).execute(ctx, args)
}

// holds reports whether dir (relative to cwd) is the case this server
// holds.
func (rs *relayServer) holds(dir, cwd string) bool {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cwd, dir)
	}
	a, err1 := os.Stat(dir)
	b, err2 := os.Stat(rs.h.Dir)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// absolutePaths makes the relative paths among args absolute from cwd:
// the arguments that name something there, and the values of --out.
func absolutePaths(args []string, cwd string) []string {
	out := make([]string, len(args))
	for i, s := range args {
		out[i] = s
		if v, ok := strings.CutPrefix(s, "--out="); ok && v != "" && !filepath.IsAbs(v) {
			out[i] = "--out=" + filepath.Join(cwd, v)
			continue
		}
		if s == "" || s == "-" || strings.HasPrefix(s, "-") || filepath.IsAbs(s) {
			continue
		}
		_, err := os.Lstat(filepath.Join(cwd, s))
		if err == nil || (i > 0 && args[i-1] == "--out") {
			out[i] = filepath.Join(cwd, s)
		}
	}
	return out
}

// relayStdin is a relayed command's standard input: each read the
// command makes asks the client for more.
type relayStdin struct {
	fc   *frameConn
	ctx  context.Context
	data chan []byte // nil: the end
	left []byte
	eof  bool
}

func (r *relayStdin) Read(p []byte) (int, error) {
	if len(r.left) == 0 && !r.eof {
		if err := r.fc.send(frameNeed, nil); err != nil {
			return 0, err
		}
		select {
		case b := <-r.data:
			r.left, r.eof = b, b == nil
		case <-r.ctx.Done():
			return 0, errors.New("interrupted before the input ended")
		}
	}
	if len(r.left) == 0 && r.eof {
		return 0, io.EOF
	}
	n := copy(p, r.left)
	r.left = r.left[n:]
	return n, nil
}

var errNoRecover = errors.New("verify --recover cannot run while 'casefile serve' holds the case open")
