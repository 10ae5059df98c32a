package iam

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAllows(t *testing.T) {
	inRegion := Allow("Regional", []string{"ec2:Describe*", "kms:Decrypt"}, []string{"*"})
	inRegion.Condition = map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": []any{"us-east-1"}}}
	tagged := Allow("Tagged", []string{"iam:PutRolePolicy"}, []string{"arn:aws:iam::1:role/app-*"})
	tagged.Condition = map[string]map[string]any{"StringEquals": {"aws:ResourceTag/Stack": "app"}, "StringEqualsIfExists": {"aws:RequestTag/Stack": "app"}}
	aliases := Deny("Keep", []string{"kms:ScheduleKeyDeletion"}, []string{"*"})
	aliases.Condition = map[string]map[string]any{"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/*-backup"}}
	odd := Allow("Odd", []string{"s3:GetObject"}, []string{"*"})
	odd.Condition = map[string]map[string]any{"NumericLessThan": {"s3:max-keys": "10"}}
	policy := []Statement{inRegion, tagged, aliases, odd, Allow("Keys", []string{"kms:ScheduleKeyDeletion"}, []string{"*"}),
		Deny("NoValues", []string{"secretsmanager:GetSecretValue"}, []string{"*"}), Allow("All", []string{"secretsmanager:Get*"}, []string{"*"})}
	for _, tt := range []struct {
		name string
		req  Request
		want bool
	}{
		{"wildcard action, case-insensitive", Request{"EC2:DescribeVpcs", "*", map[string]string{"aws:RequestedRegion": "us-east-1"}}, true},
		{"condition value not in the list", Request{"ec2:DescribeVpcs", "*", map[string]string{"aws:RequestedRegion": "eu-west-1"}}, false},
		{"condition key absent", Request{"ec2:DescribeVpcs", "*", nil}, false},
		{"not granted", Request{"ec2:RunInstances", "*", map[string]string{"aws:RequestedRegion": "us-east-1"}}, false},
		{"resource wildcard spans slashes", Request{"iam:PutRolePolicy", "arn:aws:iam::1:role/app-x/y", map[string]string{"aws:ResourceTag/Stack": "app"}}, true},
		{"IfExists holds when the key is absent", Request{"iam:PutRolePolicy", "arn:aws:iam::1:role/app-x", map[string]string{"aws:ResourceTag/Stack": "app"}}, true},
		{"IfExists checks a present key", Request{"iam:PutRolePolicy", "arn:aws:iam::1:role/app-x", map[string]string{"aws:ResourceTag/Stack": "app", "aws:RequestTag/Stack": "other"}}, false},
		{"other resource", Request{"iam:PutRolePolicy", "arn:aws:iam::1:role/ops", map[string]string{"aws:ResourceTag/Stack": "app"}}, false},
		{"explicit deny wins, any value of a list key", Request{"kms:ScheduleKeyDeletion", "k", map[string]string{"kms:ResourceAliases": "alias/a,alias/x-backup"}}, false},
		{"deny does not apply", Request{"kms:ScheduleKeyDeletion", "k", map[string]string{"kms:ResourceAliases": "alias/a"}}, true},
		{"deny beats a wildcard allow", Request{"secretsmanager:GetSecretValue", "s", nil}, false},
		{"an operator it does not know never allows", Request{"s3:GetObject", "o", map[string]string{"s3:max-keys": "1"}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, Allows(policy, tt.req)) })
	}
}
