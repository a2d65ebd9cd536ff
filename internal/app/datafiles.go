package app

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// privateFiles makes the files holding secrets readable by the service's user only: the SQLite
// database (sign-in sessions with ID tokens) and its journal files, created 0600 if missing;
// existing files others may read (made by an earlier version, or copied in) are changed to 0600,
// with a log line saying so.
func privateFiles(log *slog.Logger, create string, existing ...string) error {
	if create != "" {
		f, err := os.OpenFile(create, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			if err := f.Close(); err != nil {
				return fmt.Errorf("create %s: %w", create, err)
			}
		case !errors.Is(err, fs.ErrExist):
			return fmt.Errorf("create %s: %w", create, err)
		}
		existing = append(existing, create)
	}
	for _, p := range existing {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check %s: %w", p, err)
		}
		if st.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, st.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("make %s private: %w", p, err)
		}
		log.Warn("a file holding secrets was readable by others: now readable by the service's user only", "file", p, "was", fmt.Sprintf("%#o", st.Mode().Perm()), "now", fmt.Sprintf("%#o", st.Mode().Perm()&0o700))
	}
	return nil
}
