package envconfig

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/scalepayments/infra/help"
	"github.com/scalepayments/infra/help/netplan"
)

// FieldError is one invalid setting: which environment, which field, the value, what is allowed.
type FieldError struct {
	Env     string
	Field   string
	Value   any
	Allowed string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("environment %q: %s = %v: %s", e.Env, e.Field, e.Value, e.Allowed)
}

var (
	envNameRe  = regexp.MustCompile(`^[a-z][a-z0-9]{1,11}$`)
	envCodeRe  = regexp.MustCompile(`^[a-z][a-z0-9]{1,3}$`)
	accountRe  = regexp.MustCompile(`^[0-9]{12}$`)
	serviceRe  = regexp.MustCompile(`^[a-z][a-z0-9]{1,15}$`)
	imageTagRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	secretRe   = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)
	originRe   = regexp.MustCompile(`^https://[a-z0-9.-]+(:[0-9]+)?$`)
	emailRe    = regexp.MustCompile(`^[A-Za-z0-9._%+-]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	webhookRe  = regexp.MustCompile(`^https://[a-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%/-]*)?$`)
	auroraRe   = regexp.MustCompile(`^db\.(t3|t4g)\.(medium|large)$|^db\.(r5|r6g|r6i|r7g|r7i|r8g|x2g)\.(large|[0-9]*xlarge)$`)
	redisRe    = regexp.MustCompile(`^cache\.(t3|t4g)\.(micro|small|medium)$|^cache\.(m5|m6g|m7g|r5|r6g|r7g)\.(large|[0-9]*xlarge)$`)
	commonTags = []string{"Project", "ManagedBy", "Stack", "Name"}
)

// Validate checks one environment and returns every problem found, joined.
func (e Environment) Validate() error {
	var errs []error
	var bad reporter = func(field string, value any, allowed string, args ...any) {
		errs = append(errs, &FieldError{Env: e.Name, Field: field, Value: value, Allowed: fmt.Sprintf(allowed, args...)})
	}
	if !envNameRe.MatchString(e.Name) {
		bad("Name", fmt.Sprintf("%q", e.Name), "allowed 2-12 lowercase letters or digits, starting with a letter")
	}
	if !envCodeRe.MatchString(e.Code) {
		bad("Code", fmt.Sprintf("%q", e.Code), "allowed 2-4 lowercase letters or digits, starting with a letter")
	}
	e.validateStage(bad)
	if !help.ValidRegion(e.Region) {
		bad("Region", fmt.Sprintf("%q", e.Region), "allowed an AWS region name such as us-east-1")
	}
	e.validateAZs(bad)
	if _, err := netplan.ParseVPCCIDR(e.VPCCIDR); err != nil {
		bad("VPCCIDR", fmt.Sprintf("%q", e.VPCCIDR), "allowed an IPv4 CIDR /%d to /%d: %v", netplan.MinVPCPrefix, netplan.MaxVPCPrefix, err)
	}
	if azs := len(e.AvailabilityZones); e.NATGateways != 1 && e.NATGateways != azs {
		bad("NATGateways", e.NATGateways, "allowed 1 (shared) or %d (one per availability zone)", azs)
	}
	e.validateDataStores(bad)
	e.validateServices(bad)
	if !ValidLogRetention(e.LogRetentionDays) {
		bad("LogRetentionDays", e.LogRetentionDays, "allowed one of CloudWatch's values %v", CloudWatchRetentionDays)
	}
	bad.outside("KMSDeletionWindowDays", e.KMSDeletionWindowDays, 7, 30, "allowed 7 to 30")
	if len(e.CORSAllowedOrigins) == 0 {
		bad("CORSAllowedOrigins", "[]", "allowed \"*\" or one or more https:// origins")
	}
	for i, o := range e.CORSAllowedOrigins {
		if o != "*" && !originRe.MatchString(o) {
			bad(fmt.Sprintf("CORSAllowedOrigins[%d]", i), fmt.Sprintf("%q", o), "allowed \"*\" or an origin such as https://scalepayments.com (no path)")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(e.Tags)) {
		if slices.Contains(commonTags, k) {
			bad("Tags["+k+"]", fmt.Sprintf("%q", e.Tags[k]), "not allowed: %v are set by the stack", commonTags)
		}
	}
	e.validateEdge(bad)
	e.validateImages(bad)
	e.validateNotify(bad)
	if e.Tags["Environment"] == "" {
		bad("Tags[Environment]", `""`, "required: every environment names itself in its tags")
	}
	return errors.Join(errs...)
}

type reporter func(field string, value any, allowed string, args ...any)

// unmatched reports field when value does not match re.
func (bad reporter) unmatched(field string, re *regexp.Regexp, value, allowed string) {
	if !re.MatchString(value) {
		bad(field, fmt.Sprintf("%q", value), allowed)
	}
}

// outside reports field when value is not within [min, max].
func (bad reporter) outside(field string, value, min, max int, allowed string) {
	if value < min || value > max {
		bad(field, value, allowed)
	}
}

func (e Environment) validateAZs(bad reporter) {
	azs := e.AvailabilityZones
	if len(azs) < 2 || len(azs) > netplan.MaxAZs {
		bad("AvailabilityZones", len(azs), "allowed 2 to %d availability zones", netplan.MaxAZs)
	}
	seen := map[string]bool{}
	for i, az := range azs {
		if _, err := netplan.AZSlot(e.Region, az); err != nil || seen[az] {
			bad(fmt.Sprintf("AvailabilityZones[%d]", i), fmt.Sprintf("%q", az), "allowed a distinct zone of region %s lettered a to h, such as %sa", e.Region, e.Region)
		}
		seen[az] = true
	}
}

func (e Environment) validateDataStores(bad reporter) {
	a, r := e.Aurora, e.Redis
	bad.unmatched("Aurora.InstanceClass", auroraRe, a.InstanceClass,
		"allowed an Aurora PostgreSQL class: db.t3/db.t4g medium or large, or db.r5/r6g/r6i/r7g/r7i/r8g/x2g large or xlarge sizes")
	bad.outside("Aurora.Instances", a.Instances, 1, 16, "allowed 1 to 16 (a writer and up to 15 readers)")
	bad.outside("Aurora.BackupRetentionDays", a.BackupRetentionDays, 1, 35, "allowed 1 to 35")
	if !slices.Contains([]int{0, 1, 5, 10, 15, 30, 60}, a.MonitoringInterval) {
		bad("Aurora.MonitoringInterval", a.MonitoringInterval, "allowed 0 (off), 1, 5, 10, 15, 30 or 60 seconds")
	}
	bad.unmatched("Redis.NodeType", redisRe, r.NodeType,
		"allowed a current-generation node type: cache.t3/t4g micro, small or medium, or cache.m5/m6g/m7g/r5/r6g/r7g large or xlarge sizes")
	bad.outside("Redis.Nodes", r.Nodes, 1, 6, "allowed 1 to 6 (a primary and up to 5 replicas)")
	bad.outside("Redis.SnapshotRetentionDays", r.SnapshotRetentionDays, 0, 35, "allowed 0 to 35")
	b := e.Backup
	if !slices.Contains([]string{"", LockGovernance, LockCompliance}, b.Lock) {
		bad("Backup.Lock", fmt.Sprintf("%q", b.Lock), "allowed \"\" (no lock), %q or %q", LockGovernance, LockCompliance)
	}
	switch {
	case b.DRRegion == "" && b.DRRetentionDays != 0:
		bad("Backup.DRRetentionDays", b.DRRetentionDays, "allowed only with a DRRegion (0 without)")
	case b.DRRegion != "" && (!help.ValidRegion(b.DRRegion) || b.DRRegion == e.Region):
		bad("Backup.DRRegion", fmt.Sprintf("%q", b.DRRegion), "allowed an AWS region other than %s, such as us-west-2", e.Region)
	case b.DRRegion != "":
		bad.outside("Backup.DRRetentionDays", b.DRRetentionDays, a.BackupRetentionDays, 3650, fmt.Sprintf("allowed %d (Aurora.BackupRetentionDays: the copies outlive the originals) to 3650", a.BackupRetentionDays))
	}
}

func (e Environment) validateServices(bad reporter) {
	if len(e.Services) == 0 {
		bad("Services", "[]", "allowed one or more services")
	}
	seen, priorities := map[string]bool{}, map[int]bool{}
	for i, s := range e.Services {
		f := fmt.Sprintf("Services[%d]", i)
		if !serviceRe.MatchString(s.Name) || seen[s.Name] {
			bad(f+".Name", fmt.Sprintf("%q", s.Name), "allowed a distinct name of 2-16 lowercase letters or digits, starting with a letter")
		}
		seen[s.Name] = true
		if s.Priority < 1 || s.Priority > 50000 || priorities[s.Priority] {
			bad(f+".Priority", s.Priority, "allowed a listener-rule priority of 1 to 50000 that no other service has")
		}
		priorities[s.Priority] = true
		if s.DesiredCount < 1 {
			bad(f+".DesiredCount", s.DesiredCount, "allowed 1 or more")
		}
		if s.MaxCount < s.DesiredCount {
			bad(f+".MaxCount", s.MaxCount, "allowed at least DesiredCount (%d)", s.DesiredCount)
		}
		if err := ValidateFargateSize(s.CPU, s.MemoryMiB); err != nil {
			bad(f+".CPU/MemoryMiB", fmt.Sprintf("%d/%d", s.CPU, s.MemoryMiB), "allowed a Fargate size: %v", err)
		}
		for j, d := range s.ExternalDomains {
			if !help.ValidHostname(d) || slices.Index(s.ExternalDomains, d) != j {
				bad(fmt.Sprintf("%s.ExternalDomains[%d]", f, j), fmt.Sprintf("%q", d), "allowed a distinct lowercase host name such as api.stripe.com (no scheme, path or wildcard)")
			}
		}
		for j, sec := range s.Secrets {
			if !secretRe.MatchString(sec) || slices.Index(s.Secrets, sec) != j {
				bad(fmt.Sprintf("%s.Secrets[%d]", f, j), fmt.Sprintf("%q", sec), "allowed a distinct name of 2-32 lowercase letters, digits or hyphens, starting with a letter")
			}
		}
	}
}

func (e Environment) validateEdge(bad reporter) {
	if !help.ValidHostname(e.HostedZone) {
		bad("HostedZone", fmt.Sprintf("%q", e.HostedZone), "allowed a DNS zone name such as scalepayments.com")
	} else if !help.ValidHostname(e.APIDomain) || !strings.HasSuffix(e.APIDomain, "."+e.HostedZone) {
		bad("APIDomain", fmt.Sprintf("%q", e.APIDomain), "allowed a host name inside HostedZone %s, such as api.%s", e.HostedZone, e.HostedZone)
	}
	if t := e.APIThrottle; t.RateLimit < 1 || t.RateLimit > 10000 || t.BurstLimit < 1 || t.BurstLimit > 5000 {
		bad("APIThrottle", fmt.Sprintf("%d/%d", t.RateLimit, t.BurstLimit), "allowed a rate of 1-10000 and a burst of 1-5000 requests (API Gateway account limits)")
	}
	if d := e.SecretRecoveryDays; d != 0 && (d < 7 || d > 30) {
		bad("SecretRecoveryDays", d, "allowed 0 (immediate deletion) or 7 to 30")
	}
	bad.outside("FargateSpotWeight", e.FargateSpotWeight, 0, 1000, "allowed 0 to 1000")
	bad.outside("WAFRateLimit", e.WAFRateLimit, 10, 2000000000, "allowed 10 to 2000000000 requests per 5 minutes (WAF rate-based rule)")
	a := e.Alarms
	for _, p := range []struct {
		field   string
		value   int
		max     int
		allowed string
	}{
		{"Alarms.CPUPercent", a.CPUPercent, 100, "allowed 1 to 100 (percent)"},
		{"Alarms.MemoryPercent", a.MemoryPercent, 100, "allowed 1 to 100 (percent)"},
		{"Alarms.Errors5xx", a.Errors5xx, math.MaxInt, "allowed 1 or more"},
		{"Alarms.ResponseTimeMs", a.ResponseTimeMs, math.MaxInt, "allowed 1 or more"},
		{"Alarms.FreeableMemoryMiB", a.FreeableMemoryMiB, math.MaxInt, "allowed 1 or more"},
		{"Alarms.ReplicaLagMs", a.ReplicaLagMs, math.MaxInt, "allowed 1 or more"},
		{"Alarms.Evictions", a.Evictions, math.MaxInt, "allowed 1 or more"},
	} {
		bad.outside(p.field, p.value, 1, p.max, p.allowed)
	}
}

func (e Environment) validateStage(bad reporter) {
	switch e.Stage {
	case StageDevelopment, StageStaging, StageProduction:
	default:
		bad("Stage", fmt.Sprintf("%q", e.Stage), "allowed %q, %q or %q", StageDevelopment, StageStaging, StageProduction)
	}
	f := e.Stage.Floors()
	if e.ExecuteCommand && e.ReadOnlyRootFilesystem {
		bad("ExecuteCommand", true, "allowed only with ReadOnlyRootFilesystem = false: AWS does not support ECS Exec with a read-only root filesystem")
	}
	if f.ReadOnlyRoot && e.ExecuteCommand {
		bad("ExecuteCommand", true, "not allowed in stage %s (read-only root filesystems, which ECS Exec does not support)", e.Stage)
	}
	if f.ReadOnlyRoot && !e.ReadOnlyRootFilesystem {
		bad("ReadOnlyRootFilesystem", false, "required in stage %s (PCI-DSS 2.2.6)", e.Stage)
	}
	if f.InspectEgress && !e.NetworkFirewall {
		bad("NetworkFirewall", false, "required in stage %s (PCI-DSS 1.3.2: outbound traffic limited to what is necessary)", e.Stage)
	}
	// Each public route table returns only its own AZ's private range through the firewall: with
	// a shared NAT the other AZs' replies would bypass it and the stateful engine drop their flows.
	if azs := len(e.AvailabilityZones); e.NetworkFirewall && e.NATGateways == 1 && azs >= 2 && azs <= netplan.MaxAZs {
		bad("NATGateways", e.NATGateways, "allowed %d (one per availability zone) with NetworkFirewall", len(e.AvailabilityZones))
	}
	if e.NetworkFirewall && len(e.Services) > 0 && len(e.ExternalDomains()) == 0 {
		bad("NetworkFirewall", true, "allowed only where a service declares ExternalDomains: the firewall's allowlist cannot be empty")
	}
	if f.WAF && !e.WAF {
		bad("WAF", false, "required in stage %s (PCI-DSS 6.4.2)", e.Stage)
	}
	if f.NoWildcardCORS && slices.Contains(e.CORSAllowedOrigins, "*") {
		bad("CORSAllowedOrigins", `["*"]`, "not allowed in stage %s: name the origins", e.Stage)
	}
	if e.LogRetentionDays != 0 && e.LogRetentionDays < f.MinLogRetentionDays {
		bad("LogRetentionDays", e.LogRetentionDays, "allowed at least %d in stage %s (PCI-DSS 10.5.1)", f.MinLogRetentionDays, e.Stage)
	}
	if e.Aurora.BackupRetentionDays < f.MinBackupRetentionDays {
		bad("Aurora.BackupRetentionDays", e.Aurora.BackupRetentionDays, "allowed at least %d in stage %s", f.MinBackupRetentionDays, e.Stage)
	}
	if rank := map[string]int{"": 0, LockGovernance: 1, LockCompliance: 2}; rank[e.Backup.Lock] < rank[f.BackupLock] {
		bad("Backup.Lock", fmt.Sprintf("%q", e.Backup.Lock), "allowed %q or stronger in stage %s (PCI-DSS 9.4.1, 12.10.1)", f.BackupLock, e.Stage)
	}
	if f.CrossRegionBackup && e.Backup.DRRegion == "" {
		bad("Backup.DRRegion", `""`, "required in stage %s: a region that receives a copy of every recovery point", e.Stage)
	}
	if f.RestoreTesting && !e.Backup.RestoreTesting {
		bad("Backup.RestoreTesting", false, "required in stage %s: a backup that was never restored is not a backup", e.Stage)
	}
	if f.Protected && e.Redis.SnapshotRetentionDays < 1 {
		bad("Redis.SnapshotRetentionDays", e.Redis.SnapshotRetentionDays, "allowed at least 1 in stage %s (snapshots and a final snapshot)", e.Stage)
	}
}

func (e Environment) validateNotify(bad reporter) {
	n := e.Notify
	if len(n.Emails)+len(n.HTTPS) == 0 {
		bad("Notify", "{}", "required: at least one email or HTTPS endpoint, or alarms reach nobody")
	}
	for i, m := range n.Emails {
		if !emailRe.MatchString(m) {
			bad(fmt.Sprintf("Notify.Emails[%d]", i), fmt.Sprintf("%q", m), "allowed an email address such as oncall@scalepayments.com")
		}
	}
	for i, u := range n.HTTPS {
		if !webhookRe.MatchString(u) {
			bad(fmt.Sprintf("Notify.HTTPS[%d]", i), fmt.Sprintf("%q", u), "allowed an https:// URL without credentials or query string")
		}
	}
}
