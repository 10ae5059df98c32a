package help

import (
	"net/netip"
	"regexp"
	"strings"
)

// Patterns of AWS and Terraform Cloud identifiers that a user types into settings.
var (
	regionRe   = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	bucketRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	kmsIDRe    = regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	kmsAliasRe = regexp.MustCompile(`^alias/[A-Za-z0-9/_-]{1,250}$`)
	kmsARNRe   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/|alias/)(.+)$`)
	tfcOrgRe   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	tfcProjRe  = regexp.MustCompile(`^[A-Za-z0-9 _-]{3,40}$`)
	hostnameRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// ValidRegion reports whether region has the shape of an AWS region name (us-east-1,
// us-gov-west-1), in any partition.
func ValidRegion(region string) bool { return regionRe.MatchString(region) }

// ValidS3BucketName applies S3's general purpose bucket naming rules:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
func ValidS3BucketName(name string) bool {
	if !bucketRe.MatchString(name) || strings.Contains(name, "..") {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return false // formatted as an IP address
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

// ValidKMSKey accepts what Terraform's S3 backend takes as kms_key_id: a key id, a
// multi-Region key id, an alias name, or the ARN of a key or alias.
func ValidKMSKey(key string) bool {
	if m := kmsARNRe.FindStringSubmatch(key); m != nil {
		return (m[1] == "key/" && kmsIDRe.MatchString(m[2])) || (m[1] == "alias/" && kmsAliasRe.MatchString("alias/"+m[2]))
	}
	return kmsIDRe.MatchString(key) || kmsAliasRe.MatchString(key)
}

// ValidTFCOrganization: Terraform Cloud organization names hold letters, digits, underscores
// and hyphens.
func ValidTFCOrganization(name string) bool { return tfcOrgRe.MatchString(name) }

// ValidTFCProject: Terraform Cloud project names are 3-40 letters, digits, spaces, underscores
// and hyphens.
func ValidTFCProject(name string) bool { return tfcProjRe.MatchString(name) }

// ValidHostname reports whether host is a lowercase DNS host name such as app.terraform.io.
func ValidHostname(host string) bool { return hostnameRe.MatchString(host) }
