package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"visio/internal/app"
	"visio/internal/auth/localidp"
	"visio/internal/config"
)

// apps runs "visio apps create": it prints a new application credential's client id and
// secret. The secret is shown once.
func apps(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: visio apps create --name NAME --scopes rooms:create,rooms:read [--config FILE]")
	}
	fs := flag.NewFlagSet("visio apps create", flag.ContinueOnError)
	name := fs.String("name", "", "what the application is, for the administrators (required)")
	scopes := fs.String("scopes", "", "comma-separated scopes: rooms:create, rooms:read (required)")
	path := fs.String("config", os.Getenv("VISIO_CONFIG"), "TOML configuration file (for [store])")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *name == "" || *scopes == "" {
		return errors.New("visio apps create: --name and --scopes are required")
	}
	var cfgArgs []string
	if *path != "" {
		cfgArgs = []string{"--config", *path}
	}
	cfg, err := config.Load(cfgArgs, os.Getenv)
	if err != nil {
		return err
	}
	var list []string
	for _, s := range strings.Split(*scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	id, secret, err := app.CreateAppCredential(ctx, cfg, *name, list)
	if err != nil {
		return err
	}
	fmt.Printf("client_id:     %s\nclient_secret: %s\n\nThe secret is shown once. Send it as\n  Authorization: Bearer %s.<client_secret>\n", id, secret, id)
	return nil
}

// hashPassword prints the bcrypt hash of the password on the first line of standard input.
func hashPassword() error {
	fmt.Fprintln(os.Stderr, "Password (one line on standard input):")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("read the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if len(pw) < 8 {
		return errors.New("the password must have at least 8 characters")
	}
	h, err := localidp.HashPassword(pw)
	if err != nil {
		return err
	}
	fmt.Println(h)
	return nil
}
