package report

import (
	"fmt"
	"strings"

	"github.com/scalepayments/infra/envconfig"
)

// Objective is one way an environment's data store can fail, and the recovery point objective
// (data that may be lost) and recovery time objective (time until it serves again) that the
// configuration implies, with how to recover.
type Objective struct {
	Store, Case, RPO, RTO, How string
}

// AWS's documented figures. Where AWS documents none, the objective says so instead of guessing.
const (
	// "The latest restorable time for a DB cluster is the most recent point at which you can
	// restore your DB cluster, typically within 5 minutes of the current time." (Aurora User
	// Guide, Overview of backing up and restoring an Aurora DB cluster)
	auroraPITR = "≈ 5 min (latest restorable time)"
	// "service is typically restored in less than 120 seconds, and often less than 60 seconds"
	// (Aurora User Guide, High availability for Amazon Aurora: Fault tolerance)
	auroraFailover = "< 120 s, often < 60 s (failover to a reader)"
	// "Service is restored when the new primary instance is created, which typically takes less
	// than 10 minutes." (same page, a cluster without Aurora Replicas)
	auroraRecreate = "< 10 min (the writer is recreated)"
	// The cluster volume keeps six copies across three AZs: "your DB cluster can tolerate a
	// failure of an Availability Zone without any loss of data" (same page).
	auroraNoLoss = "0 (six copies of the volume across 3 AZs)"
	restoreHours = "hours: a new cluster from backup, time grows with size (AWS documents no figure)"
)

// Table renders the objectives of envs as the Markdown table the report and the README show.
func Table(envs []envconfig.Environment) string {
	var b strings.Builder
	b.WriteString("| environment | data store | failure | RPO (data lost) | RTO (until it serves) | recovery |\n|---|---|---|---|---|---|\n")
	for _, e := range envs {
		for _, o := range Objectives(e) {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", e.Name, o.Store, o.Case, o.RPO, o.RTO, o.How)
		}
	}
	return b.String()
}

// Objectives lists, for one environment, the objectives of each data store and failure case,
// computed from its settings.
func Objectives(e envconfig.Environment) []Objective {
	a, r, b := e.Aurora, e.Redis, e.Backup
	var out []Objective
	if a.Instances >= 2 {
		out = append(out, Objective{"Aurora", "instance or AZ lost", auroraNoLoss, auroraFailover, "automatic"})
	} else {
		out = append(out,
			Objective{"Aurora", "instance lost", auroraNoLoss, auroraRecreate, "automatic"},
			Objective{"Aurora", "AZ lost", auroraNoLoss, "until an operator adds an instance in another AZ (one instance, one AZ)", "add an instance (Aurora.Instances = 2)"})
	}
	out = append(out, Objective{"Aurora", fmt.Sprintf("bad write or deletion (within %d days)", a.BackupRetentionDays), auroraPITR, restoreHours,
		"point-in-time restore from the AWS Backup vault (continuous backup)"})
	if b.DRRegion != "" {
		out = append(out, Objective{"Aurora", "region lost (" + e.Region + ")",
			fmt.Sprintf("≤ 24 h + copy time (daily copy at %02d:00 UTC, kept %d days)", envconfig.BackupHourUTC, b.DRRetentionDays),
			"hours: restore the copy in " + b.DRRegion + ", deploy the stack there (not automated)", "restore from the DR vault"})
	}
	switch {
	case r.Failover():
		out = append(out, Objective{"Redis", "node or AZ lost", "seconds (asynchronous replication)", "automatic failover to a replica (AWS documents no duration: measure with TestFailover)", "automatic"})
	default:
		out = append(out, Objective{"Redis", "node lost", snapshotRPO(r), "minutes: ElastiCache replaces the node", "automatic"})
	}
	if r.SnapshotRetentionDays == 0 {
		return append(out, Objective{"Redis", "data lost or corrupted", snapshotRPO(r), "minutes: flush and refill from Aurora", "FLUSHALL; the services refill it"})
	}
	return append(out, Objective{"Redis", "data lost or corrupted", snapshotRPO(r), "minutes: a new replication group from the snapshot (AWS documents no figure)", "restore from snapshot"})
}

func snapshotRPO(r envconfig.Redis) string {
	if r.SnapshotRetentionDays == 0 {
		return "everything: no snapshots (a cache, rebuilt from Aurora)"
	}
	return fmt.Sprintf("≤ 24 h (daily snapshot, kept %d days)", r.SnapshotRetentionDays)
}
