package envconfig

const (
	region = "us-east-1"
	zone   = "scalepayments.com"
)

// The three services; each environment sizes them (Service.Sized).
var (
	api          = Service{Name: "api", Priority: 10, Database: true, Cache: true, ScaleOnRequests: true}
	payment      = Service{Name: "payment", Priority: 20, Database: true, Cache: true, Secrets: []string{"processor-api-key"}, ExternalDomains: []string{"api.stripe.com"}}
	notification = Service{Name: "notification", Priority: 30, Cache: true, Secrets: []string{"email-api-key"}, ExternalDomains: []string{"api.sendgrid.com"}}
)

// Dev is small and cheap: one NAT, one Aurora instance, one Redis node, no WAF or baseline.
var Dev = withRelease(Environment{
	Name: "dev", Code: "dev", Stage: StageDevelopment,
	Account:           NonProdAccount.Name,
	Region:            region,
	AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	VPCCIDR:           "10.0.0.0/16",
	NATGateways:       1,
	Aurora: Aurora{
		InstanceClass: "db.t4g.medium", Instances: 1, BackupRetentionDays: 7,
	},
	Redis: Redis{NodeType: "cache.t4g.micro", Nodes: 1, SnapshotRetentionDays: 0},
	Services: []Service{
		api.Sized(Capacity{DesiredCount: 2, MaxCount: 4, CPU: 256, MemoryMiB: 512}),
		payment.Sized(Capacity{DesiredCount: 2, MaxCount: 4, CPU: 512, MemoryMiB: 1024}),
		notification.Sized(Capacity{DesiredCount: 1, MaxCount: 2, CPU: 256, MemoryMiB: 512}),
	},
	LogRetentionDays:      7,
	KMSDeletionWindowDays: 7,
	SecretRecoveryDays:    0,
	CORSAllowedOrigins:    []string{"*"},
	HostedZone:            "dev." + zone,
	APIDomain:             "api.dev." + zone,
	APIThrottle:           Throttle{RateLimit: 50, BurstLimit: 100},
	ExecuteCommand:        true,
	FargateSpotWeight:     3,
	Notify:                Notifications{Emails: []string{"platform-dev-alerts@" + zone}},
	WAFRateLimit:          2000,
	Alarms:                Alarms{CPUPercent: 90, MemoryPercent: 90, Errors5xx: 50, ResponseTimeMs: 2000, FreeableMemoryMiB: 256, ReplicaLagMs: 2000, Evictions: 100},
	Tags:                  map[string]string{"Environment": "Development", "CostCenter": "Engineering"},
})

// Staging mirrors prod's controls at a smaller size.
var Staging = withRelease(Environment{
	Name: "staging", Code: "stg", Stage: StageStaging,
	Region:             region,
	AvailabilityZones:  []string{"us-east-1a", "us-east-1b"},
	Account:            NonProdAccount.Name,
	VPCCIDR:            "10.1.0.0/16",
	NATGateways:        2,
	InterfaceEndpoints: true,
	Aurora: Aurora{
		InstanceClass: "db.r6g.large", Instances: 2, BackupRetentionDays: 14,
		PerformanceInsights: true, MonitoringInterval: 60,
	},
	Redis:  Redis{NodeType: "cache.t4g.small", Nodes: 2, SnapshotRetentionDays: 5},
	Backup: Backup{Lock: LockGovernance, RestoreTesting: true},
	Services: []Service{
		api.Sized(Capacity{DesiredCount: 3, MaxCount: 6, CPU: 512, MemoryMiB: 1024}),
		payment.Sized(Capacity{DesiredCount: 3, MaxCount: 6, CPU: 1024, MemoryMiB: 2048}),
		notification.Sized(Capacity{DesiredCount: 2, MaxCount: 4, CPU: 512, MemoryMiB: 1024}),
	},
	LogRetentionDays:       30,
	KMSDeletionWindowDays:  7,
	SecretRecoveryDays:     7,
	WAF:                    true,
	CORSAllowedOrigins:     []string{"https://scalepayments.com"},
	HostedZone:             "staging." + zone,
	APIDomain:              "api.staging." + zone,
	APIThrottle:            Throttle{RateLimit: 200, BurstLimit: 400},
	ReadOnlyRootFilesystem: true,
	PromoteFrom:            "dev",
	FargateSpotWeight:      1,
	Notify:                 Notifications{Emails: []string{"platform-alerts@" + zone}},
	WAFRateLimit:           2000,
	Alarms:                 Alarms{CPUPercent: 80, MemoryPercent: 85, Errors5xx: 20, ResponseTimeMs: 1000, FreeableMemoryMiB: 512, ReplicaLagMs: 1000, Evictions: 10},
	Tags:                   map[string]string{"Environment": "Staging", "CostCenter": "Engineering", "Compliance": "PCI-DSS"},
})

// Prod is highly available over three AZs and locked down.
var Prod = withRelease(Environment{
	Name: "prod", Code: "prd", Stage: StageProduction,
	Region:             region,
	AvailabilityZones:  []string{"us-east-1a", "us-east-1b", "us-east-1c"},
	Account:            ProdAccount.Name,
	VPCCIDR:            "10.2.0.0/16",
	NATGateways:        3,
	InterfaceEndpoints: true,
	NetworkFirewall:    true,
	Aurora: Aurora{
		InstanceClass: "db.r6g.xlarge", Instances: 3, BackupRetentionDays: 30,
		PerformanceInsights: true, MonitoringInterval: 60,
	},
	Redis:  Redis{NodeType: "cache.r7g.large", Nodes: 3, SnapshotRetentionDays: 7},
	Backup: Backup{Lock: LockCompliance, DRRegion: "us-west-2", DRRetentionDays: 90, RestoreTesting: true},
	Services: []Service{
		api.Sized(Capacity{DesiredCount: 5, MaxCount: 20, CPU: 1024, MemoryMiB: 2048}),
		payment.Sized(Capacity{DesiredCount: 5, MaxCount: 20, CPU: 2048, MemoryMiB: 4096}),
		notification.Sized(Capacity{DesiredCount: 3, MaxCount: 10, CPU: 1024, MemoryMiB: 2048}),
	},
	LogRetentionDays:       365,
	KMSDeletionWindowDays:  30,
	SecretRecoveryDays:     30,
	WAF:                    true,
	CORSAllowedOrigins:     []string{"https://scalepayments.com"},
	HostedZone:             zone,
	APIDomain:              "api." + zone,
	APIThrottle:            Throttle{RateLimit: 1000, BurstLimit: 2000},
	ReadOnlyRootFilesystem: true,
	PromoteFrom:            "staging",
	FargateSpotWeight:      0, // payments in prod never run on interruptible capacity
	Notify:                 Notifications{Emails: []string{"platform-alerts@" + zone, "security-oncall@" + zone}},
	WAFRateLimit:           1000,
	Alarms:                 Alarms{CPUPercent: 75, MemoryPercent: 80, Errors5xx: 10, ResponseTimeMs: 500, FreeableMemoryMiB: 1024, ReplicaLagMs: 500, Evictions: 1},
	Tags: map[string]string{
		"Environment": "Production", "CostCenter": "Operations",
		"Compliance": "PCI-DSS", "DataClassification": "Sensitive",
	},
})

// All is every environment in promotion order.
func All() []Environment { return []Environment{Dev, Staging, Prod} }
