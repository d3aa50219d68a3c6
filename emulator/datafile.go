package emulator

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// dataFile is what a start made for the data file, removed when that
// start fails (and, for an ephemeral file, at Close): the directories that
// did not exist before, and the file itself when this start made it.
type dataFile struct {
	file string   // the data file's path
	dirs []string // directories that did not exist, deepest first
	temp bool     // an ephemeral file in a directory of its own
}

// testHookPrepared, when set by a test, runs between prepareData and
// opening the data file: where another process may make the file.
var testHookPrepared func(Config)

// prepareData resolves an ephemeral configuration to a temporary file and
// records which directories opening cfg.DataPath will create.
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
		return dataFile{file: cfg.DataPath, dirs: []string{dir}, temp: true}, nil
	}
	d := dataFile{file: cfg.DataPath}
	for p := filepath.Dir(filepath.Clean(cfg.DataPath)); ; {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		d.dirs = append(d.dirs, p)
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	return d, nil
}

// remove deletes what the start made: the file only when made says this
// start made it (storage.DB.Created; never a file another process made
// meanwhile, which a failed start would otherwise take from it), and the
// directories only while empty.
func (d dataFile) remove(made bool) {
	if made || d.temp {
		_ = os.Remove(d.file)
	}
	for _, p := range d.dirs {
		_ = os.Remove(p)
	}
}
