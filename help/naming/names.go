// Package naming derives every AWS name and tag of an environment within AWS's limits, and
// the logical ids cdktf gives resources. Pure Go.
package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Project is the product name used in stack names and tags.
const Project = "scalepayments"

// AWS name length limits that bite (toolchain.md "AWS facts that bite").
const (
	MaxName               = 255 // the common limit (tags, ECS names, parameter groups, ...)
	MaxALBName            = 32
	MaxTargetGroupName    = 32
	MaxIAMRoleName        = 64
	MaxReplicationGroupID = 40
	MaxRDSIdentifier      = 63
	MaxLogGroupName       = 512
	MaxSecurityGroupName  = 255
	MaxKMSAliasName       = 256
	MaxS3BucketName       = 63
	MaxECRRepositoryName  = 256
	MaxElastiCacheUserID  = 40
	MaxAPIGatewayName     = 128
	MaxWAFName            = 128
	MaxECSName            = 255
	MaxParameterGroupName = 255
	MaxSubnetGroupName    = 255
	MaxCloudTrailName     = 128
	MaxVPCLinkName        = 128
	MaxSNSTopicName       = 256
	MaxEventRuleName      = 64
	MaxBackupVaultName    = 50 // also backup plans and selections
	MaxRestoreTestingName = 50 // letters, digits and underscores only
	MaxDashboardName      = 255
	MaxLambdaName         = 64
)

// StackName is the cdktf stack (and Terraform Cloud workspace) name of an environment.
func StackName(env string) string { return Project + "-" + env }

// Namer derives every AWS name of one environment, so no construct types a name.
type Namer struct {
	Env  string // full environment name, e.g. "staging"
	Code string // short environment code for tight limits, e.g. "stg"
	// Region is where the names are used, Home the environment's home region. Global names (IAM
	// roles, S3 buckets) carry Region when it is not Home, so a second region is a config
	// change, not a collision. In Home they keep their original form: renaming a role or a
	// bucket replaces it.
	Region, Home string
}

// Global is Name for resources whose names are global (IAM roles, S3 buckets).
func (n Namer) Global(max int, parts ...string) string {
	if n.Region != n.Home {
		parts = append(parts, n.Region)
	}
	return n.Name(max, parts...)
}

// accountIDLen is the length of an AWS account id.
const accountIDLen = 12

// Bucket is a globally unique S3 bucket name: the Global name and the account id (which may
// be a Terraform reference, so the name part leaves room for its 12 digits).
func (n Namer) Bucket(account string, parts ...string) string {
	return n.Global(MaxS3BucketName-len("-")-accountIDLen, parts...) + "-" + account
}

// Slash is "scalepayments/<env>/<parts...>" (ECR repositories, Secrets Manager names).
func (n Namer) Slash(parts ...string) string {
	return strings.Join(append([]string{Project, n.Env}, parts...), "/")
}

// WAFLogGroup is the WAF log group name: WAF delivers only to groups named aws-waf-logs-*.
func (n Namer) WAFLogGroup() string {
	return Fit("aws-waf-logs-"+join([]string{Project, n.Env}), MaxLogGroupName)
}

// Name is "scalepayments-<env>-<parts...>", fitted to max characters.
func (n Namer) Name(max int, parts ...string) string {
	return Fit(join(append([]string{Project, n.Env}, parts...)), max)
}

// Short is "sp-<code>-<parts...>" for resources with tight limits (ALB, target groups).
func (n Namer) Short(max int, parts ...string) string {
	return Fit(join(append([]string{"sp", n.Code}, parts...)), max)
}

// Path is "/scalepayments/<env>/<parts...>" for log groups and similar hierarchical names.
func (n Namer) Path(parts ...string) string {
	return "/" + strings.Join(append([]string{Project, n.Env}, parts...), "/")
}

func join(parts []string) string { return strings.Join(parts, "-") }

// Fit returns name unchanged when it fits max, otherwise a deterministic truncation
// that keeps uniqueness with a 6-character hash suffix of the full name.
func Fit(name string, max int) string {
	if len(name) <= max {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := hex.EncodeToString(sum[:])[:6]
	head := strings.TrimRight(name[:max-len(suffix)-1], "-")
	return head + "-" + suffix
}

// Slug turns free text (an email address, a URL) into a logical-id part: lowercase letters,
// digits and single hyphens.
func Slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
