package iam

import "fmt"

// Account identifies where a stack is deployed. ID and Partition may be Terraform tokens
// (from data sources); they are only ever concatenated into strings.
type Account struct {
	ID        string
	Partition string
	Region    string
}

// ARN builds a regional ARN in this account: arn:<partition>:<service>:<region>:<account>:<resource>.
func (a Account) ARN(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.Partition, service, a.Region, a.ID, resource)
}

// S3ARN is the ARN of a bucket (S3 ARNs carry no region or account).
func (a Account) S3ARN(bucket string) string { return "arn:" + a.Partition + ":s3:::" + bucket }

// Root is the account's root principal ARN, which key policies must name so IAM can delegate.
func (a Account) Root() string { return fmt.Sprintf("arn:%s:iam::%s:root", a.Partition, a.ID) }

// ServiceHost is <service>.<region>.amazonaws.com, the regional service principal form.
func (a Account) ServiceHost(service string) string {
	return fmt.Sprintf("%s.%s.amazonaws.com", service, a.Region)
}

// OIDCProvider is the ARN of the account's IAM OIDC identity provider for issuer host.
func (a Account) OIDCProvider(host string) string {
	return fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", a.Partition, a.ID, host)
}

// RoleARN is the ARN of a role of the account; path is "/" or "/<path>/".
func (a Account) RoleARN(path, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", a.Partition, a.ID, path, name)
}
