// Package envconfig holds the typed settings of every environment and their validation.
// Pure Go: nothing here touches jsii, so it is validated before any construct exists.
package envconfig

import (
	"maps"
	"slices"
)

// Stage says which compliance floors apply to an environment.
type Stage string

// Stages, from least to most protected.
const (
	StageDevelopment Stage = "development" // disposable data: no deletion protection required
	StageStaging     Stage = "staging"     // production-like controls on non-production data
	StageProduction  Stage = "production"  // cardholder data: every floor applies
)

// Environment is every per-environment setting of the design's environment table. Each field
// says its unit, what validation allows, and why it differs between stages; Stage.Floors says
// what a stage requires at least.
type Environment struct {
	Name  string // stack suffix scalepayments-<Name>: 2-12 lowercase letters or digits
	Code  string // 2-4 character code for names with tight AWS limits (ALB and target groups: 32)
	Stage Stage  // development, staging or production: selects the floors (Stage.Floors)

	Region string // AWS region name, e.g. us-east-1
	// AvailabilityZones of Region, 2-6, lettered a-h (the letter is the subnet slot). More AZs
	// survive more failures; dev runs 2 to save NAT and data-store cost, prod 3.
	AvailabilityZones []string
	// Account names the AWS account (Accounts) the environment lives in; its stack refuses any
	// other account (allowed_account_ids), and the account's stack holds the account-wide controls.
	Account string

	VPCCIDR string // IPv4 /16-/23, never overlapping another environment's (peering stays possible)
	// NATGateways is 1 (shared: cheap, one AZ's loss cuts egress) or one per AZ (staging, prod).
	NATGateways int
	// InterfaceEndpoints puts ECR, logs, secretsmanager, kms and sts endpoints in the VPC, so task
	// traffic to AWS stays off the NAT (staging, prod); dev saves their hourly cost.
	InterfaceEndpoints bool
	// NetworkFirewall inspects all egress (private -> firewall endpoint -> NAT) and lets out only
	// TLS and HTTP to the services' declared domains; required in production (floor). Lower
	// stages rely on the DNS Firewall allowlist alone (the Network Firewall costs ~$0.40/h per AZ).
	NetworkFirewall bool

	Aurora Aurora
	Redis  Redis
	Backup Backup
	// Services in deployment order; names are the ECS service names.
	Services []Service

	// LogRetentionDays is every log group's retention: one of CloudWatch's values
	// (CloudWatchRetentionDays), at least the stage's floor (365 in production, PCI-DSS 10.5.1).
	LogRetentionDays int
	// KMSDeletionWindowDays is the 7-30 day wait before a deleted key is gone: longest in prod,
	// where a key deleted by mistake must be recoverable.
	KMSDeletionWindowDays int
	// SecretRecoveryDays is the Secrets Manager recovery window: 0 (immediate, dev only) or 7-30.
	SecretRecoveryDays int
	// WAF attaches the web ACL to the ALB; required in staging and production (floor).
	WAF bool
	// CORSAllowedOrigins are https:// origins, or "*" where the stage allows it (dev only).
	CORSAllowedOrigins []string
	Tags               map[string]string // besides the common tags; must include Environment

	// HostedZone is the environment's public Route 53 zone, created by its account's stack in the
	// account itself (so certificates validate there); APIDomain is the API's custom domain in it.
	HostedZone  string
	APIDomain   string
	APIThrottle Throttle
	// Images is the release: each service's image by digest, read from the environment's
	// manifest (ManifestPath), never from Go. OverrideImages changes one for a single run.
	Images map[string]Image
	// PromoteFrom is the environment whose tested images this one runs ("" where images are
	// built): its delivery role may pull them, across accounts too, to copy them by digest.
	PromoteFrom string
	// ExecuteCommand enables ECS Exec (audited shell access into tasks). AWS does not support it
	// with a read-only root filesystem (the SSM agent writes to it), so it is allowed only in
	// development, where ReadOnlyRootFilesystem is off.
	ExecuteCommand bool
	// ReadOnlyRootFilesystem makes every container's root filesystem read-only (only /tmp is
	// writable). Required outside development.
	ReadOnlyRootFilesystem bool
	// FargateSpotWeight, 0-1000, is FARGATE_SPOT's share beside FARGATE (which always carries the
	// base task): cheap interruptible capacity in dev, none in prod.
	FargateSpotWeight int
	// WAFRateLimit is the most requests one client IP may send in 5 minutes (WAF rate rule),
	// 10-2,000,000,000; prod is stricter than the lower stages' test traffic needs.
	WAFRateLimit int
	Alarms       Alarms
	// Notify is who receives alarms, ECS deployment failures and security findings.
	Notify Notifications
	// LiftProtection turns the stage's ChangeProtection off for one run, never in a file: set by
	// SCALEPAYMENTS_LIFT_PROTECTION (LiftProtection) for a change the protection would refuse.
	LiftProtection bool

	releaseErr error // why the manifest could not be read, reported by Validate
}

// Notifications are the subscriptions of an environment's alarm topic: every endpoint gets
// every message. At least one is required, so no alarm goes unseen.
type Notifications struct {
	Emails []string // confirmed by the recipient after the first apply
	HTTPS  []string // e.g. an incident tool's SNS integration URL; no credentials or query
}

// Alarms are the alarm thresholds of an environment: tighter in prod, where customers feel a
// breach first, looser in dev, where noise would teach people to ignore alarms.
type Alarms struct {
	CPUPercent        int // 1-100: ECS services, Aurora, Redis engine CPU
	MemoryPercent     int // 1-100: ECS services, Redis
	Errors5xx         int // >= 1: ALB and API Gateway 5xx responses per 5 minutes
	ResponseTimeMs    int // >= 1: ALB target response time (p95), milliseconds
	FreeableMemoryMiB int // >= 1: Aurora instance memory floor, MiB
	ReplicaLagMs      int // >= 1: Aurora reader lag, milliseconds
	Evictions         int // >= 1: Redis evictions per 5 minutes
}

// Throttle is the API Gateway default-route throttling (account limits: 10,000 rps, 5,000 burst).
type Throttle struct {
	RateLimit  int // steady requests per second, 1-10000
	BurstLimit int // requests above the rate a client may burst, 1-5000
}

// Aurora is the Aurora PostgreSQL cluster of an environment. Deletion protection, final
// snapshots and prevent_destroy follow the stage (Stage.Floors), not a setting.
type Aurora struct {
	// InstanceClass: db.t3/t4g medium or large (burstable: dev only in practice), or a memory-
	// optimized class (r5/r6g/r6i/r7g/r7i/r8g/x2g) for steady production load.
	InstanceClass string
	// Instances, 1-16: the writer and up to 15 readers, spread over the AZs; 2 or more survive
	// the loss of an AZ (staging, prod).
	Instances int
	// BackupRetentionDays, 1-35, at least the stage's floor (30 in production).
	BackupRetentionDays int
	PerformanceInsights bool // 7 days of query-level performance data, encrypted with the database key
	MonitoringInterval  int  // enhanced monitoring seconds: 0 (off), 1, 5, 10, 15, 30 or 60
}

// Backup is AWS Backup protection of the Aurora cluster, beyond Aurora's own automated backups:
// continuous backup (point-in-time restore) into a vault with its own key, selected by the
// cluster's ARN (not by a tag anyone can remove), optionally locked and copied to a second
// region, with scheduled restore tests. Its point-in-time window is Aurora.BackupRetentionDays:
// AWS Backup takes over the cluster's automated-backup retention, so the two must agree.
type Backup struct {
	// Lock is the vault lock: "" (none), "governance" (only principals with backup lock
	// permissions may shorten or delete recovery points) or "compliance" (nobody can, not even
	// the account root, once the 3-day grace period has passed). Floors: governance in staging,
	// compliance in production.
	Lock string
	// DRRegion receives a copy of every recovery point, in its own vault and key ("" for none;
	// required in production). It must differ from Region.
	DRRegion string
	// DRRetentionDays, 1-3650, is how long the copies in DRRegion are kept (0 without DRRegion).
	DRRetentionDays int
	// RestoreTesting has AWS Backup restore the latest recovery point every week and check it
	// (required in staging and production).
	RestoreTesting bool
}

// BackupHourUTC is when the daily backup job starts: it opens the continuous backup and, where
// there is a DR region, copies the latest recovery point there (a copy of a continuous backup is
// a snapshot, so the DR region's recovery point is at most a day old).
const BackupHourUTC = 5

// Backup vault lock modes.
const (
	LockGovernance = "governance"
	LockCompliance = "compliance"
)

// Redis is the ElastiCache Redis replication group of an environment.
type Redis struct {
	NodeType string // a current-generation cache.* type; burstable t3/t4g outside production
	// Nodes, 1-6: a primary and up to 5 replicas; 2 or more turn on automatic failover and
	// multi-AZ (Failover).
	Nodes int
	// SnapshotRetentionDays, 0-35: daily snapshots kept; at least 1 where the stage is protected,
	// which also keeps a final snapshot.
	SnapshotRetentionDays int
}

// Service is one ECS Fargate service: what it is (the same in every environment) and, through
// Capacity, how big it runs in one environment.
type Service struct {
	Name string // the ECS service name and the /<name>/* path; 2-16 lowercase letters or digits
	// Priority is the service's ALB listener-rule priority (1-50000, unique per environment). It
	// is fixed per service so adding or removing a service never renumbers the others' rules.
	Priority int
	// What the service may reach: its own database user, its own Redis user, its own secrets.
	Database bool
	Cache    bool
	Secrets  []string // Secrets Manager secrets created for the service, read through `secrets`
	// ExternalDomains are the third-party API hosts the service calls over HTTPS. Only a service
	// that declares one may leave the VPC, and only to these names: the DNS Firewall allowlist
	// everywhere, the Network Firewall TLS SNI allowlist where NetworkFirewall is on.
	ExternalDomains []string
	// ScaleOnRequests adds ALB request-count-per-target scaling (for request-bound services).
	ScaleOnRequests bool
	Capacity
}

// Capacity is a service's size in one environment.
type Capacity struct {
	DesiredCount int // tasks at creation and the autoscaling minimum; spread over the AZs
	MaxCount     int // autoscaling maximum, at least DesiredCount
	CPU          int // Fargate CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384
	MemoryMiB    int // a memory size Fargate accepts for CPU (ValidateFargateSize)
}

// Sized is the service with an environment's capacity.
func (s Service) Sized(c Capacity) Service {
	s.Capacity = c
	return s
}

// ExternalDomains are every service's declared third-party domains, sorted, each once.
func (e Environment) ExternalDomains() []string {
	var out []string
	for _, s := range e.Services {
		out = append(out, s.ExternalDomains...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Failover reports whether Redis runs with automatic failover and multi-AZ.
func (r Redis) Failover() bool { return r.Nodes >= 2 }

// Clone deep-copies the environment so a variant (in tests or a new environment) never
// changes the shipped values.
func (e Environment) Clone() Environment {
	e.AvailabilityZones = slices.Clone(e.AvailabilityZones)
	e.Services = slices.Clone(e.Services)
	for i := range e.Services {
		e.Services[i].Secrets = slices.Clone(e.Services[i].Secrets)
		e.Services[i].ExternalDomains = slices.Clone(e.Services[i].ExternalDomains)
	}
	e.CORSAllowedOrigins = slices.Clone(e.CORSAllowedOrigins)
	e.Notify.Emails = slices.Clone(e.Notify.Emails)
	e.Notify.HTTPS = slices.Clone(e.Notify.HTTPS)
	e.Tags = maps.Clone(e.Tags)
	e.Images = maps.Clone(e.Images)
	return e
}
