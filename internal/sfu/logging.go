package sfu

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// slogFactory sends pion's logs to slog, one level down: pion warns about conditions that are
// routine for a server (a peer that went away mid-packet), so its warnings are logged at debug
// and its errors at warn.
type slogFactory struct{ log *slog.Logger }

func (f slogFactory) NewLogger(scope string) logging.LeveledLogger {
	return slogLogger{log: f.log.With("pion", scope)}
}

type slogLogger struct{ log *slog.Logger }

func (l slogLogger) logf(level slog.Level, format string, args ...any) {
	if !l.log.Enabled(context.Background(), level) {
		return
	}
	l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
}

func (l slogLogger) Trace(msg string)                  {}
func (l slogLogger) Tracef(format string, args ...any) {}
func (l slogLogger) Debug(msg string)                  { l.logf(slog.LevelDebug-4, "%s", msg) }
func (l slogLogger) Debugf(format string, args ...any) { l.logf(slog.LevelDebug-4, format, args...) }
func (l slogLogger) Info(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l slogLogger) Infof(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l slogLogger) Warn(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l slogLogger) Warnf(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l slogLogger) Error(msg string)                  { l.logf(slog.LevelWarn, "%s", msg) }
func (l slogLogger) Errorf(format string, args ...any) { l.logf(slog.LevelWarn, format, args...) }
