package main

import (
	"context"
	"errors"
	"os"
	"slices"

	"visio/internal/app"
	"visio/internal/config"
)

// clusterCmd runs `visio cluster status [--json] [--config FILE]`.
func clusterCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "status" {
		return errors.New("usage: visio cluster status [--json] [--config FILE]")
	}
	args = args[1:]
	asJSON := slices.Contains(args, "--json")
	args = slices.DeleteFunc(args, func(a string) bool { return a == "--json" })
	cfg, err := config.Load(args, os.Getenv)
	if err != nil {
		return err
	}
	return app.ClusterStatus(ctx, cfg, os.Stdout, asJSON, app.NewLogger(config.Log{Level: "warn", Format: cfg.Log.Format}, os.Stderr))
}
