// Command casefile preserves evidence in a tamper-evident case store,
// enriches and assesses the infrastructure it names, and exports signed
// packages that counsel and police can verify offline.
//
// See README.md for a tour, and `casefile help` for every command.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(runWithSignals(os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv))
}

// stopGrace is how long a command may take to stop after SIGINT or
// SIGTERM before it is abandoned.
const stopGrace = 3 * time.Second

// runWithSignals runs the command. SIGINT or SIGTERM cancels its context:
// it stops at the next check, commits nothing half-done and closes the case
// (releasing its lock). A command blocked where it cannot check (a read
// from a terminal or a pipe that never ends) is abandoned after stopGrace
// or at a second signal; exiting then releases the lock too, and the store
// is left as after a crash, which it is built to survive.
func runWithSignals(args []string, io stdio, getenv func(string) string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	// A closed standard output (`casefile assess | head`) must not kill the
	// process where it stands: killed by SIGPIPE in the middle of a write to
	// the case, it left the store to be recovered by `verify --recover`
	// before any other command would read it. Asked for, SIGPIPE is
	// delivered here (and dropped), and the write fails with EPIPE: the
	// command stops as on any error, closing the case. (Notify, not Ignore:
	// an ignored signal would stay ignored in the programs casefile runs.)
	pipes := make(chan os.Signal, 1)
	signal.Notify(pipes, syscall.SIGPIPE)
	defer signal.Stop(pipes)
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, io, getenv) }()
	select {
	case code := <-done:
		return code
	case s := <-sigs:
		fmt.Fprintf(io.err, "casefile: %v: stopping (what was committed stays; nothing half-done is recorded)\n", s)
		cancel()
	}
	select {
	case code := <-done:
		return code
	case <-sigs:
	case <-time.After(stopGrace):
	}
	fmt.Fprintln(io.err, "casefile: error: stopped while waiting for input; nothing of it was recorded")
	return exitFailure
}
