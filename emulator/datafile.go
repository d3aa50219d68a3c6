package emulator

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// dataFile is what a start created for the data file, removed when that
// start fails (and, for an ephemeral file, at Close): the file and the
// directories that did not exist before.
type dataFile struct {
	paths []string // deepest first
}

// prepareData resolves an ephemeral configuration to a temporary file and
// records what opening cfg.DataPath will create.
func prepareData(cfg *Config) (dataFile, error) {
	if cfg.DataPath == EphemeralDataPath {
		cfg.Ephemeral = true
	}
	if cfg.Ephemeral {
		dir, err := os.MkdirTemp("", "ibemu-")
		if err != nil {
			return dataFile{}, err
		}
		cfg.DataPath = filepath.Join(dir, "emulator.db")
		return dataFile{paths: []string{cfg.DataPath, dir}}, nil
	}
	var d dataFile
	for p := filepath.Clean(cfg.DataPath); ; {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		d.paths = append(d.paths, p)
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	return d, nil
}

// remove deletes what the start created; a directory is removed only
// while empty.
func (d dataFile) remove() {
	for _, p := range d.paths {
		_ = os.Remove(p)
	}
}
