// Command casefile preserves evidence in a tamper-evident case store,
// enriches and assesses the infrastructure it names, and exports signed
// packages that counsel and police can verify offline.
//
// See README.md for a tour, and `casefile help` for every command.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv)
	stop()
	os.Exit(code)
}
