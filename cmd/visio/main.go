// Command visio runs the visio video-conferencing service.
//
//	visio serve [flags]      run the service (see visio serve -h)
//	visio loadtest [flags]   run headless participants against a server (see visio loadtest -h)
//	visio transcribe FILE    who spoke when, and what, in a recording (see visio transcribe -h)
//	visio eval ...           score diarization (DER) and recognition (WER) (see visio eval help)
//	visio apps create --name N --scopes rooms:create,rooms:read
//	                         make an application credential for the HTTP API
//	visio hash-password      print the bcrypt hash of a password read from standard input
//	visio version            print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"visio/internal/app"
	"visio/internal/config"
	"visio/internal/loadtest"
	"visio/internal/procs"
	"visio/internal/transcribe/cli"
)

const usage = `visio: sovereign video conferencing

Usage:
  visio serve [flags]      run the service (visio serve -h lists the flags)
  visio loadtest [flags]   load test a server (visio loadtest -h lists the flags)
  visio transcribe FILE    transcribe a recording (visio transcribe -h lists the flags)
  visio eval ...           score diarization and recognition (visio eval help)
  visio apps create --name NAME --scopes rooms:create,rooms:read [--config FILE]
                           make an application credential for the HTTP API
  visio hash-password      bcrypt hash of a password read from standard input, for
                           [[auth.local.users]] password_hash
  visio cluster status [--json] [--config FILE]
                           the nodes sharing cluster.nats_url: state, load, rooms
  visio version            print the version
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "loadtest":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := loadtest.Main(ctx, os.Args[2:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	case "transcribe":
		err = withSignals(func(ctx context.Context) error { return cli.Transcribe(ctx, os.Args[2:], os.Stdout, os.Stderr) })
	case "eval":
		err = withSignals(func(ctx context.Context) error { return cli.Eval(ctx, os.Args[2:], os.Stdout, os.Stderr) })
	case "apps":
		err = withSignals(func(ctx context.Context) error { return apps(ctx, os.Args[2:]) })
	case "cluster":
		err = withSignals(func(ctx context.Context) error { return clusterCmd(ctx, os.Args[2:]) })
	case "hash-password":
		err = hashPassword()
	case "version":
		fmt.Println("visio", version())
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "visio: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "visio:", err)
		os.Exit(1)
	}
}

// withSignals runs f with a context cancelled on SIGINT or SIGTERM.
func withSignals(f func(context.Context) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return f(ctx)
}

func serve(args []string) error {
	cfg, err := config.Load(args, os.Getenv)
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg.Log, os.Stderr)
	a, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := sizeScheduler(ctx, cfg.Media, log)
	defer func() { <-done }()
	return a.Run(ctx, os.Stdout)
}

// sizeScheduler applies media.procs: a fixed number of processors, or, for "auto", a
// controller that follows the load until ctx ends (done is closed then). The GOMAXPROCS
// environment variable, when set, wins over both.
func sizeScheduler(ctx context.Context, m config.Media, log *slog.Logger) (done <-chan struct{}) {
	ch := make(chan struct{})
	n, _ := m.FixedProcs() // validated by config.Load
	switch {
	case os.Getenv("GOMAXPROCS") != "":
		log.Info("scheduler processors set by GOMAXPROCS", "procs", runtime.GOMAXPROCS(0))
		close(ch)
	case n > 0:
		procs.Set(n)
		log.Info("scheduler processors", "procs", n)
		close(ch)
	default:
		c := procs.NewController(runtime.GOMAXPROCS(0), log.With("component", "procs"))
		go func() {
			defer close(ch)
			c.Run(ctx)
		}()
	}
	return ch
}

// buildVersion is stamped by make (-ldflags "-X main.buildVersion=...", from git describe).
var buildVersion string

// version is the stamped version; else the module version (go install visio@v1.2.3); else the
// commit Go recorded at build time, "devel-" and its first 12 characters ("-dirty" for
// uncommitted changes); else "(devel)".
func version() string {
	info, _ := debug.ReadBuildInfo()
	return versionFrom(buildVersion, info)
}

func versionFrom(stamped string, info *debug.BuildInfo) string {
	if stamped != "" {
		return stamped
	}
	if info == nil {
		return "(devel)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return "(devel)"
	}
	return "devel-" + rev[:min(12, len(rev))] + dirty
}
