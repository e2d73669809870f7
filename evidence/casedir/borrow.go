package casedir

// Borrow returns a handle on the same open case whose Close does nothing:
// for code that runs inside the process holding the case (a command the
// server runs for the CLI) and closes its handle when done, which must not
// close the holder's store nor release its lock.
func (h *Handle) Borrow() *Handle {
	b := *h
	b.lock = nil
	b.borrowed = true
	b.Warnings = nil
	return &b
}
