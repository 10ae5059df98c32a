package envconfig

const region = "us-east-1"

// Dev is small and cheap: one NAT, one Aurora instance, one Redis node, no WAF or baseline.
var Dev = Environment{
	Name: "dev", Code: "dev",
	Region:            region,
	AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	VPCCIDR:           "10.0.0.0/16",
	NATGateways:       1,
	Aurora: Aurora{
		InstanceClass: "db.t4g.medium", Instances: 1, BackupRetentionDays: 7,
	},
	Redis: Redis{NodeType: "cache.t4g.micro", Nodes: 1, SnapshotRetentionDays: 0},
	Services: []Service{
		{Name: "api", DesiredCount: 2, MaxCount: 4, CPU: 256, MemoryMiB: 512},
		{Name: "payment", DesiredCount: 2, MaxCount: 4, CPU: 512, MemoryMiB: 1024},
		{Name: "notification", DesiredCount: 1, MaxCount: 2, CPU: 256, MemoryMiB: 512},
	},
	LogRetentionDays:      7,
	KMSDeletionWindowDays: 7,
	CORSAllowedOrigins:    []string{"*"},
	Tags:                  map[string]string{"Environment": "Development", "CostCenter": "Engineering"},
}

// Staging mirrors prod's controls at a smaller size.
var Staging = Environment{
	Name: "staging", Code: "stg",
	Region:              region,
	AvailabilityZones:   []string{"us-east-1a", "us-east-1b"},
	OwnsAccountBaseline: true,
	VPCCIDR:             "10.1.0.0/16",
	NATGateways:         2,
	InterfaceEndpoints:  true,
	Aurora: Aurora{
		InstanceClass: "db.r6g.large", Instances: 2, BackupRetentionDays: 14,
		DeletionProtection: true, PerformanceInsights: true, MonitoringInterval: 60,
	},
	Redis: Redis{NodeType: "cache.t4g.small", Nodes: 2, SnapshotRetentionDays: 5},
	Services: []Service{
		{Name: "api", DesiredCount: 3, MaxCount: 6, CPU: 512, MemoryMiB: 1024},
		{Name: "payment", DesiredCount: 3, MaxCount: 6, CPU: 1024, MemoryMiB: 2048},
		{Name: "notification", DesiredCount: 2, MaxCount: 4, CPU: 512, MemoryMiB: 1024},
	},
	LogRetentionDays:      30,
	KMSDeletionWindowDays: 7,
	WAF:                   true,
	CORSAllowedOrigins:    []string{"https://scalepayments.com"},
	Tags:                  map[string]string{"Environment": "Staging", "CostCenter": "Engineering", "Compliance": "PCI-DSS"},
}

// Prod is highly available over three AZs and locked down.
var Prod = Environment{
	Name: "prod", Code: "prd",
	Region:              region,
	AvailabilityZones:   []string{"us-east-1a", "us-east-1b", "us-east-1c"},
	OwnsAccountBaseline: true,
	VPCCIDR:             "10.2.0.0/16",
	NATGateways:         3,
	InterfaceEndpoints:  true,
	Aurora: Aurora{
		InstanceClass: "db.r6g.xlarge", Instances: 3, BackupRetentionDays: 30,
		DeletionProtection: true, PreventDestroy: true, PerformanceInsights: true, MonitoringInterval: 60,
	},
	Redis: Redis{NodeType: "cache.r7g.large", Nodes: 3, SnapshotRetentionDays: 7},
	Services: []Service{
		{Name: "api", DesiredCount: 5, MaxCount: 20, CPU: 1024, MemoryMiB: 2048},
		{Name: "payment", DesiredCount: 5, MaxCount: 20, CPU: 2048, MemoryMiB: 4096},
		{Name: "notification", DesiredCount: 3, MaxCount: 10, CPU: 1024, MemoryMiB: 2048},
	},
	LogRetentionDays:      365,
	KMSDeletionWindowDays: 30,
	WAF:                   true,
	CORSAllowedOrigins:    []string{"https://scalepayments.com"},
	Tags: map[string]string{
		"Environment": "Production", "CostCenter": "Operations",
		"Compliance": "PCI-DSS", "DataClassification": "Sensitive",
	},
}

// All is every environment in promotion order.
func All() []Environment { return []Environment{Dev, Staging, Prod} }
