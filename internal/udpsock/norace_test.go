//go:build !race

package udpsock

const raceEnabled = false
