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

// Environment is every per-environment setting of the design's environment table.
type Environment struct {
	Name  string // stack suffix: scalepayments-<Name>
	Code  string // short code for names with tight AWS limits (ALB, target groups)
	Stage Stage

	Region            string
	AvailabilityZones []string
	// AccountID, when set, pins the stack to that AWS account (provider allowed_account_ids).
	AccountID string
	// OwnsAccountBaseline creates GuardDuty, AWS Config and CloudTrail: once per account and region.
	OwnsAccountBaseline bool

	VPCCIDR            string
	NATGateways        int  // 1 (shared) or one per AZ
	InterfaceEndpoints bool // ECR, logs, secretsmanager, kms, sts endpoints in the VPC

	Aurora Aurora
	Redis  Redis
	// Services in deployment order; names are the ECS service names.
	Services []Service

	LogRetentionDays      int
	KMSDeletionWindowDays int
	SecretRecoveryDays    int // Secrets Manager recovery window: 0 (dev only) or 7-30
	WAF                   bool
	CORSAllowedOrigins    []string
	Tags                  map[string]string // besides the common tags

	// HostedZone is the existing public Route 53 zone; APIDomain the API's custom domain in it.
	HostedZone  string
	APIDomain   string
	APIThrottle Throttle
	// ImageTag is the immutable tag every service's image is deployed with.
	ImageTag string
	// ExecuteCommand enables ECS Exec (audited shell access into tasks). AWS does not support it
	// with a read-only root filesystem (the SSM agent writes to it), so it is allowed only in
	// development, where ReadOnlyRootFilesystem is off.
	ExecuteCommand bool
	// ReadOnlyRootFilesystem makes every container's root filesystem read-only (only /tmp is
	// writable). Required outside development.
	ReadOnlyRootFilesystem bool
	// FargateSpotWeight is FARGATE_SPOT's share beside FARGATE (which always carries the base).
	FargateSpotWeight int
	// WAFRateLimit is the most requests one client IP may send in 5 minutes (WAF rate rule).
	WAFRateLimit int
	Alarms       Alarms
	// Notify is who receives alarms, ECS deployment failures and security findings.
	Notify Notifications
}

// Notifications are the subscriptions of an environment's alarm topic: every endpoint gets
// every message. At least one is required, so no alarm goes unseen.
type Notifications struct {
	Emails []string // confirmed by the recipient after the first apply
	HTTPS  []string // e.g. an incident tool's SNS integration URL
}

// Alarms are the alarm thresholds of an environment.
type Alarms struct {
	CPUPercent        int // ECS services, Aurora, Redis
	MemoryPercent     int // ECS services, Redis
	Errors5xx         int // ALB and API Gateway 5xx responses per 5 minutes
	ResponseTimeMs    int // ALB target response time (p95)
	FreeableMemoryMiB int // Aurora instance memory floor
	ReplicaLagMs      int // Aurora reader lag
	Evictions         int // Redis evictions per 5 minutes
}

// Throttle is the API Gateway default-route throttling.
type Throttle struct {
	RateLimit  int // steady requests per second
	BurstLimit int
}

// Aurora is the Aurora PostgreSQL cluster of an environment.
type Aurora struct {
	InstanceClass       string
	Instances           int // writer + readers, spread over the AZs
	BackupRetentionDays int
	PerformanceInsights bool
	MonitoringInterval  int // enhanced monitoring seconds, 0 = off
}

// Redis is the ElastiCache Redis replication group of an environment.
type Redis struct {
	NodeType              string
	Nodes                 int
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

// Failover reports whether Redis runs with automatic failover and multi-AZ.
func (r Redis) Failover() bool { return r.Nodes >= 2 }

// Clone deep-copies the environment so a variant (in tests or a new environment) never
// changes the shipped values.
func (e Environment) Clone() Environment {
	e.AvailabilityZones = slices.Clone(e.AvailabilityZones)
	e.Services = slices.Clone(e.Services)
	for i := range e.Services {
		e.Services[i].Secrets = slices.Clone(e.Services[i].Secrets)
	}
	e.CORSAllowedOrigins = slices.Clone(e.CORSAllowedOrigins)
	e.Notify.Emails = slices.Clone(e.Notify.Emails)
	e.Notify.HTTPS = slices.Clone(e.Notify.HTTPS)
	e.Tags = maps.Clone(e.Tags)
	return e
}
