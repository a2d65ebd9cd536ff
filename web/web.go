// Package web embeds the browser application. Before the app is built (make web), a placeholder
// page saying how to build it is served instead, so the Go code always compiles.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built application, or the placeholder page if the app was not built. built
// reports which.
func FS() (files fs.FS, built bool) {
	if app, err := fs.Sub(dist, "dist/app"); err == nil {
		if _, err := fs.Stat(app, "index.html"); err == nil {
			return app, true
		}
	}
	placeholder, err := fs.Sub(dist, "dist/placeholder")
	if err != nil {
		panic(err) // the placeholder is part of the source tree
	}
	return placeholder, false
}
