// Package cluster lets several visio nodes serve as one: they meet on NATS, announce themselves
// in a node registry, and agree on which node holds which room.
//
// The registry and the room placements are JetStream key-value buckets:
//
//	visio-nodes   node id   -> signed NodeInfo (media address, internal URL, load, version), put every heartbeat
//	visio-rooms   room code -> Placement (the node holding the room), created once, taken over when its node is lost
//
// Each node watches both buckets and keeps its own view. A node not heard from for DeadAfter (by
// this node's clock, so clocks need not agree) is lost: its rooms are placed again on the next
// join. Entries are signed with a key all nodes share (derived from the join-token key), so
// a client of the NATS server that is not a visio node cannot steer rooms; an entry with a bad
// signature, an old timestamp, or another protocol version is ignored and counted.
//
// With no NATS URL configured the node runs a NATS server in its own process with no listening
// port (Embedded): one node alone, and nothing to install.
package cluster
