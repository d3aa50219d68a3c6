package main

import (
	"bytes"
	"crypto/sha256"
	"sync"
)

func sha256sum(b []byte) [32]byte { return sha256.Sum256(b) }

// syncWriter is a goroutine-safe buffer for captured output.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
