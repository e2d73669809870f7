package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// notRelayed are the commands that never run inside a server: they make a
// case, serve one, or do not touch the case named.
var notRelayed = map[string]bool{"init": true, "serve": true, "demo": true, "simulate": true, "evaluate": true,
	"calibrate": true, "verify-export": true, "help": true, "completion": true}

// relayIfServed runs the command through the server holding its case, if
// one listens on the case's socket; ok is false when the command is to run
// here (no server, a stale socket, a command that takes no case, help).
func relayIfServed(ctx context.Context, args []string, io stdio, getenv func(string) string) (code int, ok bool) {
	probe := &app{stdio: io, getenv: getenv}
	root := probe.rootCmd()
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root || cmd.ParseFlags(rest) != nil || probe.caseDir == "" {
		return 0, false
	}
	if help, _ := cmd.Flags().GetBool("help"); help {
		return 0, false
	}
	conn, err := net.Dial("unix", socketPath(probe.caseDir))
	if err != nil {
		return 0, false // no server, or one that died and left its socket: the lock decides
	}
	defer conn.Close()
	path := commandPath(cmd)
	if notRelayed[strings.Fields(path)[0]] {
		if path != "serve" {
			conn.Close()
			return 0, false
		}
		fmt.Fprintf(io.err, "casefile: error: case %s is already served by a running 'casefile serve' (it listens on %s)\n", probe.caseDir, socketPath(probe.caseDir))
		fmt.Fprintln(io.err, "casefile: hint: use that workbench, or stop it first")
		return exitFailure, true
	}
	return relayClient(ctx, conn, args, io, getenv, path), true
}

// commandPath is the command's path without "casefile", e.g. "user add".
func commandPath(cmd *cobra.Command) string {
	_, p, _ := strings.Cut(cmd.CommandPath(), " ")
	return p
}

// relayClient sends the request and plays the server's frames: output to
// io.out and io.err, standard input when asked, the exit code at the end.
// An interruption (ctx) asks the server to stop the command, which ends
// as it would here: what was committed stays, nothing half-done.
func relayClient(ctx context.Context, conn net.Conn, args []string, io stdio, getenv func(string) string, path string) int {
	cwd, _ := os.Getwd()
	req := relayRequest{Args: args, Cwd: cwd, Env: map[string]string{}}
	names := relayEnv
	if strings.HasPrefix(path, "user") {
		names = append(names[:len(names):len(names)], "CASEFILE_PASSPHRASE")
	}
	for _, n := range names {
		if v := getenv(n); v != "" {
			req.Env[n] = v
		}
	}
	req.exact()
	b, _ := json.Marshal(req)
	fc := &frameConn{w: conn}
	if err := fc.send(frameRequest, b); err != nil {
		return relayBroken(io, err)
	}
	stop := context.AfterFunc(ctx, func() { fc.send(frameCancel, nil) })
	defer stop()
	for {
		t, p, err := readFrame(conn)
		if err != nil {
			return relayBroken(io, err)
		}
		switch t {
		case frameStdout:
			io.out.Write(p)
		case frameStderr:
			io.err.Write(p)
		case frameNeed:
			go sendStdin(fc, io.in)
		case frameExit:
			if len(p) != 4 {
				return relayBroken(io, fmt.Errorf("exit frame of %d bytes", len(p)))
			}
			return int(int32(binary.BigEndian.Uint32(p)))
		}
	}
}

// sendStdin sends one read of standard input, or its end.
func sendStdin(fc *frameConn, in io.Reader) {
	if in == nil {
		fc.send(frameEOF, nil)
		return
	}
	buf := make([]byte, 64<<10)
	n, err := in.Read(buf)
	if n > 0 {
		fc.send(frameStdin, buf[:n])
		return
	}
	if err != nil {
		fc.send(frameEOF, nil)
		return
	}
	fc.send(frameStdin, nil)
}

func relayBroken(io stdio, err error) int {
	fmt.Fprintf(io.err, "casefile: error: the connection to the running 'casefile serve' broke before the command ended: %v\n", err)
	fmt.Fprintln(io.err, "casefile: hint: what the command committed before stays; 'casefile log' shows it")
	return exitFailure
}
