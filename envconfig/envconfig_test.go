package envconfig

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShippedEnvironmentsAreValid(t *testing.T) {
	require.NoError(t, ValidateAll(All(), Accounts()))
}

func TestValidateRejectsEachBadValue(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(e *Environment)
		want   string
	}{
		{"name", func(e *Environment) { e.Name = "Prod_1" },
			`environment "Prod_1": Name = "Prod_1": allowed 2-12 lowercase letters or digits, starting with a letter`},
		{"stage", func(e *Environment) { e.Stage = "qa" },
			`environment "prod": Stage = "qa": allowed "development", "staging" or "production"`},
		{"production retention", func(e *Environment) { e.LogRetentionDays = 180 },
			`environment "prod": LogRetentionDays = 180: allowed at least 365 in stage production (PCI-DSS 10.5.1)`},
		{"production without WAF", func(e *Environment) { e.WAF = false },
			`environment "prod": WAF = false: required in stage production (PCI-DSS 6.4.2)`},
		{"production with any origin", func(e *Environment) { e.CORSAllowedOrigins = []string{"*"} },
			`environment "prod": CORSAllowedOrigins = ["*"]: not allowed in stage production: name the origins`},
		{"production backups", func(e *Environment) { e.Aurora.BackupRetentionDays = 14 },
			`environment "prod": Aurora.BackupRetentionDays = 14: allowed at least 30 in stage production`},
		{"staging without Redis snapshots", func(e *Environment) { e.Stage = StageStaging; e.Redis.SnapshotRetentionDays = 0 },
			`environment "prod": Redis.SnapshotRetentionDays = 0: allowed at least 1 in stage staging (snapshots and a final snapshot)`},
		{"code", func(e *Environment) { e.Code = "prod1" },
			`environment "prod": Code = "prod1": allowed 2-4 lowercase letters or digits, starting with a letter`},
		{"region", func(e *Environment) {
			e.Region = "us-east"
			e.AvailabilityZones = []string{"us-easta", "us-eastb", "us-eastc"}
		},
			`environment "prod": Region = "us-east": allowed an AWS region name such as us-east-1`},
		{"one AZ", func(e *Environment) { e.AvailabilityZones = e.AvailabilityZones[:1]; e.NATGateways = 1 },
			`environment "prod": AvailabilityZones = 1: allowed 2 to 6 availability zones`},
		{"seven AZs", func(e *Environment) {
			e.AvailabilityZones = []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f", "us-east-1g"}
			e.NATGateways = 1
		}, `environment "prod": AvailabilityZones = 7: allowed 2 to 6 availability zones`},
		{"AZ of another region", func(e *Environment) { e.AvailabilityZones[1] = "eu-west-1b" },
			`environment "prod": AvailabilityZones[1] = "eu-west-1b": allowed a distinct zone of region us-east-1 lettered a to h, such as us-east-1a`},
		{"AZ letter beyond the plan", func(e *Environment) { e.AvailabilityZones[2] = "us-east-1i" },
			`environment "prod": AvailabilityZones[2] = "us-east-1i": allowed a distinct zone of region us-east-1 lettered a to h, such as us-east-1a`},
		{"duplicate AZ", func(e *Environment) { e.AvailabilityZones[2] = "us-east-1a" },
			`environment "prod": AvailabilityZones[2] = "us-east-1a": allowed a distinct zone of region us-east-1 lettered a to h, such as us-east-1a`},
		{"CIDR syntax", func(e *Environment) { e.VPCCIDR = "10.2.0.0/33" },
			`environment "prod": VPCCIDR = "10.2.0.0/33": allowed an IPv4 CIDR /16 to /23: "10.2.0.0/33" is not an IPv4 CIDR (e.g. 10.0.0.0/16)`},
		{"CIDR too large", func(e *Environment) { e.VPCCIDR = "10.0.0.0/8" },
			`environment "prod": VPCCIDR = "10.0.0.0/8": allowed an IPv4 CIDR /16 to /23: "10.0.0.0/8": prefix length must be /16 to /23`},
		{"NAT count", func(e *Environment) { e.NATGateways = 2 },
			`environment "prod": NATGateways = 2: allowed 1 (shared) or 3 (one per availability zone)`},
		{"Aurora class unsupported", func(e *Environment) { e.Aurora.InstanceClass = "db.t3.small" },
			`environment "prod": Aurora.InstanceClass = "db.t3.small": allowed an Aurora PostgreSQL class: db.t3/db.t4g medium or large, or db.r5/r6g/r6i/r7g/r7i/r8g/x2g large or xlarge sizes`},
		{"Aurora zero instances", func(e *Environment) { e.Aurora.Instances = 0 },
			`environment "prod": Aurora.Instances = 0: allowed 1 to 16 (a writer and up to 15 readers)`},
		{"backup retention", func(e *Environment) { e.Aurora.BackupRetentionDays = 36 },
			`environment "prod": Aurora.BackupRetentionDays = 36: allowed 1 to 35`},
		{"monitoring interval", func(e *Environment) { e.Aurora.MonitoringInterval = 20 },
			`environment "prod": Aurora.MonitoringInterval = 20: allowed 0 (off), 1, 5, 10, 15, 30 or 60 seconds`},
		{"Redis node type", func(e *Environment) { e.Redis.NodeType = "cache.m1.small" },
			`environment "prod": Redis.NodeType = "cache.m1.small": allowed a current-generation node type: cache.t3/t4g micro, small or medium, or cache.m5/m6g/m7g/r5/r6g/r7g large or xlarge sizes`},
		{"Redis nodes", func(e *Environment) { e.Redis.Nodes = 0 },
			`environment "prod": Redis.Nodes = 0: allowed 1 to 6 (a primary and up to 5 replicas)`},
		{"Redis snapshots", func(e *Environment) { e.Redis.SnapshotRetentionDays = 36 },
			`environment "prod": Redis.SnapshotRetentionDays = 36: allowed 0 to 35`},
		{"no services", func(e *Environment) { e.Services, e.Images = nil, nil },
			`environment "prod": Services = []: allowed one or more services`},
		{"service name", func(e *Environment) { e.Services[1].Name = "api"; delete(e.Images, "payment") },
			`environment "prod": Services[1].Name = "api": allowed a distinct name of 2-16 lowercase letters or digits, starting with a letter`},
		{"duplicate priority", func(e *Environment) { e.Services[2].Priority = 10 },
			`environment "prod": Services[2].Priority = 10: allowed a listener-rule priority of 1 to 50000 that no other service has`},
		{"desired count", func(e *Environment) { e.Services[0].DesiredCount = 0 },
			`environment "prod": Services[0].DesiredCount = 0: allowed 1 or more`},
		{"max below desired", func(e *Environment) { e.Services[0].MaxCount = 4 },
			`environment "prod": Services[0].MaxCount = 4: allowed at least DesiredCount (5)`},
		{"fargate pair", func(e *Environment) { e.Services[2].MemoryMiB = 1024 },
			`environment "prod": Services[2].CPU/MemoryMiB = 1024/1024: allowed a Fargate size: memory 1024 MiB does not fit cpu 1024 (allowed: 2048 to 8192 in steps of 1024)`},
		{"log retention", func(e *Environment) { e.LogRetentionDays = 401 },
			`environment "prod": LogRetentionDays = 401: allowed one of CloudWatch's values [0 1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653]`},
		{"KMS window", func(e *Environment) { e.KMSDeletionWindowDays = 31 },
			`environment "prod": KMSDeletionWindowDays = 31: allowed 7 to 30`},
		{"no CORS origin", func(e *Environment) { e.CORSAllowedOrigins = nil },
			`environment "prod": CORSAllowedOrigins = []: allowed "*" or one or more https:// origins`},
		{"CORS origin", func(e *Environment) { e.CORSAllowedOrigins = []string{"http://scalepayments.com/app"} },
			`environment "prod": CORSAllowedOrigins[0] = "http://scalepayments.com/app": allowed "*" or an origin such as https://scalepayments.com (no path)`},
		{"reserved tag", func(e *Environment) { e.Tags = map[string]string{"Environment": "Production", "Project": "x"} },
			`environment "prod": Tags[Project] = "x": not allowed: [Project ManagedBy Stack Name] are set by the stack`},
		{"hosted zone", func(e *Environment) { e.HostedZone = "not a zone" },
			`environment "prod": HostedZone = "not a zone": allowed a DNS zone name such as scalepayments.com`},
		{"API domain outside the zone", func(e *Environment) { e.APIDomain = "api.example.com" },
			`environment "prod": APIDomain = "api.example.com": allowed a host name inside HostedZone scalepayments.com, such as api.scalepayments.com`},
		{"throttle", func(e *Environment) { e.APIThrottle.BurstLimit = 0 },
			`environment "prod": APIThrottle = 1000/0: allowed a rate of 1-10000 and a burst of 1-5000 requests (API Gateway account limits)`},
		{"backup lock mode", func(e *Environment) { e.Backup.Lock = "strict" },
			`environment "prod": Backup.Lock = "strict": allowed "compliance" or stronger in stage production (PCI-DSS 9.4.1, 12.10.1)` + "\n" +
				`environment "prod": Backup.Lock = "strict": allowed "" (no lock), "governance" or "compliance"`},
		{"governance lock in production", func(e *Environment) { e.Backup.Lock = LockGovernance },
			`environment "prod": Backup.Lock = "governance": allowed "compliance" or stronger in stage production (PCI-DSS 9.4.1, 12.10.1)`},
		{"production without a DR copy", func(e *Environment) { e.Backup.DRRegion, e.Backup.DRRetentionDays = "", 0 },
			`environment "prod": Backup.DRRegion = "": required in stage production: a region that receives a copy of every recovery point`},
		{"DR in the same region", func(e *Environment) { e.Backup.DRRegion = "us-east-1" },
			`environment "prod": Backup.DRRegion = "us-east-1": allowed an AWS region other than us-east-1, such as us-west-2`},
		{"DR copies kept shorter than the originals", func(e *Environment) { e.Backup.DRRetentionDays = 7 },
			`environment "prod": Backup.DRRetentionDays = 7: allowed 30 (Aurora.BackupRetentionDays: the copies outlive the originals) to 3650`},
		{"DR retention without a DR region", func(e *Environment) { e.Stage = StageStaging; e.Backup.DRRegion = "" },
			`environment "prod": Backup.DRRetentionDays = 90: allowed only with a DRRegion (0 without)`},
		{"production without restore tests", func(e *Environment) { e.Backup.RestoreTesting = false },
			`environment "prod": Backup.RestoreTesting = false: required in stage production: a backup that was never restored is not a backup`},
		{"secret recovery window", func(e *Environment) { e.SecretRecoveryDays = 3 },
			`environment "prod": SecretRecoveryDays = 3: allowed 0 (immediate deletion) or 7 to 30`},
		{"spot weight", func(e *Environment) { e.FargateSpotWeight = -1 },
			`environment "prod": FargateSpotWeight = -1: allowed 0 to 1000`},
		{"secret name", func(e *Environment) { e.Services[1].Secrets = []string{"Processor Key"} },
			`environment "prod": Services[1].Secrets[0] = "Processor Key": allowed a distinct name of 2-32 lowercase letters, digits or hyphens, starting with a letter`},
		{"WAF rate limit", func(e *Environment) { e.WAFRateLimit = 5 },
			`environment "prod": WAFRateLimit = 5: allowed 10 to 2000000000 requests per 5 minutes (WAF rate-based rule)`},
		{"alarm percent", func(e *Environment) { e.Alarms.CPUPercent = 101 },
			`environment "prod": Alarms.CPUPercent = 101: allowed 1 to 100 (percent)`},
		{"alarm count", func(e *Environment) { e.Alarms.Evictions = 0 },
			`environment "prod": Alarms.Evictions = 0: allowed 1 or more`},
		{"ECS Exec in production", func(e *Environment) { e.ExecuteCommand = true; e.ReadOnlyRootFilesystem = false },
			`environment "prod": ExecuteCommand = true: not allowed in stage production (read-only root filesystems, which ECS Exec does not support)` + "\n" +
				`environment "prod": ReadOnlyRootFilesystem = false: required in stage production (PCI-DSS 2.2.6)`},
		{"ECS Exec with a read-only root", func(e *Environment) { e.Stage = StageDevelopment; e.ExecuteCommand = true },
			`environment "prod": ExecuteCommand = true: allowed only with ReadOnlyRootFilesystem = false: AWS does not support ECS Exec with a read-only root filesystem`},
		{"writable root in production", func(e *Environment) { e.ReadOnlyRootFilesystem = false },
			`environment "prod": ReadOnlyRootFilesystem = false: required in stage production (PCI-DSS 2.2.6)`},
		{"nobody notified", func(e *Environment) { e.Notify = Notifications{} },
			`environment "prod": Notify = {}: required: at least one email or HTTPS endpoint, or alarms reach nobody`},
		{"notify email", func(e *Environment) { e.Notify.Emails = []string{"oncall"} },
			`environment "prod": Notify.Emails[0] = "oncall": allowed an email address such as oncall@scalepayments.com`},
		{"notify webhook", func(e *Environment) { e.Notify.HTTPS = []string{"http://hooks.example.com/sns?token=x"} },
			`environment "prod": Notify.HTTPS[0] = "http://hooks.example.com/sns?token=x": allowed an https:// URL without credentials or query string`},
		{"shared NAT behind the Network Firewall", func(e *Environment) { e.NATGateways = 1 },
			`environment "prod": NATGateways = 1: allowed 3 (one per availability zone) with NetworkFirewall`},
		{"Network Firewall with nothing to allow", func(e *Environment) {
			for i := range e.Services {
				e.Services[i].ExternalDomains = nil
			}
		}, `environment "prod": NetworkFirewall = true: allowed only where a service declares ExternalDomains: the firewall's allowlist cannot be empty`},
		{"missing Environment tag", func(e *Environment) { e.Tags = map[string]string{} },
			`environment "prod": Tags[Environment] = "": required: every environment names itself in its tags`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Prod.Clone()
			tt.mutate(&e)
			assert.EqualError(t, e.Validate(), tt.want)
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	e := Dev.Clone()
	e.NATGateways = 5
	e.Redis.Nodes = 0
	err := e.Validate()
	require.Error(t, err)
	assert.Equal(t, 2, strings.Count(err.Error(), "environment \"dev\""))
}

func TestValidateAllCrossEnvironmentRules(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(envs []Environment, accounts []Account) []Account
		want   string
	}{
		{"overlapping CIDRs", func(envs []Environment, a []Account) []Account { envs[2].VPCCIDR = "10.0.128.0/17"; return a },
			`environment "prod": VPCCIDR = 10.0.128.0/17: allowed a CIDR that does not overlap 10.0.0.0/16 of environment "dev"`},
		{"duplicate name", func(envs []Environment, a []Account) []Account {
			envs[1].Name, envs[2].PromoteFrom = "dev", "dev"
			return a
		},
			`environment "dev": Name = "dev": allowed only once across environments`},
		{"duplicate code", func(envs []Environment, a []Account) []Account { envs[2].Code = "stg"; return a },
			`environment "prod": Code = "stg": allowed only once across environments (also used by "staging")`},
		{"malformed account id", func(envs []Environment, a []Account) []Account { a[1].ID = "4444-5555-6666"; return a },
			`account "prod": ID = "4444-5555-6666": allowed a distinct 12-digit AWS account id (set SCALEPAYMENTS_ACCOUNT_PROD)`},
		{"one id for two accounts", func(envs []Environment, a []Account) []Account { a[1].ID = a[0].ID; return a },
			`account "prod": ID = "111122223333": allowed a distinct 12-digit AWS account id (set SCALEPAYMENTS_ACCOUNT_PROD)`},
		{"unknown account", func(envs []Environment, a []Account) []Account { envs[1].Account = "qa"; return a },
			`environment "staging": Account = "qa": allowed the name of an account in envconfig.Accounts`},
		{"region the account does not host", func(envs []Environment, a []Account) []Account {
			envs[2].Region, envs[2].AvailabilityZones = "eu-west-1", []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
			return a
		}, `environment "prod": Region = eu-west-1: allowed a region account "prod" hosts (us-east-1)`},
		{"account hosting nothing", func(envs []Environment, a []Account) []Account {
			return append(a, Account{Name: "sandbox", ID: "777788889999", Regions: []string{"us-east-1"}, Notify: Notifications{Emails: []string{"a@scalepayments.com"}}})
		}, `account "sandbox": Name = "sandbox": hosts no environment: remove the account or name it in an environment's Account`},
		{"account without notify", func(envs []Environment, a []Account) []Account { a[0].Notify = Notifications{}; return a },
			`account "nonprod": Notify = {}: required: security findings must reach someone`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envs := []Environment{Dev.Clone(), Staging.Clone(), Prod.Clone()}
			accounts := tt.mutate(envs, Accounts())
			assert.EqualError(t, ValidateAll(envs, accounts), tt.want)
		})
	}
}

// Placeholder ids fail closed: the shipped accounts have AWS's example ids, a stack pinned to
// one refuses every real account, and Ready names the variable to set.
func TestAccountsFailClosedUntilTheirIDsAreSet(t *testing.T) {
	for _, a := range Accounts() {
		assert.True(t, a.Example(), a.Name)
	}
	assert.EqualError(t, ProdAccount.Ready(), `account "prod" has the example id 444455556666: set SCALEPAYMENTS_ACCOUNT_PROD to its 12-digit AWS account id`)
	set := WithIDsFrom(Accounts(), func(k string) string {
		return map[string]string{"SCALEPAYMENTS_ACCOUNT_PROD": "210987654321", "SCALEPAYMENTS_ACCOUNT_NONPROD": ""}[k]
	})
	assert.Equal(t, "111122223333", set[0].ID, "an empty value is unset")
	assert.Equal(t, "210987654321", set[1].ID)
	assert.NoError(t, set[1].Ready())
	assert.Equal(t, "444455556666", ProdAccount.ID, "the shipped value is untouched")
	assert.Equal(t, "us-east-1", ProdAccount.Home())
}

func TestSelect(t *testing.T) {
	tests := []struct {
		list string
		want []string
		err  string
	}{
		{"", []string{"dev", "staging", "prod"}, ""},
		{"prod,dev", []string{"dev", "prod"}, ""},
		{" staging ", []string{"staging"}, ""},
		{"   ", []string{"dev", "staging", "prod"}, ""},
		{"dev, prod ,dev", []string{"dev", "prod"}, ""},
		{"dev,qa", nil, `SCALEPAYMENTS_ENVIRONMENTS: unknown environment "qa": allowed dev, staging, prod`},
		{"Dev", nil, `SCALEPAYMENTS_ENVIRONMENTS: unknown environment "Dev" (names are lowercase: "dev"?): allowed dev, staging, prod`},
		{"dev,,prod", nil, `SCALEPAYMENTS_ENVIRONMENTS="dev,,prod": empty name in the list: allowed a comma-separated list of dev, staging, prod`},
		{"prod,", nil, `SCALEPAYMENTS_ENVIRONMENTS="prod,": empty name in the list: allowed a comma-separated list of dev, staging, prod`},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			envs, err := Select(All(), Accounts(), tt.list)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			var names []string
			for _, e := range envs {
				names = append(names, e.Name)
			}
			assert.Equal(t, tt.want, names)
		})
	}
}

func TestSelectValidatesFirst(t *testing.T) {
	bad := Dev.Clone()
	bad.LogRetentionDays = 2
	_, err := Select([]Environment{bad}, Accounts()[:1], "dev")
	assert.ErrorContains(t, err, `environment "dev": LogRetentionDays = 2`)
}

func TestHelpers(t *testing.T) {
	assert.False(t, Dev.Redis.Failover())
	assert.True(t, Staging.Redis.Failover())
}
