package envconfig

// Floors are the controls a stage requires. Validation refuses an environment below its
// stage's floors, and the policy pack checks each synthesized stack against the floors of its
// stage, never against the settings that built it.
type Floors struct {
	// Protected: deletion protection and final snapshots on Aurora, Redis snapshots, ALB
	// deletion protection; an apply cannot lose data.
	Protected bool
	// PreventDestroy: Terraform itself refuses to destroy the Aurora cluster (lifecycle).
	PreventDestroy bool
	// AccountBaseline: the account hosting the stage runs GuardDuty, AWS Config, a validated
	// multi-region CloudTrail and Security Hub with the PCI DSS standard (its account stack).
	AccountBaseline bool
	// WAF on the ALB (PCI-DSS 6.4.2).
	WAF bool
	// ReadOnlyRoot: every container's root filesystem is read-only (PCI-DSS 2.2.6), which
	// rules out ECS Exec (AWS supports it only with a writable root).
	ReadOnlyRoot bool
	// InspectEgress: the Network Firewall filters all egress by TLS SNI / HTTP host (PCI-DSS 1.3.2).
	InspectEgress bool
	// NoWildcardCORS: browsers may call the API only from named origins.
	NoWildcardCORS bool
	// MinLogRetentionDays: every log group keeps at least this long (0 = no floor).
	MinLogRetentionDays int
	// MinBackupRetentionDays: Aurora keeps automated backups at least this long.
	MinBackupRetentionDays int
	// BackupLock is the weakest vault lock allowed: "" (any), governance or compliance.
	BackupLock string
	// CrossRegionBackup: every recovery point is copied to a second region (region loss).
	CrossRegionBackup bool
	// RestoreTesting: AWS Backup proves on a schedule that a recovery point restores.
	RestoreTesting bool
	// ChangeProtection: the egress controls refuse a change nobody meant: the DNS Firewall's
	// association its mutation protection, the Network Firewall its delete, subnet and policy
	// change protection. Off in development, which is destroyed and rebuilt at will; lifted for
	// one run by SCALEPAYMENTS_LIFT_PROTECTION (README "Changing the egress controls").
	ChangeProtection bool
}

// MinProductionRetentionDays is PCI-DSS 10.5.1's one year of audit log history.
const MinProductionRetentionDays = 365

// Floors returns what the stage requires. Development has none beyond the design's defaults:
// its data is disposable test data.
func (s Stage) Floors() Floors {
	switch s {
	case StageStaging:
		return Floors{Protected: true, AccountBaseline: true, WAF: true, ReadOnlyRoot: true, NoWildcardCORS: true, MinLogRetentionDays: 30, MinBackupRetentionDays: 7,
			BackupLock: LockGovernance, RestoreTesting: true, ChangeProtection: true}
	case StageProduction:
		return Floors{Protected: true, PreventDestroy: true, AccountBaseline: true, WAF: true, ReadOnlyRoot: true, NoWildcardCORS: true, InspectEgress: true,
			MinLogRetentionDays: MinProductionRetentionDays, MinBackupRetentionDays: 30,
			BackupLock: LockCompliance, CrossRegionBackup: true, RestoreTesting: true, ChangeProtection: true}
	}
	return Floors{MinBackupRetentionDays: 1}
}
