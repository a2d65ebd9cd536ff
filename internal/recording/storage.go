package recording

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// ErrNotStored means no file is stored under a key.
var ErrNotStored = errors.New("recording: no such stored file")

// Object is a stored file opened for reading: it seeks, so that a browser can ask for ranges.
type Object interface {
	io.ReadSeekCloser
	// Size is the file's length in bytes.
	Size() int64
	// ModTime is when it was stored.
	ModTime() time.Time
}

// Storage keeps finished recordings: a local directory (LocalStorage) or an S3-compatible
// bucket (S3Storage). Keys look like "RE_xxx/meeting.webm".
type Storage interface {
	// Put stores the local file at path under key.
	Put(ctx context.Context, key, path, contentType string) error
	// Open opens the file stored under key; ErrNotStored if there is none.
	Open(ctx context.Context, key string) (Object, error)
	// Delete removes every file stored under the key prefix (a recording's directory); no
	// error if there is none.
	Delete(ctx context.Context, prefix string) error
	// Local reports whether files stay in the recordings directory (then the per-track files
	// are kept beside the composed one).
	Local() bool
}

// validKey reports whether key is one a recording uses: "RE_xxx/name.ext".
func validKey(key string) bool {
	id, name, ok := strings.Cut(key, "/")
	return ok && ValidID(id) && name != "" && !strings.ContainsAny(name, "/\\") && name != "." && name != ".." &&
		path.Clean(key) == key
}

// LocalStorage keeps recordings in a directory, one sub-directory per recording: the one they
// are recorded into.
type LocalStorage struct{ Dir string }

var _ Storage = LocalStorage{}

// Local implements Storage.
func (LocalStorage) Local() bool { return true }

// Put implements Storage: the file is moved under Dir (it is usually there already).
func (s LocalStorage) Put(ctx context.Context, key, src, contentType string) error {
	if !validKey(key) {
		return fmt.Errorf("store %q: invalid key", key)
	}
	dst := filepath.Join(s.Dir, filepath.FromSlash(key))
	if filepath.Clean(src) == dst {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	return os.Rename(src, dst)
}

// Open implements Storage.
func (s LocalStorage) Open(ctx context.Context, key string) (Object, error) {
	if !validKey(key) {
		return nil, ErrNotStored
	}
	f, err := os.Open(filepath.Join(s.Dir, filepath.FromSlash(key)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotStored
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &localObject{File: f, fi: fi}, nil
}

// Delete implements Storage.
func (s LocalStorage) Delete(ctx context.Context, prefix string) error {
	prefix = strings.TrimSuffix(prefix, "/")
	if !ValidID(prefix) {
		return fmt.Errorf("delete %q: invalid recording id", prefix)
	}
	return os.RemoveAll(filepath.Join(s.Dir, prefix))
}

type localObject struct {
	*os.File
	fi os.FileInfo
}

func (o *localObject) Size() int64        { return o.fi.Size() }
func (o *localObject) ModTime() time.Time { return o.fi.ModTime() }
