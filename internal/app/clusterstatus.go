package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"visio/internal/auth"
	"visio/internal/cluster"
	"visio/internal/config"
)

// ClusterStatus writes the nodes of the cluster that cfg names, their state, load and rooms, as a
// table or as JSON. It reads NATS directly and needs the server key (auth.key_file) to check
// the entries.
func ClusterStatus(ctx context.Context, cfg config.Config, w io.Writer, asJSON bool, log *slog.Logger) error {
	if !cfg.Cluster.Clustered() {
		return errors.New("cluster.nats_url is not set: this configuration runs one node, with a NATS server inside its process that no other program can reach; see that node's /metrics (visio_cluster_*)")
	}
	keys, err := auth.LoadKeys(cfg.AuthKeyFile())
	if err != nil {
		return err
	}
	c := cfg.Cluster
	bus, err := cluster.Connect(ctx, cluster.BusConfig{
		URL: c.NATSURL, Credentials: c.NATSCredentials, User: c.NATSUser, Password: c.NATSPassword, Token: c.NATSToken,
		CAFile: c.NATSCA, CertFile: c.NATSCert, KeyFile: c.NATSKey, Name: "visio cluster status",
	}, log)
	if err != nil {
		return err
	}
	defer bus.Close()
	key := keys.Derive(clusterKeyPurpose)
	nodes, err := cluster.ReadStatus(ctx, bus, key, c.DeadAfter.D(), log)
	if err != nil {
		return err
	}
	cluster.ReadLive(ctx, bus, key, nodes)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"nodes": nodes})
	}
	if len(nodes) == 0 {
		_, err := fmt.Fprintln(w, "no node has announced itself on this NATS")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATE\tVERSION\tURL\tCPU\tPACKETS/S\tPARTICIPANTS\tROOMS\tLAST HEARD")
	for _, n := range nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f%%\t%.0f\t%d\t%d\t%s ago\n", n.ID, n.State, n.Version, n.URL,
			n.Load.CPU*100, n.Load.PacketsPerSecond, n.Load.Participants, len(n.Placed), n.Silent.Round(100*time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range nodes {
		if len(n.Placed) == 0 {
			continue
		}
		rooms := n.Placed
		if len(n.Rooms) > 0 {
			rooms = make([]string, len(n.Rooms))
			for i, r := range n.Rooms {
				switch {
				case r.Error != "":
					rooms[i] = r.Code + " (no answer)"
				case r.Locked:
					rooms[i] = fmt.Sprintf("%s (%d, locked)", r.Code, r.Participants)
				default:
					rooms[i] = fmt.Sprintf("%s (%d)", r.Code, r.Participants)
				}
			}
		}
		fmt.Fprintf(w, "%s: %s\n", n.ID, strings.Join(rooms, " "))
	}
	return nil
}
