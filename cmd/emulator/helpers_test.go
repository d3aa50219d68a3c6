package main

import (
	"bytes"
	"crypto/sha256"
	"sync"
)

func sha256sum(b []byte) [32]byte { return sha256.Sum256(b) }

// syncWriter is a goroutine-safe buffer for captured output.
type syncWriter struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.changed != nil {
		close(w.changed)
		w.changed = nil
	}
	return w.b.Write(p)
}

// next returns a channel closed by the next write.
func (w *syncWriter) next() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.changed == nil {
		w.changed = make(chan struct{})
	}
	return w.changed
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
